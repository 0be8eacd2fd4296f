/*
 * string.c - the memory routines the compiler may call in the kernel.
 * Plain 8-byte loops: the kernel copies little (IPC buffers, boot images).
 */
#include <stddef.h>
#include <stdint.h>

#define NOBUILTIN __attribute__((optimize("no-tree-loop-distribute-patterns")))

NOBUILTIN void *memset(void *d, int c, size_t n)
{
	uint8_t *p = d;
	uint64_t v = 0x0101010101010101ull * (uint8_t)c;

	for (; n && ((uintptr_t)p & 7); n--)
		*p++ = (uint8_t)c;
	for (; n >= 8; n -= 8, p += 8)
		*(uint64_t *)p = v;
	while (n--)
		*p++ = (uint8_t)c;
	return d;
}

NOBUILTIN void *memcpy(void *d, const void *s, size_t n)
{
	uint8_t *dp = d;
	const uint8_t *sp = s;

	for (; n >= 8; n -= 8, dp += 8, sp += 8)
		*(uint64_t *)dp = *(const uint64_t *)sp;
	while (n--)
		*dp++ = *sp++;
	return d;
}

NOBUILTIN void *memmove(void *d, const void *s, size_t n)
{
	uint8_t *dp = d;
	const uint8_t *sp = s;

	if (dp <= sp || dp >= sp + n)
		return memcpy(d, s, n);
	while (n--)
		dp[n] = sp[n];
	return d;
}

NOBUILTIN int memcmp(const void *a, const void *b, size_t n)
{
	const uint8_t *x = a, *y = b;

	for (; n; n--, x++, y++)
		if (*x != *y)
			return *x - *y;
	return 0;
}
