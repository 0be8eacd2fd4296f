/*
 * lc_test.h - what the lib/c host tests see of the library under test.
 *
 * lib/c is compiled with LIBC_HOST_TEST, so its public symbols carry an
 * lc_ prefix (lib/c/lc.h) and live beside glibc's.  The tests include
 * glibc's headers for the reference implementation and this header for
 * ours.  fake_os.c stands in for the OS layer (sbrk, mmap, write, abort).
 */
#ifndef LC_TEST_H
#define LC_TEST_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* stdio.h */
typedef struct __libc_file lc_FILE;
extern lc_FILE *lc_stdin, *lc_stdout, *lc_stderr;
int lc_printf(const char *fmt, ...);
int lc_fprintf(lc_FILE *f, const char *fmt, ...);
int lc_sprintf(char *buf, const char *fmt, ...);
int lc_snprintf(char *buf, size_t size, const char *fmt, ...);
int lc_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int lc_fputc(int c, lc_FILE *f);
int lc_putchar(int c);
int lc_fputs(const char *s, lc_FILE *f);
int lc_puts(const char *s);
size_t lc_fwrite(const void *buf, size_t size, size_t nmemb, lc_FILE *f);
int lc_fflush(lc_FILE *f);
int lc_ferror(lc_FILE *f);
void lc_clearerr(lc_FILE *f);
void lc_perror(const char *s);
void lc___libc_stdio_flush(void);

/* string.h */
void *lc_memcpy(void *dst, const void *src, size_t n);
void *lc_memmove(void *dst, const void *src, size_t n);
void *lc_memset(void *dst, int c, size_t n);
int lc_memcmp(const void *a, const void *b, size_t n);
void *lc_memchr(const void *s, int c, size_t n);
size_t lc_strlen(const char *s);
size_t lc_strnlen(const char *s, size_t max);
int lc_strcmp(const char *a, const char *b);
int lc_strncmp(const char *a, const char *b, size_t n);
char *lc_strcpy(char *dst, const char *src);
char *lc_strncpy(char *dst, const char *src, size_t n);
char *lc_strcat(char *dst, const char *src);
char *lc_strncat(char *dst, const char *src, size_t n);
char *lc_strchr(const char *s, int c);
char *lc_strrchr(const char *s, int c);
char *lc_strstr(const char *h, const char *n);
size_t lc_strspn(const char *s, const char *accept);
size_t lc_strcspn(const char *s, const char *reject);
char *lc_strtok_r(char *s, const char *delim, char **save);
char *lc_strdup(const char *s);
char *lc_strndup(const char *s, size_t max);
char *lc_strerror(int e);
char *lc_strsignal(int sig);

/* stdlib.h */
void *lc_malloc(size_t n);
void *lc_calloc(size_t nmemb, size_t size);
void *lc_realloc(void *p, size_t n);
void lc_free(void *p);
int lc_malloc_check(void);
int lc_atoi(const char *s);
long lc_atol(const char *s);
long lc_strtol(const char *s, char **end, int base);
unsigned long lc_strtoul(const char *s, char **end, int base);
long long lc_strtoll(const char *s, char **end, int base);
unsigned long long lc_strtoull(const char *s, char **end, int base);
int lc_abs(int x);
long lc_labs(long x);
long long lc_llabs(long long x);
int lc_rand(void);
void lc_srand(unsigned int seed);
void lc_qsort(void *base, size_t n, size_t size,
	      int (*cmp)(const void *, const void *));
void *lc_bsearch(const void *key, const void *base, size_t n, size_t size,
		 int (*cmp)(const void *, const void *));
char *lc_getenv(const char *name);
extern char **lc_environ;
extern int lc_errno;

/* ctype.h */
int lc_isalnum(int c);
int lc_isalpha(int c);
int lc_isblank(int c);
int lc_iscntrl(int c);
int lc_isdigit(int c);
int lc_isgraph(int c);
int lc_islower(int c);
int lc_isprint(int c);
int lc_ispunct(int c);
int lc_isspace(int c);
int lc_isupper(int c);
int lc_isxdigit(int c);
int lc_tolower(int c);
int lc_toupper(int c);

/* fake_os.c: everything lc_write received, and a trap for lc_abort. */
extern char fake_write_buf[1 << 16];
extern size_t fake_write_len;
extern int fake_write_calls;
extern int fake_write_fail;	/* nonzero: lc_write fails */
extern jmp_buf *fake_abort_jmp;	/* non-NULL: lc_abort longjmps here */
extern size_t fake_mmap_live;	/* mappings not yet unmapped */
extern int fake_sbrk_fail;	/* nonzero: lc_sbrk fails unless inc is 0 */
extern size_t fake_sbrk_gap;	/* next lc_sbrk(0) first skips this much */
void fake_write_reset(void);
void *lc_sbrk(intptr_t inc);

/* Counting checks: each failure prints one line, the first few only. */
extern int test_failures;
#define CHECK(cond, ...)						\
	do {								\
		if (!(cond)) {						\
			if (test_failures++ < 20) {			\
				fprintf(stderr, "FAIL %s:%d: ",		\
					__FILE__, __LINE__);		\
				fprintf(stderr, __VA_ARGS__);		\
				fputc('\n', stderr);			\
			}						\
		}							\
	} while (0)

/* Prints the PASS/FAIL line for a case, resets the count, returns 0 or 1. */
int test_report(const char *id);

/* A small deterministic generator, so failures reproduce. */
uint64_t test_rand(void);
void test_seed(uint64_t seed);

#endif /* LC_TEST_H */
