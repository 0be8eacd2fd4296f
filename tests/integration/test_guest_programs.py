"""In-guest test programs: every PASS/FAIL line becomes a test case here."""
import pytest

from conftest import case_results

IPC_CASES = ["ipc.roundtrip", "ipc.buffer", "ipc.client_exit",
             "ipc.notify_timer", "ipc.notify_bound", "ipc.bad_handle"]
ISOLATION_CASES = ["isolation." + c for c in (
    "kernel_read", "kernel_write", "text_write", "priv_cli", "priv_hlt",
    "priv_cr3", "div_zero", "jump_unmapped", "null_read", "noncanonical",
    "exec_stack", "bad_opcode")]

PROC_CASES = ["proc." + c for c in (
    "exit_status", "getpid", "kill_call", "kill_status", "kill_gone",
    "segv_status", "wait_any", "echild", "wnohang", "exec", "exec_enoent",
    "fork_many")]

_cache = {}


def _results(guest, prog):
    if prog not in _cache:
        out = guest.run("run " + prog)
        _cache[prog] = (out, case_results(out))
    return _cache[prog]


@pytest.mark.parametrize("case", IPC_CASES)
def test_ipc(guest, case):
    out, res = _results(guest, "ipctest")
    assert case in res, out
    assert res[case] is None, res[case]


@pytest.mark.parametrize("case", ISOLATION_CASES)
def test_isolation(guest, case):
    out, res = _results(guest, "isolation")
    assert case in res, out
    assert res[case] is None, res[case]


@pytest.mark.parametrize("case", PROC_CASES)
def test_proc(guest, case):
    out, res = _results(guest, "proctest")
    assert case in res, out
    assert res[case] is None, res[case]


def test_fork_cow_and_shared_anon(guest):
    out = guest.run("run forktest")
    assert "child: p[100]=b sh=42" in out
    assert "parent: child status 7, p[100]=a sh=42" in out
    assert "exit status" not in out


def test_mm_check_after_programs(guest):
    _results(guest, "proctest")
    assert "mmcheck: ok" in guest.run("mmcheck")


def test_isolation_reports_cause(guest):
    out, _ = _results(guest, "isolation")
    assert "killed by SIGSEGV" in out
    assert "killed by SIGFPE" in out
    assert "killed by SIGILL" in out


def test_shell_answers_after_isolation(guest):
    _results(guest, "isolation")
    assert guest.alive()


def test_syscall_fuzz(guest):
    out, res = _results(guest, "sysfuzz")
    assert res.get("sys.fuzz", "missing") is None, out
    assert "KERNEL PANIC" not in out
    assert guest.alive()


@pytest.mark.parametrize("case", ["ipc.msgfuzz_replies", "ipc.msgfuzz_servers_alive"])
def test_message_fuzz(guest, case):
    out, res = _results(guest, "msgfuzz")
    assert case in res, out
    assert res[case] is None, res[case]


def test_servers_consistent_after_message_fuzz(guest):
    _results(guest, "msgfuzz")
    assert "mmcheck: ok" in guest.run("mmcheck")
    assert "init" in guest.run("ps")
    assert guest.alive()


def test_no_failures_anywhere(guest):
    for prog in ("ipctest", "isolation", "sysfuzz", "proctest"):
        out, res = _results(guest, prog)
        assert not [c for c, r in res.items() if r], out
