/*
 * stdio.c - FILE, output buffering, and the printers that write to files.
 *
 * There are exactly three streams, all static: stdin (which refuses
 * output), stdout and stderr.  Each owns a BUFSIZ buffer.  stdout is
 * line-buffered: output collects until a newline or a full buffer.
 * stderr is unbuffered: every call reaches write() before it returns,
 * but one printf call still becomes one write() because vfprintf holds
 * its pieces in the buffer until the call ends.
 *
 * A failed write() sets the stream's error flag (see ferror) and drops
 * the buffered bytes, so that one bad descriptor cannot wedge exit().
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "internal.h"
#include "lc.h"
#include "os.h"

enum stdio_mode {
	STDIO_READ,		/* input only; output fails with EBADF */
	STDIO_UNBUFFERED,
	STDIO_LINE,
	STDIO_FULL,
};

struct __libc_file {
	int fd;
	enum stdio_mode mode;
	bool error;
	size_t len;		/* bytes waiting in buf */
	char buf[BUFSIZ];
};

static FILE stdio_files[] = {
	{ .fd = 0, .mode = STDIO_READ },
	{ .fd = 1, .mode = STDIO_LINE },
	{ .fd = 2, .mode = STDIO_UNBUFFERED },
};

#define STDIO_NFILES (sizeof(stdio_files) / sizeof(stdio_files[0]))

FILE *LC(stdin) = &stdio_files[0];
FILE *LC(stdout) = &stdio_files[1];
FILE *LC(stderr) = &stdio_files[2];

/* Writes all n bytes, retrying short writes; returns 0 or -EIO. */
static int stdio_write_all(int fd, const char *s, size_t n)
{
	long r;

	while (n) {
		r = write(fd, s, n);
		if (r <= 0)
			return -EIO;
		s += r;
		n -= r;
	}
	return 0;
}

static int file_flush(FILE *f)
{
	int err = 0;

	if (f->len)
		err = stdio_write_all(f->fd, f->buf, f->len);
	f->len = 0;
	if (err)
		f->error = true;
	return err;
}

/*
 * Queues n bytes on f, writing as the buffering mode requires.  Output
 * that would not fit in an empty buffer bypasses it.
 */
static int file_put(FILE *f, const char *s, size_t n)
{
	int err;

	if (f->mode == STDIO_READ) {
		f->error = true;
		return -EBADF;
	}
	if (n > sizeof(f->buf) - f->len) {
		err = file_flush(f);
		if (err)
			return err;
		if (n >= sizeof(f->buf)) {
			err = stdio_write_all(f->fd, s, n);
			if (err)
				f->error = true;
			return err;
		}
	}
	memcpy(f->buf + f->len, s, n);
	f->len += n;
	if (f->mode == STDIO_UNBUFFERED ||
	    (f->mode == STDIO_LINE && memchr(s, '\n', n)))
		return file_flush(f);
	return 0;
}

/* The formatting engine's sink for a FILE; the first error sticks. */
struct file_sink {
	struct fmt_sink sink;
	FILE *f;
	int err;
};

static void file_sink_put(struct fmt_sink *sink, const char *s, size_t n)
{
	struct file_sink *fs = (struct file_sink *)sink;

	if (!fs->err)
		fs->err = file_put(fs->f, s, n);
}

static int file_vprintf(FILE *f, const char *fmt, va_list ap)
{
	struct file_sink fs = { .sink.put = file_sink_put, .f = f };
	enum stdio_mode mode = f->mode;
	int n;

	if (mode == STDIO_UNBUFFERED)
		f->mode = STDIO_FULL;
	n = fmt_vformat(&fs.sink, fmt, ap);
	f->mode = mode;
	if (mode == STDIO_UNBUFFERED && !fs.err)
		fs.err = file_flush(f);
	if (n < 0 || fs.err) {
		errno = n < 0 ? -n : -fs.err;
		return -1;
	}
	return n;
}

static int file_printf(FILE *f, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = file_vprintf(f, fmt, ap);
	va_end(ap);
	return n;
}

int LC(printf)(const char *restrict fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = file_vprintf(&stdio_files[1], fmt, ap);
	va_end(ap);
	return n;
}

int LC(fprintf)(FILE *restrict f, const char *restrict fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = file_vprintf(f, fmt, ap);
	va_end(ap);
	return n;
}

int LC(vprintf)(const char *restrict fmt, va_list ap)
{
	return file_vprintf(&stdio_files[1], fmt, ap);
}

int LC(vfprintf)(FILE *restrict f, const char *restrict fmt, va_list ap)
{
	return file_vprintf(f, fmt, ap);
}

int LC(fputc)(int c, FILE *f)
{
	char ch = (char)c;

	return file_put(f, &ch, 1) ? EOF : (unsigned char)ch;
}

int LC(putc)(int c, FILE *f)
{
	return LC(fputc)(c, f);
}

int LC(putchar)(int c)
{
	return LC(fputc)(c, &stdio_files[1]);
}

int LC(fputs)(const char *restrict s, FILE *restrict f)
{
	return file_put(f, s, strlen(s)) ? EOF : 0;
}

int LC(puts)(const char *s)
{
	return file_printf(&stdio_files[1], "%s\n", s) < 0 ? EOF : 0;
}

size_t LC(fwrite)(const void *restrict buf, size_t size, size_t nmemb,
		  FILE *restrict f)
{
	if (!size || !nmemb)
		return 0;
	if (nmemb > (size_t)-1 / size)
		return 0;
	return file_put(f, buf, size * nmemb) ? 0 : nmemb;
}

/* fflush(NULL) flushes every stream. */
int LC(fflush)(FILE *f)
{
	int err = 0;
	size_t i;

	if (f)
		return file_flush(f) ? EOF : 0;
	for (i = 0; i < STDIO_NFILES; i++)
		if (file_flush(&stdio_files[i]))
			err = EOF;
	return err;
}

int LC(ferror)(FILE *f)
{
	return f->error;
}

void LC(clearerr)(FILE *f)
{
	f->error = false;
}

int LC(fileno)(FILE *f)
{
	return f->fd;
}

/* Prints "s: message\n", or just the message when s is NULL or empty. */
void LC(perror)(const char *s)
{
	const char *msg = strerror(errno);

	if (s && *s)
		file_printf(&stdio_files[2], "%s: %s\n", s, msg);
	else
		file_printf(&stdio_files[2], "%s\n", msg);
}

void LC(__libc_stdio_flush)(void)
{
	LC(fflush)(NULL);
}
