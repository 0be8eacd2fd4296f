/*
 * sys/wait.h - waiting for child processes.
 *
 * Statuses use Linux's encoding (the process server produces it): exit
 * code in bits 8..15, or the killing signal in bits 0..6 with bit 7 set
 * for a core dump.  Nothing ever stops or continues (there is no job
 * control), so WIFSTOPPED and WIFCONTINUED are always false.
 * Implemented in lib/c/sys/proc.c.
 */
#ifndef _SYS_WAIT_H
#define _SYS_WAIT_H

#include <sys/types.h>

#define WNOHANG		1
#define WUNTRACED	2
#define WSTOPPED	WUNTRACED
#define WEXITED		4
#define WCONTINUED	8

#define WEXITSTATUS(s)	(((s) & 0xff00) >> 8)
#define WTERMSIG(s)	((s) & 0x7f)
#define WSTOPSIG(s)	WEXITSTATUS(s)
#define WCOREDUMP(s)	((s) & 0x80)
#define WIFEXITED(s)	(WTERMSIG(s) == 0)
/* true for signals 1..126; 0x7f would mean "stopped" */
#define WIFSIGNALED(s)	(((signed char)(((s) & 0x7f) + 1) >> 1) > 0)
#define WIFSTOPPED(s)	((void)(s), 0)
#define WIFCONTINUED(s)	((void)(s), 0)

pid_t waitpid(pid_t pid, int *status, int options);
pid_t wait(int *status);

#endif /* _SYS_WAIT_H */
