"""Pipes (tests/guest/pipetest.c): every PASS/FAIL line becomes a case here.

The program runs once per boot; each case below looks up its own line.
"""
import pytest

from conftest import case_results

PIPE_CASES = ["pipe." + c for c in (
    "basic", "big", "eof", "epipe", "sigpipe", "nonblock", "bad", "limit",
    "fork_parent_writes", "fork_child_writes", "fork_block_read",
    "fork_block_write", "fork_child_exit_eof")]

_cache = {}


def _results(guest):
    if "pipetest" not in _cache:
        out = guest.run("run pipetest")
        _cache["pipetest"] = (out, case_results(out))
    return _cache["pipetest"]


@pytest.mark.parametrize("case", PIPE_CASES)
def test_pipe(guest, case):
    out, res = _results(guest)
    assert case in res, out
    assert res[case] is None, res[case]


def test_shell_answers_after_pipes(guest):
    _results(guest)
    assert guest.alive()
