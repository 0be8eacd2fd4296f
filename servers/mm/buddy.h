/*
 * buddy.h - the physical page allocator: zones, buddy free lists, per-CPU
 * page lists, watermarks and the hooks reclaim will plug into.
 *
 * Boot order: mem_map_init() (page.h), then zones_init() with the free
 * ranges, then buddy_alloc()/buddy_free().  Single-threaded for now: the
 * server serialises all calls, so there are no locks yet; when there are,
 * the order will be zone->lock only (pcp lists are per CPU).
 */
#ifndef MM_BUDDY_H
#define MM_BUDDY_H

#include "mm_types.h"
#include "page.h"
#include "zone.h"

/*
 * Reclaim hooks, all optional.  buddy_alloc() calls kswapd_wakeup when a
 * request fails the low watermark, and direct_reclaim (only for
 * MM_GFP_RECLAIM requests) after it also fails the min watermark; the
 * latter returns the number of pages it freed, and buddy_alloc() retries
 * while that is non-zero, up to BUDDY_RECLAIM_RETRIES times.
 */
struct buddy_reclaim_ops {
	void (*kswapd_wakeup)(struct zone *classzone, unsigned order,
			      unsigned gfp);
	unsigned long (*direct_reclaim)(unsigned gfp, unsigned order);
};

#define BUDDY_RECLAIM_RETRIES	16

/* Hand the free frame ranges to the zones; resets all allocator state. */
void zones_init(const struct mem_range *free_ranges, int n);

/* 2^order contiguous frames, refcount 1, or NULL. */
struct page *buddy_alloc(unsigned gfp, unsigned order);

/* Give back a block from buddy_alloc() with the same order. */
void buddy_free(struct page *page, unsigned order);

/*
 * May a request with @gfp take 2^@order frames from @zone without going
 * below @mark plus the zone's lowmem_reserve for the request's classzone?
 */
bool zone_watermark_ok(const struct zone *zone, unsigned order,
		       unsigned long mark, unsigned gfp);

/* The highest zone a request with @gfp may use (ignoring population). */
enum zone_type gfp_zone(unsigned gfp);

/* Return every page cached on pcp lists to the buddy free lists. */
void pcp_drain_all(void);

/* Install reclaim hooks; NULL removes them. */
void buddy_reclaim_ops_set(const struct buddy_reclaim_ops *ops);

/* Validate free lists, pcp lists and counters: 0 or -EUCLEAN. */
int buddy_check(void);

/* /proc/buddyinfo text: length written, or -ENOSPC if truncated. */
int buddy_info_format(char *buf, size_t len);

/* Read-only view of a zone for meminfo/zoneinfo; NULL if out of range. */
const struct zone *zone_get(enum zone_type type);

/* Free frames in a zone including its pcp lists. */
unsigned long zone_free_pages_total(const struct zone *zone);

/* Sums over all zones. */
unsigned long buddy_managed_pages(void);
unsigned long buddy_free_pages(void);	/* free lists + pcp lists */

/* Requests that failed in every zone since zones_init(). */
uint64_t buddy_alloc_failures(void);

/* The min_free_kbytes value zones_init() derived. */
unsigned long buddy_min_free_kbytes(void);

#endif /* MM_BUDDY_H */
