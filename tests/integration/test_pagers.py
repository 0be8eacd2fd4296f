"""Every pager against the anonymous-memory tests, side-by-side pagers, and
surviving a pager's death.

mm (the first pager of the default image) is covered by test_mm.py,
test_guest_programs.py and test_peer.py.  Here the same programs run under
the eager pager (servers/eagerpager) twice:

  image  the whole image boots with pager=eagerpager (tools/run --pager)
  side   mm boots first, and the shell's `run --pager eagerpager PROG`
         has init start the eager pager beside it, fed with frames mm
         grants (MM_FRAMES_GRANT), and serve PROG

A case either passes, or is skipped because the pager refused what it
asks for with a clear error, or because it measures a policy the eager
pager does not have by design; anything else fails:

  refused  the case reports EOPNOTSUPP (errno 95, "Operation not
           supported"): the eager pager has no swap or reclaim, so
           MADV_PAGEOUT is refused rather than ignored
  policy   the case's only complaints are pages that are resident where
           demand paging would have left them absent (mincore says 1
           where the case expected 0): the eager pager populates every
           mapping when it is made.  The cases stop at their first
           complaint, so they are skipped, not passed.

The verdicts per pager land in BUILD/pagers-report.txt.
"""
import os
import re
import subprocess

import pytest

from conftest import Guest, ROOT, case_results
from test_mm import MMRANDOM_CASES, MMTEST_CASES
import test_peer

CONFIGS = {
    "image": {"boot": ["--pager", "eagerpager"], "run": "run "},
    "side": {"boot": [], "run": "run --pager eagerpager "},
}
PROGRAMS = {
    "mmtest": MMTEST_CASES,
    "mmrandom": MMRANDOM_CASES,
    "pagertest grow": ["pager.grow"],
}
RUN_CLIENT = os.path.join(ROOT, "tools", "run-client")
BUILD = os.environ.get("PAGERK_BUILD", os.path.join(ROOT, "build"))
REFUSED = re.compile(r"EOPNOTSUPP|Operation not supported|errno 95\b")
RESIDENCY = [
    re.compile(r"mincore says ([01]+), expected ([01]+)$"),
    re.compile(r"^untouched page \+\d+ resident$"),
    re.compile(r"resident=1, expected 0$"),
]
WHY_MAX = 380          # mmtest truncates its reasons at 400 bytes

_guests = {}
_runs = {}
_report = {}


def _note(config, case, verdict, why=""):
    _report.setdefault(config, {})[case] = (verdict, why)


@pytest.fixture(scope="module", autouse=True)
def _write_report():
    yield
    for g in _guests.values():
        g.close()
    with open(os.path.join(BUILD, "pagers-report.txt"), "w") as f:
        for config in sorted(_report):
            cases = _report[config]
            counts = {}
            for verdict, _ in cases.values():
                counts[verdict] = counts.get(verdict, 0) + 1
            f.write("eagerpager (%s): %s\n" % (config, ", ".join(
                "%d %s" % (n, v) for v, n in sorted(counts.items()))))
            for case, (verdict, why) in sorted(cases.items()):
                if verdict != "passed":
                    f.write("  %-8s %s: %s\n" % (verdict, case, why))


def guest_for(config):
    if config not in _guests:
        _guests[config] = Guest(CONFIGS[config]["boot"])
    return _guests[config]


def run_prog(config, prog):
    key = (config, prog)
    if key not in _runs:
        out = guest_for(config).run(CONFIGS[config]["run"] + prog)
        _runs[key] = (out, case_results(out))
    return _runs[key]


def _residency_only(reason):
    """True if every complaint is a page resident that demand paging would
    have left absent (and nothing else differs)."""
    clauses = [c.strip() for c in reason.split(";") if c.strip()]
    if len(reason) >= WHY_MAX and clauses:
        clauses = clauses[:-1]           # cut off by the 400-byte buffer
    if not clauses:
        return False
    for c in clauses:
        for pat in RESIDENCY:
            m = pat.search(c)
            if not m:
                continue
            if m.groups():
                got, want = m.group(1), m.group(2)
                if len(got) != len(want) or any(
                        g != w and not (w == "0" and g == "1")
                        for g, w in zip(got, want)):
                    return False
            break
        else:
            return False
    return True


def classify(reason):
    """('refused' | 'policy', why) for a FAIL the eager pager explains."""
    if REFUSED.search(reason):
        return "refused", reason
    if _residency_only(reason):
        return "policy", ("eager allocation keeps every mapped page resident,"
                          " so demand-paging residency does not apply: " + reason)
    return None


def judge(config, case, verdict, reason, out):
    if verdict == "PASS":
        _note(config, case, "passed")
        return
    if verdict == "SKIP":
        _note(config, case, "skipped", reason)
        pytest.skip(reason)
    why = classify(reason or "")
    if why:
        _note(config, case, why[0], why[1])
        pytest.skip("%s by the eager pager: %s" % why)
    _note(config, case, "FAILED", reason)
    pytest.fail("FAIL %s: %s\n--- output ---\n%s" % (case, reason, out),
                pytrace=False)


@pytest.mark.parametrize("config", sorted(CONFIGS))
@pytest.mark.parametrize("prog,case", [(p, c) for p in PROGRAMS
                                       for c in PROGRAMS[p]])
def test_anon_case(config, prog, case):
    out, res = run_prog(config, prog)
    if case not in res:
        _note(config, case, "FAILED", "never reported")
        pytest.fail("%s never reported\n%s" % (case, out), pytrace=False)
    reason = res[case]
    if reason is None:
        judge(config, case, "PASS", None, out)
    else:
        verdict, _, why = reason.partition(": ")
        if (case == "mm.random.faults" and "sequence stopped" in why and
                _report.get(config, {}).get("mm.random.sequence",
                                            ("",))[0] == "policy"):
            _note(config, case, "policy", "needs mm.random.sequence: " + why)
            pytest.skip("policy by the eager pager: it needs "
                        "mm.random.sequence, which does not apply")
        judge(config, case, verdict, why, out)


@pytest.mark.parametrize("config", sorted(CONFIGS))
def test_forktest(config):
    out = guest_for(config).run(CONFIGS[config]["run"] + "forktest")
    assert "child: p[100]=b sh=42" in out, out
    assert "parent: child status 7, p[100]=a sh=42" in out, out
    assert "command failed" not in out, out
    _note(config, "forktest", "passed")


def _pager_of(ps_out, name):
    """{pid: pager} for the processes called name in `ps` output."""
    found = {}
    for ln in ps_out.splitlines():
        f = ln.split()
        if len(f) >= 7 and f[0].isdigit() and f[-1] == name:
            found[int(f[0])] = f[5]
    return found


def test_side_by_side_processes():
    """Two pagers at once: a program under each, both alive, ps says who."""
    g = guest_for("side")
    g.run("run --pager eagerpager pagertest sleep 20 &")
    out = g.run("run forktest")
    assert "parent: child status 7, p[100]=a sh=42" in out, out
    ps = g.run("ps")
    assert list(_pager_of(ps, "pagertest").values()) == ["eagerpager"], ps
    assert "mm" in _pager_of(ps, "eagerpager").values(), ps
    out = g.run("wait", timeout=120)
    assert "command failed" not in out, out


def test_unknown_pager_refused():
    g = guest_for("side")
    out = g.run("run --pager hello hello")
    assert "run: hello: Operation not supported" in out, out
    out = g.run("run --pager mm hello")       # the first pager: as usual
    assert "hello from pid-less world: hello" in out, out
    assert g.alive()


def test_image_refuses_mm_side_by_side():
    """mm only runs as the first pager: no side-by-side start protocol."""
    out = guest_for("image").run("run --pager mm hello")
    assert "run: hello: Operation not supported" in out, out
    out = guest_for("image").run("run --pager eagerpager hello")
    assert "hello from pid-less world: hello" in out, out


def test_msgfuzz_against_side_pager():
    """Malformed requests get errors; the eager pager keeps serving."""
    g = guest_for("side")
    out = g.run("run --pager eagerpager msgfuzz")
    res = case_results(out)
    assert res.get("ipc.msgfuzz_replies", "missing") is None, out
    out = g.run("run --pager eagerpager hello")
    assert "hello from pid-less world: hello" in out, out


def test_image_memory_returns():
    """Under the eager pager a program's frames all come back at exit
    (free frames plus the page-table pool it lent the kernel)."""
    g = guest_for("image")

    def total():
        out = g.run("meminfo")
        free = re.search(r"^MemFree:\s+(\d+) kB", out, re.M)
        pt = re.search(r"^PageTables:\s+(\d+) kB", out, re.M)
        assert free and pt, out
        return int(free.group(1)) + int(pt.group(1))

    g.run("run hello")
    before = total()
    g.run("run forktest")
    g.run("run hello")
    assert total() == before
    assert "mmcheck: ok" in g.run("mmcheck")


def _mm_free(g):
    out = g.run("meminfo")
    m = re.search(r"^MemFree:\s+(\d+) kB", out, re.M)
    assert m, out
    return int(m.group(1))


def test_pager_killed_with_a_client():
    """Kill a side-by-side pager while a program it serves is running: the
    program dies with SIGBUS and a reason, the frames go back to mm, and
    everything else, a new eager pager included, keeps running."""
    g = Guest()
    try:
        g.run("run hello")
        before = _mm_free(g)
        g.run("run --pager eagerpager pagertest sleep 600 &")
        ps = g.run("ps")
        pagers = [pid for pid, pager in _pager_of(ps, "eagerpager").items()
                  if pager == "mm"]
        clients = [pid for pid, pager in _pager_of(ps, "pagertest").items()
                   if pager == "eagerpager"]
        assert len(pagers) == 1 and len(clients) == 1, ps
        assert _mm_free(g) < before - 64 * 1024, "no frames were granted"
        out = g.run("kill %d" % pagers[0])
        out += g.run("echo after")
        assert re.search(r"pid %d \(pagertest\) killed by SIGBUS: its pager "
                         r"eagerpager \(pid %d\) died" % (clients[0], pagers[0]),
                         out), out
        m = re.search(r"pager eagerpager \(pid %d\) is gone; (\d+) pages back "
                      r"to mm" % pagers[0], out)
        assert m and int(m.group(1)) >= 16384, out
        out = g.run("wait %d" % clients[0])
        assert "killed by SIGBUS" in out, out
        after = _mm_free(g)
        # mm keeps a little more for itself (slab, page maps) after the
        # pager's life; the 96 MiB grant is back.
        assert after >= before - 1024, (before, after)
        assert "mmcheck: ok" in g.run("mmcheck")
        assert "hello from pid-less world" in g.run("run hello")
        out = g.run("run --pager eagerpager forktest")
        assert "parent: child status 7, p[100]=a sh=42" in out, out
    finally:
        g.close()


def test_pager_crashes_during_a_fault():
    """A pager that crashes while a thread waits on its fault: the thread's
    task is killed with SIGBUS and says why; the system goes on."""
    g = guest_for("side")
    out = g.run("run --pager eagerpager,crash-on-fault pagertest grow")
    assert re.search(r"\(eagerpager\) killed by SIGSEGV: bad access at 0x8,",
                     out), out
    assert re.search(r"\(pagertest\) killed by SIGBUS: its pager "
                     r"eagerpager,crash-on-fault \(pid \d+\) died", out), out
    assert "run: pagertest: killed by SIGBUS (7)" in out, out
    assert re.search(r"pager eagerpager,crash-on-fault \(pid \d+\) is gone; "
                     r"\d+ pages back to mm", out), out
    assert "mmcheck: ok" in g.run("mmcheck")
    out = g.run("run --pager eagerpager pagertest grow")
    assert "PASS pager.grow" in out, out


def test_segv_from_eager_pager():
    """A refused fault is SIGSEGV, as under mm."""
    for config in sorted(CONFIGS):
        out = guest_for(config).run(CONFIGS[config]["run"] + "pagertest segv")
        assert "run: pagertest: killed by SIGSEGV (11)" in out, (config, out)


# --- the peer tests (../shared/peer-tests), anonymous memory only --------

_peer_runs = {}


def peer_run(config, prog):
    key = (config, prog)
    if key not in _peer_runs:
        pager = (["--pager", "eagerpager"] if config == "image"
                 else ["--run-pager", "eagerpager"])
        cmd = [RUN_CLIENT, "--no-build", "--accel",
               os.environ.get("PAGERK_ACCEL", "tcg"), "--timeout",
               str(test_peer.PROGRAM_TIMEOUT)] + pager + [
            test_peer.peer_source(prog), test_peer.NO_FILES]
        try:
            r = subprocess.run(cmd, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True,
                               errors="replace",
                               timeout=test_peer.PROGRAM_TIMEOUT + 120)
            out, err, rc = r.stdout, r.stderr, r.returncode
        except subprocess.TimeoutExpired:
            out, err, rc = "", "run-client itself hung", None
        results, problems = test_peer.check_output(out, rc)
        if rc is None or rc >= 124:
            problems.insert(0, "run-client failed (status %s): %s" %
                            (rc, err.strip()))
        _peer_runs[key] = (out, results, problems)
    return _peer_runs[key]


def _peer_params():
    params = [pytest.param(c, p, k, id="%s/%s/%s" % (c, p, k))
              for c in sorted(CONFIGS) for p in test_peer.peer_programs()
              for k in test_peer.case_ids(p)]
    return params or [pytest.param(None, None, None, id="missing",
                                   marks=pytest.mark.skip(
                                       reason=test_peer.NO_PEER_DIR))]


@pytest.mark.parametrize("config,prog,case", _peer_params())
def test_peer_case(config, prog, case):
    out, results, problems = peer_run(config, prog)
    if case not in results:
        why = "; ".join(problems) or "the program ended without it"
        _note(config, case, "FAILED", why)
        pytest.fail("%s never reported (%s)\n--- output ---\n%s" %
                    (case, why, out), pytrace=False)
    verdict, reason = results[case]
    judge(config, case, verdict, reason, out)
