"""The peer VM tests (../shared/peer-tests): conformance tests written by
other projects, run on our system through tools/run-client.

Each program runs once, and every case it has becomes a test here.  Every
program gets /tmp on the file-system image as its directory, so its file
cases run too (files are mapped through mm's page cache): PASS passes, SKIP
skips with the program's reason, FAIL fails with it, and a case that never
printed fails too.  The case list comes from the
programs' sources (their run("id", ...) calls), which peer-tests/README.md
lists as well; test_case_list_matches_readme keeps the two in step.

The output contract (checked per program, as run-on-linux.sh does): only
PASS/FAIL/SKIP lines, then `N passed, M failed[, K skipped]` matching them,
and exit status 0 iff nothing failed.  The checker itself is tested against
the same programs built for and run on the host (Linux), where every case
passes or skips, and against hand-made bad outputs.

The peer directory is not ours: never edit it.
"""
import os
import re
import resource
import subprocess
import sys

import pytest

from conftest import ROOT

import pagerk  # tools/, put on sys.path by conftest

# Beside the repository, as CI clones it; PAGERK_PEER_TESTS points elsewhere.
PEER_DIR = os.environ.get("PAGERK_PEER_TESTS") or os.path.normpath(
    os.path.join(ROOT, "..", "shared", "peer-tests"))
RUN_CLIENT = os.path.join(ROOT, "tools", "run-client")
NO_FILES = "-"
FILES_DIR = "/tmp"
FILE_PROGRAMS = {"ltp_mprotect_msync", "netbsd_t_mmap", "netbsd_t_mprotect",
                 "netbsd_t_msync", "opts_mmap_munmap", "xv6_cowtest",
                 "xv6_mmaptest", "xv6_usertests_vm"}
# Seconds for one program's boot and run under TCG.  Programs finish in
# seconds; a hung case is killed by the program's own watchdog after
# PEER_TEST_TIMEOUT (default 120 s, left alone), so this only stops a wedged
# system, or a program with several hung cases: its missing cases fail.
PROGRAM_TIMEOUT = 300
HOST_TIMEOUT = 60

CASE_LINE = re.compile(r"^(PASS) (\S+)$|^(FAIL|SKIP) (\S+): (.*)$")
SUMMARY = re.compile(r"^(\d+) passed, (\d+) failed(?:, (\d+) skipped)?$")
CASE_CALL = re.compile(r"\brun(?:_files)?\(\s*\"([^\"]+)\"")


def peer_programs():
    if not os.path.isdir(PEER_DIR):
        return []
    return sorted(f[:-2] for f in os.listdir(PEER_DIR) if f.endswith(".c"))


def peer_source(prog):
    return os.path.join(PEER_DIR, prog + ".c")


def case_ids(prog):
    """The case ids a program reports, in order, from its run() calls."""
    with open(peer_source(prog)) as f:
        return CASE_CALL.findall(f.read())


def check_output(out, rc):
    """Check a program's output against the contract.

    Returns (results, problems): results maps each case id to (verdict,
    reason); problems lists every way the output breaks the contract.
    """
    lines = out.rstrip("\n").split("\n") if out.strip() else []
    results, problems, counts = {}, [], {"PASS": 0, "FAIL": 0, "SKIP": 0}
    for ln in lines[:-1]:
        m = CASE_LINE.match(ln)
        if not m:
            problems.append("stray output: %r" % ln)
            continue
        verdict, case = (m.group(1), m.group(2)) if m.group(1) else (m.group(3), m.group(4))
        if case in results:
            problems.append("case %s reported twice" % case)
        results[case] = (verdict, m.group(5))
        counts[verdict] += 1
    want = "%d passed, %d failed" % (counts["PASS"], counts["FAIL"])
    if counts["SKIP"]:
        want += ", %d skipped" % counts["SKIP"]
    last = lines[-1] if lines else ""
    if last != want:
        problems.append("last line is %r, expected %r" % (last, want))
    if rc != 0 and counts["FAIL"] == 0:
        problems.append("exit status %d with no failures" % rc)
    if rc == 0 and counts["FAIL"]:
        problems.append("exit status 0 with failures")
    return results, problems


# --- Runs on our system, once per program -----------------------------------

_runs = {}


def guest_run(prog):
    """(output, exit status, results, problems) of `run-client PROG.c -`."""
    if prog not in _runs:
        cmd = [RUN_CLIENT, "--no-build", "--accel", os.environ.get("PAGERK_ACCEL", "tcg"),
               "--timeout", str(PROGRAM_TIMEOUT), peer_source(prog),
               FILES_DIR if prog in FILE_PROGRAMS else NO_FILES]
        try:
            r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True, errors="replace", timeout=PROGRAM_TIMEOUT + 120)
            out, err, rc = r.stdout, r.stderr, r.returncode
        except subprocess.TimeoutExpired as e:
            out = e.stdout.decode(errors="replace") if e.stdout else ""
            err, rc = "run-client itself hung", None
        results, problems = check_output(out, rc)
        if rc is None or rc >= 124:
            problems.insert(0, "run-client failed (status %s): %s" % (rc, err.strip()))
        _runs[prog] = (out, rc, results, problems)
    return _runs[prog]


NO_PEER_DIR = "no peer tests: %s is missing" % PEER_DIR


def _program_params():
    return [pytest.param(p, id=p) for p in peer_programs()] or [
        pytest.param(None, id="missing", marks=pytest.mark.skip(reason=NO_PEER_DIR))]


def _case_params():
    params = [pytest.param(p, c, id="%s/%s" % (p, c))
              for p in peer_programs() for c in case_ids(p)]
    return params or [pytest.param(None, None, id="missing",
                                   marks=pytest.mark.skip(reason=NO_PEER_DIR))]


@pytest.mark.parametrize("prog", _program_params())
def test_compiles_against_our_libc(prog, tmp_path):
    ok, log = pagerk.compile_user_program(peer_source(prog), str(tmp_path / prog),
                                          pagerk.DEFAULT_BUILD, pagerk.PEER_CFLAGS)
    assert ok, log


@pytest.mark.parametrize("prog", _program_params())
def test_output_contract(prog):
    out, rc, _, problems = guest_run(prog)
    assert not problems, "%s\n--- output ---\n%s" % ("\n".join(problems), out)


@pytest.mark.parametrize("prog,case", _case_params())
def test_case(prog, case):
    out, rc, results, problems = guest_run(prog)
    if case not in results:
        why = "; ".join(problems) or "the program ended without it"
        pytest.fail("%s never reported (%s)\n--- output ---\n%s" % (case, why, out),
                    pytrace=False)
    verdict, reason = results[case]
    if verdict == "SKIP":
        pytest.skip(reason)
    if verdict != "PASS":
        pytest.fail("FAIL %s: %s" % (case, reason), pytrace=False)


# --- The checker, on the host ----------------------------------------------

def test_case_list_matches_readme():
    """The ids from the sources match the README's Cases column."""
    if not peer_programs():
        pytest.skip(NO_PEER_DIR)
    with open(os.path.join(PEER_DIR, "README.md")) as f:
        table = dict(re.findall(r"^\| `(\w+)\.c` \|.*?\| (\d+) \| [^|]+ \|$", f.read(), re.M))
    assert sorted(table) == peer_programs()
    for prog in peer_programs():
        ids = case_ids(prog)
        assert len(ids) == len(set(ids)) == int(table[prog]), prog


def _host_limits():
    # As run-on-linux.sh: no core files, and a finite stack for stacktest.
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    hard = resource.getrlimit(resource.RLIMIT_STACK)[1]
    soft = 8 << 20 if hard == resource.RLIM_INFINITY else min(8 << 20, hard)
    resource.setrlimit(resource.RLIMIT_STACK, (soft, hard))


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="needs a Linux host")
@pytest.mark.parametrize("prog", _program_params())
def test_checker_on_linux(prog, tmp_path):
    """On Linux every case passes or skips, and the checker sees that."""
    binary = str(tmp_path / prog)
    subprocess.run(["cc"] + pagerk.PEER_CFLAGS + ["-o", binary, peer_source(prog)],
                   check=True)
    r = subprocess.run([binary, NO_FILES], stdout=subprocess.PIPE, text=True,
                       timeout=HOST_TIMEOUT, preexec_fn=_host_limits)
    results, problems = check_output(r.stdout, r.returncode)
    assert not problems, r.stdout
    assert list(results) == case_ids(prog)
    bad = {c: v for c, v in results.items() if v[0] == "FAIL"}
    assert not bad, r.stdout
    for verdict, reason in results.values():
        assert verdict == "PASS" or reason.startswith("needs files")


@pytest.mark.parametrize("out,rc,problem", [
    ("PASS a\nFAIL b: no\n1 passed, 1 failed\n", 1, None),
    ("PASS a\nSKIP b: needs files\n1 passed, 0 failed, 1 skipped\n", 0, None),
    ("PASS a\nhello\n1 passed, 0 failed\n", 0, "stray output"),
    ("PASS a\nPASS a\n2 passed, 0 failed\n", 0, "reported twice"),
    ("PASS a\nSKIP b: x\n1 passed, 0 failed\n", 0, "last line"),
    ("PASS a\n", 0, "last line"),
    ("", 0, "last line"),
    ("PASS a\n1 passed, 0 failed\n", 1, "exit status 1 with no failures"),
    ("FAIL a: x\n0 passed, 1 failed\n", 0, "exit status 0 with failures"),
    ("FAIL a\n0 passed, 1 failed\n", 1, "stray output"),
])
def test_checker_cases(out, rc, problem):
    results, problems = check_output(out, rc)
    if problem is None:
        assert not problems
        assert results["a"] == ("PASS", None)
    else:
        assert any(problem in p for p in problems), problems
