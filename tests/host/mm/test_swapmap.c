// SPDX-License-Identifier: GPL-2.0
/*
 * test_swapmap.c - host tests for swapmap.c: random alloc/dup/free against
 * a model (an array of holder counts) with swapmap_check() after every
 * step, cluster locality and FIFO reuse of freed clusters, the fallback
 * scan on a fragmented device, a full device, bad pages, the holder cap,
 * and swap_readahead_window() against a brute-force window.
 */
#include "mm_test.h"
#include "swapmap.h"

static struct swapmap map;
static void *storage;
static unsigned *model;		/* holders per slot, as the map should say */
static bool *model_bad;		/* header or bad page */
static uint64_t model_inuse;

static void map_create(uint64_t nslots, const uint32_t *bad, unsigned nbad)
{
	free(storage);
	free(model);
	free(model_bad);
	storage = malloc(swapmap_storage_size(nslots));
	model = calloc(nslots, sizeof(*model));
	model_bad = calloc(nslots, sizeof(*model_bad));
	T_ASSERT(storage && model && model_bad);
	T_ASSERT(swapmap_init(&map, nslots, bad, nbad, storage) == 0);
	model_bad[0] = true;
	for (unsigned i = 0; i < nbad; i++)
		model_bad[bad[i]] = true;
	model_inuse = 0;
	T_CHECK(swapmap_check(&map));
}

static uint64_t model_usable(void)
{
	uint64_t n = 0;

	for (uint64_t s = 0; s < map.nslots; s++)
		n += !model_bad[s];
	return n;
}

/* Allocate through the map and the model; -ENOSPC exactly when full. */
static int do_alloc(uint64_t *slot)
{
	int err = swap_slot_alloc(&map, slot);

	if (model_inuse == model_usable()) {
		T_ASSERT(err == -ENOSPC);
		return err;
	}
	T_ASSERT(err == 0);
	T_ASSERT(*slot < map.nslots && !model_bad[*slot] && model[*slot] == 0);
	model[*slot] = 1;
	model_inuse++;
	return 0;
}

static void do_dup(uint64_t slot)
{
	int err = swap_slot_dup(&map, slot);

	if (slot >= map.nslots || model_bad[slot] || model[slot] == 0) {
		T_ASSERT(err == -EINVAL);
	} else if (model[slot] == SWAP_MAP_MAX) {
		T_ASSERT(err == -ERANGE);
	} else {
		T_ASSERT(err == 0);
		model[slot]++;
	}
}

static void do_free(uint64_t slot)
{
	bool freed = swap_slot_free(&map, slot);

	T_ASSERT(freed == (model[slot] == 1));
	model[slot]--;
	model_inuse -= freed;
}

static void model_compare(void)
{
	T_CHECK(swapmap_check(&map));
	T_ASSERT(swapmap_total_pages(&map) == model_usable());
	T_ASSERT(swapmap_free_pages(&map) == model_usable() - model_inuse);
}

static void model_compare_slots(void)
{
	for (uint64_t s = 0; s < map.nslots + 3; s++)
		T_ASSERT(swap_slot_count(&map, s) ==
			 (s < map.nslots && !model_bad[s] ? model[s] : 0));
}

/* A random slot currently in use, or the device size if none. */
static uint64_t random_inuse(void)
{
	if (!model_inuse)
		return map.nslots;
	for (;;) {
		uint64_t s = t_below(map.nslots);

		if (model[s])
			return s;
	}
}

static void test_init_args(void)
{
	static const uint32_t bad0[] = { 0 }, bad_hi[] = { 9, 10 }, dup[] = { 3, 3 };
	static uint64_t buf[64];

	t_begin("mm.swapmap.init_args");
	T_ASSERT(swapmap_init(&map, 0, NULL, 0, buf) == -EINVAL);
	T_ASSERT(swapmap_init(&map, 1, NULL, 0, buf) == -EINVAL);
	T_ASSERT(swapmap_init(&map, SWAPMAP_MAX_SLOTS + 1, NULL, 0, buf) == -EINVAL);
	T_ASSERT(swapmap_init(&map, 10, bad0, 1, buf) == -EINVAL);
	T_ASSERT(swapmap_init(&map, 10, bad_hi, 2, buf) == -EINVAL);
	T_ASSERT(swapmap_init(&map, 10, NULL, 1, buf) == -EINVAL);
	T_ASSERT(swapmap_init(&map, 10, NULL, 0, NULL) == -EINVAL);
	T_ASSERT(swapmap_storage_size(10) <= sizeof(buf));
	T_ASSERT(swapmap_init(&map, 10, dup, 2, buf) == 0);
	T_CHECK(swapmap_check(&map));
	T_ASSERT(swapmap_total_pages(&map) == 8);
	/* The smallest device: one usable slot. */
	map_create(2, NULL, 0);
	T_ASSERT(swapmap_total_pages(&map) == 1);
	t_pass();
}

/* Consecutive swap-outs on an empty device take consecutive slots. */
static void test_locality(void)
{
	static const uint32_t bad[] = { 300, 301, 700 };
	uint64_t slot, prev = 0;

	t_begin("mm.swapmap.locality");
	map_create(4 * SWAPFILE_CLUSTER + 100, NULL, 0);
	for (uint64_t i = 1; i <= 3 * SWAPFILE_CLUSTER; i++) {
		T_ASSERT(do_alloc(&slot) == 0);
		T_ASSERT(slot == i);
		T_CHECK(swapmap_check(&map));
	}
	/* With bad pages: strictly increasing, skipping only bad slots. */
	map_create(4 * SWAPFILE_CLUSTER, bad, MM_ARRAY_SIZE(bad));
	for (int i = 0; i < 900; i++) {
		T_ASSERT(do_alloc(&slot) == 0);
		T_ASSERT(slot > prev);
		for (uint64_t s = prev + 1; s < slot; s++)
			T_ASSERT(model_bad[s]);
		prev = slot;
	}
	model_compare();
	t_pass();
}

/* Emptied clusters are reused in the order they became empty. */
static void test_cluster_fifo(void)
{
	uint64_t slot;

	t_begin("mm.swapmap.cluster_fifo");
	map_create(5 * SWAPFILE_CLUSTER, NULL, 0);
	while (do_alloc(&slot) == 0)
		;
	T_ASSERT(swapmap_free_pages(&map) == 0 && map.nr_free_clusters == 0);
	for (uint64_t s = 2 * SWAPFILE_CLUSTER; s < 3 * SWAPFILE_CLUSTER; s++)
		do_free(s);
	for (uint64_t s = 1 * SWAPFILE_CLUSTER; s < 2 * SWAPFILE_CLUSTER; s++)
		do_free(s);
	model_compare();
	T_ASSERT(map.nr_free_clusters == 2);
	for (uint64_t i = 0; i < 2 * SWAPFILE_CLUSTER; i++) {
		uint64_t want = i < SWAPFILE_CLUSTER ? 2 * SWAPFILE_CLUSTER + i :
						       i;

		T_ASSERT(do_alloc(&slot) == 0 && slot == want);
	}
	T_ASSERT(do_alloc(&slot) == -ENOSPC);
	model_compare();
	t_pass();
}

/* No free cluster: the scan finds the holes, and only the holes. */
static void test_fallback(void)
{
	uint64_t slot, last = 4;
	int n;

	t_begin("mm.swapmap.fallback");
	map_create(3 * SWAPFILE_CLUSTER + 17, NULL, 0);
	while (do_alloc(&slot) == 0)
		;
	for (uint64_t s = 1; s < map.nslots; s += 3)
		do_free(s);
	model_compare();
	T_ASSERT(map.nr_free_clusters == 0);
	T_ASSERT(do_alloc(&slot) == 0 && slot == 1);
	T_ASSERT(do_alloc(&slot) == 0 && slot == 4);
	do_free(1);
	/* The scan resumes where it stopped; slot 1 waits for the wrap. */
	n = 1;
	while (do_alloc(&slot) == 0) {
		T_ASSERT(slot % 3 == 1 && (slot > last || slot == 1));
		T_CHECK(swapmap_check(&map));
		last = slot == 1 ? map.nslots : slot;
		n++;
	}
	T_ASSERT(last == map.nslots);
	T_ASSERT((uint64_t)n == (map.nslots - 1 + 2) / 3);
	model_compare();
	model_compare_slots();
	t_pass();
}

/* A full device, bad pages and the holder cap. */
static void test_full_and_cap(void)
{
	static const uint32_t bad[] = { 5, 17, 18, 250, 299 };
	uint64_t slot, last = 0;

	t_begin("mm.swapmap.full_and_cap");
	map_create(300, bad, MM_ARRAY_SIZE(bad));
	while (do_alloc(&slot) == 0)
		last = slot;
	T_ASSERT(model_inuse == 300 - 1 - MM_ARRAY_SIZE(bad));
	T_ASSERT(swapmap_free_pages(&map) == 0);
	do_free(42);
	T_ASSERT(do_alloc(&slot) == 0 && slot == 42);
	T_ASSERT(do_alloc(&slot) == -ENOSPC);
	for (unsigned i = 0; i < SWAP_MAP_MAX + 5; i++)
		do_dup(last);
	T_ASSERT(swap_slot_count(&map, last) == SWAP_MAP_MAX);
	do_dup(0);
	do_dup(5);
	do_dup(300);
	for (unsigned i = 0; i < SWAP_MAP_MAX - 1; i++)
		do_free(last);
	T_ASSERT(swap_slot_count(&map, last) == 1);
	model_compare();
	model_compare_slots();
	t_pass();
}

static void random_run(int steps)
{
	int nr_alloc = 0, nr_full = 0, nr_dup = 0, nr_free = 0;
	uint64_t slot;

	for (int step = 0; step < steps; step++) {
		uint64_t r = t_below(100);

		if (r < 45) {
			if (do_alloc(&slot) == 0)
				nr_alloc++;
			else
				nr_full++;
		} else if (r < 60) {
			do_dup(t_below(4) ? random_inuse() : t_below(map.nslots + 2));
			nr_dup++;
		} else if (model_inuse) {
			do_free(random_inuse());
			nr_free++;
		}
		model_compare();
		if (step % 512 == 0)
			model_compare_slots();
	}
	model_compare_slots();
	printf("# %s: %d allocs, %d refused full, %d dups, %d frees\n",
	       t_case, nr_alloc, nr_full, nr_dup, nr_free);
}

static void test_random(void)
{
	static const uint32_t bad[] = {
		1, 255, 256, 257, 511, 512, 600, 601, 602, 603, 1200, 2999, 3000,
	};
	static uint32_t all_bad[SWAPFILE_CLUSTER];

	t_begin("mm.swapmap.random");
	map_create(2, NULL, 0);
	random_run(2000);
	map_create(SWAPFILE_CLUSTER + 1, NULL, 0);
	random_run(8000);
	map_create(1000, NULL, 0);
	random_run(20000);
	map_create(3001, bad, MM_ARRAY_SIZE(bad));
	random_run(20000);
	/* A cluster with no usable slot is never handed out. */
	for (unsigned i = 0; i < SWAPFILE_CLUSTER; i++)
		all_bad[i] = SWAPFILE_CLUSTER + i;
	map_create(3 * SWAPFILE_CLUSTER, all_bad, SWAPFILE_CLUSTER);
	random_run(20000);
	t_pass();
}

/* The readahead window computed the slow way. */
static void ra_expect(uint64_t slot, unsigned max, uint64_t *first, unsigned *n)
{
	uint64_t win = 1, lo, hi, a = slot, b = slot + 1;

	while (win * 2 <= max)
		win *= 2;
	lo = slot / win * win;
	hi = MM_MIN(lo + win, map.nslots);
	while (a > lo && a - 1 > 0 && model[a - 1])
		a--;
	while (b < hi && model[b])
		b++;
	*first = a;
	*n = (unsigned)(b - a);
}

static void test_readahead(void)
{
	static const unsigned maxes[] = { 1, 2, 3, 4, 7, 8, 16, 100, 256 };
	uint64_t slot, first;
	unsigned n;
	int nr_multi = 0;

	t_begin("mm.swapmap.readahead");
	map_create(2 * SWAPFILE_CLUSTER + 40, NULL, 0);
	while (do_alloc(&slot) == 0)
		;
	for (uint64_t s = 1; s < map.nslots; s++)
		if (t_below(3) == 0)
			do_free(s);
	model_compare();
	for (uint64_t s = 0; s < map.nslots + 2; s++) {
		bool inuse = s < map.nslots && model[s];

		for (unsigned i = 0; i < MM_ARRAY_SIZE(maxes); i++) {
			uint64_t want_first;
			unsigned want_n;
			int err = swap_readahead_window(&map, s, maxes[i],
							&first, &n);

			if (!inuse) {
				T_ASSERT(err == -EINVAL);
				continue;
			}
			ra_expect(s, maxes[i], &want_first, &want_n);
			T_ASSERT(err == 0 && first == want_first && n == want_n);
			T_ASSERT(first <= s && s < first + n && n <= maxes[i]);
			nr_multi += n > 1;
		}
		if (inuse) {
			T_ASSERT(swap_readahead_window(&map, s, 0, &first, &n) == -EINVAL);
			T_ASSERT(swap_readahead_window(&map, s, SWAP_RA_PAGES_MAX + 1,
						       &first, &n) == -EINVAL);
		}
	}
	T_ASSERT(nr_multi > 0);
	/* Slot 1 on a full device: the window starts after the header. */
	map_create(64, NULL, 0);
	while (do_alloc(&slot) == 0)
		;
	T_ASSERT(swap_readahead_window(&map, 1, SWAP_RA_PAGES_DEFAULT, &first, &n) == 0);
	T_ASSERT(first == 1 && n == 7);
	T_ASSERT(swap_readahead_window(&map, 13, SWAP_RA_PAGES_DEFAULT, &first, &n) == 0);
	T_ASSERT(first == 8 && n == 8);
	T_ASSERT(swap_readahead_window(&map, 63, 16, &first, &n) == 0);
	T_ASSERT(first == 48 && n == 16);
	t_pass();
}

/* The validator must notice corruption, not just pass clean state. */
static void test_check_detects(void)
{
	uint64_t slot;

	t_begin("mm.swapmap.check_detects");
	map_create(3 * SWAPFILE_CLUSTER, NULL, 0);
	for (int i = 0; i < 10; i++)
		T_ASSERT(do_alloc(&slot) == 0);
	fprintf(stderr, "# expect four check failures:\n");
	map.map[100] = 1;		/* in use behind the counters' back */
	T_ASSERT(swapmap_check(&map) == -EUCLEAN);
	map.map[100] = 0;
	map.clusters[2].count++;
	T_ASSERT(swapmap_check(&map) == -EUCLEAN);
	map.clusters[2].count--;
	map.nr_inuse++;
	T_ASSERT(swapmap_check(&map) == -EUCLEAN);
	map.nr_inuse--;
	map.map[0] = 0;			/* the header slot became allocatable */
	T_ASSERT(swapmap_check(&map) == -EUCLEAN);
	map.map[0] = SWAP_MAP_BAD;
	T_CHECK(swapmap_check(&map));
	t_pass();
}

int main(void)
{
	t_seed_init(4242);
	test_init_args();
	test_locality();
	test_cluster_fifo();
	test_fallback();
	test_full_and_cap();
	test_random();
	test_readahead();
	test_check_detects();
	free(storage);
	free(model);
	free(model_bad);
	return 0;
}
