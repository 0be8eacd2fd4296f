/*
 * signal.c - sending signals (PROC_KILL to the process server) and the
 * little of signal() that a system without handlers can honour.
 */
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <unistd.h>

#include <ipc/proc.h>
#include <ipc/usys.h>

#include "oslayer.h"

int kill(pid_t pid, int sig)
{
	struct proc_kill_req rq = { .pid = pid, .signal = (uint64_t)sig };

	if (sig < 0 || sig >= NSIG)
		return (int)os_result(-EINVAL);
	return (int)os_result(proc_req_kill(H_PROC, &rq));
}

int raise(int sig)
{
	pid_t pid = getpid();

	return pid < 0 ? -1 : kill(pid, sig);
}

/*
 * Every signal already has its default action and nothing can change
 * that, so asking for SIG_DFL succeeds and anything else is ENOSYS.
 */
sighandler_t signal(int sig, sighandler_t handler)
{
	if (sig <= 0 || sig >= NSIG || sig == SIGKILL || sig == SIGSTOP) {
		errno = EINVAL;
		return SIG_ERR;
	}
	if (handler == SIG_DFL)
		return SIG_DFL;
	errno = ENOSYS;
	return SIG_ERR;
}
