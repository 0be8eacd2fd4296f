/*
 * pagemap.c - mm's own page table for each memory context.
 *
 * A four-level radix tree of 512-entry nodes indexed like the x86-64 page
 * tables (9 bits a level), each leaf a page-map entry (PME_*): the frame
 * and its state.  It is what mm knows to be mapped; the kernel's tables
 * are rebuilt from it on demand, so mm never has to read them back.
 * Nodes are page-sized objects from their own slab cache.
 */
#include "mm.h"

static struct slab_cache *node_cache;

static uint64_t *node_new(struct pagemap *pm)
{
	uint64_t *n;

	if (!node_cache &&
	    !(node_cache = slab_cache_create("pagemap_node", PAGE_SIZE,
					     PAGE_SIZE, NULL)))
		return NULL;
	n = slab_alloc(node_cache);
	if (!n)
		return NULL;
	frame_zero(n);
	pm->nodes++;
	return n;
}

void pagemap_init(struct pagemap *pm)
{
	pm->root = NULL;
	pm->nodes = 0;
}

static unsigned level_index(vaddr_t va, int level)
{
	return (va >> (PAGE_SHIFT + 9 * level)) & 511;
}

uint64_t *pagemap_slot(struct pagemap *pm, vaddr_t va, bool create)
{
	uint64_t *node;

	if (!pm->root) {
		if (!create || !(pm->root = node_new(pm)))
			return NULL;
	}
	node = pm->root;
	for (int level = 3; level > 0; level--) {
		uint64_t *e = &node[level_index(va, level)];

		if (!*e) {
			uint64_t *n;

			if (!create || !(n = node_new(pm)))
				return NULL;
			*e = (uint64_t)n;
		}
		node = (uint64_t *)*e;
	}
	return &node[level_index(va, 0)];
}

static void walk_node(uint64_t *node, int level, vaddr_t base,
		      vaddr_t start, vaddr_t end,
		      void (*fn)(vaddr_t va, uint64_t *e, void *arg), void *arg)
{
	unsigned shift = PAGE_SHIFT + 9 * level;
	vaddr_t span = (vaddr_t)1 << shift;
	unsigned i = start > base ? (unsigned)((start - base) >> shift) : 0;

	for (; i < 512; i++) {
		vaddr_t lo = base + i * span;

		if (lo >= end)
			return;
		if (!node[i])
			continue;
		if (level == 0)
			fn(lo, &node[i], arg);
		else
			walk_node((uint64_t *)node[i], level - 1, lo, start, end,
				  fn, arg);
	}
}

/* Call fn for every non-empty slot in [start, end), in address order;
 * subtrees that do not exist are skipped whole. */
int pagemap_for_range(struct pagemap *pm, vaddr_t start, vaddr_t end,
		      void (*fn)(vaddr_t va, uint64_t *e, void *arg),
		      void *arg)
{
	if (pm->root)
		walk_node(pm->root, 3, 0, start, end, fn, arg);
	return 0;
}

static void node_free(struct pagemap *pm, uint64_t *node, int level,
		      vaddr_t base,
		      void (*fn)(vaddr_t va, uint64_t e, void *arg), void *arg)
{
	for (unsigned i = 0; i < 512; i++) {
		vaddr_t va = base + ((vaddr_t)i << (PAGE_SHIFT + 9 * level));

		if (!node[i])
			continue;
		if (level == 0)
			fn(va, node[i], arg);
		else
			node_free(pm, (uint64_t *)node[i], level - 1, va, fn,
				  arg);
	}
	slab_free(node_cache, node);
	pm->nodes--;
}

/* Hand every entry to fn, then free the tree. */
void pagemap_destroy(struct pagemap *pm,
		     void (*fn)(vaddr_t va, uint64_t e, void *arg), void *arg)
{
	if (pm->root)
		node_free(pm, pm->root, 3, 0, fn, arg);
	pm->root = NULL;
}
