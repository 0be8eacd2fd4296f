"""tools/run-client: one C file compiled against lib/c, booted and run.

Its stdout must be the program's output and nothing else, and its exit
status the program's, as a shell would give it.
"""
import os
import subprocess

import pytest

from conftest import ROOT

import pagerk  # tools/, put on sys.path by conftest

RUN_CLIENT = os.path.join(ROOT, "tools", "run-client")

PROGRAM = r"""
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv)
{
	for (int i = 0; i < argc; i++)
		printf("arg %d: %s\n", i, argv[i]);
	if (argc > 1 && !strcmp(argv[1], "segv")) {
		volatile int *volatile null = NULL;

		fflush(stdout);
		*null = 1;
	}
	/* a line that looks like the shell's report, then an unfinished one */
	printf("run: client: exit status 9\nlast");
	return argc > 2 ? atoi(argv[2]) : 0;
}
"""


def run_client(tmp_path, *args, source=PROGRAM, name="client.c", opts=()):
    src = tmp_path / name
    src.write_text(source)
    cmd = [RUN_CLIENT, "--no-build", "--accel", os.environ.get("PAGERK_ACCEL", "tcg"),
           "--timeout", "300"] + list(opts) + [str(src)] + list(args)
    return subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          text=True, errors="replace", timeout=400)


def test_output_is_the_programs_only(tmp_path):
    r = run_client(tmp_path, "a", "0")
    assert r.stdout == ("arg 0: client\narg 1: a\narg 2: 0\n"
                        "run: client: exit status 9\nlast"), r.stdout + r.stderr
    assert r.returncode == 0


def test_exit_status_is_the_programs(tmp_path):
    r = run_client(tmp_path, "a", "42")
    assert r.returncode == 42, r.stdout + r.stderr
    assert r.stdout.endswith("last")


def test_killed_by_signal_is_128_plus_signal(tmp_path):
    r = run_client(tmp_path, "segv")
    assert r.returncode == 128 + 11, r.stdout + r.stderr
    assert r.stdout == "arg 0: client\narg 1: segv\n"


def test_name_is_sanitized(tmp_path):
    r = run_client(tmp_path, name="my client+1.c")
    assert r.stdout.startswith("arg 0: my_client_1\n"), r.stdout + r.stderr


def test_compile_error(tmp_path):
    r = run_client(tmp_path, source="int main(void) { int unused; return 0; }\n")
    assert r.returncode == 126
    assert "unused" in r.stderr      # -Wall -Werror, as the peer tests build


SWAP_PROGRAM = r"""
#include <stdio.h>
#include <stdint.h>
#include <sys/mman.h>

int main(void)
{
	size_t n = 96u << 20;	/* three times the guest's RAM */
	uint64_t *p = mmap(NULL, n, PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return 2;
	for (size_t i = 0; i < n / 8; i += 512)
		p[i] = i * 2654435761u;
	for (size_t i = 0; i < n / 8; i += 512)
		if (p[i] != i * 2654435761u)
			return 3;
	printf("verified %zu MiB\n", n >> 20);
	return 0;
}
"""


def test_swap_option(tmp_path):
    r = run_client(tmp_path, source=SWAP_PROGRAM, name="swapper.c",
                   opts=["--mem", "32M", "--swap", "256M"])
    assert r.returncode == 0, r.stderr
    assert r.stdout == "verified 96 MiB\n"


def test_flags_are_the_builds():
    cc, cflags, ldflags = pagerk.user_build_flags()
    for f in ("-ffreestanding", "-nostdinc", "-fno-pic", "-mno-red-zone", "-D__pagerk__"):
        assert f in cflags
    assert not [f for f in cflags if f.startswith(("-W", "-std=", "-O"))]
    assert "servers/libc.a" in ldflags
    for f in ("-nostdlib", "-static", "-no-pie", "-Wl,-u,_start", "-lgcc"):
        assert f in ldflags


@pytest.mark.parametrize("arg", ["a;b", "a b", ""])
def test_args_the_shell_cannot_pass(tmp_path, arg):
    r = run_client(tmp_path, arg)
    assert r.returncode == 2
