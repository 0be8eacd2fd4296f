/*
 * rmap.c - the reverse map: from a frame to every (context, address) that
 * maps it.
 *
 * Each page-map entry that holds a frame (not the zero page) has one
 * rmap_item on the frame's list (page->owner), and page->mapcount is the
 * length of that list.  Copy-on-write decides "am I the only mapper?" with
 * mapcount; reclaim (later) will use the list to unmap a frame from every
 * address space at once.  Items come from their own slab cache.
 *
 * rmap_check() walks every context's page map and every frame's list and
 * checks that the two agree exactly.
 */
#include "mm.h"

struct rmap_item {
	struct rmap_item *next;
	struct mm_ctx *ctx;
	vaddr_t va;
};

static struct slab_cache *rmap_cache;

int rmap_add(struct page *p, struct mm_ctx *c, vaddr_t va)
{
	struct rmap_item *it;

	if (!rmap_cache &&
	    !(rmap_cache = slab_cache_create("rmap_item",
					     sizeof(struct rmap_item), 0, NULL)))
		return -ENOMEM;
	it = slab_alloc(rmap_cache);
	if (!it)
		return -ENOMEM;
	it->ctx = c;
	it->va = va;
	it->next = p->owner;
	p->owner = it;
	p->mapcount++;
	return 0;
}

void rmap_remove(struct page *p, struct mm_ctx *c, vaddr_t va)
{
	struct rmap_item **pp = (struct rmap_item **)&p->owner;

	for (; *pp; pp = &(*pp)->next) {
		struct rmap_item *it = *pp;

		if (it->ctx == c && it->va == va) {
			*pp = it->next;
			slab_free(rmap_cache, it);
			p->mapcount--;
			return;
		}
	}
	mm_panic("rmap: pfn %lu has no mapping for ctx %u at %#lx",
		 (unsigned long)page_to_pfn(p), c->id, (unsigned long)va);
}

/* Call fn for every mapping of p (fn may not change the list). */
void rmap_walk(struct page *p, void (*fn)(struct mm_ctx *, vaddr_t, void *),
	       void *arg)
{
	for (struct rmap_item *it = p->owner; it; it = it->next)
		fn(it->ctx, it->va, arg);
}

/* The first mapping of p, if any (reclaim unmaps them one by one). */
bool rmap_first(struct page *p, struct mm_ctx **c, vaddr_t *va)
{
	struct rmap_item *it = p->owner;

	if (!it)
		return false;
	*c = it->ctx;
	*va = it->va;
	return true;
}

struct check_state {
	int err;
	struct mm_ctx *ctx;
};

static void check_entry(vaddr_t va, uint64_t *e, void *arg)
{
	struct check_state *st = arg;
	struct page *p;
	int found = 0;

	if (!(*e & PME_PRESENT) || (*e & PME_ZERO))
		return;
	p = pfn_to_page(pme_pfn(*e));
	for (struct rmap_item *it = p->owner; it; it = it->next)
		found += it->ctx == st->ctx && it->va == va;
	if (found != 1) {
		mm_log("rmap_check: ctx %u va %#lx pfn %lu found %d times\n",
		       st->ctx->id, (unsigned long)va,
		       (unsigned long)pme_pfn(*e), found);
		st->err = -EUCLEAN;
	}
}

/* Every frame's list length is its mapcount; every item's entry maps it. */
static int check_frames(void)
{
	for (pfn_t pfn = mem_map_base; pfn < mem_map_base + mem_map_npages;
	     pfn++) {
		struct page *p = pfn_to_page(pfn);
		int n = 0;

		if (p->flags & (PG_slab | PG_buddy | PG_reserved))
			continue;
		for (struct rmap_item *it = p->owner; it; it = it->next) {
			uint64_t *e = pagemap_slot(&it->ctx->pm, it->va, false);

			if (!e || !(*e & PME_PRESENT) || pme_pfn(*e) != pfn) {
				mm_log("rmap_check: pfn %lu: item ctx %u va %#lx "
				       "maps %#lx\n", (unsigned long)pfn,
				       it->ctx->id, (unsigned long)it->va,
				       e ? (unsigned long)*e : 0ul);
				return -EUCLEAN;
			}
			n++;
		}
		if (n != p->mapcount) {
			mm_log("rmap_check: pfn %lu: %d items, mapcount %d\n",
			       (unsigned long)pfn, n, p->mapcount);
			return -EUCLEAN;
		}
	}
	return 0;
}

int rmap_check(void)
{
	struct check_state st = { 0, NULL };

	for (unsigned id = 0; id < MM_MAX_CTX; id++) {
		st.ctx = ctx_get(id);
		if (st.ctx)
			pagemap_for_range(&st.ctx->pm, 0, 1ull << 47,
					  check_entry, &st);
	}
	return st.err ? st.err : check_frames();
}
