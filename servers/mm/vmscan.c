/*
 * vmscan.c - page reclaim: the LRU lists of private anonymous pages,
 * kswapd, direct reclaim, and MADV_PAGEOUT (Linux mm/vmscan.c, classic
 * two-list LRU).
 *
 * Every private anonymous frame (a zero fill, a COW copy, a private copy
 * of a module page, a page read from swap) joins the inactive anonymous
 * list when it is created and leaves when it is freed; lru.c ages the
 * lists with accessed bits that the kernel reads and clears for us in
 * batches (SYS_AS_HARVESTV over every mapping the reverse map lists).
 * Shared anonymous (shmem) and DMA frames are not on the lists: this
 * version does not swap them.
 *
 * Reclaiming one page: give it a swap slot and put it in the swap cache
 * (swap.c), replace every page-map entry that maps it with a swap entry
 * and unmap it in the kernel, write it out (pages with consecutive slots
 * in one request), then drop it from the cache, which frees it.  A clean
 * cache page (read from swap and not written since) needs no write.  A
 * page mapped by a process that called mlockall is put back active.
 *
 * Who reclaims:
 *  - kswapd, a thread of mm woken (notification) when an allocation finds
 *    a zone below its low watermark.  It works in batches, each an
 *    MM_KSWAPD request to mm's own loop, until free memory is above the
 *    high watermark or a batch frees nothing.  All mm state is touched by
 *    that one loop, so there are no locks: the thread paces the work, and
 *    faults are served between its batches.
 *  - direct reclaim: mm_reserve(), called where no data structure is half
 *    updated (the start of a fault, of a request, each page of a
 *    populate), when free memory is below min plus what the operation may
 *    need; scanning with rising priority, then the OOM killer.
 *
 * No deadlock against the reclaimer: reclaim itself allocates nothing (the
 * swap cache hashes through struct page, slot maps are preallocated, and
 * blk never calls mm while serving it), so freeing memory never needs
 * memory.  Allocations stop at the min watermark, which keeps that reserve
 * for the kernel's page-table pool, for processes that called mlockall
 * (servers such as blk fault only into it), and for slab.
 */
#include <ipc/blk.h>
#include "mm.h"
#include "lru.h"

#define MM_BADGE_KSWAPD		0xffffffffffffff03ull
#define KSWAPD_BATCH		64	/* pages scanned per MM_KSWAPD */
#define KSWAPD_STACK		8192
#define DEF_PRIORITY		12
#define RECLAIM_MIN_SCAN	32
#define OOM_TRIES		4

static struct lruvec lru;
static uint64_t kswapd_notif, kswapd_ep;
static bool kswapd_awake, kswapd_stuck;
static unsigned long kswapd_idle_scan;	/* scanned since kswapd last freed */
static char kswapd_stack[KSWAPD_STACK] __attribute__((aligned(16)));

/*
 * Could an ordinary allocation take `need` more pages and leave some zone
 * it may use above watermark `which` (lowmem reserves counted, as buddy
 * counts them)?
 */
static bool zones_ok(enum zone_wmark which, unsigned long need)
{
	for (int z = 0; z <= (int)gfp_zone(MM_GFP_KERNEL); z++) {
		const struct zone *zn = zone_get(z);

		if (zn && zone_populated(zn) &&
		    zone_watermark_ok(zn, 0, zn->watermark[which] + need,
				      MM_GFP_KERNEL))
			return true;
	}
	return false;
}

/* Pages on list `which`; -1: both anonymous lists; -2: all four. */
unsigned long lru_pages(int which)
{
	if (which == -2)
		return lru_pages(-1) + lru.nr_pages[LRU_INACTIVE_FILE] +
		       lru.nr_pages[LRU_ACTIVE_FILE];
	if (which < 0)
		return lru.nr_pages[LRU_INACTIVE_ANON] +
		       lru.nr_pages[LRU_ACTIVE_ANON];
	return lru.nr_pages[which];
}

/* ---- joining and leaving the lists ---- */

void lru_page_new(struct page *p)
{
	if (page_has(p, PG_lru))
		return;
	page_set(p, PG_anon);
	lru_add(&lru, p, LRU_NEW_ANON);
}

/* A page-cache page (file.c): on the file lists. */
void lru_file_new(struct page *p)
{
	if (page_has(p, PG_lru))
		return;
	page_clear(p, PG_anon);
	lru_add(&lru, p, LRU_INACTIVE_FILE);
}

void lru_page_gone(struct page *p)
{
	if (page_has(p, PG_lru))
		lru_del(&lru, p);
}

void lru_page_touched(struct page *p)
{
	if (page_has(p, PG_lru))
		lru_mark_accessed(&lru, p);
}

/* ---- accessed bits ---- */

struct harvest {
	struct as_harvest_op ops[AS_HARVESTV_MAX];
	unsigned owner[AS_HARVESTV_MAX];
	unsigned n, cur;
	unsigned *refs;
};

static void harvest_flush(struct harvest *h)
{
	if (!h->n)
		return;
	if (sys2(SYS_AS_HARVESTV, h->ops, h->n) == 0)
		for (unsigned j = 0; j < h->n; j++)
			h->refs[h->owner[j]] +=
				(h->ops[j].va & AS_HARVEST_ACCESSED) != 0;
	h->n = 0;
}

static void harvest_one(struct mm_ctx *c, vaddr_t va, void *arg)
{
	struct harvest *h = arg;

	if (h->n == AS_HARVESTV_MAX)
		harvest_flush(h);
	h->ops[h->n] = (struct as_harvest_op){ c->as, va };
	h->owner[h->n++] = h->cur;
}

/* lru_referenced_fn: accessed mappings of each page, read and cleared. */
static void referenced(struct page *const *pages, unsigned n, unsigned *refs,
		       void *unused)
{
	struct harvest h = { .refs = refs };

	(void)unused;
	for (unsigned i = 0; i < n; i++) {
		refs[i] = 0;
		h.cur = i;
		rmap_walk(pages[i], harvest_one, &h);
	}
	harvest_flush(&h);
}

/* ---- reclaiming pages ---- */

/* Is this mapping locked (mlockall, or mlock of its VMA)? */
static void locked_mapper(struct mm_ctx *c, vaddr_t va, void *arg)
{
	struct vma *v;

	if (*(bool *)arg)
		return;
	v = c->locked ? NULL : vma_find(&c->vmas, va);
	*(bool *)arg = c->locked || (v && va >= v->start &&
				     (v->flags & VMA_LOCKED));
}

/*
 * Replace every mapping of p (in the swap cache) with a swap entry for its
 * slot.  0, or -ENOMEM if a slot cannot take another holder (the page then
 * stays, still in the cache, for the mappings left).
 */
static int unmap_all(struct page *p)
{
	uint64_t slot = p->private;
	struct mm_ctx *c;
	vaddr_t va;

	while (rmap_first(p, &c, &va)) {
		uint64_t *e = pagemap_slot(&c->pm, va, false);

		MM_ASSERT(e && (*e & PME_PRESENT) && pme_pfn(*e) ==
			  page_to_pfn(p));
		if (swap_entry_dup(slot))
			return -ENOMEM;
		if (*e & PME_MAPPED)
			sys3(SYS_AS_UNMAP, c->as, va, 1);
		*e = pme_make(slot, PME_SWAP);
		rmap_remove(p, c, va);
		c->rss--;
		c->swapents++;
		frame_put(p);		/* the entry's reference */
	}
	return 0;
}

enum pageout { KEEP, KEEP_ACTIVE, DROP, WRITE };

static enum pageout pageout_prepare(struct page *p)
{
	bool locked = false;

	rmap_walk(p, locked_mapper, &locked);
	if (locked)
		return KEEP_ACTIVE;
	if (!page_has(p, PG_swapcache) && swap_cache_add_new(p))
		return KEEP_ACTIVE;		/* no swap, or it is full */
	if (unmap_all(p))
		return KEEP;
	return page_has(p, PG_dirty) ? WRITE : DROP;
}

/* Write the batch out; freed pages count in *freed, the rest go back. */
static void batch_flush(struct page **batch, unsigned *nb,
			struct list_head *keep, unsigned long *freed)
{
	bool ok = *nb && swap_write(batch, *nb) == 0;

	for (unsigned i = 0; i < *nb; i++) {
		if (ok) {
			swap_cache_drop(batch[i]);
			(*freed)++;
		} else {
			page_set(batch[i], PG_active);
			list_add_tail(&batch[i]->lru, keep);
		}
	}
	*nb = 0;
}

/*
 * Reclaim what can be reclaimed of the isolated pages on list: freed
 * pages leave it, the others stay to be put back.  Returns pages freed.
 */
static unsigned long shrink_list(struct list_head *list)
{
	struct page *batch[BLK_SG_MAX], *p, *n;
	struct list_head failed;
	unsigned long freed = 0;
	unsigned nb = 0;

	list_init(&failed);
	list_for_each_entry_safe(p, n, list, lru) {
		if (page_has(p, PG_pagecache)) {
			bool locked = false;

			rmap_walk(p, locked_mapper, &locked);
			list_del(&p->lru);
			if (!locked && file_reclaim(p) == 0) {
				freed++;
				continue;
			}
			page_set(p, PG_active);
			list_add_tail(&p->lru, &failed);
			continue;
		}
		switch (pageout_prepare(p)) {
		case KEEP_ACTIVE:
			page_set(p, PG_active);
			break;
		case KEEP:
			break;
		case DROP:
			list_del(&p->lru);
			swap_cache_drop(p);
			freed++;
			break;
		case WRITE:
			list_del(&p->lru);
			if (nb && (nb == BLK_SG_MAX ||
				   p->private != batch[nb - 1]->private + 1))
				batch_flush(batch, &nb, &failed, &freed);
			batch[nb++] = p;
			break;
		}
	}
	batch_flush(batch, &nb, &failed, &freed);
	while (!list_empty(&failed))
		list_move_tail(failed.next, list);
	return freed;
}

/* Scan up to nr inactive pages; returns pages freed. */
/* Scan up to nr pages of one inactive list; returns pages freed. */
static unsigned long shrink_one(enum lru_list inactive, unsigned long nr,
				bool kswapd)
{
	struct list_head isolated;
	uint64_t scanned = lru.stat.pgscan;
	unsigned long freed;

	if (lru_inactive_is_low(&lru, inactive))
		lru_age_active(&lru, inactive | LRU_ACTIVE, nr, referenced,
			       NULL);
	list_init(&isolated);
	lru_isolate_inactive(&lru, inactive, nr, referenced, NULL,
			     &isolated);
	scanned = lru.stat.pgscan - scanned;
	freed = shrink_list(&isolated);
	lru_note_reclaimed(&lru, freed);
	lru_putback(&lru, &isolated);
	if (kswapd) {
		mm_stats.pgscan_kswapd += scanned;
		mm_stats.pgsteal_kswapd += freed;
	} else {
		mm_stats.pgscan_direct += scanned;
		mm_stats.pgsteal_direct += freed;
	}
	if (freed)
		kswapd_stuck = false;
	return freed;
}

/*
 * Scan nr pages, split between the file and the anonymous lists by their
 * sizes (anonymous pages only with swap to put them in).  File pages are
 * the cheaper kind to reclaim - a clean one is simply dropped - so the
 * file lists get at least their share.  Returns pages freed.
 */
static unsigned long shrink_anon(unsigned long nr, bool kswapd)
{
	unsigned long file = lru_pages(LRU_INACTIVE_FILE) +
			     lru_pages(LRU_ACTIVE_FILE);
	unsigned long anon = swap_enabled() ? lru_pages(-1) : 0;
	unsigned long nf = file + anon ? nr * file / (file + anon) : 0;
	unsigned long freed = 0;

	if (file && nf < MM_MIN(nr, RECLAIM_MIN_SCAN))
		nf = MM_MIN(nr, RECLAIM_MIN_SCAN);
	if (nf)
		freed += shrink_one(LRU_INACTIVE_FILE, nf, kswapd);
	if (anon && nr > nf)
		freed += shrink_one(LRU_INACTIVE_ANON, nr - nf, kswapd);
	return freed;
}

/* Is there anything reclaim could free? */
static bool reclaimable(void)
{
	return swap_enabled() || lru_pages(LRU_INACTIVE_FILE) +
				 lru_pages(LRU_ACTIVE_FILE);
}

/* MADV_PAGEOUT: reclaim c's private pages in [start, end) now. */
struct pageout_state {
	struct mm_ctx *c;
	struct list_head list;
};

static void pageout_entry(vaddr_t va, uint64_t *e, void *arg)
{
	struct pageout_state *st = arg;
	struct page *p;

	(void)va;
	if ((*e & (PME_PRESENT | PME_ZERO | PME_SHARED)) != PME_PRESENT)
		return;
	p = pfn_to_page(pme_pfn(*e));
	/* Like Linux: only pages this process alone maps. */
	if (p->mapcount == 1 && page_has(p, PG_lru))
		lru_isolate_page(&lru, p, &st->list);
}

int pageout_range(struct mm_ctx *c, vaddr_t start, vaddr_t end)
{
	struct pageout_state st = { .c = c };
	unsigned long freed;

	if (!swap_enabled())
		return 0;			/* nowhere to put them */
	list_init(&st.list);
	pagemap_for_range(&c->pm, start, end, pageout_entry, &st);
	freed = shrink_list(&st.list);
	lru_note_reclaimed(&lru, freed);
	lru_putback(&lru, &st.list);
	return 0;
}

/* ---- kswapd ---- */

static void kswapd_wake(void)
{
	if (kswapd_awake || kswapd_stuck || !kswapd_notif ||
	    !reclaimable())
		return;
	kswapd_awake = true;
	mm_stats.kswapd_wakeup++;
	sys2(SYS_NOTIFY, kswapd_notif, 1);
}

static void kswapd_hook(struct zone *classzone, unsigned order, unsigned gfp)
{
	(void)classzone;
	(void)order;
	(void)gfp;
	kswapd_wake();
}

/* MM_KSWAPD, from the kswapd thread: one batch; w1 = 1 if more to do. */
int kswapd_request(struct ipc_msg *m, void *unused)
{
	bool more = false;

	(void)unused;
	if (m->badge != MM_BADGE_KSWAPD) {
		ipc_reply_set(m, -EPERM, 0);
		return IPC_REPLY;
	}
	if (!zones_ok(WMARK_HIGH, 0)) {
		uint64_t scanned = mm_stats.pgscan_kswapd;

		if (shrink_anon(KSWAPD_BATCH, true)) {
			kswapd_idle_scan = 0;
		} else {
			/* A batch may only age pages; give up after two
			 * whole passes over the lists without a page. */
			kswapd_idle_scan += mm_stats.pgscan_kswapd - scanned +
					    KSWAPD_BATCH / 4;
			if (kswapd_idle_scan > 2 * lru_pages(-2)) {
				kswapd_stuck = true;
				kswapd_idle_scan = 0;
			}
		}
		more = !kswapd_stuck && !zones_ok(WMARK_HIGH, 0);
	}
	if (!more)
		kswapd_awake = false;
	ipc_reply_set(m, 0, 1);
	m->w[1] = more;
	return IPC_REPLY;
}

static void kswapd_thread(uint64_t arg)
{
	(void)arg;
	for (;;) {
		struct ipc_msg m = { 0 };

		sys1(SYS_NOTIFY_WAIT, kswapd_notif);
		do {
			m.w[1] = 0;
			if (ipc_request(kswapd_ep, MM_KSWAPD, 0, &m, NULL, 0))
				break;
		} while (m.w[1]);
	}
}

void vmscan_init(void)
{
	static const struct buddy_reclaim_ops ops = {
		.kswapd_wakeup = kswapd_hook,
	};
	long n = sys0(SYS_NOTIF_CREATE);
	long ep = sys3(SYS_HANDLE_MINT, BOOT_H_FAULT_EP, R_SEND,
		       MM_BADGE_KSWAPD);

	lruvec_init(&lru);
	if (n < 0 || ep < 0) {
		mm_log("mm: no kswapd (%ld, %ld)\n", n, ep);
		return;
	}
	kswapd_notif = (uint64_t)n;
	kswapd_ep = (uint64_t)ep;
	if (sys6(SYS_THREAD_CREATE, BOOT_H_SELF_TASK, 0,
		 (uint64_t)kswapd_thread,
		 (uint64_t)(kswapd_stack + KSWAPD_STACK - 8), 0,
		 MM_PRIO_SERVER) < 0) {
		mm_log("mm: cannot start kswapd\n");
		kswapd_notif = 0;
		return;
	}
	buddy_reclaim_ops_set(&ops);
}

/* ---- direct reclaim ---- */

/*
 * Make sure `need` more pages can be allocated without going below the min
 * watermark, reclaiming and then OOM-killing if it must.  Call only where
 * no data structure is half updated.  0, or -ENOMEM.  A process that
 * called mlockall may use the reserve below min (it is a server the pager
 * may be waiting on), so it never waits here.
 */
int mm_reserve(unsigned long need, struct mm_ctx *c, const char *what)
{
	if (zones_ok(WMARK_LOW, need))
		return 0;
	kswapd_wake();
	if (zones_ok(WMARK_MIN, need) || (c && c->locked))
		return 0;
	mm_stats.allocstall++;
	for (int prio = DEF_PRIORITY; prio >= 0; prio--) {
		unsigned long nr = MM_MAX(lru_pages(-2) >> prio,
					  RECLAIM_MIN_SCAN);

		if (!reclaimable())
			break;
		shrink_anon(nr, false);
		if (zones_ok(WMARK_LOW, need))
			return 0;
	}
	for (int i = 0; i < OOM_TRIES; i++) {
		if (zones_ok(WMARK_MIN, need))
			return 0;
		if (!oom_kill(what, c))
			break;
		if (c && c->oom_killed)
			return -ENOMEM;		/* the trigger itself died */
	}
	return zones_ok(WMARK_MIN, need) ? 0 : -ENOMEM;
}

int vmscan_check(void)
{
	return lru_check(&lru);
}
