// SPDX-License-Identifier: GPL-2.0
/*
 * test_buddy.c - host tests for buddy.c: random alloc/free against a model
 * of live blocks (pattern-filled, so overlaps show), buddy_check() after
 * every step, exact restoration of the free lists, watermarks and
 * lowmem_reserve, zone fallback, reclaim hooks and the buddyinfo format.
 */
#include "mm_test.h"
#include "buddy.h"

/* Layout A: 1 MiB..40 MiB with holes, DMA and DMA32 populated. */
#define A_BASE		256
#define A_END		10240
static const struct mem_range layout_a[] = {
	{ 256, 640 }, { 700, 3000 }, { 3001, 5000 }, { 5003, 8191 },
	{ 8200, 10240 },
};

/* Layout B: all three zones; the window is 4 GiB wide, mostly untouched. */
#define B_BASE		256
#define B_END		((1UL << 20) + 4096)
static const struct mem_range layout_b[] = {
	{ 256, 3000 }, { 3500, 6000 }, { (1UL << 20) - 3000, (1UL << 20) + 4096 },
};

struct block {
	struct page *page;
	unsigned order;
	uint64_t tag;
};

#define MAX_LIVE	16384		/* enough to drain layout A page by page */
#define RANDOM_LIVE	2048		/* cap during random runs */
static struct block live[MAX_LIVE];
static int nr_live;

struct snapshot {
	unsigned long nr_free[MAX_NR_ZONES][NR_ORDERS];
	unsigned long free_pages[MAX_NR_ZONES];
	char info[1024];
};

static void layout_init(pfn_t base, pfn_t end, const struct mem_range *r, int n)
{
	t_mem_create(base, end - base);
	zones_init(r, n);
	buddy_reclaim_ops_set(NULL);
	nr_live = 0;
	T_CHECK(buddy_check());
}

static void snapshot_take(struct snapshot *s)
{
	for (int z = 0; z < MAX_NR_ZONES; z++) {
		const struct zone *zone = zone_get(z);

		s->free_pages[z] = zone->free_pages;
		for (int o = 0; o < NR_ORDERS; o++)
			s->nr_free[z][o] = zone->free_area[o].nr_free;
	}
	T_ASSERT(buddy_info_format(s->info, sizeof(s->info)) > 0);
}

static void snapshot_compare(const struct snapshot *a, const struct snapshot *b)
{
	for (int z = 0; z < MAX_NR_ZONES; z++) {
		T_ASSERT(a->free_pages[z] == b->free_pages[z]);
		for (int o = 0; o < NR_ORDERS; o++)
			T_ASSERT(a->nr_free[z][o] == b->nr_free[z][o]);
	}
	T_ASSERT(strcmp(a->info, b->info) == 0);
}

static uint64_t *block_words(const struct block *b, size_t *n)
{
	*n = (PAGE_SIZE << b->order) / sizeof(uint64_t);
	return page_address(b->page);
}

static void block_fill(struct block *b)
{
	size_t n;
	uint64_t *w = block_words(b, &n);

	for (size_t i = 0; i < n; i++)
		w[i] = b->tag ^ i;
}

static void block_verify(const struct block *b)
{
	size_t n;
	uint64_t *w = block_words(b, &n);

	for (size_t i = 0; i < n; i++)
		T_ASSERT(w[i] == (b->tag ^ i));
}

static bool block_is_zero(const struct block *b)
{
	size_t n;
	uint64_t *w = block_words(b, &n);

	for (size_t i = 0; i < n; i++)
		if (w[i])
			return false;
	return true;
}

static unsigned long live_pages(void)
{
	unsigned long n = 0;

	for (int i = 0; i < nr_live; i++)
		n += 1UL << live[i].order;
	return n;
}

/* Record a fresh allocation: check its placement and fill its pattern. */
static void live_add(struct page *page, unsigned order, unsigned gfp)
{
	pfn_t pfn = page_to_pfn(page);
	struct block *b = &live[nr_live++];

	T_ASSERT(page->refcount == 1 && page->flags == 0);
	T_ASSERT((pfn & ((1UL << order) - 1)) == 0);
	T_ASSERT(page->zone_id <= gfp_zone(gfp));
	T_ASSERT(pfn_zone_type(pfn + (1UL << order) - 1) == page->zone_id);
	b->page = page;
	b->order = order;
	b->tag = t_rand();
	if (gfp & MM_GFP_ZERO)
		T_ASSERT(block_is_zero(b));
	block_fill(b);
}

static void live_free(int i)
{
	block_verify(&live[i]);
	buddy_free(live[i].page, live[i].order);
	live[i] = live[--nr_live];
}

static void live_free_all(void)
{
	while (nr_live)
		live_free(nr_live - 1);
}

static unsigned random_order(void)
{
	uint64_t r = t_below(100);

	if (r < 50)
		return 0;
	if (r < 85)
		return 1 + (unsigned)t_below(3);
	return (unsigned)t_below(NR_ORDERS);
}

static unsigned random_gfp(void)
{
	static const unsigned gfps[] = {
		0, 0, 0, MM_GFP_KERNEL, MM_GFP_DMA32, MM_GFP_DMA, MM_GFP_HIGH,
		MM_GFP_ATOMIC, MM_GFP_ZERO, MM_GFP_DMA32 | MM_GFP_ZERO,
	};

	return gfps[t_below(MM_ARRAY_SIZE(gfps))];
}

static void random_run(int steps)
{
	unsigned long managed = buddy_managed_pages();
	int nr_ok = 0, nr_fail = 0;

	for (int step = 0; step < steps; step++) {
		bool alloc = nr_live == 0 ||
			     (nr_live < RANDOM_LIVE && t_below(100) < 55);

		if (alloc) {
			unsigned order = random_order(), gfp = random_gfp();
			struct page *page = buddy_alloc(gfp, order);

			if (page)
				live_add(page, order, gfp);
			nr_ok += page != NULL;
			nr_fail += page == NULL;
		} else {
			live_free((int)t_below((uint64_t)nr_live));
		}
		if (t_below(1000) == 0)
			pcp_drain_all();
		T_CHECK(buddy_check());
		T_ASSERT(live_pages() + buddy_free_pages() == managed);
	}
	printf("# %s: %d allocations, %d refused, %d live at end\n",
	       t_case, nr_ok, nr_fail, nr_live);
}

static void test_random(const char *name, pfn_t base, pfn_t end,
			const struct mem_range *r, int n, int steps)
{
	struct snapshot before, after;

	t_begin(name);
	layout_init(base, end, r, n);
	snapshot_take(&before);
	random_run(steps);
	live_free_all();
	pcp_drain_all();
	T_CHECK(buddy_check());
	snapshot_take(&after);
	snapshot_compare(&before, &after);
	T_ASSERT(buddy_free_pages() == buddy_managed_pages());
	t_pass();
}

/* Allocate order-0 pages with @gfp until refused; returns how many. */
static int drain_with(unsigned gfp)
{
	int n = 0;
	struct page *page;

	while (nr_live < MAX_LIVE && (page = buddy_alloc(gfp, 0))) {
		live_add(page, 0, gfp);
		n++;
	}
	T_ASSERT(nr_live < MAX_LIVE);
	T_CHECK(buddy_check());
	return n;
}

static long zone_headroom(enum zone_type z, long min, enum zone_type classzone)
{
	const struct zone *zone = zone_get(z);

	return (long)zone->free_pages - min - (long)zone->lowmem_reserve[classzone];
}

static void test_watermarks(void)
{
	const struct zone *dma = zone_get(ZONE_DMA), *dma32 = zone_get(ZONE_DMA32);
	long dma_min, dma32_min, dma_batch, dma32_batch;
	struct snapshot before, after;

	t_begin("mm.buddy.watermarks");
	layout_init(A_BASE, A_END, layout_a, MM_ARRAY_SIZE(layout_a));
	snapshot_take(&before);
	dma_min = (long)dma->watermark[WMARK_MIN];
	dma32_min = (long)dma32->watermark[WMARK_MIN];
	dma_batch = dma->pcp[0].batch;
	dma32_batch = dma32->pcp[0].batch;
	T_ASSERT(dma_min > 8 && dma32_min > 8);
	T_ASSERT(dma->lowmem_reserve[ZONE_DMA32] == dma32->managed_pages / 256);
	T_ASSERT(dma->lowmem_reserve[ZONE_DMA32] > 0);
	T_ASSERT(dma->watermark[WMARK_LOW] == (unsigned long)(dma_min + dma_min / 4));
	T_ASSERT(dma->watermark[WMARK_HIGH] == (unsigned long)(dma_min + dma_min / 2));

	/* Plain requests stop at min, and DMA keeps its lowmem reserve too. */
	T_ASSERT(drain_with(0) > 0);
	T_ASSERT(zone_headroom(ZONE_DMA32, dma32_min, ZONE_DMA32) <= 0);
	T_ASSERT(zone_headroom(ZONE_DMA32, dma32_min, ZONE_DMA32) > -dma32_batch);
	T_ASSERT(zone_headroom(ZONE_DMA, dma_min, ZONE_DMA32) <= 0);
	T_ASSERT(zone_headroom(ZONE_DMA, dma_min, ZONE_DMA32) > -dma_batch);

	/* The reserve protected DMA; a DMA request may dig down to min. */
	T_ASSERT(drain_with(MM_GFP_DMA) > 0);
	T_ASSERT(zone_headroom(ZONE_DMA, dma_min, ZONE_DMA) <= 0);
	T_ASSERT(zone_headroom(ZONE_DMA, dma_min, ZONE_DMA) > -dma_batch);
	T_ASSERT(buddy_alloc(0, 0) == NULL && buddy_alloc(MM_GFP_DMA, 0) == NULL);

	/* MM_GFP_HIGH may use half of min, MM_GFP_ATOMIC a further quarter. */
	T_ASSERT(drain_with(MM_GFP_HIGH) > 0);
	T_ASSERT(zone_headroom(ZONE_DMA32, dma32_min - dma32_min / 2, ZONE_DMA32) <= 0);
	T_ASSERT(drain_with(MM_GFP_ATOMIC) > 0);
	dma32_min -= dma32_min / 2;
	T_ASSERT(zone_headroom(ZONE_DMA32, dma32_min - dma32_min / 4, ZONE_DMA32) <= 0);
	T_ASSERT(buddy_alloc(MM_GFP_ATOMIC, 0) == NULL);

	live_free_all();
	pcp_drain_all();
	snapshot_take(&after);
	snapshot_compare(&before, &after);
	t_pass();
}

static void test_fallback(void)
{
	const struct zone *normal, *dma32;
	uint64_t fallback;
	struct page *page;

	t_begin("mm.buddy.fallback");
	layout_init(B_BASE, B_END, layout_b, MM_ARRAY_SIZE(layout_b));
	normal = zone_get(ZONE_NORMAL);
	dma32 = zone_get(ZONE_DMA32);
	T_ASSERT(zone_populated(normal) && zone_populated(dma32) &&
		 zone_populated(zone_get(ZONE_DMA)));
	page = buddy_alloc(0, 3);
	T_ASSERT(page && page->zone_id == ZONE_NORMAL);
	live_add(page, 3, 0);
	page = buddy_alloc(MM_GFP_DMA32, 0);
	T_ASSERT(page && page->zone_id == ZONE_DMA32);
	live_add(page, 0, MM_GFP_DMA32);
	page = buddy_alloc(MM_GFP_DMA, 2);
	T_ASSERT(page && page->zone_id == ZONE_DMA);
	live_add(page, 2, MM_GFP_DMA);

	/* Exhaust Normal: order-1 requests must fall back to DMA32. */
	fallback = dma32->stat.alloc_fallback;
	while ((page = buddy_alloc(0, 1)) && page->zone_id == ZONE_NORMAL)
		live_add(page, 1, 0);
	T_ASSERT(page && page->zone_id == ZONE_DMA32);
	live_add(page, 1, 0);
	T_ASSERT(dma32->stat.alloc_fallback == fallback + 1);
	T_ASSERT(dma32->lowmem_reserve[ZONE_NORMAL] == normal->managed_pages / 256);
	live_free_all();
	pcp_drain_all();
	T_CHECK(buddy_check());
	T_ASSERT(buddy_free_pages() == buddy_managed_pages());
	t_pass();
}

static int kswapd_wakeups, direct_reclaims;

static void fake_kswapd_wakeup(struct zone *classzone, unsigned order,
			       unsigned gfp)
{
	(void)classzone;
	(void)order;
	(void)gfp;
	kswapd_wakeups++;
}

/* "Reclaim" by freeing up to 64 live blocks. */
static unsigned long fake_direct_reclaim(unsigned gfp, unsigned order)
{
	unsigned long freed = 0;

	(void)gfp;
	(void)order;
	direct_reclaims++;
	for (int i = 0; i < 64 && nr_live; i++) {
		freed += 1UL << live[nr_live - 1].order;
		live_free(nr_live - 1);
	}
	return freed;
}

static void test_reclaim_hooks(void)
{
	static const struct buddy_reclaim_ops ops = {
		.kswapd_wakeup = fake_kswapd_wakeup,
		.direct_reclaim = fake_direct_reclaim,
	};
	uint64_t failures;
	struct page *page;

	t_begin("mm.buddy.reclaim_hooks");
	layout_init(A_BASE, A_END, layout_a, MM_ARRAY_SIZE(layout_a));
	buddy_reclaim_ops_set(&ops);
	kswapd_wakeups = direct_reclaims = 0;
	T_ASSERT(drain_with(0) > 0);
	do
		pcp_drain_all();	/* leave nothing for the first round */
	while (drain_with(0) > 0);
	T_ASSERT(kswapd_wakeups > 0 && direct_reclaims == 0);
	/* Without MM_GFP_RECLAIM nothing is reclaimed; with it, it succeeds. */
	failures = buddy_alloc_failures();
	T_ASSERT(buddy_alloc(MM_GFP_WAIT, 2) == NULL);
	T_ASSERT(direct_reclaims == 0 && buddy_alloc_failures() == failures + 1);
	page = buddy_alloc(MM_GFP_KERNEL, 2);
	T_ASSERT(page && direct_reclaims > 0);
	live_add(page, 2, MM_GFP_KERNEL);
	buddy_reclaim_ops_set(NULL);
	live_free_all();
	pcp_drain_all();
	T_CHECK(buddy_check());
	T_ASSERT(buddy_free_pages() == buddy_managed_pages());
	t_pass();
}

static void test_buddyinfo(void)
{
	static const struct mem_range r[] = { { 256, 257 }, { 4096, 4096 + 1024 + 3 } };
	const char *expect =
		"Node 0, zone      DMA      1      0      0      0      0      0"
		"      0      0      0      0      0 \n"
		"Node 0, zone    DMA32      1      1      0      0      0      0"
		"      0      0      0      0      1 \n";
	char buf[512], tiny[40];

	t_begin("mm.buddy.buddyinfo");
	layout_init(256, 8192, r, MM_ARRAY_SIZE(r));
	T_ASSERT(buddy_info_format(buf, sizeof(buf)) == (int)strlen(expect));
	T_ASSERT(strcmp(buf, expect) == 0);
	T_ASSERT(buddy_info_format(tiny, sizeof(tiny)) == -ENOSPC);
	T_ASSERT(strlen(tiny) == sizeof(tiny) - 1);
	/* Out-of-range orders are refused, not split. */
	T_ASSERT(buddy_alloc(0, MAX_ORDER + 1) == NULL);
	t_pass();
}

/* The validator must notice corruption, not just pass clean state. */
static void test_check_detects(void)
{
	struct zone *zone;
	struct page *page;

	t_begin("mm.buddy.check_detects");
	layout_init(A_BASE, A_END, layout_a, MM_ARRAY_SIZE(layout_a));
	zone = (struct zone *)zone_get(ZONE_DMA32);
	page = list_first_entry(&zone->free_area[MAX_ORDER].free_list,
				struct page, lru);
	fprintf(stderr, "# expect three check failures:\n");
	page->order--;
	T_ASSERT(buddy_check() == -EUCLEAN);
	page->order++;
	zone->free_area[3].nr_free++;
	T_ASSERT(buddy_check() == -EUCLEAN);
	zone->free_area[3].nr_free--;
	page[1].flags = PG_buddy;	/* a second head inside the block */
	page[1].order = 0;
	page[1].zone_id = page->zone_id;
	list_add(&page[1].lru, &zone->free_area[0].free_list);
	zone->free_area[0].nr_free++;
	zone->free_pages++;
	T_ASSERT(buddy_check() == -EUCLEAN);
	t_pass();
}

int main(void)
{
	t_seed_init(12345);
	test_buddyinfo();
	test_random("mm.buddy.random_dma_dma32", A_BASE, A_END, layout_a,
		    MM_ARRAY_SIZE(layout_a), 40000);
	test_random("mm.buddy.random_three_zones", B_BASE, B_END, layout_b,
		    MM_ARRAY_SIZE(layout_b), 20000);
	test_watermarks();
	test_fallback();
	test_reclaim_hooks();
	test_check_detects();
	return 0;
}
