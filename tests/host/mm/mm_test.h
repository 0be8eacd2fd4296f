/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mm_test.h - shared scaffolding for the mm host unit tests: mm_panic for
 * the host, a seeded PRNG, a fake physical memory behind mem_map and the
 * physmap, and PASS/FAIL reporting in the project's "PASS mm.x.y" format.
 *
 * Include from exactly one .c file per test executable (it defines
 * mm_panic).  MM_TEST_SEED in the environment overrides the PRNG seed;
 * every test prints the seed it used so a failure can be replayed.
 */
#ifndef MM_TEST_H
#define MM_TEST_H

#define _GNU_SOURCE
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "page.h"

void mm_panic(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fprintf(stderr, "mm_panic: ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\n");
	va_end(ap);
	abort();
}

#define T_ASSERT(cond)							\
	do {								\
		if (!(cond)) {						\
			fprintf(stderr, "FAIL %s: %s:%d: %s (seed %llu)\n", \
				t_case, __FILE__, __LINE__, #cond,	\
				(unsigned long long)t_seed);		\
			abort();					\
		}							\
	} while (0)

/* A *_check() call that must return 0. */
#define T_CHECK(call)	T_ASSERT((call) == 0)

static const char *t_case = "mm";
static uint64_t t_seed;
static uint64_t t_rng;

static void t_begin(const char *name)
{
	t_case = name;
}

static void t_pass(void)
{
	printf("PASS %s\n", t_case);
	fflush(stdout);
}

static void t_seed_init(uint64_t dflt)
{
	const char *env = getenv("MM_TEST_SEED");

	t_seed = env ? strtoull(env, NULL, 0) : dflt;
	t_rng = t_seed * 0x9e3779b97f4a7c15ULL + 1;
	printf("# seed %llu\n", (unsigned long long)t_seed);
}

static uint64_t t_rand(void)
{
	/* xorshift64* */
	t_rng ^= t_rng >> 12;
	t_rng ^= t_rng << 25;
	t_rng ^= t_rng >> 27;
	return t_rng * 0x2545f4914f6cdd1dULL;
}

static uint64_t t_below(uint64_t n)
{
	return n ? t_rand() % n : 0;
}

/*
 * Fake physical memory for pfns [base, base + npages): host memory from
 * mmap (untouched pages cost nothing, so the window may be gigabytes wide)
 * plus a calloc'd mem_map.  mm_physmap_base is set so that page_address()
 * of pfn p lands at host + (p - base) pages.  Inline so that tests which
 * do not link buddy.c (the VMA test) do not reference mem_map.
 */
static inline void t_mem_create(pfn_t base, pfn_t npages)
{
	static void *t_mem_host;
	static size_t t_mem_bytes;

	if (t_mem_host) {
		munmap(t_mem_host, t_mem_bytes);
		free(mem_map);
	}
	t_mem_bytes = (size_t)npages << PAGE_SHIFT;
	t_mem_host = mmap(NULL, t_mem_bytes, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (t_mem_host == MAP_FAILED) {
		perror("mmap");
		exit(2);
	}
	mm_physmap_base = (uintptr_t)t_mem_host - ((uintptr_t)base << PAGE_SHIFT);
	mem_map_init(base, npages, calloc(npages, sizeof(struct page)));
	if (!mem_map) {
		perror("calloc");
		exit(2);
	}
}

#endif /* MM_TEST_H */
