"""The block driver (servers/blk) on scratch virtio-blk disks.

Boots once with two scratch disks (tools/run --disk a --disk b), runs the
in-guest blktest (one pytest case per PASS/FAIL line), then checks from the
host that what the guest wrote is really in the image files.  A second boot
attaches a swap disk made by tools/run --swap.
"""
import os
import struct

import pytest

from conftest import Guest, case_results

BLK_CASES = ["blk." + c for c in (
    "info", "open", "write_read", "last_sector", "flush", "range",
    "bad_phys", "bad_open", "inflight", "disk1", "close_free")]
DISK0_BYTES = 16 << 20
DISK1_BYTES = 1 << 20
SECTOR = 512


def pattern(sector, word, salt=0):
    return (0xb1c0 << 48 | sector << 16 | word) ^ salt


@pytest.fixture(scope="module")
def blk_run(tmp_path_factory):
    d = tmp_path_factory.mktemp("disks")
    disks = [str(d / "disk0.img"), str(d / "disk1.img")]
    for path, size in zip(disks, (DISK0_BYTES, DISK1_BYTES)):
        with open(path, "wb") as f:
            f.truncate(size)
    g = Guest(["--disk", disks[0], "--disk", disks[1]])
    try:
        out = g.run("run blktest")
        alive = g.alive()
        check = g.run("mmcheck")
        status = g.halt()
    finally:
        g.close()
    return {"out": out, "res": case_results(out), "alive": alive,
            "mmcheck": check, "status": status, "disks": disks,
            "log": g.output()}


@pytest.mark.parametrize("case", BLK_CASES)
def test_blk_case(blk_run, case):
    assert case in blk_run["res"], blk_run["out"]
    assert blk_run["res"][case] is None, blk_run["res"][case]


def test_blk_attached_both_disks(blk_run):
    log = blk_run["log"]
    assert "blk: disk0: %d sectors" % (DISK0_BYTES // SECTOR) in log, log
    assert "blk: disk1: %d sectors" % (DISK1_BYTES // SECTOR) in log, log


def test_blk_system_fine_afterwards(blk_run):
    assert blk_run["alive"]
    assert "mmcheck: ok" in blk_run["mmcheck"]
    assert blk_run["status"] == 0


def test_blk_data_reached_the_images(blk_run):
    with open(blk_run["disks"][0], "rb") as f:
        data = f.read(2048 * SECTOR)
    for sector in (0, 1, 777, 2047):
        words = struct.unpack_from("<64Q", data, sector * SECTOR)
        assert list(words) == [pattern(sector, w) for w in range(64)], sector
    with open(blk_run["disks"][1], "rb") as f:
        words = struct.unpack_from("<64Q", f.read(SECTOR))
    assert list(words) == [pattern(0, w, 0x1111) for w in range(64)]


def test_blk_swap_disk():
    """--swap makes a fresh mkswap'd image of its own, which mm swaps to,
    and removes it when the run ends."""
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    build = os.environ.get("PAGERK_BUILD") or os.path.join(root, "build")
    before = {f for f in os.listdir(build) if f.startswith("swap-")}
    g = Guest(["--swap", "2M"])
    try:
        g.run("echo up")
        status = g.halt()
    finally:
        g.close()
    assert "blk: disk0: 4096 sectors" in g.output(), g.output()
    assert "mm: swap: disk0: 2044 kB of swap" in g.output(), g.output()
    assert status == 0
    after = {f for f in os.listdir(build) if f.startswith("swap-")}
    assert after <= before, "swap images left behind: %s" % (after - before)
