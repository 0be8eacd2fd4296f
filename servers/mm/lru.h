/*
 * lru.h - the LRU lists reclaim chooses victims from (Linux mm/vmscan.c,
 * mm/swap.c: the classic active/inactive lists, not MGLRU).
 *
 * A struct lruvec holds four lists, indexed the way Linux indexes them so
 * that file pages slot in beside anonymous ones: inactive and active, for
 * swap-backed pages (anonymous and shmem) and for file pages.  A page is on
 * at most one list; while it is, it has PG_lru, it has PG_active exactly
 * when the list is an active one, and lru_page_is_file() says which pair.
 * New pages go to the head of a list; aging and reclaim take from the tail.
 * Pages that reclaim has isolated are on no list, have PG_lru clear, and
 * belong to the caller until lru_putback() or lru_note_reclaimed().
 *
 * PG_referenced records one access that has not been acted on yet: set by
 * lru_mark_accessed() and by the first accessed scan of an inactive page,
 * consumed by the next scan of the page or by its activation.
 *
 * Single-threaded: no lru_lock.  The scan functions call back into the
 * caller to harvest accessed bits; the callback must not add, remove or
 * move pages on the lruvec it is called for.
 */
#ifndef MM_LRU_H
#define MM_LRU_H

#include "mm_types.h"
#include "page.h"

#define LRU_ACTIVE	1	/* add to an inactive list: its active twin */
#define LRU_FILE	2	/* add to an anon list: the file one */

enum lru_list {
	LRU_INACTIVE_ANON = 0,
	LRU_ACTIVE_ANON = LRU_ACTIVE,
	LRU_INACTIVE_FILE = LRU_FILE,
	LRU_ACTIVE_FILE = LRU_FILE | LRU_ACTIVE,
	NR_LRU_LISTS
};

/*
 * Where a newly faulted swap-backed page starts.  Linux put new anonymous
 * pages on the active list until 5.9 and on the inactive list since: a
 * burst of use-once anonymous memory should not push the established
 * working set off the active list.  Inactive insertion is safe because an
 * inactive page must be seen accessed twice to be activated (the fault
 * that created it sets its accessed bit once), and an unused page is
 * reclaimed after one trip.  We follow 5.9.  Linux also activates a page
 * whose refault distance shows it was evicted too early; mm keeps no
 * shadow entries yet, so a swapped-in page simply starts inactive too.
 */
#define LRU_NEW_ANON	LRU_INACTIVE_ANON

/* Pages scanned per accessed-bit callback (Linux's SWAP_CLUSTER_MAX). */
#define LRU_BATCH	32u

/* Event counters, as /proc/vmstat names them. */
struct lru_stat {
	uint64_t pgscan;		/* inactive pages scanned */
	uint64_t pgsteal;		/* isolated pages then reclaimed */
	uint64_t pgrefill;		/* active pages scanned */
	uint64_t pgactivate;		/* pages moved inactive -> active */
	uint64_t pgdeactivate;		/* pages moved active -> inactive */
	uint64_t pgrotated;		/* pages given another trip round
					 * their own list (Linux counts only
					 * inactive pages rotated after
					 * writeback here) */
};

struct lruvec {
	struct list_head lists[NR_LRU_LISTS];	/* head = newest */
	unsigned long nr_pages[NR_LRU_LISTS];
	unsigned long nr_isolated;	/* taken by isolate, not yet returned */
	struct lru_stat stat;
};

/*
 * The accessed-bit harvest: for each of @pages[0..@n), store in @refs[i]
 * how many of its mappings were accessed since the last call for that
 * page (0 = none), and clear those accessed bits.  mm implements it with
 * the reverse map and one batched kernel call.  n <= LRU_BATCH.
 */
typedef void (*lru_referenced_fn)(struct page *const *pages, unsigned n,
				  unsigned *refs, void *ctx);

static inline bool lru_is_active(enum lru_list lru)
{
	return (lru & LRU_ACTIVE) != 0;
}

static inline bool lru_is_file(enum lru_list lru)
{
	return (lru & LRU_FILE) != 0;
}

/*
 * Which pair of lists @page belongs on.  Linux asks PageSwapBacked; here
 * PG_anon marks every swap-backed page - private anonymous and shmem
 * ("shared anonymous") alike - and everything else is a file page.
 */
static inline bool lru_page_is_file(const struct page *page)
{
	return !page_has(page, PG_anon);
}

/* The list @page's flags say it is on (or belongs on, if isolated). */
static inline enum lru_list lru_page_list(const struct page *page)
{
	return (enum lru_list)((lru_page_is_file(page) ? LRU_FILE : 0) |
			       (page_has(page, PG_active) ? LRU_ACTIVE : 0));
}

void lruvec_init(struct lruvec *lruvec);

/*
 * Put @page, which is on no list, at the head of @lru; the list must be of
 * the page's kind (lru_page_is_file()).  Sets PG_lru, and PG_active iff
 * @lru is active.
 */
void lru_add(struct lruvec *lruvec, struct page *page, enum lru_list lru);

/* Take @page off its list (it is being freed): clears PG_lru, PG_active. */
void lru_del(struct lruvec *lruvec, struct page *page);

/*
 * An access seen outside the page tables (Linux folio_mark_accessed): the
 * first sets PG_referenced, a second on an inactive page activates it.
 * Isolated pages only collect PG_referenced.
 */
void lru_mark_accessed(struct lruvec *lruvec, struct page *page);

/*
 * Age up to @nr_to_scan pages from the tail of active list @lru: pages
 * accessed since their last scan go round again, the rest move to the
 * head of the inactive list.  Returns the number demoted.
 */
unsigned long lru_age_active(struct lruvec *lruvec, enum lru_list lru,
			     unsigned long nr_to_scan,
			     lru_referenced_fn referenced, void *ctx);

/*
 * Scan up to @nr_to_scan pages from the tail of inactive list @lru for
 * reclaim, with a second chance: a page accessed once goes round again
 * with PG_referenced, one accessed again (or through two mappings) is
 * activated, and one not accessed is moved to @out with PG_lru and
 * PG_referenced cleared.  Returns the number moved to @out.
 */
unsigned long lru_isolate_inactive(struct lruvec *lruvec, enum lru_list lru,
				   unsigned long nr_to_scan,
				   lru_referenced_fn referenced, void *ctx,
				   struct list_head *out);

/*
 * Isolate one particular page (MADV_PAGEOUT names its pages): take it off
 * its list onto @out, as lru_isolate_inactive() would, without a scan.
 */
void lru_isolate_page(struct lruvec *lruvec, struct page *page,
		      struct list_head *out);

/*
 * Return isolated pages that were not reclaimed: each goes to the head of
 * the list its flags name (set PG_active first to activate it, which
 * counts as a pgactivate).  @list is left empty.  Returns the number of
 * pages put back.
 */
unsigned long lru_putback(struct lruvec *lruvec, struct list_head *list);

/* @nr isolated pages were reclaimed and will not come back. */
void lru_note_reclaimed(struct lruvec *lruvec, unsigned long nr);

/*
 * Target active:inactive ratio for a pair holding @nr_pages pages: 1 below
 * 1 GiB, else int_sqrt(10 * GiB) (3 at 1 GiB, 10 at 10 GiB, 31 at 100 GiB).
 */
unsigned long lru_inactive_ratio(unsigned long nr_pages);

/*
 * Is inactive list @lru too short next to its active twin (Linux
 * inactive_is_low)?  Reclaim then ages the active list before isolating.
 */
bool lru_inactive_is_low(const struct lruvec *lruvec, enum lru_list lru);

/* Validate every list, flag and count: 0 or -EUCLEAN. */
int lru_check(const struct lruvec *lruvec);

#endif /* MM_LRU_H */
