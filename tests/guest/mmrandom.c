/*
 * mmrandom.c - a long random run of mmap, munmap, mprotect, MADV_DONTNEED
 * and memory reads and writes over a 64-page window, checked against a
 * model of what every page must hold.
 *
 * The window sits inside a reservation fenced by PROT_NONE pages, and
 * every mapping in it is MAP_FIXED.  The model knows, for each page,
 * whether it is mapped, its protection, the value its words were last
 * written from (0: zero-filled), and whether it must be resident (written
 * since it was last made fresh), must not be (never touched since), or
 * may be either (only read: Linux maps the shared zero page then).
 *
 * Reads check contents against the model.  Accesses the model says must
 * fault are never made here, as they would kill the run; instead, every
 * CHECKPOINT iterations a few of them are made in forked children, which
 * must die with SIGSEGV after first checking that their copy of the
 * window matches the model.  mincore() is compared with the model every
 * MINCORE_EVERY iterations, over every run of mapped and unmapped pages.
 *
 * Cases: mm.random.sequence (the whole run) and mm.random.faults (the
 * forked checks; SKIP when fork() fails with ENOSYS).  Usage:
 * `mmrandom [SEED [ITERATIONS]]`.  Plain POSIX: it builds and passes on
 * Linux too, which is the oracle.
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

#define NPAGES		64
#define ITERATIONS	100000
#define CHECKPOINT	1000	/* full check and forked fault checks */
#define MINCORE_EVERY	100
#define FAULTS_PER_CHECK 2
#define MAX_RUN		8	/* pages per map/unmap/protect request */
#define LOG_LEN		16	/* recent operations shown on failure */
#define SAMPLE_WORDS	8	/* words a read checks */

#define RW		(PROT_READ | PROT_WRITE)
#define ANON		(MAP_PRIVATE | MAP_ANONYMOUS)

enum res { RES_NO, RES_YES, RES_ANY };

struct page_model {
	unsigned char mapped;
	unsigned char prot;
	unsigned char res;
	uint64_t val;		/* 0: zero-filled */
};

static struct page_model model[NPAGES];
static unsigned char *win;
static size_t pg, words;
static uint64_t rng;
static long iter;
static char why[256];
static char oplog[LOG_LEN][80];
static unsigned nlog;

/* fault checks: done, failed, skipped (with why) */
static int faults_done, faults_skipped;
static char faults_why[256];

#define FAILF(...) do {							\
	snprintf(why, sizeof(why), __VA_ARGS__);			\
	return -1;							\
} while (0)

static uint64_t rnd(void)
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return rng * 0x2545f4914f6cdd1dull;
}

static unsigned rnd_below(unsigned n)
{
	return (unsigned)(rnd() % n);
}

static void log_op(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));

static void log_op(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(oplog[nlog % LOG_LEN], sizeof(oplog[0]), fmt, ap);
	va_end(ap);
	nlog++;
}

static const char *errname(int e)
{
	static char buf[24];

	switch (e) {
	case 0: return "no error";
	case ENOMEM: return "ENOMEM";
	case EINVAL: return "EINVAL";
	case EEXIST: return "EEXIST";
	case ENOSYS: return "ENOSYS";
	case EFAULT: return "EFAULT";
	default:
		snprintf(buf, sizeof(buf), "errno %d", e);
		return buf;
	}
}

static const char *protname(int prot)
{
	return prot == RW ? "rw" : prot == PROT_READ ? "r" : "none";
}

static unsigned char *page_at(unsigned i)
{
	return win + (size_t)i * pg;
}

static uint64_t word_of(uint64_t val, size_t j)
{
	return val ? val ^ (j * 0x100000001ull) : 0;
}

static int readable(const struct page_model *m)
{
	return m->mapped && m->prot != PROT_NONE;
}

/* ---- the model's expectations ---- */

static int check_word(unsigned i, size_t j)
{
	uint64_t got = ((volatile uint64_t *)page_at(i))[j];
	uint64_t want = word_of(model[i].val, j);

	if (got != want)
		FAILF("page %u word %zu: %#llx, expected %#llx", i, j,
		      (unsigned long long)got, (unsigned long long)want);
	return 0;
}

/* Reading a page may make it resident (Linux maps the zero page). */
static int check_page_full(unsigned i)
{
	for (size_t j = 0; j < words; j++)
		if (check_word(i, j))
			return -1;
	if (model[i].res == RES_NO)
		model[i].res = RES_ANY;
	return 0;
}

static int check_all_readable(void)
{
	for (unsigned i = 0; i < NPAGES; i++)
		if (readable(&model[i]) && check_page_full(i))
			return -1;
	return 0;
}

/* mincore over each run of mapped pages, and over each unmapped run. */
static int check_mincore(void)
{
	unsigned char vec[NPAGES];
	unsigned i = 0, end;

	while (i < NPAGES) {
		for (end = i; end < NPAGES &&
		     model[end].mapped == model[i].mapped; end++)
			;
		errno = 0;
		if (!model[i].mapped) {
			if (mincore(page_at(i), (end - i) * pg, vec) != -1 ||
			    errno != ENOMEM)
				FAILF("mincore of unmapped pages %u-%u: %s, "
				      "expected ENOMEM", i, end - 1,
				      errname(errno));
		} else if (mincore(page_at(i), (end - i) * pg, vec)) {
			FAILF("mincore of mapped pages %u-%u: %s", i, end - 1,
			      errname(errno));
		} else {
			for (unsigned k = i; k < end; k++) {
				int r = vec[k - i] & 1;

				if ((model[k].res == RES_YES && !r) ||
				    (model[k].res == RES_NO && r))
					FAILF("page %u (%s) resident=%d, "
					      "expected %d", k,
					      protname(model[k].prot), r,
					      model[k].res == RES_YES);
			}
		}
		i = end;
	}
	return 0;
}

/* ---- operations ---- */

static int random_prot(void)
{
	unsigned r = rnd_below(100);

	return r < 15 ? PROT_NONE : r < 50 ? PROT_READ : RW;
}

static void random_range(unsigned *first, unsigned *n)
{
	*first = rnd_below(NPAGES);
	*n = 1 + rnd_below(NPAGES - *first < MAX_RUN ? NPAGES - *first
						       : MAX_RUN);
}

/* How many pages from first on (at most n) are mapped, in a row. */
static unsigned mapped_prefix(unsigned first, unsigned n)
{
	unsigned k = 0;

	while (k < n && model[first + k].mapped)
		k++;
	return k;
}

static int op_map(void)
{
	unsigned first, n;
	int prot = random_prot();
	int populate = rnd_below(8) == 0;
	void *p;

	random_range(&first, &n);
	log_op("%ld: mmap pages %u+%u %s%s", iter, first, n, protname(prot),
	       populate ? " populate" : "");
	p = mmap(page_at(first), n * pg, prot,
		 ANON | MAP_FIXED | (populate ? MAP_POPULATE : 0), -1, 0);
	if (p != page_at(first))
		FAILF("mmap fixed at page %u gave %p (%s)", first, p,
		      p == MAP_FAILED ? errname(errno) : "wrong address");
	for (unsigned i = first; i < first + n; i++) {
		model[i] = (struct page_model){ 1, (unsigned char)prot,
						RES_NO, 0 };
		if (populate)
			model[i].res = prot == RW ? RES_YES : RES_ANY;
	}
	return 0;
}

static int op_unmap(void)
{
	unsigned first, n;

	random_range(&first, &n);
	log_op("%ld: munmap pages %u+%u", iter, first, n);
	if (munmap(page_at(first), n * pg))
		FAILF("munmap pages %u+%u: %s", first, n, errname(errno));
	for (unsigned i = first; i < first + n; i++)
		model[i].mapped = 0;
	return 0;
}

/*
 * A range whose first page is unmapped must fail with ENOMEM and change
 * nothing.  A hole further on also gives ENOMEM, but Linux has changed
 * the pages before the hole by then, so such ranges are cut short at the
 * hole instead.
 */
static int op_protect(void)
{
	unsigned first, n, k;
	int prot = random_prot();

	random_range(&first, &n);
	k = mapped_prefix(first, n);
	if (k == 0) {
		log_op("%ld: mprotect pages %u+%u %s (unmapped start)", iter,
		       first, n, protname(prot));
		errno = 0;
		if (mprotect(page_at(first), n * pg, prot) != -1 ||
		    errno != ENOMEM)
			FAILF("mprotect from unmapped page %u: %s, expected "
			      "ENOMEM", first, errname(errno));
		return 0;
	}
	log_op("%ld: mprotect pages %u+%u %s", iter, first, k,
	       protname(prot));
	if (mprotect(page_at(first), k * pg, prot))
		FAILF("mprotect pages %u+%u: %s", first, k, errname(errno));
	for (unsigned i = first; i < first + k; i++)
		model[i].prot = (unsigned char)prot;
	return 0;
}

static int op_dontneed(void)
{
	unsigned first, n, k;

	random_range(&first, &n);
	k = mapped_prefix(first, n);
	if (k == 0)
		return 0;
	log_op("%ld: madvise DONTNEED pages %u+%u", iter, first, k);
	if (madvise(page_at(first), k * pg, MADV_DONTNEED))
		FAILF("madvise pages %u+%u: %s", first, k, errname(errno));
	for (unsigned i = first; i < first + k; i++) {
		model[i].val = 0;
		model[i].res = RES_NO;
	}
	return 0;
}

static void op_write(void)
{
	unsigned i = rnd_below(NPAGES);
	volatile uint64_t *w = (volatile uint64_t *)page_at(i);
	uint64_t val = rnd() | (1ull << 63);

	if (!model[i].mapped || !(model[i].prot & PROT_WRITE))
		return;
	log_op("%ld: write page %u", iter, i);
	for (size_t j = 0; j < words; j++)
		w[j] = word_of(val, j);
	model[i].val = val;
	model[i].res = RES_YES;
}

static int op_read(void)
{
	unsigned i = rnd_below(NPAGES);

	if (!readable(&model[i]))
		return 0;
	log_op("%ld: read page %u", iter, i);
	if (check_word(i, 0) || check_word(i, words - 1))
		return -1;
	for (int k = 0; k < SAMPLE_WORDS; k++)
		if (check_word(i, rnd_below((unsigned)words)))
			return -1;
	if (model[i].res == RES_NO)
		model[i].res = RES_ANY;
	return 0;
}

static int step(void)
{
	unsigned r = rnd_below(100);

	if (r < 18)
		return op_map();
	if (r < 30)
		return op_unmap();
	if (r < 48)
		return op_protect();
	if (r < 53)
		return op_dontneed();
	if (r < 76) {
		op_write();
		return 0;
	}
	return op_read();
}

/* ---- forked fault checks ---- */

struct fault {
	unsigned page;
	int write;
};

/* A page and an access the model says must fault; 0 if none exists. */
static int pick_fault(struct fault *f)
{
	unsigned start = rnd_below(NPAGES);

	for (unsigned k = 0; k < NPAGES; k++) {
		unsigned i = (start + k) % NPAGES;

		if (!model[i].mapped || model[i].prot == PROT_NONE) {
			*f = (struct fault){ i, (int)rnd_below(2) };
			return 1;
		}
		if (!(model[i].prot & PROT_WRITE)) {
			*f = (struct fault){ i, 1 };
			return 1;
		}
	}
	return 0;
}

/* In the child: its copy must match the model; then the bad access. */
static int fault_child(const struct fault *f)
{
	volatile unsigned char *p = page_at(f->page) + rnd_below((unsigned)pg);

	if (check_all_readable())
		return 2;
	if (f->write)
		*p = 1;
	else
		(void)*p;
	return 0;		/* survived: the parent fails the check */
}

/* 0, or -1 with faults_why set; a fork failing with ENOSYS skips. */
static int fault_checks(void)
{
	struct fault f;
	int st;
	pid_t pid;

	for (int k = 0; k < FAULTS_PER_CHECK && !faults_skipped; k++) {
		if (!pick_fault(&f))
			return 0;
		fflush(stdout);
		pid = fork();
		if (pid < 0 && errno == ENOSYS) {
			faults_skipped = 1;
			return 0;
		}
		if (pid < 0) {
			snprintf(faults_why, sizeof(faults_why),
				 "iteration %ld: fork: %s", iter,
				 errname(errno));
			return -1;
		}
		if (pid == 0)
			_exit(fault_child(&f));
		if (waitpid(pid, &st, 0) != pid) {
			snprintf(faults_why, sizeof(faults_why),
				 "iteration %ld: waitpid: %s", iter,
				 errname(errno));
			return -1;
		}
		faults_done++;
		if (!WIFSIGNALED(st) || WTERMSIG(st) != SIGSEGV) {
			snprintf(faults_why, sizeof(faults_why),
				 "iteration %ld: %s of page %u (%s%s) in a "
				 "child: %s %d, expected SIGSEGV%s", iter,
				 f.write ? "write" : "read", f.page,
				 model[f.page].mapped ? "" : "unmapped",
				 model[f.page].mapped ?
				 protname(model[f.page].prot) : "",
				 WIFSIGNALED(st) ? "signal" : "exit status",
				 WIFSIGNALED(st) ? WTERMSIG(st)
						 : WEXITSTATUS(st),
				 !WIFSIGNALED(st) && WEXITSTATUS(st) == 2 ?
				 " (2: child's copy differs from the model)" :
				 "");
			return -1;
		}
	}
	return 0;
}

/* ---- the run ---- */

static int setup(void)
{
	unsigned char *p = mmap(NULL, (NPAGES + 2) * pg, PROT_NONE, ANON, -1,
				0);

	if (p == MAP_FAILED)
		FAILF("reserving the window: %s", errname(errno));
	win = p + pg;
	if (munmap(win, NPAGES * pg))
		FAILF("emptying the window: %s", errname(errno));
	return 0;
}

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

static void print_log(void)
{
	unsigned n = nlog < LOG_LEN ? nlog : LOG_LEN;

	printf("mmrandom: the last %u operations:\n", n);
	for (unsigned k = nlog - n; k < nlog; k++)
		printf("mmrandom:   %s\n", oplog[k % LOG_LEN]);
}

int main(int argc, char **argv)
{
	unsigned long seed = argc > 1 ? strtoul(argv[1], NULL, 0) : 1;
	long iterations = argc > 2 ? strtol(argv[2], NULL, 0) : ITERATIONS;
	int failed = 0, faults_failed = 0, passed = 0;
	long t0 = now_ms();

	pg = (size_t)sysconf(_SC_PAGESIZE);
	words = pg / 8;
	rng = seed * 0x9e3779b97f4a7c15ull + 0x632be59bd9b4e019ull;
	failed = setup();
	for (iter = 0; !failed && iter < iterations; iter++) {
		if (step()) {
			failed = 1;
			break;
		}
		if ((iter + 1) % MINCORE_EVERY == 0 && check_mincore())
			failed = 1;
		else if ((iter + 1) % CHECKPOINT == 0) {
			if (check_all_readable())
				failed = 1;
			else if (!faults_failed && fault_checks())
				faults_failed = 1;
		}
	}
	if (!failed && (check_all_readable() || check_mincore()))
		failed = 1;
	printf("mmrandom: seed %lu, %ld of %ld iterations, %d forked checks, "
	       "%ld ms\n", seed, iter, iterations, faults_done, now_ms() - t0);
	if (failed) {
		print_log();
		printf("FAIL mm.random.sequence: seed %lu, iteration %ld: %s\n",
		       seed, iter, why);
	} else {
		printf("PASS mm.random.sequence\n");
		passed++;
	}
	if (faults_failed) {
		printf("FAIL mm.random.faults: %s\n", faults_why);
	} else if (faults_skipped) {
		printf("SKIP mm.random.faults: fork() fails with ENOSYS, no "
		       "forked fault checks ran\n");
	} else if (!faults_done) {
		faults_failed = 1;
		printf("FAIL mm.random.faults: no checks ran (the sequence "
		       "stopped at iteration %ld)\n", iter);
	} else {
		printf("PASS mm.random.faults\n");
		passed++;
	}
	failed += faults_failed;
	printf("%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
