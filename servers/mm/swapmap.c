/*
 * swapmap.c - swap slot allocation for one swap device.
 *
 * Owns the per-slot holder counts (map[]), the cluster descriptors and the
 * free-cluster list of a struct swapmap.  Invariants, all checked by
 * swapmap_check():
 *  - map[0] and every bad page are SWAP_MAP_BAD; every other byte is a
 *    holder count 0..SWAP_MAP_MAX, and nr_inuse counts the non-zero ones;
 *  - a cluster's count is the number of in-use slots in it, its usable the
 *    number of slots in it that are not SWAP_MAP_BAD; nr_pages sums usable;
 *  - a cluster is on free_clusters (and flagged SWAP_CLUSTER_FREE) if and
 *    only if count == 0, usable > 0 and it is not the current cluster.
 */
#include "swapmap.h"

/*
 * How a slot is chosen.
 *
 * Swap-out wants consecutive slots for consecutive pages: reclaim evicts
 * pages in LRU order, which is close to the order they were faulted in, so
 * neighbouring slots tend to hold neighbouring virtual pages.  That makes
 * writes sequential and lets swap-in read a whole window of slots around
 * the faulting one in one request (swap_readahead_window()).  Linux gets
 * this from clusters, and so do we.
 *
 * The device is cut into aligned clusters of SWAPFILE_CLUSTER slots.  One
 * cluster at a time is "current" (Linux keeps one per CPU): allocation
 * walks it upwards from cpu.next and takes the first free slot, so an
 * empty cluster is handed out as 256 consecutive slots.  When the walk
 * reaches the end of the cluster, the cluster stops being current - any
 * slots freed behind the cursor are left for later - and the head of the
 * free-cluster list becomes current.  A cluster joins the tail of that list
 * when its last in-use slot is freed, so recently emptied clusters are
 * reused last, which spreads writes over the device the way Linux does.
 *
 * The header slot and bad pages simply count as unusable slots of their
 * cluster: cluster 0 is still handed out, starting at slot 1, and a cluster
 * whose slots are all bad never is.
 *
 * When no cluster is free, fragmented clusters are all that is left, and
 * allocation falls back to scanning the device from where the last scan
 * stopped (Linux's cluster_next), skipping full clusters by their count, so
 * the scan costs O(clusters + SWAPFILE_CLUSTER) at worst.
 */

static struct swap_cluster *slot_cluster(const struct swapmap *map,
					 uint64_t slot)
{
	return &map->clusters[slot / SWAPFILE_CLUSTER];
}

static bool slot_in_use(const struct swapmap *map, uint64_t slot)
{
	return slot < map->nslots && map->map[slot] != 0 &&
	       map->map[slot] != SWAP_MAP_BAD;
}

/* First slot past cluster @ci, clipped to the device. */
static uint64_t cluster_end(const struct swapmap *map, uint64_t ci)
{
	return MM_MIN((ci + 1) * SWAPFILE_CLUSTER, map->nslots);
}

static void cluster_make_free(struct swapmap *map, struct swap_cluster *c)
{
	c->flags |= SWAP_CLUSTER_FREE;
	list_add_tail(&c->list, &map->free_clusters);
	map->nr_free_clusters++;
}

static void cluster_take_free(struct swapmap *map, struct swap_cluster *c)
{
	MM_ASSERT(c->flags & SWAP_CLUSTER_FREE);
	c->flags &= ~SWAP_CLUSTER_FREE;
	list_del(&c->list);
	map->nr_free_clusters--;
}

/* Should @c be on the free list, given its state right now? */
static bool cluster_wants_free(const struct swapmap *map, uint64_t ci)
{
	const struct swap_cluster *c = &map->clusters[ci];

	return c->count == 0 && c->usable > 0 && map->cpu.index != ci;
}

static void clusters_init(struct swapmap *map)
{
	for (uint64_t ci = 0; ci < map->nclusters; ci++) {
		struct swap_cluster *c = &map->clusters[ci];
		uint64_t end = cluster_end(map, ci);

		c->count = 0;
		c->usable = 0;
		c->flags = 0;
		list_init(&c->list);
		for (uint64_t s = ci * SWAPFILE_CLUSTER; s < end; s++)
			c->usable += map->map[s] != SWAP_MAP_BAD;
		map->nr_pages += c->usable;
		if (c->usable)
			cluster_make_free(map, c);
	}
}

/* Give @slot its first holder. */
static void slot_take(struct swapmap *map, uint64_t slot)
{
	struct swap_cluster *c = slot_cluster(map, slot);

	MM_ASSERT(map->map[slot] == 0);
	if (c->flags & SWAP_CLUSTER_FREE)
		cluster_take_free(map, c);
	map->map[slot] = 1;
	c->count++;
	map->nr_inuse++;
}

/* The current cluster is used up to its end: let it go. */
static void cpu_cluster_drop(struct swapmap *map)
{
	uint64_t ci = map->cpu.index;

	map->cpu.index = SWAP_CLUSTER_NONE;
	map->cpu.next = 0;
	if (cluster_wants_free(map, ci))
		cluster_make_free(map, &map->clusters[ci]);
}

/* Next free slot of the current cluster at or after cpu.next, if any. */
static bool cpu_cluster_next(struct swapmap *map, uint64_t *slot)
{
	uint64_t base = (uint64_t)map->cpu.index * SWAPFILE_CLUSTER;
	uint64_t end = cluster_end(map, map->cpu.index);

	for (uint64_t s = base + map->cpu.next; s < end; s++) {
		if (map->map[s] == 0) {
			map->cpu.next = (uint32_t)(s - base + 1);
			*slot = s;
			return true;
		}
	}
	return false;
}

/* Allocate from the current cluster, moving to a free one as needed. */
static bool cluster_alloc(struct swapmap *map, uint64_t *slot)
{
	for (;;) {
		if (map->cpu.index == SWAP_CLUSTER_NONE) {
			struct swap_cluster *c;

			if (list_empty(&map->free_clusters))
				return false;
			c = list_first_entry(&map->free_clusters,
					     struct swap_cluster, list);
			cluster_take_free(map, c);
			map->cpu.index = (uint32_t)(c - map->clusters);
			map->cpu.next = 0;
		}
		if (cpu_cluster_next(map, slot))
			return true;
		cpu_cluster_drop(map);
	}
}

/* Fallback: first free slot from scan_next on, wrapping once. */
static bool scan_alloc(struct swapmap *map, uint64_t *slot)
{
	uint64_t ci = map->scan_next / SWAPFILE_CLUSTER;

	for (uint64_t i = 0; i <= map->nclusters; i++, ci++) {
		const struct swap_cluster *c;
		uint64_t s;

		if (ci == map->nclusters)
			ci = 0;
		c = &map->clusters[ci];
		if (c->count == c->usable)
			continue;
		s = i == 0 ? map->scan_next : ci * SWAPFILE_CLUSTER;
		for (; s < cluster_end(map, ci); s++) {
			if (map->map[s] == 0) {
				*slot = s;
				map->scan_next = s + 1 < map->nslots ? s + 1 : 1;
				return true;
			}
		}
	}
	return false;
}

size_t swapmap_storage_size(uint64_t nslots)
{
	uint64_t nclusters = (nslots + SWAPFILE_CLUSTER - 1) / SWAPFILE_CLUSTER;

	return (size_t)(nclusters * sizeof(struct swap_cluster) + nslots);
}

int swapmap_init(struct swapmap *map, uint64_t nslots, const uint32_t *bad,
		 unsigned nbad, void *storage)
{
	if (nslots < 2 || nslots > SWAPMAP_MAX_SLOTS || !storage)
		return -EINVAL;
	if (nbad && !bad)
		return -EINVAL;
	for (unsigned i = 0; i < nbad; i++)
		if (bad[i] == 0 || bad[i] >= nslots)
			return -EINVAL;
	MM_ASSERT(((uintptr_t)storage & 7) == 0);

	mm_memset(map, 0, sizeof(*map));
	map->nslots = nslots;
	map->nclusters = (nslots + SWAPFILE_CLUSTER - 1) / SWAPFILE_CLUSTER;
	map->clusters = storage;
	map->map = (uint8_t *)(map->clusters + map->nclusters);
	mm_memset(map->map, 0, nslots);
	map->map[0] = SWAP_MAP_BAD;
	for (unsigned i = 0; i < nbad; i++)
		map->map[bad[i]] = SWAP_MAP_BAD;
	list_init(&map->free_clusters);
	map->cpu.index = SWAP_CLUSTER_NONE;
	map->scan_next = 1;
	clusters_init(map);
	return 0;
}

int swap_slot_alloc(struct swapmap *map, uint64_t *slot)
{
	uint64_t s = 0;
	bool found;

	if (map->nr_inuse == map->nr_pages)
		return -ENOSPC;
	found = cluster_alloc(map, &s) || scan_alloc(map, &s);
	MM_ASSERT(found);	/* nr_inuse < nr_pages promised a free slot */
	slot_take(map, s);
	*slot = s;
	return 0;
}

int swap_slot_dup(struct swapmap *map, uint64_t slot)
{
	if (!slot_in_use(map, slot))
		return -EINVAL;
	if (map->map[slot] == SWAP_MAP_MAX)
		return -ERANGE;
	map->map[slot]++;
	return 0;
}

bool swap_slot_free(struct swapmap *map, uint64_t slot)
{
	struct swap_cluster *c;

	MM_ASSERT(slot_in_use(map, slot));
	if (--map->map[slot])
		return false;
	c = slot_cluster(map, slot);
	c->count--;
	map->nr_inuse--;
	if (cluster_wants_free(map, slot / SWAPFILE_CLUSTER))
		cluster_make_free(map, c);
	return true;
}

unsigned swap_slot_count(const struct swapmap *map, uint64_t slot)
{
	return slot_in_use(map, slot) ? map->map[slot] : 0;
}

int swap_readahead_window(const struct swapmap *map, uint64_t slot,
			  unsigned max, uint64_t *first, unsigned *n)
{
	uint64_t win, lo, hi, a, b;

	if (max == 0 || max > SWAP_RA_PAGES_MAX || !slot_in_use(map, slot))
		return -EINVAL;
	win = 1ull << (63 - __builtin_clzll(max));
	lo = slot & ~(win - 1);
	hi = MM_MIN(lo + win, map->nslots);
	a = slot;
	while (a > lo && slot_in_use(map, a - 1))
		a--;
	b = slot + 1;
	while (b < hi && slot_in_use(map, b))
		b++;
	*first = a;
	*n = (unsigned)(b - a);
	return 0;
}

/* Recount one cluster from the slot bytes and compare. */
static int cluster_check(const struct swapmap *map, uint64_t ci,
			 uint64_t *inuse, uint64_t *usable)
{
	const struct swap_cluster *c = &map->clusters[ci];
	unsigned n_inuse = 0, n_usable = 0;

	for (uint64_t s = ci * SWAPFILE_CLUSTER; s < cluster_end(map, ci); s++) {
		MM_CHECK(map->map[s] <= SWAP_MAP_MAX ||
			 map->map[s] == SWAP_MAP_BAD);
		n_usable += map->map[s] != SWAP_MAP_BAD;
		n_inuse += slot_in_use(map, s);
	}
	MM_CHECK(c->count == n_inuse && c->usable == n_usable);
	MM_CHECK(!(c->flags & ~SWAP_CLUSTER_FREE));
	MM_CHECK(!!(c->flags & SWAP_CLUSTER_FREE) == cluster_wants_free(map, ci));
	*inuse += n_inuse;
	*usable += n_usable;
	return 0;
}

static int free_list_check(const struct swapmap *map)
{
	const struct swap_cluster *c;
	size_t n;

	MM_CHECK_CALL(list_check(&map->free_clusters, map->nclusters, &n));
	MM_CHECK(n == map->nr_free_clusters);
	list_for_each_entry(c, &map->free_clusters, list) {
		MM_CHECK(c >= map->clusters &&
			 c < map->clusters + map->nclusters);
		MM_CHECK(c->flags & SWAP_CLUSTER_FREE);
	}
	return 0;
}

int swapmap_check(const struct swapmap *map)
{
	uint64_t inuse = 0, usable = 0, nr_flagged = 0;

	MM_CHECK(map->nslots >= 2 && map->nslots <= SWAPMAP_MAX_SLOTS);
	MM_CHECK(map->nclusters ==
		 (map->nslots + SWAPFILE_CLUSTER - 1) / SWAPFILE_CLUSTER);
	MM_CHECK(map->map[0] == SWAP_MAP_BAD);
	MM_CHECK(map->cpu.index == SWAP_CLUSTER_NONE ||
		 (map->cpu.index < map->nclusters &&
		  map->cpu.next <= SWAPFILE_CLUSTER));
	MM_CHECK(map->scan_next >= 1 && map->scan_next < map->nslots);
	for (uint64_t ci = 0; ci < map->nclusters; ci++) {
		MM_CHECK_CALL(cluster_check(map, ci, &inuse, &usable));
		nr_flagged += !!(map->clusters[ci].flags & SWAP_CLUSTER_FREE);
	}
	MM_CHECK(inuse == map->nr_inuse && usable == map->nr_pages);
	MM_CHECK(nr_flagged == map->nr_free_clusters);
	return free_list_check(map);
}
