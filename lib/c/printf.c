/*
 * printf.c - the printf formatting engine and the string printers.
 *
 * fmt_vformat() interprets a format once for every printer: it parses each
 * conversion into a struct fmt_spec, renders the argument, and hands the
 * pieces to a struct fmt_sink.  sprintf and snprintf use the bounded
 * buffer sink below; lib/c/stdio.c supplies a sink that writes to a FILE.
 *
 * Supported: the conversions d i u o x X c s p n %, the length modifiers
 * hh h l ll j z t (and L, q as ll), width, precision, '*' for either, and
 * the flags "-+ #0".  The output matches glibc byte for byte, including
 * its choices where C leaves a case open: "(nil)" for a null %p and
 * "(null)" for a null %s (or nothing, if the precision is below 6).  An
 * unknown conversion is copied to the output as written.  Floating point
 * is not supported.
 */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "internal.h"
#include "lc.h"

enum {
	FMT_LEFT = 1 << 0,	/* '-' */
	FMT_PLUS = 1 << 1,	/* '+' */
	FMT_SPACE = 1 << 2,	/* ' ' */
	FMT_ALT = 1 << 3,	/* '#' */
	FMT_ZERO = 1 << 4,	/* '0' */
};

enum fmt_len {
	FMT_LEN_INT,
	FMT_LEN_CHAR,		/* hh */
	FMT_LEN_SHORT,		/* h */
	FMT_LEN_LONG,		/* l */
	FMT_LEN_LLONG,		/* ll, L, q */
	FMT_LEN_INTMAX,		/* j */
	FMT_LEN_SIZE,		/* z */
	FMT_LEN_PTRDIFF,	/* t */
};

struct fmt_spec {
	unsigned int flags;
	int width;		/* 0 when absent */
	int prec;		/* -1 when absent */
	enum fmt_len len;
	char conv;
};

/* The engine's state while one format is being expanded. */
struct fmt_out {
	struct fmt_sink *sink;
	size_t count;		/* bytes produced so far */
	va_list ap;
};

static void fmt_put(struct fmt_out *out, const char *s, size_t n)
{
	if (n) {
		out->sink->put(out->sink, s, n);
		out->count += n;
	}
}

static void fmt_pad(struct fmt_out *out, char c, int n)
{
	static const char spaces[16] = "                ";
	static const char zeros[16] = "0000000000000000";
	const char *src = c == '0' ? zeros : spaces;

	for (; n > 0; n -= 16)
		fmt_put(out, src, n < 16 ? n : 16);
}

/* Reads a decimal number, saturating at INT_MAX. */
static int fmt_atoi(const char **pp)
{
	const char *p = *pp;
	int n = 0;

	for (; *p >= '0' && *p <= '9'; p++)
		n = n > (INT_MAX - 9) / 10 ? INT_MAX : n * 10 + (*p - '0');
	*pp = p;
	return n;
}

static const char *fmt_parse_flags(const char *p, struct fmt_spec *spec)
{
	for (;; p++) {
		switch (*p) {
		case '-': spec->flags |= FMT_LEFT; break;
		case '+': spec->flags |= FMT_PLUS; break;
		case ' ': spec->flags |= FMT_SPACE; break;
		case '#': spec->flags |= FMT_ALT; break;
		case '0': spec->flags |= FMT_ZERO; break;
		default: return p;
		}
	}
}

static const char *fmt_parse_width(const char *p, struct fmt_spec *spec,
				   struct fmt_out *out)
{
	int w;

	if (*p != '*') {
		spec->width = fmt_atoi(&p);
		return p;
	}
	w = va_arg(out->ap, int);
	if (w < 0) {
		spec->flags |= FMT_LEFT;
		w = w == INT_MIN ? INT_MAX : -w;
	}
	spec->width = w;
	return p + 1;
}

static const char *fmt_parse_prec(const char *p, struct fmt_spec *spec,
				  struct fmt_out *out)
{
	int prec;

	if (*p != '.')
		return p;
	p++;
	if (*p == '*') {
		prec = va_arg(out->ap, int);
		spec->prec = prec < 0 ? -1 : prec;
		return p + 1;
	}
	spec->prec = fmt_atoi(&p);
	return p;
}

static const char *fmt_parse_len(const char *p, struct fmt_spec *spec)
{
	switch (*p) {
	case 'h':
		if (p[1] == 'h') {
			spec->len = FMT_LEN_CHAR;
			return p + 2;
		}
		spec->len = FMT_LEN_SHORT;
		return p + 1;
	case 'l':
		if (p[1] == 'l') {
			spec->len = FMT_LEN_LLONG;
			return p + 2;
		}
		spec->len = FMT_LEN_LONG;
		return p + 1;
	case 'L': case 'q': spec->len = FMT_LEN_LLONG; return p + 1;
	case 'j': spec->len = FMT_LEN_INTMAX; return p + 1;
	case 'z': spec->len = FMT_LEN_SIZE; return p + 1;
	case 't': spec->len = FMT_LEN_PTRDIFF; return p + 1;
	default: return p;
	}
}

/* Parses the conversion after a '%'; returns where the format continues. */
static const char *fmt_parse_spec(const char *p, struct fmt_spec *spec,
				  struct fmt_out *out)
{
	spec->flags = 0;
	spec->width = 0;
	spec->prec = -1;
	spec->len = FMT_LEN_INT;
	p = fmt_parse_flags(p, spec);
	p = fmt_parse_width(p, spec, out);
	p = fmt_parse_prec(p, spec, out);
	p = fmt_parse_len(p, spec);
	spec->conv = *p;
	return *p ? p + 1 : p;
}

static long long fmt_arg_signed(struct fmt_out *out, enum fmt_len len)
{
	switch (len) {
	case FMT_LEN_CHAR: return (signed char)va_arg(out->ap, int);
	case FMT_LEN_SHORT: return (short)va_arg(out->ap, int);
	case FMT_LEN_LONG: return va_arg(out->ap, long);
	case FMT_LEN_LLONG: return va_arg(out->ap, long long);
	case FMT_LEN_INTMAX: return va_arg(out->ap, intmax_t);
	case FMT_LEN_SIZE: return va_arg(out->ap, long);
	case FMT_LEN_PTRDIFF: return va_arg(out->ap, ptrdiff_t);
	default: return va_arg(out->ap, int);
	}
}

static unsigned long long fmt_arg_unsigned(struct fmt_out *out,
					   enum fmt_len len)
{
	switch (len) {
	case FMT_LEN_CHAR: return (unsigned char)va_arg(out->ap, unsigned int);
	case FMT_LEN_SHORT: return (unsigned short)va_arg(out->ap, unsigned int);
	case FMT_LEN_LONG: return va_arg(out->ap, unsigned long);
	case FMT_LEN_LLONG: return va_arg(out->ap, unsigned long long);
	case FMT_LEN_INTMAX: return va_arg(out->ap, uintmax_t);
	case FMT_LEN_SIZE: return va_arg(out->ap, size_t);
	case FMT_LEN_PTRDIFF: return (size_t)va_arg(out->ap, ptrdiff_t);
	default: return va_arg(out->ap, unsigned int);
	}
}

/*
 * Emits a field of the form [spaces][prefix][zeros][body][spaces].
 * prefix is the sign and/or "0x"; zeros come from the precision and, with
 * the '0' flag, from the width.
 */
static void fmt_field(struct fmt_out *out, const struct fmt_spec *spec,
		      const char *prefix, int zeros, const char *body, int len)
{
	int plen = (int)strlen(prefix);
	int pad = spec->width - plen - zeros - len;

	if (pad > 0 && (spec->flags & FMT_ZERO) && !(spec->flags & FMT_LEFT)) {
		zeros += pad;
		pad = 0;
	}
	if (!(spec->flags & FMT_LEFT))
		fmt_pad(out, ' ', pad);
	fmt_put(out, prefix, plen);
	fmt_pad(out, '0', zeros);
	fmt_put(out, body, len);
	if (spec->flags & FMT_LEFT)
		fmt_pad(out, ' ', pad);
}

/* Writes v in base so that it ends at end; returns its first digit. */
static char *fmt_digits(char *end, unsigned long long v, unsigned int base,
			bool upper)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char *p = end;

	do {
		*--p = digits[v % base];
		v /= base;
	} while (v);
	return p;
}

/*
 * Integers: d i u o x X, and p once its argument is known to be non-null.
 * spec->flags must already have '0' cleared when a precision is given.
 */
static void fmt_number(struct fmt_out *out, const struct fmt_spec *spec,
		       unsigned long long v, bool neg)
{
	char buf[24], prefix[4], *p = prefix;
	char *digits = buf + sizeof(buf);
	unsigned int base = 10;
	bool has_sign = strchr("dip", spec->conv) != NULL;
	int len, zeros;

	if (spec->conv == 'o')
		base = 8;
	else if (spec->conv == 'x' || spec->conv == 'X' || spec->conv == 'p')
		base = 16;
	if (v || spec->prec != 0)
		digits = fmt_digits(digits, v, base, spec->conv == 'X');
	len = buf + sizeof(buf) - digits;
	zeros = spec->prec > len ? spec->prec - len : 0;

	if (neg)
		*p++ = '-';
	else if ((spec->flags & FMT_PLUS) && has_sign)
		*p++ = '+';
	else if ((spec->flags & FMT_SPACE) && has_sign)
		*p++ = ' ';
	if ((spec->flags & FMT_ALT) && base == 16 && v) {
		*p++ = '0';
		*p++ = spec->conv == 'X' ? 'X' : 'x';
	}
	*p = '\0';
	if ((spec->flags & FMT_ALT) && base == 8 && !zeros &&
	    (!len || *digits != '0'))
		zeros = 1;
	fmt_field(out, spec, prefix, zeros, digits, len);
}

static void fmt_integer(struct fmt_out *out, struct fmt_spec *spec)
{
	unsigned long long v;
	long long s;
	bool neg = false;

	if (spec->prec >= 0)
		spec->flags &= ~FMT_ZERO;
	if (spec->conv == 'd' || spec->conv == 'i') {
		s = fmt_arg_signed(out, spec->len);
		neg = s < 0;
		v = neg ? 0 - (unsigned long long)s : (unsigned long long)s;
	} else {
		v = fmt_arg_unsigned(out, spec->len);
	}
	fmt_number(out, spec, v, neg);
}

/* %p is glibc's %#lx, except that '+' and ' ' still apply. */
static void fmt_pointer(struct fmt_out *out, struct fmt_spec *spec)
{
	void *ptr = va_arg(out->ap, void *);

	if (!ptr) {
		spec->flags &= ~FMT_ZERO;
		fmt_field(out, spec, "", 0, "(nil)", 5);
		return;
	}
	if (spec->prec >= 0)
		spec->flags &= ~FMT_ZERO;
	spec->flags |= FMT_ALT;
	fmt_number(out, spec, (uintptr_t)ptr, false);
}

/* Strings and characters ignore the '0' flag, as in glibc. */
static void fmt_string(struct fmt_out *out, struct fmt_spec *spec)
{
	const char *s = va_arg(out->ap, const char *);
	size_t len;

	spec->flags &= ~FMT_ZERO;
	if (!s)
		s = spec->prec < 0 || spec->prec >= 6 ? "(null)" : "";
	len = spec->prec < 0 ? strlen(s) : strnlen(s, spec->prec);
	if (len > INT_MAX)
		len = INT_MAX;
	fmt_field(out, spec, "", 0, s, (int)len);
}

static void fmt_char(struct fmt_out *out, struct fmt_spec *spec)
{
	char c = (char)va_arg(out->ap, int);

	spec->flags &= ~FMT_ZERO;
	fmt_field(out, spec, "", 0, &c, 1);
}

static void fmt_count(struct fmt_out *out, const struct fmt_spec *spec)
{
	void *p = va_arg(out->ap, void *);

	switch (spec->len) {
	case FMT_LEN_CHAR: *(signed char *)p = out->count; break;
	case FMT_LEN_SHORT: *(short *)p = out->count; break;
	case FMT_LEN_LONG: *(long *)p = out->count; break;
	case FMT_LEN_LLONG: *(long long *)p = out->count; break;
	case FMT_LEN_INTMAX: *(intmax_t *)p = out->count; break;
	case FMT_LEN_SIZE: *(size_t *)p = out->count; break;
	case FMT_LEN_PTRDIFF: *(ptrdiff_t *)p = out->count; break;
	default: *(int *)p = out->count; break;
	}
}

/* Expands one conversion; start is its '%', for copying unknown ones. */
static void fmt_convert(struct fmt_out *out, struct fmt_spec *spec,
			const char *start, const char *end)
{
	switch (spec->conv) {
	case 'd': case 'i': case 'u': case 'o': case 'x': case 'X':
		fmt_integer(out, spec);
		break;
	case 'p': fmt_pointer(out, spec); break;
	case 's': fmt_string(out, spec); break;
	case 'c': fmt_char(out, spec); break;
	case 'n': fmt_count(out, spec); break;
	case '%': fmt_put(out, "%", 1); break;
	default: fmt_put(out, start, end - start); break;
	}
}

int fmt_vformat(struct fmt_sink *sink, const char *fmt, va_list ap)
{
	struct fmt_out out = { .sink = sink, .count = 0 };
	struct fmt_spec spec;
	const char *p, *start;

	va_copy(out.ap, ap);
	for (p = fmt; *p; ) {
		if (*p != '%') {
			start = p;
			while (*p && *p != '%')
				p++;
			fmt_put(&out, start, p - start);
			continue;
		}
		start = p;
		p = fmt_parse_spec(p + 1, &spec, &out);
		fmt_convert(&out, &spec, start, p);
	}
	va_end(out.ap);
	return out.count > INT_MAX ? -EOVERFLOW : (int)out.count;
}

/* A sink that fills a buffer of size bytes, keeping room for the NUL. */
struct fmt_buf {
	struct fmt_sink sink;
	char *buf;
	size_t size;
	size_t used;
};

static void fmt_buf_put(struct fmt_sink *sink, const char *s, size_t n)
{
	struct fmt_buf *b = (struct fmt_buf *)sink;
	size_t room = b->size ? b->size - 1 - b->used : 0;

	if (n > room)
		n = room;
	memcpy(b->buf + b->used, s, n);
	b->used += n;
}

int LC(vsnprintf)(char *restrict buf, size_t size, const char *restrict fmt,
		  va_list ap)
{
	struct fmt_buf b = {
		.sink.put = fmt_buf_put, .buf = buf, .size = size, .used = 0
	};
	int n = fmt_vformat(&b.sink, fmt, ap);

	if (size)
		buf[b.used] = '\0';
	if (n < 0) {
		errno = -n;
		return -1;
	}
	return n;
}

int LC(snprintf)(char *restrict buf, size_t size, const char *restrict fmt,
		 ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = LC(vsnprintf)(buf, size, fmt, ap);
	va_end(ap);
	return n;
}

/* No bound: the caller promises the buffer is big enough. */
int LC(vsprintf)(char *restrict buf, const char *restrict fmt, va_list ap)
{
	return LC(vsnprintf)(buf, (size_t)INT_MAX + 1, fmt, ap);
}

int LC(sprintf)(char *restrict buf, const char *restrict fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = LC(vsprintf)(buf, fmt, ap);
	va_end(ap);
	return n;
}
