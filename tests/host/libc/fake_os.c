/*
 * fake_os.c - the OS layer for lib/c host tests.
 *
 * lc_sbrk hands out a static 64 MiB arena (and can fail, or skip a gap
 * as if another user of sbrk had moved the break); lc_mmap and lc_munmap use the
 * host's mmap and count live mappings; lc_write records everything into
 * fake_write_buf (and can be told to fail); lc_abort returns to a test
 * through longjmp when one is armed, so abort paths can be tested.
 * Also the shared test helpers declared in lc_test.h.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "lc_test.h"

#define ARENA_SIZE (64UL << 20)

static _Alignas(4096) char arena[ARENA_SIZE];
static size_t arena_brk = 3;	/* deliberately misaligned to start */

char fake_write_buf[1 << 16];
size_t fake_write_len;
int fake_write_calls;
int fake_write_fail;
jmp_buf *fake_abort_jmp;
size_t fake_mmap_live;
int fake_sbrk_fail;
size_t fake_sbrk_gap;
int test_failures;

static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;

void *lc_sbrk(intptr_t inc)
{
	size_t old;

	if (fake_sbrk_fail && inc)
		return (void *)-1;
	if (inc == 0 && fake_sbrk_gap) {
		/* Someone else moved the break since we last looked. */
		arena_brk += fake_sbrk_gap;
		fake_sbrk_gap = 0;
	}
	old = arena_brk;

	if (inc > 0 && (size_t)inc > ARENA_SIZE - arena_brk)
		return (void *)-1;
	if (inc < 0 && (size_t)-inc > arena_brk)
		return (void *)-1;
	arena_brk += inc;
	return arena + old;
}

void *lc_mmap(void *addr, size_t len, int prot, int flags, int fd, long off)
{
	void *p = mmap(addr, len, prot, flags, fd, off);

	if (p != MAP_FAILED)
		fake_mmap_live++;
	return p;
}

int lc_munmap(void *addr, size_t len)
{
	fake_mmap_live--;
	return munmap(addr, len);
}

long lc_write(int fd, const void *buf, size_t n)
{
	(void)fd;
	fake_write_calls++;
	if (fake_write_fail)
		return -1;
	if (n > sizeof(fake_write_buf) - fake_write_len)
		n = sizeof(fake_write_buf) - fake_write_len;
	memcpy(fake_write_buf + fake_write_len, buf, n);
	fake_write_len += n;
	return n;
}

_Noreturn void lc_abort(void)
{
	if (fake_abort_jmp)
		longjmp(*fake_abort_jmp, 1);
	abort();
}

void fake_write_reset(void)
{
	fake_write_len = 0;
	fake_write_calls = 0;
	fake_write_fail = 0;
	memset(fake_write_buf, 0, sizeof(fake_write_buf));
}

int test_report(const char *id)
{
	int failed = test_failures;

	test_failures = 0;
	if (failed) {
		printf("FAIL %s: %d checks failed\n", id, failed);
		return 1;
	}
	printf("PASS %s\n", id);
	return 0;
}

uint64_t test_rand(void)
{
	/* xorshift64* */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 2685821657736338717ULL;
}

void test_seed(uint64_t seed)
{
	rng_state = seed ? seed : 1;
}
