/*
 * printk.c - formatted output to the console, and panic.
 *
 * The formatter handles what the kernel uses: %d %i %u %x %X %p %s %c %%,
 * the l/ll/z length modifiers, a field width, '0' and '-' flags and '#'.
 */
#include "kernel.h"

struct out {
	char *buf;
	size_t len, pos;
};

static void put(struct out *o, char c)
{
	if (o->pos + 1 < o->len)
		o->buf[o->pos] = c;
	o->pos++;
}

static void put_num(struct out *o, uint64_t v, unsigned base, bool neg,
		    int width, char pad, bool left, bool upper, bool alt)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char tmp[24];
	int n = 0, total;

	do {
		tmp[n++] = digits[v % base];
		v /= base;
	} while (v);
	total = n + neg + (alt ? 2 : 0);
	if (pad == '0' && !left) {
		if (neg)
			put(o, '-');
		if (alt) {
			put(o, '0');
			put(o, 'x');
		}
	}
	for (; !left && total < width; total++)
		put(o, pad);
	if (pad != '0' || left) {
		if (neg)
			put(o, '-');
		if (alt) {
			put(o, '0');
			put(o, 'x');
		}
	}
	while (n)
		put(o, tmp[--n]);
	for (; left && total < width; total++)
		put(o, ' ');
}

int kvsnprintf(char *buf, size_t len, const char *fmt, __builtin_va_list ap)
{
	struct out o = { buf, len, 0 };

	for (; *fmt; fmt++) {
		int width = 0, lng = 0;
		bool left = false, alt = false;
		char pad = ' ';

		if (*fmt != '%') {
			put(&o, *fmt);
			continue;
		}
		for (fmt++;; fmt++) {
			if (*fmt == '-')
				left = true;
			else if (*fmt == '0')
				pad = '0';
			else if (*fmt == '#')
				alt = true;
			else
				break;
		}
		while (*fmt >= '0' && *fmt <= '9')
			width = width * 10 + (*fmt++ - '0');
		while (*fmt == 'l' || *fmt == 'z')
			lng++, fmt++;
		switch (*fmt) {
		case 'd': case 'i': {
			int64_t v = lng ? __builtin_va_arg(ap, int64_t) :
					  __builtin_va_arg(ap, int);
			put_num(&o, v < 0 ? -(uint64_t)v : (uint64_t)v, 10,
				v < 0, width, pad, left, false, false);
			break;
		}
		case 'u': case 'x': case 'X': {
			uint64_t v = lng ? __builtin_va_arg(ap, uint64_t) :
					   __builtin_va_arg(ap, unsigned);
			put_num(&o, v, *fmt == 'u' ? 10 : 16, false, width,
				pad, left, *fmt == 'X', alt && *fmt != 'u');
			break;
		}
		case 'p':
			put_num(&o, (uint64_t)__builtin_va_arg(ap, void *), 16,
				false, width, pad, left, false, true);
			break;
		case 's': {
			const char *s = __builtin_va_arg(ap, const char *);
			int n = 0;

			if (!s)
				s = "(null)";
			while (s[n])
				n++;
			for (; !left && n < width; width--)
				put(&o, ' ');
			while (*s)
				put(&o, *s++);
			for (; left && n < width; width--)
				put(&o, ' ');
			break;
		}
		case 'c':
			put(&o, (char)__builtin_va_arg(ap, int));
			break;
		case '%':
			put(&o, '%');
			break;
		default:
			put(&o, '?');
			if (!*fmt)
				fmt--;
		}
	}
	if (len)
		buf[o.pos < len ? o.pos : len - 1] = 0;
	return (int)o.pos;
}

void printk(const char *fmt, ...)
{
	char buf[256];
	__builtin_va_list ap;
	int n;

	__builtin_va_start(ap, fmt);
	n = kvsnprintf(buf, sizeof(buf), fmt, ap);
	__builtin_va_end(ap);
	console_write(buf, n < (int)sizeof(buf) ? (size_t)n : sizeof(buf) - 1);
}

void panic(const char *fmt, ...)
{
	char buf[256];
	__builtin_va_list ap;

	__builtin_va_start(ap, fmt);
	kvsnprintf(buf, sizeof(buf), fmt, ap);
	__builtin_va_end(ap);
	printk("\nKERNEL PANIC: %s\n", buf);
	arch_backtrace((uint64_t)__builtin_frame_address(0));
	arch_qemu_exit(HALT_PANIC);
}
