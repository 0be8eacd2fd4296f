/*
 * frame.c - frames for clients, and the kernel's page-table pool.
 *
 * Client frames come from buddy one page at a time; a reference count in
 * the page descriptor says how many page-map entries (and other holders)
 * use a frame, and the last frame_put() frees it.
 *
 * The kernel builds page tables only from frames mm donated.  Each fault
 * message reports how many donated frames the kernel still has free; mm
 * tops the pool up in batches before it drops below what one more mapping
 * could need (three tables for a fresh 512 GiB region, plus a root).
 */
#include "mm.h"

#define PT_POOL_LOW	8
#define PT_POOL_BATCH	32
#define PT_POOL_TARGET	16	/* pool level after an exit */

static uint64_t pt_pool_free;
bool mm_alloc_reserve;		/* this request may dig into the min reserve */

void frame_zero(void *addr)
{
	uint64_t *p = addr;

	/* Wide stores: under TCG, rep stosb costs far more per page. */
	for (unsigned i = 0; i < PAGE_SIZE / 8; i += 8) {
		p[i] = 0; p[i + 1] = 0; p[i + 2] = 0; p[i + 3] = 0;
		p[i + 4] = 0; p[i + 5] = 0; p[i + 6] = 0; p[i + 7] = 0;
	}
}

struct page *frame_alloc(void)
{
	struct page *p = buddy_alloc(MM_GFP_KERNEL, 0);

	if (!p && mm_alloc_reserve)
		p = buddy_alloc(MM_GFP_KERNEL | MM_GFP_ATOMIC, 0);
	if (!p)
		return NULL;
	p->refcount = 1;
	p->mapcount = 0;
	mm_stats.pgalloc++;
	return p;
}

struct page *frame_alloc_zeroed(void)
{
	struct page *p = frame_alloc();

	if (p)
		frame_zero(page_address(p));
	return p;
}

/*
 * npages physically contiguous zeroed frames, each an order-0 frame with
 * refcount 1 (the unused tail of the buddy block goes back): for DMA
 * regions and for blocks granted or lent to other tasks.  NULL if none.
 */
struct page *frame_block_alloc(uint64_t npages, unsigned gfp)
{
	unsigned order = 0;
	struct page *p;

	while ((1ull << order) < npages)
		order++;
	p = buddy_alloc(gfp | MM_GFP_ZERO, order);
	if (!p)
		return NULL;
	for (uint64_t i = 0; i < (1ull << order); i++) {
		struct page *q = p + i;

		q->flags = 0;
		q->refcount = 1;
		q->mapcount = 0;
		q->order = 0;
		q->owner = NULL;
		q->index = i;
		q->private = 0;
		list_init(&q->lru);
	}
	mm_stats.pgalloc += 1ull << order;
	for (uint64_t i = npages; i < (1ull << order); i++)
		frame_put(p + i);
	return p;
}

/*
 * Give the n frames [pfn, pfn + n) to task (0: the caller being served;
 * BOOT_H_SELF_TASK: to mm itself, which changes nothing but fails unless
 * mm owns every one of them), in batches: 0 or the kernel's error.
 */
long frames_give(uint64_t task, pfn_t pfn, uint64_t n, uint64_t flags)
{
	uint64_t pfns[32];

	for (uint64_t done = 0; done < n;) {
		uint64_t k = MM_MIN(n - done, 32);
		long err;

		for (uint64_t i = 0; i < k; i++)
			pfns[i] = pfn + done + i;
		err = sys4(SYS_FRAME_GIVE, task, pfns, k, flags);
		if (err)
			return err;
		done += k;
	}
	return 0;
}

void frame_put(struct page *p)
{
	MM_ASSERT(p->refcount > 0);
	if (--p->refcount > 0)
		return;
	MM_ASSERT(p->mapcount == 0 && p->owner == NULL);
	MM_ASSERT(!page_has(p, PG_swapcache));
	lru_page_gone(p);
	p->flags &= PG_reserved;
	mm_stats.pgfree++;
	buddy_free(p, 0);
}

/*
 * Keep the kernel's pool of page-table frames above PT_POOL_LOW.
 * kernel_free is the count the kernel last reported, or -1 to ask it.
 */
void pt_pool_ensure(long kernel_free)
{
	uint64_t pfns[PT_POOL_BATCH];
	unsigned n = 0;
	long r;

	if (kernel_free < 0)
		kernel_free = sys2(SYS_PT_DONATE, 0, 0);
	pt_pool_free = (uint64_t)kernel_free;
	if (pt_pool_free >= PT_POOL_LOW)
		return;
	while (n < PT_POOL_BATCH && pt_pool_free + n < PT_POOL_TARGET +
	       PT_POOL_BATCH / 2) {
		struct page *p = buddy_alloc(MM_GFP_KERNEL, 0);

		if (!p)
			break;
		pfns[n++] = page_to_pfn(p);
	}
	if (!n)
		return;
	r = sys2(SYS_PT_DONATE, pfns, n);
	if (r < 0) {
		mm_log("mm: page-table donation refused (%ld)\n", r);
		for (unsigned i = 0; i < n; i++)
			buddy_free(pfn_to_page(pfns[i]), 0);
		return;
	}
	mm_stats.pt_donated += n;
	pt_pool_free = (uint64_t)r;
}

/*
 * After a context is freed its page tables are back in the kernel's pool:
 * take the pool back to PT_POOL_TARGET frames and give empty slabs back to
 * buddy, so that free memory after an exit is what it was before the
 * program ran, to the page.
 */
void mm_settle(void)
{
	uint64_t pfns[PT_POOL_BATCH];
	long n, have = sys2(SYS_PT_DONATE, 0, 0);

	while (have > PT_POOL_TARGET) {
		n = sys2(SYS_PT_RECLAIM, pfns,
			 MM_MIN((uint64_t)(have - PT_POOL_TARGET),
				PT_POOL_BATCH));
		if (n <= 0)
			break;
		for (long i = 0; i < n; i++)
			buddy_free(pfn_to_page(pfns[i]), 0);
		mm_stats.pt_donated -= (uint64_t)n;
		have -= n;
	}
	if (have < PT_POOL_TARGET) {
		pt_pool_free = 0;
		pt_pool_ensure(have);
	}
	slab_shrink_all();
}
