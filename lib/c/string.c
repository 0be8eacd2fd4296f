/*
 * string.c - functions on NUL-terminated strings.
 *
 * Plain byte loops: strings in this system are short, and the page-sized
 * work goes through mem.c.  strdup and strndup take their memory from
 * malloc(), so the caller frees it.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lc.h"

/* A 256-bit set of byte values, for strspn, strcspn and strtok_r. */
struct byteset {
	uint64_t bits[4];
};

static void byteset_fill(struct byteset *set, const char *chars)
{
	const unsigned char *p = (const unsigned char *)chars;

	set->bits[0] = set->bits[1] = set->bits[2] = set->bits[3] = 0;
	for (; *p; p++)
		set->bits[*p >> 6] |= 1ULL << (*p & 63);
}

static int byteset_has(const struct byteset *set, unsigned char c)
{
	return (set->bits[c >> 6] >> (c & 63)) & 1;
}

size_t LC(strlen)(const char *s)
{
	const char *p = s;

	while (*p)
		p++;
	return p - s;
}

size_t LC(strnlen)(const char *s, size_t max)
{
	size_t n = 0;

	while (n < max && s[n])
		n++;
	return n;
}

int LC(strcmp)(const char *a, const char *b)
{
	const unsigned char *p = (const unsigned char *)a;
	const unsigned char *q = (const unsigned char *)b;

	while (*p && *p == *q)
		p++, q++;
	return *p - *q;
}

int LC(strncmp)(const char *a, const char *b, size_t n)
{
	const unsigned char *p = (const unsigned char *)a;
	const unsigned char *q = (const unsigned char *)b;

	for (; n; n--, p++, q++)
		if (*p != *q || !*p)
			return *p - *q;
	return 0;
}

char *LC(strcpy)(char *restrict dst, const char *restrict src)
{
	char *d = dst;

	while ((*d++ = *src++))
		;
	return dst;
}

/* Copies at most n bytes and pads with NULs to n; may leave no terminator. */
char *LC(strncpy)(char *restrict dst, const char *restrict src, size_t n)
{
	size_t i = 0;

	for (; i < n && src[i]; i++)
		dst[i] = src[i];
	for (; i < n; i++)
		dst[i] = '\0';
	return dst;
}

char *LC(strcat)(char *restrict dst, const char *restrict src)
{
	char *d = dst;

	while (*d)
		d++;
	while ((*d++ = *src++))
		;
	return dst;
}

/* Appends at most n bytes of src and always terminates. */
char *LC(strncat)(char *restrict dst, const char *restrict src, size_t n)
{
	char *d = dst;

	while (*d)
		d++;
	for (; n && *src; n--)
		*d++ = *src++;
	*d = '\0';
	return dst;
}

/* The terminator counts as part of the string: strchr(s, 0) finds it. */
char *LC(strchr)(const char *s, int c)
{
	for (;; s++) {
		if (*s == (char)c)
			return (char *)s;
		if (!*s)
			return NULL;
	}
}

char *LC(strrchr)(const char *s, int c)
{
	const char *last = NULL;

	for (;; s++) {
		if (*s == (char)c)
			last = s;
		if (!*s)
			return (char *)last;
	}
}

/* Straightforward O(n*m) search; the needles we see are short. */
char *LC(strstr)(const char *haystack, const char *needle)
{
	size_t i;

	if (!*needle)
		return (char *)haystack;
	for (; *haystack; haystack++) {
		for (i = 0; needle[i] && haystack[i] == needle[i]; i++)
			;
		if (!needle[i])
			return (char *)haystack;
	}
	return NULL;
}

size_t LC(strspn)(const char *s, const char *accept)
{
	struct byteset set;
	size_t n = 0;

	byteset_fill(&set, accept);
	while (s[n] && byteset_has(&set, (unsigned char)s[n]))
		n++;
	return n;
}

size_t LC(strcspn)(const char *s, const char *reject)
{
	struct byteset set;
	size_t n = 0;

	byteset_fill(&set, reject);
	while (s[n] && !byteset_has(&set, (unsigned char)s[n]))
		n++;
	return n;
}

/*
 * Splits s at runs of delim bytes; *saveptr remembers where the next call
 * (with s == NULL) resumes.  Returns NULL once only delimiters remain.
 */
char *LC(strtok_r)(char *restrict s, const char *restrict delim,
		   char **restrict saveptr)
{
	struct byteset set;
	char *tok;

	if (!s)
		s = *saveptr;
	byteset_fill(&set, delim);
	while (*s && byteset_has(&set, (unsigned char)*s))
		s++;
	if (!*s) {
		*saveptr = s;
		return NULL;
	}
	tok = s;
	while (*s && !byteset_has(&set, (unsigned char)*s))
		s++;
	if (*s)
		*s++ = '\0';
	*saveptr = s;
	return tok;
}

char *LC(strdup)(const char *s)
{
	size_t n = strlen(s) + 1;
	char *copy = malloc(n);

	if (copy)
		memcpy(copy, s, n);
	return copy;
}

char *LC(strndup)(const char *s, size_t max)
{
	size_t n = strnlen(s, max);
	char *copy = malloc(n + 1);

	if (copy) {
		memcpy(copy, s, n);
		copy[n] = '\0';
	}
	return copy;
}
