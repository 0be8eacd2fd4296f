"""Memory pressure: swap, reclaim, kswapd and the OOM killer.

Small guests (64 MiB) with a swap disk made by tools/run --swap run the
in-guest swaptest (tests/guest/swaptest.c): every PASS/FAIL line is a case,
and vmstat/meminfo read through the shell around each run must show the
pages really went to swap and came back, and that everything is returned
afterwards (swap slots, swap cache, validators).
"""
import os
import re
import subprocess

import pytest

from conftest import Guest, ROOT, case_results
import test_peer

GUEST_MEM = "64M"


def vmstat(g):
    return {k: int(v) for k, v in re.findall(r"^(\w+) (\d+)$", g.run("vmstat"), re.M)}


def meminfo(g):
    return {k: int(v) for k, v in re.findall(r"^([\w()]+):\s+(\d+) kB$", g.run("meminfo"), re.M)}


def delta(after, before, key):
    return after[key] - before[key]


@pytest.fixture(scope="module")
def pressure():
    """One boot: 64 MiB of RAM, 512 MiB of swap; fill, fork, pageout."""
    g = Guest(["--mem", GUEST_MEM, "--swap", "512M"])
    res = {"boot": g.output()}
    try:
        for name, cmd in (("fill", "run swaptest fill 192"),
                          ("fork", "run swaptest fork 96"),
                          ("pageout", "run swaptest pageout 8")):
            before = vmstat(g)
            out = g.run(cmd)
            res[name] = (out, before, vmstat(g))
        res["meminfo"] = meminfo(g)
        res["mmcheck"] = g.run("mmcheck")
        res["alive"] = g.alive()
        res["status"] = g.halt()
    finally:
        g.close()
    return res


FILL_CASES = ["swap.fill.write", "swap.fill.verify1", "swap.fill.verify2"]
FORK_CASES = ["swap.fork." + c for c in ("parent_own_half", "parent_child_half",
                                         "child_own_half", "child_parent_half", "child")]
PAGEOUT_CASES = ["swap.pageout." + c for c in ("madvise", "mincore", "readback", "rewrite")]


def _case(res, run, case):
    out = res[run][0]
    results = case_results(out)
    assert case in results, "%s never reported:\n%s" % (case, out)
    assert results[case] is None, results[case]


def test_swap_enabled_at_boot(pressure):
    assert re.search(r"mm: swap: disk0: 524284 kB of swap", pressure["boot"])


@pytest.mark.parametrize("case", FILL_CASES)
def test_fill_three_times_ram(pressure, case):
    _case(pressure, "fill", case)


def test_fill_really_swapped(pressure):
    out, before, after = pressure["fill"]
    # 192 MiB through 64 MiB of RAM: most of it must have gone out and in
    assert delta(after, before, "pswpout") > 100 << 8, after
    assert delta(after, before, "pswpin") > 100 << 8, after
    assert delta(after, before, "kswapd_wakeup") > 0
    assert delta(after, before, "pgsteal_kswapd") > 0
    assert delta(after, before, "pgscan_kswapd") >= delta(after, before, "pgsteal_kswapd")
    # readahead: far fewer major faults than pages read
    assert delta(after, before, "pgmajfault") * 4 < delta(after, before, "pswpin")


@pytest.mark.parametrize("case", FORK_CASES)
def test_fork_over_swapped_memory(pressure, case):
    _case(pressure, "fork", case)


@pytest.mark.parametrize("case", PAGEOUT_CASES)
def test_madv_pageout(pressure, case):
    _case(pressure, "pageout", case)


def test_pageout_went_through_swap(pressure):
    out, before, after = pressure["pageout"]
    assert delta(after, before, "pswpout") >= 2 * 2048 - 64
    assert delta(after, before, "pswpin") >= 2048 - 64


def test_everything_returned(pressure):
    m = pressure["meminfo"]
    assert m["SwapTotal"] == 524284
    assert m["SwapFree"] == m["SwapTotal"], m
    assert m["SwapCached"] == 0, m
    assert "mmcheck: ok" in pressure["mmcheck"]
    assert pressure["alive"]
    assert pressure["status"] == 0


# --- OOM ---------------------------------------------------------------------

@pytest.fixture(scope="module")
def oom():
    g = Guest(["--mem", GUEST_MEM, "--swap", "32M"])
    res = {}
    try:
        res["run"] = g.run("run swaptest oom 16")
        res["ps"] = g.run("ps")
        res["alive"] = g.alive()
        res["vmstat"] = vmstat(g)
        res["meminfo"] = meminfo(g)
        res["mmcheck"] = g.run("mmcheck")
        res["adj_bad"] = g.run("oom_score_adj 2 5000")
        res["adj_nopid"] = g.run("oom_score_adj 999 10")
        res["adj_ok"] = g.run("oom_score_adj 2 -1000")
        res["status"] = g.halt()
    finally:
        g.close()
    return res


@pytest.mark.parametrize("case", ["swap.oom.hog_killed", "swap.oom.bystander"])
def test_oom_cases(oom, case):
    results = case_results(oom["run"])
    assert results.get(case, "missing") is None, oom["run"]


def test_oom_report_names_the_hog(oom):
    out = oom["run"]
    hog = re.search(r"bystander (\d+), hog (\d+)", out).group(2)
    assert "invoked oom-killer" in out
    assert re.search(r"Tasks state", out)
    assert re.search(r"Killed process %s \(hog\)" % hog, out), out
    assert re.search(r"oom_reaper: reaped process %s \(hog\)" % hog, out)
    # init and blk are -1000 in the table and never chosen
    assert re.search(r"\[\s+1\].*-1000 init", out)
    assert re.search(r"\[\s+2\].*-1000 blk", out)


def test_oom_leaves_the_system_working(oom):
    assert oom["alive"]
    assert oom["vmstat"]["oom_kill"] >= 1
    assert "hog" not in oom["ps"]
    assert oom["meminfo"]["SwapFree"] == oom["meminfo"]["SwapTotal"]
    assert "mmcheck: ok" in oom["mmcheck"]
    assert oom["status"] == 0


def test_oom_score_adj_command(oom):
    assert "Invalid argument" in oom["adj_bad"]
    assert "No such process" in oom["adj_nopid"]
    assert oom["adj_ok"].strip() == ""


# --- Without swap: a bad header is refused, the system runs on -------------

def _bad_image(tmp_path, kind):
    path = str(tmp_path / ("%s.img" % kind))
    with open(path, "wb") as f:
        f.truncate(8 << 20)
    if kind == "corrupt":
        subprocess.check_call(["/sbin/mkswap", "-q", path])
        with open(path, "r+b") as f:      # last_page far beyond the device
            f.seek(1028)
            f.write((1 << 30).to_bytes(4, "little"))
    return path


@pytest.mark.parametrize("kind,message", [
    ("missing", r"mm: swap: disk0: .*signature.*; running without swap"),
    ("corrupt", r"mm: swap: disk0: .*last.*; running without swap"),
])
def test_bad_swap_header(tmp_path, kind, message):
    g = Guest(["--mem", GUEST_MEM, "--swap-image", _bad_image(tmp_path, kind)])
    try:
        boot = g.output()
        out = g.run("run swaptest fill 8")
        m = meminfo(g)
        status = g.halt()
    finally:
        g.close()
    assert re.search(message, boot, re.I), boot
    assert m["SwapTotal"] == 0
    assert all(v is None for v in case_results(out).values()) and case_results(out), out
    assert status == 0


# --- Many processes under pressure while blk is busy ------------------------

def test_multi_process_pressure_with_busy_blk(tmp_path):
    scratch = str(tmp_path / "scratch.img")
    with open(scratch, "wb") as f:
        f.truncate(64 << 20)
    g = Guest(["--mem", GUEST_MEM, "--disk", scratch, "--swap", "256M"])
    try:
        out = g.run("run swaptest multi 4 24 0")
        st = vmstat(g)
        alive = g.alive()
        check = g.run("mmcheck")
        status = g.halt()
    finally:
        g.close()
    assert case_results(out).get("swap.multi", "missing") is None, out
    assert st["pswpout"] > 0 and st["pswpin"] > 0
    assert alive and "mmcheck: ok" in check and status == 0


# --- The peer tests again, in a small guest with swap -----------------------

PEER_SMALL = ["--mem", "48M", "--swap", "128M"]
_small_runs = {}


def small_run(prog):
    if prog not in _small_runs:
        cmd = [test_peer.RUN_CLIENT, "--no-build", "--accel",
               os.environ.get("PAGERK_ACCEL", "tcg"), "--timeout",
               str(test_peer.PROGRAM_TIMEOUT)] + PEER_SMALL + [
               test_peer.peer_source(prog), test_peer.NO_FILES]
        r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           text=True, errors="replace",
                           timeout=test_peer.PROGRAM_TIMEOUT + 120)
        _small_runs[prog] = (r.stdout, r.returncode, r.stderr)
    return _small_runs[prog]


@pytest.mark.parametrize("prog", test_peer._program_params())
def test_peer_small_guest_with_swap(prog):
    out, rc, err = small_run(prog)
    results, problems = test_peer.check_output(out, rc)
    if rc is not None and rc >= 124:
        problems.insert(0, "run-client failed (%s): %s" % (rc, err.strip()))
    assert not problems, "%s\n--- output ---\n%s" % ("\n".join(problems), out)
    assert results and all(v != "FAIL" for v, _ in results.values()), out


# --- The block driver dies under pressure -----------------------------------

def test_blk_killed_under_pressure():
    """Swap-out then fails cleanly (EPIPE, said once), and the OOM killer
    takes the program that needed it; nothing hangs, nothing leaks."""
    g = Guest(["--mem", GUEST_MEM, "--swap", "256M"])
    try:
        g.run("run swaptest fill 160 &")
        g.run("kill 2")
        out = g.run("wait 3")
        alive = g.alive()
        check = g.run("mmcheck")
        m = meminfo(g)
        status = g.halt()
    finally:
        g.close()
    assert "mm: swap: the block driver is gone" in g.output()
    assert re.search(r"Killed process 3 \(swaptest\)", out), out
    assert "killed by SIGKILL" in out
    assert g.output().count("failed (-32)") <= 8     # not one line per write
    assert alive and "mmcheck: ok" in check
    assert m["SwapCached"] == 0 and m["SwapFree"] == m["SwapTotal"]
    assert status == 0
