/*
 * start.c - the life of a process inside lib/c: __libc_start (called by
 * _start in crt0.S), exit with its atexit handlers, _exit and abort.
 *
 * exit() runs the handlers in reverse order of registration, each at most
 * once even if one of them calls exit() again, then flushes stdio and
 * ends the process through _exit().  _exit() tells the process server
 * (PROC_EXIT on H_PROC), which destroys the process without replying; if
 * the request comes back at all there is no process server, and the
 * thread just exits, forever if need be.
 *
 * Replies that carry bytes land in the calling thread's registered
 * receive buffer.  __libc_recvbuf is that buffer for the one thread a
 * process has: registered here, and again by fork() (a new thread in the
 * child; a copy-on-write page in the parent, which the kernel could not
 * write into until the registration makes it writable again).  A call
 * may register a buffer of its own for one request (os_recvbuf_use) and
 * puts this one back afterwards.
 */
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <sys/mman.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <ipc/proc.h>
#include <ipc/usys.h>

#include "oslayer.h"

#define ATEXIT_MAX	32

int main(int argc, char **argv, char **envp);

uint64_t libc_start_ns;

/* One page, so registering it faults in exactly one page. */
char __libc_recvbuf[IPC_BUF_MAX] __attribute__((aligned(IPC_BUF_MAX)));

static void (*atexit_fns[ATEXIT_MAX])(void);
static int atexit_count;

void __libc_start(uint64_t *sp)
{
	int argc = (int)sp[0];
	char **argv = (char **)(sp + 1);
	char **envp = argv + argc + 1;

	libc_start_ns = (uint64_t)sys_clock_ns();
	os_recvbuf_register();
	environ = envp;
	exit(main(argc, argv, envp));
}

/*
 * The receive buffer is locked resident: the kernel copies replies into it
 * and cannot fault a page in to do so, and under memory pressure the pager
 * would otherwise swap it out.  (After fork the child's copy is locked
 * too: mm copies the VMA as it is.)
 */
void os_recvbuf_register(void)
{
	static bool locked;

	sys2(SYS_IPC_SET_RECVBUF, __libc_recvbuf, sizeof(__libc_recvbuf));
	if (!locked)
		locked = mlock(__libc_recvbuf, sizeof(__libc_recvbuf)) == 0;
}

int os_recvbuf_use(void *buf, size_t len)
{
	long err = sys2(SYS_IPC_SET_RECVBUF, buf, len);

	if (err)
		os_recvbuf_register();
	return err ? -EFAULT : 0;
}

int atexit(void (*fn)(void))
{
	if (atexit_count == ATEXIT_MAX)
		return -1;
	atexit_fns[atexit_count++] = fn;
	return 0;
}

_Noreturn void exit(int status)
{
	while (atexit_count > 0)
		atexit_fns[--atexit_count]();
	__libc_stdio_flush();
	_exit(status);
}

_Noreturn void _exit(int status)
{
	proc_req_exit(H_PROC, &(struct proc_exit_req){
				.status = (uint64_t)(status & 0xff) });
	for (;;)
		sys0(SYS_THREAD_EXIT);
}

_Noreturn void _Exit(int status)
{
	_exit(status);
}

/* Dies of SIGABRT if the process server will do it, else exits 128+6. */
_Noreturn void abort(void)
{
	kill(getpid(), SIGABRT);
	_exit(128 + SIGABRT);
}
