/*
 * main.c - the eager pager's start and its one loop.
 *
 * Two ways to start:
 *  - as the first pager (kernel command line pager=eagerpager): the
 *    kernel gave us every frame and the system handle; we read the boot
 *    information, take its free ranges as chunks, then load and start
 *    init with the handles init expects (ipc/bootinfo.h, INIT_H_*);
 *  - side by side (argv[1] == MM_SIDE_BY_SIDE_ARG): the process server
 *    started us as a process of the first pager, with the endpoint we
 *    serve in slot MM_H_PAGER_EP.  We own no frames until the first
 *    MM_FRAMES_ADOPT; the first grant also brought a copy of the boot
 *    information at MM_GRANT_BOOTINFO_VA.
 *
 * Loop: receive on the one endpoint; PAGER_FAULT goes to fault_handle(),
 * everything else through the request table.  Faults are rare here: a
 * page is mapped when its mapping is made, so a fault is a protection
 * violation (PAGER_FAIL, SIGSEGV), an access outside every region
 * (SIGSEGV), or stack growth, which populates everything from the fault
 * up to the stack's populated part and then lets the thread retry.
 *
 * --crash-on-fault (debug, for tests): the first PAGER_FAULT makes the
 * pager itself crash, so that the death of a pager with a thread blocked
 * on its fault can be tested.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdarg.h>
#include <ipc/proc.h>
#include <exec/image.h>
#include "eager.h"

#define BADGE_INIT_EXC	0xffffffffffffff02ull
#define INIT_PRIO	15

struct bootinfo ep_boot;
struct ep_stats ep_stats;
uint64_t ep_endpoint;
const char *ep_name = "eagerpager";

static char recvbuf[IPC_BUF_MAX];
/* --crash-on-fault writes through this: a page no one maps. */
static volatile uint64_t *volatile crash_at = (uint64_t *)8;
static bool side_by_side, crash_on_fault, have_boot;

void ep_log(const char *fmt, ...)
{
	char buf[256];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	sys_debug_write(buf, n < (int)sizeof(buf) ? (size_t)n : sizeof(buf) - 1);
}

void ep_panic(const char *fmt, ...)
{
	char buf[200];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	ep_log("%s: PANIC: %s\n", ep_name, buf);
	if (!side_by_side)
		sys2(SYS_HALT, BOOT_H_SYS, HALT_PANIC);
	for (;;)
		sys0(SYS_THREAD_EXIT);
}

/* ---- faults ---- */

static bool access_ok(const struct region *r, uint64_t access)
{
	if (access & PF_ACC_WRITE)
		return r->prot & PROT_WRITE;
	if (access & PF_ACC_EXEC)
		return r->prot & PROT_EXEC;
	return kprot(r->prot) != 0;
}

static void fault_fail(struct ipc_msg *m, uint64_t sig)
{
	ep_stats.fault_fail++;
	m->tag = IPC_TAG(PAGER_FAIL, IPC_MSG_NWORDS(struct pager_fail_rep));
	IPC_REP(m, struct pager_fail_rep)->signal = sig;
	m->buf = NULL;
}

/* Grow the stack down to the page at va: populate [va, stack_low). */
static int stack_grow(struct ctx *c, struct region *r, vaddr_t va)
{
	int err = range_populate(c, va, c->stack_low, r->prot);

	if (err)
		return err;
	c->stack_low = va;
	ep_stats.stack_grow++;
	return 0;
}

static void fault_handle(struct ipc_msg *m)
{
	const struct pager_fault_req f = *IPC_REQ(m, struct pager_fault_req);
	struct ctx *c = ctx_get(f.label);
	vaddr_t va = f.addr & PAGE_MASK;
	struct region *r = c ? region_find(c, va) : NULL;
	struct pager_resume_rep *rp = IPC_REP(m, struct pager_resume_rep);
	uint64_t *e;

	ep_stats.faults++;
	if (crash_on_fault)
		*crash_at = f.addr;	/* deliberate */
	if (!r || !access_ok(r, f.access)) {
		fault_fail(m, 11);
		return;
	}
	if ((r->flags & REG_STACK) && va < c->stack_low) {
		if (stack_grow(c, r, va)) {
			fault_fail(m, 7);	/* SIGBUS: no memory */
			return;
		}
		m->tag = IPC_TAG(PAGER_RESUME, PAGER_RESUME_NWORDS(0));
		m->buf = NULL;
		return;
	}
	e = pmap_slot(c, va, false);
	if (!e || !*e) {
		fault_fail(m, 11);
		return;
	}
	/* Mapped already, yet it faulted: the kernel's copy went stale
	 * (cannot happen today); map it again. */
	rp->maps[0].va = va | kprot(r->prot);
	rp->maps[0].pfn = *e >> PAGE_SHIFT;
	m->tag = IPC_TAG(PAGER_RESUME, PAGER_RESUME_NWORDS(1));
	m->buf = NULL;
}

/* ---- start ---- */

static long give(long task, uint64_t h, unsigned rights, uint64_t badge)
{
	return sys4(SYS_HANDLE_GIVE, task, h, rights, badge);
}

static void start_init(void)
{
	static char args[BOOT_MODNAME_MAX + 2];
	size_t len = exec_module_args(&ep_boot, "init", args, sizeof(args));
	struct ctx *c = ctx_create(1);
	vaddr_t entry, sp;
	long exc, task;
	int err;

	if (!len)
		ep_panic("no boot module named init");
	if (!c)
		ep_panic("cannot create init's memory context");
	err = exec_load(c, args, len, &entry, &sp);
	if (err)
		ep_panic("cannot load init (%d)", err);
	exc = sys3(SYS_HANDLE_MINT, BOOT_H_FAULT_EP, R_SEND, BADGE_INIT_EXC);
	task = sys3(SYS_TASK_CREATE, c->as, exc, "init");
	if (exc < 0 || task < 0)
		ep_panic("cannot create init's task");
	sys1(SYS_HANDLE_CLOSE, exc);
	if (give(task, BOOT_H_SYS, R_ALL, 0) != INIT_H_SYS ||
	    give(task, BOOT_H_FAULT_EP, R_SEND, c->id) != INIT_H_MM ||
	    give(task, BOOT_H_FAULT_EP, R_SEND | R_GRANT, MM_BADGE_PROC) !=
	    INIT_H_MM_PROC ||
	    give(task, task, R_ALL, 0) != INIT_H_SELF_TASK)
		ep_panic("cannot give init its handles");
	if (sys6(SYS_THREAD_CREATE, task, BOOT_H_FAULT_EP, entry, sp, 0,
		 INIT_PRIO) < 0)
		ep_panic("cannot start init");
	sys1(SYS_HANDLE_CLOSE, task);
}

/* As the first pager: every free range of RAM is a chunk of ours. */
static void first_pager_init(void)
{
	if (sys3(SYS_BOOTINFO, BOOT_H_SYS, &ep_boot, sizeof(ep_boot)) ||
	    ep_boot.magic != BOOTINFO_MAGIC)
		ep_panic("no boot information from the kernel");
	have_boot = true;
	for (unsigned i = 0; i < ep_boot.nranges && i < BOOT_MAX_RANGES; i++) {
		struct boot_range r = ep_boot.ranges[i].r;

		if (ep_boot.ranges[i].kind == BOOT_RANGE_FREE && r.start_pfn &&
		    frames_add(r.start_pfn, r.npages))
			ep_log("%s: range %#lx+%lu not used\n", ep_name,
			       (unsigned long)r.start_pfn,
			       (unsigned long)r.npages);
	}
	start_init();
	ep_log("%s: ready: %lu pages free\n", ep_name,
	       (unsigned long)frames_free());
}

/*
 * Side by side, before the first frames arrive, only MM_FRAMES_ADOPT can
 * be served: take the boot information the grant mapped for us first.
 */
static void side_boot_copy(const struct ipc_msg *m)
{
	if (have_boot || IPC_TAG_LABEL(m->tag) != MM_FRAMES_ADOPT ||
	    m->badge != MM_BADGE_PROC)
		return;
	memcpy(&ep_boot, (const void *)MM_GRANT_BOOTINFO_VA, sizeof(ep_boot));
	if (ep_boot.magic != BOOTINFO_MAGIC)
		ep_panic("no boot information in the grant");
	have_boot = true;
}

int main(int argc, char **argv)
{
	struct ipc_server srv = {
		.protos = ep_protos,
		.nprotos = ep_nprotos,
		.ctx = recvbuf,
	};
	struct ipc_msg m = { 0 };

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], MM_SIDE_BY_SIDE_ARG))
			side_by_side = true;
		else if (!strcmp(argv[i], "--crash-on-fault"))
			crash_on_fault = true;
	}
	ep_endpoint = side_by_side ? MM_H_PAGER_EP : BOOT_H_FAULT_EP;
	srv.ep = ep_endpoint;
	sys2(SYS_IPC_SET_RECVBUF, recvbuf, sizeof(recvbuf));
	if (!side_by_side)
		first_pager_init();
	for (;;) {
		long err = ipc_reply_recv(ep_endpoint, &m);

		ep_close_pending();
		if (err) {
			m.tag = 0;
			continue;
		}
		side_boot_copy(&m);
		switch (IPC_TAG_LABEL(m.tag)) {
		case PAGER_FAULT:
			fault_handle(&m);
			break;
		case EXC_FAULT:
			if (!side_by_side && m.badge == BADGE_INIT_EXC) {
				ep_log("%s: init died\n", ep_name);
				sys2(SYS_HALT, BOOT_H_SYS, HALT_PANIC);
			}
			m.tag = 0;
			break;
		default:
			if (!have_boot) {
				ipc_drop_handles(&m);
				ipc_reply_set(&m, -EAGAIN, 0);
			} else if (ipc_dispatch(&srv, &m) != IPC_REPLY) {
				m.tag = 0;
			}
		}
	}
}
