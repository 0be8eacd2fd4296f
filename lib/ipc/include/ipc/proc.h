/*
 * ipc/proc.h - requests to the process server (in init): processes, their
 * exit status, signals, and the system itself.
 *
 * Every reply: word 0 = 0 or -errno, results in words 1...  A client's
 * handle is badged with its pid.  Wait statuses use Linux's encoding
 * (exit code << 8, or the signal number in the low 7 bits).
 */
#ifndef IPC_PROC_H
#define IPC_PROC_H

#include <ipc/sys.h>

enum proc_label {
	PROC_SPAWN = 0x300,	/* flags; buffer "prog\0args...\0\0" -> pid */
	PROC_WAIT,		/* pid (-1: any), options -> pid, status */
	PROC_EXIT,		/* status; no reply */
	PROC_FORK,		/* ip, sp, arg -> child pid (0 in the child) */
	PROC_KILL,		/* pid, signal */
	PROC_GETPID,		/* -> pid, parent pid */
	PROC_PS,		/* -> text in the reply buffer */
	PROC_HALT,		/* code: halt the system */
	PROC_EXEC,		/* buffer "prog\0args...\0\0env...\0\0": replace
				 * the caller's image; no reply on success */
	PROC_REGISTER,		/* buffer name, handle in w1 (R_SEND kept) */
	PROC_LOOKUP,		/* buffer name -> handle in w1 */
	PROC_LABEL_END
};
#define PROC_LABEL_COUNT	(PROC_LABEL_END - PROC_SPAWN)

#define PROC_WNOHANG	1
#define PROC_NAME_MAX	32

/* Handle slots every program starts with. */
enum {
	H_PROC = 1,		/* the process server (badge: pid) */
	H_MM,			/* its pager (badge: memory context) */
	H_START_COUNT
};

#endif
