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
	struct ipc_msg m;

	if (sig < 0 || sig >= NSIG)
		return (int)os_result(-EINVAL);
	m = (struct ipc_msg){ .w = { (uint64_t)(int64_t)pid, (uint64_t)sig } };
	return (int)os_result(os_request(H_PROC, PROC_KILL, 2, &m));
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
