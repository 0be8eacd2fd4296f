/*
 * ipc/sys.h - the kernel's system-call interface, shared by the kernel and
 * every user program.
 *
 * Register convention (SYSCALL instruction):
 *   in:  rax = enum sys_nr, rdi = handle, rsi = tag,
 *        rdx r10 r8 r9 r12 r13 r14 r15 = message words 0..7,
 *        rbx = buffer pointer (when the tag carries a buffer length)
 *   out: rax = status (0 or -errno), rsi = tag, rdi = badge,
 *        rdx r10 r8 r9 r12 r13 r14 r15 = message words 0..7
 * Non-IPC calls use the same registers as plain arguments: arg0 = rdi,
 * arg1 = rsi, arg2 = rdx, arg3 = r10, arg4 = r8, arg5 = r9; results come
 * back in rax (and, where documented, in the word registers).
 * rcx and r11 are clobbered by SYSCALL itself; every other register is
 * preserved unless it carries a result.
 *
 * Handles are small integers indexing the calling task's handle table.
 * Each handle names one kernel object and carries rights (what its holder
 * may do with it) and, for endpoints, a badge the receiver sees.
 */
#ifndef IPC_SYS_H
#define IPC_SYS_H

#include <stdint.h>

enum sys_nr {
	SYS_NULL,		/* () -> 0: the cost of a kernel entry */
	SYS_DEBUG_WRITE,	/* (buf, len) -> bytes written to the console */
	SYS_CONSOLE_READ,	/* (buf, len) -> bytes read; blocks until >= 1 */
	/* IPC */
	SYS_CALL,		/* send to h, wait for the reply */
	SYS_REPLY_RECV,		/* reply to the caller, then receive on h */
	SYS_SEND,		/* blocking send without reply */
	SYS_RECV,		/* receive on h (endpoint or bound notification) */
	SYS_REPLY,		/* reply to the current caller */
	SYS_REPLY_SAVE,		/* () -> handle to the current caller's reply */
	SYS_IPC_SET_RECVBUF,	/* (buf, len): where incoming buffers land */
	SYS_NOTIFY,		/* (h, bits): OR bits into a notification */
	SYS_NOTIFY_WAIT,	/* (h) -> bits: wait for and clear the word */
	SYS_NOTIFY_TIMER,	/* (h, ns, bits): signal bits after ns (one
				 * timer per notification; ns = 0 cancels) */
	/* handles and objects */
	SYS_EP_CREATE,		/* () -> handle to a new endpoint */
	SYS_NOTIF_CREATE,	/* () -> handle to a new notification */
	SYS_EP_BIND_NOTIF,	/* (ep_h, notif_h): RECV on ep also sees notif */
	SYS_HANDLE_MINT,	/* (h, rights, badge) -> new handle, fewer rights */
	SYS_HANDLE_CLOSE,	/* (h) */
	SYS_HANDLE_GIVE,	/* (task_h, h, rights, badge) -> slot in task */
	SYS_HANDLE_INFO,	/* (h) -> type; word0 = rights, word1 = badge */
	/* address spaces: only for the holder of an AS handle with AS_R_MAP */
	SYS_AS_CREATE,		/* (label) -> AS handle; caller is its pager */
	SYS_AS_DESTROY,		/* (as_h): unmap all, free page tables */
	SYS_AS_MAP,		/* (as_h, struct as_map_op *ops, n) -> n done */
	SYS_AS_UNMAP,		/* (as_h, vaddr, npages) */
	SYS_AS_PROTECT,		/* (as_h, vaddr, npages, prot) */
	SYS_AS_HARVEST,		/* (as_h, vaddr, npages, uint8_t *out):
				 * read-and-clear accessed/dirty per page */
	SYS_AS_QUERY,		/* (as_h, vaddr) -> pte-like word (tests) */
	SYS_PT_DONATE,		/* (pfns *, n, to) -> page-table pool size */
	SYS_PT_RECLAIM,		/* (pfns *, max) -> n frames returned */
	SYS_FRAME_GIVE,		/* (task_h, pfns *, n, flags): transfer
				 * ownership */
	/* tasks and threads */
	SYS_TASK_CREATE,	/* (as_h, exc_ep_h, name) -> task handle */
	SYS_TASK_KILL,		/* (task_h): destroy threads and handles */
	SYS_TASK_INFO,		/* (index, struct sys_task_info *) */
	SYS_THREAD_CREATE,	/* (task_h, pager_h, ip, sp, arg, prio) -> tid */
	SYS_THREAD_EXIT,	/* () */
	SYS_YIELD,
	SYS_SLEEP,		/* (ns) */
	SYS_CLOCK,		/* () -> monotonic ns since boot */
	/* devices: only with the matching handle */
	SYS_IRQ_BIND,		/* (irq_h, notif_h, bit): the line's IRQs
				 * signal bit; masked until SYS_IRQ_ACK */
	SYS_IRQ_ACK,		/* (irq_h): unmask the line again */
	SYS_IOPORT,		/* (io_h, port, width | dir, value): port
				 * inside the handle's range -> value read */
	/* system */
	SYS_HALT,		/* (code): exit QEMU; needs a SYS handle */
	SYS_DEBUG_PANIC,	/* (): debug builds only; panics the kernel */
	SYS_BOOTINFO,		/* (buf, len): copy of struct bootinfo */
	/* device grants: only with the SYS handle */
	SYS_IOPORT_GRANT,	/* (sys_h, base, len) -> HT_IOPORT handle */
	SYS_IRQ_GRANT,		/* (sys_h, irq) -> HT_IRQ handle */
	SYS_PCI_CONFIG,		/* (sys_h, bdf, offset, width | dir, value)
				 * -> value read (configuration mechanism 1) */
	SYS_AS_HARVESTV,	/* (struct as_harvest_op *ops, n): read and
				 * clear accessed/dirty of scattered pages */
	SYS_COUNT
};

/*
 * Message tag: label in the low 16 bits, then the number of message words,
 * the number of handles transferred, and the length of an optional buffer.
 */
#define IPC_TAG(label, nwords)	((uint64_t)(label) | ((uint64_t)(nwords) << 16))
#define IPC_TAG_LABEL(t)	((unsigned)((t) & 0xffff))
#define IPC_TAG_NWORDS(t)	((unsigned)(((t) >> 16) & 0xf))
#define IPC_TAG_NHANDLES(t)	((unsigned)(((t) >> 20) & 0x3))
#define IPC_TAG_HANDLES(n)	((uint64_t)(n) << 20)
#define IPC_TAG_TRUNC		(1ull << 22)	/* buffer did not fit/land */
#define IPC_TAG_NOTIFY		(1ull << 23)	/* RECV woke for a notif */
#define IPC_TAG_BUFLEN(t)	((unsigned)(((t) >> 32) & 0xffff))
#define IPC_TAG_BUF(len)	((uint64_t)(len) << 32)

#define IPC_WORDS	8	/* message words carried in registers */
#define IPC_BUF_MAX	4096	/* largest buffer one message carries */

/*
 * Handle transfer: with IPC_TAG_HANDLES(n), words 1..n name handles of the
 * sender (word 0 stays free for a status); the receiver finds the slots of
 * its new handles there (0 where one could not be installed, with
 * IPC_TAG_TRUNC set).  Only a sender whose endpoint handle has R_GRANT
 * transfers handles; replies always may.
 */
#define IPC_HANDLE_WORD	1

/* Object types and rights. */
enum handle_type {
	HT_NONE, HT_ENDPOINT, HT_NOTIF, HT_AS, HT_TASK, HT_REPLY,
	HT_IRQ, HT_IOPORT, HT_SYS, HT_COUNT
};
#define R_SEND		0x01	/* endpoint: call/send; notif: signal */
#define R_RECV		0x02	/* endpoint: receive; notif: wait */
#define R_GRANT		0x04	/* may carry handles in messages */
#define AS_R_MAP	0x01	/* map/unmap/protect/harvest/destroy */
#define AS_R_TASK	0x02	/* create tasks that run in it */
#define TASK_R_THREAD	0x01	/* create threads in the task */
#define TASK_R_KILL	0x02
#define TASK_R_HANDLE	0x04	/* give handles into the task */
#define R_ALL		0xff

/* Page-table requests. prot bits double as the low bits of as_map_op.va. */
#define AS_PROT_READ	0x1
#define AS_PROT_WRITE	0x2
#define AS_PROT_EXEC	0x4
#define AS_PROT_MASK	0x7

struct as_map_op {
	uint64_t va;		/* page-aligned address | AS_PROT_* */
	uint64_t pfn;		/* frame owned by the caller */
};

#define AS_MAP_MAX	512	/* ops per SYS_AS_MAP call */

/*
 * Lending frames to user-level pagers (docs/pager-protocol.md, section 9).
 * SYS_FRAME_GIVE with task_h 0 gives to the task whose call the first
 * pager is serving, and flags FRAME_GIVE_LENT marks the frames lent: no
 * holder may make them page tables.  SYS_PT_DONATE with to =
 * PT_DONATE_CALLER fills that task's page-table pool instead of the
 * caller's.  Each is for the first pager only (-EPERM); any other task
 * may give frames only to tasks in spaces it is the pager of.
 */
#define FRAME_GIVE_LENT		0x1
#define PT_DONATE_CALLER	0x1

#define AS_HARVEST_ACCESSED	0x1
#define AS_HARVEST_DIRTY	0x2
#define AS_HARVEST_PRESENT	0x4

/*
 * SYS_AS_HARVESTV: one page of one address space per op (any mix, as
 * reclaim finds them through the reverse map).  On return the low bits of
 * each va hold that page's AS_HARVEST_* bits; an op naming a bad handle
 * fails the whole call with -EBADF and nothing is harvested.
 */
struct as_harvest_op {
	uint64_t as;		/* AS handle with map rights */
	uint64_t va;		/* page address; out: | AS_HARVEST_* */
};
#define AS_HARVESTV_MAX	64	/* ops per call */

/* SYS_IOPORT / SYS_PCI_CONFIG width (1, 2, 4) | direction.  SYS_HANDLE_INFO
 * reports an HT_IOPORT handle's range as its badge (base | len << 16) and an
 * HT_IRQ handle's line as its badge. */
#define IOPORT_OUT	0x100
#define IOPORT_INFO_BASE(badge)	((uint16_t)(badge))
#define IOPORT_INFO_LEN(badge)	((uint32_t)((badge) >> 16))

/* Halt codes written to QEMU's isa-debug-exit (QEMU exits 2*code+1). */
#define HALT_OK		0
#define HALT_FAILED	1	/* a --cmd command failed */
#define HALT_PANIC	0x21

/* SYS_TASK_INFO */
struct sys_task_info {
	uint32_t id;		/* kernel task id */
	uint32_t nthreads;
	uint32_t state;		/* TASK_INFO_* below */
	uint32_t pt_pages;	/* page-table pages of its address space */
	char name[32];
};
enum { TASK_INFO_RUNNING, TASK_INFO_BLOCKED, TASK_INFO_DEAD };

#endif
