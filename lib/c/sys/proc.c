/*
 * proc.c - process identity and waiting, as requests to the process
 * server (ipc/proc.h), and exec, which does not exist yet.
 *
 * Nothing is cached: after fork() the child must see its own pid, and
 * asking the server each time makes that automatic.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <ipc/proc.h>
#include <ipc/usys.h>

#include "oslayer.h"

/* Option bits accepted; only WNOHANG means anything without job control. */
#define WAIT_OPTIONS	(WNOHANG | WUNTRACED | WCONTINUED)

static long proc_getpid(pid_t *pid, pid_t *ppid)
{
	struct proc_getpid_rep rp;
	long err;

	err = proc_req_getpid(H_PROC, &rp);
	if (err)
		return err;
	*pid = (pid_t)rp.pid;
	*ppid = (pid_t)rp.ppid;
	return 0;
}

/* Returns our pid, or -1 with errno if there is no process server. */
pid_t getpid(void)
{
	pid_t pid, ppid;
	long err = proc_getpid(&pid, &ppid);

	return err ? (pid_t)os_result(err) : pid;
}

pid_t getppid(void)
{
	pid_t pid, ppid;
	long err = proc_getpid(&pid, &ppid);

	return err ? (pid_t)os_result(err) : ppid;
}

/*
 * pid 0 ("any child in my process group") means any child: there are no
 * process groups.  Returns the child's pid, or 0 under WNOHANG when no
 * child has changed state yet.
 */
pid_t waitpid(pid_t pid, int *status, int options)
{
	struct proc_wait_req rq;
	struct proc_wait_rep rp;
	long err;

	if (options & ~WAIT_OPTIONS)
		return (pid_t)os_result(-EINVAL);
	rq = (struct proc_wait_req){
		.pid = pid ? pid : -1,
		.options = options & WNOHANG ? PROC_WNOHANG : 0 };
	err = proc_req_wait(H_PROC, &rq, &rp);
	if (err)
		return (pid_t)os_result(err);
	if (status && (pid_t)rp.pid > 0)
		*status = (int)rp.wstatus;
	return (pid_t)rp.pid;
}

pid_t wait(int *status)
{
	return waitpid(-1, status, 0);
}

/*
 * exec loads a program from the boot modules by the last component of
 * path; the new program's argv[0] is that name.  Descriptors other than
 * the console do not survive exec (the fd table lives in the process).
 */
int execve(const char *path, char *const argv[], char *const envp[])
{
	char buf[IPC_BUF_MAX];
	const char *name = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
	size_t n = 0;
	long err;

	for (int pass = 0; pass < 2; pass++) {
		char *const *v = pass ? envp : argv;

		for (int i = 0; v && v[i]; i++) {
			const char *s = (!pass && i == 0) ? name : v[i];
			size_t l = strlen(s) + 1;

			if (n + l + 2 > sizeof(buf))
				return (int)os_result(-E2BIG);
			memcpy(buf + n, s, l);
			n += l;
		}
		if (!pass && (!argv || !argv[0])) {
			memcpy(buf + n, name, strlen(name) + 1);
			n += strlen(name) + 1;
		}
		buf[n++] = 0;
	}
	fflush(NULL);
	err = proc_req_exec(H_PROC, buf, (unsigned)n);
	return (int)os_result(err ? err : -EIO);
}

int execv(const char *path, char *const argv[])
{
	return execve(path, argv, environ);
}

int execvp(const char *file, char *const argv[])
{
	return execve(file, argv, environ);
}
