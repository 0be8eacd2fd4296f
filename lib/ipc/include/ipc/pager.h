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

#include <ipc/msg.h>
#include <ipc/sys.h>

enum pager_label {
	PAGER_FAULT = 0x100,	/* kernel -> pager */
	PAGER_RESUME,		/* pager -> kernel: map these, resume */
	PAGER_FAIL,		/* pager -> kernel: no mapping; deliver signal */
	EXC_FAULT = 0x180,	/* kernel -> supervisor: a thread died */
	PAGER_LABEL_COUNT
};

/* PAGER_FAULT (kernel -> pager); the answer is PAGER_RESUME or PAGER_FAIL. */
struct pager_fault_req {
	uint64_t addr;		/* faulting address */
	uint64_t access;	/* PF_ACC_* */
	uint64_t ip;		/* user instruction pointer */
	uint64_t tid;		/* kernel thread id */
	uint64_t label;		/* label the pager gave the AS at creation */
	uint64_t ptpool;	/* free frames left in the pager's PT pool */
};
IPC_MSG_ASSERT(struct pager_fault_req);
#define PF_ACC_READ	0x01
#define PF_ACC_WRITE	0x02
#define PF_ACC_EXEC	0x04
#define PF_ACC_PRESENT	0x08	/* a protection fault on a present page */
#define PF_ACC_KERNEL	0x10	/* the kernel touched it for a syscall:
				 * PAGER_FAIL turns into -EFAULT, not a signal */

/*
 * PAGER_RESUME (pager -> kernel): n mappings, maps[0..n-1], in 2n words.
 * The top bits of the frame word may repeat the mapping: the same
 * frame over PAGER_MAP_REPEAT(pfn word) consecutive pages (0 means 1, at
 * most PAGER_MAP_REPEAT_MAX) - for mapping the zero page around a fault.
 */
#define PAGER_REPLY_MAPS	(IPC_WORDS / 2)
#define PAGER_MAP_REPEAT_SHIFT	52
#define PAGER_MAP_REPEAT(w)	((unsigned)((w) >> PAGER_MAP_REPEAT_SHIFT))
#define PAGER_MAP_PFN(w)	((w) & ((1ull << PAGER_MAP_REPEAT_SHIFT) - 1))
#define PAGER_MAP_REPEAT_MAX	64

struct pager_resume_rep {
	struct as_map_op maps[PAGER_REPLY_MAPS];	/* the first n */
};
IPC_MSG_ASSERT(struct pager_resume_rep);
/* The word count of a PAGER_RESUME carrying n mappings. */
#define PAGER_RESUME_NWORDS(n)	((n) * IPC_MSG_NWORDS(struct as_map_op))

/* PAGER_FAIL (pager -> kernel) */
struct pager_fail_rep {
	uint64_t signal;	/* SIGSEGV, SIGBUS, or SIGKILL (the pager
				 * killed the task: out of memory); any
				 * other value is taken as SIGSEGV */
};
IPC_MSG_ASSERT(struct pager_fail_rep);

/* EXC_FAULT (kernel -> supervisor); the badge is the supervisor handle's
 * badge given at SYS_TASK_CREATE.  No reply: the supervisor kills the
 * task (the thread stays blocked until then). */
struct exc_fault_req {
	uint64_t signal;	/* SIGSEGV, SIGILL, SIGFPE, SIGBUS, ... */
	uint64_t vector;	/* CPU exception vector, or EXC_VEC_PAGER */
	uint64_t error;		/* CPU error code */
	uint64_t addr;		/* CR2 for page faults */
	uint64_t ip;
	uint64_t tid;
};
IPC_MSG_ASSERT(struct exc_fault_req);
#define EXC_VEC_PAGER	0x100	/* the pager refused the fault */
#define EXC_VEC_NOPAGER	0x101	/* the thread has no pager */
#define EXC_VEC_BADREPLY 0x102	/* the pager's reply was invalid */
#define EXC_VEC_PAGER_DIED 0x103 /* SIGBUS: the pager died with the fault
				  * pending, or dropped it unanswered */

#endif
