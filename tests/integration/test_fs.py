"""The file server (servers/fs) on an ext2 image, checked from both sides.

Boots once with a private copy of the default image (tools/run --fs FILE),
runs the in-guest fstest (one pytest case per PASS/FAIL line) and the shell's
ls/cat/sync, halts, and then checks the image on the host: `e2fsck -fn`
must find it clean, and `debugfs -R 'cat PATH'` must give each file fstest
left behind byte for byte (what it unlinked or removed must be gone).

A second boot attaches an image that is not a file system: fs refuses it
with a reason and the system carries on.
"""
import os
import shutil
import subprocess

import pytest

from conftest import Guest, case_results

import pagerk  # tools/, put on sys.path by conftest

FS_CASES = ["fs." + c for c in (
    "root", "mkdir", "write_read", "pread_pwrite", "truncate", "sparse",
    "append_excl", "rename", "unlink", "dirs", "readdir", "efault",
    "children", "bmap", "fuzz")]
TDIR = "/tmp/fstest"
SPARSE_AT = 5 << 20


def pattern(n, tag, start=0):
    return bytes((i * 7 + (i >> 12) * 13 + tag) & 0xff for i in range(start, start + n))


def debugfs(img, request):
    r = subprocess.run(["debugfs", "-R", request, img], stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE)
    return r.returncode, r.stdout, r.stderr.decode(errors="replace")


def cat(img, path):
    rc, out, err = debugfs(img, "cat " + path)
    assert rc == 0, err
    return out


def exists(img, path):
    rc, out, err = debugfs(img, "stat " + path)
    return "File not found" not in err and b"Inode:" in out


@pytest.fixture(scope="module")
def fs_run(tmp_path_factory):
    src = os.path.join(pagerk.DEFAULT_BUILD, "fs.img")
    img = str(tmp_path_factory.mktemp("fs") / "fs.img")
    shutil.copyfile(src, img)
    g = Guest(["--fs", img])
    try:
        out = g.run("run fstest")
        ls = g.run("ls " + TDIR)
        motd = g.run("cat /etc/motd")
        sync = g.run("sync")
        alive = g.alive()
        status = g.halt()
    finally:
        g.close()
    return {"out": out, "res": case_results(out), "ls": ls, "motd": motd,
            "sync": sync, "alive": alive, "status": status, "img": img,
            "log": g.output()}


@pytest.mark.parametrize("case", FS_CASES)
def test_fs_case(fs_run, case):
    assert case in fs_run["res"], fs_run["out"]
    assert fs_run["res"][case] is None, fs_run["res"][case]


def test_fs_mounted_and_halted_cleanly(fs_run):
    assert "fs: disk0: ext2, 4096-byte blocks" in fs_run["log"], fs_run["log"]
    assert fs_run["alive"]
    assert fs_run["status"] == 0, fs_run["log"][-2000:]


def test_fs_shell_commands(fs_run):
    for name in ("pattern", "trunc", "sparse", "appended", "renamed"):
        assert " %s\n" % name in fs_run["ls"], fs_run["ls"]
    assert "doomed" not in fs_run["ls"] and ".unlinked" not in fs_run["ls"]
    with open(os.path.join(pagerk.ROOT, "rootfs", "etc", "motd")) as f:
        assert f.read().strip() in fs_run["motd"]
    assert fs_run["sync"].strip() == ""


def test_fs_image_clean(fs_run):
    r = subprocess.run(["e2fsck", "-fn", fs_run["img"]], stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, text=True)
    assert r.returncode == 0, r.stdout


def test_fs_image_contents(fs_run):
    img = fs_run["img"]
    assert cat(img, TDIR + "/pattern") == pattern(300 * 1024, 1)
    assert cat(img, TDIR + "/trunc") == pattern(5000, 2)
    assert cat(img, TDIR + "/sparse") == bytes(SPARSE_AT) + pattern(5000, 3, SPARSE_AT)
    assert cat(img, TDIR + "/appended") == pattern(6000, 4)
    assert cat(img, TDIR + "/renamed") == pattern(777, 5)
    assert cat(img, TDIR + "/bmapped") == pattern(3 * 4096, 6)  # written by blk


def test_fs_image_removals(fs_run):
    img = fs_run["img"]
    for gone in ("old", "doomed", "gone", "sub", "efault", "child0", "child1", "child2"):
        assert not exists(img, TDIR + "/" + gone), gone
    rc, out, err = debugfs(img, "ls " + TDIR)
    assert b".unlinked" not in out, out


def test_fs_refuses_foreign_image(tmp_path):
    img = str(tmp_path / "junk.img")
    with open(img, "wb") as f:
        f.write(os.urandom(64 * 1024))
        f.truncate(8 << 20)
    g = Guest(["--fs", img])
    try:
        ls = g.run("ls /")
        alive = g.alive()
        status = g.halt()
    finally:
        g.close()
    assert "fs: disk0: not mounted: not an ext2 file system" in g.output(), g.output()
    assert "no file system" in ls
    assert alive and status == 0


def test_fs_bad_block_pointer_is_eio(tmp_path):
    """A file whose block pointer leaves the disk: EIO for it, the rest fine."""
    img = str(tmp_path / "bad.img")
    shutil.copyfile(os.path.join(pagerk.DEFAULT_BUILD, "fs.img"), img)
    rc, out, err = debugfs(img, "stat /etc/motd")
    assert rc == 0
    r = subprocess.run(["debugfs", "-w", "-R", "sif /etc/motd block[0] 0x7fffffff", img],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    assert r.returncode == 0, r.stdout
    g = Guest(["--fs", img])
    try:
        bad = g.run("cat /etc/motd")
        good = g.run("cat /etc/hostname")
        ls = g.run("ls /etc")
        alive = g.alive()
        status = g.halt()
    finally:
        g.close()
    assert "cat: /etc/motd: Input/output error" in bad, bad
    assert "pagerk" in good
    assert "motd" in ls and "hostname" in ls
    assert alive and status == 0
