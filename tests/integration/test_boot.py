"""The system boots to a shell that answers; halt and panic end QEMU."""
import os
import subprocess

from conftest import RUN, Guest


def test_boot_banner_and_prompt(guest):
    out = guest.output()
    assert "pagerk: booting" in out
    assert "first pager 'mm' started" in out
    assert "init: ready" in out


def test_kernel_reports_cpu_features(guest):
    out = guest.output()
    assert "kernel: cpu features:" in out
    # No PCID under TCG here: the kernel must say it falls back.
    assert ("no-pcid" in out) or (" pcid" in out)


def test_help_lists_commands(guest):
    out = guest.run("help")
    for cmd in ("help", "ps", "run", "echo", "halt", "meminfo"):
        assert "  %s " % cmd in out


def test_echo(guest):
    assert "hello world" in guest.run("echo hello world")


def test_ps_lists_init(guest):
    out = guest.run("ps")
    assert "PID" in out and "init" in out


def test_unknown_command(guest):
    assert "unknown command" in guest.run("frobnicate")


def test_run_program_with_args_and_exit_status(guest):
    out = guest.run("run hello 7 b")
    assert "hello 7 b" in out
    assert "exit status 7" in out
    out = guest.run("run hello 0")
    assert "exit status" not in out


def test_run_missing_program(guest):
    out = guest.run("run no-such-program")
    assert "No such file" in out
    assert guest.alive()


def _run_cmd(cmd, timeout=600):
    return subprocess.run([RUN, "--no-build", "--accel", "tcg", "--cmd", cmd],
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          text=True, errors="replace", timeout=timeout)


def test_halt_exits_zero():
    r = _run_cmd("echo bye")
    assert "kernel: halt (code 0)" in r.stdout
    assert r.returncode == 0


def test_failed_command_exits_nonzero():
    r = _run_cmd("run hello 3")
    assert r.returncode == 1


def test_kernel_panic_exits_with_panic_status():
    r = _run_cmd("run kpanic")
    assert "KERNEL PANIC" in r.stdout
    assert "backtrace" in r.stdout
    assert r.returncode == 3


def test_interactive_halt():
    g = Guest()
    try:
        assert g.halt() == 0
    finally:
        g.close()
