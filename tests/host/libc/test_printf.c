/*
 * test_printf.c - lib/c's printf family against glibc.
 *
 * libc.printf.random builds thousands of random formats - every supported
 * conversion with random flags, width, precision (literal or '*', negative
 * included) and length modifier, several to a format - runs them through
 * lc_snprintf and glibc's snprintf with the same arguments and a random
 * buffer size, and compares return value, buffer contents and the bytes
 * past the end.  The other cases cover fixed corner cases, and the FILE
 * layer: stdout line buffering, stderr unbuffering, fflush, puts, perror
 * and write errors, through the fake write() in fake_os.c.
 */
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "lc_test.h"

#define NARGS		12
#define FMT_MAX		256
#define OUT_MAX		4096

static const char *const test_strings[] = {
	NULL, "", "a", "hello", "hello, world",
	"a rather longer string that goes past thirty-two bytes",
};

/* Every argument is passed as a 64-bit slot; int conversions read 32. */
struct printf_case {
	char fmt[FMT_MAX];
	long args[NARGS];
	int nargs;
};

static long random_int_value(void)
{
	switch (test_rand() % 6) {
	case 0: return 0;
	case 1: return (long)(test_rand() % 200) - 100;
	case 2: return (int)test_rand();
	case 3: return (long)test_rand();
	case 4: return test_rand() & 1 ? LONG_MIN : LONG_MAX;
	default: return test_rand() & 1 ? INT_MIN : UINT_MAX;
	}
}

static void add_arg(struct printf_case *c, long v)
{
	c->args[c->nargs++] = v;
}

static int random_width(void)
{
	int r = test_rand() % 10;

	return r < 7 ? (int)(test_rand() % 25) : (int)(test_rand() % 300);
}

/* Appends the flags, width and precision of one conversion. */
static void add_modifiers(struct printf_case *c, char *p)
{
	static const char flags[] = "-+ #0";
	int i, star;

	for (i = 0; i < 5; i++)
		if (test_rand() % 4 == 0)
			*p++ = flags[i];
	star = test_rand() % 4;
	if (star == 1) {
		p += sprintf(p, "%d", random_width());
	} else if (star == 2) {
		*p++ = '*';
		add_arg(c, test_rand() % 4 ? random_width() : -random_width());
	}
	switch (test_rand() % 5) {
	case 1: *p++ = '.'; break;
	case 2: p += sprintf(p, ".%d", (int)(test_rand() % 30)); break;
	case 3:
		p += sprintf(p, ".*");
		add_arg(c, (long)(test_rand() % 40) - 10);
		break;
	}
	*p = '\0';
}

/* Appends one random conversion and its argument to c. */
static void add_conversion(struct printf_case *c)
{
	static const char convs[] = "diuoxXcsp%";
	static const char *const lens[] = {
		"", "hh", "h", "l", "ll", "z", "j", "t",
	};
	char *p = c->fmt + strlen(c->fmt);
	char conv = convs[test_rand() % (sizeof(convs) - 1)];

	*p++ = '%';
	*p = '\0';
	if (conv != '%')
		add_modifiers(c, p);
	p += strlen(p);
	if (strchr("diuoxX", conv)) {
		p += sprintf(p, "%s", lens[test_rand() % 8]);
		add_arg(c, random_int_value());
	} else if (conv == 'c') {
		add_arg(c, (long)(test_rand() % 256));
	} else if (conv == 's') {
		add_arg(c, (long)(uintptr_t)test_strings[test_rand() % 6]);
	} else if (conv == 'p') {
		add_arg(c, test_rand() % 4 ? (long)test_rand() : 0);
	}
	*p++ = conv;
	*p = '\0';
}

static void random_case(struct printf_case *c)
{
	static const char *const text[] = { "", "x", " : ", "[", "]\n" };
	int n = 1 + test_rand() % 3, i;

	c->fmt[0] = '\0';
	c->nargs = 0;
	for (i = 0; i < n; i++) {
		strcat(c->fmt, text[test_rand() % 5]);
		add_conversion(c);
	}
	strcat(c->fmt, text[test_rand() % 5]);
}

#define CASE_ARGS(a) a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], \
		     a[8], a[9], a[10], a[11]

/* Runs c through both implementations with a buffer of size bytes. */
static void compare_case(const struct printf_case *c, size_t size)
{
	char want[OUT_MAX], got[OUT_MAX];
	int rw, rg;

	memset(want, 0x5a, sizeof(want));
	memset(got, 0x5a, sizeof(got));
	rw = snprintf(want, size, c->fmt, CASE_ARGS(c->args));
	rg = lc_snprintf(got, size, c->fmt, CASE_ARGS(c->args));
	CHECK(rw == rg, "fmt \"%s\" size %zu: returned %d, glibc %d",
	      c->fmt, size, rg, rw);
	CHECK(!memcmp(want, got, sizeof(want)),
	      "fmt \"%s\" size %zu: got \"%.*s\" want \"%.*s\"", c->fmt, size,
	      rg < 0 ? 0 : rg, got, rw < 0 ? 0 : rw, want);
}

static int test_random(void)
{
	struct printf_case c;
	int i;

	test_seed(1234);
	for (i = 0; i < 200000; i++) {
		random_case(&c);
		compare_case(&c, OUT_MAX);
		compare_case(&c, test_rand() % 64);
	}
	return test_report("libc.printf.random");
}

/* Formats with a fixed argument list, chosen by hand. */
static void compare_fixed(const char *fmt, long a, long b, long c)
{
	char want[OUT_MAX], got[OUT_MAX];
	int rw = snprintf(want, sizeof(want), fmt, a, b, c);
	int rg = lc_snprintf(got, sizeof(got), fmt, a, b, c);

	CHECK(rw == rg && !strcmp(want, got),
	      "fmt \"%s\": got %d \"%s\" want %d \"%s\"", fmt, rg, got, rw,
	      want);
}

static int test_fixed(void)
{
	char buf[8];
	int n;

	compare_fixed("%d %i %u", INT_MIN, INT_MAX, -1);
	compare_fixed("%ld %lu %lx", LONG_MIN, -1, LONG_MIN);
	compare_fixed("%#o %#.0o %#x %#.0x", 0, 0, 0);
	compare_fixed("%#5.3o|%#08x|%-#8X|", 8, 255, 255);
	compare_fixed("%+.0d|% .0d|%.0u|", 0, 0, 0);
	compare_fixed("%0*d|%-*d|", -5, 42, 5);
	compare_fixed("%.*d|", -1, 7, 0);
	{
		char want[32], got[32];

		snprintf(want, sizeof(want), "%.*s|%.*s|", 3, "abcdef", -1, "xy");
		lc_snprintf(got, sizeof(got), "%.*s|%.*s|", 3, "abcdef", -1,
			    "xy");
		CHECK(!strcmp(want, got), "%%.*s: got \"%s\" want \"%s\"",
		      got, want);
	}
	compare_fixed("%5%|%-5%|%y|%", 0, 0, 0);
	compare_fixed("%hhd %hhu %hd %hu", 300, -1, 70000);
	compare_fixed("%p %10p %-10p|", 0, 0x1234, 0);
	compare_fixed("%+p % p %.8p %020p", 1, 1, 0xabc);
	compare_fixed("%jd %zd %td", LONG_MIN, -5, 12345678901L);
	compare_fixed("%05c|%-3c|%c", 'a', 'b', 'c');
	compare_fixed("%300d|", 7, 0, 0);
	CHECK(lc_snprintf(NULL, 0, "%d", 123456) == 6, "snprintf(NULL, 0)");
	n = lc_snprintf(buf, sizeof(buf), "%s", "0123456789");
	CHECK(n == 10 && !strcmp(buf, "0123456"), "truncation: %d %s", n, buf);
	n = lc_sprintf(buf, "%x%n", 0xbeef, &n);
	CHECK(n == 4 && !strcmp(buf, "beef"), "%%n: %d", n);
	return test_report("libc.printf.fixed");
}

/* stdout is line-buffered, stderr is not; fflush pushes everything out. */
static int test_stdio(void)
{
	fake_write_reset();
	CHECK(lc_printf("abc %d", 1) == 5, "printf return");
	CHECK(fake_write_calls == 0, "stdout wrote before newline");
	CHECK(lc_printf("def\nghi") == 7, "printf return");
	CHECK(fake_write_calls == 1 && !strcmp(fake_write_buf, "abc 1def\nghi"),
	      "line flush wrote %d times: \"%s\"", fake_write_calls,
	      fake_write_buf);
	lc___libc_stdio_flush();
	CHECK(fake_write_len == 12, "flush left %zu bytes", fake_write_len);

	fake_write_reset();
	CHECK(lc_fprintf(lc_stderr, "x=%d y=%s", 5, "z") == 7, "fprintf");
	CHECK(fake_write_calls == 1 && !strcmp(fake_write_buf, "x=5 y=z"),
	      "stderr: %d writes \"%s\"", fake_write_calls, fake_write_buf);

	fake_write_reset();
	lc_puts("line");
	lc_fputs("no newline", lc_stdout);
	lc_putchar('!');
	CHECK(!strcmp(fake_write_buf, "line\n"), "puts: \"%s\"", fake_write_buf);
	CHECK(lc_fflush(NULL) == 0, "fflush(NULL)");
	CHECK(!strcmp(fake_write_buf, "line\nno newline!"), "fflush: \"%s\"",
	      fake_write_buf);

	fake_write_reset();
	lc_errno = ENOENT;
	lc_perror("open");
	CHECK(!strcmp(fake_write_buf, "open: No such file or directory\n"),
	      "perror: \"%s\"", fake_write_buf);

	fake_write_reset();
	fake_write_fail = 1;
	CHECK(lc_fprintf(lc_stderr, "lost") == -1, "write error not reported");
	CHECK(lc_ferror(lc_stderr), "error flag not set");
	lc_clearerr(lc_stderr);
	fake_write_fail = 0;
	CHECK(!lc_ferror(lc_stderr), "clearerr");
	return test_report("libc.printf.stdio");
}

/* Output bigger than BUFSIZ bypasses the buffer intact. */
static int test_stdio_big(void)
{
	static char big[5000];

	memset(big, 'q', sizeof(big) - 1);
	fake_write_reset();
	lc_printf("<%s>\n", big);
	CHECK(fake_write_len == sizeof(big) + 2, "big: %zu", fake_write_len);
	CHECK(fake_write_buf[0] == '<' && fake_write_buf[5000] == '>',
	      "big: content");
	return test_report("libc.printf.stdio_big");
}

int main(void)
{
	int failed = 0;

	failed |= test_fixed();
	failed |= test_random();
	failed |= test_stdio();
	failed |= test_stdio_big();
	return failed;
}
