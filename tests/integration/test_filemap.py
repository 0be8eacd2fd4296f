"""File-backed mmap through mm's page cache (servers/mm/file.c).

Boots with a private copy of the file-system image, runs the in-guest
filemap test (one pytest case per PASS/FAIL line), halts, and then checks
on the host with debugfs that what the guest wrote through MAP_SHARED is
in the file, byte for byte, that private writes are not, and that
e2fsck finds the image clean.
"""
import os
import re
import shutil
import subprocess

import pytest

from conftest import Guest, ROOT, case_results

import pagerk  # tools/, put on sys.path by conftest

CASES = ["filemap." + c for c in ("private_read", "private_cow", "shared_msync",
                                  "shared_munmap", "sigbus", "shared_fork", "coherent_write_to_map",
                                  "coherent_map_to_read", "truncate_sigbus", "write_grow",
                                  "read_to", "errors")]
PAGE = 4096
FSIZE = 3 * PAGE + PAGE // 2


def pat(i):
    return (i * 7 + (i >> 12) * 13 + 1) & 0xff


def expected():
    b = bytearray(pat(i) for i in range(FSIZE))
    msg = b"written through MAP_SHARED\0"
    b[2 * PAGE + 100:2 * PAGE + 100 + len(msg)] = msg
    msg2 = b"and at munmap\0"
    b[3 * PAGE + 10:3 * PAGE + 10 + len(msg2)] = msg2
    b[10] = 0xab
    b[20] = 0xcd
    w = b"via write()\0"
    b[PAGE + 300:PAGE + 300 + len(w)] = w
    b[2 * PAGE + 7] = 0x5a
    return bytes(b)


def tool(name):
    return shutil.which(name) or os.path.join("/sbin", name)


def host_file(img, path):
    """The bytes of path in the ext2 image img, read on the host."""
    return subprocess.run([tool("debugfs"), "-R", "cat " + path, img],
                          stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                          check=True).stdout


def host_words(img, path, size):
    """The file, size bytes long, as 64-bit words."""
    data = host_file(img, path)
    assert len(data) == size
    return memoryview(data).cast("Q")


def assert_image_clean(img):
    r = subprocess.run([tool("e2fsck"), "-fn", img], stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, text=True)
    assert r.returncode == 0, r.stdout


def run_on_image(img_dir, extra, cmds):
    """Boot with a private copy of the file-system image (in img_dir) and
    the extra tools/run flags, run each shell command, halt: (the
    commands' outputs, the halt status, the image's path)."""
    img = str(img_dir / "fs.img")
    shutil.copy(os.path.join(pagerk.DEFAULT_BUILD, "fs.img"), img)
    g = Guest(["--fs", img] + extra)
    try:
        outs = [g.run(c) for c in cmds]
        status = g.halt()
    finally:
        g.close()
    return outs, status, img


def vmstat_values(text):
    return {k: int(v) for k, v in re.findall(r"^(\w+) (\d+)$", text, re.M)}


@pytest.fixture(scope="module")
def filemap_run(tmp_path_factory):
    (out, mem, check), status, img = run_on_image(
        tmp_path_factory.mktemp("fs"), [],
        ["run filemap", "meminfo", "mmcheck"])
    return {"out": out, "mem": mem, "check": check, "status": status, "img": img}


@pytest.mark.parametrize("case", CASES)
def test_filemap_case(filemap_run, case):
    res = case_results(filemap_run["out"])
    assert case in res, filemap_run["out"]
    assert res[case] is None, res[case]


def test_file_on_disk_matches(filemap_run):
    assert filemap_run["status"] == 0
    data = host_file(filemap_run["img"], "/tmp/filemap.dat")
    assert len(data) == FSIZE
    assert data == expected()


def test_image_clean(filemap_run):
    assert_image_clean(filemap_run["img"])


def test_nothing_left_dirty(filemap_run):
    """Clean pages stay cached after the last unmap; dirty ones were
    written back by then."""
    assert "Dirty:                 0 kB" in filemap_run["mem"], filemap_run["mem"]
    assert "mmcheck: ok" in filemap_run["check"]


def test_file_larger_than_ram():
    """A 48 MiB file through a 24 MiB guest (twice its RAM): read twice
    through a private mapping, then changed through a shared one; file
    pages are reclaimed (clean ones dropped, dirty ones written back
    first), nothing is lost."""
    g = Guest(["--mem", "24M"])
    try:
        out = g.run("run filemap big 48")
        st = g.run("vmstat")
        check = g.run("mmcheck")
        status = g.halt()
    finally:
        g.close()
    res = case_results(out)
    for case in ("filemap.big_write", "filemap.big_read", "filemap.big_shared"):
        assert res.get(case, "missing") is None, out
    val = vmstat_values(st)
    assert val["file_pages_reclaimed"] > 5000, st
    # readahead: 48 MiB read twice through the mapping is 24576 page
    # reads, in far fewer faults; most pages came in ahead of need and
    # were mapped by fault-around without a fault of their own
    assert val["file_readahead_pages"] > 10000 and val["file_readahead_async"] > 100, st
    assert val["file_map_around"] > 10000, st
    assert val["pgfault_file"] < val["file_pages_read"] / 2, st
    assert "oom_kill 0" in st
    assert "mmcheck: ok" in check and status == 0


def _file_pages_read(g):
    st = g.run("vmstat")
    return int(re.search(r"^file_pages_read (\d+)$", st, re.M).group(1))


def _pages_read_running(cmds):
    g = Guest()
    try:
        before = _file_pages_read(g)
        out = "".join(g.run(c) for c in cmds)
        n = _file_pages_read(g) - before
        again_before = _file_pages_read(g)
        g.run("run /bin/swaptest fill 8")
        again = _file_pages_read(g) - again_before
        check = g.run("mmcheck")
        status = g.halt()
    finally:
        g.close()
    assert "FAIL" not in out and "mmcheck: ok" in check and status == 0, out
    return n, again


def test_programs_run_from_the_file_system():
    """`run /bin/NAME` loads NAME from the file system, demand-paged from
    the page cache: mmtest passes from there; two instances at once read
    the program's pages about once, as one instance does (they share them);
    a later run finds them all cached."""
    g = Guest()
    try:
        out = g.run("run /bin/mmtest")
        status = g.halt()
    finally:
        g.close()
    assert "56 passed, 0 failed" in out and status == 0, out
    one, _ = _pages_read_running(["run /bin/swaptest fill 24"])
    two, again = _pages_read_running(["run /bin/swaptest fill 24 &",
                                      "run /bin/swaptest fill 24 &",
                                      "wait", "wait"])
    # not shared would be about twice one run's reads (readahead windows
    # may differ a little with two readers)
    assert one > 0 and two < 1.5 * one, (one, two)
    assert again == 0


HALT_PROGRAM = r"""
#include <fcntl.h>
#include <unistd.h>

int main(void)
{
	static char buf[3 * 4096 + 100];
	int fd = open("/tmp/halted.txt", O_CREAT | O_RDWR | O_TRUNC, 0644);

	for (unsigned i = 0; i < sizeof(buf); i++)
		buf[i] = (char)('A' + i % 26);
	if (fd < 0 || write(fd, buf, sizeof(buf)) != (long)sizeof(buf))
		return 1;
	return close(fd);	/* no fsync: the pages are dirty in mm */
}
"""


def test_clean_halt_writes_back(tmp_path):
    """write() leaves dirty pages in mm's page cache; a clean halt (the
    run-client's) writes them back first, and the image is clean."""
    img = str(tmp_path / "fs.img")
    shutil.copy(os.path.join(pagerk.DEFAULT_BUILD, "fs.img"), img)
    src = tmp_path / "halter.c"
    src.write_text(HALT_PROGRAM)
    r = subprocess.run([os.path.join(ROOT, "tools", "run-client"), "--no-build",
                        "--fs", img, str(src)], stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, text=True, timeout=600)
    assert r.returncode == 0, r.stderr
    data = host_file(img, "/tmp/halted.txt")
    assert data == bytes(ord("A") + i % 26 for i in range(3 * 4096 + 100))
    assert_image_clean(img)


def test_dirty_files_and_anon_under_pressure(tmp_path):
    """A 48 MiB guest with swap: 16 MiB of file written and changed through
    a shared mapping while 64 MiB of anonymous memory is filled; nothing
    is lost, and after the halt the file on the image is exactly what was
    written and e2fsck finds the image clean."""
    (out, st), status, img = run_on_image(
        tmp_path, ["--mem", "48M", "--swap", "256M"],
        ["run filemap mixed 16 64", "vmstat"])
    assert case_results(out).get("filemap.mixed", "missing") is None, out
    assert re.search(r"^pswpout [1-9]", st, re.M), st
    assert status == 0
    words = host_words(img, "/tmp/mixed.dat", 16 << 20)
    for pg in range(16 * 256):
        base = pg * 512
        assert words[base + 3] == (~((pg << 20) | 3)) & (2**64 - 1), pg
        assert words[base + 4] == (pg << 20) | 4, pg
    assert_image_clean(img)


def test_writeback_error_reaches_fsync():
    """The block driver dies; a write() to a cached page still succeeds,
    and the failed writeback comes back from the next fsync() as EIO."""
    g = Guest()
    try:
        prep = g.run("run filemap prep")
        g.run("kill 2")
        out = g.run("run filemap ioerr")
        alive = g.alive()
    finally:
        g.close()
    assert case_results(prep).get("filemap.ioerr_prep", "missing") is None, prep
    assert case_results(out).get("filemap.ioerr", "missing") is None, out
    assert alive


def test_readahead_in_flight():
    """Readahead ahead of the reader (mm's I/O thread, iothread.c): in a
    guest too small to keep them cached, two files are written; then a
    truncate that meets a window still being read, and a sequential read
    through a mapping while the next windows come in; then, with the block
    driver killed, a page that must come from the disk is EIO through
    read() and SIGBUS through a mapping, and mm runs on."""
    g = Guest(["--mem", "24M"])
    try:
        made = g.run("run filemap cold 16")
        out = g.run("run filemap coldcheck")
        st = g.run("vmstat")
        check = g.run("mmcheck")
        g.run("kill 2")
        dead = g.run("run filemap colddead")
        alive = g.alive()
        check2 = g.run("mmcheck")
    finally:
        g.close()
    assert case_results(made).get("filemap.cold_write", "missing") is None, made
    res = case_results(out)
    for case in ("filemap.readahead_truncate", "filemap.readahead_read"):
        assert res.get(case, "missing") is None, out
    val = vmstat_values(st)
    # the windows after the first were read by the I/O thread
    assert val["io_async_reads"] > 20, st
    assert val["file_readahead_async"] > 20, st
    assert val["file_read_error"] == 0, st
    assert "mmcheck: ok" in check, check
    assert case_results(dead).get("filemap.readahead_dead_disk",
                                  "missing") is None, dead
    assert alive and "mmcheck: ok" in check2, check2


def test_writers_throttled_by_writeback(tmp_path):
    """balance_dirty_pages: a writer faster than the disk, in a 48 MiB
    guest, passes the dirty ratio; its file's writeback goes to mm's I/O
    thread and the writer waits for it while mm serves the rest.  After
    fsync nothing is dirty or under writeback, the file on the image is
    what was written, and e2fsck finds the image clean."""
    (out, st, mem), status, img = run_on_image(
        tmp_path, ["--mem", "48M"],
        ["run filemap throttle 24", "vmstat", "meminfo"])
    assert case_results(out).get("filemap.throttle", "missing") is None, out
    val = vmstat_values(st)
    assert val["dirty_throttle"] > 0, st
    assert val["io_async_writes"] > 10, st
    assert val["nr_writeback"] == 0, st
    assert re.search(r"^Writeback:\s+0 kB", mem, re.M), mem
    assert status == 0
    words = host_words(img, "/tmp/throttle.dat", 24 << 20)
    for pg in range(24 * 256):
        for w in (0, 64, 448):
            assert words[pg * 512 + w] == (pg << 20) | w, (pg, w)
    assert_image_clean(img)
