/*
 * pagemap.c - mm's own page table for each memory context.
 *
 * A four-level radix tree of 512-entry nodes indexed like the x86-64 page
 * tables (9 bits a level), each leaf a page-map entry (PME_*): the frame
 * and its state.  It is what mm knows to be mapped; the kernel's tables
 * are rebuilt from it on demand, so mm never has to read them back.
 * Nodes are whole frames from buddy, reached through the physmap.
 */
#include "mm.h"

static uint64_t *node_new(struct pagemap *pm)
{
	struct page *p = frame_alloc_zeroed();

	if (!p)
		return NULL;
	pm->nodes++;
	return page_address(p);
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

/* Call fn for every slot in [start, end) whose leaf node exists. */
int pagemap_for_range(struct pagemap *pm, vaddr_t start, vaddr_t end,
		      void (*fn)(vaddr_t va, uint64_t *e, void *arg),
		      void *arg)
{
	vaddr_t va = start;

	while (va < end) {
		uint64_t *slot = pagemap_slot(pm, va, false);
		vaddr_t leaf_end = (va | ((512ull << PAGE_SHIFT) - 1)) + 1;

		if (!slot) {
			va = leaf_end;
			continue;
		}
		for (; va < end && va < leaf_end; va += PAGE_SIZE, slot++)
			if (*slot)
				fn(va, slot, arg);
	}
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
	frame_put(virt_to_page(node));
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
