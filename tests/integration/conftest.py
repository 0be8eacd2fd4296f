"""pytest fixtures: boot pagerk in QEMU under pexpect and talk to its shell.

tools/test builds once before pytest runs; these tests boot with
`tools/run --no-build`.  Timeouts are generous: everything here runs under
TCG on a shared 2-core machine, and a test must never fail because the
machine was slow.
"""
import os
import re
import sys

import pexpect
import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "tools"))
RUN = os.path.join(ROOT, "tools", "run")
PROMPT = "pagerk> "
BOOT_TIMEOUT = 120
CMD_TIMEOUT = 600


class Guest:
    """A booted system: send shell commands, get their output."""

    def __init__(self, extra_args=()):
        args = ["--no-build", "--accel", os.environ.get("PAGERK_ACCEL", "tcg")]
        args += list(extra_args)
        self.child = pexpect.spawn(RUN, args, encoding="utf-8", codec_errors="replace",
                                   timeout=BOOT_TIMEOUT, dimensions=(50, 250))
        self.log = []
        self.child.logfile_read = _Tee(self.log)
        self.child.expect("init: ready")
        self.child.expect_exact(PROMPT)

    def run(self, line, timeout=CMD_TIMEOUT):
        """Run one command; return its output (without echo and prompt)."""
        self.child.sendline(line)
        self.child.expect_exact(line, timeout=30)
        self.child.expect_exact(PROMPT, timeout=timeout)
        return self.child.before.replace("\r", "")

    def alive(self):
        return "still-here" in self.run("echo still-here", timeout=60)

    def halt(self):
        self.child.sendline("halt")
        self.child.expect(pexpect.EOF, timeout=60)
        self.child.close()
        return self.child.exitstatus

    def close(self):
        if self.child.isalive():
            self.child.terminate(force=True)

    def output(self):
        return "".join(self.log)


class _Tee:
    def __init__(self, sink):
        self.sink = sink

    def write(self, s):
        self.sink.append(s)

    def flush(self):
        pass


@pytest.fixture(scope="module")
def guest():
    g = Guest()
    yield g
    g.close()


def case_results(output):
    """{case id: None for PASS, reason for FAIL} from PASS/FAIL lines."""
    res = {}
    for m in re.finditer(r"^(PASS|FAIL|SKIP) (\S+?)(?::\s*(.*))?$", output, re.M):
        res[m.group(2)] = None if m.group(1) == "PASS" else "%s: %s" % (m.group(1), m.group(3))
    return res
