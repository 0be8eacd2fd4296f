/*
 * main.c - mm's start and its one loop.
 *
 * Start: read the boot information, lay the page-descriptor array over the
 * first free range large enough, hand the remaining free ranges to the
 * zones, start the slab layer, then load and start init from its boot
 * module.  Loop: receive on the one endpoint; a page fault takes the fast
 * path straight to fault_handle(); everything else goes through the
 * request tables.  The reply goes out with the next receive.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdarg.h>
#include <ipc/server.h>
#include <ipc/proc.h>
#include <exec/image.h>
#include "mm.h"

#define MM_BADGE_INIT_EXC	0xffffffffffffff02ull
#define INIT_PRIO		15

struct bootinfo mm_boot;
struct mm_stats mm_stats;

char mm_recvbuf[IPC_BUF_MAX];	/* requests' buffers; file.c's FS_READ */

void mm_log(const char *fmt, ...)
{
	char buf[256];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	sys_debug_write(buf, n < (int)sizeof(buf) ? (size_t)n : sizeof(buf) - 1);
}

void mm_panic(const char *fmt, ...)
{
	char buf[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	mm_log("mm: PANIC: %s\n", buf);
	sys2(SYS_HALT, BOOT_H_SYS, HALT_PANIC);
	for (;;)
		sys0(SYS_THREAD_EXIT);
}

/* Carve the descriptor array from the first free range that holds it. */
static void mem_init(void)
{
	static struct mem_range free[BOOT_MAX_RANGES];
	uint64_t need = (mm_boot.max_pfn * sizeof(struct page) + PAGE_SIZE - 1)
			/ PAGE_SIZE;
	struct page *map = NULL;
	int n = 0;

	for (unsigned i = 0; i < mm_boot.nranges; i++) {
		struct boot_range r = mm_boot.ranges[i].r;

		if (mm_boot.ranges[i].kind != BOOT_RANGE_FREE)
			continue;
		if (!map && r.npages > need) {
			map = (void *)(mm_physmap_base +
				       (r.start_pfn << PAGE_SHIFT));
			r.start_pfn += need;
			r.npages -= need;
		}
		free[n++] = (struct mem_range){ r.start_pfn,
						r.start_pfn + r.npages };
	}
	if (!map)
		mm_panic("no room for %lu pages of page descriptors",
			 (unsigned long)need);
	mem_map_init(0, mm_boot.max_pfn, map);
	zones_init(free, n);
	slab_init();
	zero_page_init();
}

/* mm.seed=N on the kernel command line makes layouts repeatable. */
static void seed_init(void)
{
	const char *s = strstr(mm_boot.cmdline, "mm.seed=");
	uint32_t lo, hi;

	if (s) {
		ctx_seed(strtoull(s + 8, NULL, 0));
		return;
	}
	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	ctx_seed(((uint64_t)hi << 32 | lo) * 0x9e3779b97f4a7c15ull);
}

static long give(long task, uint64_t h, unsigned rights, uint64_t badge)
{
	return sys4(SYS_HANDLE_GIVE, task, h, rights, badge);
}

static void start_init(void)
{
	char args[BOOT_MODNAME_MAX + 2];
	size_t len = exec_module_args(&mm_boot, "init", args, sizeof(args));
	struct mm_ctx *c = ctx_create(1);
	vaddr_t entry, sp;
	long exc, task;
	int err;

	if (!len)
		mm_panic("no boot module named init");
	if (!c)
		mm_panic("cannot create init's memory context");
	c->oom_score_adj = -1000;		/* never the OOM victim */
	memcpy(c->name, "init", 5);
	err = exec_load(c, args, len, &entry, &sp);
	if (err)
		mm_panic("cannot load init (%d)", err);
	exc = sys3(SYS_HANDLE_MINT, BOOT_H_FAULT_EP, R_SEND, MM_BADGE_INIT_EXC);
	task = sys3(SYS_TASK_CREATE, c->as, exc, "init");
	if (exc < 0 || task < 0)
		mm_panic("cannot create init's task");
	sys1(SYS_HANDLE_CLOSE, exc);
	if (give(task, BOOT_H_SYS, R_ALL, 0) != INIT_H_SYS ||
	    give(task, BOOT_H_FAULT_EP, R_SEND, c->id) != INIT_H_MM ||
	    give(task, BOOT_H_FAULT_EP, R_SEND | R_GRANT, MM_BADGE_PROC) !=
	    INIT_H_MM_PROC ||
	    give(task, task, R_ALL, 0) != INIT_H_SELF_TASK)
		mm_panic("cannot give init its handles");
	if (sys6(SYS_THREAD_CREATE, task, BOOT_H_FAULT_EP, entry, sp, 0,
		 INIT_PRIO) < 0)
		mm_panic("cannot start init");
	sys1(SYS_HANDLE_CLOSE, task);
}

static void init_died(const struct ipc_msg *m)
{
	const struct exc_fault_req *x = IPC_REQ(m, const struct exc_fault_req);

	mm_log("mm: init died: signal %lu, vector %#lx, addr %#lx, ip %#lx\n",
	       (unsigned long)x->signal, (unsigned long)x->vector,
	       (unsigned long)x->addr, (unsigned long)x->ip);
	sys2(SYS_HALT, BOOT_H_SYS, HALT_PANIC);
}

int main(void)
{
	struct ipc_server srv = {
		.ep = BOOT_H_FAULT_EP,
		.protos = mm_protos,
		.nprotos = mm_nprotos,
		.ctx = mm_recvbuf,
	};
	struct ipc_msg m = { 0 };

	mm_physmap_base = BOOT_PHYSMAP_BASE;
	if (sys3(SYS_BOOTINFO, BOOT_H_SYS, &mm_boot, sizeof(mm_boot)) ||
	    mm_boot.magic != BOOTINFO_MAGIC)
		mm_panic("no boot information from the kernel");
	mem_init();
	seed_init();
	vmscan_init();
	flusher_init();
	iothread_init();
	sys2(SYS_IPC_SET_RECVBUF, mm_recvbuf, IPC_BUF_MAX);
	start_init();
	mm_settle();
	if (LOG_LEVEL >= 2)
		mm_log("mm: ready: %lu pages free\n",
		       (unsigned long)buddy_free_pages());
	for (;;) {
		long err = ipc_reply_recv(BOOT_H_FAULT_EP, &m);
		struct mm_ctx *from;

		mm_close_pending();
		if (io_ready())
			io_reap(true);
		if (err) {
			m.tag = 0;
			continue;
		}
		/* Servers that called mlockall may dig into the reserve. */
		from = ctx_get(IPC_TAG_LABEL(m.tag) == PAGER_FAULT ?
			       IPC_REQ(&m, struct pager_fault_req)->label :
			       m.badge);
		mm_alloc_reserve = from && from->locked;
		switch (IPC_TAG_LABEL(m.tag)) {
		case PAGER_FAULT:
			fault_handle(&m);
			break;
		case EXC_FAULT:
			init_died(&m);
			m.tag = 0;
			break;
		default:
			if (ipc_dispatch(&srv, &m) != IPC_REPLY)
				m.tag = 0;
		}
	}
}
