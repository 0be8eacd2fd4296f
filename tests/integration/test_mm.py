"""The memory manager seen from programs: mmtest and mmrandom, then mm's
validators, and every page coming back when the programs exit.

One boot for the module.  Each program runs once; every case id it must
print is listed here, so a case that goes missing (a crash part-way, a
renamed case) fails rather than passing silently.

Free memory is compared exactly.  The first program a fresh system runs
costs a few pages for good (init grows a little, and mm tops up the page
table pool it donates to the kernel), so one `run hello` comes first;
after that a program's run must leave MemFree where it found it.
"""
import re

import pytest

from conftest import case_results

MMTEST_GROUPS = {
    "zero": ["first_read", "read_then_write", "reused_frames"],
    "mmap": ["private_anon", "fixed_replace", "fixed_noreplace", "populate",
             "noreserve", "hint", "hint_unaligned", "no_overlap",
             "large_sparse"],
    "munmap": ["hole_two_vmas", "middle", "access_segv", "unmapped_ok"],
    "mprotect": ["read_only", "none_then_rw", "none_segv", "split_middle",
                 "split_middle_segv", "write_only", "partly_unmapped"],
    "brk": ["grow_zero", "shrink_regrow", "below_start"],
    "madvise": ["dontneed", "hints", "pageout", "bad_advice"],
    "mincore": ["touch", "unaligned", "unmapped"],
    "errno": ["fixed_unaligned", "len_zero", "huge_len", "map_type",
              "unknown_flags", "bad_prot", "munmap", "mprotect_unaligned",
              "msync", "kernel_half", "kernel_hint"],
    "cow": ["child_write", "parent_write", "stack_heap", "three_generations",
            "child_exit_intact", "reuse_after_exit", "reuse_after_break",
            "child_unmaps", "shared_anon"],
    "stack": ["deep_recursion", "overflow_segv"],
    "exit": ["returns_memory"],
}
MMTEST_CASES = ["mm.%s.%s" % (g, c) for g, cs in MMTEST_GROUPS.items()
                for c in cs]
MMRANDOM_CASES = ["mm.random.sequence", "mm.random.faults"]
PROGRAMS = {"mmtest": MMTEST_CASES, "mmrandom": MMRANDOM_CASES}

_runs = {}


def _memfree(guest):
    out = guest.run("meminfo")
    m = re.search(r"^MemFree:\s+(\d+) kB", out, re.M)
    assert m, out
    return int(m.group(1))


def _run(guest, prog):
    """Run prog once: (output, {case: reason}, MemFree before, after)."""
    if not _runs:
        guest.run("run hello")          # the one-time costs, see above
    if prog not in _runs:
        before = _memfree(guest)
        out = guest.run("run " + prog)
        _runs[prog] = (out, case_results(out), before, _memfree(guest))
    return _runs[prog]


@pytest.mark.parametrize("case", MMTEST_CASES)
def test_mmtest(guest, case):
    out, res, _, _ = _run(guest, "mmtest")
    assert case in res, out
    assert res[case] is None, res[case]


@pytest.mark.parametrize("case", MMRANDOM_CASES)
def test_mmrandom(guest, case):
    out, res, _, _ = _run(guest, "mmrandom")
    assert case in res, out
    assert res[case] is None, res[case]


@pytest.mark.parametrize("prog", sorted(PROGRAMS))
def test_every_case_listed(guest, prog):
    """No case runs that this file does not know about, and the tally is there."""
    out, res, _, _ = _run(guest, prog)
    assert sorted(set(res) - set(PROGRAMS[prog])) == [], out
    assert re.search(r"^\d+ passed, \d+ failed$", out, re.M), out


@pytest.mark.parametrize("prog", sorted(PROGRAMS))
def test_memory_returned(guest, prog):
    _, _, before, after = _run(guest, prog)
    assert after == before, "MemFree %d kB before `run %s`, %d kB after" % (
        before, prog, after)


def test_mmcheck_after_runs(guest):
    for prog in sorted(PROGRAMS):
        _run(guest, prog)
    out = guest.run("mmcheck")
    assert "mmcheck: ok" in out, out
    assert "KERNEL PANIC" not in guest.output()
    assert guest.alive()
