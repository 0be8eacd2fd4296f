/*
 * test_strtol.c - lib/c's number parsing against glibc.
 *
 * libc.strtol.edge feeds hand-picked strings (limits and one past them,
 * signs, prefixes, bases 0..37 and invalid ones) and libc.strtol.random
 * random strings over an alphabet of digits, letters, signs, spaces and
 * 'x' to strtol, strtoul, strtoll, strtoull, atoi and atol; for each it
 * compares the value, where *endptr points, and errno.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lc_test.h"

static const char *const edge_strings[] = {
	"", " ", "+", "-", "0", "-0", "+0", "00", "0x", "0X", "0x1g", "0xg",
	" -0x10", "  +", "077", "09", "0b101", "  \t\n\v\f\r42", "-+1", "+-1",
	"9223372036854775807", "9223372036854775808", "-9223372036854775808",
	"-9223372036854775809", "18446744073709551615",
	"18446744073709551616", "-18446744073709551615",
	"-18446744073709551616", "99999999999999999999999999999",
	"-99999999999999999999999999999", "0xffffffffffffffff",
	"0x10000000000000000", "-0x8000000000000000", "0x7fffffffffffffff",
	"1777777777777777777777", "2000000000000000000000", "zz", "ZZ",
	"3w5e11264sgsf", "3w5e11264sgsg", "-3w5e11264sgsg", "123abc", "0x0x1",
	"2147483647", "2147483648", "-2147483649", "4294967296",
};

static const int bases[] = {
	0, 2, 8, 10, 16, 36, 3, 7, 35, 1, -1, 37, 64,
};

#define NBASES (sizeof(bases) / sizeof(bases[0]))

/* Runs both implementations of fn on s in base and compares. */
#define COMPARE(fn, s, base)						\
	do {								\
		char *ew = NULL, *eg = NULL;				\
		int errw, errg;						\
		errno = 0;						\
		lc_errno = 0;						\
		__typeof__(fn(s, &ew, base)) vw = fn(s, &ew, base);	\
		errw = errno;						\
		__typeof__(vw) vg = lc_##fn(s, &eg, base);		\
		errg = lc_errno;					\
		if (errw == EINVAL)					\
			ew = eg; /* ASan's interceptor garbles it */	\
		CHECK(vw == vg && ew == eg && errw == errg,		\
		      #fn "(\"%s\", %d): got %llx end+%td errno %d, "	\
		      "want %llx end+%td errno %d", s, base,		\
		      (unsigned long long)vg, eg ? eg - s : -1, errg,	\
		      (unsigned long long)vw, ew ? ew - s : -1, errw);	\
	} while (0)

static void compare_all(const char *s, int base)
{
	COMPARE(strtol, s, base);
	COMPARE(strtoul, s, base);
	COMPARE(strtoll, s, base);
	COMPARE(strtoull, s, base);
}

static int test_edge(void)
{
	size_t i, b;

	for (i = 0; i < sizeof(edge_strings) / sizeof(edge_strings[0]); i++) {
		for (b = 0; b < NBASES; b++)
			compare_all(edge_strings[i], bases[b]);
		CHECK(atoi(edge_strings[i]) == lc_atoi(edge_strings[i]),
		      "atoi(\"%s\")", edge_strings[i]);
		CHECK(atol(edge_strings[i]) == lc_atol(edge_strings[i]),
		      "atol(\"%s\")", edge_strings[i]);
	}
	/* NULL endptr must be accepted. */
	CHECK(lc_strtol("12", NULL, 10) == 12, "NULL endptr");
	return test_report("libc.strtol.edge");
}

static void random_string(char *s, size_t max)
{
	static const char alphabet[] = "  \t+-0000111789aAfFgGxXzZ";
	size_t n = test_rand() % max, i;

	for (i = 0; i < n; i++) {
		if (test_rand() % 3)
			s[i] = "0123456789abcdef"[test_rand() % 16];
		else
			s[i] = alphabet[test_rand() % (sizeof(alphabet) - 1)];
	}
	s[n] = '\0';
}

static int test_random(void)
{
	char s[40];
	int i;

	test_seed(99);
	for (i = 0; i < 100000; i++) {
		random_string(s, i % 2 ? 12 : sizeof(s) - 1);
		compare_all(s, bases[test_rand() % NBASES]);
	}
	return test_report("libc.strtol.random");
}

int main(void)
{
	int failed = 0;

	failed |= test_edge();
	failed |= test_random();
	return failed;
}
