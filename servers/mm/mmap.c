/*
 * mmap.c - the mm requests: mmap, munmap, mprotect, brk, madvise, mincore,
 * msync, and from the process server spawn and exit.
 *
 * Every handler decodes and checks its whole request first (alignment,
 * lengths, flags, that the range lies in the user half), with Linux's
 * errno for each failure, and only then changes anything.  A range
 * operation first "carves" the VMA tree so that the range's ends fall on
 * VMA boundaries (splitting at most two VMAs), then works on whole VMAs.
 */
#include <string.h>
#include <ipc/server.h>
#include "mm.h"
#include "dma.h"

#define PROT_READ	0x1
#define PROT_WRITE	0x2
#define PROT_EXEC	0x4
#define MAP_SHARED	0x01
#define MAP_PRIVATE	0x02
#define MAP_TYPE	0x0f
#define MAP_FIXED	0x10
#define MAP_ANONYMOUS	0x20
#define MAP_GROWSDOWN	0x100
#define MAP_DENYWRITE	0x800
#define MAP_EXECUTABLE	0x1000
#define MAP_LOCKED	0x2000
#define MAP_NORESERVE	0x4000
#define MAP_POPULATE	0x8000
#define MAP_NONBLOCK	0x10000
#define MAP_STACK	0x20000
#define MAP_FIXED_NOREPLACE 0x100000
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
#define USER_END	0x0000800000000000ull
#define STACK_LOCKED	(256ull << 10)	/* of the stack, mlockall populates
					 * the top 256 KiB */

static char info_buf[IPC_BUF_MAX];
static void ctx_name(struct mm_ctx *c, const char *args, unsigned len);
static uint64_t pending_close[2];

/* Handles minted for a reply are closed once the reply has gone. */
void mm_close_pending(void)
{
	for (int i = 0; i < 2; i++) {
		if (pending_close[i])
			sys1(SYS_HANDLE_CLOSE, pending_close[i]);
		pending_close[i] = 0;
	}
}

/*
 * A request from the process server carrying one handle that mm keeps in
 * *slot, once (MM_OOM_NOTIFY, MM_FS_OFFER): 0, or -EPERM from anyone
 * else, -EINVAL without the handle, -EBUSY if *slot is taken - the
 * handle is then closed.
 */
int proc_handle_take(struct ipc_msg *m, uint64_t *slot)
{
	uint64_t h = IPC_TAG_NHANDLES(m->tag) == 1 ? m->w[1] : 0;
	int err = m->badge != MM_BADGE_PROC ? -EPERM : !h ? -EINVAL :
		  *slot ? -EBUSY : 0;

	if (err)
		ipc_drop_handles(m);
	else
		*slot = h;
	return err;
}

static struct mm_ctx *client(const struct ipc_msg *m)
{
	return ctx_get(m->badge);
}

static bool from_proc(const struct ipc_msg *m)
{
	return m->badge == MM_BADGE_PROC;
}

/* [addr, addr+len) page-aligned and inside the user half? */
static int range_check(vaddr_t addr, uint64_t len, vaddr_t *end)
{
	if (addr & (PAGE_SIZE - 1))
		return -EINVAL;
	if (addr >= USER_END || len > USER_END ||
	    MM_ALIGN_UP(len, PAGE_SIZE) > USER_END - addr)
		return -ENOMEM;
	*end = addr + MM_ALIGN_UP(len, PAGE_SIZE);
	return 0;
}

/* Is every page of [start, end) inside some VMA? */
static bool range_mapped(struct mm_ctx *c, vaddr_t start, vaddr_t end)
{
	vaddr_t at = start;

	while (at < end) {
		struct vma *v = vma_find(&c->vmas, at);

		if (!v || v->start > at)
			return false;
		at = v->end;
	}
	return true;
}

static int split_at(struct mm_ctx *c, vaddr_t addr)
{
	struct vma *v = vma_find(&c->vmas, addr), *n;

	if (!v || v->start >= addr)
		return 0;
	n = vma_obj_alloc();
	if (!n)
		return -ENOMEM;
	if (vma_split(&c->vmas, v, addr, n)) {
		vma_obj_free(n);
		return -ENOMEM;
	}
	if (n->file)
		obj_get(n->file);
	return 0;
}

/* Make start and end fall on VMA boundaries. */
static int carve(struct mm_ctx *c, vaddr_t start, vaddr_t end)
{
	int err = split_at(c, start);

	return err ? err : split_at(c, end);
}

static void merge_around(struct mm_ctx *c, struct vma *v)
{
	struct vma *survivor, *removed[2];
	int n = vma_merge_prev_next(&c->vmas, v, &survivor, removed);

	for (int i = 0; i < n; i++)
		ctx_vma_free(removed[i]);
}

static int do_munmap(struct mm_ctx *c, vaddr_t start, vaddr_t end)
{
	struct vma *v;
	int err = carve(c, start, end);

	if (err)
		return err;
	while ((v = vma_find_intersection(&c->vmas, start, end))) {
		vma_remove(&c->vmas, v);
		ctx_vma_free(v);
	}
	return ctx_unmap_range(c, start, end);
}

static unsigned long prot_to_flags(unsigned long prot)
{
	unsigned long f = VMA_MAYREAD | VMA_MAYWRITE | VMA_MAYEXEC;

	if (prot & PROT_READ)
		f |= VMA_READ;
	if (prot & PROT_WRITE)
		f |= VMA_WRITE;
	if (prot & PROT_EXEC)
		f |= VMA_EXEC;
	return f;
}

/*
 * Fault in [start, end) now, as writes would (MAP_POPULATE, mlockall).
 * Between pages nothing is half done, so reclaim may run there.
 */
static void populate(struct mm_ctx *c, struct vma *v, vaddr_t start,
		     vaddr_t end)
{
	for (vaddr_t va = start; va < end; va += PAGE_SIZE) {
		unsigned prot;
		uint64_t *e;

		if (mm_reserve(16, c, "populate") || c->oom_killed)
			return;
		if (fault_fill(c, v, va, v->flags & VMA_WRITE, &prot, &e))
			return;
		pt_pool_ensure(-1);
		if (ctx_map_now(c, va, *e, prot) == 0)
			*e |= PME_MAPPED;
	}
}

static int mmap_place(struct mm_ctx *c, vaddr_t hint, uint64_t len,
		      unsigned long flags, vaddr_t *out)
{
	vaddr_t end;

	if (flags & (MAP_FIXED | MAP_FIXED_NOREPLACE)) {
		if (hint & (PAGE_SIZE - 1) || hint < MM_MMAP_MIN)
			return hint & (PAGE_SIZE - 1) ? -EINVAL : -EPERM;
		if (range_check(hint, len, &end))
			return -ENOMEM;
		if ((flags & MAP_FIXED_NOREPLACE) &&
		    vma_find_intersection(&c->vmas, hint, end))
			return -EEXIST;
		*out = hint;
		return 0;
	}
	hint &= PAGE_MASK;
	if (hint >= MM_MMAP_MIN && hint < c->mmap_top &&
	    len <= c->mmap_top - hint &&
	    !vma_find_intersection(&c->vmas, hint, hint + len)) {
		*out = hint;
		return 0;
	}
	return vma_gap_find_topdown(&c->vmas, len, PAGE_SIZE, MM_MMAP_MIN,
				    c->mmap_top, out) ? -ENOMEM : 0;
}

static int h_mmap(struct ipc_msg *m, void *unused)
{
	const struct mm_mmap_req rq = *IPC_REQ(m, struct mm_mmap_req);
	struct mm_ctx *c = client(m);
	vaddr_t hint = rq.addr, addr;
	/* Like Linux, unknown flag and protection bits are ignored (only
	 * MAP_SHARED_VALIDATE would check flags: for anonymous memory it is
	 * refused below with the other bad types). */
	uint64_t len = rq.len, prot = rq.prot & 7, flags = rq.flags;
	struct mm_mmap_rep rp;
	struct mm_object *file = NULL;
	struct vma *v;
	int err;

	(void)unused;
	if (!c)
		err = -EPERM;
	else if (len == 0)
		err = -EINVAL;
	else if ((flags & MAP_TYPE) != MAP_SHARED &&
		 (flags & MAP_TYPE) != MAP_PRIVATE)
		err = -EINVAL;
	else if (len > USER_END)
		err = -ENOMEM;
	else if (!(flags & MAP_ANONYMOUS) && (rq.fd < 0 ||
		 (rq.off & (PAGE_SIZE - 1))))
		err = rq.fd < 0 ? -EBADF : -EINVAL;
	else if (!(flags & MAP_ANONYMOUS) &&
		 !(file = file_obj_get((uint64_t)rq.fd, rq.gen, &err)))
		;
	else
		err = mmap_place(c, hint, MM_ALIGN_UP(len, PAGE_SIZE), flags,
				 &addr);
	/* Hold the file across the MAP_FIXED unmap below, which may drop
	 * the last other reference to it. */
	if (file)
		obj_get(file);
	len = MM_ALIGN_UP(len, PAGE_SIZE);
	if (!err && (flags & (MAP_FIXED | MAP_FIXED_NOREPLACE)))
		err = do_munmap(c, addr, addr + len);	/* replaces */
	if (!err) {
		bool shared = (flags & MAP_TYPE) == MAP_SHARED;
		struct mm_object *o = file ? file :
				      shared ? obj_shmem_new() : NULL;

		v = !shared || o ? ctx_vma_new(c, addr, addr + len,
					       prot_to_flags(prot) |
					       (shared ? VMA_SHARED |
						VMA_MAYSHARE : 0), o) : NULL;
		if (v && file) {
			v->pgoff = rq.off >> PAGE_SHIFT;
			if (!(rq.maxprot & PROT_WRITE))
				v->flags &= ~VMA_MAYWRITE;
		}
		if (o && !v && !file) {		/* a new shmem object */
			obj_get(o);
			obj_put(o);
		}
		if (!v)
			err = -ENOMEM;
		else if ((flags & MAP_POPULATE) || c->locked)
			populate(c, v, addr, addr + len);
		if (v)
			merge_around(c, v);
	}
	if (file)
		obj_put(file);		/* the VMA holds it now, or nobody */
	rp = (struct mm_mmap_rep){ .status = err, .addr = err ? 0 : addr };
	IPC_REPLY_PUT(m, &rp);
	return IPC_REPLY;
}

static int h_munmap(struct ipc_msg *m, void *unused)
{
	const struct mm_munmap_req rq = *IPC_REQ(m, struct mm_munmap_req);
	struct mm_ctx *c = client(m);
	vaddr_t end;
	int err;

	(void)unused;
	if (!c)
		err = -EPERM;
	else if (rq.len == 0)
		err = -EINVAL;
	else if ((err = range_check(rq.addr, rq.len, &end)) == 0)
		err = do_munmap(c, rq.addr, end);
	else if (err == -ENOMEM)
		err = -EINVAL;
	ipc_reply_set(m, err, 0);
	return IPC_REPLY;
}

/* May every VMA of [start, end) be made writable (VMA_MAYWRITE)? */
static bool may_write(struct mm_ctx *c, vaddr_t start, vaddr_t end)
{
	for (struct vma *v = vma_find(&c->vmas, start); v && v->start < end;
	     v = vma_next(&c->vmas, v))
		if (!(v->flags & VMA_MAYWRITE))
			return false;
	return true;
}

static int h_mprotect(struct ipc_msg *m, void *unused)
{
	const struct mm_mprotect_req rq = *IPC_REQ(m, struct mm_mprotect_req);
	struct mm_ctx *c = client(m);
	vaddr_t start = rq.addr, end;
	uint64_t prot = rq.prot;
	unsigned kprot;
	struct vma *v;
	int err;

	(void)unused;
	if (!c)
		err = -EPERM;
	else if (prot & ~7ull)
		err = -EINVAL;
	else if ((err = range_check(start, rq.len, &end)) != 0)
		;
	else if (!range_mapped(c, start, end))
		err = -ENOMEM;
	else if ((prot & PROT_WRITE) && !may_write(c, start, end))
		err = -EACCES;		/* a read-only file, shared */
	else
		err = carve(c, start, end);
	if (!err && end > start) {
		for (v = vma_find(&c->vmas, start); v && v->start < end;
		     v = vma_next(&c->vmas, v))
			v->flags = (v->flags & ~(VMA_READ | VMA_WRITE |
				    VMA_EXEC)) | (prot_to_flags(prot) &
				    (VMA_READ | VMA_WRITE | VMA_EXEC));
		/* Never grant write here: a write faults, and the fault
		 * path decides (copy-on-write pages must be copied). */
		kprot = prot ? AS_PROT_READ | (prot & PROT_EXEC ?
						AS_PROT_EXEC : 0) : 0;
		if (kprot)
			err = (int)sys4(SYS_AS_PROTECT, c->as, start,
					(end - start) >> PAGE_SHIFT, kprot);
		else
			err = (int)sys3(SYS_AS_UNMAP, c->as, start,
					(end - start) >> PAGE_SHIFT);
		v = vma_find(&c->vmas, start);
		if (v)
			merge_around(c, v);
	}
	ipc_reply_set(m, err, 0);
	return IPC_REPLY;
}

static int h_brk(struct ipc_msg *m, void *unused)
{
	struct mm_ctx *c = client(m);
	vaddr_t want = IPC_REQ(m, struct mm_brk_req)->addr, old, new;
	struct mm_brk_rep rp;
	int err = 0;

	(void)unused;
	if (!c) {
		ipc_reply_set(m, -EPERM, 0);
		return IPC_REPLY;
	}
	old = MM_ALIGN_UP(c->brk, PAGE_SIZE);
	new = MM_ALIGN_UP(want, PAGE_SIZE);
	if (want < c->brk_start || want > MM_MMAP_TOP)
		goto out;
	if (new > old) {
		struct vma *v;

		if (vma_find_intersection(&c->vmas, old, new))
			goto out;
		v = ctx_vma_new(c, old, new, VMA_READ | VMA_WRITE |
				VMA_MAYREAD | VMA_MAYWRITE | VMA_MAYEXEC, NULL);
		if (!v)
			goto out;
		if (c->locked)
			populate(c, v, old, new);
		merge_around(c, v);
	} else if (new < old) {
		err = do_munmap(c, new, old);
		if (err)
			goto out;
	}
	c->brk = want;
out:
	rp = (struct mm_brk_rep){ .status = 0, .brk = c->brk };
	IPC_REPLY_PUT(m, &rp);
	return IPC_REPLY;
}

/* MADV_WILLNEED: read the file pages of [start, end) now. */
static void willneed(struct mm_ctx *c, vaddr_t start, vaddr_t end)
{
	for (vaddr_t at = start; at < end;) {
		struct vma *v = vma_find(&c->vmas, at);
		struct mm_object *o = v ? v->file : NULL;
		vaddr_t from, to;

		if (!v || v->start >= end)
			break;
		from = MM_MAX(at, v->start);
		to = MM_MIN(end, v->end);
		if (o && o->type == OBJ_FILE)
			file_willneed(o, v->pgoff + ((from - v->start) >>
						     PAGE_SHIFT),
				      (to - from) >> PAGE_SHIFT);
		at = v->end;
	}
}

/* MADV_NORMAL/RANDOM/SEQUENTIAL: the readahead policy of the range. */
static int read_advice(struct mm_ctx *c, vaddr_t start, vaddr_t end,
		       uint64_t advice)
{
	unsigned long set = advice == MADV_RANDOM ? VMA_RAND_READ :
			    advice == MADV_SEQUENTIAL ? VMA_SEQ_READ : 0;
	int err = carve(c, start, end);

	for (struct vma *v = vma_find(&c->vmas, start); !err && v &&
	     v->start < end; v = vma_next(&c->vmas, v))
		v->flags = (v->flags & ~(VMA_SEQ_READ | VMA_RAND_READ)) | set;
	return err;
}

static int h_madvise(struct ipc_msg *m, void *unused)
{
	const struct mm_madvise_req rq = *IPC_REQ(m, struct mm_madvise_req);
	struct mm_ctx *c = client(m);
	vaddr_t start = rq.addr, end;
	int err;

	(void)unused;
	if (!c)
		err = -EPERM;
	else if ((err = range_check(start, rq.len, &end)) != 0)
		;
	else if (rq.advice != MADV_NORMAL && rq.advice != MADV_RANDOM &&
		 rq.advice != MADV_SEQUENTIAL && rq.advice != MADV_WILLNEED &&
		 rq.advice != MADV_DONTNEED && rq.advice != MADV_COLD &&
		 rq.advice != MADV_PAGEOUT)
		err = -EINVAL;
	else if (!range_mapped(c, start, end))
		err = -ENOMEM;
	else if (rq.advice == MADV_DONTNEED)
		err = ctx_unmap_range(c, start, end);	/* refault: zero */
	else if (rq.advice == MADV_PAGEOUT)
		err = pageout_range(c, start, end);
	else if (rq.advice == MADV_WILLNEED)
		willneed(c, start, end);
	else if (rq.advice == MADV_NORMAL || rq.advice == MADV_RANDOM ||
		 rq.advice == MADV_SEQUENTIAL)
		err = read_advice(c, start, end, rq.advice);
	ipc_reply_set(m, err, 0);
	return IPC_REPLY;
}

static int h_mincore(struct ipc_msg *m, void *unused)
{
	const struct mm_mincore_req rq = *IPC_REQ(m, struct mm_mincore_req);
	struct mm_ctx *c = client(m);
	vaddr_t start = rq.addr, end;
	uint64_t n = rq.npages;
	struct mm_mincore_rep rp = { 0 };
	int err;

	(void)unused;
	if (!c)
		err = -EPERM;
	else if (n > MM_MINCORE_MAX)
		err = -EINVAL;
	else if ((err = range_check(start, n << PAGE_SHIFT, &end)) != 0)
		;
	else if (!range_mapped(c, start, end))
		err = -ENOMEM;
	rp.status = err;
	for (uint64_t i = 0; !err && i < n; i++) {
		uint64_t *e = pagemap_slot(&c->pm, start + i * PAGE_SIZE, false);

		if (e && ((*e & PME_PRESENT) || ((*e & PME_SWAP) &&
		    swap_cache_lookup(pme_pfn(*e)))))
			rp.present[i / 64] |= 1ull << (i % 64);
	}
	IPC_REPLY_PUT(m, &rp);
	return IPC_REPLY;
}

/*
 * Write back the shared file pages of [start, end): 0 or -EIO.  With
 * MS_ASYNC only schedule it: the files become due for the flusher's next
 * pass (within a second).
 */
static int msync_range(struct mm_ctx *c, vaddr_t start, vaddr_t end,
		       bool async)
{
	int err = 0;

	for (vaddr_t at = start; at < end;) {
		struct vma *v = vma_find(&c->vmas, at);
		struct mm_object *o = v ? v->file : NULL;
		vaddr_t to;

		if (!v || v->start >= end)
			break;
		to = MM_MIN(end, v->end);
		if (o && o->type == OBJ_FILE && (v->flags & VMA_SHARED) &&
		    async) {
			if (o->dirty)
				o->dirtied_ns = 0;	/* due now */
		} else if (o && o->type == OBJ_FILE &&
			   (v->flags & VMA_SHARED)) {
			uint64_t first = v->pgoff +
				((MM_MAX(at, v->start) - v->start) >> PAGE_SHIFT);
			uint64_t last = v->pgoff +
				((to - v->start) >> PAGE_SHIFT) - 1;
			int e = file_writeback(o, first, last);

			if (!e && o->wb_err)	/* an earlier failure */
				e = o->wb_err;
			o->wb_err = 0;
			err = err ? err : e;
		}
		at = v->end;
	}
	return err;
}

static int h_msync(struct ipc_msg *m, void *unused)
{
	const struct mm_msync_req rq = *IPC_REQ(m, struct mm_msync_req);
	struct mm_ctx *c = client(m);
	uint64_t flags = rq.flags;
	vaddr_t end;
	int err;

	(void)unused;
	if (!c)
		err = -EPERM;
	else if ((flags & ~(uint64_t)(MS_ASYNC | MS_INVALIDATE | MS_SYNC)) ||
		 ((flags & MS_ASYNC) && (flags & MS_SYNC)))
		err = -EINVAL;
	else if ((err = range_check(rq.addr, rq.len, &end)) != 0)
		;
	else if (!range_mapped(c, rq.addr, end))
		err = -ENOMEM;
	else
		err = msync_range(c, rq.addr, end, flags & MS_ASYNC);
	ipc_reply_set(m, err, 0);
	return IPC_REPLY;
}

static int h_info(struct ipc_msg *m, void *unused)
{
	unsigned kind = (unsigned)IPC_REQ(m, struct mm_info_req)->kind;
	int n = info_format(kind, info_buf, sizeof(info_buf));
	struct mm_info_rep rp = { .status = n < 0 ? n : 0,
				  .len = n < 0 ? 0 : (uint64_t)n };

	(void)unused;
	IPC_REPLY_PUT(m, &rp);
	if (n > 0) {
		m->tag |= IPC_TAG_BUF(n);
		m->buf = info_buf;
	}
	return IPC_REPLY;
}

/* Run every validator; say on the console which one failed. */
static int h_check(struct ipc_msg *m, void *unused)
{
	const char *what = NULL;

	(void)unused;
	if (buddy_check())
		what = "buddy";
	else if (slab_check_all())
		what = "slab";
	else if (rmap_check())
		what = "rmap";
	else if (swap_check())
		what = "swap";
	else if (vmscan_check())
		what = "lru";
	for (unsigned id = 0; !what && id < MM_MAX_CTX; id++) {
		struct mm_ctx *c = ctx_get(id);

		if (c && vma_tree_check(&c->vmas))
			what = "vma tree";
	}
	if (what)
		mm_log("mm: check failed: %s\n", what);
	ipc_reply_set(m, what ? -EIO : 0, 0);
	return IPC_REPLY;
}

/* Reply to spawn/fork: the AS handle (tasks only) and a client handle. */
static int reply_new_ctx(struct ipc_msg *m, struct mm_ctx *c, vaddr_t entry,
			 vaddr_t sp)
{
	long as = sys3(SYS_HANDLE_MINT, c->as, AS_R_TASK, 0);
	long ep = sys3(SYS_HANDLE_MINT, BOOT_H_FAULT_EP, R_SEND, c->id);

	if (as < 0 || ep < 0) {
		if (as > 0)
			sys1(SYS_HANDLE_CLOSE, as);
		if (ep > 0)
			sys1(SYS_HANDLE_CLOSE, ep);
		ctx_destroy(c);
		ipc_reply_set(m, -ENOMEM, 0);
		return IPC_REPLY;
	}
	struct mm_spawn_rep rp = { .status = 0, .as = (uint64_t)as,
				   .ep = (uint64_t)ep, .ctx = c->id,
				   .entry = entry, .sp = sp };

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
	struct mm_ctx *c;
	vaddr_t entry, sp;
	int err;

	if (!from_proc(m))
		err = -EPERM;
	else if (len == 0 || (m->tag & IPC_TAG_TRUNC))
		err = -EINVAL;
	else if (mm_reserve(64, NULL, "spawn"))
		err = -ENOMEM;
	else if (!(c = ctx_create(pid)))
		err = -ENOMEM;
	else if ((err = exec_load(c, recvbuf, len, &entry, &sp)) != 0)
		ctx_destroy(c);
	else {
		ctx_name(c, recvbuf, len);
		return reply_new_ctx(m, c, entry, sp);
	}
	ipc_reply_set(m, err, 0);
	return IPC_REPLY;
}

static int h_fork(struct ipc_msg *m, void *unused)
{
	const struct mm_fork_req rq = *IPC_REQ(m, struct mm_fork_req);
	struct mm_ctx *parent = ctx_get(rq.parent_ctx), *c;
	int err;

	(void)unused;
	if (!from_proc(m))
		err = -EPERM;
	else if (!parent)
		err = -ESRCH;
	/* rmap items and page-map nodes for every page the parent has */
	else if (mm_reserve(16 + (parent->rss + parent->swapents) / 128 +
			    parent->pm.nodes, NULL, "fork"))
		err = -ENOMEM;
	else if (!(c = ctx_fork(parent, (uint32_t)rq.child_pid)))
		err = -ENOMEM;
	else
		return reply_new_ctx(m, c, 0, 0);
	ipc_reply_set(m, err, 0);
	return IPC_REPLY;
}

static int h_exit(struct ipc_msg *m, void *unused)
{
	struct mm_ctx *c = ctx_get(IPC_REQ(m, struct mm_exit_req)->ctx);
	int err = 0;

	(void)unused;
	if (!from_proc(m))
		err = -EPERM;
	else if (!c)
		err = -ESRCH;
	else {
		ctx_destroy(c);
		lend_ctx_gone();
		mm_stats.exit++;
		mm_settle();
	}
	ipc_reply_set(m, err, 0);
	return IPC_REPLY;
}

static int h_set_oom_adj(struct ipc_msg *m, void *unused)
{
	const struct mm_set_oom_adj_req rq =
		*IPC_REQ(m, struct mm_set_oom_adj_req);
	struct mm_ctx *c = ctx_get(rq.ctx);
	int64_t v = rq.value;
	int err = 0;

	(void)unused;
	if (!from_proc(m))
		err = -EPERM;
	else if (!c)
		err = -ESRCH;
	else if (v < -1000 || v > 1000)
		err = -EINVAL;
	else
		c->oom_score_adj = (int)v;
	ipc_reply_set(m, err, 0);
	return IPC_REPLY;
}

/* The program's name for OOM reports: the basename of argv[0]. */
static void ctx_name(struct mm_ctx *c, const char *args, unsigned len)
{
	const char *base = args;

	for (unsigned i = 0; i < len && args[i]; i++)
		if (args[i] == '/')
			base = &args[i + 1];
	for (unsigned i = 0; i < sizeof(c->name) - 1 &&
	     base + i < args + len && base[i]; i++)
		c->name[i] = base[i];
}

/*
 * MM_MLOCKALL: flags MCL_*.  The context is never reclaimed from, may use
 * the reserve below the min watermark, and (MCL_CURRENT) has every page
 * mapped now - of the stack only the top STACK_LOCKED - and
 * (MCL_FUTURE) every later mapping populated as it is made.
 */
static int h_mlockall(struct ipc_msg *m, void *unused)
{
	uint64_t flags = m->w[0];
	struct mm_ctx *c = client(m);
	struct vma *v;
	int err = 0;

	(void)unused;
	if (!c)
		err = -EPERM;
	else if (!flags || (flags & ~(uint64_t)(MCL_CURRENT | MCL_FUTURE |
						 MCL_ONFAULT)))
		err = -EINVAL;
	if (!err) {
		c->locked = true;
		mm_alloc_reserve = true;
	}
	if (!err && (flags & MCL_CURRENT) && !(flags & MCL_ONFAULT))
		vma_for_each(v, &c->vmas) {
			vaddr_t start = v->start;

			if (v->end == c->stack_top &&
			    v->end - v->start > STACK_LOCKED)
				start = v->end - STACK_LOCKED;
			populate(c, v, start, v->end);
		}
	ipc_reply_set(m, err, 0);
	return IPC_REPLY;
}

/*
 * MM_MLOCK: addr, len, lock.  Lock: every page of the range is made
 * resident now and never reclaimed (VMA_LOCKED); unlock undoes it.  Like
 * Linux, addr is rounded down to a page and the range must be mapped.
 * Processes lock their IPC receive buffer this way: the kernel cannot
 * fault a page in while it delivers a message into it.
 */
static int h_mlock(struct ipc_msg *m, void *unused)
{
	struct mm_ctx *c = client(m);
	vaddr_t start = m->w[0] & PAGE_MASK, end;
	bool lock = m->w[2] != 0;
	struct vma *v;
	int err;

	(void)unused;
	if (!c)
		err = -EPERM;
	else if (m->w[2] > 1)
		err = -EINVAL;
	else if ((err = range_check(start, m->w[1] + (m->w[0] - start),
				    &end)) != 0)
		;
	else if (!range_mapped(c, start, end))
		err = -ENOMEM;
	else
		err = carve(c, start, end);
	for (vaddr_t at = start; !err && at < end; at = v->end) {
		v = vma_find(&c->vmas, at);
		if (!(v->flags & VMA_IO))
			v->flags = lock ? v->flags | VMA_LOCKED :
				   v->flags & ~VMA_LOCKED;
		if (lock)
			populate(c, v, v->start, v->end);
	}
	ipc_reply_set(m, err, 0);
	return IPC_REPLY;
}

static const ipc_handler mm_handlers[MM_LABEL_COUNT] = {
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
	[MM_SET_OOM_ADJ - MM_MMAP] = h_set_oom_adj,
	[MM_DMA_ALLOC - MM_MMAP ... MM_DMA_UNPIN - MM_MMAP] = dma_request,
	[MM_MLOCKALL - MM_MMAP] = h_mlockall,
	[MM_SWAP_OFFER - MM_MMAP] = swap_offer,
	[MM_OOM_NOTIFY - MM_MMAP] = oom_notify_request,
	[MM_OOM_VICTIMS - MM_MMAP] = oom_victims_request,
	[MM_KSWAPD - MM_MMAP] = kswapd_request,
	[MM_MLOCK - MM_MMAP] = h_mlock,
	[MM_FS_OFFER - MM_MMAP] = fs_offer,
	[MM_FILE_READ - MM_MMAP ... MM_FLUSH - MM_MMAP] = file_request,
	[MM_FILE_READ_TO - MM_MMAP] = file_request,
	[MM_FRAMES_GRANT - MM_MMAP] = frames_grant_request,
	[MM_FRAMES_LEND - MM_MMAP] = frames_lend_request,
};

const struct ipc_proto mm_protos[] = {
	{ MM_MMAP, MM_LABEL_COUNT, mm_handlers,
	  1ull << (MM_SWAP_OFFER - MM_MMAP) |
	  1ull << (MM_OOM_NOTIFY - MM_MMAP) |
	  1ull << (MM_FS_OFFER - MM_MMAP) |
	  1ull << (MM_FRAMES_GRANT - MM_MMAP) },
};
const unsigned mm_nprotos = 1;
