/*
 * requests.c - the MM_* requests (ipc/mm.h) as the eager pager answers
 * them: mmap, munmap, mprotect, brk, madvise, mincore, msync, info, check;
 * from the process server spawn, fork, exit and frame adoption.
 *
 * Each handler decodes and checks the whole request first, with Linux's
 * errno for each failure, and only then acts.  What this pager does not
 * do is refused with -EOPNOTSUPP, never half done: swap and reclaim
 * (MM_SWAP_OFFER, MADV_PAGEOUT, MADV_COLD), OOM reporting, DMA memory,
 * file mappings, and giving frames to yet another pager.  Unknown labels
 * get -ENOSYS from the dispatch loop.
 */
#include <stdio.h>
#include <string.h>
#include "eager.h"

#define MS_ASYNC	1
#define MS_INVALIDATE	2
#define MS_SYNC		4
#define MADV_NORMAL	0
#define MADV_RANDOM	1
#define MADV_SEQUENTIAL	2
#define MADV_WILLNEED	3
#define MADV_DONTNEED	4
#define MADV_COLD	20
#define MADV_PAGEOUT	21
#define MCL_CURRENT	1
#define MCL_FUTURE	2
#define MCL_ONFAULT	4

static char info_buf[IPC_BUF_MAX];
static uint64_t pending_close[2];

/* Handles minted for a reply are closed once the reply has gone. */
void ep_close_pending(void)
{
	for (int i = 0; i < 2; i++) {
		if (pending_close[i])
			sys1(SYS_HANDLE_CLOSE, pending_close[i]);
		pending_close[i] = 0;
	}
}

static struct ctx *client(const struct ipc_msg *m)
{
	return ctx_get(m->badge);
}

static bool from_proc(const struct ipc_msg *m)
{
	return m->badge == MM_BADGE_PROC;
}

static int reply_status(struct ipc_msg *m, int err)
{
	ipc_reply_set(m, err, 0);
	return IPC_REPLY;
}

/* [addr, addr+len) page-aligned and inside the user half? */
static int range_check(vaddr_t addr, uint64_t len, vaddr_t *end)
{
	if (addr & (PAGE_SIZE - 1))
		return -EINVAL;
	if (addr >= USER_END || len > USER_END ||
	    ALIGN_UP(len) > USER_END - addr)
		return -ENOMEM;
	*end = addr + ALIGN_UP(len);
	return 0;
}

static int mmap_place(struct ctx *c, vaddr_t hint, uint64_t len,
		      uint64_t flags, vaddr_t *out)
{
	vaddr_t end;

	if (flags & (MAP_FIXED | MAP_FIXED_NOREPLACE)) {
		if (hint & (PAGE_SIZE - 1))
			return -EINVAL;
		if (hint < MMAP_MIN)
			return -EPERM;
		if (range_check(hint, len, &end))
			return -ENOMEM;
		if ((flags & MAP_FIXED_NOREPLACE) &&
		    region_overlaps(c, hint, end))
			return -EEXIST;
		*out = hint;
		return 0;
	}
	hint &= PAGE_MASK;
	if (hint >= MMAP_MIN && hint < MMAP_TOP && len <= MMAP_TOP - hint &&
	    !region_overlaps(c, hint, hint + len)) {
		*out = hint;
		return 0;
	}
	return place_topdown(c, len, out);
}

/*
 * mmap: anonymous only.  The region is populated and mapped before the
 * reply (PROT_NONE: a reservation, populated by a later mprotect); if
 * memory runs out halfway, the new region is removed again and the
 * caller gets -ENOMEM.  MAP_FIXED first unmaps what was there, as Linux.
 */
static int h_mmap(struct ipc_msg *m, void *unused)
{
	const struct mm_mmap_req rq = *IPC_REQ(m, struct mm_mmap_req);
	struct ctx *c = client(m);
	uint64_t len = ALIGN_UP(rq.len), prot = rq.prot & 7, flags = rq.flags;
	struct mm_mmap_rep rp;
	vaddr_t addr = 0;
	int err;

	(void)unused;
	if (!c)
		err = -EPERM;
	else if (rq.len == 0)
		err = -EINVAL;
	else if ((flags & MAP_TYPE) != MAP_SHARED &&
		 (flags & MAP_TYPE) != MAP_PRIVATE)
		err = -EINVAL;
	else if (rq.len > USER_END)
		err = -ENOMEM;
	else if (!(flags & MAP_ANONYMOUS))
		err = rq.fd < 0 ? -EBADF : -ENODEV;
	else
		err = mmap_place(c, rq.addr, len, flags, &addr);
	if (!err && (flags & (MAP_FIXED | MAP_FIXED_NOREPLACE)))
		err = range_unmap(c, addr, addr + len);
	if (!err)
		err = region_add(c, addr, addr + len, (unsigned)prot,
				 (flags & MAP_TYPE) == MAP_SHARED ?
				 REG_SHARED : 0);
	if (!err && kprot((unsigned)prot)) {
		err = range_populate(c, addr, addr + len, (unsigned)prot);
		if (err)
			range_unmap(c, addr, addr + len);
	}
	if (!err)
		ep_stats.mmap++;
	rp = (struct mm_mmap_rep){ .status = err, .addr = err ? 0 : addr };
	IPC_REPLY_PUT(m, &rp);
	return IPC_REPLY;
}

static int h_munmap(struct ipc_msg *m, void *unused)
{
	const struct mm_munmap_req rq = *IPC_REQ(m, struct mm_munmap_req);
	struct ctx *c = client(m);
	vaddr_t end;
	int err;

	(void)unused;
	if (!c)
		err = -EPERM;
	else if (rq.len == 0)
		err = -EINVAL;
	else if ((err = range_check(rq.addr, rq.len, &end)) == 0)
		err = range_unmap(c, rq.addr, end);
	else if (err == -ENOMEM)
		err = -EINVAL;
	if (!err)
		ep_stats.munmap++;
	return reply_status(m, err);
}

static int h_mprotect(struct ipc_msg *m, void *unused)
{
	const struct mm_mprotect_req rq = *IPC_REQ(m, struct mm_mprotect_req);
	struct ctx *c = client(m);
	vaddr_t end;
	int err;

	(void)unused;
	if (!c)
		err = -EPERM;
	else if (rq.prot & ~7ull)
		err = -EINVAL;
	else if ((err = range_check(rq.addr, rq.len, &end)) != 0)
		;
	else if (!range_covered(c, rq.addr, end))
		err = -ENOMEM;
	else if (end > rq.addr)
		err = range_protect(c, rq.addr, end, (unsigned)rq.prot);
	return reply_status(m, err);
}

/* brk: the heap grows by populated pages; a failed move keeps the old. */
static int h_brk(struct ipc_msg *m, void *unused)
{
	struct ctx *c = client(m);
	vaddr_t want = IPC_REQ(m, struct mm_brk_req)->addr, old, new;
	struct mm_brk_rep rp;
	const unsigned rw = PROT_READ | PROT_WRITE;

	(void)unused;
	if (!c)
		return reply_status(m, -EPERM);
	old = ALIGN_UP(c->brk);
	new = ALIGN_UP(want);
	if (want < c->brk_start || want > MMAP_TOP)
		goto out;
	if (new > old) {
		if (region_overlaps(c, old, new) ||
		    region_add(c, old, new, rw, 0))
			goto out;
		if (range_populate(c, old, new, rw)) {
			range_unmap(c, old, new);
			goto out;
		}
	} else if (new < old && range_unmap(c, new, old)) {
		goto out;
	}
	c->brk = want;
out:
	rp = (struct mm_brk_rep){ .status = 0, .brk = c->brk };
	IPC_REPLY_PUT(m, &rp);
	return IPC_REPLY;
}

static void zero_entry_range(struct ctx *c, vaddr_t start, vaddr_t end)
{
	for (vaddr_t va = start; va < end; va += PAGE_SIZE) {
		struct region *r = region_find(c, va);
		uint64_t *e = pmap_slot(c, va, false);

		if (r && !(r->flags & REG_SHARED) && e && *e)
			memset(frame_va(*e >> PAGE_SHIFT), 0, PAGE_SIZE);
	}
}

/*
 * madvise: hints are accepted and change nothing.  MADV_DONTNEED zeroes
 * private pages in place (what a refault would see under Linux) and
 * leaves shared ones; MADV_PAGEOUT and MADV_COLD ask for reclaim, which
 * this pager does not have.
 */
static int h_madvise(struct ipc_msg *m, void *unused)
{
	const struct mm_madvise_req rq = *IPC_REQ(m, struct mm_madvise_req);
	struct ctx *c = client(m);
	vaddr_t end;
	int err;

	(void)unused;
	if (!c)
		err = -EPERM;
	else if ((err = range_check(rq.addr, rq.len, &end)) != 0)
		;
	else if (rq.advice != MADV_NORMAL && rq.advice != MADV_RANDOM &&
		 rq.advice != MADV_SEQUENTIAL && rq.advice != MADV_WILLNEED &&
		 rq.advice != MADV_DONTNEED && rq.advice != MADV_COLD &&
		 rq.advice != MADV_PAGEOUT)
		err = -EINVAL;
	else if (!range_covered(c, rq.addr, end))
		err = -ENOMEM;
	else if (rq.advice == MADV_PAGEOUT || rq.advice == MADV_COLD)
		err = -EOPNOTSUPP;
	else if (rq.advice == MADV_DONTNEED)
		zero_entry_range(c, rq.addr, end);
	if (err == -EOPNOTSUPP)
		ep_stats.refused++;
	return reply_status(m, err);
}

static int h_mincore(struct ipc_msg *m, void *unused)
{
	const struct mm_mincore_req rq = *IPC_REQ(m, struct mm_mincore_req);
	struct ctx *c = client(m);
	struct mm_mincore_rep rp = { 0 };
	vaddr_t end;
	int err;

	(void)unused;
	if (!c)
		err = -EPERM;
	else if (rq.npages > MM_MINCORE_MAX)
		err = -EINVAL;
	else if ((err = range_check(rq.addr, rq.npages << PAGE_SHIFT,
				    &end)) != 0)
		;
	else if (!range_covered(c, rq.addr, end))
		err = -ENOMEM;
	rp.status = err;
	for (uint64_t i = 0; !err && i < rq.npages; i++) {
		uint64_t *e = pmap_slot(c, rq.addr + i * PAGE_SIZE, false);

		if (e && *e)
			rp.present[i / 64] |= 1ull << (i % 64);
	}
	IPC_REPLY_PUT(m, &rp);
	return IPC_REPLY;
}

static int h_msync(struct ipc_msg *m, void *unused)
{
	const struct mm_msync_req rq = *IPC_REQ(m, struct mm_msync_req);
	struct ctx *c = client(m);
	vaddr_t end;
	int err;

	(void)unused;
	if (!c)
		err = -EPERM;
	else if ((rq.flags & ~(uint64_t)(MS_ASYNC | MS_INVALIDATE | MS_SYNC))
		 || ((rq.flags & MS_ASYNC) && (rq.flags & MS_SYNC)))
		err = -EINVAL;
	else if ((err = range_check(rq.addr, rq.len, &end)) != 0)
		;
	else if (!range_covered(c, rq.addr, end))
		err = -ENOMEM;
	return reply_status(m, err);
}

static int info_format(unsigned kind, char *buf, size_t len)
{
	uint64_t rss = 0, nodes = 0;
	int n = 0;

	for (unsigned id = 1; id < EP_MAX_CTX; id++) {
		struct ctx *c = ctx_get(id);

		if (c) {
			rss += c->rss;
			nodes += c->nodes;
		}
	}
	switch (kind) {
	case MM_INFO_MEMINFO:
		return snprintf(buf, len,
			"MemTotal:       %8lu kB\nMemFree:        %8lu kB\n"
			"AnonPages:      %8lu kB\nPageTables:     %8lu kB\n"
			"PagerMaps:      %8lu kB\nSwapTotal:      %8lu kB\n"
			"Pager:          %s (eager, no swap)\n",
			(unsigned long)frames_total() * 4,
			(unsigned long)frames_free() * 4,
			(unsigned long)rss * 4,
			(unsigned long)frames_pt_donated() * 4,
			(unsigned long)nodes * 4, 0ul, ep_name);
	case MM_INFO_VMSTAT:
		return snprintf(buf, len,
			"pgfault %lu\npgfault_fail %lu\nstack_grow %lu\n"
			"pgzero %lu\npgcopy %lu\nspawn %lu\nfork %lu\n"
			"exit %lu\nmmap %lu\nmunmap %lu\nrefused %lu\n",
			ep_stats.faults, ep_stats.fault_fail,
			ep_stats.stack_grow, ep_stats.pages_zeroed,
			ep_stats.pages_copied, ep_stats.spawn, ep_stats.fork,
			ep_stats.exit, ep_stats.mmap, ep_stats.munmap,
			ep_stats.refused);
	case MM_INFO_CTX:
		for (unsigned id = 1; id < EP_MAX_CTX && n < (int)len - 64;
		     id++) {
			struct ctx *c = ctx_get(id);

			if (c)
				n += snprintf(buf + n, len - n,
					      "%u %u %lu 0 %lu\n", c->id,
					      c->pid, (unsigned long)c->rss,
					      (unsigned long)c->nodes);
		}
		return n;
	}
	return kind < MM_INFO_COUNT ? -EOPNOTSUPP : -EINVAL;
}

static int h_info(struct ipc_msg *m, void *unused)
{
	uint64_t kind = IPC_REQ(m, struct mm_info_req)->kind;
	int n = kind > 64 ? -EINVAL : info_format((unsigned)kind, info_buf,
						    sizeof(info_buf));
	struct mm_info_rep rp = { .status = n < 0 ? n : 0,
				  .len = n < 0 ? 0 : (uint64_t)n };

	(void)unused;
	if (n > (int)sizeof(info_buf) - 1)
		n = rp.len = sizeof(info_buf) - 1;
	IPC_REPLY_PUT(m, &rp);
	if (n > 0) {
		m->tag |= IPC_TAG_BUF(n);
		m->buf = info_buf;
	}
	return IPC_REPLY;
}

static int h_check(struct ipc_msg *m, void *unused)
{
	int err = frames_check();

	(void)unused;
	for (unsigned id = 1; !err && id < EP_MAX_CTX; id++)
		if (ctx_get(id))
			err = ctx_check(ctx_get(id));
	if (err)
		ep_log("%s: check failed\n", ep_name);
	return reply_status(m, err);
}

/* Reply to spawn/fork: the AS handle (tasks only) and a client handle. */
static int reply_new_ctx(struct ipc_msg *m, struct ctx *c, vaddr_t entry,
			 vaddr_t sp)
{
	long as = sys3(SYS_HANDLE_MINT, c->as, AS_R_TASK, 0);
	long ep = sys3(SYS_HANDLE_MINT, ep_endpoint, R_SEND, c->id);
	struct mm_spawn_rep rp = { .status = 0, .as = (uint64_t)as,
				   .ep = (uint64_t)ep, .ctx = c->id,
				   .entry = entry, .sp = sp };

	if (as < 0 || ep < 0) {
		if (as > 0)
			sys1(SYS_HANDLE_CLOSE, as);
		if (ep > 0)
			sys1(SYS_HANDLE_CLOSE, ep);
		ctx_destroy(c);
		return reply_status(m, -ENOMEM);
	}
	pending_close[0] = (uint64_t)as;
	pending_close[1] = (uint64_t)ep;
	IPC_REPLY_PUT(m, &rp);
	m->tag |= IPC_TAG_HANDLES(2);
	return IPC_REPLY;
}

static int h_spawn(struct ipc_msg *m, void *recvbuf)
{
	unsigned len = IPC_TAG_BUFLEN(m->tag);
	uint32_t pid = (uint32_t)IPC_REQ(m, struct mm_spawn_req)->pid;
	struct ctx *c = NULL;
	vaddr_t entry, sp;
	int err = 0;

	if (!from_proc(m))
		err = -EPERM;
	else if (len == 0 || (m->tag & IPC_TAG_TRUNC))
		err = -EINVAL;
	else if (!(c = ctx_create(pid)))
		err = -ENOMEM;
	else if ((err = exec_load(c, recvbuf, len, &entry, &sp)) != 0)
		ctx_destroy(c);
	if (err)
		return reply_status(m, err);
	ep_stats.spawn++;
	return reply_new_ctx(m, c, entry, sp);
}

static int h_fork(struct ipc_msg *m, void *unused)
{
	const struct mm_fork_req rq = *IPC_REQ(m, struct mm_fork_req);
	struct ctx *parent = ctx_get(rq.parent_ctx), *c;

	(void)unused;
	if (!from_proc(m))
		return reply_status(m, -EPERM);
	if (!parent)
		return reply_status(m, -ESRCH);
	c = ctx_fork(parent, (uint32_t)rq.child_pid);
	if (!c)
		return reply_status(m, -ENOMEM);
	ep_stats.fork++;
	return reply_new_ctx(m, c, 0, 0);
}

static int h_exit(struct ipc_msg *m, void *unused)
{
	struct ctx *c = ctx_get(IPC_REQ(m, struct mm_exit_req)->ctx);

	(void)unused;
	if (!from_proc(m))
		return reply_status(m, -EPERM);
	if (!c)
		return reply_status(m, -ESRCH);
	ctx_destroy(c);
	ep_stats.exit++;
	return reply_status(m, 0);
}

/* Everything is resident and never reclaimed already: only check flags. */
static int h_mlockall(struct ipc_msg *m, void *unused)
{
	uint64_t flags = m->w[0];

	(void)unused;
	if (!client(m))
		return reply_status(m, -EPERM);
	if (!flags || (flags & ~(uint64_t)(MCL_CURRENT | MCL_FUTURE |
					   MCL_ONFAULT)))
		return reply_status(m, -EINVAL);
	return reply_status(m, 0);
}

/* MM_MLOCK: addr, len, lock.  Every page is resident already. */
static int h_mlock(struct ipc_msg *m, void *unused)
{
	struct ctx *c = client(m);
	vaddr_t start = m->w[0] & PAGE_MASK, end;
	int err;

	(void)unused;
	if (!c)
		err = -EPERM;
	else if (m->w[2] > 1)
		err = -EINVAL;
	else if ((err = range_check(start, m->w[1] + (m->w[0] - start),
				    &end)) != 0)
		;
	else if (!range_covered(c, start, end))
		err = -ENOMEM;
	return reply_status(m, err);
}

/*
 * MM_FRAMES_ADOPT (side by side, from the process server): the first
 * pager gave us [pfn, pfn + npages) and mapped it at BOOT_PHYSMAP_BASE +
 * paddr.  The kernel still checks ownership on every map, so a wrong
 * message can only make our own maps fail, never reach others' memory.
 */
static int h_adopt(struct ipc_msg *m, void *unused)
{
	const struct mm_frames_adopt_req rq =
		*IPC_REQ(m, struct mm_frames_adopt_req);
	int err;

	(void)unused;
	if (!from_proc(m))
		err = -EPERM;
	else if (rq.npages == 0 || rq.npages > MM_GRANT_MAX_PAGES ||
		 rq.pfn >= ep_boot.max_pfn || rq.npages > ep_boot.max_pfn ||
		 rq.pfn + rq.npages > ep_boot.max_pfn)
		err = -EINVAL;
	else
		err = frames_add(rq.pfn, rq.npages);
	return reply_status(m, err);
}

static int h_refuse(struct ipc_msg *m, void *unused)
{
	(void)unused;
	ep_stats.refused++;
	return reply_status(m, -EOPNOTSUPP);
}

static const ipc_handler handlers[MM_LABEL_COUNT] = {
	[MM_MMAP - MM_MMAP] = h_mmap,
	[MM_MUNMAP - MM_MMAP] = h_munmap,
	[MM_MPROTECT - MM_MMAP] = h_mprotect,
	[MM_BRK - MM_MMAP] = h_brk,
	[MM_MADVISE - MM_MMAP] = h_madvise,
	[MM_MINCORE - MM_MMAP] = h_mincore,
	[MM_MSYNC - MM_MMAP] = h_msync,
	[MM_INFO - MM_MMAP] = h_info,
	[MM_CHECK - MM_MMAP] = h_check,
	[MM_SPAWN - MM_MMAP] = h_spawn,
	[MM_FORK - MM_MMAP] = h_fork,
	[MM_EXIT - MM_MMAP] = h_exit,
	[MM_SET_OOM_ADJ - MM_MMAP] = h_refuse,
	[MM_DMA_ALLOC - MM_MMAP ... MM_DMA_UNPIN - MM_MMAP] = h_refuse,
	[MM_MLOCKALL - MM_MMAP] = h_mlockall,
	[MM_SWAP_OFFER - MM_MMAP] = h_refuse,
	[MM_OOM_NOTIFY - MM_MMAP] = h_refuse,
	[MM_OOM_VICTIMS - MM_MMAP] = h_refuse,
	[MM_FRAMES_GRANT - MM_MMAP] = h_refuse,
	[MM_MLOCK - MM_MMAP] = h_mlock,
	[MM_FRAMES_ADOPT - MM_MMAP] = h_adopt,
};

const struct ipc_proto ep_protos[] = {
	{ MM_MMAP, MM_LABEL_COUNT, handlers, 0 },
};
const unsigned ep_nprotos = 1;
