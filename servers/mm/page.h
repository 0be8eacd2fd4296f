/*
 * page.h - struct page, the descriptor of one physical frame, and mem_map,
 * the array holding one descriptor for every frame the mm server may touch.
 *
 * mem_map covers pfns [mem_map_base, mem_map_base + mem_map_npages).  Frames
 * inside that window that were never handed to the buddy allocator (holes,
 * firmware, the kernel) stay PG_reserved forever.  A frame is in exactly one
 * of these states, told apart by flags and by which list ->lru is on:
 *
 *   reserved   PG_reserved; never allocated or freed.
 *   buddy      head of a free block: PG_buddy, ->order, ->lru on a
 *              zone free_area list.  Tail frames of a free block have no
 *              state flags at all.
 *   pcp        free order-0 frame cached on a per-CPU list: no PG_buddy,
 *              refcount 0, ->lru on the pcp list.
 *   allocated  refcount >= 1 on the head; ->lru belongs to the owner
 *              (slab lists, LRU).
 *
 * For PG_slab frames (every frame of a slab, head and tails) ->private is
 * the owning struct slab_cache *.  The head frame additionally uses ->owner
 * as the slab's free-object list and ->index as its count of objects in use;
 * those two fields mean something else for user pages, which are never slab
 * pages: ->owner heads the page's reverse-map list (rmap.c: every page-map
 * entry that maps the frame) and ->index is the page's offset in its
 * shared object, if it belongs to one; a private page in the swap cache
 * (PG_swapcache) has its slot in ->private and ->index chains it in the
 * cache's hash table (swap.c).
 *
 * The mm server sees every frame through a linear "physmap": the byte at
 * physical address P is at virtual address mm_physmap_base + P.  Host tests
 * point mm_physmap_base at a host buffer so the same code runs unmodified.
 */
#ifndef MM_PAGE_H
#define MM_PAGE_H

#include "mm_types.h"

enum page_flags {
	PG_buddy	= 1u << 0,	/* head of a free buddy block */
	PG_slab		= 1u << 1,	/* part of a slab */
	PG_reserved	= 1u << 2,	/* never managed by the allocator */
	PG_lru		= 1u << 3,	/* on an LRU list */
	PG_active	= 1u << 4,	/* on the active LRU list */
	PG_referenced	= 1u << 5,	/* accessed since last aged */
	PG_dirty	= 1u << 6,	/* must be written back before reuse */
	PG_zero		= 1u << 7,	/* free block known to be all zeroes */
	PG_anon		= 1u << 8,	/* anonymous memory (owner = anon_vma) */
	PG_swapcache	= 1u << 9,	/* in the swap cache (private = slot) */
	PG_locked	= 1u << 10,	/* I/O or state change in progress */
	PG_writeback	= 1u << 11,	/* being written back */
	PG_readahead	= 1u << 12,	/* read ahead, not yet faulted on */
	PG_pagecache	= 1u << 13,	/* held by a file's page cache */
};

struct page {
	uint32_t flags;			/* enum page_flags */
	int32_t refcount;		/* 0 when free; 1 after buddy_alloc */
	int32_t mapcount;		/* page-table mappings (later work) */
	uint8_t order;			/* block order: PG_buddy or slab head */
	uint8_t zone_id;		/* enum zone_type, fixed at mem_map_init */
	struct list_head lru;		/* free list, pcp, LRU or slab list */
	void *owner;			/* user page: rmap list; slab: free list */
	uint64_t index;			/* offset in owner; slab: objects in use */
	uint64_t private;		/* slab: cache; swap: slot */
};

extern struct page *mem_map;
extern pfn_t mem_map_base;
extern pfn_t mem_map_npages;
extern uintptr_t mm_physmap_base;

/*
 * mem_map_init - adopt @storage as the descriptor array for @npages frames
 * starting at @base_pfn.  Every descriptor starts PG_reserved with its zone
 * computed from its pfn; zones_init() later releases the free ranges.
 * @storage must hold @npages entries and stay valid forever.
 */
void mem_map_init(pfn_t base_pfn, pfn_t npages, struct page *storage);

static inline bool pfn_valid(pfn_t pfn)
{
	return pfn >= mem_map_base && pfn - mem_map_base < mem_map_npages;
}

static inline struct page *pfn_to_page(pfn_t pfn)
{
	return &mem_map[pfn - mem_map_base];
}

static inline pfn_t page_to_pfn(const struct page *page)
{
	return mem_map_base + (pfn_t)(page - mem_map);
}

static inline paddr_t page_to_phys(const struct page *page)
{
	return (paddr_t)page_to_pfn(page) << PAGE_SHIFT;
}

static inline void *page_address(const struct page *page)
{
	return (void *)(mm_physmap_base + (uintptr_t)page_to_phys(page));
}

/* Inverse of page_address(); @addr must lie inside the physmap. */
static inline struct page *virt_to_page(const void *addr)
{
	uintptr_t off = (uintptr_t)addr - mm_physmap_base;

	return pfn_to_page((pfn_t)(off >> PAGE_SHIFT));
}

static inline bool page_has(const struct page *page, uint32_t flag)
{
	return (page->flags & flag) != 0;
}

static inline void page_set(struct page *page, uint32_t flag)
{
	page->flags |= flag;
}

static inline void page_clear(struct page *page, uint32_t flag)
{
	page->flags &= ~flag;
}

#endif /* MM_PAGE_H */
