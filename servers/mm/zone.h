/*
 * zone.h - physical memory zones, their free areas, per-CPU page lists,
 * watermarks and the GFP-like request flags.
 *
 * Physical memory is split by address into three zones, as on Linux/x86-64:
 * DMA below 16 MiB (ISA DMA), DMA32 below 4 GiB (32-bit devices) and
 * NORMAL above.  A zone owns the frames in its pfn span that were handed to
 * it at boot ("managed" frames); every managed frame is at all times either
 * free in the zone's buddy free_area, cached on one of its pcp lists, or
 * allocated.  Zone boundaries are multiples of 2^MAX_ORDER frames, so a
 * naturally aligned buddy block never straddles two zones.
 *
 * Allocation walks a zonelist from the highest zone the request may use
 * down to DMA (NORMAL -> DMA32 -> DMA), so scarce low memory is used last.
 * The data here is owned by buddy.c; other files read it through the
 * accessors in buddy.h.
 */
#ifndef MM_ZONE_H
#define MM_ZONE_H

#include "mm_types.h"

#define MAX_ORDER	10			/* largest block: 2^10 pages = 4 MiB */
#define NR_ORDERS	(MAX_ORDER + 1)
#define NR_CPUS		1

enum zone_type {
	ZONE_DMA,
	ZONE_DMA32,
	ZONE_NORMAL,
	MAX_NR_ZONES
};

#define ZONE_DMA_END_PFN	((pfn_t)(16ULL << 20) >> PAGE_SHIFT)
#define ZONE_DMA32_END_PFN	((pfn_t)(4ULL << 30) >> PAGE_SHIFT)

enum zone_wmark {
	WMARK_MIN,	/* only MM_GFP_HIGH/ATOMIC requests may go below */
	WMARK_LOW,	/* below this kswapd is woken */
	WMARK_HIGH,	/* kswapd reclaims until free pages reach this */
	NR_WMARK
};

/*
 * Request flags ("gfp").  At most one zone modifier; none means the request
 * can use any zone.  Watermark modifiers decide how deep into the min
 * reserve a request may dig; reclaim modifiers say what the allocator may
 * do when memory is short.
 */
#define MM_GFP_DMA	(1u << 0)	/* zone modifier: ZONE_DMA only */
#define MM_GFP_DMA32	(1u << 1)	/* zone modifier: DMA32 or DMA */
#define MM_GFP_WAIT	(1u << 2)	/* caller may sleep */
#define MM_GFP_RECLAIM	(1u << 3)	/* caller allows direct reclaim */
#define MM_GFP_ZERO	(1u << 4)	/* return zeroed memory */
#define MM_GFP_HIGH	(1u << 5)	/* may use half of the min reserve */
#define MM_GFP_NOBLOCK	(1u << 6)	/* cannot block: a further quarter */
#define MM_GFP_ATOMIC	(MM_GFP_HIGH | MM_GFP_NOBLOCK)
#define MM_GFP_KERNEL	(MM_GFP_WAIT | MM_GFP_RECLAIM)
#define MM_GFP_ZONEMASK	(MM_GFP_DMA | MM_GFP_DMA32)

struct mem_range {
	pfn_t start;			/* first free pfn */
	pfn_t end;			/* one past the last free pfn */
};

struct free_area {
	struct list_head free_list;	/* heads of free blocks of this order */
	unsigned long nr_free;		/* blocks (not pages) on free_list */
};

/*
 * Per-CPU cache of free order-0 pages.  Refilled with @batch pages from the
 * buddy lists when empty, drained by @batch when it reaches @high.  Pages
 * are taken from and returned to the head (cache-hot end); drains take the
 * tail (coldest).
 */
struct pcp_list {
	struct list_head list;
	int count;
	int high;
	int batch;
};

struct zone_counters {
	uint64_t alloc;			/* blocks handed out by this zone */
	uint64_t alloc_fallback;	/* ...for a request preferring a higher zone */
	uint64_t free;			/* blocks given back */
	uint64_t wmark_fail;		/* requests turned away by the watermark */
	uint64_t pcp_refill;		/* batches moved buddy -> pcp */
	uint64_t pcp_drain;		/* batches moved pcp -> buddy */
};

struct zone {
	const char *name;		/* "DMA", "DMA32", "Normal" as in Linux */
	enum zone_type id;
	pfn_t start_pfn;		/* span of managed frames: [start, end) */
	pfn_t end_pfn;
	unsigned long managed_pages;	/* frames handed to the allocator */
	unsigned long free_pages;	/* frames in free_area (not pcp) */
	unsigned long watermark[NR_WMARK];
	/*
	 * lowmem_reserve[c]: pages this zone keeps back from a request whose
	 * highest usable zone is c (its "classzone").  Zero for c <= id.
	 */
	unsigned long lowmem_reserve[MAX_NR_ZONES];
	struct free_area free_area[NR_ORDERS];
	struct pcp_list pcp[NR_CPUS];
	struct zone_counters stat;
};

static inline bool zone_populated(const struct zone *zone)
{
	return zone->managed_pages != 0;
}

static inline enum zone_type pfn_zone_type(pfn_t pfn)
{
	if (pfn < ZONE_DMA_END_PFN)
		return ZONE_DMA;
	if (pfn < ZONE_DMA32_END_PFN)
		return ZONE_DMA32;
	return ZONE_NORMAL;
}

#endif /* MM_ZONE_H */
