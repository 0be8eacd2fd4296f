/*
 * mem.c - memcpy, memmove, memset, memcmp and memchr.
 *
 * Programs spend much of their copying and clearing on whole 4 KiB pages,
 * and under QEMU's TCG `rep movsb`/`rep stosb` are emulated one byte at a
 * time, so the bulk routines move 16-byte vectors instead: an unaligned
 * access covers the ragged head and tail, and the middle runs with aligned
 * stores, four to an iteration.  Short lengths use overlapping scalar
 * accesses, so there is never a byte-at-a-time loop over more than 3 bytes.
 *
 * gcc recognises a fill or copy loop and replaces it by a call to memset
 * or memcpy, which here would recurse forever; LC_NO_LIBCALL stops that.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "lc.h"

#define LC_NO_LIBCALL \
	__attribute__((optimize("no-tree-loop-distribute-patterns")))

typedef long long vec16 __attribute__((vector_size(16), may_alias));
typedef long long vec16u
	__attribute__((vector_size(16), aligned(1), may_alias));
typedef uint64_t u64u __attribute__((aligned(1), may_alias));
typedef uint32_t u32u __attribute__((aligned(1), may_alias));
typedef uint16_t u16u __attribute__((aligned(1), may_alias));

/* Copy n < 16 bytes with at most two overlapping accesses per width. */
static inline void mem_copy_small(unsigned char *d, const unsigned char *s,
				  size_t n)
{
	if (n >= 8) {
		uint64_t a = *(const u64u *)s, b = *(const u64u *)(s + n - 8);
		*(u64u *)d = a;
		*(u64u *)(d + n - 8) = b;
	} else if (n >= 4) {
		uint32_t a = *(const u32u *)s, b = *(const u32u *)(s + n - 4);
		*(u32u *)d = a;
		*(u32u *)(d + n - 4) = b;
	} else if (n >= 2) {
		uint16_t a = *(const u16u *)s, b = *(const u16u *)(s + n - 2);
		*(u16u *)d = a;
		*(u16u *)(d + n - 2) = b;
	} else if (n == 1) {
		*d = *s;
	}
}

/* Fill n < 16 bytes; pattern holds the byte in every lane. */
static inline void mem_fill_small(unsigned char *d, uint64_t pattern,
				  size_t n)
{
	if (n >= 8) {
		*(u64u *)d = pattern;
		*(u64u *)(d + n - 8) = pattern;
	} else if (n >= 4) {
		*(u32u *)d = (uint32_t)pattern;
		*(u32u *)(d + n - 4) = (uint32_t)pattern;
	} else if (n >= 2) {
		*(u16u *)d = (uint16_t)pattern;
		*(u16u *)(d + n - 2) = (uint16_t)pattern;
	} else if (n == 1) {
		*d = (unsigned char)pattern;
	}
}

LC_NO_LIBCALL
void *LC(memcpy)(void *restrict dst, const void *restrict src, size_t n)
{
	unsigned char *d = dst;
	const unsigned char *s = src;
	unsigned char *end = d + n;
	vec16 tail;
	size_t skew;

	if (n < 16) {
		mem_copy_small(d, s, n);
		return dst;
	}
	tail = *(const vec16u *)(s + n - 16);
	*(vec16u *)d = *(const vec16u *)s;
	skew = 16 - ((uintptr_t)d & 15);
	d += skew;
	s += skew;
	for (; end - d >= 64; d += 64, s += 64) {
		vec16 a = *(const vec16u *)s, b = *(const vec16u *)(s + 16);
		vec16 c = *(const vec16u *)(s + 32), e = *(const vec16u *)(s + 48);
		*(vec16 *)d = a;
		*(vec16 *)(d + 16) = b;
		*(vec16 *)(d + 32) = c;
		*(vec16 *)(d + 48) = e;
	}
	for (; end - d >= 16; d += 16, s += 16)
		*(vec16 *)d = *(const vec16u *)s;
	*(vec16u *)(end - 16) = tail;
	return dst;
}

/*
 * Overlap-safe: every chunk is loaded in full before it is stored, and the
 * direction is chosen so that no store lands on source bytes still unread.
 */
LC_NO_LIBCALL
void *LC(memmove)(void *dst, const void *src, size_t n)
{
	unsigned char *d = dst;
	const unsigned char *s = src;

	if (d == s || n == 0)
		return dst;
	if ((uintptr_t)d - (uintptr_t)s >= n) {
		for (; n >= 16; n -= 16, d += 16, s += 16)
			*(vec16u *)d = *(const vec16u *)s;
		mem_copy_small(d, s, n);
	} else {
		for (; n >= 16; n -= 16)
			*(vec16u *)(d + n - 16) = *(const vec16u *)(s + n - 16);
		mem_copy_small(d, s, n);
	}
	return dst;
}

LC_NO_LIBCALL
void *LC(memset)(void *dst, int c, size_t n)
{
	unsigned char *d = dst;
	unsigned char *end = d + n;
	uint64_t pattern = 0x0101010101010101ULL * (unsigned char)c;
	vec16 v = { (long long)pattern, (long long)pattern };

	if (n < 16) {
		mem_fill_small(d, pattern, n);
		return dst;
	}
	*(vec16u *)d = v;
	*(vec16u *)(end - 16) = v;
	d = (unsigned char *)(((uintptr_t)d + 16) & ~(uintptr_t)15);
	for (; end - d >= 64; d += 64) {
		*(vec16 *)d = v;
		*(vec16 *)(d + 16) = v;
		*(vec16 *)(d + 32) = v;
		*(vec16 *)(d + 48) = v;
	}
	for (; end - d >= 16; d += 16)
		*(vec16 *)d = v;
	return dst;
}

LC_NO_LIBCALL
int LC(memcmp)(const void *a, const void *b, size_t n)
{
	const unsigned char *p = a, *q = b;

	for (; n >= 8; n -= 8, p += 8, q += 8)
		if (*(const u64u *)p != *(const u64u *)q)
			break;
	for (; n; n--, p++, q++)
		if (*p != *q)
			return *p - *q;
	return 0;
}

void *LC(memchr)(const void *s, int c, size_t n)
{
	const unsigned char *p = s;

	for (; n; n--, p++)
		if (*p == (unsigned char)c)
			return (void *)p;
	return NULL;
}
