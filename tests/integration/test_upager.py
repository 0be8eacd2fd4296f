"""User-level pagers for child address spaces (lib/c upager.h; frames
lent by mm with MM_FRAMES_LEND, docs/pager-protocol.md section 9).

tests/guest/upagertest.c prints one PASS/FAIL line per case; each is a
case here.  Around them: the frames come back to mm when the program
exits (MemFree to the page, give or take mm's own slab), also after the
quota is used up and after a program leaves a child spinning (the kernel
kills what a dead pager served); the example program computes a table on
demand; and the benchmark line is kept in BUILD/upager-bench.txt for
docs/benchmarks.md.
"""
import os
import re

import pytest

from conftest import ROOT, case_results

CASES = ["upager.pattern", "upager.refuse", "upager.nested",
         "upager.textwrite", "upager.forge", "upager.fork",
         "upager.badinput",
         "upager.storm"]
BUILD = os.environ.get("PAGERK_BUILD", os.path.join(ROOT, "build"))
SLACK_KB = 64          # mm's slab and page maps may keep a little more

_runs = {}


def _memfree(guest):
    m = re.search(r"^MemFree:\s+(\d+) kB", guest.run("meminfo"), re.M)
    assert m
    return int(m.group(1))


def _run(guest, cmd):
    """Run cmd once per guest: (output, MemFree before, MemFree after)."""
    if cmd not in _runs:
        guest.run("run hello")          # mm's caches warm
        before = _memfree(guest)
        out = guest.run(cmd)
        _runs[cmd] = (out, before, _memfree(guest))
    return _runs[cmd]


@pytest.mark.parametrize("case", CASES)
def test_upager_case(guest, case):
    out, _, _ = _run(guest, "run upagertest")
    res = case_results(out)
    assert case in res, out
    assert res[case] is None, res[case]


def test_upager_counts_faults(guest):
    """The pattern pager saw exactly one fault per page it served."""
    out, _, _ = _run(guest, "run upagertest")
    assert re.search(r"upager\.pattern: \d+ faults \(\d+ image, \d+ stack, "
                     r"64 pattern\)", out), out
    assert "upager.storm: 100000 faults" in out, out


def test_upager_frames_back(guest):
    """Every frame lent for all the cases is mm's free memory again."""
    out, before, after = _run(guest, "run upagertest")
    assert after >= before - SLACK_KB, (before, after, out)
    assert "mmcheck: ok" in guest.run("mmcheck")


def test_upager_quota(guest):
    """A program gets MM_LEND_CTX_PAGES frames and not one more; they all
    come back at its exit."""
    out, before, after = _run(guest, "run upagertest quota")
    assert case_results(out).get("upager.quota", "missing") is None, out
    assert after >= before - SLACK_KB, (before, after)


def test_upager_orphan_killed(guest):
    """A program that exits with its child spinning in a space it served:
    the kernel kills the child with it, and the frames come back."""
    out, before, after = _run(guest, "run upagertest orphan")
    assert "upager.orphan: leaving a child spinning" in out, out
    assert "FAIL" not in out, out
    assert after >= before - SLACK_KB, (before, after)
    assert guest.alive()


def test_upager_demo(guest):
    """The example: a million squares computed on demand, one fault per
    page of the table (1954 pages), served from a ring of 16 frames."""
    out, _, _ = _run(guest, "run upagerdemo")
    m = re.search(r"upagerdemo: sum of 1000000 squares = \d+ \((\w+)\), "
                  r"\d+ faults: (\d+) table pages", out)
    assert m, out
    assert m.group(1) == "right" and int(m.group(2)) == 1954, out


def test_upager_bench(guest):
    """Cost of a write fault served by a user-level pager vs by mm."""
    out, _, _ = _run(guest, "run upagertest bench")
    m = re.search(r"upager\.bench: write fault served by this program "
                  r"(\d+) ns, by mm (\d+) ns.*", out)
    assert m, out
    with open(os.path.join(BUILD, "upager-bench.txt"), "w") as f:
        f.write(m.group(0) + "\n")
    assert int(m.group(1)) > 0 and int(m.group(2)) > 0
