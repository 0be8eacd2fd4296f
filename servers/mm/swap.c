/*
 * swap.c - the swap device, the swap cache, and moving pages to and from
 * the disk.
 *
 * The device.  init's launcher hands mm blk's all-memory session
 * (MM_SWAP_OFFER); right after replying, mm reads the first page of the
 * disk that `swap=N` on the kernel command line names, checks it as a
 * Linux swap header (swaphdr.c) and lays a slot map over the device
 * (swapmap.c).  A missing or corrupt header is reported in one line and mm
 * runs on without swap.  Slot s is the 4 KiB at byte s * 4096 of the disk.
 *
 * Swap entries.  A page that has been swapped out is recorded where it was
 * mapped, in mm's own page map: the entry becomes PME_SWAP with the slot in
 * the frame field.  The kernel's page tables hold nothing for it (the
 * kernel never needs to know what a non-present page is), so the next
 * access faults to mm as any absent page does, and fault_fill() finds the
 * slot.  Every such entry is one holder of its slot (swapmap counts).
 *
 * The swap cache.  A page that has a slot and is still in memory - being
 * written out, just read in, or read in by readahead - is in the swap
 * cache: PG_swapcache, page->private = slot, found by slot through a hash
 * table chained through page->index (unused by private anonymous pages).
 * The cache holds one reference to the page and one holder of the slot.
 * So a page shared by several processes after fork is read once: the
 * second process to fault finds it in the cache.  While a page is in the
 * cache its data equals the slot's, so it is mapped read-only; the first
 * write fault by its only mapper takes it out of the cache (freeing the
 * slot: the disk copy is about to be stale) and maps it writable.  A clean
 * cache page can be dropped by reclaim without any I/O.
 *
 * I/O is synchronous: mm waits on blk, which never waits on mm (ipc/blk.h),
 * and pages move zero-copy with BLK_READV/BLK_WRITEV naming frames.
 */
#include <string.h>
#include <stdlib.h>
#include <ipc/blk.h>
#include "mm.h"
#include "swapmap.h"
#include "swaphdr.h"
#include "lru.h"

#define SECTORS_PER_PAGE	(PAGE_SIZE / BLK_SECTOR_SIZE)
#define SWAP_HASH		4096		/* buckets; a power of two */
#define RA_MIN			SWAP_RA_PAGES_DEFAULT
#define RA_MAX			BLK_SG_MAX

#define IO_ERRORS_LOGGED	8

struct swap_dev {
	bool on;
	bool gone;			/* blk died: no new slots */
	uint64_t session;		/* blk's all-memory session handle */
	unsigned disk;
	struct swapmap map;
	uint64_t last_slot;		/* last swap-in fault, for readahead */
	unsigned ra_pages;		/* current readahead window */
};

static struct swap_dev swp;
static bool offered;			/* MM_SWAP_OFFER is taken once */
uint64_t mm_blk_session;		/* blk's all-memory session, for swap
					 * and the page cache (file.c) */
static struct page *swap_hash[SWAP_HASH];
static struct swaphdr hdr;

/* Can reclaim swap pages out? */
bool swap_enabled(void)
{
	return swp.on && !swp.gone;
}

uint64_t swap_total_pages(void)
{
	return swp.on ? swapmap_total_pages(&swp.map) : 0;
}

uint64_t swap_free_pages(void)
{
	return swp.on ? swapmap_free_pages(&swp.map) : 0;
}

/* ---- the device ---- */

/* Move n whole pages to or from the disk at slot first: 0 or -errno. */
static int swap_io(unsigned label, uint64_t session, unsigned disk,
		   uint64_t first, struct page **pages, unsigned n)
{
	uint64_t addr[BLK_SG_MAX];
	struct ipc_msg m = { 0 };

	MM_ASSERT(n >= 1 && n <= BLK_SG_MAX);
	for (unsigned i = 0; i < n; i++)
		addr[i] = page_to_phys(pages[i]);
	m.w[0] = disk;
	m.w[1] = first * SECTORS_PER_PAGE;
	m.w[2] = n;
	return (int)ipc_request(session, label, 3, &m, addr,
				(unsigned)(n * sizeof(addr[0])));
}

/*
 * A swap read or write failed: count it, say so (the first few times),
 * and if blk itself is gone (its endpoint is dead) take no new slots:
 * pages already out stay readable only if it comes back, which it does
 * not, so their faults get SIGBUS, and reclaim stops trying to write.
 */
static void swap_io_failed(const char *what, unsigned n, uint64_t slot,
			   int err)
{
	if (mm_stats.swap_io_error++ < IO_ERRORS_LOGGED)
		mm_log("mm: swap: %s of %u pages at slot %lu failed (%d)%s\n",
		       what, n, (unsigned long)slot, err,
		       mm_stats.swap_io_error == IO_ERRORS_LOGGED ?
		       "; not logging more" : "");
	if (err == -EPIPE && !swp.gone) {
		swp.gone = true;
		mm_log("mm: swap: the block driver is gone; no more "
		       "swap-out\n");
	}
}

/* The disk swap=N names, or -1. */
static int swap_disk_wanted(void)
{
	const char *s = strstr(mm_boot.cmdline, "swap=");

	while (s && s != mm_boot.cmdline && s[-1] != ' ')
		s = strstr(s + 1, "swap=");
	if (!s || s[5] < '0' || s[5] > '9')
		return -1;
	return (int)strtoul(s + 5, NULL, 10);
}

static int swap_setup(uint64_t session, unsigned disk)
{
	struct ipc_msg m = { 0 };
	uint64_t pages, bytes;
	struct page *p, *store;
	const char *why;
	unsigned order = 0;
	int err;

	m.w[0] = disk;
	err = (int)ipc_request(session, BLK_INFO, 1, &m, NULL, 0);
	if (err) {
		mm_log("mm: swap: disk%u: no such disk (%d); running without "
		       "swap\n", disk, err);
		return err;
	}
	pages = m.w[1] / SECTORS_PER_PAGE;
	p = frame_alloc();
	if (!p)
		return -ENOMEM;
	err = swap_io(BLK_READV, session, disk, 0, &p, 1);
	if (err) {
		mm_log("mm: swap: disk%u: cannot read the header (%d); running "
		       "without swap\n", disk, err);
		frame_put(p);
		return err;
	}
	err = swaphdr_parse(page_address(p), pages, &hdr, &why);
	frame_put(p);
	if (err) {
		mm_log("mm: swap: disk%u: %s; running without swap\n", disk,
		       why);
		return err;
	}
	bytes = swapmap_storage_size(hdr.nslots);
	while (((uint64_t)PAGE_SIZE << order) < bytes && order < MAX_ORDER)
		order++;
	store = ((uint64_t)PAGE_SIZE << order) >= bytes ?
		buddy_alloc(MM_GFP_KERNEL, order) : NULL;
	if (!store) {
		mm_log("mm: swap: disk%u: no memory for a map of %lu slots; "
		       "running without swap\n", disk,
		       (unsigned long)hdr.nslots);
		return -ENOMEM;
	}
	err = swapmap_init(&swp.map, hdr.nslots, hdr.badpages,
			   hdr.nr_badpages, page_address(store));
	if (err) {
		buddy_free(store, order);
		return err;
	}
	swp.session = session;
	swp.disk = disk;
	swp.ra_pages = RA_MIN;
	swp.on = true;
	mm_log("mm: swap: disk%u: %lu kB of swap, %u bad pages%s%s\n", disk,
	       (unsigned long)(swapmap_total_pages(&swp.map) * 4),
	       hdr.nr_badpages, hdr.label[0] ? ", label " : "", hdr.label);
	return 0;
}

/*
 * MM_SWAP_OFFER, from the process server: blk's all-memory session.  Only
 * init's launcher sends it, and it waits for us; blk does not, so mm may
 * call blk right here.  The reply says whether swap is on; the console
 * says why not.
 */
int swap_offer(struct ipc_msg *m, void *unused)
{
	uint64_t h = IPC_TAG_NHANDLES(m->tag) == 1 ? m->w[1] : 0;
	int disk = swap_disk_wanted();
	int err = 0;

	(void)unused;
	if (m->badge != MM_BADGE_PROC)
		err = -EPERM;
	else if (!h)
		err = -EINVAL;
	else if (offered)
		err = -EBUSY;
	if (err) {
		ipc_drop_handles(m);
		ipc_reply_set(m, err, 0);
		return IPC_REPLY;
	}
	offered = true;
	mm_blk_session = h;
	if (disk < 0) {
		mm_log("mm: swap: no swap=N on the command line; running "
		       "without swap\n");
		err = -ENODEV;
	} else {
		err = swap_setup(h, (unsigned)disk);
	}
	ipc_reply_set(m, err, 0);		/* the session stays: file.c */
	return IPC_REPLY;
}

/* ---- the swap cache ---- */

static struct page **hash_head(uint64_t slot)
{
	return &swap_hash[(slot * 0x9e3779b97f4a7c15ull) >> 52 &
			  (SWAP_HASH - 1)];
}

static struct page *hash_next(const struct page *p)
{
	return (struct page *)(uintptr_t)p->index;
}

struct page *swap_cache_lookup(uint64_t slot)
{
	for (struct page *p = *hash_head(slot); p; p = hash_next(p))
		if (p->private == slot)
			return p;
	return NULL;
}

/* Put p in the cache for slot; the cache takes a page reference. */
static void cache_insert(struct page *p, uint64_t slot)
{
	struct page **head = hash_head(slot);

	p->private = slot;
	p->index = (uint64_t)(uintptr_t)*head;
	*head = p;
	page_set(p, PG_swapcache);
	p->refcount++;
	mm_stats.swapcache_pages++;
}

/*
 * Give page p (private anonymous, not in the cache) a fresh slot and put
 * it in the cache, dirty: its data is not on the disk yet.  0, or -ENOSPC
 * when swap is full or off.
 */
int swap_cache_add_new(struct page *p)
{
	uint64_t slot;

	MM_ASSERT(!page_has(p, PG_swapcache));
	if (!swp.on || swp.gone || swap_slot_alloc(&swp.map, &slot))
		return -ENOSPC;
	cache_insert(p, slot);
	page_set(p, PG_dirty);
	return 0;
}

/*
 * Take p out of the cache: its slot loses the cache's hold (and is free if
 * no swap entry holds it), and the cache's page reference is dropped.
 */
void swap_cache_drop(struct page *p)
{
	struct page **pp = hash_head(p->private);

	MM_ASSERT(page_has(p, PG_swapcache));
	while (*pp != p) {
		MM_ASSERT(*pp);
		pp = (struct page **)&(*pp)->index;
	}
	*pp = hash_next(p);
	p->index = 0;
	page_clear(p, PG_swapcache | PG_dirty | PG_readahead);
	swap_slot_free(&swp.map, p->private);
	p->private = 0;
	mm_stats.swapcache_pages--;
	frame_put(p);
}

/* Write n cache pages with consecutive slots to the disk: 0 or -errno. */
int swap_write(struct page **pages, unsigned n)
{
	int err;

	for (unsigned i = 1; i < n; i++)
		MM_ASSERT(pages[i]->private == pages[0]->private + i);
	err = swap_io(BLK_WRITEV, swp.session, swp.disk, pages[0]->private,
		      pages, n);
	if (err) {
		swap_io_failed("write", n, pages[0]->private, err);
		return err;
	}
	mm_stats.pswpout += n;
	for (unsigned i = 0; i < n; i++)
		page_clear(pages[i], PG_dirty);
	return 0;
}

/* ---- swap entries ---- */

int swap_entry_dup(uint64_t slot)
{
	return swap_slot_dup(&swp.map, slot) ? -ENOMEM : 0;
}

/*
 * A swap entry for slot goes away (munmap, exit, swap-in).  If only the
 * swap cache still holds the slot and nobody maps the cached page, the
 * page is garbage: free it and the slot.
 */
void swap_entry_put(uint64_t slot)
{
	struct page *p;

	if (swap_slot_free(&swp.map, slot))
		return;
	p = swap_cache_lookup(slot);
	if (p)
		swap_cache_release_unused(p);
}

/*
 * p's last mapping or swap entry went away: a cache page that nothing
 * maps and no entry will look for again is garbage; free it and its slot.
 * (An isolated page - off the LRU - belongs to reclaim, which frees it.)
 */
void swap_cache_release_unused(struct page *p)
{
	if (page_has(p, PG_swapcache) && p->mapcount == 0 &&
	    page_has(p, PG_lru) &&
	    swap_slot_count(&swp.map, p->private) == 1)
		swap_cache_drop(p);
}

/*
 * The readahead window for a fault at slot: RA_MIN pages, doubled up to
 * RA_MAX while faults keep landing just after the previous window.
 */
static unsigned ra_window(uint64_t slot)
{
	if (slot >= swp.last_slot && slot - swp.last_slot <= swp.ra_pages)
		swp.ra_pages = MM_MIN(swp.ra_pages * 2, RA_MAX);
	else
		swp.ra_pages = RA_MIN;
	swp.last_slot = slot;
	return swp.ra_pages;
}

/*
 * Read slot into the cache with its uncached neighbours in use (one
 * request), all added to the inactive list: the cached page for slot, or
 * NULL (*err set).
 */
static struct page *swap_read(uint64_t slot, int *err)
{
	struct page *pages[BLK_SG_MAX];
	uint64_t first, lo, hi;
	unsigned n;

	if (swap_readahead_window(&swp.map, slot, ra_window(slot), &first,
				  &n)) {
		first = slot;
		n = 1;
	}
	for (lo = slot; lo > first && !swap_cache_lookup(lo - 1); lo--)
		;
	for (hi = slot + 1; hi < first + n && hi - lo < BLK_SG_MAX &&
	     !swap_cache_lookup(hi); hi++)
		;
	n = 0;
	for (uint64_t s = lo; s < hi; s++, n++) {
		pages[n] = frame_alloc();
		if (!pages[n]) {
			if (s <= slot) {
				while (n)
					frame_put(pages[--n]);
				*err = -ENOMEM;
				return NULL;
			}
			hi = s;
			break;
		}
	}
	*err = swap_io(BLK_READV, swp.session, swp.disk, lo, pages, n);
	if (*err) {
		swap_io_failed("read", n, lo, *err);
		while (n)
			frame_put(pages[--n]);
		return NULL;
	}
	mm_stats.pswpin += n;
	mm_stats.swap_ra += n - 1;
	for (unsigned i = 0; i < n; i++) {
		struct page *p = pages[i];

		swap_slot_dup(&swp.map, lo + i);	/* the cache's hold */
		cache_insert(p, lo + i);
		frame_put(p);		/* the cache's reference is the one */
		if (lo + i != slot)
			page_set(p, PG_readahead);
		lru_page_new(p);
	}
	return pages[slot - lo];
}

/* Map cached page p at va in c's page map in place of swap entry *e. */
static int swap_install(struct mm_ctx *c, vaddr_t va, uint64_t *e,
			struct page *p)
{
	uint64_t slot = pme_pfn(*e);
	int err = rmap_add(p, c, va);

	if (err)
		return err;
	p->refcount++;
	*e = pme_make(page_to_pfn(p), PME_PRESENT);
	c->rss++;
	c->swapents--;
	swap_slot_free(&swp.map, slot);		/* the entry's hold */
	return 0;
}

/*
 * Fault in the swapped-out page of entry e (for c at va): from the swap
 * cache, or from the disk.  A write by its only mapper takes it out of the
 * cache so it can be mapped writable.  0, -ENOMEM, or -EIO (SIGBUS).
 */
int swap_in(struct mm_ctx *c, vaddr_t va, uint64_t *e, bool write)
{
	uint64_t slot = pme_pfn(*e);
	struct page *p = swap_cache_lookup(slot);
	int err;

	if (!swp.on)
		return -EIO;
	if (p) {
		if (page_has(p, PG_readahead)) {
			page_clear(p, PG_readahead);
			mm_stats.swap_ra_hit++;
		}
	} else {
		mm_stats.pgmajfault++;
		p = swap_read(slot, &err);
		if (!p)
			return err == -ENOMEM ? -ENOMEM : -EIO;
	}
	err = swap_install(c, va, e, p);
	if (err)
		return err;
	lru_page_touched(p);
	if (write && p->mapcount == 1 && p->refcount == 2)
		swap_cache_drop(p);		/* ours alone: writable */
	return 0;
}

/*
 * Swap fault-around: after a read fault brought va's page in from swap,
 * map the following pages of the VMA whose swap entries have their page
 * in the swap cache (readahead just read them), read-only, with one
 * SYS_AS_MAP.  A sequential reader then takes one fault per readahead
 * window instead of one per page.  Returns the number of pages mapped.
 */
unsigned swap_map_around(struct mm_ctx *c, const struct vma *v, vaddr_t va,
			 uint64_t *e, unsigned prot)
{
	struct as_map_op ops[RA_MAX];
	unsigned n = 0;

	prot &= ~AS_PROT_WRITE;
	/* Entries of one page-map leaf are contiguous: no lookups needed. */
	for (unsigned i = 1; i < RA_MAX; i++) {
		vaddr_t a = va + i * PAGE_SIZE;
		struct page *p;

		if (a >= v->end || (a & ((512ull << PAGE_SHIFT) - 1)) == 0 ||
		    !(e[i] & PME_SWAP))
			break;
		p = swap_cache_lookup(pme_pfn(e[i]));
		if (!p || !page_has(p, PG_lru) || swap_install(c, a, &e[i], p))
			break;
		if (page_has(p, PG_readahead)) {
			page_clear(p, PG_readahead);
			mm_stats.swap_ra_hit++;
		}
		e[i] |= PME_MAPPED;
		ops[n++] = (struct as_map_op){ a | prot, page_to_pfn(p) };
	}
	if (n && sys3(SYS_AS_MAP, c->as, ops, n) != (long)n) {
		/* The entries stay: later faults map them one by one. */
		for (unsigned i = 0; i < n; i++)
			e[i + 1] &= ~PME_MAPPED;
	}
	mm_stats.swap_map_around += n;
	return n;
}

/* The cache and the map agree: 0 or -EUCLEAN. */
int swap_check(void)
{
	uint64_t cached = 0;

	if (!swp.on)
		return mm_stats.swapcache_pages ? -EUCLEAN : 0;
	MM_CHECK_CALL(swapmap_check(&swp.map));
	for (unsigned b = 0; b < SWAP_HASH; b++)
		for (struct page *p = swap_hash[b]; p; p = hash_next(p)) {
			MM_CHECK(page_has(p, PG_swapcache));
			MM_CHECK(hash_head(p->private) == &swap_hash[b]);
			MM_CHECK(swap_slot_count(&swp.map, p->private) >= 1);
			MM_CHECK(p->refcount >= 1);
			cached++;
		}
	MM_CHECK(cached == mm_stats.swapcache_pages);
	return 0;
}
