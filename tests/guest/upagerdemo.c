/*
 * upagerdemo.c - the smallest useful user-level pager (upager.h): a child
 * sums a table of a million squares that does not exist until it reads
 * it; this program computes each page of the table when the child first
 * touches it, and counts the faults.
 *
 *   run upagerdemo [ENTRIES]
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <upager.h>
#include <ipc/sys.h>

#define TABLE		0x0000300000000000ull	/* where the child sees it */
#define PAGE		4096ull
#define PER_PAGE	(PAGE / 8)

/*
 * The pager's state: the table's size and a ring of frames.  The child
 * reads the table once, in order, so a frame is taken back (unmapped) and
 * refilled for a later page once RING newer pages have been served.
 */
#define RING	16
struct squares {
	uint64_t entries;
	uint64_t *frame[RING];
	uint64_t mapped_at[RING];
	unsigned next;
};

/* A fault in the table: compute that page of squares and map it. */
static int squares_fault(struct upager *up, const struct upager_fault *f,
			 void *arg)
{
	struct squares *sq = arg;
	uint64_t first = (f->addr - TABLE) / PAGE * PER_PAGE;
	unsigned k = sq->next++ % RING;
	uint64_t *page;

	if (f->addr < TABLE || first >= sq->entries)
		return SIGSEGV;		/* outside the table: the child dies */
	if (!sq->frame[k] && !(sq->frame[k] = upager_page_alloc(up)))
		return SIGBUS;
	if (sq->mapped_at[k] && upager_unmap(up, sq->mapped_at[k], 1))
		return SIGBUS;
	page = sq->frame[k];
	for (uint64_t i = 0; i < PER_PAGE; i++)
		page[i] = (first + i) * (first + i);
	sq->mapped_at[k] = f->addr & ~(PAGE - 1);
	/* Read-only: the table is ours to compute, not the child's. */
	return upager_map(up, sq->mapped_at[k], page, AS_PROT_READ) ?
	       SIGBUS : 0;
}

/* The child: sum the table (mod 2^31, so it fits the exit code). */
static long child_sum(uint64_t entries)
{
	const volatile uint64_t *table = (const volatile uint64_t *)TABLE;
	uint64_t sum = 0;

	for (uint64_t i = 0; i < entries; i++)
		sum += table[i];
	return (long)(sum & 0x7fffffff);
}

int main(int argc, char **argv)
{
	static struct squares sq;
	uint64_t entries = argc > 1 ? strtoull(argv[1], NULL, 0) : 1000000;
	uint64_t want = 0;
	struct upager up;
	struct upager_status st;
	int err;

	sq.entries = entries;
	for (uint64_t i = 0; i < entries; i++)
		want += i * i;
	err = upager_init(&up, squares_fault, &sq);
	if (!err)
		err = upager_spawn(&up, child_sum, entries, "squares", 0);
	if (!err)
		err = upager_run(&up, &st);
	if (err) {
		printf("upagerdemo: %d\n", err);
		return 1;
	}
	if (!st.exited) {
		printf("upagerdemo: the child died of signal %d at %#lx\n",
		       st.signal, (unsigned long)st.addr);
		return 1;
	}
	printf("upagerdemo: sum of %lu squares = %ld (%s), %lu faults: %lu "
	       "table pages, %lu image, %lu stack\n", (unsigned long)entries,
	       st.code, (uint64_t)st.code == (want & 0x7fffffff) ? "right" :
	       "WRONG", (unsigned long)up.stats.faults,
	       (unsigned long)up.stats.handler, (unsigned long)up.stats.image,
	       (unsigned long)up.stats.stack);
	upager_destroy(&up);
	return (uint64_t)st.code == (want & 0x7fffffff) ? 0 : 1;
}
