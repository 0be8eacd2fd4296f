/*
 * lru.c - active/inactive LRU lists: adding, removing, aging and picking
 * reclaim victims.
 *
 * Owns the lists and counters of a struct lruvec and the PG_lru,
 * PG_active and PG_referenced bits of the pages on them.  Invariants
 * (lru_check): every page on lists[l] has PG_lru, has PG_active iff l is
 * active, is of l's kind, and is an allocated page; nr_pages[l] is the
 * length of lists[l].  Isolated pages are counted in nr_isolated only.
 */
#include "lru.h"

/*
 * How pages age.
 *
 * Reclaim wants the pages that will not be used again soon, and the only
 * evidence it has is the accessed bit the MMU sets in a page-table entry
 * (harvested and cleared through the reverse map by the callback) plus
 * PG_referenced for accesses mm sees itself.  One bit per scan cannot
 * order pages by recency, so, like Linux, we keep two lists and let a page
 * earn its place:
 *
 *  - The inactive list is the reclaim candidates' queue.  New pages enter
 *    at its head (LRU_NEW_ANON) and drift to the tail as newer ones
 *    arrive.  At the tail, a page whose mappings were not accessed since
 *    its last scan is isolated for reclaim.  One that was accessed, for
 *    the first time, gets PG_referenced and another trip round the list -
 *    its second chance; the fault that created a page counts as that first
 *    access, so a page must be used once more after it was faulted in to
 *    be activated.  A page accessed with PG_referenced already set, or
 *    through two or more mappings at once, is promoted to the active list
 *    (Linux folio_check_references).
 *
 *  - The active list is the working set.  Aging walks it from the tail:
 *    a page accessed since its last scan goes round again (the classic
 *    clock); one that was not is demoted to the head of the inactive list,
 *    where an access before it reaches the tail earns it a second chance
 *    there.  Linux differs here: it demotes referenced anon pages too and
 *    relies on the inactive list alone for their second chance.  We keep
 *    the clock because mm scans rarely and in batches, so "accessed since
 *    the last scan" is a strong signal; the cost is that a working set
 *    larger than memory stays active, and reclaim has less to choose
 *    from - which is then the truth.
 *
 *  - Balance: the active list is aged only when the inactive list is too
 *    short (lru_inactive_is_low), so pages are not demoted for nothing.
 *    Linux's rule lets the active list be int_sqrt(10 * GiB) times the
 *    inactive one: a small machine keeps them equal, a big one can afford
 *    a short inactive list because even a few percent of its memory takes
 *    a long time to go round.
 *
 * Scans take up to LRU_BATCH pages at a time from the tail, ask the
 * callback about all of them at once (one kernel call, not one per page),
 * then act on each.  A scan never looks at more pages than the list held
 * when it started, so pages it sent round again are not seen twice.
 */

static void list_count_add(struct lruvec *lruvec, struct page *page,
			   enum lru_list lru)
{
	list_add(&page->lru, &lruvec->lists[lru]);
	lruvec->nr_pages[lru]++;
}

static void list_count_del(struct lruvec *lruvec, struct page *page,
			   enum lru_list lru)
{
	MM_ASSERT(lruvec->nr_pages[lru] > 0);
	list_del(&page->lru);
	lruvec->nr_pages[lru]--;
}

/* Move @page from @from to the head of @to, fixing PG_active. */
static void page_move(struct lruvec *lruvec, struct page *page,
		      enum lru_list from, enum lru_list to)
{
	list_count_del(lruvec, page, from);
	if (lru_is_active(to))
		page_set(page, PG_active);
	else
		page_clear(page, PG_active);
	list_count_add(lruvec, page, to);
}

/* Read and clear PG_referenced. */
static bool page_test_clear_referenced(struct page *page)
{
	bool was = page_has(page, PG_referenced);

	page_clear(page, PG_referenced);
	return was;
}

/*
 * The next batch of at most @max pages from the tail of @lru, oldest
 * first; they stay on the list while the callback runs.
 */
static unsigned batch_collect(struct lruvec *lruvec, enum lru_list lru,
			      unsigned long max, struct page **batch,
			      unsigned *refs, lru_referenced_fn referenced,
			      void *ctx)
{
	struct list_head *head = &lruvec->lists[lru], *pos = head->prev;
	unsigned n = 0;

	while (n < max && n < LRU_BATCH && pos != head) {
		batch[n++] = list_entry(pos, struct page, lru);
		pos = pos->prev;
	}
	for (unsigned i = 0; i < n; i++)
		refs[i] = 0;
	if (n)
		referenced(batch, n, refs, ctx);
	return n;
}

static void activate(struct lruvec *lruvec, struct page *page,
		     enum lru_list inactive)
{
	page_clear(page, PG_referenced);
	page_move(lruvec, page, inactive, inactive | LRU_ACTIVE);
	lruvec->stat.pgactivate++;
}

static void rotate(struct lruvec *lruvec, struct page *page, enum lru_list lru)
{
	list_move(&page->lru, &lruvec->lists[lru]);
	lruvec->stat.pgrotated++;
}

static void isolate(struct lruvec *lruvec, struct page *page,
		    enum lru_list lru, struct list_head *out)
{
	list_count_del(lruvec, page, lru);
	page_clear(page, PG_lru | PG_referenced);
	list_add_tail(&page->lru, out);
	lruvec->nr_isolated++;
}

/* One inactive page's fate, from its mapping references @refs. */
static bool inactive_scan_one(struct lruvec *lruvec, struct page *page,
			      enum lru_list lru, unsigned refs,
			      struct list_head *out)
{
	bool was_referenced = page_test_clear_referenced(page);

	if (refs == 0) {
		isolate(lruvec, page, lru, out);
		return true;
	}
	if (was_referenced || refs > 1) {
		activate(lruvec, page, lru);
	} else {
		page_set(page, PG_referenced);
		rotate(lruvec, page, lru);
	}
	return false;
}

void lruvec_init(struct lruvec *lruvec)
{
	mm_memset(lruvec, 0, sizeof(*lruvec));
	for (int l = 0; l < NR_LRU_LISTS; l++)
		list_init(&lruvec->lists[l]);
}

void lru_add(struct lruvec *lruvec, struct page *page, enum lru_list lru)
{
	MM_ASSERT((unsigned)lru < NR_LRU_LISTS);
	MM_ASSERT(!page_has(page, PG_lru));
	MM_ASSERT(lru_is_file(lru) == lru_page_is_file(page));
	page_set(page, PG_lru);
	if (lru_is_active(lru))
		page_set(page, PG_active);
	else
		page_clear(page, PG_active);
	list_count_add(lruvec, page, lru);
}

void lru_del(struct lruvec *lruvec, struct page *page)
{
	MM_ASSERT(page_has(page, PG_lru));
	list_count_del(lruvec, page, lru_page_list(page));
	page_clear(page, PG_lru | PG_active);
}

void lru_mark_accessed(struct lruvec *lruvec, struct page *page)
{
	if (!page_has(page, PG_referenced)) {
		page_set(page, PG_referenced);
		return;
	}
	if (!page_has(page, PG_lru) || page_has(page, PG_active))
		return;
	activate(lruvec, page, lru_page_list(page));
}

unsigned long lru_age_active(struct lruvec *lruvec, enum lru_list lru,
			     unsigned long nr_to_scan,
			     lru_referenced_fn referenced, void *ctx)
{
	struct page *batch[LRU_BATCH];
	unsigned refs[LRU_BATCH];
	unsigned long left, demoted = 0;

	MM_ASSERT((unsigned)lru < NR_LRU_LISTS && lru_is_active(lru));
	left = MM_MIN(nr_to_scan, lruvec->nr_pages[lru]);
	while (left) {
		unsigned n = batch_collect(lruvec, lru, left, batch, refs,
					   referenced, ctx);

		for (unsigned i = 0; i < n; i++) {
			bool was = page_test_clear_referenced(batch[i]);

			if (refs[i] || was) {
				rotate(lruvec, batch[i], lru);
			} else {
				page_move(lruvec, batch[i], lru,
					  lru & ~LRU_ACTIVE);
				lruvec->stat.pgdeactivate++;
				demoted++;
			}
		}
		lruvec->stat.pgrefill += n;
		left -= n;
	}
	return demoted;
}

unsigned long lru_isolate_inactive(struct lruvec *lruvec, enum lru_list lru,
				   unsigned long nr_to_scan,
				   lru_referenced_fn referenced, void *ctx,
				   struct list_head *out)
{
	struct page *batch[LRU_BATCH];
	unsigned refs[LRU_BATCH];
	unsigned long left, taken = 0;

	MM_ASSERT((unsigned)lru < NR_LRU_LISTS && !lru_is_active(lru));
	left = MM_MIN(nr_to_scan, lruvec->nr_pages[lru]);
	while (left) {
		unsigned n = batch_collect(lruvec, lru, left, batch, refs,
					   referenced, ctx);

		for (unsigned i = 0; i < n; i++)
			taken += inactive_scan_one(lruvec, batch[i], lru,
						   refs[i], out);
		lruvec->stat.pgscan += n;
		left -= n;
	}
	return taken;
}

void lru_isolate_page(struct lruvec *lruvec, struct page *page,
		      struct list_head *out)
{
	MM_ASSERT(page_has(page, PG_lru));
	list_count_del(lruvec, page, lru_page_list(page));
	page_clear(page, PG_lru | PG_referenced);
	list_add_tail(&page->lru, out);
	lruvec->nr_isolated++;
}

unsigned long lru_putback(struct lruvec *lruvec, struct list_head *list)
{
	unsigned long n = 0;

	while (!list_empty(list)) {
		struct page *page = list_first_entry(list, struct page, lru);

		MM_ASSERT(!page_has(page, PG_lru));
		MM_ASSERT(lruvec->nr_isolated > 0);
		list_del(&page->lru);
		page_set(page, PG_lru);
		list_count_add(lruvec, page, lru_page_list(page));
		lruvec->stat.pgactivate += page_has(page, PG_active);
		lruvec->nr_isolated--;
		n++;
	}
	return n;
}

void lru_note_reclaimed(struct lruvec *lruvec, unsigned long nr)
{
	MM_ASSERT(nr <= lruvec->nr_isolated);
	lruvec->nr_isolated -= nr;
	lruvec->stat.pgsteal += nr;
}

/* floor(sqrt(x)), bit by bit (Linux lib/math/int_sqrt.c). */
static unsigned long int_sqrt(unsigned long x)
{
	unsigned long b, m, y = 0;

	if (x <= 1)
		return x;
	m = 1UL << ((63 - __builtin_clzl(x)) & ~1);
	while (m != 0) {
		b = y + m;
		y >>= 1;
		if (x >= b) {
			x -= b;
			y += m;
		}
		m >>= 2;
	}
	return y;
}

unsigned long lru_inactive_ratio(unsigned long nr_pages)
{
	unsigned long gb = nr_pages >> (30 - PAGE_SHIFT);

	return gb ? int_sqrt(10 * gb) : 1;
}

bool lru_inactive_is_low(const struct lruvec *lruvec, enum lru_list lru)
{
	unsigned long inactive, active;

	MM_ASSERT((unsigned)lru < NR_LRU_LISTS && !lru_is_active(lru));
	inactive = lruvec->nr_pages[lru];
	active = lruvec->nr_pages[lru | LRU_ACTIVE];
	return inactive * lru_inactive_ratio(inactive + active) < active;
}

static int list_pages_check(const struct lruvec *lruvec, enum lru_list lru)
{
	const struct page *page;
	size_t n;

	MM_CHECK_CALL(list_check(&lruvec->lists[lru], lruvec->nr_pages[lru], &n));
	MM_CHECK(n == lruvec->nr_pages[lru]);
	list_for_each_entry(page, &lruvec->lists[lru], lru) {
		MM_CHECK(page_has(page, PG_lru));
		MM_CHECK(page_has(page, PG_active) == lru_is_active(lru));
		MM_CHECK(lru_page_is_file(page) == lru_is_file(lru));
		MM_CHECK(!(page->flags & (PG_buddy | PG_slab | PG_reserved)));
		MM_CHECK(page->refcount > 0);
	}
	return 0;
}

int lru_check(const struct lruvec *lruvec)
{
	for (int l = 0; l < NR_LRU_LISTS; l++)
		MM_CHECK_CALL(list_pages_check(lruvec, (enum lru_list)l));
	return 0;
}
