/*
 * malloc.c - the heap: malloc, calloc, realloc and free.
 *
 * Every block, of whatever kind, starts with a 16-byte struct malloc_hdr
 * whose magic word says what the block is and whether it is in use, so
 * free() and realloc() can route a pointer and catch a double free or a
 * smashed header cheaply (both abort with a message).  Payloads are
 * 16-byte aligned.  Three allocators sit behind the header:
 *
 * Small requests (up to SMALL_MAX bytes) are rounded to one of
 * SMALL_NCLASSES size classes and served from a LIFO free list per class.
 * An empty list is refilled by taking a "run" from the middle allocator
 * and cutting it into blocks of that class.  Runs are never given back.
 *
 * Middle requests live in segments of memory obtained with sbrk().  A
 * segment is a segment header, then blocks laid end to end, then a fence
 * header (size 0) that stops walks.  A free block keeps its size in a
 * footer as well, and the block after a free one has MID_PREV_FREE set,
 * so free() can reach both neighbours in O(1) and coalesce: no two free
 * blocks are ever adjacent.  Free blocks sit in bins by floor(log2(size));
 * a request searches its own bin first-fit, then takes the first block of
 * any higher bin, splitting off a tail large enough to stand alone.  When
 * nothing fits the heap grows; if sbrk() returns memory just past the last
 * fence, the old fence becomes the header of the new free space, so a
 * contiguous heap stays one segment.
 *
 * Large requests (LARGE_MIN and up) get their own mmap() and are unmapped
 * on free.
 *
 * Freed small and middle payloads are poisoned with MALLOC_POISON (up to
 * POISON_MAX bytes).  malloc_check() validates everything above and is
 * called by the unit tests after every operation.
 *
 * Processes are single-threaded, so there is no locking.
 */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "lc.h"
#include "os.h"

#define MALLOC_ALIGN	16
#define HDR_SIZE	sizeof(struct malloc_hdr)
#define PAGE_SIZE	4096UL

#define SMALL_MAX	2048
#define SMALL_NCLASSES	24
#define SMALL_RUN_MIN	4096	/* bytes of blocks carved per refill, at least */
#define SMALL_RUN_BLOCKS 8	/* blocks carved per refill, at least */

#define MID_MIN		48	/* header, free-list links, footer */
#define MID_NBINS	48
#define MID_GROW_MIN	(256 * 1024UL)

#define LARGE_MIN	(128 * 1024UL)

#define MALLOC_POISON	0xa5
#define POISON_MAX	256

enum malloc_magic {
	MAGIC_SMALL_USED = 0x5a11a110,
	MAGIC_SMALL_FREE = 0x5a11f2ee,
	MAGIC_MID_USED = 0x3d1da110,
	MAGIC_MID_FREE = 0x3d1df2ee,
	MAGIC_LARGE = 0x1a29e000,
	MAGIC_FENCE = 0xfe9cefe9,
	MAGIC_SEGMENT = 0x5e9e9700,
};

/* Middle-block flags. */
#define MID_PREV_FREE	1u	/* the block before this one is free */
#define MID_RUN		2u	/* this block is a run of small blocks */

struct malloc_hdr {
	uint32_t magic;
	uint32_t flags;		/* middle: MID_*; small: the class index */
	size_t size;		/* of the whole block, header included */
};

_Static_assert(sizeof(struct malloc_hdr) == MALLOC_ALIGN,
	       "headers must keep payloads aligned");

/* A free small block: the list link overlays the payload. */
struct small_free {
	struct malloc_hdr hdr;
	struct small_free *next;
};

/* A free middle block; its size is repeated in the last 8 bytes. */
struct mid_free {
	struct malloc_hdr hdr;
	struct mid_free *next;
	struct mid_free *prev;
};

/* Start of a region from sbrk(); the first block follows it. */
struct malloc_seg {
	struct malloc_seg *next;
	uint32_t magic;
	uint32_t pad;
};

_Static_assert(sizeof(struct malloc_seg) == MALLOC_ALIGN,
	       "segment header must keep blocks aligned");

static const uint16_t small_class_size[SMALL_NCLASSES] = {
	16, 32, 48, 64, 80, 96, 112, 128,
	160, 192, 224, 256, 320, 384, 448, 512,
	640, 768, 896, 1024, 1280, 1536, 1792, 2048,
};

static struct small_free *small_lists[SMALL_NCLASSES];
static struct mid_free *mid_bins[MID_NBINS];
static struct malloc_seg *mid_segments;
static char *mid_brk_end;	/* end of the last sbrk() region, or NULL */

/* ---- Helpers ---- */

_Noreturn static void malloc_die(const char *what, const void *ptr)
{
	static const char hex[] = "0123456789abcdef";
	char buf[20];
	uintptr_t v = (uintptr_t)ptr;
	int i;

	for (i = 17; i >= 2; i--, v >>= 4)
		buf[i] = hex[v & 15];
	buf[0] = '0';
	buf[1] = 'x';
	buf[18] = '\n';
	write(2, "malloc: ", 8);
	write(2, what, strlen(what));
	write(2, " at ", 4);
	write(2, buf, 19);
	abort();
}

static void malloc_report(const char *what)
{
	write(2, "malloc_check: ", 14);
	write(2, what, strlen(what));
	write(2, "\n", 1);
}

static size_t align_up(size_t n, size_t a)
{
	return (n + a - 1) & ~(a - 1);
}

static struct malloc_hdr *hdr_of(void *p)
{
	return (struct malloc_hdr *)p - 1;
}

static void *payload_of(struct malloc_hdr *h)
{
	return h + 1;
}

static void malloc_poison(void *p, size_t n)
{
	memset(p, MALLOC_POISON, n < POISON_MAX ? n : POISON_MAX);
}

/* ---- Middle allocator ---- */

static struct malloc_hdr *mid_next(struct malloc_hdr *h)
{
	return (struct malloc_hdr *)((char *)h + h->size);
}

static size_t *mid_footer(struct malloc_hdr *h)
{
	return (size_t *)((char *)h + h->size) - 1;
}

static unsigned int mid_bin(size_t size)
{
	unsigned int b = 63 - __builtin_clzll(size);

	return b < MID_NBINS ? b : MID_NBINS - 1;
}

static void mid_bin_insert(struct mid_free *f)
{
	struct mid_free **head = &mid_bins[mid_bin(f->hdr.size)];

	f->prev = NULL;
	f->next = *head;
	if (*head)
		(*head)->prev = f;
	*head = f;
}

static void mid_bin_remove(struct mid_free *f)
{
	if (f->prev)
		f->prev->next = f->next;
	else
		mid_bins[mid_bin(f->hdr.size)] = f->next;
	if (f->next)
		f->next->prev = f->prev;
}

/*
 * Makes h a free block of its current size, merging it with free
 * neighbours, and files the result in its bin.
 */
static void mid_release(struct malloc_hdr *h)
{
	struct malloc_hdr *next = mid_next(h);
	struct mid_free *f;

	if (next->magic == MAGIC_MID_FREE) {
		mid_bin_remove((struct mid_free *)next);
		h->size += next->size;
	}
	if (h->flags & MID_PREV_FREE) {
		struct malloc_hdr *prev =
			(struct malloc_hdr *)((char *)h - ((size_t *)h)[-1]);

		mid_bin_remove((struct mid_free *)prev);
		prev->size += h->size;
		h = prev;
	}
	h->magic = MAGIC_MID_FREE;
	h->flags &= MID_PREV_FREE;
	*mid_footer(h) = h->size;
	mid_next(h)->flags |= MID_PREV_FREE;
	f = (struct mid_free *)h;
	mid_bin_insert(f);
}

/* First fit in need's own bin, else the head of any larger bin. */
static struct mid_free *mid_find(size_t need)
{
	unsigned int b = mid_bin(need);
	struct mid_free *f;

	for (f = mid_bins[b]; f; f = f->next)
		if (f->hdr.size >= need)
			return f;
	for (b++; b < MID_NBINS; b++)
		if (mid_bins[b])
			return mid_bins[b];
	return NULL;
}

/* Obtains at least need bytes of fresh block space from sbrk(). */
static int mid_grow(size_t need)
{
	size_t inc = align_up(need + 2 * HDR_SIZE, PAGE_SIZE);
	char *cur = sbrk(0), *p;
	size_t pad = -(uintptr_t)cur & (MALLOC_ALIGN - 1);
	struct malloc_hdr *h, *fence;

	if (cur == (char *)-1)
		return -ENOMEM;
	if (inc < MID_GROW_MIN)
		inc = MID_GROW_MIN;
	p = sbrk(pad + inc);
	if (p == (char *)-1 || p != cur)
		return -ENOMEM;
	p += pad;
	if (p == mid_brk_end) {
		/* Contiguous: the old fence heads the new space. */
		h = (struct malloc_hdr *)(p - HDR_SIZE);
		h->size = inc;
	} else {
		struct malloc_seg *seg = (struct malloc_seg *)p;

		seg->magic = MAGIC_SEGMENT;
		seg->next = mid_segments;
		mid_segments = seg;
		h = (struct malloc_hdr *)(seg + 1);
		h->flags = 0;
		h->size = inc - sizeof(*seg) - HDR_SIZE;
	}
	mid_brk_end = p + inc;
	fence = (struct malloc_hdr *)(mid_brk_end - HDR_SIZE);
	fence->magic = MAGIC_FENCE;
	fence->flags = 0;
	fence->size = 0;
	mid_release(h);
	return 0;
}

/* Marks h used at exactly need bytes, freeing any tail worth keeping. */
static void mid_take(struct malloc_hdr *h, size_t need)
{
	struct malloc_hdr *tail;
	size_t excess = h->size - need;

	h->magic = MAGIC_MID_USED;
	if (excess >= MID_MIN) {
		h->size = need;
		tail = mid_next(h);
		tail->flags = 0;
		tail->size = excess;
		mid_release(tail);
	} else {
		mid_next(h)->flags &= ~MID_PREV_FREE;
	}
}

/* Allocates a middle block of need bytes (aligned, header included). */
static struct malloc_hdr *mid_alloc(size_t need)
{
	struct mid_free *f = mid_find(need);

	if (!f) {
		if (mid_grow(need))
			return NULL;
		f = mid_find(need);
	}
	mid_bin_remove(f);
	mid_take(&f->hdr, need);
	return &f->hdr;
}

static size_t mid_need(size_t n)
{
	size_t need = align_up(n + HDR_SIZE, MALLOC_ALIGN);

	return need < MID_MIN ? MID_MIN : need;
}

static void mid_free(struct malloc_hdr *h)
{
	malloc_poison(payload_of(h), h->size - HDR_SIZE);
	mid_release(h);
}

/*
 * Resizes h in place to need bytes, absorbing a free successor if that
 * helps; returns false if the block cannot grow that far.
 */
static bool mid_resize(struct malloc_hdr *h, size_t need)
{
	struct malloc_hdr *next = mid_next(h);

	if (need > h->size) {
		if (next->magic != MAGIC_MID_FREE ||
		    h->size + next->size < need)
			return false;
		mid_bin_remove((struct mid_free *)next);
		h->size += next->size;
	}
	mid_take(h, need);
	return true;
}

/* ---- Small allocator ---- */

static unsigned int small_class(size_t n)
{
	unsigned int c;

	if (n <= 128)
		return n ? (n - 1) / 16 : 0;
	for (c = 8; small_class_size[c] < n; c++)
		;
	return c;
}

/* Carves a new run into blocks of class c; returns 0 or -ENOMEM. */
static int small_refill(unsigned int c)
{
	size_t bsize = HDR_SIZE + small_class_size[c];
	size_t count = SMALL_RUN_MIN / bsize;
	struct malloc_hdr *run, *h;
	struct small_free *f;
	char *p;

	if (count < SMALL_RUN_BLOCKS)
		count = SMALL_RUN_BLOCKS;
	run = mid_alloc(HDR_SIZE + count * bsize);
	if (!run)
		return -ENOMEM;
	run->flags |= MID_RUN;
	count = (run->size - HDR_SIZE) / bsize;
	for (p = payload_of(run); count--; p += bsize) {
		h = (struct malloc_hdr *)p;
		h->magic = MAGIC_SMALL_FREE;
		h->flags = c;
		h->size = bsize;
		f = (struct small_free *)h;
		f->next = small_lists[c];
		small_lists[c] = f;
	}
	return 0;
}

static void *small_alloc(size_t n)
{
	unsigned int c = small_class(n);
	struct small_free *f;

	if (!small_lists[c] && small_refill(c))
		return NULL;
	f = small_lists[c];
	small_lists[c] = f->next;
	f->hdr.magic = MAGIC_SMALL_USED;
	return payload_of(&f->hdr);
}

static void small_free(struct malloc_hdr *h)
{
	struct small_free *f = (struct small_free *)h;

	if (h->flags >= SMALL_NCLASSES ||
	    h->size != HDR_SIZE + small_class_size[h->flags])
		malloc_die("corrupted small block header", payload_of(h));
	malloc_poison(payload_of(h), h->size - HDR_SIZE);
	h->magic = MAGIC_SMALL_FREE;
	f->next = small_lists[h->flags];
	small_lists[h->flags] = f;
}

/* ---- Large allocator ---- */

static void *large_alloc(size_t n)
{
	size_t len = align_up(n + HDR_SIZE, PAGE_SIZE);
	struct malloc_hdr *h;

	h = mmap(NULL, len, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (h == MAP_FAILED)
		return NULL;
	h->magic = MAGIC_LARGE;
	h->flags = 0;
	h->size = len;
	return payload_of(h);
}

static void large_free(struct malloc_hdr *h)
{
	h->magic = 0;
	munmap(h, h->size);
}

/* ---- Public interface ---- */

/*
 * Returns the header of a pointer the caller claims is allocated, or
 * dies saying why it is not.
 */
static struct malloc_hdr *malloc_hdr_check(void *p)
{
	struct malloc_hdr *h = hdr_of(p);

	if ((uintptr_t)p & (MALLOC_ALIGN - 1))
		malloc_die("invalid pointer", p);
	switch (h->magic) {
	case MAGIC_SMALL_USED:
	case MAGIC_LARGE:
		return h;
	case MAGIC_MID_USED:
		if (h->flags & MID_RUN)
			malloc_die("invalid pointer", p);
		return h;
	case MAGIC_SMALL_FREE:
	case MAGIC_MID_FREE:
		malloc_die("double free", p);
	default:
		malloc_die("corrupted block header", p);
	}
}

static size_t malloc_usable(struct malloc_hdr *h)
{
	return h->size - HDR_SIZE;
}

void *LC(malloc)(size_t n)
{
	struct malloc_hdr *h;
	void *p;

	if (n > SIZE_MAX / 2) {
		errno = ENOMEM;
		return NULL;
	}
	if (n <= SMALL_MAX) {
		p = small_alloc(n);
	} else if (n >= LARGE_MIN) {
		p = large_alloc(n);
	} else {
		h = mid_alloc(mid_need(n));
		p = h ? payload_of(h) : NULL;
	}
	if (!p)
		errno = ENOMEM;
	return p;
}

void LC(free)(void *p)
{
	struct malloc_hdr *h;

	if (!p)
		return;
	h = malloc_hdr_check(p);
	if (h->magic == MAGIC_SMALL_USED)
		small_free(h);
	else if (h->magic == MAGIC_MID_USED)
		mid_free(h);
	else
		large_free(h);
}

void *LC(calloc)(size_t nmemb, size_t size)
{
	size_t n;
	void *p;

	if (__builtin_mul_overflow(nmemb, size, &n)) {
		errno = ENOMEM;
		return NULL;
	}
	p = LC(malloc)(n);
	if (p && hdr_of(p)->magic != MAGIC_LARGE)
		memset(p, 0, n);	/* fresh mmap memory is already zero */
	return p;
}

/*
 * Keeps the block when the new size still fits and wastes at most half
 * of it; a middle block is first resized in place.  Otherwise moves.
 */
void *LC(realloc)(void *p, size_t n)
{
	struct malloc_hdr *h;
	size_t usable;
	void *q;

	if (!p)
		return LC(malloc)(n);
	if (!n) {
		LC(free)(p);
		return NULL;
	}
	h = malloc_hdr_check(p);
	usable = malloc_usable(h);
	if (h->magic == MAGIC_MID_USED && n > SMALL_MAX && n < LARGE_MIN &&
	    mid_resize(h, mid_need(n)))
		return p;
	if (n <= usable && n >= usable / 2)
		return p;
	q = LC(malloc)(n);
	if (!q)
		return NULL;
	memcpy(q, p, n < usable ? n : usable);
	LC(free)(p);
	return q;
}

/* ---- Validation ---- */

/* Checks the small blocks cut from run; counts the free ones. */
static int small_run_check(struct malloc_hdr *run, size_t *nfree)
{
	struct malloc_hdr *h = payload_of(run);
	unsigned int c = h->flags;
	size_t bsize = h->size, count, i;

	if (c >= SMALL_NCLASSES || bsize != HDR_SIZE + small_class_size[c])
		return -EFAULT;
	count = (run->size - HDR_SIZE) / bsize;
	for (i = 0; i < count; i++) {
		h = (struct malloc_hdr *)((char *)payload_of(run) + i * bsize);
		if (h->flags != c || h->size != bsize)
			return -EFAULT;
		if (h->magic == MAGIC_SMALL_FREE)
			(*nfree)++;
		else if (h->magic != MAGIC_SMALL_USED)
			return -EFAULT;
	}
	return 0;
}

static int mid_block_check(struct malloc_hdr *h, bool prev_free,
			   size_t *nfree_small, size_t *nfree_mid)
{
	if (h->size < MID_MIN || h->size % MALLOC_ALIGN)
		return -EFAULT;
	if (!!(h->flags & MID_PREV_FREE) != prev_free)
		return -EFAULT;
	if (h->magic == MAGIC_MID_FREE) {
		(*nfree_mid)++;
		if (prev_free || *mid_footer(h) != h->size ||
		    (h->flags & MID_RUN))
			return -EFAULT;
		return 0;
	}
	if (h->magic != MAGIC_MID_USED)
		return -EFAULT;
	if (h->flags & MID_RUN)
		return small_run_check(h, nfree_small);
	return 0;
}

/* Walks every segment block by block, up to its fence. */
static int mid_segments_check(size_t *nfree_small, size_t *nfree_mid)
{
	struct malloc_seg *seg;
	struct malloc_hdr *h;
	bool prev_free;

	for (seg = mid_segments; seg; seg = seg->next) {
		if (seg->magic != MAGIC_SEGMENT)
			return -EFAULT;
		prev_free = false;
		for (h = (struct malloc_hdr *)(seg + 1);
		     h->magic != MAGIC_FENCE; h = mid_next(h)) {
			if (mid_block_check(h, prev_free, nfree_small,
					    nfree_mid))
				return -EFAULT;
			prev_free = h->magic == MAGIC_MID_FREE;
		}
		if (!!(h->flags & MID_PREV_FREE) != prev_free || h->size)
			return -EFAULT;
	}
	return 0;
}

static int mid_bins_check(size_t *count)
{
	struct mid_free *f, *prev;
	unsigned int b;

	for (b = 0; b < MID_NBINS; b++) {
		for (prev = NULL, f = mid_bins[b]; f; prev = f, f = f->next) {
			if (f->hdr.magic != MAGIC_MID_FREE || f->prev != prev ||
			    mid_bin(f->hdr.size) != b)
				return -EFAULT;
			(*count)++;
		}
	}
	return 0;
}

static int small_lists_check(size_t *count)
{
	struct small_free *f;
	unsigned int c;

	for (c = 0; c < SMALL_NCLASSES; c++) {
		for (f = small_lists[c]; f; f = f->next) {
			if (f->hdr.magic != MAGIC_SMALL_FREE || f->hdr.flags != c)
				return -EFAULT;
			(*count)++;
		}
	}
	return 0;
}

int LC(malloc_check)(void)
{
	size_t walk_small = 0, walk_mid = 0, list_small = 0, list_mid = 0;

	if (mid_segments_check(&walk_small, &walk_mid)) {
		malloc_report("bad block in heap walk");
		return -EFAULT;
	}
	if (mid_bins_check(&list_mid) || list_mid != walk_mid) {
		malloc_report("free bins disagree with heap");
		return -EFAULT;
	}
	if (small_lists_check(&list_small) || list_small != walk_small) {
		malloc_report("small free lists disagree with runs");
		return -EFAULT;
	}
	return 0;
}
