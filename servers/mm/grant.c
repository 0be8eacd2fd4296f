/*
 * grant.c - MM_FRAMES_GRANT: frames for a pager that runs side by side
 * (docs/pager-protocol.md, "Side-by-side pagers").
 *
 * A second pager is one of our clients.  The process server asks us to
 * give it a block of frames: we take one buddy block, hold its frames in a
 * shared object (as DMA regions do, so munmap, exit and fork handle them
 * like any shared page), map the object into the recipient at
 * BOOT_PHYSMAP_BASE + paddr in a VMA_IO | VMA_LOCKED region that reclaim
 * leaves alone, and only then transfer ownership (SYS_FRAME_GIVE).  The
 * first grant to a context also maps a copy of the boot information and
 * of every boot module, read-only, so the recipient can load programs.
 *
 * Invariants:
 *  - a live grant holds one reference on its object (the pin), so the
 *    frames stay allocated while the recipient owns them, whatever the
 *    recipient does to its mapping;
 *  - a grant is released (pin dropped, frames back to buddy when the last
 *    mapping goes) only when its recipient is dead and the kernel reports
 *    every frame of the block as ours again: a dead pager's frames come
 *    back to the first pager, but those it gave the kernel as page tables
 *    come back only when its clients' address spaces are destroyed.
 * Releasing is lazy: every MM_FRAMES_GRANT sweeps, and the process server
 * sends one with npages = 0 after a pager died.
 */
#include <string.h>
#include "mm.h"

#define GRANTS_MAX	64
#define GRANT_VMA_FLAGS	(VMA_READ | VMA_WRITE | VMA_MAYREAD | VMA_MAYWRITE | \
			 VMA_SHARED | VMA_MAYSHARE | VMA_IO | VMA_LOCKED)

struct grant {
	bool used;
	uint32_t ctx_id, pid;		/* the recipient's context */
	uint64_t task;			/* our handle to the recipient's task */
	struct mm_object *obj;		/* pinned: holds the frames */
	pfn_t pfn;
	uint64_t npages;
};

static struct grant grants[GRANTS_MAX];

static bool recipient_alive(const struct grant *g)
{
	return sys3(SYS_FRAME_GIVE, g->task, NULL, 0) == 0;
}

/* Release grants whose recipient died; the number of frames released. */
static uint64_t grant_sweep(void)
{
	uint64_t n = 0;

	for (unsigned i = 0; i < GRANTS_MAX; i++) {
		struct grant *g = &grants[i];

		/* Giving them to ourselves fails until they are all ours. */
		if (!g->used || recipient_alive(g) ||
		    frames_give(BOOT_H_SELF_TASK, g->pfn, g->npages, 0))
			continue;
		sys1(SYS_HANDLE_CLOSE, g->task);
		obj_put(g->obj);
		n += g->npages;
		memset(g, 0, sizeof(*g));
	}
	return n;
}

/* A read-only VMA at va showing len bytes at data (a copy on fault). */
static int map_copy(struct mm_ctx *c, vaddr_t va, const void *data,
		    uint64_t len)
{
	struct mm_object *o = obj_module_new(data, len, va);

	if (!o)
		return -ENOMEM;
	if (!ctx_vma_new(c, va, va + MM_ALIGN_UP(len, PAGE_SIZE),
			 VMA_READ | VMA_MAYREAD, o)) {
		obj_get(o);
		obj_put(o);		/* no VMA took it */
		return -EEXIST;
	}
	return 0;
}

/*
 * The boot information and every page-aligned module, for a loader; once
 * per context (a grant that failed after this keeps it for the next).
 */
static int map_boot_view(struct mm_ctx *c)
{
	struct vma *v = vma_find(&c->vmas, MM_GRANT_BOOTINFO_VA);
	int err;

	if (v && v->start <= MM_GRANT_BOOTINFO_VA)
		return 0;
	err = map_copy(c, MM_GRANT_BOOTINFO_VA, &mm_boot, sizeof(mm_boot));

	for (unsigned i = 0; !err && i < mm_boot.nmodules; i++) {
		const struct boot_module *mod = &mm_boot.modules[i];

		if (mod->paddr & (PAGE_SIZE - 1) || mod->size == 0)
			continue;
		err = map_copy(c, BOOT_PHYSMAP_BASE + mod->paddr,
			       (const void *)(mm_physmap_base + mod->paddr),
			       mod->size);
	}
	return err;
}

/* Make grant g: npages frames for context c, owned by task. */
static int grant_make(struct grant *g, struct mm_ctx *c, uint64_t task,
		      uint64_t npages)
{
	struct mm_object *o;
	struct page *p;
	struct vma *v;
	vaddr_t va;
	int err;

	if ((err = map_boot_view(c)) != 0)
		return err;
	p = frame_block_alloc(npages, MM_GFP_KERNEL);
	o = p ? obj_shmem_of_block(p, npages) : NULL;
	if (!o)
		return -ENOMEM;
	va = BOOT_PHYSMAP_BASE + ((uint64_t)page_to_pfn(p) << PAGE_SHIFT);
	v = ctx_vma_new(c, va, va + (npages << PAGE_SHIFT), GRANT_VMA_FLAGS, o);
	if (!v) {
		obj_get(o);
		obj_put(o);
		return -ENOMEM;
	}
	err = ctx_populate_now(c, v);
	if (!err)
		err = (int)frames_give(task, page_to_pfn(p), npages, 0);
	if (err) {
		/* Nothing was given (a dead task takes nothing either way,
		 * and its frames come back to us): undo the mapping. */
		vma_remove(&c->vmas, v);
		ctx_vma_free(v);
		ctx_unmap_range(c, va, va + (npages << PAGE_SHIFT));
		return err;
	}
	obj_get(o);			/* the pin */
	*g = (struct grant){ .used = true, .ctx_id = c->id, .pid = c->pid,
			     .task = task, .obj = o, .pfn = page_to_pfn(p),
			     .npages = npages };
	return 0;
}

static struct grant *grant_free_slot(void)
{
	for (unsigned i = 0; i < GRANTS_MAX; i++)
		if (!grants[i].used)
			return &grants[i];
	return NULL;
}

int frames_grant_request(struct ipc_msg *m, void *unused)
{
	const struct mm_frames_grant_req rq =
		*IPC_REQ(m, struct mm_frames_grant_req);
	uint64_t task = IPC_TAG_NHANDLES(m->tag) == 1 ? rq.task : 0;
	struct mm_frames_grant_rep rp = { 0 };
	struct mm_ctx *c = ctx_get(rq.ctx);
	struct grant *g = NULL;
	int err = 0;

	(void)unused;
	rp.npages = grant_sweep();
	if (m->badge != MM_BADGE_PROC)
		err = -EPERM;
	else if (rq.npages == 0 && !IPC_TAG_NHANDLES(m->tag))
		err = 0;			/* only the sweep */
	else if (!task || rq.npages == 0 || rq.npages > MM_GRANT_MAX_PAGES)
		err = -EINVAL;
	else if (sys1(SYS_HANDLE_INFO, task) != HT_TASK)
		err = -EBADF;
	else if (!c || c->pid == 0)
		err = -ESRCH;
	else if (!(g = grant_free_slot()))
		err = -ENOSPC;
	else if ((err = grant_make(g, c, task, rq.npages)) == 0) {
		rp.pfn = g->pfn;
		rp.npages = g->npages;
		task = 0;			/* the grant keeps the handle */
	}
	if (task)
		sys1(SYS_HANDLE_CLOSE, task);
	rp.status = err;
	IPC_REPLY_PUT(m, &rp);
	return IPC_REPLY;
}
