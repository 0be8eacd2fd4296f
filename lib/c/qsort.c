/*
 * qsort.c - qsort() and bsearch().
 *
 * qsort is an introsort.  Quicksort with a median-of-three pivot does the
 * work; both partition scans stop on keys equal to the pivot, so runs of
 * duplicates still split evenly.  It recurses into the smaller side and
 * loops on the larger, bounding the stack at log2(n) frames, and when the
 * depth passes 2*log2(n) - an adversarial input - it finishes that range
 * with heapsort, so the worst case stays O(n log n).  Ranges of at most
 * QSORT_SMALL elements are left to insertion sort.
 *
 * The sort is not stable, as C allows.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "lc.h"

#define QSORT_SMALL 12

typedef int (*qsort_cmp_t)(const void *a, const void *b);

static void qsort_swap(char *a, char *b, size_t size)
{
	if (a == b)
		return;
	if (size % 8 == 0 && ((uintptr_t)a | (uintptr_t)b) % 8 == 0) {
		for (; size; size -= 8, a += 8, b += 8) {
			uint64_t t = *(uint64_t *)a;
			*(uint64_t *)a = *(uint64_t *)b;
			*(uint64_t *)b = t;
		}
		return;
	}
	for (; size; size--, a++, b++) {
		char t = *a;
		*a = *b;
		*b = t;
	}
}

static void qsort_insertion(char *base, size_t n, size_t size,
			    qsort_cmp_t cmp)
{
	size_t i, j;

	for (i = 1; i < n; i++)
		for (j = i; j && cmp(base + (j - 1) * size,
				     base + j * size) > 0; j--)
			qsort_swap(base + (j - 1) * size, base + j * size, size);
}

/* Restores the max-heap property below node i of a heap of n elements. */
static void qsort_sift_down(char *base, size_t i, size_t n, size_t size,
			    qsort_cmp_t cmp)
{
	size_t child;

	while ((child = 2 * i + 1) < n) {
		if (child + 1 < n &&
		    cmp(base + child * size, base + (child + 1) * size) < 0)
			child++;
		if (cmp(base + i * size, base + child * size) >= 0)
			return;
		qsort_swap(base + i * size, base + child * size, size);
		i = child;
	}
}

static void qsort_heap(char *base, size_t n, size_t size, qsort_cmp_t cmp)
{
	size_t i;

	for (i = n / 2; i > 0; i--)
		qsort_sift_down(base, i - 1, n, size, cmp);
	for (i = n - 1; i > 0; i--) {
		qsort_swap(base, base + i * size, size);
		qsort_sift_down(base, 0, i, size, cmp);
	}
}

/* Moves the median of the first, middle and last elements to base[0]. */
static void qsort_median3(char *base, size_t n, size_t size, qsort_cmp_t cmp)
{
	char *a = base, *b = base + (n / 2) * size, *c = base + (n - 1) * size;

	if (cmp(a, b) > 0)
		qsort_swap(a, b, size);
	if (cmp(b, c) > 0)
		qsort_swap(b, c, size);
	if (cmp(a, b) < 0)
		qsort_swap(a, b, size);
}

/* Partitions around base[0] and returns the pivot's final index. */
static size_t qsort_partition(char *base, size_t n, size_t size,
			      qsort_cmp_t cmp)
{
	size_t i = 1, j = n - 1;

	qsort_median3(base, n, size, cmp);
	for (;;) {
		while (i <= j && cmp(base + i * size, base) < 0)
			i++;
		while (j >= i && cmp(base + j * size, base) > 0)
			j--;
		if (i >= j)
			break;
		qsort_swap(base + i * size, base + j * size, size);
		i++;
		j--;
	}
	qsort_swap(base, base + j * size, size);
	return j;
}

static void qsort_intro(char *base, size_t n, size_t size, qsort_cmp_t cmp,
			unsigned int depth)
{
	size_t p;

	while (n > QSORT_SMALL) {
		if (depth-- == 0) {
			qsort_heap(base, n, size, cmp);
			return;
		}
		p = qsort_partition(base, n, size, cmp);
		if (p < n - p - 1) {
			qsort_intro(base, p, size, cmp, depth);
			base += (p + 1) * size;
			n -= p + 1;
		} else {
			qsort_intro(base + (p + 1) * size, n - p - 1, size, cmp,
				    depth);
			n = p;
		}
	}
	qsort_insertion(base, n, size, cmp);
}

void LC(qsort)(void *base, size_t nmemb, size_t size,
	       int (*cmp)(const void *a, const void *b))
{
	unsigned int depth = 0;
	size_t n;

	if (nmemb < 2 || size == 0)
		return;
	for (n = nmemb; n; n >>= 1)
		depth += 2;
	qsort_intro(base, nmemb, size, cmp, depth);
}

void *LC(bsearch)(const void *key, const void *base, size_t nmemb,
		  size_t size, int (*cmp)(const void *key, const void *elem))
{
	const char *lo = base;
	int r;

	while (nmemb) {
		const char *mid = lo + (nmemb / 2) * size;

		r = cmp(key, mid);
		if (r == 0)
			return (void *)mid;
		if (r > 0) {
			lo = mid + size;
			nmemb -= nmemb / 2 + 1;
		} else {
			nmemb /= 2;
		}
	}
	return NULL;
}
