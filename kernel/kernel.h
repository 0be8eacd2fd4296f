/*
 * kernel.h - the portable kernel's objects and the functions that join its
 * files together.
 *
 * The kernel is event-driven: it runs with interrupts off on one kernel
 * stack, and a thread that blocks leaves its whole state in its struct regs
 * (plus the few fields below saying what it waits for).  So no kernel path
 * ever sleeps and no lock is needed on one CPU.
 *
 * Object lifetimes: tasks, endpoints, notifications and address spaces are
 * reference-counted by the handles that name them (and endpoints also by
 * the threads that use them as pager or supervisor); threads belong to
 * their task and die with it.
 */
#ifndef KERNEL_KERNEL_H
#define KERNEL_KERNEL_H

#include <arch/arch.h>
#include <ipc/sys.h>
#include <ipc/pager.h>
#include "errno.h"
#include "list.h"

#define MAX_TASKS	256
#define MAX_THREADS	1024
#define MAX_ENDPOINTS	1024
#define MAX_NOTIFS	512
#define MAX_AS		256
#define TASK_HANDLES	256
#define NR_PRIO		32
#define PRIO_DEFAULT	10
#define TICK_NS		1000000ull
#define QUANTUM_TICKS	10
#define FRAME_NONE	0		/* not RAM, or the kernel's */
#define FRAME_PT	0x7fff		/* a page-table page (donated) */
#define FRAME_LENT	0x8000		/* beside the owner: lent by the first
					 * pager to a user-level pager, so never
					 * a page table at its holder's request
					 * (the holder can write it) */
#define FRAME_ID(o)	((o) & 0x7fff)

struct endpoint;
struct task;
struct as;

enum thread_state {
	T_FREE,
	T_RUNNABLE,		/* current, or on a run queue */
	T_SEND,			/* queued on blocked_on, sending */
	T_RECV,			/* queued on blocked_on, receiving */
	T_REPLY,		/* waiting for a reply */
	T_NOTIF,		/* waiting on a notification */
	T_SLEEP,
	T_CONSOLE,		/* waiting for console input */
	T_DEAD,
};

/* How a thread's pending outgoing message was produced. */
enum send_kind {
	SEND_USER,		/* its own SYSCALL: the message is in regs */
	SEND_FAULT,		/* a page fault: message in kmsg */
	SEND_EXC,		/* a fatal exception: message in kmsg */
};

struct thread {
	struct regs regs;		/* must stay first: 16-byte aligned */
	uint8_t fpu[FPU_STATE_SIZE] __attribute__((aligned(16)));
	uint32_t tid;
	enum thread_state state;
	int prio;
	int quantum;
	uint8_t fpu_count;		/* recent FPU use, for eager switching */
	struct task *task;
	struct list_head task_link;	/* task->threads */
	struct list_head link;		/* run queue, endpoint queue, sleepers */
	/* IPC */
	struct endpoint *pager;		/* where page faults go (counted) */
	uint64_t pager_badge;
	struct endpoint *blocked_on;	/* T_SEND / T_RECV */
	struct notif *waiting_notif;	/* T_NOTIF */
	struct thread *caller;		/* whom our next REPLY answers */
	struct thread *replier;		/* T_REPLY: who holds our reply */
	uint64_t reply_gen;		/* unique per wait for a reply */
	enum send_kind send_kind;
	bool send_is_call;
	uint8_t send_rights;		/* rights of the handle used to send */
	uint64_t send_badge;
	uint64_t kmsg_tag;		/* SEND_FAULT / SEND_EXC message */
	uint64_t kmsg[IPC_WORDS];
	bool fault_restart;		/* restart the syscall after the fault */
	bool fault_kernel;		/* the fault was the kernel's access */
	vaddr_t recvbuf;
	uint32_t recvbuf_len;
	uint64_t wake_ns;		/* T_SLEEP */
};

struct handle {
	uint8_t type;			/* enum handle_type */
	uint8_t rights;
	void *obj;
	uint64_t badge;			/* endpoints; generation for replies;
					 * HT_IOPORT: base | len << 16;
					 * HT_IRQ: the line */
};

struct task {
	uint32_t id;			/* index in the task table, >= 1 */
	int refs;
	bool dead;
	char name[32];
	struct as *as;
	struct list_head threads;
	int nthreads;
	struct endpoint *exc_ep;	/* supervisor (counted) */
	uint64_t exc_badge;
	uint64_t frames_owned;
	/* Page-table frames this task donated, free: a list through the
	 * frames themselves. */
	paddr_t pt_free;
	uint64_t pt_free_count;
	struct handle handles[TASK_HANDLES];
};

struct as {
	int refs;
	bool dead;
	paddr_t root;
	uint16_t pcid;
	bool tlb_stale;			/* flush on the next switch to it */
	uint64_t label;			/* the pager's cookie, in faults */
	struct task *pager;		/* creator: maps, owns the tables */
	uint64_t pt_pages;
	bool orphaned;			/* destroyed because its pager died:
					 * its tasks die too */
};

struct endpoint {
	int refs;
	int recv_refs;			/* handles with R_RECV */
	bool dead;			/* no receiver can ever come */
	struct list_head senders;
	struct list_head receivers;
	struct notif *bound;
};

struct notif {
	int refs;
	uint64_t word;
	struct thread *waiter;
	struct endpoint *bound_ep;
	uint64_t timer_ns;		/* armed: deadline; 0: not armed */
	uint64_t timer_bits;
	struct list_head timer_link;	/* sched.c's timer list */
};

/* printk.c */
int kvsnprintf(char *buf, size_t len, const char *fmt, __builtin_va_list ap);

/* kmem.c: the kernel's fixed reservation */
void kmem_init(paddr_t (*alloc_pages)(size_t n));
struct thread *thread_alloc(void);
void thread_free(struct thread *t);
struct task *task_alloc(void);
struct task *task_by_id(uint32_t id);
void task_free(struct task *t);
struct endpoint *endpoint_alloc(void);
void endpoint_free(struct endpoint *e);
struct notif *notif_alloc(void);
void notif_free(struct notif *n);
struct as *as_alloc(void);
void as_free(struct as *a);
struct as *as_by_index(size_t i);
struct thread *thread_by_tid(uint32_t tid);

/* frame.c: who owns each frame of RAM */
void frame_init(pfn_t max_pfn, uint16_t *table);
bool frame_owned_by(pfn_t pfn, const struct task *t);
void frame_set_owner(pfn_t pfn, uint16_t owner);
uint16_t frame_owner(pfn_t pfn);
bool frame_lent(pfn_t pfn);
pfn_t frame_max(void);
void frame_release_task(struct task *t, struct task *heir);

/* sched.c */
extern struct thread *current;
void sched_init(void);
void sched_make_runnable(struct thread *t);
void sched_remove(struct thread *t);
void sched_switch_to(struct thread *t);
void sched_block_current(enum thread_state s);
void sched_sleep(struct thread *t, uint64_t wake_ns);
void sched_timer_arm(struct notif *n, uint64_t deadline, uint64_t bits);
void sched_timer_cancel(struct notif *n);
void sched_yield(void);
uint64_t sched_ticks(void);

/* task.c */
struct task *task_create(const char *name, struct as *as);
void task_kill(struct task *t);
void task_put(struct task *t);
struct thread *thread_create(struct task *t, struct endpoint *pager,
			     uint64_t ip, uint64_t sp, uint64_t arg, int prio);
void thread_kill(struct thread *t);

/* handle.c */
int handle_install(struct task *t, enum handle_type type, void *obj,
		   unsigned rights, uint64_t badge);
struct handle *handle_get(struct task *t, uint64_t h, enum handle_type type,
			  unsigned rights);
void handle_close(struct task *t, unsigned slot);
void obj_get(enum handle_type type, void *obj);
void obj_put(enum handle_type type, void *obj);

/* ipc.c */
struct endpoint *endpoint_create(void);
void endpoint_put(struct endpoint *e);
void endpoint_recv_ref_drop(struct endpoint *e);
void ipc_send(struct thread *t, struct endpoint *e, bool call);
void ipc_recv(struct thread *t, struct endpoint *e);
int ipc_reply(struct thread *replier, struct thread *caller,
	      struct regs *msg);
void ipc_cancel(struct thread *t);
void ipc_fail_caller(struct thread *caller, int err);
void ipc_reply_handle_drop(struct thread *caller, uint64_t gen);
bool ipc_reply_handle_valid(struct thread *caller, uint64_t gen);
void ipc_deliver_notify(struct thread *t, uint64_t bits);
struct notif *notif_create(void);
void notif_put(struct notif *n);
void notif_signal(struct notif *n, uint64_t bits);
void notif_wait(struct thread *t, struct notif *n);

/* as.c */
struct as *as_create(struct task *pager, uint64_t label);
void as_put(struct as *a);
void as_destroy(struct as *a);
int as_map(struct as *a, struct task *caller, const struct as_map_op *op);
int as_map_large(struct as *a, vaddr_t va, paddr_t pa, unsigned prot);
int as_unmap(struct as *a, vaddr_t va, uint64_t npages);
int as_protect(struct as *a, vaddr_t va, uint64_t npages, unsigned prot);
int as_harvest_one(struct as *a, vaddr_t va, uint8_t *out);
void as_activate(struct as *a);
int pt_donate(struct task *by, struct task *to, pfn_t pfn, bool lent);
int pt_reclaim_one(struct task *t, pfn_t *out);

/* uaccess.c: user memory, reached through the direct map */
int uaccess_page(struct as *a, vaddr_t va, bool write, paddr_t *pa);
int copy_from_user(struct thread *t, void *dst, vaddr_t src, size_t len,
		   vaddr_t *bad);
int copy_to_user(struct thread *t, vaddr_t dst, const void *src,
		 size_t len, vaddr_t *bad);
int copy_user_to_user(struct as *to, vaddr_t dst, struct as *from,
		      vaddr_t src, size_t len);

/* fault.c */
void fault_raise(struct thread *t, vaddr_t addr, unsigned access,
		 bool kernel);
void exception_raise(struct thread *t, int signo, unsigned vector,
		     uint64_t error, vaddr_t addr);
void fault_resume(struct thread *t, struct regs *reply, struct task *by);

/* console.c */
void console_write(const char *s, size_t n);
void console_input_irq(void);
int console_read(struct thread *t, vaddr_t buf, size_t len);

/* boot.c */
void boot_init(uint32_t magic, paddr_t mbi);
void boot_start_first_pager(void);

/* syscall.c */
extern struct task *sys_root_task;
extern bool kernel_debug;

/* Console verbosity, from meson's log_level (0 error .. 3 debug). */
#ifndef LOG_LEVEL
#define LOG_LEVEL 2
#endif
#define pr_warn(...)	do { if (LOG_LEVEL >= 1) printk(__VA_ARGS__); } while (0)
#define pr_info(...)	do { if (LOG_LEVEL >= 2) printk(__VA_ARGS__); } while (0)
#define pr_debug(...)	do { if (LOG_LEVEL >= 3) printk(__VA_ARGS__); } while (0)

static inline uint64_t min_u64(uint64_t a, uint64_t b)
{
	return a < b ? a : b;
}

#endif
