/*
 * stdio.h - formatted and buffered output.
 *
 * lib/c/printf.c owns the formatting engine and the string variants
 * (sprintf, snprintf, ...); lib/c/stdio.c owns FILE, its buffering and
 * everything that writes to a file descriptor.  Only output is supported;
 * stdin exists so that programs naming it still compile.
 *
 * stdout is line-buffered, stderr unbuffered.  exit() must call
 * __libc_stdio_flush() before the process ends.
 */
#ifndef _STDIO_H
#define _STDIO_H

#include <stdarg.h>
#include <stddef.h>

#define BUFSIZ		1024
#define EOF		(-1)

#define SEEK_SET	0
#define SEEK_CUR	1
#define SEEK_END	2

/* The layout is private to lib/c/stdio.c. */
typedef struct __libc_file FILE;

extern FILE *stdin;
extern FILE *stdout;
extern FILE *stderr;
#define stdin stdin
#define stdout stdout
#define stderr stderr

int printf(const char *restrict fmt, ...)
	__attribute__((format(printf, 1, 2)));
int fprintf(FILE *restrict f, const char *restrict fmt, ...)
	__attribute__((format(printf, 2, 3)));
int sprintf(char *restrict buf, const char *restrict fmt, ...)
	__attribute__((format(printf, 2, 3)));
int snprintf(char *restrict buf, size_t size, const char *restrict fmt, ...)
	__attribute__((format(printf, 3, 4)));
int vprintf(const char *restrict fmt, va_list ap)
	__attribute__((format(printf, 1, 0)));
int vfprintf(FILE *restrict f, const char *restrict fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));
int vsprintf(char *restrict buf, const char *restrict fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));
int vsnprintf(char *restrict buf, size_t size, const char *restrict fmt,
	      va_list ap)
	__attribute__((format(printf, 3, 0)));

int fputc(int c, FILE *f);
int putc(int c, FILE *f);
int putchar(int c);
int fputs(const char *restrict s, FILE *restrict f);
int puts(const char *s);
size_t fwrite(const void *restrict buf, size_t size, size_t nmemb,
	      FILE *restrict f);
int fflush(FILE *f);
int ferror(FILE *f);
void clearerr(FILE *f);
int fileno(FILE *f);

/* Files by name (lib/c/sys/file.c). */
int rename(const char *from, const char *to);
int remove(const char *path);
void perror(const char *s);

void __libc_stdio_flush(void);

#endif /* _STDIO_H */
