/*
 * anon.c - anonymous memory: the shared zero page and copy-on-write.
 *
 * A read of a never-written anonymous page maps the one zero page,
 * read-only, with no reference counted.  The first write replaces it with
 * a fresh zeroed frame.
 *
 * Copy-on-write: after fork, parent and child page maps hold the same
 * frames and neither kernel mapping is writable.  On a write fault to a
 * present private page:
 *   - the zero page:           a new zeroed frame (a "zero fill");
 *   - a frame only we map (mapcount 1, no other reference): map it
 *     writable again as it is ("COW reuse", no copy);
 *   - a frame others map too:  copy it to a new frame, drop our reference
 *     to the old one ("COW copy").  The last sharer then reuses it.
 * Shared-object frames (PME_SHARED) are never copied.  A page read back
 * from swap is still in the swap cache (one more reference): if we are its
 * only mapper, the write takes it out of the cache and reuses it.
 */
#include <string.h>
#include "mm.h"

static pfn_t zero_page_pfn;

void zero_page_init(void)
{
	struct page *p = frame_alloc_zeroed();

	if (!p)
		mm_panic("no frame for the zero page");
	p->flags |= PG_reserved;	/* never freed */
	zero_page_pfn = page_to_pfn(p);
}

pfn_t zero_pfn(void)
{
	return zero_page_pfn;
}

/* Put frame p at va in c's page map (p's reference passes to the entry). */
int anon_install(struct mm_ctx *c, vaddr_t va, uint64_t *e, struct page *p,
		 uint64_t flags)
{
	int err = rmap_add(p, c, va);

	if (err) {
		frame_put(p);
		return err;
	}
	*e = pme_make(page_to_pfn(p), PME_PRESENT | flags);
	c->rss++;
	if (!(flags & PME_SHARED) && !page_has(p, PG_pagecache))
		lru_page_new(p);
	return 0;
}

/* May this private entry be mapped writable as it is? */
bool anon_exclusive(uint64_t e)
{
	struct page *p;

	if (e & PME_ZERO)
		return false;
	if (e & PME_SHARED)
		return true;
	p = pfn_to_page(pme_pfn(e));
	return p->mapcount == 1 && p->refcount == 1;
}

int anon_write_fault(struct mm_ctx *c, vaddr_t va, uint64_t *e)
{
	struct page *old, *new;

	if (*e & PME_ZERO) {
		mm_stats.zero_maps--;
		*e = 0;
		new = frame_alloc_zeroed();
		if (!new)
			return -ENOMEM;
		mm_stats.zero_fill++;
		return anon_install(c, va, e, new, 0);
	}
	if (anon_exclusive(*e)) {
		mm_stats.cow_reuse++;
		return 0;
	}
	old = pfn_to_page(pme_pfn(*e));
	/* Ours alone but for the swap cache: its disk copy goes stale. */
	if (page_has(old, PG_swapcache) && old->mapcount == 1 &&
	    old->refcount == 2) {
		swap_cache_drop(old);
		mm_stats.cow_reuse++;
		return 0;
	}
	new = frame_alloc();
	if (!new)
		return -ENOMEM;
	memcpy(page_address(new), page_address(old), PAGE_SIZE);
	mm_stats.cow_copy++;
	pme_drop(c, va, e);
	return anon_install(c, va, e, new, 0);
}
