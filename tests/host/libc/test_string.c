/*
 * test_string.c - lib/c's string.h, ctype.h and small stdlib.h functions.
 *
 * libc.string.mem: memcpy, memset, memmove (both overlap directions),
 * memcmp and memchr at every small alignment and length, plus whole
 * pages, compared with glibc on the same random data, with guard bytes
 * around the destination checked for stray writes.
 * libc.string.str: the str* functions on random short strings over a
 * small alphabet (so matches and prefixes are common), against glibc;
 * comparison results are compared by sign.
 * libc.string.strerror: strerror and strsignal text for every number,
 * unknown and negative ones included, equals glibc's.
 * libc.string.ctype: every class and case mapping for EOF and 0..255.
 * libc.string.stdlib: qsort (random, sorted, reversed and all-equal
 * arrays of several element sizes), bsearch, getenv, abs, rand's range.
 */
#include <ctype.h>
#include <limits.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lc_test.h"

#define BUF 9000
#define GUARD 64

static unsigned char src[BUF], want[BUF + 2 * GUARD], got[BUF + 2 * GUARD];

static int sign(int x)
{
	return (x > 0) - (x < 0);
}

static void fill_random(unsigned char *p, size_t n)
{
	while (n--)
		*p++ = (unsigned char)test_rand();
}

static void check_same(const char *what, size_t off, size_t n)
{
	CHECK(!memcmp(want, got, sizeof(want)), "%s off %zu len %zu", what,
	      off, n);
}

static void test_copy_fill(size_t off, size_t soff, size_t n)
{
	void *r;

	fill_random(want, sizeof(want));
	memcpy(got, want, sizeof(got));
	memcpy(want + GUARD + off, src + soff, n);
	r = lc_memcpy(got + GUARD + off, src + soff, n);
	CHECK(r == got + GUARD + off, "memcpy return");
	check_same("memcpy", off, n);

	memset(want + GUARD + off, (int)soff - 3, n);
	r = lc_memset(got + GUARD + off, (int)soff - 3, n);
	CHECK(r == got + GUARD + off, "memset return");
	check_same("memset", off, n);

	memmove(want + GUARD + off, want + GUARD + soff, n);
	r = lc_memmove(got + GUARD + off, got + GUARD + soff, n);
	CHECK(r == got + GUARD + off, "memmove return");
	check_same("memmove", off, n);
}

static void test_cmp_chr(size_t off, size_t n)
{
	unsigned char a[300], b[300];
	size_t i;

	fill_random(a, sizeof(a));
	memcpy(b, a, sizeof(b));
	CHECK(lc_memcmp(a + off, b + off, n) == 0, "memcmp equal %zu", n);
	if (n) {
		i = off + test_rand() % n;
		b[i] = (unsigned char)test_rand();
		CHECK(sign(lc_memcmp(a + off, b + off, n)) ==
		      sign(memcmp(a + off, b + off, n)), "memcmp %zu", n);
		CHECK(lc_memchr(a + off, a[i], n) == memchr(a + off, a[i], n),
		      "memchr %zu", n);
	}
	CHECK(lc_memchr(a + off, 0x100 + a[off], n) ==
	      memchr(a + off, 0x100 + a[off], n), "memchr high bits");
}

static int test_mem(void)
{
	size_t off, soff, n;

	test_seed(7);
	fill_random(src, sizeof(src));
	for (off = 0; off < 17; off++)
		for (soff = 0; soff < 17; soff++)
			for (n = 0; n < 200; n += (n < 40 ? 1 : 7))
				test_copy_fill(off, soff, n);
	for (n = 0; n < 2000; n++)
		test_copy_fill(test_rand() % 64, test_rand() % 64,
			       test_rand() % (BUF - 64));
	test_copy_fill(0, 0, 4096);
	test_copy_fill(0, 0, 8192);
	for (off = 0; off < 20; off++)
		for (n = 0; n < 280; n++)
			test_cmp_chr(off, n);
	return test_report("libc.string.mem");
}

static void random_str(char *s, size_t max)
{
	size_t n = test_rand() % max, i;

	for (i = 0; i < n; i++)
		s[i] = "abc\xff"[test_rand() % 4];
	s[n] = '\0';
}

static void test_str_pair(const char *a, const char *b, size_t n)
{
	char w[80], g[80];

	CHECK(lc_strlen(a) == strlen(a), "strlen");
	CHECK(lc_strnlen(a, n) == strnlen(a, n), "strnlen");
	CHECK(sign(lc_strcmp(a, b)) == sign(strcmp(a, b)),
	      "strcmp %s %s", a, b);
	CHECK(sign(lc_strncmp(a, b, n)) == sign(strncmp(a, b, n)), "strncmp");
	CHECK(lc_strchr(a, b[0]) == strchr(a, b[0]), "strchr");
	CHECK(lc_strrchr(a, b[0]) == strrchr(a, b[0]), "strrchr");
	CHECK(lc_strstr(a, b) == strstr(a, b), "strstr \"%s\" \"%s\"", a, b);
	CHECK(lc_strspn(a, b) == strspn(a, b), "strspn");
	CHECK(lc_strcspn(a, b) == strcspn(a, b), "strcspn");

	memset(w, 1, sizeof(w));
	memset(g, 1, sizeof(g));
	strcpy(w, a);
	lc_strcpy(g, a);
	strcat(w, b);
	lc_strcat(g, b);
	CHECK(!memcmp(w, g, sizeof(w)), "strcpy/strcat");
	strncat(w, a, n);
	lc_strncat(g, a, n);
	CHECK(!memcmp(w, g, sizeof(w)), "strncat");
	strncpy(w, b, n);
	lc_strncpy(g, b, n);
	CHECK(!memcmp(w, g, sizeof(w)), "strncpy");
}

static void test_strtok(void)
{
	char a[] = "  one, two,,three ,", b[sizeof(a)];
	char *sa, *sb, *ta, *tb;

	memcpy(b, a, sizeof(a));
	ta = strtok_r(a, " ,", &sa);
	tb = lc_strtok_r(b, " ,", &sb);
	while (ta || tb) {
		CHECK(ta && tb && ta - a == tb - b && !strcmp(ta, tb),
		      "strtok_r token");
		if (!ta || !tb)
			break;
		ta = strtok_r(NULL, " ,", &sa);
		tb = lc_strtok_r(NULL, " ,", &sb);
	}
	CHECK(lc_strtok_r(NULL, " ,", &sb) == NULL, "strtok_r after end");
}

static int test_str(void)
{
	char a[40], b[8], *d;
	int i;

	test_seed(11);
	for (i = 0; i < 100000; i++) {
		random_str(a, sizeof(a));
		random_str(b, sizeof(b));
		test_str_pair(a, b, test_rand() % 12);
		test_str_pair(b, a, test_rand() % 12);
	}
	CHECK(lc_strchr("abc", 0) == NULL || *lc_strchr("abc", 0) == '\0',
	      "strchr NUL");
	test_strtok();
	d = lc_strdup("duplicate");
	CHECK(d && !strcmp(d, "duplicate"), "strdup");
	free(d);
	d = lc_strndup("duplicate", 3);
	CHECK(d && !strcmp(d, "dup"), "strndup");
	free(d);
	return test_report("libc.string.str");
}

static int test_strerror(void)
{
	int i;

	for (i = -5; i < 200; i++)
		CHECK(!strcmp(lc_strerror(i), strerror(i)),
		      "strerror(%d): \"%s\" vs \"%s\"", i, lc_strerror(i),
		      strerror(i));
	for (i = -2; i < 70; i++)
		CHECK(!strcmp(lc_strsignal(i), strsignal(i)),
		      "strsignal(%d): \"%s\" vs \"%s\"", i, lc_strsignal(i),
		      strsignal(i));
	return test_report("libc.string.strerror");
}

#define CTYPE_CHECK(fn, c) CHECK(!!lc_##fn(c) == !!fn(c), #fn "(%d)", c)

static int test_ctype(void)
{
	int c;

	for (c = EOF; c < 256; c++) {
		CTYPE_CHECK(isalnum, c);
		CTYPE_CHECK(isalpha, c);
		CTYPE_CHECK(isblank, c);
		CTYPE_CHECK(iscntrl, c);
		CTYPE_CHECK(isdigit, c);
		CTYPE_CHECK(isgraph, c);
		CTYPE_CHECK(islower, c);
		CTYPE_CHECK(isprint, c);
		CTYPE_CHECK(ispunct, c);
		CTYPE_CHECK(isspace, c);
		CTYPE_CHECK(isupper, c);
		CTYPE_CHECK(isxdigit, c);
		CHECK(lc_tolower(c) == tolower(c), "tolower(%d)", c);
		CHECK(lc_toupper(c) == toupper(c), "toupper(%d)", c);
	}
	return test_report("libc.string.ctype");
}

/* Elements of an odd size, compared by their first 4 bytes. */
struct elem {
	int key;
	char pad[3];
};

static int cmp_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;

	return (x > y) - (x < y);
}

static int cmp_elem(const void *a, const void *b)
{
	return cmp_int(&((const struct elem *)a)->key,
		       &((const struct elem *)b)->key);
}

static void test_qsort_ints(size_t n, int kind)
{
	static int a[5000], b[5000];
	size_t i;
	int key;

	for (i = 0; i < n; i++) {
		switch (kind) {
		case 0: a[i] = (int)test_rand(); break;
		case 1: a[i] = (int)i; break;
		case 2: a[i] = (int)(n - i); break;
		case 3: a[i] = 42; break;
		default: a[i] = (int)(test_rand() % 4); break;
		}
	}
	memcpy(b, a, n * sizeof(int));
	lc_qsort(a, n, sizeof(int), cmp_int);
	qsort(b, n, sizeof(int), cmp_int);
	CHECK(!memcmp(a, b, n * sizeof(int)), "qsort n %zu kind %d", n, kind);
	if (n) {
		key = a[test_rand() % n];
		CHECK(lc_bsearch(&key, a, n, sizeof(int), cmp_int) &&
		      *(int *)lc_bsearch(&key, a, n, sizeof(int), cmp_int) == key,
		      "bsearch hit");
	}
	key = 7;	/* odd: absent from the sorted/reversed ranges of evens */
	if (kind == 3)
		CHECK(!lc_bsearch(&key, a, n, sizeof(int), cmp_int),
		      "bsearch miss");
}

static void test_qsort_elems(void)
{
	struct elem e[777];
	size_t i;

	for (i = 0; i < 777; i++)
		e[i].key = (int)(test_rand() % 100);
	lc_qsort(e, 777, sizeof(e[0]), cmp_elem);
	for (i = 1; i < 777; i++)
		CHECK(e[i - 1].key <= e[i].key, "qsort odd size at %zu", i);
}

static int test_stdlib(void)
{
	char *env[] = { "HOME=/root", "PATH=/bin", "EMPTY=", "X", NULL };
	size_t n;
	int kind, i, r;

	test_seed(5);
	for (n = 0; n < 70; n++)
		for (kind = 0; kind < 5; kind++)
			test_qsort_ints(n, kind);
	for (kind = 0; kind < 5; kind++)
		test_qsort_ints(5000, kind);
	test_qsort_elems();

	CHECK(lc_getenv("PATH") == NULL, "getenv before environ is set");
	lc_environ = env;
	CHECK(lc_getenv("PATH") && !strcmp(lc_getenv("PATH"), "/bin"), "PATH");
	CHECK(lc_getenv("EMPTY") && !*lc_getenv("EMPTY"), "EMPTY");
	CHECK(!lc_getenv("HOM") && !lc_getenv("X") && !lc_getenv(""),
	      "getenv prefix");
	lc_environ = NULL;

	CHECK(lc_abs(-5) == 5 && lc_labs(LONG_MIN + 1) == LONG_MAX &&
	      lc_llabs(-7) == 7, "abs");
	lc_srand(1);
	r = lc_rand();
	for (i = 0; i < 100000; i++) {
		int x = lc_rand();
		CHECK(x >= 0 && x <= RAND_MAX, "rand range %d", x);
	}
	lc_srand(1);
	CHECK(lc_rand() == r, "srand repeats the sequence");
	return test_report("libc.string.stdlib");
}

int main(void)
{
	int failed = 0;

	failed |= test_mem();
	failed |= test_str();
	failed |= test_strerror();
	failed |= test_ctype();
	failed |= test_stdlib();
	return failed;
}
