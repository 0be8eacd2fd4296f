/*
 * ipc/pager.h - messages the kernel sends on behalf of a thread: page faults
 * to the thread's pager, and exceptions to the task's supervisor.
 *
 * A fault is a CALL made by the kernel for the faulting thread: the thread
 * stays blocked until its pager replies.  The reply may carry up to
 * PAGER_REPLY_MAPS mappings for the faulting address space, applied by the
 * kernel before the thread resumes (so an ordinary fault costs two kernel
 * entries: the trap and the pager's REPLY_RECV).  A pager may also map
 * through SYS_AS_MAP and reply with no mappings; the thread then retries.
 *
 * Mappings in a reply are applied only if the replier is the pager of the
 * faulting address space (it created it) and owns every frame named;
 * otherwise the thread gets PAGER_EXC_BADREPLY at its supervisor.
 */
#ifndef IPC_PAGER_H
#define IPC_PAGER_H

#include <ipc/sys.h>

enum pager_label {
	PAGER_FAULT = 0x100,	/* kernel -> pager */
	PAGER_RESUME,		/* pager -> kernel: map these, resume */
	PAGER_FAIL,		/* pager -> kernel: no mapping; deliver signal */
	EXC_FAULT = 0x180,	/* kernel -> supervisor: a thread died */
	PAGER_LABEL_COUNT
};

/* PAGER_FAULT words */
enum {
	PF_W_ADDR,		/* faulting address */
	PF_W_ACCESS,		/* PF_ACC_* */
	PF_W_IP,		/* user instruction pointer */
	PF_W_TID,		/* kernel thread id */
	PF_W_LABEL,		/* label the pager gave the AS at creation */
	PF_W_PTPOOL,		/* free frames left in the pager's PT pool */
	PF_NWORDS
};
#define PF_ACC_READ	0x01
#define PF_ACC_WRITE	0x02
#define PF_ACC_EXEC	0x04
#define PF_ACC_PRESENT	0x08	/* a protection fault on a present page */
#define PF_ACC_KERNEL	0x10	/* the kernel touched it for a syscall:
				 * PAGER_FAIL turns into -EFAULT, not a signal */

/* PAGER_RESUME: words 2i, 2i+1 = struct as_map_op for mapping i. */
#define PAGER_REPLY_MAPS	(IPC_WORDS / 2)
/* PAGER_FAIL: word 0 = signal number (SIGSEGV, SIGBUS). */

/* EXC_FAULT words (kernel -> supervisor); the badge is the supervisor
 * handle's badge given at SYS_TASK_CREATE. */
enum {
	EXC_W_SIGNAL,		/* SIGSEGV, SIGILL, SIGFPE, SIGBUS, ... */
	EXC_W_VECTOR,		/* CPU exception vector, or EXC_VEC_PAGER */
	EXC_W_ERROR,		/* CPU error code */
	EXC_W_ADDR,		/* CR2 for page faults */
	EXC_W_IP,
	EXC_W_TID,
	EXC_NWORDS
};
#define EXC_VEC_PAGER	0x100	/* the pager refused the fault */
#define EXC_VEC_NOPAGER	0x101	/* the thread has no pager */
#define EXC_VEC_BADREPLY 0x102	/* the pager's reply was invalid */

#endif
