/*
 * dma.c - DMA memory: physically contiguous frames below 4 GiB that a
 * device may read and write, mapped into the client that asked for them.
 *
 * A region is a shared-memory object (OBJ_SHMEM) whose frames come from one
 * buddy block, split into order-0 frames so that every existing path (the
 * fault handler, munmap, exit, fork) handles them like any shared page.
 * Its VMA is VMA_IO | VMA_LOCKED: never merged, and reclaim must leave it
 * alone.  Fork shares the frames; nothing ever copies them on write.
 *
 * The region table records where each region lives, and the region handle
 * (an mm endpoint badged MM_BADGE_DMA | gen << 16 | index) names one entry.
 * Invariants:
 *  - a region with pins > 0 holds one reference on its object, so its
 *    frames stay allocated (and physically where the driver was told) even
 *    when the VMA is unmapped or its context exits;
 *  - a region with pins == 0 is alive only while its VMA still maps the
 *    object whose first frame is region->pfn; dead entries are swept.
 */
#include <string.h>
#include "mm.h"
#include "dma.h"

#define DMA_REGIONS	64
#define DMA_PIN_MAX	(1u << 20)
#define DMA_VMA_FLAGS	(VMA_READ | VMA_WRITE | VMA_MAYREAD | VMA_MAYWRITE | \
			 VMA_SHARED | VMA_MAYSHARE | VMA_IO | VMA_LOCKED)

struct dma_region {
	bool used;
	uint16_t gen;			/* bumped on reuse: old handles die */
	uint32_t ctx_id, pid;		/* the owner, when allocated */
	vaddr_t va;
	pfn_t pfn;
	uint64_t npages;
	struct mm_object *obj;
	unsigned pins;
	uint64_t handle;		/* mm's own copy of the region handle */
};

static struct dma_region regions[DMA_REGIONS];

static uint64_t region_badge(const struct dma_region *r)
{
	return MM_BADGE_DMA | (uint64_t)r->gen << 16 | (uint64_t)(r - regions);
}

/* The region a region handle names, or NULL (stale or not one). */
static struct dma_region *region_by_badge(uint64_t badge)
{
	struct dma_region *r;

	if ((badge & ~0xffffffffull) != MM_BADGE_DMA ||
	    (badge & 0xffff) >= DMA_REGIONS)
		return NULL;
	r = &regions[badge & 0xffff];
	return r->used && region_badge(r) == badge ? r : NULL;
}

/* The VMA still mapping r's object in its owner, or NULL. */
static struct vma *region_vma(const struct dma_region *r)
{
	struct mm_ctx *c = ctx_get(r->ctx_id);
	struct vma *v;
	uint64_t *e;

	if (!c || c->pid != r->pid)
		return NULL;
	v = vma_find_exact(&c->vmas, r->va, r->va + (r->npages << PAGE_SHIFT));
	if (!v || v->file != r->obj || !(v->flags & VMA_IO))
		return NULL;
	e = pagemap_slot(&r->obj->pages, 0, false);
	return e && (*e & PME_PRESENT) && pme_pfn(*e) == r->pfn ? v : NULL;
}

static void region_release(struct dma_region *r)
{
	if (r->handle)
		sys1(SYS_HANDLE_CLOSE, r->handle);
	r->used = false;
	r->handle = 0;
	r->obj = NULL;
}

/* Forget regions nobody pins whose mapping has gone (unmapped, exited). */
static void region_sweep(void)
{
	for (unsigned i = 0; i < DMA_REGIONS; i++)
		if (regions[i].used && !regions[i].pins &&
		    !region_vma(&regions[i]))
			region_release(&regions[i]);
}

static uint64_t ctx_dma_pages(const struct mm_ctx *c)
{
	uint64_t n = 0;

	for (unsigned i = 0; i < DMA_REGIONS; i++)
		if (regions[i].used && regions[i].ctx_id == c->id &&
		    region_vma(&regions[i]))
			n += regions[i].npages;
	return n;
}

static struct dma_region *region_free_slot(void)
{
	for (unsigned i = 0; i < DMA_REGIONS; i++)
		if (!regions[i].used)
			return &regions[i];
	return NULL;
}

/* Build the region r for c at a free place: 0 or -ENOMEM. */
static int region_create(struct mm_ctx *c, struct dma_region *r,
			 uint64_t npages)
{
	uint64_t len = npages << PAGE_SHIFT;
	struct mm_object *o;
	struct page *p;
	struct vma *v;
	vaddr_t va;
	long h;

	if (vma_gap_find_topdown(&c->vmas, len, PAGE_SIZE, MM_MMAP_MIN,
				 c->mmap_top, &va))
		return -ENOMEM;
	p = frame_block_alloc(npages, MM_GFP_KERNEL | MM_GFP_DMA32);
	o = p ? obj_shmem_of_block(p, npages) : NULL;
	if (!o)
		return -ENOMEM;
	v = ctx_vma_new(c, va, va + len, DMA_VMA_FLAGS, o);
	if (!v) {
		obj_get(o);
		obj_put(o);
		return -ENOMEM;
	}
	*r = (struct dma_region){
		.used = true, .gen = (uint16_t)(r->gen + 1), .ctx_id = c->id,
		.pid = c->pid, .va = va, .pfn = page_to_pfn(p),
		.npages = npages, .obj = o,
	};
	h = sys3(SYS_HANDLE_MINT, BOOT_H_FAULT_EP, R_SEND, region_badge(r));
	if (h < 0) {
		vma_remove(&c->vmas, v);
		ctx_vma_free(v);
		r->used = false;
		return -ENOMEM;
	}
	r->handle = (uint64_t)h;
	ctx_populate_now(c, v);	/* device and client agree from the start */
	return 0;
}

static int dma_alloc(struct ipc_msg *m)
{
	struct mm_ctx *c = ctx_get(m->badge);
	uint64_t npages = m->w[0];
	struct dma_region *r = NULL;
	int err = 0;

	region_sweep();
	if (!c)
		err = -EPERM;
	else if (npages == 0 || npages > MM_DMA_MAX_PAGES || m->w[1] != 0)
		err = -EINVAL;
	else if (ctx_dma_pages(c) + npages > MM_DMA_CTX_PAGES ||
		 !(r = region_free_slot()))
		err = -ENOMEM;
	else
		err = region_create(c, r, npages);
	ipc_reply_set(m, err, err ? 0 : 3);
	if (!err) {
		m->tag |= IPC_TAG_HANDLES(1);
		m->w[1] = r->handle;
		m->w[2] = r->va;
		m->w[3] = (uint64_t)r->pfn << PAGE_SHIFT;
	}
	return IPC_REPLY;
}

static int dma_free(struct ipc_msg *m)
{
	struct mm_ctx *c = ctx_get(m->badge);
	struct dma_region *r = NULL;
	struct vma *v = NULL;

	for (unsigned i = 0; c && !v && i < DMA_REGIONS; i++) {
		r = &regions[i];
		if (r->used && r->ctx_id == c->id && r->va == m->w[0])
			v = region_vma(r);
	}
	if (!v) {
		ipc_reply_set(m, c ? -EINVAL : -EPERM, 0);
		return IPC_REPLY;
	}
	vma_remove(&c->vmas, v);
	ctx_vma_free(v);
	ctx_unmap_range(c, r->va, r->va + (r->npages << PAGE_SHIFT));
	if (!r->pins)
		region_release(r);
	ipc_reply_set(m, 0, 0);
	return IPC_REPLY;
}

static int dma_pin(struct ipc_msg *m)
{
	struct dma_region *r = region_by_badge(m->badge);
	int err = 0;

	if (!r)
		err = -EPERM;
	else if (!r->pins && !region_vma(r))
		err = -ENOENT;		/* freed before anyone pinned it */
	else if (r->pins >= DMA_PIN_MAX)
		err = -EBUSY;
	ipc_reply_set(m, err, err ? 0 : 2);
	if (err)
		return IPC_REPLY;
	if (r->pins++ == 0)
		obj_get(r->obj);
	m->w[1] = (uint64_t)r->pfn << PAGE_SHIFT;
	m->w[2] = r->npages;
	return IPC_REPLY;
}

static int dma_unpin(struct ipc_msg *m)
{
	struct dma_region *r = region_by_badge(m->badge);

	if (!r || !r->pins) {
		ipc_reply_set(m, r ? -EINVAL : -EPERM, 0);
		return IPC_REPLY;
	}
	if (--r->pins == 0) {
		bool mapped = region_vma(r) != NULL;

		obj_put(r->obj);
		if (!mapped)
			region_release(r);
	}
	ipc_reply_set(m, 0, 0);
	return IPC_REPLY;
}

int dma_request(struct ipc_msg *m, void *unused)
{
	(void)unused;
	switch (IPC_TAG_LABEL(m->tag)) {
	case MM_DMA_ALLOC: return dma_alloc(m);
	case MM_DMA_FREE: return dma_free(m);
	case MM_DMA_PIN: return dma_pin(m);
	case MM_DMA_UNPIN: return dma_unpin(m);
	}
	ipc_reply_set(m, -ENOSYS, 0);
	return IPC_REPLY;
}
