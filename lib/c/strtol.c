/*
 * strtol.c - strtol, strtoul, strtoll and strtoull.
 *
 * One parser, strto_parse(), reads "[space][sign][prefix]digits" into an
 * unsigned magnitude no larger than a caller-given limit, noting when the
 * digits went past it; the four public functions only differ in the
 * limit and in how a negative sign and an overflow map onto their type.
 * The results follow glibc exactly: an unsigned conversion of "-1" gives
 * the type's maximum, an out-of-range value is clamped with errno set to
 * ERANGE, and only an invalid base sets EINVAL.
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdlib.h>

#include "lc.h"

struct strto_result {
	unsigned long long mag;	/* clamped to the limit on overflow */
	bool neg;
	bool overflow;
};

static int strto_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'Z')
		return c - 'A' + 10;
	return 36;
}

/* Skips a 0x prefix when base allows it and a hex digit follows it. */
static const char *strto_prefix(const char *s, int *base)
{
	bool hex = s[0] == '0' && (s[1] == 'x' || s[1] == 'X') &&
		   strto_digit(s[2]) < 16;

	if ((*base == 0 || *base == 16) && hex) {
		*base = 16;
		return s + 2;
	}
	if (*base == 0)
		*base = s[0] == '0' ? 8 : 10;
	return s;
}

/*
 * Parses s in base (0 or 2..36; checked by the caller).  Sets *end to
 * just past the last digit, or to s itself if there were no digits.
 */
static void strto_parse(const char *s, char **end, int base,
			unsigned long long limit, struct strto_result *r)
{
	const char *p = s, *digits;
	int d;

	r->mag = 0;
	r->neg = false;
	r->overflow = false;
	while (isspace((unsigned char)*p))
		p++;
	if (*p == '+' || *p == '-')
		r->neg = *p++ == '-';
	p = digits = strto_prefix(p, &base);
	for (; (d = strto_digit(*p)) < base; p++) {
		if (r->overflow)
			continue;
		if (r->mag > (limit - d) / base) {
			r->overflow = true;
			r->mag = limit;
		} else {
			r->mag = r->mag * base + d;
		}
	}
	if (end)
		*end = (char *)(p == digits ? s : p);
}

static bool strto_base_ok(int base)
{
	if (base == 0 || (base >= 2 && base <= 36))
		return true;
	errno = EINVAL;
	return false;
}

/* Converts for a signed type whose maximum is max. */
static long long strto_signed(const char *s, char **end, int base,
			      long long max)
{
	unsigned long long lim = (unsigned long long)max + 1;
	struct strto_result r;

	if (!strto_base_ok(base))
		return 0;
	strto_parse(s, end, base, lim, &r);
	if (r.overflow || (!r.neg && r.mag > (unsigned long long)max)) {
		errno = ERANGE;
		return r.neg ? -max - 1 : max;
	}
	return r.neg ? (long long)(0 - r.mag) : (long long)r.mag;
}

/* Converts for an unsigned type whose maximum is max. */
static unsigned long long strto_unsigned(const char *s, char **end, int base,
					 unsigned long long max)
{
	struct strto_result r;

	if (!strto_base_ok(base))
		return 0;
	strto_parse(s, end, base, max, &r);
	if (r.overflow) {
		errno = ERANGE;
		return max;
	}
	return r.neg ? 0 - r.mag : r.mag;
}

long LC(strtol)(const char *restrict s, char **restrict end, int base)
{
	return (long)strto_signed(s, end, base, LONG_MAX);
}

unsigned long LC(strtoul)(const char *restrict s, char **restrict end,
			  int base)
{
	return (unsigned long)strto_unsigned(s, end, base, ULONG_MAX);
}

long long LC(strtoll)(const char *restrict s, char **restrict end, int base)
{
	return strto_signed(s, end, base, LLONG_MAX);
}

unsigned long long LC(strtoull)(const char *restrict s, char **restrict end,
				int base)
{
	return strto_unsigned(s, end, base, ULLONG_MAX);
}
