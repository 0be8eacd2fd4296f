/*
 * msgfuzz.c - malformed messages to the servers: random labels, words,
 * buffers and handle counts sent to mm and to the process server.  Each
 * must be answered with an error or harmlessly; no server may crash or
 * lose state.
 *
 * The sending is done by forked children, because some random requests
 * legitimately hurt the sender (unmapping its own text, exiting, killing
 * itself); a child that dies is counted, not failed, and so is one that
 * blocks itself for good (reading a pipe only it can write, waiting for a
 * child it forked with a random entry point): a watchdog kills it after
 * CHILD_SECONDS.  Requests that would
 * end the child on purpose (PROC_EXIT, PROC_EXEC, PROC_KILL) are left
 * out, and so is PROC_FORK: a copy started at a random address may spin
 * for ever, which is the sender's doing, not the server's.  PROC_HALT is
 * refused to programs by the server itself.  Afterwards the parent checks that the servers still work:
 * spawning, forking, pipes and mm's validators (MM_CHECK through mmcheck
 * in the shell, run by the integration test).
 */
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>
#include <ipc/mm.h>
#include <ipc/pipe.h>
#include "guest.h"

#define CHILDREN	8
#define PER_CHILD	6000
#define CHILD_SECONDS	10

static uint64_t nasty_word(void)
{
	static const uint64_t pool[] = {
		0, 1, 2, 3, 7, 4095, 4096, 0x10000, 0x7fffffffe000ull,
		0x800000000000ull, 0xffff800000000000ull, ~0ull, 1ull << 63,
		0x400000, 255, 256, 1024, 448, 449, 0x20, 0x22, 0x100000,
	};

	switch (guest_rnd() % 3) {
	case 0:
		return pool[guest_rnd() % (sizeof(pool) / sizeof(pool[0]))];
	case 1:
		return guest_rnd() % 10000;
	default:
		return guest_rnd();
	}
}

static unsigned pick_label(uint64_t *h)
{
	switch (guest_rnd() % 3) {
	case 0:
		*h = H_MM;
		return MM_MMAP + guest_rnd() % (MM_LABEL_COUNT + 4);
	case 1:
		*h = H_PROC;
		return PROC_SPAWN + guest_rnd() % (PROC_LABEL_COUNT + 4);
	default:
		*h = H_PROC;
		return PIPE_CREATE + guest_rnd() % (PIPE_LABEL_COUNT + 4);
	}
}

/* One child's share: random requests; exits 0 if every reply was sane. */
static int child(unsigned seed)
{
	static char buf[IPC_BUF_MAX];
	unsigned weird = 0;

	guest_rng = 0x9e3779b97f4a7c15ull * (seed + 1);
	for (int i = 0; i < PER_CHILD; i++) {
		struct ipc_msg m = { 0 };
		uint64_t h;
		unsigned label = pick_label(&h), nw = guest_rnd() % 9;
		unsigned blen = guest_rnd() % 4 ? 0 : guest_rnd() % sizeof(buf);
		long r;

		if (label == PROC_KILL || label == PROC_EXIT ||
		    label == PROC_EXEC)
			continue;	/* would end this child on purpose */
		if (label == PROC_FORK)
			continue;	/* a child at a random entry point may
					 * spin for ever: the sender's doing */
		for (unsigned k = 0; k < IPC_WORDS; k++)
			m.w[k] = nasty_word();
		for (unsigned k = 0; k < blen; k++)
			buf[k] = (char)guest_rnd();
		m.tag = IPC_TAG(label, nw) | IPC_TAG_BUF(blen);
		if (nw > 2 && guest_rnd() % 8 == 0)
			m.tag |= IPC_TAG_HANDLES(1 + guest_rnd() % 2);
		m.buf = buf;
		r = ipc_call(h, &m);
		/* The call itself may fail (-EINVAL for a bad tag); a reply's
		 * status must be 0, a positive result, or a Linux errno. */
		if (r == 0 && (int64_t)m.w[0] < -133)
			weird++;
	}
	return weird ? 1 : 0;
}

static int still_works(void)
{
	const char *argv[] = { "hello", "0", NULL };
	char c = 'x';
	int fds[2], st;
	pid_t pid;
	long spawned;

	spawned = guest_spawn(argv);
	if (spawned < 0 || waitpid((pid_t)spawned, &st, 0) != spawned ||
	    !WIFEXITED(st) || WEXITSTATUS(st) != 0)
		return 1;
	if (pipe(fds))
		return 2;
	pid = fork();
	if (pid == 0)
		_exit(write(fds[1], "y", 1) == 1 ? 0 : 1);
	if (pid < 0 || read(fds[0], &c, 1) != 1 || c != 'y')
		return 3;
	if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st) || WEXITSTATUS(st))
		return 4;
	close(fds[0]);
	close(fds[1]);
	return 0;
}

/* Wait for pid; SIGKILL it if it is still there after CHILD_SECONDS. */
static int wait_watchdog(pid_t pid, int *st, int *blocked)
{
	for (int ms = 0; ms < CHILD_SECONDS * 1000; ms += 10) {
		pid_t w = waitpid(pid, st, WNOHANG);

		if (w == pid)
			return 0;
		if (w < 0)
			return -1;
		usleep(10000);
	}
	(*blocked)++;
	kill(pid, SIGKILL);
	return waitpid(pid, st, 0) == pid ? 0 : -1;
}

int main(void)
{
	int died = 0, insane = 0, sane = 0, blocked = 0;

	for (unsigned i = 0; i < CHILDREN; i++) {
		pid_t pid = fork();
		int st;

		if (pid == 0)
			_exit(child(i));
		if (pid < 0 || wait_watchdog(pid, &st, &blocked)) {
			FAIL("ipc.msgfuzz", "fork or wait failed: %s",
			     strerror(errno));
			return 1;
		}
		if (WIFSIGNALED(st))
			died++;
		else if (WEXITSTATUS(st) == 0)
			sane++;
		else
			insane++;
	}
	printf("msgfuzz: %d children sane, %d hurt themselves (%d of them "
	       "blocked for good), %d saw bad replies\n", sane, died, blocked,
	       insane);
	if (insane == 0)
		PASS("ipc.msgfuzz_replies");
	else
		FAIL("ipc.msgfuzz_replies", "%d children saw out-of-range replies",
		     insane);
	if (still_works() == 0)
		PASS("ipc.msgfuzz_servers_alive");
	else
		FAIL("ipc.msgfuzz_servers_alive", "step %d failed", still_works());
	return guest_failures ? 1 : 0;
}
