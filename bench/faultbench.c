/*
 * faultbench.c - page-fault and mapping costs.
 *
 * Cases (select with only=NAME,...), each reported as NAME_ns and
 * NAME_cycles per page (per pair for mmap_munmap_pair):
 *
 *	anon_write_fault  first write to each page of a fresh private anonymous
 *			  mapping: allocate, zero and map a page
 *	zero_read_fault	  first read of each page of a fresh anonymous mapping
 *			  (Linux maps its shared zero page read-only)
 *	cow_write_fault	  write to each page of a populated private mapping in
 *			  a child just after fork: copy-on-write break.  The
 *			  child measures and sends its two stamps back.
 *	mmap_munmap_pair  map one anonymous page and unmap it, untouched
 *
 * Arguments: pages=N (fault cases, default 4096), map_iters=N
 * (mmap_munmap_pair, default 10000).  The timed loops touch one byte per
 * page and nothing else, so the figures include the loop and the TLB miss
 * but not the munmap.  Each fault case runs once untimed first to warm the
 * allocator and page tables.
 *
 * The measuring code is shared; each system supplies, in the marked block
 * below, anonymous map/unmap and a way to run a function in a forked child
 * whose pages are copy-on-write shared with the parent.
 */
#include "bench.h"

#include <errno.h>

#define FAULT_PAGE_SIZE		4096UL
#define FAULT_PAGES		4096
#define FAULT_MAP_ITERS		10000

/* What a measuring function run in a child hands back to its parent. */
struct fault_result {
	struct bench_stamp a, b;
};

#ifdef __pagerk__
/* ==== pagerk side ==================================================== */

#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>
#include "bench_pagerk.h"

#define FAULT_LABEL_RESULT	1

/* Map len bytes of private zero-filled anonymous memory, no pages yet. */
static int fault_map(size_t len, void **out)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return -errno;
	*out = p;
	return 0;
}

static int fault_unmap(void *addr, size_t len)
{
	return munmap(addr, len) < 0 ? -errno : 0;
}

/*
 * Where a forked child sends its result: an endpoint of ours, published
 * under "faultbench-<pid>" before the first fork (there are no pipes and
 * no shared anonymous memory yet).  The child looks it up by name, so this
 * works whether or not fork copies the handle table.
 */
static long result_ep = -1;
static char result_name[PROC_NAME_MAX];

static int result_ep_open(void)
{
	if (result_ep >= 0)
		return 0;
	snprintf(result_name, sizeof(result_name), "faultbench-%d",
		 (int)getpid());
	result_ep = bench_endpoint_publish(result_name);
	return result_ep < 0 ? (int)result_ep : 0;
}

/* In the child: run fn, send res to the parent's endpoint; never returns. */
static _Noreturn void fault_child(void (*fn)(void *, struct fault_result *),
				  void *ctx, struct fault_result *res)
{
	struct ipc_msg m = { .tag = IPC_TAG(FAULT_LABEL_RESULT, 4) };
	long h = bench_lookup(result_name);

	if (h < 0)
		_exit(1);
	fn(ctx, res);
	m.w[0] = res->a.ns;
	m.w[1] = res->a.tsc;
	m.w[2] = res->b.ns;
	m.w[3] = res->b.tsc;
	_exit(ipc_call((uint64_t)h, &m) < 0);
}

/*
 * Fork; run fn(ctx, &res) in the child, whose private pages are shared
 * copy-on-write with the parent; hand res back to the parent.  A child
 * that dies before sending leaves the parent waiting for it in
 * ipc_recv: tools/bench's timeout ends that run.
 */
static int fault_in_child(void (*fn)(void *ctx, struct fault_result *res),
			  void *ctx, struct fault_result *res)
{
	struct ipc_msg m = { 0 };
	int err, status;
	pid_t child;

	err = result_ep_open();
	if (err < 0)
		return err;
	child = fork();
	if (child < 0)
		return -errno;
	if (child == 0)
		fault_child(fn, ctx, res);
	err = (int)ipc_recv((uint64_t)result_ep, &m);
	if (err == 0 && IPC_TAG_LABEL(m.tag) != FAULT_LABEL_RESULT)
		err = -EIO;
	if (err == 0) {
		*res = (struct fault_result){ { m.w[0], m.w[1] },
					      { m.w[2], m.w[3] } };
		m.tag = IPC_TAG(0, 0);
		ipc_reply(0, &m);
	}
	if (waitpid(child, &status, 0) < 0 && err == 0)
		err = -errno;
	return err;
}

#else
/* ==== Linux side ===================================================== */

#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

/*
 * MADV_NOHUGEPAGE: Debian's kernel has transparent huge pages on "always",
 * which would turn 512 page faults into one 2 MiB fault (and zero-page
 * reads into the huge zero page).  Asking for 4 KiB pages keeps the case
 * one fault per page, like a system without huge pages.  A mapping smaller
 * than a huge page cannot get one, so the single-page mmap_munmap_pair does
 * not pay for the extra madvise call.
 */
#define FAULT_HUGE_PAGE_SIZE	(2UL << 20)

static int fault_map(size_t len, void **out)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return -errno;
#ifdef MADV_NOHUGEPAGE
	if (len >= FAULT_HUGE_PAGE_SIZE)
		madvise(p, len, MADV_NOHUGEPAGE);
#endif
	*out = p;
	return 0;
}

static int fault_unmap(void *addr, size_t len)
{
	return munmap(addr, len) < 0 ? -errno : 0;
}

/* Write all of buf to fd, or fail. */
static int fault_write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len > 0) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static int fault_in_child(void (*fn)(void *ctx, struct fault_result *res),
			  void *ctx, struct fault_result *res)
{
	int fds[2], status, err = 0;
	pid_t child;
	ssize_t n;

	if (pipe(fds) < 0)
		return -errno;
	child = fork();
	if (child < 0) {
		err = -errno;
		goto out;
	}
	if (child == 0) {
		fn(ctx, res);
		_exit(fault_write_all(fds[1], res, sizeof(*res)) ? 1 : 0);
	}
	close(fds[1]);
	fds[1] = -1;
	do
		n = read(fds[0], res, sizeof(*res));
	while (n < 0 && errno == EINTR);
	if (n != (ssize_t)sizeof(*res))
		err = n < 0 ? -errno : -EIO;
	if (waitpid(child, &status, 0) < 0 && err == 0)
		err = -errno;
out:
	close(fds[0]);
	if (fds[1] >= 0)
		close(fds[1]);
	return err;
}

#endif /* __pagerk__ */
/* ==== shared measuring code ========================================== */

static uint64_t fault_pages = FAULT_PAGES;
static uint64_t map_iters = FAULT_MAP_ITERS;

static void pages_write(volatile char *buf, uint64_t pages)
{
	uint64_t i;

	for (i = 0; i < pages; i++)
		buf[i * FAULT_PAGE_SIZE] = 1;
}

static void pages_read(volatile char *buf, uint64_t pages)
{
	uint64_t i;

	for (i = 0; i < pages; i++)
		(void)buf[i * FAULT_PAGE_SIZE];
}

/* Map a fresh region, time touch() over it, unmap it. */
static int fault_time_fresh(void (*touch)(volatile char *, uint64_t),
			    struct fault_result *res)
{
	size_t len = fault_pages * FAULT_PAGE_SIZE;
	void *buf = NULL;
	int err;

	err = fault_map(len, &buf);
	if (err < 0)
		return err;
	bench_stamp(&res->a);
	touch(buf, fault_pages);
	bench_stamp(&res->b);
	return fault_unmap(buf, len);
}

/* One untimed warm-up pass, then one timed pass reported as name. */
static int fault_fresh_case(const char *name,
			    void (*touch)(volatile char *, uint64_t))
{
	struct fault_result res;
	int err;

	err = fault_time_fresh(touch, &res);
	if (err == 0)
		err = fault_time_fresh(touch, &res);
	if (err == 0)
		bench_report_interval(name, &res.a, &res.b, fault_pages);
	return err;
}

static int anon_write_run(const void *arg)
{
	(void)arg;
	return fault_fresh_case("anon_write_fault", pages_write);
}

static int zero_read_run(const void *arg)
{
	(void)arg;
	return fault_fresh_case("zero_read_fault", pages_read);
}

/* In the child: break COW on every page of the parent's populated buf. */
static void cow_child(void *ctx, struct fault_result *res)
{
	bench_stamp(&res->a);
	pages_write(ctx, fault_pages);
	bench_stamp(&res->b);
}

static int cow_once(struct fault_result *res)
{
	size_t len = fault_pages * FAULT_PAGE_SIZE;
	void *buf = NULL;
	int err, unmap_err;

	err = fault_map(len, &buf);
	if (err < 0)
		return err;
	pages_write(buf, fault_pages);
	err = fault_in_child(cow_child, buf, res);
	unmap_err = fault_unmap(buf, len);
	return err < 0 ? err : unmap_err;
}

static int cow_write_run(const void *arg)
{
	struct fault_result res;
	int err;

	(void)arg;
	err = cow_once(&res);
	if (err == 0)
		err = cow_once(&res);
	if (err == 0)
		bench_report_interval("cow_write_fault", &res.a, &res.b,
				      fault_pages);
	return err;
}

static int map_pairs(uint64_t n)
{
	uint64_t i;
	void *p = NULL;
	int err;

	for (i = 0; i < n; i++) {
		err = fault_map(FAULT_PAGE_SIZE, &p);
		if (err == 0)
			err = fault_unmap(p, FAULT_PAGE_SIZE);
		if (err < 0)
			return err;
	}
	return 0;
}

static int mmap_munmap_run(const void *arg)
{
	struct bench_stamp a, b;
	int err;

	(void)arg;
	err = map_pairs(map_iters / 10);
	if (err < 0)
		return err;
	bench_stamp(&a);
	err = map_pairs(map_iters);
	bench_stamp(&b);
	if (err == 0)
		bench_report_interval("mmap_munmap_pair", &a, &b, map_iters);
	return err;
}

static const struct bench_case fault_cases[] = {
	{ "anon_write_fault", anon_write_run, NULL },
	{ "zero_read_fault", zero_read_run, NULL },
	{ "cow_write_fault", cow_write_run, NULL },
	{ "mmap_munmap_pair", mmap_munmap_run, NULL },
};

int main(int argc, char **argv)
{
	fault_pages = bench_arg_u64(argc, argv, "pages", FAULT_PAGES);
	map_iters = bench_arg_u64(argc, argv, "map_iters", FAULT_MAP_ITERS);
	return bench_run_cases(argc, argv, fault_cases,
			       (int)(sizeof(fault_cases) /
				     sizeof(fault_cases[0])));
}
