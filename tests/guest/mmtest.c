/*
 * mmtest.c - the memory manager seen from a program: mmap and friends,
 * the break, copy-on-write fork, the stack, and memory coming back when a
 * process exits, each checked against Linux's semantics and errno values.
 *
 * The program is plain POSIX and also builds and passes on Linux, which is
 * the oracle: every expectation here was checked there first
 * (gcc -std=c11 -D_GNU_SOURCE -O2 -Wall -Wextra -Werror mmtest.c).  Only
 * the free-page count in mm.exit.* needs a system-specific source: mm's
 * meminfo report on pagerk, /proc/meminfo on Linux.
 *
 * Every case is independent and prints one line, `PASS mm.GROUP.CASE` or
 * `FAIL mm.GROUP.CASE: reason`; the last line is `N passed, M failed` and
 * the exit status is non-zero if anything failed.  `mmtest PREFIX` runs
 * only the cases whose ids start with PREFIX (the "mm." may be left out).
 *
 * Accesses that must fault are made in a forked child, which must die with
 * SIGSEGV (there are no signal handlers to catch it in-process).  Cases
 * that look at residency with mincore() use mappings fenced by PROT_NONE
 * pages, so that Linux cannot merge them with a neighbour into a range a
 * transparent huge page would fill.
 */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifdef __pagerk__
#include <ipc/mm.h>
#include <ipc/proc.h>
#include <ipc/usys.h>
#endif

#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE	0x100000
#endif
#ifndef MADV_PAGEOUT
#define MADV_PAGEOUT		21
#endif
#ifndef MAP_SHARED_VALIDATE
#define MAP_SHARED_VALIDATE	0x03
#endif
#ifndef EOPNOTSUPP
#define EOPNOTSUPP		95
#endif

#define RW		(PROT_READ | PROT_WRITE)
#define ANON		(MAP_PRIVATE | MAP_ANONYMOUS)
#define KERNEL_HALF	((uintptr_t)0xffff800000000000ull)
#define USER_TOP_PAGE	((uintptr_t)0x00007ffffffff000ull)
#define MIB		(1024 * 1024)
#define TRACK_MAX	64
#define RES_MAX		16	/* pages residency() looks at */
#define CHILD_WAIT_NS	100000000L	/* a child's head start for the parent */
#define SHARED_WAIT_NS	10000000000L	/* give up on a partner after 10 s */

static size_t pg;
static char why[400];
static int npassed, nfailed;

/* Fail the case with a reason (added to any reason given before). */
#define FAILF(...) do {							\
	add_reason(__VA_ARGS__);					\
	return -1;							\
} while (0)
#define CHECK(cond, ...) do { if (!(cond)) FAILF(__VA_ARGS__); } while (0)
/* The same, for cases that must undo something first (at label out). */
#define CHECK_OUT(cond, ...) do {					\
	if (!(cond)) {							\
		add_reason(__VA_ARGS__);				\
		goto out;						\
	}								\
} while (0)

static void add_reason(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));

static void add_reason(const char *fmt, ...)
{
	size_t n = strlen(why);
	va_list ap;

	if (n && n + 2 < sizeof(why)) {
		memcpy(why + n, "; ", 3);
		n += 2;
	}
	va_start(ap, fmt);
	vsnprintf(why + n, sizeof(why) - n, fmt, ap);
	va_end(ap);
}

/* ---- helpers: errors, mappings, patterns ---- */

static const char *errname(int e)
{
	static char buf[24];

	switch (e) {
	case 0: return "no error";
	case EPERM: return "EPERM";
	case ENOENT: return "ENOENT";
	case EAGAIN: return "EAGAIN";
	case ENOMEM: return "ENOMEM";
	case EACCES: return "EACCES";
	case EFAULT: return "EFAULT";
	case EEXIST: return "EEXIST";
	case EINVAL: return "EINVAL";
	case ENOSYS: return "ENOSYS";
	case EOPNOTSUPP: return "EOPNOTSUPP";
	case ECHILD: return "ECHILD";
	default:
		snprintf(buf, sizeof(buf), "errno %d", e);
		return buf;
	}
}

/* Mappings made by the current case; run_case unmaps them afterwards. */
static struct tracked { void *p; size_t len; } tracked[TRACK_MAX];
static int ntracked;

static void track(void *p, size_t len)
{
	if (p != MAP_FAILED && ntracked < TRACK_MAX)
		tracked[ntracked++] = (struct tracked){ p, len };
}

static void untrack_all(void)
{
	while (ntracked > 0) {
		ntracked--;
		munmap(tracked[ntracked].p, tracked[ntracked].len);
	}
}

static unsigned char *map_flags(size_t npages, int prot, int flags)
{
	void *p = mmap(NULL, npages * pg, prot, flags, -1, 0);

	track(p, npages * pg);
	return p == MAP_FAILED ? NULL : p;
}

static unsigned char *map_anon(size_t npages, int prot)
{
	return map_flags(npages, prot, ANON);
}

/*
 * npages of private anonymous memory with a PROT_NONE page either side:
 * a VMA of exactly npages that merges with nothing.
 */
static unsigned char *map_fenced(size_t npages, int prot)
{
	unsigned char *p = map_anon(npages + 2, PROT_NONE);

	if (!p || mprotect(p + pg, npages * pg, prot))
		return NULL;
	return p + pg;
}

/* An address where npages are free right now (mapped, then unmapped). */
static unsigned char *free_range(size_t npages)
{
	void *p = mmap(NULL, npages * pg, PROT_NONE, ANON, -1, 0);

	if (p == MAP_FAILED || munmap(p, npages * pg))
		return NULL;
	return p;
}

static uint64_t pattern(unsigned seed, size_t page, size_t word)
{
	return ((uint64_t)seed * 0x9e3779b97f4a7c15ull) ^
	       ((uint64_t)page << 32) ^ (word * 0x10001) ^ 0x8000000000000001ull;
}

/* Fill pages [first, first+n) of p with seed's pattern. */
static void fill(unsigned char *p, size_t first, size_t n, unsigned seed)
{
	for (size_t i = first; i < first + n; i++) {
		volatile uint64_t *w = (volatile uint64_t *)(p + i * pg);

		for (size_t j = 0; j < pg / 8; j++)
			w[j] = pattern(seed, i, j);
	}
}

/* The first page of [first, first+n) not holding seed's pattern, or -1. */
static long check(const unsigned char *p, size_t first, size_t n,
		  unsigned seed)
{
	for (size_t i = first; i < first + n; i++) {
		const volatile uint64_t *w =
			(const volatile uint64_t *)(p + i * pg);

		for (size_t j = 0; j < pg / 8; j++)
			if (w[j] != pattern(seed, i, j))
				return (long)i;
	}
	return -1;
}

/* Offset of the first non-zero byte of [p, p+len), or -1. */
static long nonzero_at(const unsigned char *p, size_t len)
{
	const volatile unsigned char *b = p;

	for (size_t i = 0; i < len; i++)
		if (b[i])
			return (long)i;
	return -1;
}

/*
 * Residency of npages at p as a string of '0'/'1' in out (npages + 1
 * bytes); 0, or the errno mincore failed with.
 */
static int residency(const void *p, size_t npages, char *out)
{
	unsigned char vec[RES_MAX];

	if (npages > sizeof(vec))
		return E2BIG;
	if (mincore((void *)p, npages * pg, vec))
		return errno;
	for (size_t i = 0; i < npages; i++)
		out[i] = (vec[i] & 1) ? '1' : '0';
	out[npages] = 0;
	return 0;
}

static int expect_residency(const void *p, size_t npages, const char *want,
			    const char *what)
{
	char got[RES_MAX + 1];
	int err = residency(p, npages, got);

	CHECK(!err, "%s: mincore failed: %s", what, errname(err));
	CHECK(!strcmp(got, want), "%s: mincore says %s, expected %s", what,
	      got, want);
	return 0;
}

/* mincore on [p, p+npages) must fail with err (ENOMEM: unmapped). */
static int expect_mincore_err(const void *p, size_t npages, int err,
			      const char *what)
{
	unsigned char vec[64];

	errno = 0;
	CHECK(mincore((void *)p, npages * pg, vec) == -1 && errno == err,
	      "%s: mincore gave %s, expected %s", what,
	      errno ? errname(errno) : "success", errname(err));
	return 0;
}

static long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000L + ts.tv_nsec;
}

static void busy_wait(long ns)
{
	long end = now_ns() + ns;

	while (now_ns() < end)
		;
}

/* ---- helpers: children ---- */

/* Run fn(arg) in a forked child; its wait status.  0 or an errno. */
static int run_child(int (*fn)(void *), void *arg, int *status)
{
	pid_t pid;

	fflush(stdout);
	pid = fork();
	if (pid < 0)
		return errno;
	if (pid == 0)
		_exit(fn(arg));
	if (waitpid(pid, status, 0) != pid)
		return errno ? errno : ECHILD;
	return 0;
}

static int describe_status(int st, char *buf, size_t len)
{
	if (WIFSIGNALED(st))
		return snprintf(buf, len, "killed by signal %d", WTERMSIG(st));
	return snprintf(buf, len, "exited with %d", WEXITSTATUS(st));
}

/* fn(arg) in a child must die of sig (0: must exit with status 0). */
static int expect_child(int (*fn)(void *), void *arg, int sig,
			const char *what)
{
	char desc[48];
	int st = 0, err = run_child(fn, arg, &st);

	CHECK(!err, "%s: fork/waitpid failed: %s", what, errname(err));
	describe_status(st, desc, sizeof(desc));
	if (sig)
		CHECK(WIFSIGNALED(st) && WTERMSIG(st) == sig,
		      "%s: child %s, expected signal %d", what, desc, sig);
	else
		CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0,
		      "%s: child %s, expected exit 0", what, desc);
	return 0;
}

struct access {
	volatile unsigned char *p;
	int write;
};

static int do_access(void *arg)
{
	struct access *a = arg;

	if (a->write)
		*a->p = 0x5a;
	else
		(void)*a->p;
	return 0;		/* survived */
}

/* A read (write=0) or write at p in a child must die with SIGSEGV. */
static int expect_segv(void *p, int write, const char *what)
{
	struct access a = { p, write };

	return expect_child(do_access, &a, SIGSEGV, what);
}

static int expect_ok_access(void *p, int write, const char *what)
{
	struct access a = { p, write };

	return expect_child(do_access, &a, 0, what);
}

/* ---- mm.zero ---- */

static int zero_first_read(void)
{
	unsigned char *p = map_anon(16, RW);
	long at;

	CHECK(p, "mmap: %s", errname(errno));
	p[5] = 0x11;
	p[7 * pg + 100] = 0x22;
	at = nonzero_at(p + pg, 6 * pg);
	CHECK(at < 0, "byte %ld of pages 1-6 not zero", at);
	at = nonzero_at(p + 8 * pg, 8 * pg);
	CHECK(at < 0, "byte %ld of pages 8-15 not zero", at);
	CHECK(p[5] == 0x11 && p[7 * pg + 100] == 0x22, "written bytes lost");
	p[5] = 0;
	p[7 * pg + 100] = 0;
	at = nonzero_at(p, 16 * pg);
	CHECK(at < 0, "byte %ld not zero beside the writes", at);
	return 0;
}

static int zero_read_then_write(void)
{
	unsigned char *p = map_anon(4, RW);
	long at;

	CHECK(p, "mmap: %s", errname(errno));
	at = nonzero_at(p + 2 * pg, pg);
	CHECK(at < 0, "first read: byte %ld not zero", at);
	fill(p, 2, 1, 7);
	at = check(p, 2, 1, 7);
	CHECK(at < 0, "write after read did not stick");
	at = nonzero_at(p, 2 * pg);
	CHECK(at < 0, "neighbouring page byte %ld not zero", at);
	at = nonzero_at(p + 3 * pg, pg);
	CHECK(at < 0, "neighbouring page byte %ld not zero", at);
	return 0;
}

/* Frames freed by munmap come back zeroed in a new mapping. */
static int zero_reused_frames(void)
{
	unsigned char *p = map_anon(64, RW);
	long at;

	CHECK(p, "mmap: %s", errname(errno));
	memset(p, 0xa5, 64 * pg);
	CHECK(munmap(p, 64 * pg) == 0, "munmap: %s", errname(errno));
	for (int round = 0; round < 2; round++) {
		p = map_anon(64, RW);
		CHECK(p, "mmap again: %s", errname(errno));
		at = nonzero_at(p, 64 * pg);
		CHECK(at < 0, "round %d: byte %ld of a fresh mapping not zero",
		      round, at);
		memset(p, 0x5a, 64 * pg);
		CHECK(munmap(p, 64 * pg) == 0, "munmap: %s", errname(errno));
	}
	return 0;
}

/* ---- mm.mmap ---- */

static int mmap_private_anon(void)
{
	unsigned char *p = mmap(NULL, 4 * pg, RW, ANON, -1, 0);

	CHECK(p != MAP_FAILED, "mmap: %s", errname(errno));
	track(p, 4 * pg);
	CHECK(((uintptr_t)p & (pg - 1)) == 0, "%p not page-aligned", p);
	fill(p, 0, 4, 1);
	CHECK(check(p, 0, 4, 1) < 0, "pattern not read back");
	CHECK(munmap(p, 4 * pg) == 0, "munmap: %s", errname(errno));
	return expect_mincore_err(p, 4, ENOMEM, "after munmap");
}

static int mmap_fixed_replace(void)
{
	unsigned char *p = map_fenced(4, RW), *q;
	long at;

	CHECK(p, "mmap: %s", errname(errno));
	fill(p, 0, 4, 2);
	q = mmap(p + pg, 2 * pg, RW, ANON | MAP_FIXED, -1, 0);
	CHECK(q == p + pg, "MAP_FIXED gave %p (%s), expected %p", q,
	      q == MAP_FAILED ? errname(errno) : "-", p + pg);
	if (expect_residency(p, 4, "1001", "after MAP_FIXED"))
		return -1;
	at = nonzero_at(q, 2 * pg);
	CHECK(at < 0, "old contents visible: byte %ld not zero", at);
	CHECK(check(p, 0, 1, 2) < 0 && check(p, 3, 1, 2) < 0,
	      "pages outside the new mapping changed");
	fill(p, 1, 2, 3);
	CHECK(check(p, 1, 2, 3) < 0, "new mapping not writable");
	return 0;
}

static int mmap_fixed_noreplace(void)
{
	unsigned char *p = map_fenced(4, RW), *q;

	CHECK(p, "mmap: %s", errname(errno));
	fill(p, 0, 4, 4);
	errno = 0;
	q = mmap(p + pg, 2 * pg, RW, ANON | MAP_FIXED_NOREPLACE, -1, 0);
	CHECK(q == MAP_FAILED && errno == EEXIST,
	      "over a mapping: got %p (%s), expected EEXIST", q,
	      errname(errno));
	/* Starting in the free fence page below, ending inside p. */
	CHECK(munmap(p - pg, pg) == 0, "munmap: %s", errname(errno));
	errno = 0;
	q = mmap(p - pg, 2 * pg, RW, ANON | MAP_FIXED_NOREPLACE, -1, 0);
	CHECK(q == MAP_FAILED && errno == EEXIST,
	      "partial overlap: got %p (%s), expected EEXIST", q,
	      errname(errno));
	CHECK(check(p, 0, 4, 4) < 0, "existing contents changed");
	if (expect_mincore_err(p - pg, 1, ENOMEM, "the free page"))
		return -1;
	q = mmap(p - pg, pg, RW, ANON | MAP_FIXED_NOREPLACE, -1, 0);
	CHECK(q == p - pg, "on a free page: got %p (%s), expected %p", q,
	      q == MAP_FAILED ? errname(errno) : "-", p - pg);
	return 0;
}

static int mmap_populate(void)
{
	unsigned char *p = map_flags(8, RW, ANON | MAP_POPULATE);
	long at;

	CHECK(p, "mmap: %s", errname(errno));
	if (expect_residency(p, 8, "11111111", "right after mmap"))
		return -1;
	at = nonzero_at(p, 8 * pg);
	CHECK(at < 0, "byte %ld not zero", at);
	return 0;
}

static int mmap_noreserve(void)
{
	unsigned char *p = map_flags(16, RW, ANON | MAP_NORESERVE);

	CHECK(p, "mmap: %s", errname(errno));
	fill(p, 0, 16, 5);
	CHECK(check(p, 0, 16, 5) < 0, "pattern not read back");
	return 0;
}

static int mmap_hint(void)
{
	unsigned char *hint = free_range(8), *p, *q;

	CHECK(hint, "no free range: %s", errname(errno));
	p = mmap(hint, 8 * pg, RW, ANON, -1, 0);
	track(p, 8 * pg);
	CHECK(p == hint, "free hint %p not honoured: got %p", hint, p);
	fill(p, 0, 8, 6);
	q = mmap(hint, 8 * pg, RW, ANON, -1, 0);
	track(q, 8 * pg);
	CHECK(q != MAP_FAILED, "occupied hint: %s", errname(errno));
	CHECK(q + 8 * pg <= p || q >= p + 8 * pg,
	      "occupied hint: %p overlaps %p", q, p);
	CHECK(check(p, 0, 8, 6) < 0, "occupied hint: old mapping changed");
	return 0;
}

/* An unaligned hint (no MAP_FIXED) is rounded down on x86-64 Linux. */
static int mmap_hint_unaligned(void)
{
	unsigned char *hint = free_range(8), *p;

	CHECK(hint, "no free range: %s", errname(errno));
	p = mmap(hint + pg + 123, 4 * pg, RW, ANON, -1, 0);
	track(p, 4 * pg);
	CHECK(p == hint + pg, "hint %p+%zu+123: got %p, expected %p", hint,
	      pg, p, hint + pg);
	return 0;
}

static int mmap_no_overlap(void)
{
	enum { N = 32 };
	unsigned char *p[N];
	size_t len[N];

	for (int i = 0; i < N; i++) {
		len[i] = (size_t)(i % 8 + 1);
		p[i] = map_anon(len[i], RW);
		CHECK(p[i], "mmap %d: %s", i, errname(errno));
		fill(p[i], 0, len[i], 100 + (unsigned)i);
	}
	for (int i = 0; i < N; i++)
		for (int j = i + 1; j < N; j++)
			CHECK(p[i] + len[i] * pg <= p[j] ||
			      p[j] + len[j] * pg <= p[i],
			      "mappings %d (%p) and %d (%p) overlap", i, p[i],
			      j, p[j]);
	for (int i = 0; i < N; i++)
		CHECK(check(p[i], 0, len[i], 100 + (unsigned)i) < 0,
		      "mapping %d lost its contents", i);
	return 0;
}

/*
 * 64 MiB touched once every 4 MiB.  The pages 2 MiB past each touch lie
 * in another 2 MiB-aligned block than any touched page, so not even a
 * transparent huge page makes them resident.
 */
static int mmap_large_sparse(void)
{
	size_t len = 64 * MIB, step = 4 * MIB;
	unsigned char *p = map_anon(len / pg, RW);
	char res[2];

	CHECK(p, "mmap 64 MiB: %s", errname(errno));
	for (size_t off = 0; off < len; off += step)
		p[off] = (unsigned char)(off / step + 1);
	p[len - 1] = 0xee;
	for (size_t off = 0; off < len; off += step) {
		CHECK(p[off] == (unsigned char)(off / step + 1),
		      "byte at +%zu lost", off);
		CHECK(residency(p + off, 1, res) == 0 && res[0] == '1',
		      "touched page +%zu not resident", off);
		CHECK(residency(p + off + 2 * MIB, 1, res) == 0 &&
		      res[0] == '0', "untouched page +%zu resident",
		      off + 2 * MIB);
		CHECK(p[off + 2 * MIB] == 0, "untouched +%zu not zero",
		      off + 2 * MIB);
	}
	CHECK(p[len - 1] == 0xee, "last byte lost");
	return 0;
}

/* ---- mm.munmap ---- */

/* [A A A A . . B B B B]: unmap pages 2..7, across A's end, the hole, B. */
static int munmap_hole_two_vmas(void)
{
	unsigned char *p = map_fenced(10, RW);

	CHECK(p, "mmap: %s", errname(errno));
	CHECK(munmap(p + 4 * pg, 2 * pg) == 0, "munmap hole: %s",
	      errname(errno));
	/* B differs from A in protection, so the two never merge. */
	CHECK(mprotect(p + 6 * pg, 4 * pg, RW | PROT_EXEC) == 0,
	      "mprotect: %s", errname(errno));
	fill(p, 0, 4, 10);
	fill(p, 6, 4, 11);
	CHECK(munmap(p + 2 * pg, 6 * pg) == 0, "munmap: %s", errname(errno));
	if (expect_mincore_err(p + 2 * pg, 6, ENOMEM, "unmapped range") ||
	    expect_mincore_err(p + 2 * pg, 1, ENOMEM, "page 2") ||
	    expect_mincore_err(p + 7 * pg, 1, ENOMEM, "page 7") ||
	    expect_residency(p, 2, "11", "pages 0-1") ||
	    expect_residency(p + 8 * pg, 2, "11", "pages 8-9"))
		return -1;
	CHECK(check(p, 0, 2, 10) < 0, "pages 0-1 lost their data");
	CHECK(check(p, 8, 2, 11) < 0, "pages 8-9 lost their data");
	fill(p, 0, 2, 12);
	fill(p, 8, 2, 13);
	CHECK(check(p, 0, 2, 12) < 0 && check(p, 8, 2, 13) < 0,
	      "survivors not writable");
	return 0;
}

static int munmap_middle(void)
{
	unsigned char *p = map_fenced(8, RW);

	CHECK(p, "mmap: %s", errname(errno));
	fill(p, 0, 8, 20);
	CHECK(munmap(p + 3 * pg, 2 * pg) == 0, "munmap: %s", errname(errno));
	if (expect_mincore_err(p + 3 * pg, 2, ENOMEM, "the hole"))
		return -1;
	CHECK(check(p, 0, 3, 20) < 0, "low side lost its data");
	CHECK(check(p, 5, 3, 20) < 0, "high side lost its data");
	fill(p, 0, 3, 21);
	fill(p, 5, 3, 22);
	CHECK(check(p, 0, 3, 21) < 0, "low side not writable");
	CHECK(check(p, 5, 3, 22) < 0, "high side not writable");
	return 0;
}

static int munmap_access_segv(void)
{
	unsigned char *p = map_anon(2, RW);

	CHECK(p, "mmap: %s", errname(errno));
	p[0] = 1;
	p[pg] = 1;
	CHECK(munmap(p, 2 * pg) == 0, "munmap: %s", errname(errno));
	if (expect_segv(p, 0, "read of an unmapped page") ||
	    expect_segv(p + pg, 1, "write of an unmapped page"))
		return -1;
	return 0;
}

static int munmap_unmapped_ok(void)
{
	unsigned char *p = free_range(4);

	CHECK(p, "no free range: %s", errname(errno));
	CHECK(munmap(p, 4 * pg) == 0, "munmap of a free range: %s",
	      errname(errno));
	CHECK(munmap(p, 4 * pg) == 0, "second munmap: %s", errname(errno));
	return expect_mincore_err(p, 4, ENOMEM, "afterwards");
}

/* ---- mm.mprotect ---- */

static int mprotect_read_only(void)
{
	unsigned char *p = map_anon(4, RW);

	CHECK(p, "mmap: %s", errname(errno));
	fill(p, 0, 4, 30);
	CHECK(mprotect(p, 4 * pg, PROT_READ) == 0, "mprotect: %s",
	      errname(errno));
	CHECK(check(p, 0, 4, 30) < 0, "data changed by mprotect");
	if (expect_segv(p + pg, 1, "write to PROT_READ") ||
	    expect_ok_access(p + pg, 0, "read of PROT_READ"))
		return -1;
	CHECK(check(p, 0, 4, 30) < 0, "data changed after the child");
	CHECK(mprotect(p, 4 * pg, RW) == 0, "mprotect back: %s",
	      errname(errno));
	fill(p, 0, 4, 31);
	CHECK(check(p, 0, 4, 31) < 0, "not writable after PROT_READ|WRITE");
	return 0;
}

static int mprotect_none_then_rw(void)
{
	unsigned char *p = map_anon(4, RW);

	CHECK(p, "mmap: %s", errname(errno));
	fill(p, 0, 4, 32);
	CHECK(mprotect(p, 4 * pg, PROT_NONE) == 0, "mprotect NONE: %s",
	      errname(errno));
	CHECK(mprotect(p, 4 * pg, RW) == 0, "mprotect RW: %s",
	      errname(errno));
	CHECK(check(p, 0, 4, 32) < 0, "data lost across PROT_NONE");
	fill(p, 0, 4, 33);
	CHECK(check(p, 0, 4, 33) < 0, "not writable again");
	return 0;
}

static int mprotect_none_segv(void)
{
	unsigned char *p = map_anon(2, RW);

	CHECK(p, "mmap: %s", errname(errno));
	fill(p, 0, 2, 34);
	CHECK(mprotect(p, 2 * pg, PROT_NONE) == 0, "mprotect: %s",
	      errname(errno));
	if (expect_segv(p, 0, "read of PROT_NONE") ||
	    expect_segv(p + pg, 1, "write of PROT_NONE"))
		return -1;
	CHECK(mprotect(p, 2 * pg, PROT_READ) == 0, "mprotect back: %s",
	      errname(errno));
	CHECK(check(p, 0, 2, 34) < 0, "data lost");
	return 0;
}

static int mprotect_split_middle(void)
{
	unsigned char *p = map_fenced(8, RW);

	CHECK(p, "mmap: %s", errname(errno));
	fill(p, 0, 8, 35);
	CHECK(mprotect(p + 3 * pg, 2 * pg, PROT_READ) == 0, "mprotect: %s",
	      errname(errno));
	CHECK(check(p, 0, 8, 35) < 0, "data changed by the split");
	fill(p, 0, 3, 36);
	fill(p, 5, 3, 37);
	CHECK(check(p, 0, 3, 36) < 0 && check(p, 5, 3, 37) < 0,
	      "outer parts not writable");
	CHECK(check(p, 3, 2, 35) < 0, "middle changed by outer writes");
	CHECK(mprotect(p + 3 * pg, 2 * pg, RW) == 0, "mprotect back: %s",
	      errname(errno));
	fill(p, 3, 2, 38);
	CHECK(check(p, 3, 2, 38) < 0, "middle not writable again");
	return expect_residency(p, 8, "11111111", "after the writes");
}

static int mprotect_split_middle_segv(void)
{
	unsigned char *p = map_fenced(8, RW);

	CHECK(p, "mmap: %s", errname(errno));
	fill(p, 0, 8, 39);
	CHECK(mprotect(p + 3 * pg, 2 * pg, PROT_READ) == 0, "mprotect: %s",
	      errname(errno));
	if (expect_ok_access(p + 2 * pg + pg - 1, 1, "write just below") ||
	    expect_ok_access(p + 5 * pg, 1, "write just above") ||
	    expect_segv(p + 3 * pg, 1, "write to the first RO page") ||
	    expect_segv(p + 5 * pg - 1, 1, "write to the last RO byte"))
		return -1;
	CHECK(check(p, 0, 8, 39) < 0, "parent's data changed");
	return 0;
}

/* x86 cannot express write-only: Linux lets PROT_WRITE pages be read. */
static int write_only_child(void *arg)
{
	volatile unsigned char *p = arg;

	if (p[10] != 0)
		return 2;
	p[10] = 0x77;
	return p[10] == 0x77 ? 0 : 3;
}

static int mprotect_write_only(void)
{
	unsigned char *p = map_anon(1, PROT_WRITE);

	CHECK(p, "mmap: %s", errname(errno));
	return expect_child(write_only_child, p, 0,
			    "read+write of a PROT_WRITE page");
}

static int mprotect_partly_unmapped(void)
{
	unsigned char *p = map_fenced(4, RW);

	CHECK(p, "mmap: %s", errname(errno));
	fill(p, 0, 4, 40);
	/* Hole at the start: Linux fails before changing anything. */
	CHECK(munmap(p - pg, pg) == 0, "munmap: %s", errname(errno));
	errno = 0;
	CHECK(mprotect(p - pg, 3 * pg, PROT_READ) == -1 && errno == ENOMEM,
	      "hole at the start: %s, expected ENOMEM", errname(errno));
	CHECK(munmap(p + 2 * pg, pg) == 0, "munmap: %s", errname(errno));
	errno = 0;
	CHECK(mprotect(p, 4 * pg, RW) == -1 && errno == ENOMEM,
	      "hole in the middle: %s, expected ENOMEM", errname(errno));
	errno = 0;
	CHECK(mprotect(p + 2 * pg, pg, RW) == -1 && errno == ENOMEM,
	      "all unmapped: %s, expected ENOMEM", errname(errno));
	CHECK(check(p, 0, 2, 40) < 0 && check(p, 3, 1, 40) < 0,
	      "data changed");
	return expect_mincore_err(p + 2 * pg, 1, ENOMEM, "the hole");
}

/* ---- mm.brk ---- */

/* Moves the break to the next page boundary; the old break. */
static char *brk_align(char **aligned)
{
	char *cur = sbrk(0);
	uintptr_t up;

	if (cur == (void *)-1)
		return NULL;
	up = ((uintptr_t)cur + pg - 1) & ~(uintptr_t)(pg - 1);
	if (sbrk((intptr_t)(up - (uintptr_t)cur)) == (void *)-1)
		return NULL;
	*aligned = (char *)up;
	return cur;
}

static int brk_grow_zero(void)
{
	char *cur, *a = NULL, *q;
	long at;
	int r = -1;

	cur = brk_align(&a);
	CHECK(cur, "sbrk: %s", errname(errno));
	q = sbrk((intptr_t)(4 * pg));
	CHECK_OUT(q == a, "sbrk(4 pages) gave %p, expected %p (%s)", q, a,
		  errname(errno));
	CHECK_OUT(sbrk(0) == a + 4 * pg, "break not moved");
	at = nonzero_at((unsigned char *)a, 4 * pg);
	CHECK_OUT(at < 0, "byte %ld of the new heap not zero", at);
	fill((unsigned char *)a, 0, 4, 50);
	CHECK_OUT(check((unsigned char *)a, 0, 4, 50) < 0, "heap not writable");
	r = 0;
out:
	if (brk(cur) && !r)
		FAILF("brk back to %p: %s", cur, errname(errno));
	return r;
}

static int brk_shrink_regrow(void)
{
	char *cur, *a = NULL, *q;
	unsigned char vec[4];
	long at;
	int r = -1;

	cur = brk_align(&a);
	CHECK(cur, "sbrk: %s", errname(errno));
	CHECK_OUT(sbrk((intptr_t)(4 * pg)) == a, "grow: %s", errname(errno));
	fill((unsigned char *)a, 0, 4, 51);
	CHECK_OUT(brk(a) == 0, "shrink: %s", errname(errno));
	CHECK_OUT(sbrk(0) == a, "break %p after shrinking to %p", sbrk(0), a);
	errno = 0;
	CHECK_OUT(mincore(a, 4 * pg, vec) == -1 && errno == ENOMEM,
		  "pages past the break still mapped (%s)", errname(errno));
	q = sbrk((intptr_t)(4 * pg));
	CHECK_OUT(q == a, "regrow gave %p, expected %p", q, a);
	at = nonzero_at((unsigned char *)a, 4 * pg);
	CHECK_OUT(at < 0, "byte %ld after shrink and regrow not zero", at);
	r = 0;
out:
	if (brk(cur) && !r)
		FAILF("brk back to %p: %s", cur, errname(errno));
	return r;
}

static int brk_data_word = 1;	/* in .data, below the heap */

/*
 * Linux leaves the break where it is.  glibc's brk() then reports
 * success (it fails only when the break ends below the request), so
 * either answer is accepted; the break must not move.
 */
static int brk_below_start(void)
{
	char *cur = sbrk(0), *p;
	int ret;

	CHECK(cur != (void *)-1, "sbrk: %s", errname(errno));
	errno = 0;
	ret = brk(&brk_data_word);
	CHECK(ret == 0 || (ret == -1 && errno == ENOMEM),
	      "brk below the start: %d (%s)", ret, errname(errno));
	CHECK(sbrk(0) == cur, "break moved from %p to %p", cur, sbrk(0));
	CHECK(brk_data_word == 1, "data below the heap changed");
	p = malloc(3 * pg);
	CHECK(p, "malloc after the refused brk");
	memset(p, 0x3c, 3 * pg);
	free(p);
	return 0;
}

/* ---- mm.madvise ---- */

static int madvise_dontneed(void)
{
	unsigned char *p = map_fenced(8, RW);
	long at;

	CHECK(p, "mmap: %s", errname(errno));
	fill(p, 0, 8, 60);
	CHECK(madvise(p + 2 * pg, 4 * pg, MADV_DONTNEED) == 0,
	      "madvise: %s", errname(errno));
	if (expect_residency(p, 8, "11000011", "after MADV_DONTNEED"))
		return -1;
	at = nonzero_at(p + 2 * pg, 4 * pg);
	CHECK(at < 0, "byte %ld not zero after MADV_DONTNEED", at);
	CHECK(check(p, 0, 2, 60) < 0 && check(p, 6, 2, 60) < 0,
	      "pages outside the range changed");
	fill(p, 2, 4, 61);
	CHECK(check(p, 2, 4, 61) < 0, "not writable afterwards");
	return 0;
}

static int madvise_hints(void)
{
	static const struct { int advice; const char *name; } hints[] = {
		{ MADV_WILLNEED, "WILLNEED" }, { MADV_NORMAL, "NORMAL" },
		{ MADV_SEQUENTIAL, "SEQUENTIAL" }, { MADV_RANDOM, "RANDOM" },
	};
	unsigned char *p = map_anon(8, RW);

	CHECK(p, "mmap: %s", errname(errno));
	fill(p, 0, 8, 62);
	for (unsigned i = 0; i < sizeof(hints) / sizeof(hints[0]); i++) {
		CHECK(madvise(p, 8 * pg, hints[i].advice) == 0,
		      "MADV_%s: %s", hints[i].name, errname(errno));
		CHECK(check(p, 0, 8, 62) < 0, "data changed by MADV_%s",
		      hints[i].name);
	}
	CHECK(posix_madvise(p, 8 * pg, POSIX_MADV_NORMAL) == 0,
	      "posix_madvise failed");
	return 0;
}

static int madvise_pageout(void)
{
	unsigned char *p = map_anon(8, RW);

	CHECK(p, "mmap: %s", errname(errno));
	fill(p, 0, 8, 63);
	CHECK(madvise(p, 8 * pg, MADV_PAGEOUT) == 0, "MADV_PAGEOUT: %s",
	      errname(errno));
	CHECK(check(p, 0, 8, 63) < 0, "data changed by MADV_PAGEOUT");
	return 0;
}

static int madvise_bad_advice(void)
{
	unsigned char *p = map_anon(2, RW);

	CHECK(p, "mmap: %s", errname(errno));
	fill(p, 0, 2, 64);
	errno = 0;
	CHECK(madvise(p, 2 * pg, 12345) == -1 && errno == EINVAL,
	      "advice 12345: %s, expected EINVAL", errname(errno));
	errno = 0;
	CHECK(madvise(p, 2 * pg, -1) == -1 && errno == EINVAL,
	      "advice -1: %s, expected EINVAL", errname(errno));
	errno = 0;
	CHECK(madvise(p + 1, pg, MADV_DONTNEED) == -1 && errno == EINVAL,
	      "unaligned: %s, expected EINVAL", errname(errno));
	CHECK(check(p, 0, 2, 64) < 0, "data changed");
	return 0;
}

/* ---- mm.mincore ---- */

static int mincore_touch(void)
{
	unsigned char *p = map_fenced(8, RW);

	CHECK(p, "mmap: %s", errname(errno));
	if (expect_residency(p, 8, "00000000", "fresh mapping"))
		return -1;
	p[1 * pg] = 1;
	p[3 * pg + 17] = 1;
	p[7 * pg + pg - 1] = 1;
	return expect_residency(p, 8, "01010001", "after three writes");
}

static int mincore_unaligned(void)
{
	unsigned char *p = map_anon(2, RW);

	CHECK(p, "mmap: %s", errname(errno));
	return expect_mincore_err(p + 1, 1, EINVAL, "unaligned address");
}

static int mincore_unmapped(void)
{
	unsigned char *p = map_fenced(4, RW);

	CHECK(p, "mmap: %s", errname(errno));
	CHECK(munmap(p + 2 * pg, pg) == 0, "munmap: %s", errname(errno));
	if (expect_mincore_err(p + 2 * pg, 1, ENOMEM, "unmapped page") ||
	    expect_mincore_err(p, 4, ENOMEM, "range with a hole") ||
	    expect_mincore_err((void *)KERNEL_HALF, 1, ENOMEM, "kernel half"))
		return -1;
	return expect_residency(p, 2, "00", "mapped part");
}

/* ---- mm.errno: bad requests change nothing ---- */

/*
 * The canary: four fenced pages, the first two written, the last two
 * never touched.  After every bad request its contents and residency
 * must be as they were, and the probe range must still be free.
 */
static unsigned char *canary, *probe;

static int canary_setup(void)
{
	canary = map_fenced(4, RW);
	CHECK(canary, "canary mmap: %s", errname(errno));
	fill(canary, 0, 2, 70);
	probe = free_range(4);
	CHECK(probe, "no free range: %s", errname(errno));
	return 0;
}

static int canary_intact(const char *after)
{
	char what[96];

	snprintf(what, sizeof(what), "canary after %s", after);
	CHECK(check(canary, 0, 2, 70) < 0, "%s: contents changed", what);
	if (expect_residency(canary, 4, "1100", what))
		return -1;
	snprintf(what, sizeof(what), "probe range after %s", after);
	return expect_mincore_err(probe, 4, ENOMEM, what);
}

/* ret must be -1 (or MAP_FAILED) with errno err, then nothing changed. */
static int expect_err(long ret, int err, const char *what)
{
	int e = errno;

	CHECK(ret == -1 && e == err, "%s: %s (ret %ld), expected %s", what,
	      ret == -1 ? errname(e) : "success", ret, errname(err));
	return canary_intact(what);
}

static long mmap_ret(void *p)
{
	if (p != MAP_FAILED)
		track(p, pg);
	return p == MAP_FAILED ? -1 : (long)(uintptr_t)p;
}

#define TRY_MMAP(a, l, pr, f)	(errno = 0, mmap_ret(mmap(a, l, pr, f, -1, 0)))
#define TRY(call)		(errno = 0, (long)(call))

static int errno_fixed_unaligned(void)
{
	int r;

	if (canary_setup())
		return -1;
	r = expect_err(TRY_MMAP(probe + 1, pg, RW, ANON | MAP_FIXED), EINVAL,
		       "MAP_FIXED at probe+1");
	r |= expect_err(TRY_MMAP(canary + 8, pg, RW, ANON | MAP_FIXED), EINVAL,
			"MAP_FIXED at canary+8");
	r |= expect_err(TRY_MMAP(probe + 1, pg, RW, ANON | MAP_FIXED_NOREPLACE),
			EINVAL, "MAP_FIXED_NOREPLACE at probe+1");
	return r;
}

static int errno_len_zero(void)
{
	int r;

	if (canary_setup())
		return -1;
	r = expect_err(TRY_MMAP(NULL, 0, RW, ANON), EINVAL, "mmap len 0");
	r |= expect_err(TRY_MMAP(probe, 0, RW, ANON | MAP_FIXED), EINVAL,
			"MAP_FIXED len 0");
	return r;
}

static int errno_huge_len(void)
{
	int r;

	if (canary_setup())
		return -1;
	r = expect_err(TRY_MMAP(NULL, (size_t)1 << 60, RW, ANON), ENOMEM,
		       "mmap 2^60 bytes");
	r |= expect_err(TRY_MMAP(NULL, SIZE_MAX, RW, ANON), ENOMEM,
			"mmap SIZE_MAX bytes");
	r |= expect_err(TRY_MMAP(NULL, SIZE_MAX - pg + 1, RW, ANON), ENOMEM,
			"mmap -pagesize bytes");
	r |= expect_err(TRY_MMAP(probe, (size_t)1 << 47, RW, ANON | MAP_FIXED),
			ENOMEM, "MAP_FIXED 2^47 bytes at probe");
	return r;
}

static int errno_map_type(void)
{
	int r;

	if (canary_setup())
		return -1;
	r = expect_err(TRY_MMAP(NULL, pg, RW, MAP_ANONYMOUS), EINVAL,
		       "neither SHARED nor PRIVATE");
	r |= expect_err(TRY_MMAP(NULL, pg, RW, MAP_ANONYMOUS | 0x0f), EINVAL,
			"map type 0xf");
	r |= expect_err(TRY_MMAP(probe, pg, RW, MAP_ANONYMOUS | MAP_FIXED),
			EINVAL, "MAP_FIXED without a type");
	return r;
}

/*
 * Linux ignores unknown flag bits for MAP_PRIVATE (and MAP_SHARED); it
 * rejects MAP_SHARED_VALIDATE for anonymous memory with EINVAL, whatever
 * the other bits.
 */
static int errno_unknown_flags(void)
{
	unsigned char *p;
	int r;

	if (canary_setup())
		return -1;
	r = expect_err(TRY_MMAP(NULL, pg, RW,
				MAP_SHARED_VALIDATE | MAP_ANONYMOUS),
		       EINVAL, "anonymous MAP_SHARED_VALIDATE");
	r |= expect_err(TRY_MMAP(NULL, pg, RW, MAP_SHARED_VALIDATE |
				 MAP_ANONYMOUS | 0x200000),
			EINVAL, "MAP_SHARED_VALIDATE with bit 21");
	p = mmap(NULL, pg, RW, ANON | 0x200000, -1, 0);
	track(p, pg);
	CHECK(p != MAP_FAILED, "MAP_PRIVATE with unknown bit 21: %s (Linux "
	      "ignores unknown bits)", errname(errno));
	p[0] = 1;
	return r | canary_intact("MAP_PRIVATE with bit 21");
}

/* mprotect checks prot's bits; mmap ignores the ones it does not know. */
static int errno_bad_prot(void)
{
	unsigned char *p;
	int r;

	if (canary_setup())
		return -1;
	r = expect_err(TRY(mprotect(canary, pg, 0x10)), EINVAL,
		       "mprotect prot 0x10");
	r |= expect_err(TRY(mprotect(canary, pg, PROT_READ | PROT_GROWSDOWN |
				     PROT_GROWSUP)),
			EINVAL, "mprotect GROWSDOWN|GROWSUP");
	p = mmap(NULL, pg, RW | 0x10, ANON, -1, 0);
	track(p, pg);
	CHECK(p != MAP_FAILED, "mmap prot RW|0x10: %s (Linux ignores unknown "
	      "bits)", errname(errno));
	p[0] = 1;
	return r | canary_intact("mmap prot RW|0x10");
}

static int errno_munmap(void)
{
	int r;

	if (canary_setup())
		return -1;
	r = expect_err(TRY(munmap(canary + 1, pg)), EINVAL, "munmap unaligned");
	r |= expect_err(TRY(munmap(canary, 0)), EINVAL, "munmap len 0");
	r |= expect_err(TRY(munmap(probe + 100, 0)), EINVAL,
			"munmap unaligned, len 0");
	return r;
}

static int errno_mprotect_unaligned(void)
{
	int r;

	if (canary_setup())
		return -1;
	r = expect_err(TRY(mprotect(canary + 1, pg, PROT_READ)), EINVAL,
		       "mprotect unaligned");
	r |= expect_err(TRY(mprotect(canary + pg - 1, pg, PROT_NONE)), EINVAL,
			"mprotect unaligned PROT_NONE");
	return r;
}

static int errno_msync(void)
{
	int r;

	if (canary_setup())
		return -1;
	CHECK(msync(canary, 4 * pg, MS_SYNC) == 0, "msync MS_SYNC: %s",
	      errname(errno));
	CHECK(msync(canary, 4 * pg, MS_ASYNC) == 0, "msync MS_ASYNC: %s",
	      errname(errno));
	r = expect_err(TRY(msync(canary, pg, MS_SYNC | MS_ASYNC)), EINVAL,
		       "msync SYNC|ASYNC");
	r |= expect_err(TRY(msync(canary, pg, 0x100)), EINVAL,
			"msync flags 0x100");
	r |= expect_err(TRY(msync(canary + 1, pg, MS_SYNC)), EINVAL,
			"msync unaligned");
	r |= expect_err(TRY(msync(probe, pg, MS_SYNC)), ENOMEM,
			"msync unmapped");
	return r;
}

/* The kernel half: values exactly as x86-64 Linux gives them. */
static int errno_kernel_half(void)
{
	void *k = (void *)KERNEL_HALF, *top = (void *)USER_TOP_PAGE;
	unsigned char vec[1];
	int r;

	if (canary_setup())
		return -1;
	r = expect_err(TRY_MMAP(k, pg, RW, ANON | MAP_FIXED), ENOMEM,
		       "MAP_FIXED at 0xffff800000000000");
	r |= expect_err(TRY_MMAP(k, pg, RW, ANON | MAP_FIXED_NOREPLACE),
			ENOMEM, "MAP_FIXED_NOREPLACE there");
	r |= expect_err(TRY_MMAP(top, 2 * pg, RW, ANON | MAP_FIXED), ENOMEM,
			"MAP_FIXED across the top of the user half");
	r |= expect_err(TRY(munmap(k, pg)), EINVAL, "munmap there");
	r |= expect_err(TRY(munmap(top, 2 * pg)), EINVAL,
			"munmap across the top");
	r |= expect_err(TRY(mprotect(k, pg, PROT_READ)), ENOMEM,
			"mprotect there");
	r |= expect_err(TRY(mincore(k, pg, vec)), ENOMEM, "mincore there");
	r |= expect_err(TRY(madvise(k, pg, MADV_DONTNEED)), ENOMEM,
			"madvise there");
	return r;
}

static int errno_kernel_hint(void)
{
	unsigned char *p = mmap((void *)KERNEL_HALF, pg, RW, ANON, -1, 0);

	track(p, pg);
	CHECK(p != MAP_FAILED, "hint in the kernel half: %s", errname(errno));
	CHECK((uintptr_t)p < KERNEL_HALF, "mapped at %p", p);
	p[0] = 1;
	return 0;
}

/* ---- mm.cow ---- */

struct cow_arg {
	unsigned char *p;
	size_t n;
	unsigned seed, seed2;
};

static int cow_child_writes(void *arg)
{
	struct cow_arg *a = arg;

	if (check(a->p, 0, a->n, a->seed) >= 0)
		return 2;
	fill(a->p, 0, a->n, a->seed2);
	return check(a->p, 0, a->n, a->seed2) >= 0 ? 3 : 0;
}

static int cow_child_write(void)
{
	struct cow_arg a = { map_anon(256, RW), 256, 80, 81 };

	CHECK(a.p, "mmap: %s", errname(errno));
	fill(a.p, 0, 256, 80);
	if (expect_child(cow_child_writes, &a, 0, "child (2: saw wrong data, "
			 "3: own writes lost)"))
		return -1;
	CHECK(check(a.p, 0, 256, 80) < 0,
	      "parent sees the child's write on page %ld",
	      check(a.p, 0, 256, 80));
	return 0;
}

static int cow_child_waits_reads(void *arg)
{
	struct cow_arg *a = arg;

	busy_wait(CHILD_WAIT_NS);
	return check(a->p, 0, a->n, a->seed) >= 0 ? 2 : 0;
}

static int cow_parent_write(void)
{
	struct cow_arg a = { map_anon(256, RW), 256, 82, 0 };
	int st, err;
	pid_t pid;

	CHECK(a.p, "mmap: %s", errname(errno));
	fill(a.p, 0, 256, 82);
	fflush(stdout);
	pid = fork();
	CHECK(pid >= 0, "fork: %s", errname(errno));
	if (pid == 0)
		_exit(cow_child_waits_reads(&a));
	fill(a.p, 0, 256, 83);
	err = waitpid(pid, &st, 0) == pid ? 0 : errno;
	CHECK(!err, "waitpid: %s", errname(err));
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0,
	      "child saw the parent's write (status %#x)", st);
	CHECK(check(a.p, 0, 256, 83) < 0, "parent's own write lost");
	return 0;
}

static int cow_stack_heap_child(void *arg)
{
	unsigned char *stack = ((unsigned char **)arg)[0];
	unsigned char *heap = ((unsigned char **)arg)[1];

	memset(stack, 0x22, 8192);
	memset(heap, 0x33, 65536);
	return 0;
}

static int cow_stack_heap(void)
{
	unsigned char stack[8192], *heap = malloc(65536);
	unsigned char *args[2] = { stack, heap };

	CHECK(heap, "malloc failed");
	memset(stack, 0x11, sizeof(stack));
	memset(heap, 0x44, 65536);
	if (expect_child(cow_stack_heap_child, args, 0, "child"))
		goto out;
	for (size_t i = 0; i < sizeof(stack); i++)
		CHECK_OUT(stack[i] == 0x11, "parent's stack byte %zu changed",
			  i);
	for (size_t i = 0; i < 65536; i++)
		CHECK_OUT(heap[i] == 0x44, "parent's heap byte %zu changed", i);
	free(heap);
	return 0;
out:
	free(heap);
	return -1;
}

static int cow_grandchild(void *arg)
{
	struct cow_arg *a = arg;

	if (check(a->p, 0, a->n, a->seed) >= 0)
		return 2;
	fill(a->p, 0, a->n, a->seed2 + 1);
	return check(a->p, 0, a->n, a->seed2 + 1) >= 0 ? 3 : 0;
}

static int cow_middle_child(void *arg)
{
	struct cow_arg *a = arg;
	int st = 0;

	if (run_child(cow_grandchild, a, &st))
		return 9;
	if (!WIFEXITED(st) || WEXITSTATUS(st))
		return WIFEXITED(st) ? 10 + WEXITSTATUS(st) : 20;
	if (check(a->p, 0, a->n, a->seed) >= 0)
		return 4;
	fill(a->p, 0, a->n, a->seed2);
	return check(a->p, 0, a->n, a->seed2) >= 0 ? 5 : 0;
}

static int cow_three_generations(void)
{
	struct cow_arg a = { map_anon(64, RW), 64, 84, 85 };

	CHECK(a.p, "mmap: %s", errname(errno));
	fill(a.p, 0, 64, 84);
	if (expect_child(cow_middle_child, &a, 0,
			 "child (4: saw the grandchild's writes, 9: fork "
			 "failed, 1x: grandchild exited x, 20: grandchild "
			 "killed)"))
		return -1;
	CHECK(check(a.p, 0, 64, 84) < 0,
	      "parent sees a descendant's write on page %ld",
	      check(a.p, 0, 64, 84));
	return 0;
}

static int exit_at_once(void *arg)
{
	(void)arg;
	return 0;
}

static int cow_child_exit_intact(void)
{
	unsigned char *p = map_anon(64, RW);

	CHECK(p, "mmap: %s", errname(errno));
	fill(p, 0, 64, 86);
	if (expect_child(exit_at_once, NULL, 0, "child"))
		return -1;
	CHECK(check(p, 0, 64, 86) < 0, "data changed after the child exited");
	fill(p, 0, 64, 87);
	CHECK(check(p, 0, 64, 87) < 0, "parent's write lost");
	return 0;
}

static int cow_child_reads(void *arg)
{
	struct cow_arg *a = arg;

	return check(a->p, 0, a->n, a->seed) >= 0 ? 2 : 0;
}

/* The child mapped every page and exited: the parent writes alone. */
static int cow_reuse_after_exit(void)
{
	struct cow_arg a = { map_anon(64, RW), 64, 88, 0 };

	CHECK(a.p, "mmap: %s", errname(errno));
	fill(a.p, 0, 64, 88);
	if (expect_child(cow_child_reads, &a, 0, "child (2: wrong data)"))
		return -1;
	fill(a.p, 0, 64, 89);
	CHECK(check(a.p, 0, 64, 89) < 0, "parent's write lost");
	return expect_residency(a.p, 4, "1111", "after the writes");
}

static int cow_child_writes_late(void *arg)
{
	struct cow_arg *a = arg;

	busy_wait(CHILD_WAIT_NS);
	if (check(a->p, 0, a->n, a->seed) >= 0)
		return 2;
	fill(a->p, 0, a->n, a->seed2);
	return check(a->p, 0, a->n, a->seed2) >= 0 ? 3 : 0;
}

/* The parent broke COW first; the child then writes pages only it maps. */
static int cow_reuse_after_break(void)
{
	struct cow_arg a = { map_anon(64, RW), 64, 90, 91 };
	int st, err;
	pid_t pid;

	CHECK(a.p, "mmap: %s", errname(errno));
	fill(a.p, 0, 64, 90);
	fflush(stdout);
	pid = fork();
	CHECK(pid >= 0, "fork: %s", errname(errno));
	if (pid == 0)
		_exit(cow_child_writes_late(&a));
	fill(a.p, 0, 64, 92);
	err = waitpid(pid, &st, 0) == pid ? 0 : errno;
	CHECK(!err, "waitpid: %s", errname(err));
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0,
	      "child status %#x (2: saw the parent's write, 3: own write "
	      "lost)", st);
	CHECK(check(a.p, 0, 64, 92) < 0, "parent sees the child's write");
	return 0;
}

/* The child unmaps and write-protects its copy; the parent's stays. */
static int cow_child_unmaps_child(void *arg)
{
	unsigned char *p = arg;

	if (munmap(p, 4 * pg) || mprotect(p + 4 * pg, 4 * pg, PROT_READ))
		return 2;
	return 0;
}

static int cow_child_unmaps(void)
{
	unsigned char *p = map_anon(8, RW);

	CHECK(p, "mmap: %s", errname(errno));
	fill(p, 0, 8, 93);
	if (expect_child(cow_child_unmaps_child, p, 0, "child"))
		return -1;
	if (expect_residency(p, 8, "11111111", "parent after the child"))
		return -1;
	CHECK(check(p, 0, 8, 93) < 0, "parent's data changed");
	fill(p, 0, 8, 94);
	CHECK(check(p, 0, 8, 94) < 0, "parent's write lost");
	return 0;
}

static int shared_child(void *arg)
{
	volatile unsigned char *p = arg;
	long give_up = now_ns() + SHARED_WAIT_NS;

	if (check((unsigned char *)p, 1, 3, 95) >= 0)
		return 2;
	while (p[0] != 1)
		if (now_ns() > give_up)
			return 3;
	if (check((unsigned char *)p, 4, 4, 96) >= 0)
		return 4;
	fill((unsigned char *)p, 1, 3, 97);
	p[0] = 2;
	return 0;
}

static int cow_shared_anon(void)
{
	unsigned char *p = map_flags(8, RW, MAP_SHARED | MAP_ANONYMOUS);
	volatile unsigned char *flag = p;
	int st, err;
	pid_t pid;

	CHECK(p, "mmap MAP_SHARED|MAP_ANONYMOUS: %s", errname(errno));
	fill(p, 1, 3, 95);
	flag[0] = 0;
	fflush(stdout);
	pid = fork();
	CHECK(pid >= 0, "fork: %s", errname(errno));
	if (pid == 0)
		_exit(shared_child(p));
	fill(p, 4, 4, 96);
	flag[0] = 1;
	err = waitpid(pid, &st, 0) == pid ? 0 : errno;
	CHECK(!err, "waitpid: %s", errname(err));
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0,
	      "child status %#x (2: data from before fork missing, 3: never "
	      "saw the parent's flag, 4: parent's writes not shared)", st);
	CHECK(flag[0] == 2, "child's flag not seen by the parent");
	CHECK(check(p, 1, 3, 97) < 0, "child's writes not seen by the parent");
	return 0;
}

/* ---- mm.stack ---- */

static unsigned long recurse_4k(int depth)
{
	volatile unsigned char frame[4000];

	frame[0] = (unsigned char)depth;
	frame[sizeof(frame) - 1] = (unsigned char)(depth >> 8);
	if (depth == 0)
		return 0;
	return recurse_4k(depth - 1) + frame[0] + frame[sizeof(frame) - 1];
}

static int stack_deep_recursion(void)
{
	int depth = 700;	/* about 2.8 MiB */
	unsigned long want = 0;

	for (int d = 1; d <= depth; d++)
		want += (unsigned char)d + (unsigned char)(d >> 8);
	CHECK(recurse_4k(depth) == want, "frames lost their contents");
	return 0;
}

static unsigned long recurse_64k(int depth)
{
	volatile unsigned char frame[65536];

	for (size_t i = 0; i < sizeof(frame); i += 1024)
		frame[i] = (unsigned char)depth;
	if (depth == 0)
		return frame[0];
	return recurse_64k(depth - 1) + frame[512];
}

static int stack_overflow_child(void *arg)
{
	(void)arg;
	return recurse_64k(4096) == 12345 ? 2 : 3;	/* 256 MiB */
}

static int stack_overflow_segv(void)
{
	return expect_child(stack_overflow_child, NULL, SIGSEGV,
			    "recursion past 8 MiB");
}

/* ---- mm.exit ---- */

#define EXIT_CHILD_BYTES	(16 * MIB)
#define EXIT_CHILD_ARG		"exit-child"

#ifdef __pagerk__
/*
 * The free-page count from the pager's meminfo (MM_INFO); the report
 * text lands in our registered receive buffer.
 */
static char mm_recvbuf[IPC_BUF_MAX + 1];

static long free_kib(void)
{
	static int registered;
	struct mm_info_rep rp;
	uint64_t rtag;
	unsigned n;
	char *s;
	long err;

	if (!registered) {
		err = sys2(SYS_IPC_SET_RECVBUF, mm_recvbuf, IPC_BUF_MAX);
		if (err)
			return err;
		registered = 1;
	}
	err = mm_req_info(H_MM, &(struct mm_info_req){ MM_INFO_MEMINFO }, &rp,
			  &rtag);
	if (err)
		return err;
	n = IPC_TAG_BUFLEN(rtag);
	mm_recvbuf[n < IPC_BUF_MAX ? n : IPC_BUF_MAX] = 0;
	s = strstr(mm_recvbuf, "MemFree:");
	return s ? strtol(s + 8, NULL, 10) : -ENOENT;
}

/* Exactly: a warmed-up run of the child costs nothing. */
#define EXIT_SLACK_KIB	0
#define EXIT_ATTEMPTS	1

/* Without fork, start a fresh copy of this program as the child. */
static long spawn_exit_child(void)
{
	static const char args[] = "mmtest\0" EXIT_CHILD_ARG "\0";
	struct proc_spawn_rep rp;
	long err = proc_req_spawn(H_PROC, &(struct proc_spawn_req){ 0 }, args,
				  sizeof(args), &rp);

	return err ? err : (long)rp.pid;
}
#else
static long free_kib(void)
{
	char line[128];
	long kib = -ENOENT;
	FILE *f = fopen("/proc/meminfo", "r");

	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, "MemFree:", 8))
			kib = strtol(line + 8, NULL, 10);
	fclose(f);
	return kib;
}

/*
 * Linux runs other things, and freed pages wait on per-CPU lists that
 * MemFree does not count: most of the 16 MiB must come back, in one of a
 * few tries.
 */
#define EXIT_SLACK_KIB	(8 * 1024)
#define EXIT_ATTEMPTS	5

static long spawn_exit_child(void)
{
	return -ENOSYS;
}
#endif

static int exit_child_main(void)
{
	unsigned char *p = mmap(NULL, EXIT_CHILD_BYTES, RW, ANON, -1, 0);

	if (p == MAP_FAILED)
		return 2;
	for (size_t off = 0; off < EXIT_CHILD_BYTES; off += pg)
		p[off] = (unsigned char)(off / pg + 1);
	for (size_t off = 0; off < EXIT_CHILD_BYTES; off += pg)
		if (p[off] != (unsigned char)(off / pg + 1))
			return 3;
	return 0;
}

static int exit_child_fn(void *arg)
{
	(void)arg;
	return exit_child_main();
}

/* One child that allocates 16 MiB and exits; 0 or fails the case. */
static int exit_run_child(void)
{
	int st = 0, err = run_child(exit_child_fn, NULL, &st);
	long pid;

	if (err == ENOSYS) {
		pid = spawn_exit_child();
		CHECK(pid > 0, "fork: ENOSYS; spawn: %s", errname((int)-pid));
		CHECK(waitpid((pid_t)pid, &st, 0) == pid, "waitpid: %s",
		      errname(errno));
		err = 0;
	}
	CHECK(!err, "fork/waitpid: %s", errname(err));
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0,
	      "child status %#x (2: mmap failed, 3: data wrong)", st);
	return 0;
}

static int exit_returns_memory(void)
{
	long before, after, diff = 0;

	CHECK(free_kib() >= 0, "cannot read the free count: %s",
	      errname((int)-free_kib()));
	if (exit_run_child())	/* warm-up: first-use costs paid here */
		return -1;
	for (int attempt = 0; attempt < EXIT_ATTEMPTS; attempt++) {
		before = free_kib();
		if (exit_run_child())
			return -1;
		after = free_kib();
		diff = before - after;
		if (diff <= EXIT_SLACK_KIB)
			return 0;
	}
	FAILF("%ld KiB fewer free after the child exited (allowed %d)", diff,
	      EXIT_SLACK_KIB);
}

/* ---- the table ---- */

struct mm_case {
	const char *id;
	int (*fn)(void);
};

static const struct mm_case cases[] = {
	{ "mm.zero.first_read", zero_first_read },
	{ "mm.zero.read_then_write", zero_read_then_write },
	{ "mm.zero.reused_frames", zero_reused_frames },
	{ "mm.mmap.private_anon", mmap_private_anon },
	{ "mm.mmap.fixed_replace", mmap_fixed_replace },
	{ "mm.mmap.fixed_noreplace", mmap_fixed_noreplace },
	{ "mm.mmap.populate", mmap_populate },
	{ "mm.mmap.noreserve", mmap_noreserve },
	{ "mm.mmap.hint", mmap_hint },
	{ "mm.mmap.hint_unaligned", mmap_hint_unaligned },
	{ "mm.mmap.no_overlap", mmap_no_overlap },
	{ "mm.mmap.large_sparse", mmap_large_sparse },
	{ "mm.munmap.hole_two_vmas", munmap_hole_two_vmas },
	{ "mm.munmap.middle", munmap_middle },
	{ "mm.munmap.access_segv", munmap_access_segv },
	{ "mm.munmap.unmapped_ok", munmap_unmapped_ok },
	{ "mm.mprotect.read_only", mprotect_read_only },
	{ "mm.mprotect.none_then_rw", mprotect_none_then_rw },
	{ "mm.mprotect.none_segv", mprotect_none_segv },
	{ "mm.mprotect.split_middle", mprotect_split_middle },
	{ "mm.mprotect.split_middle_segv", mprotect_split_middle_segv },
	{ "mm.mprotect.write_only", mprotect_write_only },
	{ "mm.mprotect.partly_unmapped", mprotect_partly_unmapped },
	{ "mm.brk.grow_zero", brk_grow_zero },
	{ "mm.brk.shrink_regrow", brk_shrink_regrow },
	{ "mm.brk.below_start", brk_below_start },
	{ "mm.madvise.dontneed", madvise_dontneed },
	{ "mm.madvise.hints", madvise_hints },
	{ "mm.madvise.pageout", madvise_pageout },
	{ "mm.madvise.bad_advice", madvise_bad_advice },
	{ "mm.mincore.touch", mincore_touch },
	{ "mm.mincore.unaligned", mincore_unaligned },
	{ "mm.mincore.unmapped", mincore_unmapped },
	{ "mm.errno.fixed_unaligned", errno_fixed_unaligned },
	{ "mm.errno.len_zero", errno_len_zero },
	{ "mm.errno.huge_len", errno_huge_len },
	{ "mm.errno.map_type", errno_map_type },
	{ "mm.errno.unknown_flags", errno_unknown_flags },
	{ "mm.errno.bad_prot", errno_bad_prot },
	{ "mm.errno.munmap", errno_munmap },
	{ "mm.errno.mprotect_unaligned", errno_mprotect_unaligned },
	{ "mm.errno.msync", errno_msync },
	{ "mm.errno.kernel_half", errno_kernel_half },
	{ "mm.errno.kernel_hint", errno_kernel_hint },
	{ "mm.cow.child_write", cow_child_write },
	{ "mm.cow.parent_write", cow_parent_write },
	{ "mm.cow.stack_heap", cow_stack_heap },
	{ "mm.cow.three_generations", cow_three_generations },
	{ "mm.cow.child_exit_intact", cow_child_exit_intact },
	{ "mm.cow.reuse_after_exit", cow_reuse_after_exit },
	{ "mm.cow.reuse_after_break", cow_reuse_after_break },
	{ "mm.cow.child_unmaps", cow_child_unmaps },
	{ "mm.cow.shared_anon", cow_shared_anon },
	{ "mm.stack.deep_recursion", stack_deep_recursion },
	{ "mm.stack.overflow_segv", stack_overflow_segv },
	{ "mm.exit.returns_memory", exit_returns_memory },
};

static void run_case(const struct mm_case *c)
{
	int r;

	why[0] = 0;
	errno = 0;
	r = c->fn();
	untrack_all();
	if (r == 0) {
		printf("PASS %s\n", c->id);
		npassed++;
	} else {
		printf("FAIL %s: %s\n", c->id, why[0] ? why : "(no reason)");
		nfailed++;
	}
	fflush(stdout);
}

/* "mm.cow.child_write" matches "mm.cow", "cow" and "cow.child_write". */
static int matches(const char *id, const char *prefix)
{
	size_t n = strlen(prefix);

	return !strncmp(id, prefix, n) || !strncmp(id + 3, prefix, n);
}

int main(int argc, char **argv)
{
	const char *prefix = argc > 1 ? argv[1] : "";

	pg = (size_t)sysconf(_SC_PAGESIZE);
	if (!strcmp(prefix, EXIT_CHILD_ARG))
		return exit_child_main();
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		if (matches(cases[i].id, prefix))
			run_case(&cases[i]);
	if (!npassed && !nfailed) {
		printf("mmtest: no case id starts with '%s'\n", prefix);
		return 2;
	}
	printf("%d passed, %d failed\n", npassed, nfailed);
	return nfailed ? 1 : 0;
}
