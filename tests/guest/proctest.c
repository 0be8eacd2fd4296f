/*
 * proctest.c - the process layer: fork, exec, exit status, waitpid, kill,
 * getpid/getppid.  Compiles and passes on Linux too (there, exec runs
 * ./hello, which must print its arguments and exit with argv[1]).
 */
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static int failures;

#define CHECK(id, cond, ...) do {					\
	if (cond) {							\
		printf("PASS %s\n", id);				\
	} else {							\
		printf("FAIL %s: ", id);				\
		printf(__VA_ARGS__);					\
		printf("\n");						\
		failures++;						\
	}								\
} while (0)

static int wait_status(pid_t pid)
{
	int st = -1;

	if (waitpid(pid, &st, 0) != pid)
		return -1;
	return st;
}

static void test_exit_status(void)
{
	pid_t pid = fork();
	int st;

	if (pid == 0)
		_exit(42);
	st = wait_status(pid);
	CHECK("proc.exit_status", pid > 0 && WIFEXITED(st) &&
	      WEXITSTATUS(st) == 42, "pid %d status %#x", pid, st);
}

static void test_getpid(void)
{
	pid_t me = getpid(), pid;
	int fds_ok;

	pid = fork();
	if (pid == 0)
		_exit(getppid() == me && getpid() != me ? 0 : 1);
	fds_ok = wait_status(pid);
	CHECK("proc.getpid", pid > 0 && WIFEXITED(fds_ok) &&
	      WEXITSTATUS(fds_ok) == 0, "status %#x", fds_ok);
}

static void test_kill(void)
{
	pid_t pid = fork();
	int st;

	if (pid == 0) {
		for (;;)
			usleep(1000);
	}
	usleep(2000);
	CHECK("proc.kill_call", kill(pid, SIGKILL) == 0, "errno %d", errno);
	st = wait_status(pid);
	CHECK("proc.kill_status", WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL,
	      "status %#x", st);
	CHECK("proc.kill_gone", kill(pid, 0) == -1 && errno == ESRCH,
	      "errno %d", errno);
}

static void test_segv_status(void)
{
	pid_t pid = fork();
	int st;

	if (pid == 0) {
		volatile uintptr_t bad = 16;

		*(volatile int *)bad = 1;
		_exit(0);
	}
	st = wait_status(pid);
	CHECK("proc.segv_status", WIFSIGNALED(st) && WTERMSIG(st) == SIGSEGV,
	      "status %#x", st);
}

static void test_wait_any_and_echild(void)
{
	pid_t a = fork(), b;
	int st, got = 0;

	if (a == 0)
		_exit(1);
	b = fork();
	if (b == 0)
		_exit(2);
	for (int i = 0; i < 2; i++) {
		pid_t w = wait(&st);

		if ((w == a && WEXITSTATUS(st) == 1) ||
		    (w == b && WEXITSTATUS(st) == 2))
			got++;
	}
	CHECK("proc.wait_any", got == 2, "reaped %d", got);
	CHECK("proc.echild", wait(&st) == -1 && errno == ECHILD, "errno %d",
	      errno);
	CHECK("proc.wnohang", waitpid(-1, &st, WNOHANG) == -1 &&
	      errno == ECHILD, "errno %d", errno);
}

static void test_exec(void)
{
	pid_t pid = fork();
	int st;

	if (pid == 0) {
		char *argv[] = { "hello", "5", "from-exec", NULL };

		execv("./hello", argv);
		_exit(99);
	}
	st = wait_status(pid);
	CHECK("proc.exec", WIFEXITED(st) && WEXITSTATUS(st) == 5,
	      "status %#x", st);
	errno = 0;
	{
		char *argv[] = { "no-such-program", NULL };

		CHECK("proc.exec_enoent", execv("./no-such-program", argv) == -1
		      && errno == ENOENT, "errno %d", errno);
	}
}

static void test_fork_many(void)
{
	int ok = 0;

	for (int i = 0; i < 50; i++) {
		pid_t pid = fork();

		if (pid == 0)
			_exit(i & 0x7f);
		if (pid > 0 && WEXITSTATUS(wait_status(pid)) == (i & 0x7f))
			ok++;
	}
	CHECK("proc.fork_many", ok == 50, "%d of 50", ok);
}

int main(void)
{
	test_exit_status();
	test_getpid();
	test_kill();
	test_segv_status();
	test_wait_any_and_echild();
	test_exec();
	test_fork_many();
	return failures ? 1 : 0;
}
