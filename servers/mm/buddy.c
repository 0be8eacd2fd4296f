/*
 * buddy.c - the physical page allocator: mem_map, zones, buddy free lists,
 * per-CPU page (pcp) lists and watermarks.
 *
 * Owns mem_map and zones[].  Invariants, checked by buddy_check():
 *  - every managed frame is in exactly one of: a free block on its zone's
 *    free_area[order] list (head has PG_buddy and ->order), a pcp list, or
 *    allocated;
 *  - free blocks are naturally aligned (pfn % 2^order == 0), lie in one
 *    zone, never overlap, and no two buddies are free at the same order
 *    (they would have been merged);
 *  - zone->free_pages and free_area[].nr_free equal what the lists hold;
 *    pcp->count equals its list length and stays below pcp->high.
 * Frames on pcp lists are free but do not count in zone->free_pages, as on
 * Linux; the watermark check therefore sees only the buddy lists.
 *
 * With MM_DEBUG, freed blocks are filled with BUDDY_POISON and the poison is
 * verified when the block is handed out again, catching writes after free.
 *
 * Lock order: none yet (the server is single-threaded); zone->lock will
 * protect free_area and free_pages, pcp lists stay per CPU.
 */
#include "buddy.h"

#define BUDDY_POISON	0xaa		/* Linux's PAGE_POISON */

struct page *mem_map;
pfn_t mem_map_base;
pfn_t mem_map_npages;
uintptr_t mm_physmap_base;

static struct zone zones[MAX_NR_ZONES];
static const char *const zone_names[MAX_NR_ZONES] = {
	[ZONE_DMA] = "DMA",
	[ZONE_DMA32] = "DMA32",
	[ZONE_NORMAL] = "Normal",
};

/*
 * Linux's default sysctl_lowmem_reserve_ratio for x86-64: a DMA or DMA32
 * zone keeps back 1/256 of the pages of the zones above it from requests
 * that could have used those zones.  The NORMAL entry is unused (nothing
 * lies above it) but kept for the table's sake.
 */
static const unsigned int lowmem_reserve_ratio[MAX_NR_ZONES] = {
	[ZONE_DMA] = 256,
	[ZONE_DMA32] = 256,
	[ZONE_NORMAL] = 32,
};

static struct buddy_reclaim_ops reclaim_ops;
static unsigned long min_free_kbytes;
static uint64_t alloc_failures;

static unsigned int mm_cpu_id(void)
{
	return 0;
}

/* ------------------------------------------------------------------ */
/* mem_map and debug poisoning                                         */
/* ------------------------------------------------------------------ */

void mem_map_init(pfn_t base_pfn, pfn_t npages, struct page *storage)
{
	mem_map = storage;
	mem_map_base = base_pfn;
	mem_map_npages = npages;
	for (pfn_t i = 0; i < npages; i++) {
		struct page *page = &storage[i];

		mm_memset(page, 0, sizeof(*page));
		page->flags = PG_reserved;
		page->zone_id = (uint8_t)pfn_zone_type(base_pfn + i);
		list_init(&page->lru);
	}
}

#ifdef MM_DEBUG
static void block_poison(struct page *page, unsigned int order)
{
	mm_memset(page_address(page), BUDDY_POISON, PAGE_SIZE << order);
}

static void block_poison_verify(struct page *page, unsigned int order)
{
	const uint64_t *p = page_address(page);
	size_t words = (PAGE_SIZE << order) / sizeof(*p);

	for (size_t i = 0; i < words; i++)
		MM_ASSERT(p[i] == 0xaaaaaaaaaaaaaaaaULL);
}
#else
static void block_poison(struct page *page, unsigned int order)
{
	(void)page;
	(void)order;
}

static void block_poison_verify(struct page *page, unsigned int order)
{
	(void)page;
	(void)order;
}
#endif

/* ------------------------------------------------------------------ */
/* Free lists                                                          */
/* ------------------------------------------------------------------ */

static void free_area_add(struct zone *zone, struct page *page,
			  unsigned int order, bool zeroed)
{
	page->flags = PG_buddy | (zeroed ? PG_zero : 0);
	page->order = (uint8_t)order;
	list_add(&page->lru, &zone->free_area[order].free_list);
	zone->free_area[order].nr_free++;
	zone->free_pages += 1UL << order;
}

static void free_area_del(struct zone *zone, struct page *page,
			  unsigned int order)
{
	MM_ASSERT(page_has(page, PG_buddy) && page->order == order);
	list_del(&page->lru);
	page_clear(page, PG_buddy);
	zone->free_area[order].nr_free--;
	zone->free_pages -= 1UL << order;
}

/* Is the block of @order at @pfn a whole free block of @zone? */
static bool buddy_block_is_free(const struct zone *zone, pfn_t pfn,
				unsigned int order)
{
	const struct page *page;

	if (!pfn_valid(pfn))
		return false;
	page = pfn_to_page(pfn);
	return page_has(page, PG_buddy) && page->order == order &&
	       page->zone_id == zone->id;
}

/*
 * Buddy coalescing.
 *
 * A free block of order k covers 2^k frames starting at a pfn that is a
 * multiple of 2^k.  Each such block has exactly one buddy: the other half
 * of the order-(k+1) block containing it.  The two halves differ only in bit
 * k of their start pfn, so buddy_pfn = pfn ^ (1 << k), and the merged block
 * starts at pfn & buddy_pfn, the same pfn with bit k cleared.
 *
 * Freeing therefore climbs the orders: while the buddy is itself a whole
 * free block of the same order in the same zone, take it off its free list
 * and carry on with the merged block one order up.  The climb stops at
 * MAX_ORDER, at a buddy outside mem_map or in another zone, or at a buddy
 * that is allocated, on a pcp list, reserved, or free but split at another
 * order (its head's ->order differs, or it is not a head at all).  Only a
 * free block's head carries PG_buddy and the order, so each step is one
 * descriptor test and a free costs O(MAX_ORDER).
 *
 * The result is the invariant buddy_check() verifies: no two buddies are
 * free at the same order.  With natural alignment this makes the free lists
 * a function of the set of free frames alone, not of the history that led
 * there, which is what lets tests compare free lists before and after a
 * long random run.  A merged block is known-zero only if both halves were.
 */
static void buddy_free_block(struct zone *zone, struct page *page,
			     unsigned int order, bool zeroed)
{
	pfn_t pfn = page_to_pfn(page);

	MM_ASSERT((pfn & ((1UL << order) - 1)) == 0);
	page->flags = 0;
	while (order < MAX_ORDER) {
		pfn_t buddy_pfn = pfn ^ (1UL << order);
		struct page *buddy;

		if (!buddy_block_is_free(zone, buddy_pfn, order))
			break;
		buddy = pfn_to_page(buddy_pfn);
		zeroed = zeroed && page_has(buddy, PG_zero);
		free_area_del(zone, buddy, order);
		buddy->flags = 0;
		pfn &= buddy_pfn;
		order++;
	}
	page = pfn_to_page(pfn);
	free_area_add(zone, page, order, zeroed);
}

/*
 * Split a block of order @high, already off its list, down to @low: the
 * upper half of each split goes back on the free list one order lower
 * (Linux's expand()).  Halves inherit the block's known-zero state.
 */
static void buddy_block_split(struct zone *zone, struct page *page,
			      unsigned int low, unsigned int high, bool zeroed)
{
	while (high > low) {
		high--;
		free_area_add(zone, page + (1UL << high), high, zeroed);
	}
}

/* Take the smallest free block of at least @order and split it to fit. */
static struct page *buddy_take_smallest(struct zone *zone, unsigned int order)
{
	for (unsigned int o = order; o <= MAX_ORDER; o++) {
		struct free_area *area = &zone->free_area[o];
		struct page *page;
		bool zeroed;

		if (list_empty(&area->free_list))
			continue;
		page = list_first_entry(&area->free_list, struct page, lru);
		zeroed = page_has(page, PG_zero);
		free_area_del(zone, page, o);
		buddy_block_split(zone, page, order, o, zeroed);
		page->flags = zeroed ? PG_zero : 0;
		return page;
	}
	return NULL;
}

/* ------------------------------------------------------------------ */
/* Per-CPU page lists                                                  */
/* ------------------------------------------------------------------ */

static void pcp_drain(struct zone *zone, struct pcp_list *pcp, int nr)
{
	if (nr <= 0 || pcp->count == 0)
		return;
	zone->stat.pcp_drain++;
	while (nr-- > 0 && !list_empty(&pcp->list)) {
		struct page *page = list_last_entry(&pcp->list, struct page, lru);

		list_del(&page->lru);
		pcp->count--;
		buddy_free_block(zone, page, 0, page_has(page, PG_zero));
	}
}

static void pcp_refill(struct zone *zone, struct pcp_list *pcp)
{
	zone->stat.pcp_refill++;
	for (int i = 0; i < pcp->batch; i++) {
		struct page *page = buddy_take_smallest(zone, 0);

		if (!page)
			break;
		list_add_tail(&page->lru, &pcp->list);
		pcp->count++;
	}
}

static struct page *pcp_alloc(struct zone *zone, struct pcp_list *pcp)
{
	struct page *page;

	if (list_empty(&pcp->list))
		pcp_refill(zone, pcp);
	if (list_empty(&pcp->list))
		return NULL;
	page = list_first_entry(&pcp->list, struct page, lru);
	list_del(&page->lru);
	pcp->count--;
	return page;
}

static void pcp_free(struct zone *zone, struct pcp_list *pcp,
		     struct page *page)
{
	list_add(&page->lru, &pcp->list);
	pcp->count++;
	if (pcp->count >= pcp->high)
		pcp_drain(zone, pcp, pcp->batch);
}

static unsigned long rounddown_pow_of_two(unsigned long n)
{
	return 1UL << (63 - __builtin_clzl(n));
}

/*
 * Batch size as Linux's zone_batchsize(): about a quarter of a thousandth
 * of the zone, at most 1 MiB worth before the quarter, rounded to 2^n - 1
 * (to spread cache colours); high is 6 * batch (the classic pcp "high").
 */
static void zone_pcp_setup(struct zone *zone)
{
	unsigned long batch = zone->managed_pages / 1024;

	batch = MM_MIN(batch, (1UL << 20) / PAGE_SIZE) / 4;
	if (batch < 1)
		batch = 1;
	batch = rounddown_pow_of_two(batch + batch / 2) - 1;
	if (batch < 1)
		batch = 1;
	for (int cpu = 0; cpu < NR_CPUS; cpu++) {
		zone->pcp[cpu].batch = (int)batch;
		zone->pcp[cpu].high = (int)(6 * batch);
	}
}

void pcp_drain_all(void)
{
	for (int z = 0; z < MAX_NR_ZONES; z++)
		for (int cpu = 0; cpu < NR_CPUS; cpu++)
			pcp_drain(&zones[z], &zones[z].pcp[cpu],
				  zones[z].pcp[cpu].count);
}

/* ------------------------------------------------------------------ */
/* Boot: zones, watermarks, lowmem reserves                            */
/* ------------------------------------------------------------------ */

static uint64_t int_sqrt(uint64_t x)
{
	uint64_t r = 0, bit = 1ULL << 62;

	while (bit > x)
		bit >>= 2;
	while (bit) {
		if (x >= r + bit) {
			x -= r + bit;
			r = (r >> 1) + bit;
		} else {
			r >>= 1;
		}
		bit >>= 2;
	}
	return r;
}

/*
 * Watermarks, as Linux's calculate_min_free_kbytes() and the classic
 * __setup_per_zone_wmarks():
 *   min_free_kbytes = sqrt(lowmem_kbytes * 16), clamped to [128, 65536]
 *   (all zones count as lowmem on x86-64); each zone gets a share of it
 *   proportional to its managed pages as WMARK_MIN, then
 *   low = min + min/4 and high = min + min/2.
 * We ignore watermark_scale_factor (newer kernels use the larger of min/4
 * and 0.1% of the zone for the low/high gaps): at our sizes min/4 is the
 * larger anyway up to a few GiB.
 */
static void zones_watermarks_setup(void)
{
	unsigned long lowmem = buddy_managed_pages();
	uint64_t kbytes = (uint64_t)lowmem << (PAGE_SHIFT - 10);
	unsigned long pages_min;

	min_free_kbytes = (unsigned long)int_sqrt(kbytes * 16);
	min_free_kbytes = MM_MAX(min_free_kbytes, 128UL);
	min_free_kbytes = MM_MIN(min_free_kbytes, 65536UL);
	pages_min = min_free_kbytes >> (PAGE_SHIFT - 10);
	for (int z = 0; z < MAX_NR_ZONES && lowmem; z++) {
		struct zone *zone = &zones[z];
		unsigned long tmp = (unsigned long)
			((uint64_t)pages_min * zone->managed_pages / lowmem);

		zone->watermark[WMARK_MIN] = tmp;
		zone->watermark[WMARK_LOW] = tmp + tmp / 4;
		zone->watermark[WMARK_HIGH] = tmp + tmp / 2;
	}
}

/*
 * lowmem_reserve as Linux's setup_per_zone_lowmem_reserve(): zone i keeps
 * back (managed pages of zones i+1..j) / ratio[i] from requests whose
 * classzone is j.  So DMA is shielded from DMA32- and NORMAL-capable
 * requests, DMA32 from NORMAL-capable ones, each by a margin that grows
 * with the memory those requests could have used instead.
 */
static void zones_lowmem_reserve_setup(void)
{
	for (int i = 0; i < MAX_NR_ZONES; i++) {
		unsigned long upper = 0;

		for (int j = 0; j <= i; j++)
			zones[i].lowmem_reserve[j] = 0;
		for (int j = i + 1; j < MAX_NR_ZONES; j++) {
			upper += zones[j].managed_pages;
			zones[i].lowmem_reserve[j] =
				upper / lowmem_reserve_ratio[i];
		}
	}
}

static void zones_reset(void)
{
	for (int z = 0; z < MAX_NR_ZONES; z++) {
		struct zone *zone = &zones[z];

		mm_memset(zone, 0, sizeof(*zone));
		zone->name = zone_names[z];
		zone->id = (enum zone_type)z;
		zone->start_pfn = ~(pfn_t)0;
		for (int o = 0; o < NR_ORDERS; o++)
			list_init(&zone->free_area[o].free_list);
		for (int cpu = 0; cpu < NR_CPUS; cpu++)
			list_init(&zone->pcp[cpu].list);
	}
	alloc_failures = 0;
}

static pfn_t zone_end_pfn_of(pfn_t pfn)
{
	if (pfn < ZONE_DMA_END_PFN)
		return ZONE_DMA_END_PFN;
	if (pfn < ZONE_DMA32_END_PFN)
		return ZONE_DMA32_END_PFN;
	return ~(pfn_t)0;
}

/* Largest naturally aligned order at @pfn that fits below @limit. */
static unsigned int block_order_fit(pfn_t pfn, pfn_t limit)
{
	unsigned int order = pfn ? (unsigned int)__builtin_ctzll(pfn) : MAX_ORDER;

	order = MM_MIN(order, (unsigned int)MAX_ORDER);
	while (pfn + (1UL << order) > limit)
		order--;
	return order;
}

/* Release one boot block: claim its frames, then free it with coalescing. */
static void zone_block_release(pfn_t pfn, unsigned int order)
{
	struct page *page = pfn_to_page(pfn);
	struct zone *zone = &zones[page->zone_id];

	for (pfn_t i = 0; i < (1UL << order); i++) {
		MM_ASSERT(page_has(&page[i], PG_reserved));	/* given twice? */
		page[i].flags = 0;
	}
	zone->managed_pages += 1UL << order;
	zone->start_pfn = MM_MIN(zone->start_pfn, pfn);
	zone->end_pfn = MM_MAX(zone->end_pfn, pfn + (1UL << order));
	block_poison(page, order);
	buddy_free_block(zone, page, order, false);
}

static void zone_range_add(pfn_t start, pfn_t end)
{
	pfn_t pfn = start;

	if (start >= end)
		return;
	MM_ASSERT(pfn_valid(start) && pfn_valid(end - 1));
	while (pfn < end) {
		pfn_t limit = MM_MIN(end, zone_end_pfn_of(pfn));
		unsigned int order = block_order_fit(pfn, limit);

		zone_block_release(pfn, order);
		pfn += 1UL << order;
	}
}

void zones_init(const struct mem_range *free_ranges, int n)
{
	zones_reset();
	for (int i = 0; i < n; i++)
		zone_range_add(free_ranges[i].start, free_ranges[i].end);
	zones_watermarks_setup();
	zones_lowmem_reserve_setup();
	for (int z = 0; z < MAX_NR_ZONES; z++) {
		if (!zone_populated(&zones[z]))
			zones[z].start_pfn = zones[z].end_pfn = 0;
		zone_pcp_setup(&zones[z]);
	}
}

/* ------------------------------------------------------------------ */
/* Allocation                                                          */
/* ------------------------------------------------------------------ */

enum zone_type gfp_zone(unsigned gfp)
{
	if (gfp & MM_GFP_DMA)
		return ZONE_DMA;
	if (gfp & MM_GFP_DMA32)
		return ZONE_DMA32;
	return ZONE_NORMAL;
}

/*
 * The classzone whose lowmem_reserve applies: the highest *populated* zone
 * the request may use.  On a machine with no memory above 4 GiB a plain
 * request is really a DMA32 request, and DMA must still be shielded from it
 * (Linux instead clears the reserve for empty upper zones; indexing by the
 * highest populated zone gives the protection that reserve was meant for).
 */
static enum zone_type gfp_classzone(unsigned gfp)
{
	int z = (int)gfp_zone(gfp);

	while (z > 0 && !zone_populated(&zones[z]))
		z--;
	return (enum zone_type)z;
}

/*
 * As Linux's __zone_watermark_ok(): MM_GFP_HIGH may use half of the min
 * reserve, a non-blocking high-priority request (MM_GFP_ATOMIC) a further
 * quarter.  The free count must stay above mark + lowmem_reserve after the
 * allocation, and a block of at least @order must actually exist.
 */
bool zone_watermark_ok(const struct zone *zone, unsigned order,
		       unsigned long mark, unsigned gfp)
{
	long free = (long)zone->free_pages - ((1L << order) - 1);
	long min = (long)mark;

	if (gfp & MM_GFP_HIGH) {
		min -= min / 2;
		if (gfp & MM_GFP_NOBLOCK)
			min -= min / 4;
	}
	if (free <= min + (long)zone->lowmem_reserve[gfp_classzone(gfp)])
		return false;
	if (order == 0)
		return true;
	for (unsigned int o = order; o <= MAX_ORDER; o++)
		if (zone->free_area[o].nr_free)
			return true;
	return false;
}

static struct page *zone_rmqueue(struct zone *zone, unsigned int order)
{
	if (order == 0)
		return pcp_alloc(zone, &zone->pcp[mm_cpu_id()]);
	return buddy_take_smallest(zone, order);
}

/* Try each zone of the zonelist (classzone down to DMA) against @wmark. */
static struct page *zonelist_alloc(unsigned gfp, unsigned int order,
				   enum zone_wmark wmark)
{
	enum zone_type classzone = gfp_classzone(gfp);

	for (int z = (int)gfp_zone(gfp); z >= 0; z--) {
		struct zone *zone = &zones[z];
		struct page *page;

		if (!zone_populated(zone))
			continue;
		if (!zone_watermark_ok(zone, order, zone->watermark[wmark], gfp)) {
			zone->stat.wmark_fail++;
			continue;
		}
		page = zone_rmqueue(zone, order);
		if (!page)
			continue;
		zone->stat.alloc++;
		if ((enum zone_type)z != classzone)
			zone->stat.alloc_fallback++;
		return page;
	}
	return NULL;
}

/*
 * Direct reclaim: the single place later work plugs page reclaim into.
 * Each round drains the pcp lists (pages freed by reclaim may sit there)
 * and retries at the min watermark; the first round drains only, later
 * rounds run the reclaimer first and stop when it makes no progress.
 */
static struct page *buddy_alloc_reclaim(unsigned gfp, unsigned int order)
{
	struct page *page = NULL;

	for (int i = 0; !page && i <= BUDDY_RECLAIM_RETRIES; i++) {
		if (i > 0 && (!reclaim_ops.direct_reclaim ||
			      !reclaim_ops.direct_reclaim(gfp, order)))
			break;
		pcp_drain_all();
		page = zonelist_alloc(gfp, order, WMARK_MIN);
	}
	return page;
}

/* Slow path: wake kswapd, retry at min, then reclaim if allowed. */
static struct page *buddy_alloc_slow(unsigned gfp, unsigned int order)
{
	struct page *page;

	if (reclaim_ops.kswapd_wakeup)
		reclaim_ops.kswapd_wakeup(&zones[gfp_classzone(gfp)], order, gfp);
	page = zonelist_alloc(gfp, order, WMARK_MIN);
	if (!page && (gfp & MM_GFP_RECLAIM))
		page = buddy_alloc_reclaim(gfp, order);
	return page;
}

/* Turn a free block into an allocated one (Linux's prep_new_page). */
static void page_prep_new(struct page *page, unsigned int order, unsigned gfp)
{
	bool zeroed = page_has(page, PG_zero);

	MM_ASSERT(page->refcount == 0 && page->mapcount == 0);
	MM_ASSERT(!(page->flags & ~(uint32_t)PG_zero));
	if (!zeroed)
		block_poison_verify(page, order);
	if ((gfp & MM_GFP_ZERO) && !zeroed)
		mm_memset(page_address(page), 0, PAGE_SIZE << order);
	page->flags = 0;
	page->refcount = 1;
	page->order = (uint8_t)order;
	page->owner = NULL;
	page->index = 0;
	page->private = 0;
	list_init(&page->lru);
}

struct page *buddy_alloc(unsigned gfp, unsigned order)
{
	struct page *page;

	if (order > MAX_ORDER)
		return NULL;
	page = zonelist_alloc(gfp, order, WMARK_LOW);
	if (!page)
		page = buddy_alloc_slow(gfp, order);
	if (!page) {
		alloc_failures++;
		return NULL;
	}
	page_prep_new(page, order, gfp);
	return page;
}

void buddy_free(struct page *page, unsigned order)
{
	pfn_t pfn = page_to_pfn(page);
	struct zone *zone = &zones[page->zone_id];

	MM_ASSERT(order <= MAX_ORDER);
	MM_ASSERT((pfn & ((1UL << order) - 1)) == 0);
	MM_ASSERT(pfn_valid(pfn) && pfn_valid(pfn + (1UL << order) - 1));
	MM_ASSERT(!(page->flags & (PG_buddy | PG_reserved | PG_slab | PG_lru)));
	MM_ASSERT(page->refcount <= 1 && page->mapcount == 0);
	page->refcount = 0;
	page->flags = 0;
	page->owner = NULL;
	block_poison(page, order);
	zone->stat.free++;
	if (order == 0)
		pcp_free(zone, &zone->pcp[mm_cpu_id()], page);
	else
		buddy_free_block(zone, page, order, false);
}

void buddy_reclaim_ops_set(const struct buddy_reclaim_ops *ops)
{
	if (ops)
		reclaim_ops = *ops;
	else
		mm_memset(&reclaim_ops, 0, sizeof(reclaim_ops));
}

/* ------------------------------------------------------------------ */
/* Validation                                                          */
/* ------------------------------------------------------------------ */

/* Is @pfn covered by a free block of order > @order (i.e. overlapped)? */
static bool pfn_in_larger_free_block(pfn_t pfn, unsigned int order)
{
	for (unsigned int o = order + 1; o <= MAX_ORDER; o++) {
		pfn_t head = pfn & ~((1UL << o) - 1);

		if (pfn_valid(head) && page_has(pfn_to_page(head), PG_buddy) &&
		    pfn_to_page(head)->order == o)
			return true;
	}
	return false;
}

static int free_block_check(const struct zone *zone, const struct page *page,
			    unsigned int order)
{
	pfn_t pfn = page_to_pfn(page);
	pfn_t npages = 1UL << order;

	MM_CHECK(page >= mem_map && page < mem_map + mem_map_npages);
	MM_CHECK(pfn_valid(pfn + npages - 1));
	MM_CHECK((pfn & (npages - 1)) == 0);
	MM_CHECK(page->zone_id == zone->id);
	MM_CHECK((page->flags & ~(uint32_t)PG_zero) == PG_buddy);
	MM_CHECK(page->order == order);
	MM_CHECK(page->refcount == 0 && page->mapcount == 0);
	MM_CHECK(pfn >= zone->start_pfn && pfn + npages <= zone->end_pfn);
	MM_CHECK(order == MAX_ORDER ||
		 !buddy_block_is_free(zone, pfn ^ npages, order));
	MM_CHECK(!pfn_in_larger_free_block(pfn, order));
	return 0;
}

static int free_area_check(const struct zone *zone, unsigned int order,
			   unsigned long *pages)
{
	const struct free_area *area = &zone->free_area[order];
	const struct page *page;
	size_t n;

	MM_CHECK_CALL(list_check(&area->free_list, zone->managed_pages, &n));
	MM_CHECK(n == area->nr_free);
	list_for_each_entry(page, &area->free_list, lru)
		MM_CHECK_CALL(free_block_check(zone, page, order));
	*pages = (unsigned long)n << order;
	return 0;
}

static int pcp_check(const struct zone *zone, const struct pcp_list *pcp)
{
	const struct page *page;
	size_t n;

	MM_CHECK_CALL(list_check(&pcp->list, zone->managed_pages, &n));
	MM_CHECK(n == (size_t)pcp->count);
	MM_CHECK(pcp->count < pcp->high || pcp->count == 0);
	list_for_each_entry(page, &pcp->list, lru) {
		MM_CHECK(page >= mem_map && page < mem_map + mem_map_npages);
		MM_CHECK(page->zone_id == zone->id);
		MM_CHECK((page->flags & ~(uint32_t)PG_zero) == 0);
		MM_CHECK(page->refcount == 0 && page->mapcount == 0);
		MM_CHECK(!pfn_in_larger_free_block(page_to_pfn(page), 0));
	}
	return 0;
}

static int zone_check(const struct zone *zone)
{
	unsigned long free = 0, pcp = 0;

	for (unsigned int o = 0; o <= MAX_ORDER; o++) {
		unsigned long pages;

		MM_CHECK_CALL(free_area_check(zone, o, &pages));
		free += pages;
	}
	MM_CHECK(free == zone->free_pages);
	for (int cpu = 0; cpu < NR_CPUS; cpu++) {
		MM_CHECK_CALL(pcp_check(zone, &zone->pcp[cpu]));
		pcp += (unsigned long)zone->pcp[cpu].count;
	}
	MM_CHECK(free + pcp <= zone->managed_pages);
	MM_CHECK(zone->watermark[WMARK_MIN] <= zone->watermark[WMARK_LOW]);
	MM_CHECK(zone->watermark[WMARK_LOW] <= zone->watermark[WMARK_HIGH]);
	return 0;
}

int buddy_check(void)
{
	for (int z = 0; z < MAX_NR_ZONES; z++)
		MM_CHECK_CALL(zone_check(&zones[z]));
	return 0;
}

/* ------------------------------------------------------------------ */
/* Reporting                                                           */
/* ------------------------------------------------------------------ */

/* Linux: "Node %d, zone %8s " then "%6lu " per order, then a newline. */
int buddy_info_format(char *buf, size_t len)
{
	struct mm_buf b;

	mm_buf_init(&b, buf, len);
	for (int z = 0; z < MAX_NR_ZONES; z++) {
		const struct zone *zone = &zones[z];

		if (!zone_populated(zone))
			continue;
		mm_buf_puts(&b, "Node 0, zone ");
		mm_buf_puts_w(&b, zone->name, 8);
		mm_buf_putc(&b, ' ');
		for (unsigned int o = 0; o <= MAX_ORDER; o++) {
			mm_buf_putu_w(&b, zone->free_area[o].nr_free, 6);
			mm_buf_putc(&b, ' ');
		}
		mm_buf_putc(&b, '\n');
	}
	return mm_buf_finish(&b);
}

const struct zone *zone_get(enum zone_type type)
{
	if ((unsigned int)type >= MAX_NR_ZONES)
		return NULL;
	return &zones[type];
}

unsigned long zone_free_pages_total(const struct zone *zone)
{
	unsigned long n = zone->free_pages;

	for (int cpu = 0; cpu < NR_CPUS; cpu++)
		n += (unsigned long)zone->pcp[cpu].count;
	return n;
}

unsigned long buddy_managed_pages(void)
{
	unsigned long n = 0;

	for (int z = 0; z < MAX_NR_ZONES; z++)
		n += zones[z].managed_pages;
	return n;
}

unsigned long buddy_free_pages(void)
{
	unsigned long n = 0;

	for (int z = 0; z < MAX_NR_ZONES; z++)
		n += zone_free_pages_total(&zones[z]);
	return n;
}

uint64_t buddy_alloc_failures(void)
{
	return alloc_failures;
}

unsigned long buddy_min_free_kbytes(void)
{
	return min_free_kbytes;
}
