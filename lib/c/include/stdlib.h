/*
 * stdlib.h - memory allocation, number parsing, sorting and process exit.
 *
 * lib/c/malloc.c owns the allocator, lib/c/strtol.c number parsing,
 * lib/c/qsort.c sorting and searching, lib/c/stdlib.c the small rest,
 * lib/c/env.c getenv().  exit, atexit, _Exit and abort belong to the OS
 * layer (lib/c/sys/start.c).
 */
#ifndef _STDLIB_H
#define _STDLIB_H

#include <stddef.h>

#define EXIT_SUCCESS	0
#define EXIT_FAILURE	1
#define RAND_MAX	2147483647

void *malloc(size_t size);
void *calloc(size_t nmemb, size_t size);
void *realloc(void *ptr, size_t size);
void free(void *ptr);

_Noreturn void exit(int status);
int atexit(void (*fn)(void));
_Noreturn void _Exit(int status);
_Noreturn void abort(void);

int atoi(const char *s);
long atol(const char *s);
long long atoll(const char *s);
long strtol(const char *restrict s, char **restrict end, int base);
unsigned long strtoul(const char *restrict s, char **restrict end, int base);
long long strtoll(const char *restrict s, char **restrict end, int base);
unsigned long long strtoull(const char *restrict s, char **restrict end,
			    int base);

int abs(int x);
long labs(long x);
long long llabs(long long x);

int rand(void);
void srand(unsigned int seed);

void qsort(void *base, size_t nmemb, size_t size,
	   int (*cmp)(const void *a, const void *b));
void *bsearch(const void *key, const void *base, size_t nmemb, size_t size,
	      int (*cmp)(const void *key, const void *elem));

char *getenv(const char *name);

#endif /* _STDLIB_H */
