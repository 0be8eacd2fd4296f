/*
 * test_malloc.c - lib/c's allocator against a model.
 *
 * libc.malloc.random runs long random sequences of malloc, calloc,
 * realloc and free over sizes from 0 to 300 KiB (small, middle and mmap
 * blocks).  The model remembers each live block's size and the byte
 * pattern written into it; the test checks the pattern before every free
 * and after every realloc, checks calloc memory is zero and every pointer
 * 16-byte aligned, checks that no two live blocks overlap, and calls
 * lc_malloc_check() after every operation.
 * libc.malloc.reuse: once everything is freed the heap has coalesced -
 * a big middle block fits without growing the heap - and every mmap
 * has been unmapped.
 * libc.malloc.abort: a double free, a smashed header and a misaligned
 * pointer each end in abort() with the right message (lc_abort is
 * trapped with longjmp).
 * libc.malloc.edge: free(NULL), malloc(0), realloc(NULL, n),
 * realloc(p, 0), calloc overflow and huge requests.
 * libc.malloc.sbrk: malloc fails cleanly with ENOMEM when sbrk does, and
 * copes with sbrk memory that does not continue the heap (new segments,
 * misaligned breaks).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lc_test.h"

#define NSLOTS 1500

struct slot {
	unsigned char *p;
	size_t size;
	unsigned char seed;
};

static struct slot slots[NSLOTS];

static size_t random_size(void)
{
	switch (test_rand() % 16) {
	case 0: return 0;
	case 1: case 2: case 3: case 4: case 5: case 6:
		return test_rand() % 129;
	case 7: case 8: case 9: return test_rand() % 2100;
	case 10: case 11: case 12: return test_rand() % 20000;
	case 13: case 14: return test_rand() % (140 * 1024);
	default: return test_rand() % (300 * 1024);
	}
}

static void fill(struct slot *s)
{
	size_t i;

	for (i = 0; i < s->size; i++)
		s->p[i] = (unsigned char)(s->seed + i * 7);
}

static int intact(const struct slot *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (s->p[i] != (unsigned char)(s->seed + i * 7))
			return 0;
	return 1;
}

static void slot_alloc(struct slot *s)
{
	size_t i;

	s->size = random_size();
	s->seed = (unsigned char)test_rand();
	if (test_rand() % 4 == 0) {
		s->p = lc_calloc(1, s->size);
		for (i = 0; s->p && i < s->size; i++)
			if (s->p[i])
				break;
		CHECK(s->p && i == s->size, "calloc(%zu) not zero", s->size);
	} else {
		s->p = lc_malloc(s->size);
	}
	CHECK(s->p && ((uintptr_t)s->p & 15) == 0, "malloc(%zu) = %p",
	      s->size, (void *)s->p);
	if (s->p)
		fill(s);
}

static void slot_free(struct slot *s)
{
	CHECK(intact(s, s->size), "block of %zu bytes corrupted", s->size);
	lc_free(s->p);
	s->p = NULL;
}

static void slot_realloc(struct slot *s)
{
	size_t n = random_size() + 1, keep = n < s->size ? n : s->size;
	unsigned char *p = lc_realloc(s->p, n);

	CHECK(p && ((uintptr_t)p & 15) == 0, "realloc(%zu) = %p", n, (void *)p);
	if (!p)
		return;
	s->p = p;
	CHECK(intact(s, keep), "realloc %zu -> %zu lost data", s->size, n);
	s->size = n;
	fill(s);
}

static int cmp_slot(const void *a, const void *b)
{
	const struct slot *x = a, *y = b;

	return (x->p > y->p) - (x->p < y->p);
}

/* No two live blocks may share a byte. */
static void check_overlap(void)
{
	static struct slot sorted[NSLOTS];
	size_t n = 0, i;

	for (i = 0; i < NSLOTS; i++)
		if (slots[i].p)
			sorted[n++] = slots[i];
	qsort(sorted, n, sizeof(sorted[0]), cmp_slot);
	for (i = 1; i < n; i++)
		CHECK(sorted[i - 1].p + sorted[i - 1].size <= sorted[i].p,
		      "blocks %p+%zu and %p overlap", (void *)sorted[i - 1].p,
		      sorted[i - 1].size, (void *)sorted[i].p);
}

static void random_op(void)
{
	struct slot *s = &slots[test_rand() % NSLOTS];

	if (!s->p)
		slot_alloc(s);
	else if (test_rand() % 3 == 0)
		slot_realloc(s);
	else
		slot_free(s);
	CHECK(lc_malloc_check() == 0, "heap check failed");
}

static void free_all(void)
{
	size_t i;

	for (i = 0; i < NSLOTS; i++)
		if (slots[i].p)
			slot_free(&slots[i]);
	CHECK(lc_malloc_check() == 0, "heap check failed after free_all");
}

static int test_random(void)
{
	int round, i;

	test_seed(42);
	for (round = 0; round < 3; round++) {
		for (i = 0; i < 30000 && test_failures < 20; i++) {
			random_op();
			if (i % 5000 == 0)
				check_overlap();
		}
		check_overlap();
		free_all();
	}
	return test_report("libc.malloc.random");
}

static int test_reuse(void)
{
	void *brk = lc_sbrk(0), *p;

	CHECK(fake_mmap_live == 0, "%zu mappings leaked", fake_mmap_live);
	p = lc_malloc(120 * 1024);
	CHECK(p != NULL, "malloc after free_all");
	CHECK(lc_sbrk(0) == brk, "heap grew though everything was free");
	lc_free(p);
	CHECK(lc_malloc_check() == 0, "heap check");
	return test_report("libc.malloc.reuse");
}

/* Runs free(p) expecting abort() with msg on stderr. */
static void expect_abort(void *p, const char *msg)
{
	jmp_buf jb;

	fake_write_reset();
	fake_abort_jmp = &jb;
	if (!setjmp(jb)) {
		lc_free(p);
		CHECK(0, "free did not abort (%s)", msg);
	}
	fake_abort_jmp = NULL;
	CHECK(strstr(fake_write_buf, msg) != NULL, "message \"%s\" not in \"%s\"",
	      msg, fake_write_buf);
}

static int test_abort(void)
{
	size_t sizes[] = { 24, 5000, 200 * 1024 };
	uint32_t saved;
	size_t i;
	char *p;

	for (i = 0; i < 2; i++) {
		p = lc_malloc(sizes[i]);
		lc_free(p);
		expect_abort(p, "double free");
	}
	for (i = 0; i < 3; i++) {
		p = lc_malloc(sizes[i]);
		memcpy(&saved, p - 16, sizeof(saved));
		memset(p - 16, 0x41, 4);
		expect_abort(p, "corrupted");
		memcpy(p - 16, &saved, sizeof(saved));
		expect_abort(p + 8, "invalid pointer");
		lc_free(p);
	}
	CHECK(lc_malloc_check() == 0, "heap check after abort tests");
	return test_report("libc.malloc.abort");
}

static int test_edge(void)
{
	void *p;

	lc_free(NULL);
	p = lc_malloc(0);
	CHECK(p != NULL, "malloc(0)");
	lc_free(p);
	p = lc_realloc(NULL, 10);
	CHECK(p != NULL, "realloc(NULL, 10)");
	CHECK(lc_realloc(p, 0) == NULL, "realloc(p, 0)");
	lc_errno = 0;
	CHECK(lc_calloc(SIZE_MAX / 2, 3) == NULL && lc_errno == ENOMEM,
	      "calloc overflow");
	lc_errno = 0;
	CHECK(lc_malloc(SIZE_MAX - 8) == NULL && lc_errno == ENOMEM,
	      "huge malloc");
	CHECK(lc_malloc_check() == 0, "heap check");
	return test_report("libc.malloc.edge");
}

/* sbrk failing, and sbrk memory that does not continue the heap. */
static int test_sbrk(void)
{
	void *p[64];
	int i, n;

	fake_sbrk_fail = 1;
	lc_errno = 0;
	for (n = 0; n < 64 && (p[n] = lc_malloc(100 * 1024)); n++)
		;
	CHECK(n < 64 && lc_errno == ENOMEM, "malloc survived sbrk failure");
	fake_sbrk_fail = 0;
	for (i = 0; i < n; i++)
		lc_free(p[i]);

	for (i = 0; i < 64; i++) {
		if (i % 4 == 0)
			fake_sbrk_gap = 4096 * (i % 3) + 8 * i + 1;
		p[i] = lc_malloc(100 * 1024);
		CHECK(p[i] != NULL, "malloc with a gapped heap");
		CHECK(lc_malloc_check() == 0, "heap check with gaps");
	}
	for (i = 0; i < 64; i++) {
		lc_free(p[(i * 7) % 64]);
		CHECK(lc_malloc_check() == 0, "heap check freeing with gaps");
	}
	return test_report("libc.malloc.sbrk");
}

int main(void)
{
	int failed = 0;

	failed |= test_edge();
	failed |= test_sbrk();
	failed |= test_random();
	failed |= test_reuse();
	failed |= test_abort();
	return failed;
}
