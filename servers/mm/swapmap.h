/*
 * swapmap.h - the slot allocator of one swap device: which slots hold a
 * swapped-out page, how many holders each has, and where the next
 * swap-out should go (Linux's swap_map and cluster_info, mm/swapfile.c).
 *
 * A device of nslots page-sized slots.  Slot 0 holds the swap header and
 * the header's bad pages are unusable; neither is ever allocated.  Each
 * usable slot has a one-byte count of its holders: every page-map entry
 * that records the slot, plus one while the page sits in the swap cache
 * (PG_swapcache, page->private == slot).  A slot is free when its count is
 * zero.  Linux keeps the swap cache as a separate SWAP_HAS_CACHE bit; here
 * it is simply one more holder, so the whole byte is a count.
 *
 * Single-threaded like the rest of mm: no locks.  The map does not allocate
 * memory; the caller supplies swapmap_storage_size(nslots) bytes, aligned
 * to 8, that must outlive the map.
 */
#ifndef MM_SWAPMAP_H
#define MM_SWAPMAP_H

#include "mm_types.h"

#define SWAPFILE_CLUSTER	256u	/* slots per allocation cluster */
#define SWAP_MAP_MAX		0xfeu	/* most holders one slot may have */
#define SWAP_MAP_BAD		0xffu	/* header or bad page: never used */
#define SWAP_CLUSTER_NONE	UINT32_MAX
/* A device is at most 2^32 slots: the header's last_page is 32 bits. */
#define SWAPMAP_MAX_SLOTS	(1ull << 32)

/* Swap-in readahead windows (Linux: 1 << page_cluster, page_cluster 3). */
#define SWAP_RA_PAGES_DEFAULT	8u
#define SWAP_RA_PAGES_MAX	SWAPFILE_CLUSTER

/* struct swap_cluster flags */
#define SWAP_CLUSTER_FREE	0x1u	/* on swapmap->free_clusters */

/*
 * One aligned run of SWAPFILE_CLUSTER slots.  A cluster is free (on the
 * free list) exactly when no slot in it is in use, it has a usable slot,
 * and it is not the current cluster.
 */
struct swap_cluster {
	struct list_head list;		/* free_clusters link while FREE */
	uint16_t count;			/* slots in use */
	uint16_t usable;		/* slots that are not header/bad */
	uint16_t flags;			/* SWAP_CLUSTER_FREE */
};

/*
 * The cluster swap-outs are currently filling.  Linux keeps one per CPU
 * (si->percpu_cluster); mm runs on one CPU, so there is one.
 */
struct swap_cpu_cluster {
	uint32_t index;			/* cluster number or SWAP_CLUSTER_NONE */
	uint32_t next;			/* next offset in it to try */
};

struct swapmap {
	uint64_t nslots;		/* device size, header slot included */
	uint64_t nclusters;
	uint8_t *map;			/* per-slot count, SWAP_MAP_BAD */
	struct swap_cluster *clusters;
	struct list_head free_clusters;	/* FIFO: freed clusters go to the tail */
	uint64_t nr_free_clusters;
	struct swap_cpu_cluster cpu;
	uint64_t scan_next;		/* fallback scan resumes here */
	uint64_t nr_pages;		/* usable slots: SwapTotal */
	uint64_t nr_inuse;		/* slots with count > 0 */
};

/* Bytes of storage swapmap_init() needs for @nslots slots. */
size_t swapmap_storage_size(uint64_t nslots);

/*
 * Set up @map for a device of @nslots slots whose bad pages are @bad[0..
 * @nbad) (duplicates allowed).  0, or -EINVAL if @nslots is below 2 or
 * above SWAPMAP_MAX_SLOTS or a bad page is 0 or >= @nslots; nothing is
 * touched on error.  @storage: see above.
 */
int swapmap_init(struct swapmap *map, uint64_t nslots, const uint32_t *bad,
		 unsigned nbad, void *storage);

/* A free slot with count 1 in *@slot: 0, or -ENOSPC when none is left. */
int swap_slot_alloc(struct swapmap *map, uint64_t *slot);

/*
 * One more holder of an in-use @slot (fork copying a swap entry, the swap
 * cache taking the page back).  0; -EINVAL if @slot is not in use;
 * -ERANGE if it already has SWAP_MAP_MAX holders (Linux would chain a
 * count continuation page; the caller swaps the page in instead).
 */
int swap_slot_dup(struct swapmap *map, uint64_t slot);

/* Drop one holder of an in-use @slot; true if the slot is now free. */
bool swap_slot_free(struct swapmap *map, uint64_t slot);

/* Holders of @slot: 0 if free, unusable or beyond the device. */
unsigned swap_slot_count(const struct swapmap *map, uint64_t slot);

/*
 * Swap-in readahead by slot proximity (Linux swap_cluster_readahead): the
 * slots worth reading together with in-use @slot.  The window is @max
 * (1..SWAP_RA_PAGES_MAX, rounded down to a power of two) slots aligned to
 * its size, trimmed to the run of in-use slots that contains @slot, so the
 * result is one sequential read: *@n slots from *@first, all in use,
 * @slot among them.  0, or -EINVAL for a bad @max or a slot not in use.
 */
int swap_readahead_window(const struct swapmap *map, uint64_t slot,
			  unsigned max, uint64_t *first, unsigned *n);

/* Validate counts, clusters, the free list and counters: 0 or -EUCLEAN. */
int swapmap_check(const struct swapmap *map);

/* meminfo's SwapTotal and SwapFree, in pages. */
static inline uint64_t swapmap_total_pages(const struct swapmap *map)
{
	return map->nr_pages;
}

static inline uint64_t swapmap_free_pages(const struct swapmap *map)
{
	return map->nr_pages - map->nr_inuse;
}

#endif /* MM_SWAPMAP_H */
