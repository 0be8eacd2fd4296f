/*
 * upagertest.c - user-level pagers for child address spaces (upager.h;
 * tests/integration/test_upager.py).  argv[1] picks the cases:
 *
 *   quick    pattern, refuse, nested, textwrite, forge, badinput (and,
 *            without argv[1], storm)
 *   storm    100,000 faults served by a pager that recycles 32 frames
 *   quota    lend frames up to the per-process quota, then one more
 *   orphan   start a child that spins, then exit without ending it: the
 *            kernel must kill it and mm must get the frames back
 *   bench    ns per fault: served by this program vs by mm (write faults)
 *
 * Children run this program's code in a space with no handles of a
 * process: they use no stdio, only memory, upager calls and their exit.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>
#include <upager.h>
#include <ipc/mm.h>
#include <ipc/pager.h>
#include "guest.h"

#define PAGE		4096ull
#define REGION		0x0000200000000000ull	/* the handlers' range */
#define PATTERN_PAGES	64
#define STORM_FAULTS	100000
#define STORM_WINDOW	1024			/* pages the child cycles */
#define STORM_RING	32			/* frames the pager cycles */
#define REFUSE_AT	16			/* first page refused */
#define NESTED_PAGES	16

static uint64_t pattern(uint64_t va, uint64_t seed)
{
	uint64_t x = va ^ seed;

	x ^= x >> 29;
	return x * 0x9e3779b97f4a7c15ull;
}

static void page_fill(uint64_t *p, uint64_t va, uint64_t seed)
{
	for (unsigned i = 0; i < PAGE / 8; i++)
		p[i] = pattern(va + i * 8, seed);
}

/* ---- a pager that serves a computed pattern and counts faults ---- */

struct pattern_pager {
	uint64_t seed, npages, faults;
	uint64_t *pages[PATTERN_PAGES];
};

static int pattern_fault(struct upager *up, const struct upager_fault *f,
			 void *arg)
{
	struct pattern_pager *pp = arg;
	uint64_t va = f->addr & ~(PAGE - 1), i = (va - REGION) / PAGE;
	uint64_t *p;

	if (f->addr < REGION || i >= pp->npages)
		return SIGSEGV;
	if (i >= REFUSE_AT && pp->npages == REFUSE_AT + 1)
		return SIGSEGV;			/* the refusing pager */
	p = upager_page_alloc(up);
	if (!p)
		return SIGBUS;
	page_fill(p, va, pp->seed);
	pp->faults++;
	if (i < PATTERN_PAGES)
		pp->pages[i] = p;
	return upager_map(up, va, p, AS_PROT_READ | AS_PROT_WRITE) ?
	       SIGBUS : 0;
}

/* In the child: check every word of n pages, then write each page. */
static long pattern_child(uint64_t seed_and_n)
{
	uint64_t seed = seed_and_n >> 16, n = seed_and_n & 0xffff;
	long bad = 0;

	for (uint64_t i = 0; i < n; i++) {
		volatile uint64_t *p = (volatile uint64_t *)(REGION + i * PAGE);

		for (unsigned w = 0; w < PAGE / 8; w++)
			bad += p[w] != pattern((uint64_t)&p[w], seed);
		p[1] = ~(uint64_t)i;		/* the pager sees this */
	}
	return bad;
}

static void case_pattern(struct upager *up)
{
	static struct pattern_pager pp = { .seed = 0x5eed, .npages =
					   PATTERN_PAGES };
	struct upager_status st;
	int err;

	up->fault = pattern_fault;
	up->arg = &pp;
	err = upager_spawn(up, pattern_child, pp.seed << 16 | PATTERN_PAGES,
			   "upager-pattern", 0);
	if (!err)
		err = upager_run(up, &st);
	if (err) {
		FAIL("upager.pattern", "spawn/run: %d", err);
	} else if (!st.exited || st.code != 0) {
		FAIL("upager.pattern", "child: exited %d code %ld signal %d",
		     st.exited, st.code, st.signal);
	} else if (pp.faults != PATTERN_PAGES ||
		   up->stats.handler != PATTERN_PAGES) {
		FAIL("upager.pattern", "%lu faults for %d pages",
		     (unsigned long)pp.faults, PATTERN_PAGES);
	} else {
		int seen = 1;

		for (unsigned i = 0; i < PATTERN_PAGES; i++)
			seen &= pp.pages[i][1] == ~(uint64_t)i;
		if (!seen)
			FAIL("upager.pattern", "the child's writes are not in "
			     "the pager's pages");
		else
			PASS("upager.pattern");
	}
	printf("upager.pattern: %lu faults (%lu image, %lu stack, %lu "
	       "pattern)\n", (unsigned long)up->stats.faults,
	       (unsigned long)up->stats.image, (unsigned long)up->stats.stack,
	       (unsigned long)up->stats.handler);
	upager_destroy(up);
}

/* ---- a pager that refuses an address ---- */

static long refuse_child(uint64_t n)
{
	long sum = 0;

	for (uint64_t i = 0; i < n; i++)
		sum += *(volatile uint64_t *)(REGION + i * PAGE) != 0;
	return sum;
}

static void case_refuse(struct upager *up)
{
	static struct pattern_pager pp = { .seed = 7,
					   .npages = REFUSE_AT + 1 };
	struct upager_status st;
	int err;

	up->fault = pattern_fault;
	up->arg = &pp;
	err = upager_spawn(up, refuse_child, REFUSE_AT + 1, "upager-refuse", 0);
	if (!err)
		err = upager_run(up, &st);
	if (err)
		FAIL("upager.refuse", "spawn/run: %d", err);
	else if (st.exited || st.signal != SIGSEGV ||
		 st.vector != EXC_VEC_PAGER ||
		 st.addr != REGION + REFUSE_AT * PAGE)
		FAIL("upager.refuse", "child: exited %d code %ld signal %d "
		     "vector %#lx addr %#lx", st.exited, st.code, st.signal,
		     (unsigned long)st.vector, (unsigned long)st.addr);
	else if (pp.faults != REFUSE_AT)
		FAIL("upager.refuse", "%lu pages served, not %d",
		     (unsigned long)pp.faults, REFUSE_AT);
	else
		PASS("upager.refuse");
	upager_destroy(up);
}

/* ---- a fault storm ---- */

struct storm_pager {
	uint64_t *ring[STORM_RING];
	uint64_t ring_va[STORM_RING];
	unsigned next;
	uint64_t faults;
};

/* Serve the page from the next frame of the ring, taking it away from
 * where it was first: the child never comes back to a page within 32. */
static int storm_fault(struct upager *up, const struct upager_fault *f,
		       void *arg)
{
	struct storm_pager *sp = arg;
	uint64_t va = f->addr & ~(PAGE - 1);
	unsigned k = sp->next++ % STORM_RING;

	if (f->addr < REGION || f->addr >= REGION + STORM_WINDOW * PAGE)
		return SIGSEGV;
	if (!sp->ring[k] && !(sp->ring[k] = upager_page_alloc(up)))
		return SIGBUS;
	if (sp->ring_va[k] && upager_unmap(up, sp->ring_va[k], 1))
		return SIGBUS;
	sp->ring_va[k] = va;
	sp->ring[k][0] = pattern(va, 3);
	sp->ring[k][PAGE / 8 - 1] = pattern(va + PAGE - 8, 3);
	sp->faults++;
	return upager_map(up, va, sp->ring[k], AS_PROT_READ) ? SIGBUS : 0;
}

static long storm_child(uint64_t n)
{
	long bad = 0;

	for (uint64_t k = 0; k < n; k++) {
		uint64_t va = REGION + (k % STORM_WINDOW) * PAGE;

		bad += *(volatile uint64_t *)va != pattern(va, 3);
		bad += *(volatile uint64_t *)(va + PAGE - 8) !=
		       pattern(va + PAGE - 8, 3);
	}
	return bad;
}

static void case_storm(struct upager *up)
{
	static struct storm_pager sp;
	struct upager_status st;
	uint64_t t0, t1;
	int err;

	memset(&sp, 0, sizeof(sp));
	up->fault = storm_fault;
	up->arg = &sp;
	t0 = (uint64_t)sys_clock_ns();
	err = upager_spawn(up, storm_child, STORM_FAULTS, "upager-storm", 0);
	if (!err)
		err = upager_run(up, &st);
	t1 = (uint64_t)sys_clock_ns();
	if (err)
		FAIL("upager.storm", "spawn/run: %d", err);
	else if (!st.exited || st.code != 0)
		FAIL("upager.storm", "child: exited %d code %ld signal %d "
		     "addr %#lx", st.exited, st.code, st.signal,
		     (unsigned long)st.addr);
	else if (sp.faults != STORM_FAULTS)
		FAIL("upager.storm", "%lu faults, not %d",
		     (unsigned long)sp.faults, STORM_FAULTS);
	else
		PASS("upager.storm");
	printf("upager.storm: %lu faults in %lu ms (%lu ns each)\n",
	       (unsigned long)sp.faults, (unsigned long)((t1 - t0) / 1000000),
	       (unsigned long)((t1 - t0) / (sp.faults ? sp.faults : 1)));
	upager_destroy(up);
}

/* ---- two levels: the child is the pager of a grandchild ---- */

static long grandchild(uint64_t n)
{
	uint64_t sum = 0;

	for (uint64_t i = 0; i < n; i++)
		for (unsigned w = 0; w < PAGE / 8; w += 64)
			sum += *(volatile uint64_t *)(REGION + i * PAGE +
						       w * 8) & 0xff;
	return (long)(sum & 0x7fffffff);
}

static uint64_t grandchild_expect(uint64_t n, uint64_t seed)
{
	uint64_t sum = 0;

	for (uint64_t i = 0; i < n; i++)
		for (unsigned w = 0; w < PAGE / 8; w += 64)
			sum += pattern(REGION + i * PAGE + w * 8, seed) & 0xff;
	return sum & 0x7fffffff;
}

/* In the child: be the pager of a grandchild. 0 if all went well, else
 * a small code saying what did not. */
static long nested_child(uint64_t seed)
{
	struct pattern_pager pp = { .seed = seed, .npages = NESTED_PAGES };
	struct upager up;
	struct upager_status st;

	if (upager_init_child(&up, pattern_fault, &pp))
		return 1;
	if (upager_spawn(&up, grandchild, NESTED_PAGES, "upager-grandchild",
			 0))
		return 2;
	if (upager_run(&up, &st))
		return 3;
	if (!st.exited)
		return 100 + st.signal;
	if ((uint64_t)st.code != grandchild_expect(NESTED_PAGES, seed))
		return 4;
	if (pp.faults != NESTED_PAGES)
		return 5;
	upager_destroy(&up);
	return 0;
}

static void case_nested(struct upager *up)
{
	struct upager_status st;
	int err;

	up->fault = NULL;
	up->arg = NULL;
	err = upager_spawn(up, nested_child, 0xab, "upager-nested", 48);
	if (!err)
		err = upager_run(up, &st);
	if (err)
		FAIL("upager.nested", "spawn/run: %d", err);
	else if (!st.exited || st.code != 0)
		FAIL("upager.nested", "child: exited %d code %ld signal %d "
		     "vector %#lx addr %#lx ip %#lx", st.exited, st.code,
		     st.signal, (unsigned long)st.vector,
		     (unsigned long)st.addr, (unsigned long)st.ip);
	else
		PASS("upager.nested");
	upager_destroy(up);
}

/* ---- a child that misbehaves ---- */

/* Write into our own text: the library maps it read-only, so SIGSEGV. */
static long textwrite_child(uint64_t unused)
{
	volatile uint8_t *text = (volatile uint8_t *)textwrite_child;

	text[0] = (uint8_t)unused;
	return 0;
}

static void case_textwrite(struct upager *up)
{
	struct upager_status st;
	int err;

	up->fault = NULL;
	err = upager_spawn(up, textwrite_child, 0xcc, "upager-textwrite", 0);
	if (!err)
		err = upager_run(up, &st);
	if (err)
		FAIL("upager.textwrite", "spawn/run: %d", err);
	else if (st.exited || st.signal != SIGSEGV ||
		 st.addr != (uint64_t)textwrite_child)
		FAIL("upager.textwrite", "child: exited %d signal %d addr %#lx",
		     st.exited, st.signal, (unsigned long)st.addr);
	else
		PASS("upager.textwrite");
	upager_destroy(up);
}

/* Forge a fault message on the handle to the pager: it is a call with
 * the call badge, so the pager must not serve it as a fault. */
static long forge_child(uint64_t addr)
{
	struct ipc_msg m = { 0 };
	long err;

	m.tag = IPC_TAG(PAGER_FAULT, IPC_MSG_NWORDS(struct pager_fault_req));
	m.w[0] = addr;
	m.w[1] = PF_ACC_READ;
	err = ipc_call(UPAGER_H_PARENT, &m);
	if (err)
		return 1;
	if (IPC_TAG_LABEL(m.tag) == PAGER_RESUME)
		return 2;
	return 0;
}

static void case_forge(struct upager *up)
{
	static struct pattern_pager pp = { .seed = 9, .npages = 4 };
	struct upager_status st;
	int err;

	up->fault = pattern_fault;
	up->arg = &pp;
	err = upager_spawn(up, forge_child, REGION, "upager-forge", 0);
	if (!err)
		err = upager_run(up, &st);
	if (err)
		FAIL("upager.forge", "spawn/run: %d", err);
	else if (!st.exited || st.code != 0)
		FAIL("upager.forge", "child: exited %d code %ld signal %d",
		     st.exited, st.code, st.signal);
	else if (pp.faults != 0)
		FAIL("upager.forge", "a forged fault was served");
	else
		PASS("upager.forge");
	upager_destroy(up);
}

/* A forked copy of a program with lent frames inherits their range but
 * must not reach them: they are the parent's, not mm's to map. */
static void case_fork(struct upager *up)
{
	volatile uint64_t *lent = (volatile uint64_t *)up->blocks[0].va;
	int status = 0;
	pid_t pid;

	lent[0] = 0x1234;
	fflush(stdout);
	pid = fork();
	if (pid == 0)
		_exit(lent[0] == 0x1234 ? 3 : 4);	/* must not get here */
	if (pid < 0 || waitpid(pid, &status, 0) != pid)
		FAIL("upager.fork", "fork/waitpid");
	else if (!WIFSIGNALED(status) || WTERMSIG(status) != SIGSEGV)
		FAIL("upager.fork", "the child read the parent's lent frame: "
		     "status %#x", status);
	else if (lent[0] != 0x1234)
		FAIL("upager.fork", "the parent's frame changed");
	else
		PASS("upager.fork");
}

/* ---- bad input: the kernel and mm refuse, nothing breaks ---- */

static long lend(uint64_t op, uint64_t npages, struct mm_frames_lend_rep *rp)
{
	struct mm_frames_lend_req rq = { .op = op, .npages = npages };
	struct ipc_msg m = { 0 };
	long err = ipc_request_struct(H_MM, MM_FRAMES_LEND, &m, &rq,
				      sizeof(rq), NULL, 0);

	if (rp)
		*rp = *IPC_REP(&m, struct mm_frames_lend_rep);
	return err;
}

static long spin_child(uint64_t unused)
{
	volatile uint64_t n = unused;

	while (n != 1)
		n += 2;
	return 0;
}

static void case_badinput(struct upager *up)
{
	struct mm_frames_lend_rep rp;
	uint64_t pfn, local, pool[1];
	const char *why = NULL;
	long err;

	if ((err = lend(99, 1, NULL)) != -EINVAL)
		why = "bad op";
	else if ((err = lend(MM_LEND_GET, 0, NULL)) != -EINVAL)
		why = "0 pages";
	else if ((err = lend(MM_LEND_GET, MM_LEND_MAX_PAGES + 1, NULL)) !=
		 -EINVAL)
		why = "too many pages";
	else if ((err = lend(MM_LEND_GET, 1, &rp)) != 0)
		why = "one page";
	else if ((pfn = rp.pfn, err = sys3(SYS_PT_DONATE, &pfn, 1, 0)) !=
		 -EPERM)
		why = "a lent frame as a page table";
	else if ((err = sys3(SYS_PT_DONATE, &pfn, 1, PT_DONATE_CALLER)) !=
		 -EPERM)
		why = "a donation to a caller";
	else if ((err = sys3(SYS_FRAME_GIVE, 0, &pfn, 1)) != -EPERM)
		why = "a give to a caller";
	else if ((err = sys4(SYS_FRAME_GIVE, H_SELF_TASK, &pfn, 1,
			     FRAME_GIVE_LENT)) != -EBADF)
		why = "a give to itself";
	else if ((err = upager_map(up, REGION, &local, AS_PROT_READ)) !=
		 -EINVAL)
		why = "mapping a page not from the pool";
	else if ((err = sys2(SYS_PT_RECLAIM, pool, 1)) != 1)
		why = "reclaiming a page-table frame from the pool";
	else if ((err = sys3(SYS_PT_DONATE, pool, 1, 0)) != -EPERM)
		why = "a reclaimed (still lent) frame as a page table";
	if (why) {
		FAIL("upager.badinput", "%s: %ld", why, err);
		return;
	}
	/* A give to a task in a space we do not page: our own child's space
	 * is ours, so try the reverse - the child cannot give to us. */
	up->fault = NULL;
	err = upager_spawn(up, spin_child, 0, "upager-spin", 0);
	if (err) {
		FAIL("upager.badinput", "spawn: %ld", err);
		return;
	}
	pfn = rp.pfn;
	err = sys3(SYS_FRAME_GIVE, up->task, &pfn, 1);
	upager_destroy(up);
	if (err != 0)
		FAIL("upager.badinput", "a give to our child: %ld", err);
	else
		PASS("upager.badinput");
}

/* ---- the quota, the orphan, the benchmark ---- */

static int case_quota(void)
{
	struct mm_frames_lend_rep rp;
	uint64_t got = 0;
	long err = 0;

	while (got < MM_LEND_CTX_PAGES &&
	       (err = lend(MM_LEND_GET, MM_LEND_MAX_PAGES, &rp)) == 0) {
		for (uint64_t i = 0; i < rp.npages; i++)	/* they are ours */
			((volatile uint64_t *)rp.va)[i * PAGE / 8] = i;
		got += rp.npages;
	}
	if (err || got != MM_LEND_CTX_PAGES) {
		FAIL("upager.quota", "%lu pages, then %ld",
		     (unsigned long)got, err);
		return 1;
	}
	err = lend(MM_LEND_GET, 1, NULL);
	if (err != -EDQUOT) {
		FAIL("upager.quota", "one page over the quota: %ld", err);
		return 1;
	}
	err = lend(MM_LEND_QUERY, 0, &rp);
	if (err || rp.npages != MM_LEND_CTX_PAGES) {
		FAIL("upager.quota", "query: %ld, %lu pages", err,
		     (unsigned long)rp.npages);
		return 1;
	}
	PASS("upager.quota");
	return 0;
}

static int case_orphan(void)
{
	static struct upager up;
	int err = upager_init(&up, NULL, NULL);

	if (!err)
		err = upager_spawn(&up, spin_child, 0, "upager-orphan", 8);
	if (!err)		/* it must run without us serving it */
		err = upager_populate(&up, (uint64_t)spin_child, 256);
	if (err) {
		FAIL("upager.orphan", "spawn: %d", err);
		return 1;
	}
	sys1(SYS_SLEEP, 50000000);	/* the child runs, and spins */
	printf("upager.orphan: leaving a child spinning\n");
	return 0;		/* exit: the kernel kills the child */
}

/* Touch n fresh pages at base for writing; the ns each took, timed by
 * the faulting side (spawning and the image's faults are not counted). */
static long touch_pages(uint64_t base, uint64_t n)
{
	uint64_t t0 = (uint64_t)sys_clock_ns();

	for (uint64_t i = 0; i < n; i++)
		*(volatile char *)(base + i * PAGE) = 1;
	return (long)(((uint64_t)sys_clock_ns() - t0) / n);
}

static long bench_child(uint64_t n)
{
	return touch_pages(REGION, n);
}

static int bench_fault(struct upager *up, const struct upager_fault *f,
		       void *arg)
{
	uint64_t va = f->addr & ~(PAGE - 1);
	void *p = upager_page_alloc(up);

	(void)arg;
	if (!p)
		return SIGBUS;
	memset(p, 0, PAGE);
	return upager_map(up, va, p, AS_PROT_READ | AS_PROT_WRITE) ?
	       SIGBUS : 0;
}

/* The same loop with mm as the pager. */
static long bench_mm(uint64_t n)
{
	char *m = mmap(NULL, n * PAGE, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	long ns;

	if (m == MAP_FAILED)
		return -1;
	ns = touch_pages((uint64_t)m, n);
	munmap(m, n * PAGE);
	return ns;
}

static int case_bench(struct upager *up)
{
	const uint64_t n = 512, rounds = 3;
	long best_up = 0, best_mm = 0;
	struct upager_status st;

	up->fault = bench_fault;
	for (uint64_t r = 0; r < rounds; r++) {
		int err = upager_spawn(up, bench_child, n, "upager-bench", 0);
		long ns;

		if (!err)
			err = upager_run(up, &st);
		upager_destroy(up);
		if (err || !st.exited || st.code <= 0) {
			FAIL("upager.bench", "%d, signal %d", err,
			     err ? 0 : st.signal);
			return 1;
		}
		ns = bench_mm(n);
		if (ns <= 0) {
			FAIL("upager.bench", "mmap");
			return 1;
		}
		if (!best_up || st.code < best_up)
			best_up = st.code;
		if (!best_mm || ns < best_mm)
			best_mm = ns;
	}
	printf("upager.bench: write fault served by this program %ld ns, "
	       "by mm %ld ns (best of %lu rounds of %lu faults)\n", best_up,
	       best_mm, (unsigned long)rounds, (unsigned long)n);
	PASS("upager.bench");
	return 0;
}

int main(int argc, char **argv)
{
	static struct upager up;
	const char *what = argc > 1 ? argv[1] : "all";
	int err;

	if (!strcmp(what, "quota"))
		return case_quota();
	if (!strcmp(what, "orphan"))
		return case_orphan();
	err = upager_init(&up, NULL, NULL);
	if (err) {
		FAIL("upager.init", "%d", err);
		return 1;
	}
	if (!strcmp(what, "bench"))
		return case_bench(&up);
	if (!strcmp(what, "storm")) {
		case_storm(&up);
		return guest_failures != 0;
	}
	case_pattern(&up);
	case_refuse(&up);
	case_nested(&up);
	case_textwrite(&up);
	case_forge(&up);
	case_fork(&up);
	case_badinput(&up);
	if (!strcmp(what, "all"))
		case_storm(&up);
	return guest_failures != 0;
}
