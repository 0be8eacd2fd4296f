/*
 * frames.c - the eager pager's physical frames: a bump allocator over the
 * ranges it was given, and a free list for frames that came back.
 *
 * Ranges (chunks) arrive at start (the boot information's free ranges, as
 * the first pager) or one per grant (side by side).  Each chunk is handed
 * out front to back by its bump pointer; a freed frame goes on the free
 * list, linked through its own first word (the next pfn, 0 at the end:
 * frame 0 is firmware memory and never ours).  Allocation takes the free
 * list first, so the bump pointers only move while the pager grows.
 *
 * Reference counts: one 16-bit count per frame of RAM, in frames taken
 * from the first chunk large enough to hold the table.  A frame in a page
 * map holds one reference per page-map entry (shared anonymous memory has
 * several after fork); page-map nodes hold one.
 *
 * Invariants (frames_check): free-list length + unbumped pages = nfree;
 * every free-list frame has count 0 and lies in a chunk; no frame on the
 * list twice (its poison word marks it).
 *
 * Page-table pool: the kernel builds our clients' page tables only from
 * frames we donate (SYS_PT_DONATE), which leave our ownership until an
 * address space dies and SYS_PT_RECLAIM gives them back.
 */
#include <string.h>
#include "eager.h"

#define MAX_CHUNKS	64
#define FREE_POISON	0x6672656566726565ull	/* "freefree" */
#define PT_POOL_BATCH	16
#define PT_POOL_HIGH	64

struct chunk {
	pfn_t start, end, bump;
};

static struct chunk chunks[MAX_CHUNKS];
static unsigned nchunks;
static pfn_t free_head;
static uint64_t nfree_list, ntotal, npt_donated;
static uint16_t *refs;
static pfn_t refs_max;

void *frame_va(pfn_t pfn)
{
	return (void *)(BOOT_PHYSMAP_BASE + (pfn << PAGE_SHIFT));
}

static bool pfn_in_chunks(pfn_t pfn)
{
	for (unsigned i = 0; i < nchunks; i++)
		if (pfn >= chunks[i].start && pfn < chunks[i].bump)
			return true;
	return false;
}

/* The reference table, from the front of the first chunk that holds it. */
static int refs_init(struct chunk *k)
{
	uint64_t bytes = ep_boot.max_pfn * sizeof(uint16_t);
	uint64_t pages = ALIGN_UP(bytes) >> PAGE_SHIFT;

	if (k->end - k->bump < pages + 1)
		return -ENOMEM;
	refs = frame_va(k->bump);
	refs_max = ep_boot.max_pfn;
	memset(refs, 0, pages << PAGE_SHIFT);
	k->bump += pages;
	return 0;
}

int frames_add(pfn_t start, uint64_t npages)
{
	struct chunk *k;

	if (nchunks == MAX_CHUNKS || start == 0 || npages == 0 ||
	    start + npages > ep_boot.max_pfn)
		return -EINVAL;
	k = &chunks[nchunks];
	*k = (struct chunk){ start, start + npages, start };
	if (!refs && refs_init(k))
		return -ENOMEM;		/* too small to hold the table */
	ntotal += k->end - k->bump;
	nchunks++;
	return 0;
}

/* Zero with wide stores: under TCG rep stosb costs far more per page. */
static void zero_page(void *addr)
{
	uint64_t *p = addr;

	for (unsigned i = 0; i < PAGE_SIZE / 8; i += 4) {
		p[i] = 0; p[i + 1] = 0; p[i + 2] = 0; p[i + 3] = 0;
	}
}

static int frame_take(pfn_t *out)
{
	if (free_head) {
		uint64_t *w = frame_va(free_head);

		*out = free_head;
		free_head = w[0];
		nfree_list--;
		return 0;
	}
	for (unsigned i = 0; i < nchunks; i++)
		if (chunks[i].bump < chunks[i].end) {
			*out = chunks[i].bump++;
			return 0;
		}
	return -ENOMEM;
}

int frame_alloc(pfn_t *out)
{
	int err = frame_take(out);

	if (err)
		return err;
	zero_page(frame_va(*out));
	refs[*out] = 1;
	ep_stats.pages_zeroed++;
	return 0;
}

void frame_get(pfn_t pfn)
{
	if (pfn >= refs_max || refs[pfn] == 0 || refs[pfn] == UINT16_MAX)
		ep_panic("frame_get: bad frame %#lx", (unsigned long)pfn);
	refs[pfn]++;
}

void frame_put(pfn_t pfn)
{
	uint64_t *w;

	if (pfn >= refs_max || refs[pfn] == 0)
		ep_panic("frame_put: bad frame %#lx", (unsigned long)pfn);
	if (--refs[pfn])
		return;
	w = frame_va(pfn);
	w[0] = free_head;
	w[1] = FREE_POISON;
	free_head = pfn;
	nfree_list++;
}

unsigned frame_refs(pfn_t pfn)
{
	return pfn < refs_max ? refs[pfn] : 0;
}

uint64_t frames_free(void)
{
	uint64_t n = nfree_list;

	for (unsigned i = 0; i < nchunks; i++)
		n += chunks[i].end - chunks[i].bump;
	return n;
}

uint64_t frames_total(void)
{
	return ntotal;
}

uint64_t frames_pt_donated(void)
{
	return npt_donated;
}

/* The pool holds at least `want` frames, or -ENOMEM. */
int pt_pool_ensure(unsigned want)
{
	long have = sys2(SYS_PT_DONATE, 0, 0);
	uint64_t pfns[PT_POOL_BATCH];
	unsigned n = 0;

	if (have < 0)
		return (int)have;
	if ((unsigned long)have >= want)
		return 0;
	while (n < PT_POOL_BATCH && frame_take(&pfns[n]) == 0)
		n++;
	if (n + (unsigned long)have < want) {
		while (n) {
			pfn_t p = pfns[--n];

			refs[p] = 1;	/* back on the free list */
			frame_put(p);
		}
		return -ENOMEM;
	}
	have = sys2(SYS_PT_DONATE, pfns, n);
	if (have < 0)
		ep_panic("page-table donation refused (%ld)", have);
	npt_donated += n;
	return 0;
}

/* Take back donated frames above PT_POOL_HIGH (after an exit). */
void pt_pool_trim(void)
{
	uint64_t pfns[32];
	long have = sys2(SYS_PT_DONATE, 0, 0);

	while (have > PT_POOL_HIGH) {
		long n = sys2(SYS_PT_RECLAIM, pfns, 32);

		if (n <= 0)
			return;
		for (long i = 0; i < n; i++) {
			refs[pfns[i]] = 1;
			frame_put(pfns[i]);
		}
		npt_donated -= (uint64_t)n;
		have -= n;
	}
}

int frames_check(void)
{
	uint64_t n = 0;

	for (pfn_t p = free_head; p; p = ((uint64_t *)frame_va(p))[0]) {
		uint64_t *w = frame_va(p);

		if (!pfn_in_chunks(p) || refs[p] != 0 || w[1] != FREE_POISON ||
		    ++n > nfree_list)
			return -EIO;
	}
	return n == nfree_list ? 0 : -EIO;
}
