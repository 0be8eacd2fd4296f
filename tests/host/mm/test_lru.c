// SPDX-License-Identifier: GPL-2.0
/*
 * test_lru.c - host tests for lru.c: random add/del/access/age/isolate/
 * putback sequences against a model (each list as an ordered array, the
 * referenced bits, the isolated set and the vmstat counters), with
 * lru_check() after every step and inside every accessed-bit callback;
 * second-chance behaviour spelled out case by case; the inactive:active
 * ratio; and the validator catching corruption.
 */
#include "mm_test.h"
#include "lru.h"

#define NPAGES		300
#define NMAPS		3		/* mappings per simulated page */
#define WHERE_NONE	(-1)
#define WHERE_ISOLATED	NR_LRU_LISTS

static struct page pages[NPAGES];
static struct lruvec lv;
static struct list_head isolated;	/* what isolate gave us, in order */

/* The model. */
static int lst[NR_LRU_LISTS][NPAGES];	/* page indices, head first */
static int len[NR_LRU_LISTS];
static int where[NPAGES];		/* list, WHERE_NONE or WHERE_ISOLATED */
static bool referenced[NPAGES];
static bool active_flag[NPAGES];	/* PG_active, for isolated pages */
static unsigned accessed[NPAGES];	/* per-mapping accessed bits */
static int harvested[NPAGES];		/* refs the callback handed out, or -1 */
static unsigned long nr_isolated;
static struct lru_stat mstat;
static unsigned long nr_callbacks;
static unsigned max_batch;		/* largest batch a callback saw */
static int m_out[NPAGES];		/* pages the model isolated, in order */
static int m_nout;

static int idx(const struct page *page)
{
	return (int)(page - pages);
}

static bool page_file(int p)
{
	return p % 3 == 0;		/* a third are file pages */
}

/* The accessed-bit harvest, as mm will do it through the reverse map. */
static void harvest(struct page *const *batch, unsigned n, unsigned *refs,
		    void *ctx)
{
	enum lru_list lru = *(const enum lru_list *)ctx;

	T_ASSERT(n >= 1 && n <= LRU_BATCH);
	max_batch = MM_MAX(max_batch, n);
	T_CHECK(lru_check(&lv));
	for (unsigned i = 0; i < n; i++) {
		int p = idx(batch[i]);

		T_ASSERT(p >= 0 && p < NPAGES && where[p] == (int)lru);
		T_ASSERT(harvested[p] < 0);	/* once per scan */
		refs[i] = (unsigned)__builtin_popcount(accessed[p]);
		harvested[p] = (int)refs[i];
		accessed[p] = 0;
	}
	nr_callbacks++;
}

static void pages_init(void)
{
	memset(pages, 0, sizeof(pages));
	lruvec_init(&lv);
	list_init(&isolated);
	memset(len, 0, sizeof(len));
	memset(&mstat, 0, sizeof(mstat));
	nr_isolated = 0;
	for (int p = 0; p < NPAGES; p++) {
		pages[p].refcount = 1;
		pages[p].flags = page_file(p) ? 0 : PG_anon;
		where[p] = WHERE_NONE;
		referenced[p] = active_flag[p] = false;
		accessed[p] = 0;
		harvested[p] = -1;
	}
}

/* ------------------------------------------------------------------ */
/* Model list operations                                               */
/* ------------------------------------------------------------------ */

static void m_push_head(int l, int p)
{
	memmove(&lst[l][1], &lst[l][0], (size_t)len[l] * sizeof(int));
	lst[l][0] = p;
	len[l]++;
	where[p] = l;
	active_flag[p] = lru_is_active(l);
}

static void m_remove(int p)
{
	int l = where[p], i = 0;

	while (lst[l][i] != p)
		i++;
	memmove(&lst[l][i], &lst[l][i + 1], (size_t)(len[l] - i - 1) * sizeof(int));
	len[l]--;
	where[p] = WHERE_NONE;
}

static int m_tail(int l)
{
	return lst[l][len[l] - 1];
}

/* The refs the callback gave @p in this scan; each page exactly once. */
static unsigned m_refs(int p)
{
	int r = harvested[p];

	T_ASSERT(r >= 0);
	harvested[p] = -1;
	return (unsigned)r;
}

static void m_age_active(int l, unsigned long nr)
{
	unsigned long left = MM_MIN(nr, (unsigned long)len[l]);

	mstat.pgrefill += left;
	while (left--) {
		int p = m_tail(l);
		unsigned refs = m_refs(p);
		bool was = referenced[p];

		referenced[p] = false;
		m_remove(p);
		if (refs || was) {
			m_push_head(l, p);
			mstat.pgrotated++;
		} else {
			m_push_head(l & ~LRU_ACTIVE, p);
			mstat.pgdeactivate++;
		}
	}
}

static void m_isolate(int l, unsigned long nr)
{
	unsigned long left = MM_MIN(nr, (unsigned long)len[l]);

	mstat.pgscan += left;
	while (left--) {
		int p = m_tail(l);
		unsigned refs = m_refs(p);
		bool was = referenced[p];

		referenced[p] = false;
		m_remove(p);
		if (refs == 0) {
			where[p] = WHERE_ISOLATED;
			active_flag[p] = false;
			nr_isolated++;
			m_out[m_nout++] = p;
		} else if (was || refs > 1) {
			m_push_head(l | LRU_ACTIVE, p);
			mstat.pgactivate++;
		} else {
			referenced[p] = true;
			m_push_head(l, p);
			mstat.pgrotated++;
		}
	}
}

static void m_mark_accessed(int p)
{
	if (!referenced[p]) {
		referenced[p] = true;
	} else if (where[p] >= 0 && where[p] < NR_LRU_LISTS &&
		   !lru_is_active(where[p])) {
		int l = where[p] | LRU_ACTIVE;

		referenced[p] = false;
		m_remove(p);
		m_push_head(l, p);
		mstat.pgactivate++;
	}
}

/* ------------------------------------------------------------------ */
/* Comparison                                                          */
/* ------------------------------------------------------------------ */

static void compare(void)
{
	T_CHECK(lru_check(&lv));
	for (int l = 0; l < NR_LRU_LISTS; l++) {
		struct page *page;
		int i = 0;

		T_ASSERT(lv.nr_pages[l] == (unsigned long)len[l]);
		list_for_each_entry(page, &lv.lists[l], lru)
			T_ASSERT(idx(page) == lst[l][i++]);
	}
	for (int p = 0; p < NPAGES; p++) {
		bool on_list = where[p] >= 0 && where[p] < NR_LRU_LISTS;

		T_ASSERT(page_has(&pages[p], PG_lru) == on_list);
		T_ASSERT(page_has(&pages[p], PG_referenced) == referenced[p]);
		if (where[p] != WHERE_NONE)
			T_ASSERT(page_has(&pages[p], PG_active) == active_flag[p]);
		T_ASSERT(harvested[p] < 0);
	}
	T_ASSERT(lv.nr_isolated == nr_isolated);
	T_ASSERT(memcmp(&lv.stat, &mstat, sizeof(mstat)) == 0);
}

/* ------------------------------------------------------------------ */
/* Operations on both                                                  */
/* ------------------------------------------------------------------ */

static void op_add(int p, bool active)
{
	enum lru_list l = (page_file(p) ? LRU_FILE : 0) | (active ? LRU_ACTIVE : 0);

	lru_add(&lv, &pages[p], l);
	m_push_head(l, p);
}

static void op_del(int p)
{
	lru_del(&lv, &pages[p]);
	m_remove(p);
	active_flag[p] = false;
}

static void op_age(enum lru_list l, unsigned long nr)
{
	unsigned long demoted, before = mstat.pgdeactivate;

	demoted = lru_age_active(&lv, l, nr, harvest, &l);
	m_age_active(l, nr);
	T_ASSERT(demoted == mstat.pgdeactivate - before);
}

static void op_isolate(enum lru_list l, unsigned long nr)
{
	unsigned long taken, before = nr_isolated;
	struct list_head out;
	struct page *page;

	int i = 0;

	list_init(&out);
	taken = lru_isolate_inactive(&lv, l, nr, harvest, &l, &out);
	m_nout = 0;
	m_isolate(l, nr);
	T_ASSERT(taken == nr_isolated - before && taken == (unsigned long)m_nout);
	list_for_each_entry(page, &out, lru)	/* oldest first */
		T_ASSERT(idx(page) == m_out[i++]);
	while (!list_empty(&out))	/* append, keeping scan order */
		list_move_tail(out.next, &isolated);
}

/* Put back a random subset of the isolated pages; reclaim the rest. */
static void op_putback(void)
{
	struct list_head back;
	unsigned long nr_back = 0, nr_gone = 0;

	list_init(&back);
	while (!list_empty(&isolated)) {
		struct page *page = list_first_entry(&isolated, struct page, lru);
		int p = idx(page);

		if (t_below(2)) {
			if (t_below(4) == 0) {
				page_set(page, PG_active);
				active_flag[p] = true;
			}
			list_move_tail(&page->lru, &back);
			nr_back++;
		} else {
			list_del(&page->lru);
			where[p] = WHERE_NONE;
			nr_gone++;
		}
	}
	/* Model: putback walks @back in order, each to its list's head. */
	for (struct list_head *pos = back.next; pos != &back; pos = pos->next) {
		int p = idx(list_entry(pos, struct page, lru));
		int l = (page_file(p) ? LRU_FILE : 0) |
			(active_flag[p] ? LRU_ACTIVE : 0);

		m_push_head(l, p);
		mstat.pgactivate += active_flag[p];
	}
	T_ASSERT(lru_putback(&lv, &back) == nr_back && list_empty(&back));
	lru_note_reclaimed(&lv, nr_gone);
	nr_isolated -= nr_back + nr_gone;
	mstat.pgsteal += nr_gone;
}

/* Isolated page @p was reclaimed. */
static void reclaim_one(int p)
{
	T_ASSERT(where[p] == WHERE_ISOLATED);
	list_del(&pages[p].lru);
	lru_note_reclaimed(&lv, 1);
	where[p] = WHERE_NONE;
	nr_isolated--;
	mstat.pgsteal++;
}

static void op_access(int p)
{
	accessed[p] |= 1u << t_below(NMAPS);
	if (t_below(5) == 0)
		accessed[p] |= 1u << t_below(NMAPS);
}

static void op_mark_accessed(int p)
{
	lru_mark_accessed(&lv, &pages[p]);
	m_mark_accessed(p);
}

/* ------------------------------------------------------------------ */
/* Tests                                                               */
/* ------------------------------------------------------------------ */

static enum lru_list random_list(bool active)
{
	return (t_below(3) ? 0 : LRU_FILE) | (active ? LRU_ACTIVE : 0);
}

static void random_run(int steps)
{
	unsigned long counts[8] = { 0 };

	pages_init();
	for (int step = 0; step < steps; step++) {
		int p = (int)t_below(NPAGES);
		uint64_t r = t_below(100);

		if (r < 25) {
			if (where[p] == WHERE_NONE) {
				op_add(p, t_below(4) == 0);
				counts[0]++;
			}
		} else if (r < 30) {
			if (where[p] >= 0 && where[p] < NR_LRU_LISTS) {
				op_del(p);
				counts[1]++;
			}
		} else if (r < 60) {
			op_access(p);
			counts[2]++;
		} else if (r < 68) {
			op_mark_accessed(p);
			counts[3]++;
		} else if (r < 80) {
			op_age(random_list(true), t_below(100));
			counts[4]++;
		} else if (r < 94) {
			op_isolate(random_list(false), t_below(80));
			counts[5]++;
		} else {
			op_putback();
			counts[6]++;
		}
		compare();
	}
	op_putback();
	compare();
	printf("# %s: add %lu del %lu access %lu mark %lu age %lu isolate %lu "
	       "putback %lu; %lu callbacks; activate %llu deactivate %llu "
	       "rotate %llu steal %llu\n", t_case, counts[0], counts[1],
	       counts[2], counts[3], counts[4], counts[5], counts[6],
	       nr_callbacks, (unsigned long long)mstat.pgactivate,
	       (unsigned long long)mstat.pgdeactivate,
	       (unsigned long long)mstat.pgrotated,
	       (unsigned long long)mstat.pgsteal);
}

static void test_random(void)
{
	t_begin("mm.lru.random");
	random_run(100000);
	T_ASSERT(max_batch == LRU_BATCH);
	t_pass();
}

/* Scan @l for reclaim with nr 1 and report what happened to page 1. */
static int scan_one(enum lru_list l)
{
	op_isolate(l, 1);
	compare();
	return where[1];
}

static void test_second_chance(void)
{
	t_begin("mm.lru.second_chance");
	pages_init();
	/* New anon pages start inactive; the faulting access is one touch. */
	T_ASSERT(LRU_NEW_ANON == LRU_INACTIVE_ANON && !page_file(1));
	op_add(1, false);
	op_access(1);
	accessed[1] = 1;
	T_ASSERT(scan_one(LRU_INACTIVE_ANON) == LRU_INACTIVE_ANON);
	T_ASSERT(page_has(&pages[1], PG_referenced));
	/* Not used again: reclaimed on the next round. */
	T_ASSERT(scan_one(LRU_INACTIVE_ANON) == WHERE_ISOLATED);
	T_ASSERT(!page_has(&pages[1], PG_lru | PG_referenced | PG_active));
	reclaim_one(1);
	op_add(1, false);		/* the frame's next life */
	compare();
	T_ASSERT(where[1] == LRU_INACTIVE_ANON);

	/* Used again between the scans: activated on the second. */
	accessed[1] = 1;
	T_ASSERT(scan_one(LRU_INACTIVE_ANON) == LRU_INACTIVE_ANON);
	accessed[1] = 1;
	T_ASSERT(scan_one(LRU_INACTIVE_ANON) == LRU_ACTIVE_ANON);
	T_ASSERT(page_has(&pages[1], PG_active) &&
		 !page_has(&pages[1], PG_referenced));

	/* Active: accessed since the last scan goes round, else demoted. */
	accessed[1] = 1;
	op_age(LRU_ACTIVE_ANON, 1);
	T_ASSERT(where[1] == LRU_ACTIVE_ANON);
	op_age(LRU_ACTIVE_ANON, 1);
	T_ASSERT(where[1] == LRU_INACTIVE_ANON);
	compare();

	/* Two mappings accessed at once: straight to the active list. */
	accessed[1] = 3;
	T_ASSERT(scan_one(LRU_INACTIVE_ANON) == LRU_ACTIVE_ANON);

	/* lru_mark_accessed twice activates; once only marks. */
	op_add(4, false);
	op_mark_accessed(4);
	T_ASSERT(where[4] == LRU_INACTIVE_ANON);
	op_mark_accessed(4);
	T_ASSERT(where[4] == LRU_ACTIVE_ANON);
	/* PG_referenced alone keeps an active page for one more round. */
	op_mark_accessed(4);
	op_age(LRU_ACTIVE_ANON, 2);
	T_ASSERT(where[4] == LRU_ACTIVE_ANON);
	compare();
	t_pass();
}

/*
 * lru_isolate_page (MADV_PAGEOUT): a named page leaves its list at once,
 * keeps its active/inactive identity for putback, and counts as isolated.
 */
static void test_isolate_page(void)
{
	struct list_head out;

	t_begin("mm.lru.isolate_page");
	pages_init();
	list_init(&out);
	op_add(1, false);
	op_add(2, true);
	op_mark_accessed(1);
	lru_isolate_page(&lv, &pages[1], &out);
	lru_isolate_page(&lv, &pages[2], &out);
	T_ASSERT(lv.nr_isolated == 2);
	T_ASSERT(lv.nr_pages[LRU_INACTIVE_ANON] == 0 &&
		 lv.nr_pages[LRU_ACTIVE_ANON] == 0);
	T_ASSERT(!page_has(&pages[1], PG_lru | PG_referenced));
	T_ASSERT(page_has(&pages[2], PG_active));
	T_CHECK(lru_check(&lv));
	/* page 1 is reclaimed, page 2 goes back where it was */
	list_del(&pages[1].lru);
	lru_note_reclaimed(&lv, 1);
	T_ASSERT(lru_putback(&lv, &out) == 1);
	T_ASSERT(lv.nr_isolated == 0 && list_empty(&out));
	T_ASSERT(lv.nr_pages[LRU_ACTIVE_ANON] == 1 &&
		 page_has(&pages[2], PG_lru | PG_active));
	T_CHECK(lru_check(&lv));
	t_pass();
}

/* A scan never sees a page twice, however large nr_to_scan is. */
static void test_scan_bounds(void)
{
	unsigned long calls;

	t_begin("mm.lru.scan_bounds");
	pages_init();
	for (int p = 1; p <= 100; p++)
		if (!page_file(p))
			op_add(p, true);
	for (int p = 0; p < NPAGES; p++)
		accessed[p] = 1;
	calls = nr_callbacks;
	op_age(LRU_ACTIVE_ANON, 1000000);
	compare();
	T_ASSERT(lv.stat.pgrefill == (unsigned long)len[LRU_ACTIVE_ANON]);
	T_ASSERT(lv.stat.pgrotated == lv.stat.pgrefill);
	T_ASSERT(nr_callbacks - calls ==
		 (lv.stat.pgrefill + LRU_BATCH - 1) / LRU_BATCH);
	op_age(LRU_ACTIVE_ANON, 1000000);	/* nothing accessed now */
	T_ASSERT(len[LRU_ACTIVE_ANON] == 0);
	op_isolate(LRU_INACTIVE_ANON, 1000000);
	T_ASSERT(len[LRU_INACTIVE_ANON] == 0);
	op_isolate(LRU_INACTIVE_ANON, 5);	/* empty list: no callback */
	compare();
	t_pass();
}

static void test_ratio(void)
{
	const unsigned long gib = 1UL << (30 - PAGE_SHIFT);
	static struct lruvec fake;

	t_begin("mm.lru.ratio");
	T_ASSERT(lru_inactive_ratio(0) == 1);
	T_ASSERT(lru_inactive_ratio(gib - 1) == 1);
	T_ASSERT(lru_inactive_ratio(gib) == 3);
	T_ASSERT(lru_inactive_ratio(10 * gib) == 10);
	T_ASSERT(lru_inactive_ratio(100 * gib) == 31);
	T_ASSERT(lru_inactive_ratio(1000 * gib) == 100);
	for (unsigned long x = 1; x < 100000; x++) {
		unsigned long s = lru_inactive_ratio(x * gib);

		T_ASSERT(s * s <= 10 * x && (s + 1) * (s + 1) > 10 * x);
	}
	lruvec_init(&fake);
	/* Small memory: 1:1. */
	fake.nr_pages[LRU_INACTIVE_ANON] = 100;
	fake.nr_pages[LRU_ACTIVE_ANON] = 100;
	T_ASSERT(!lru_inactive_is_low(&fake, LRU_INACTIVE_ANON));
	fake.nr_pages[LRU_ACTIVE_ANON] = 101;
	T_ASSERT(lru_inactive_is_low(&fake, LRU_INACTIVE_ANON));
	T_ASSERT(!lru_inactive_is_low(&fake, LRU_INACTIVE_FILE));
	/* 4 GiB: the active list may be int_sqrt(40) = 6 times longer. */
	fake.nr_pages[LRU_INACTIVE_FILE] = 150000;
	fake.nr_pages[LRU_ACTIVE_FILE] = 900000;
	T_ASSERT(!lru_inactive_is_low(&fake, LRU_INACTIVE_FILE));
	fake.nr_pages[LRU_INACTIVE_FILE] = 149000;
	fake.nr_pages[LRU_ACTIVE_FILE] = 901000;
	T_ASSERT(lru_inactive_is_low(&fake, LRU_INACTIVE_FILE));
	t_pass();
}

/* The validator must notice corruption, not just pass clean state. */
static void test_check_detects(void)
{
	struct page *page;

	t_begin("mm.lru.check_detects");
	pages_init();
	for (int p = 0; p < 20; p++)
		op_add(p, p & 1);
	compare();
	fprintf(stderr, "# expect five check failures:\n");
	page = &pages[4];			/* anon, inactive */
	page_set(page, PG_active);
	T_ASSERT(lru_check(&lv) == -EUCLEAN);
	page_clear(page, PG_active | PG_lru);
	T_ASSERT(lru_check(&lv) == -EUCLEAN);
	page_set(page, PG_lru);
	page_clear(page, PG_anon);		/* a file page on an anon list */
	T_ASSERT(lru_check(&lv) == -EUCLEAN);
	page_set(page, PG_anon);
	lv.nr_pages[LRU_ACTIVE_FILE]++;
	T_ASSERT(lru_check(&lv) == -EUCLEAN);
	lv.nr_pages[LRU_ACTIVE_FILE]--;
	page->refcount = 0;			/* freed while on the LRU */
	T_ASSERT(lru_check(&lv) == -EUCLEAN);
	page->refcount = 1;
	compare();
	t_pass();
}

int main(void)
{
	t_seed_init(777);
	test_second_chance();
	test_isolate_page();
	test_scan_bounds();
	test_ratio();
	test_random();
	test_check_detects();
	return 0;
}
