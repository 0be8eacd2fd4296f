/*
 * ipcbench.c - null system call cost and IPC round-trip latency.
 *
 * Cases (select with only=NAME,...), each reported as NAME_ns and
 * NAME_cycles per operation:
 *
 *	null_syscall		one system call that does no work
 *	ipc_*rt			one round trip of an 8-byte message between this
 *				process and a partner process: send, partner
 *				receives and sends back, receive.  pagerk:
 *				ipc_rt (native Call/ReplyRecv); Linux:
 *				ipc_pipe_rt and ipc_futex_rt
 *
 * Arguments: iters=N (null_syscall, default 100000), rt_iters=N (round
 * trips, default 20000).  Each measurement is preceded by an untimed warm-up
 * of 1/10 of its iterations.
 *
 * The measuring loops are shared; each system supplies only its primitives
 * in the marked block below: sys_null() and a table of round-trip transports
 * (start a partner, do one round trip, stop it).  Linux supplies two
 * transports, a pipe pair and a futex word in a shared page; both cost two
 * context switches and four system calls per round trip on one CPU.
 * pagerk supplies its own IPC, which costs two context switches and two
 * system calls (Call and ReplyRecv): that difference is the design being
 * measured, not an unfairness.  null_syscall is SYS_NULL on pagerk and
 * getpid on Linux.
 */
#include "bench.h"

#include <errno.h>

#define IPC_MSG_BYTES		8
#define IPC_SYSCALL_ITERS	100000
#define IPC_RT_ITERS		20000

/*
 * A way to do round trips with a partner process.  start() creates the
 * partner, ping() does one round trip, stop() ends the partner and reaps it.
 * All return 0 or a negative errno.
 */
struct ipc_transport {
	const char *name;	/* case name, "ipc_<kind>_rt" */
	int (*start)(void);
	int (*ping)(void);
	int (*stop)(void);
};

#ifdef __pagerk__
/* ==== pagerk side ==================================================== */

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>
#include "bench_pagerk.h"

/*
 * The round-trip partner is this program again, started from the boot
 * modules as "ipcbench partner NAME" (there is no fork to clone it).  It
 * publishes an endpoint under NAME and answers each call with
 * SYS_REPLY_RECV: a round trip is the kernel's Call + ReplyRecv pair, two
 * system calls and two direct switches.
 */
#define IPC_PARTNER_ARG		"partner"
#define IPC_LABEL_PING		1
#define IPC_LABEL_STOP		2

/* One system call that does no work. */
static void sys_null(void)
{
	sys0(SYS_NULL);
}

/* Echo pings, word 0 plus one, until a stop; 0 or a negative errno. */
static int ipc_partner_main(const char *name)
{
	struct ipc_msg m = { 0 };
	long ep = bench_endpoint_publish(name);
	long err;

	if (ep < 0)
		return (int)ep;
	m.tag = 0;		/* nothing to reply to yet */
	for (;;) {
		err = ipc_reply_recv((uint64_t)ep, &m);
		if (err < 0)
			return (int)err;
		if (IPC_TAG_LABEL(m.tag) == IPC_LABEL_STOP)
			break;
		m.tag = IPC_TAG(0, 1);
		m.w[0]++;
		m.buf = NULL;
	}
	m.tag = IPC_TAG(0, 0);
	return (int)ipc_reply(0, &m);
}

static uint64_t call_h;
static pid_t call_partner;
static struct ipc_msg call_msg;

static int call_start(void)
{
	char name[PROC_NAME_MAX];
	const char *argv[] = { "ipcbench", IPC_PARTNER_ARG, name, NULL };
	long h, pid;

	snprintf(name, sizeof(name), "ipcbench-%d", (int)getpid());
	pid = bench_spawn(argv);
	if (pid < 0)
		return (int)pid;
	call_partner = (pid_t)pid;
	h = bench_lookup(name);
	if (h < 0) {
		kill(call_partner, SIGKILL);
		waitpid(call_partner, NULL, 0);
		return (int)h;
	}
	call_h = (uint64_t)h;
	return 0;
}

/* One 8-byte message there and back. */
static int call_ping(void)
{
	uint64_t sent = call_msg.w[0];
	long err;

	call_msg.tag = IPC_TAG(IPC_LABEL_PING, 1);
	call_msg.buf = NULL;
	err = ipc_call(call_h, &call_msg);
	if (err < 0)
		return (int)err;
	return call_msg.w[0] == sent + 1 ? 0 : -EIO;
}

static int call_stop(void)
{
	struct ipc_msg m = { .tag = IPC_TAG(IPC_LABEL_STOP, 0) };
	int status;
	long err;

	err = ipc_call(call_h, &m);
	sys1(SYS_HANDLE_CLOSE, call_h);
	if (waitpid(call_partner, &status, 0) < 0)
		return -errno;
	if (err == 0 && (!WIFEXITED(status) || WEXITSTATUS(status) != 0))
		err = -ECHILD;
	return (int)err;
}

static const struct ipc_transport call_transport = {
	.name = "ipc_rt",
	.start = call_start,
	.ping = call_ping,
	.stop = call_stop,
};

static const struct ipc_transport *const ipc_transports[] = {
	&call_transport,
};

#else
/* ==== Linux side ===================================================== */

#include <linux/futex.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

/* getpid through syscall(): glibc may cache getpid() and skip the kernel. */
static void sys_null(void)
{
	syscall(SYS_getpid);
}

/* Reap child; 0 if it exited with status 0. */
static int child_reap(pid_t child)
{
	int status;

	if (waitpid(child, &status, 0) < 0)
		return -errno;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return -ECHILD;
	return 0;
}

/* Read or write exactly len bytes; 0, -EPIPE at end of file, or -errno. */
static int fd_xfer(int fd, void *buf, size_t len, int write_it)
{
	char *p = buf;

	while (len > 0) {
		ssize_t n = write_it ? write(fd, p, len) : read(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return -EPIPE;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/*
 * Pipe transport: to_child carries pings, to_parent carries pongs.  The
 * partner echoes until it reads end of file on to_child.
 */
static int pipe_to_child[2], pipe_to_parent[2];
static pid_t pipe_partner;

static void pipe_partner_loop(void)
{
	char msg[IPC_MSG_BYTES];

	while (fd_xfer(pipe_to_child[0], msg, sizeof(msg), 0) == 0)
		if (fd_xfer(pipe_to_parent[1], msg, sizeof(msg), 1) < 0)
			_exit(1);
	_exit(0);
}

static int pipe_start(void)
{
	int err = 0;

	if (pipe(pipe_to_child) < 0)
		return -errno;
	if (pipe(pipe_to_parent) < 0) {
		err = -errno;
		goto out_close_child;
	}
	pipe_partner = fork();
	if (pipe_partner < 0) {
		err = -errno;
		goto out_close_parent;
	}
	if (pipe_partner == 0) {
		close(pipe_to_child[1]);
		close(pipe_to_parent[0]);
		pipe_partner_loop();
	}
	close(pipe_to_child[0]);
	close(pipe_to_parent[1]);
	return 0;

out_close_parent:
	close(pipe_to_parent[0]);
	close(pipe_to_parent[1]);
out_close_child:
	close(pipe_to_child[0]);
	close(pipe_to_child[1]);
	return err;
}

static int pipe_ping(void)
{
	char msg[IPC_MSG_BYTES] = "ping!!!";
	int err;

	err = fd_xfer(pipe_to_child[1], msg, sizeof(msg), 1);
	if (err == 0)
		err = fd_xfer(pipe_to_parent[0], msg, sizeof(msg), 0);
	return err;
}

static int pipe_stop(void)
{
	close(pipe_to_child[1]);
	close(pipe_to_parent[0]);
	return child_reap(pipe_partner);
}

static const struct ipc_transport pipe_transport = {
	.name = "ipc_pipe_rt",
	.start = pipe_start,
	.ping = pipe_ping,
	.stop = pipe_stop,
};

/*
 * Futex transport.  The shared page holds turn (0: the parent's turn, the
 * partner waits; 1: the partner's turn, the parent waits) and the message.
 * Each side flips turn, wakes the other and sleeps until turn flips back;
 * the wake is always issued, so a round trip is two FUTEX_WAKE and (when
 * the waiter really blocks, as it must on one CPU) two FUTEX_WAIT calls.
 * The futexes are shared (no FUTEX_PRIVATE_FLAG): the page is MAP_SHARED
 * across fork.
 */
struct futex_page {
	uint32_t turn;
	uint32_t stop;
	char msg[IPC_MSG_BYTES];
};

static struct futex_page *futex_shared;
static pid_t futex_partner;

static void futex_call(uint32_t *word, int op, uint32_t val)
{
	syscall(SYS_futex, word, op, val, NULL, NULL, 0);
}

/* Sleep until *word != val. */
static void futex_wait_while(uint32_t *word, uint32_t val)
{
	while (__atomic_load_n(word, __ATOMIC_SEQ_CST) == val)
		futex_call(word, FUTEX_WAIT, val);
}

static void futex_pass(uint32_t *word, uint32_t val)
{
	__atomic_store_n(word, val, __ATOMIC_SEQ_CST);
	futex_call(word, FUTEX_WAKE, 1);
}

static void futex_partner_loop(void)
{
	struct futex_page *fp = futex_shared;

	for (;;) {
		futex_wait_while(&fp->turn, 0);
		if (__atomic_load_n(&fp->stop, __ATOMIC_SEQ_CST))
			_exit(0);
		fp->msg[0]++;
		futex_pass(&fp->turn, 0);
	}
}

static int futex_start(void)
{
	void *page = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
			  MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	if (page == MAP_FAILED)
		return -errno;
	futex_shared = page;
	futex_partner = fork();
	if (futex_partner < 0) {
		int err = -errno;

		munmap(page, 4096);
		return err;
	}
	if (futex_partner == 0)
		futex_partner_loop();
	return 0;
}

static int futex_ping(void)
{
	futex_shared->msg[0]++;
	futex_pass(&futex_shared->turn, 1);
	futex_wait_while(&futex_shared->turn, 1);
	return 0;
}

static int futex_stop(void)
{
	int err;

	__atomic_store_n(&futex_shared->stop, 1, __ATOMIC_SEQ_CST);
	futex_pass(&futex_shared->turn, 1);
	err = child_reap(futex_partner);
	munmap(futex_shared, 4096);
	return err;
}

static const struct ipc_transport futex_transport = {
	.name = "ipc_futex_rt",
	.start = futex_start,
	.ping = futex_ping,
	.stop = futex_stop,
};

static const struct ipc_transport *const ipc_transports[] = {
	&pipe_transport,
	&futex_transport,
};

#endif /* __pagerk__ */
/* ==== shared measuring code ========================================== */

static uint64_t syscall_iters = IPC_SYSCALL_ITERS;
static uint64_t rt_iters = IPC_RT_ITERS;

static int null_syscall_run(const void *arg)
{
	struct bench_stamp a, b;
	uint64_t i;

	(void)arg;
	for (i = 0; i < syscall_iters / 10; i++)
		sys_null();
	bench_stamp(&a);
	for (i = 0; i < syscall_iters; i++)
		sys_null();
	bench_stamp(&b);
	bench_report_interval("null_syscall", &a, &b, syscall_iters);
	return 0;
}

static int rt_pings(const struct ipc_transport *t, uint64_t n)
{
	uint64_t i;
	int err;

	for (i = 0; i < n; i++) {
		err = t->ping();
		if (err < 0)
			return err;
	}
	return 0;
}

static int rt_run(const void *arg)
{
	const struct ipc_transport *t = arg;
	struct bench_stamp a = { 0, 0 }, b = { 0, 0 };
	int err, stop_err;

	err = t->start();
	if (err < 0)
		return err;
	err = rt_pings(t, rt_iters / 10);
	if (err < 0)
		goto out;
	bench_stamp(&a);
	err = rt_pings(t, rt_iters);
	bench_stamp(&b);
out:
	stop_err = t->stop();
	if (err == 0)
		err = stop_err;
	if (err == 0)
		bench_report_interval(t->name, &a, &b, rt_iters);
	return err;
}

#define IPC_NTRANSPORTS \
	(sizeof(ipc_transports) / sizeof(ipc_transports[0]))

int main(int argc, char **argv)
{
	struct bench_case cases[1 + IPC_NTRANSPORTS + 1];
	int n = 0;
	size_t i;

#ifdef __pagerk__
	if (argc == 3 && strcmp(argv[1], IPC_PARTNER_ARG) == 0)
		return ipc_partner_main(argv[2]) < 0;
#endif
	syscall_iters = bench_arg_u64(argc, argv, "iters", IPC_SYSCALL_ITERS);
	rt_iters = bench_arg_u64(argc, argv, "rt_iters", IPC_RT_ITERS);

	cases[n++] = (struct bench_case){ "null_syscall", null_syscall_run,
					  NULL };
	for (i = 0; i < IPC_NTRANSPORTS; i++)
		cases[n++] = (struct bench_case){ ipc_transports[i]->name,
						  rt_run, ipc_transports[i] };
	return bench_run_cases(argc, argv, cases, n);
}
