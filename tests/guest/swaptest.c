/*
 * swaptest - memory pressure: swap out and back in, fork over swapped
 * memory, MADV_PAGEOUT, the OOM killer, and many faulting processes while
 * blk is busy.  One PASS/FAIL line per case; the integration test
 * (tests/integration/test_swap.py) boots a small guest with swap and reads
 * vmstat around each run.
 *
 *   swaptest fill MB            write MB, verify every byte twice
 *   swaptest fork MB            fill, fork; each side rewrites its half
 *   swaptest pageout MB         MADV_PAGEOUT, mincore, read back
 *   swaptest oom MB             a 'hog' is OOM-killed; MB of ours survive
 *   swaptest multi N MB [DISK]  N processes fill MB each at once, while two
 *                               more hammer blk on scratch disk DISK
 *
 * Page p, word w of a region filled with seed s holds pat(p, w, s), so
 * every word says where it belongs and which generation wrote it.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <ipc/blk.h>
#include <ipc/mm.h>
#include "guest.h"

#define PAGE		4096ul
#define WORDS		(PAGE / 8)
#define MB		(1ul << 20)

static uint64_t pat(uint64_t page, uint64_t word, uint64_t seed)
{
	return (page * 0x9e3779b97f4a7c15ull) ^ (word << 32) ^ word ^
	       (seed * 0xc2b2ae3d27d4eb4full);
}

static void fill(uint64_t *base, uint64_t first, uint64_t npages,
		 uint64_t seed)
{
	for (uint64_t p = first; p < first + npages; p++) {
		uint64_t *w = base + p * WORDS;

		for (uint64_t i = 0; i < WORDS; i++)
			w[i] = pat(p, i, seed);
	}
}

/* Pages in [first, first + npages) that do not hold seed's pattern. */
static uint64_t check(const uint64_t *base, uint64_t first, uint64_t npages,
		      uint64_t seed, uint64_t *first_bad)
{
	uint64_t bad = 0;

	for (uint64_t p = first; p < first + npages; p++) {
		const uint64_t *w = base + p * WORDS;

		for (uint64_t i = 0; i < WORDS; i++)
			if (w[i] != pat(p, i, seed)) {
				if (!bad)
					*first_bad = p;
				bad++;
				break;
			}
	}
	return bad;
}

static uint64_t *region(uint64_t bytes)
{
	void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

static void expect_pattern(const char *id, const uint64_t *base,
			   uint64_t first, uint64_t n, uint64_t seed)
{
	uint64_t where = 0, bad = check(base, first, n, seed, &where);

	if (bad)
		FAIL(id, "%lu of %lu pages wrong, first at page %lu",
		     (unsigned long)bad, (unsigned long)n,
		     (unsigned long)where);
	else
		PASS(id);
}

static int do_fill(uint64_t mb)
{
	uint64_t n = mb * MB / PAGE, *base = region(mb * MB);

	if (!base) {
		FAIL("swap.fill", "mmap of %lu MiB failed", (unsigned long)mb);
		return 1;
	}
	fill(base, 0, n, 1);
	PASS("swap.fill.write");
	expect_pattern("swap.fill.verify1", base, 0, n, 1);
	expect_pattern("swap.fill.verify2", base, 0, n, 1);
	return munmap(base, mb * MB) != 0 || guest_failures;
}

static int do_fork(uint64_t mb)
{
	uint64_t n = mb * MB / PAGE, half = n / 2, *base = region(mb * MB);
	int status = 0;
	pid_t pid;

	if (!base) {
		FAIL("swap.fork", "mmap failed");
		return 1;
	}
	fill(base, 0, n, 1);
	fflush(stdout);
	pid = fork();
	if (pid < 0) {
		FAIL("swap.fork", "fork failed");
		return 1;
	}
	if (pid == 0) {
		/* the child rewrites the second half, keeps the first */
		fill(base, half, n - half, 2);
		expect_pattern("swap.fork.child_own_half", base, half,
			       n - half, 2);
		expect_pattern("swap.fork.child_parent_half", base, 0, half,
			       1);
		exit(guest_failures ? 1 : 0);
	}
	fill(base, 0, half, 3);
	expect_pattern("swap.fork.parent_own_half", base, 0, half, 3);
	expect_pattern("swap.fork.parent_child_half", base, half, n - half,
		       1);
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
	    WEXITSTATUS(status))
		FAIL("swap.fork.child", "child status %#x", status);
	else
		PASS("swap.fork.child");
	return guest_failures != 0;
}

static int do_pageout(uint64_t mb)
{
	uint64_t n = mb * MB / PAGE, *base = region(mb * MB), resident = 0;
	unsigned char *vec = malloc(n);

	if (!base || !vec) {
		FAIL("swap.pageout", "no memory");
		return 1;
	}
	fill(base, 0, n, 7);
	if (madvise(base, mb * MB, MADV_PAGEOUT))
		FAIL("swap.pageout.madvise", "madvise failed");
	else
		PASS("swap.pageout.madvise");
	if (mincore(base, mb * MB, vec)) {
		FAIL("swap.pageout.mincore", "mincore failed");
	} else {
		for (uint64_t i = 0; i < n; i++)
			resident += vec[i] & 1;
		if (resident > n / 8)
			FAIL("swap.pageout.mincore", "%lu of %lu pages still "
			     "resident", (unsigned long)resident,
			     (unsigned long)n);
		else
			PASS("swap.pageout.mincore");
	}
	expect_pattern("swap.pageout.readback", base, 0, n, 7);
	/* written again after swap-in: must not be the stale disk copy */
	fill(base, 0, n, 8);
	madvise(base, mb * MB, MADV_PAGEOUT);
	expect_pattern("swap.pageout.rewrite", base, 0, n, 8);
	return guest_failures != 0;
}

/*
 * OOM: a bystander holds mb of verified memory and waits; a hog (the
 * 'hog' program) allocates without bound until the OOM killer takes it.
 */
static int do_oom(uint64_t mb)
{
	int go[2], status = 0;
	pid_t by, hog;
	char c;

	if (pipe(go)) {
		FAIL("swap.oom", "pipe failed");
		return 1;
	}
	fflush(stdout);
	by = fork();
	if (by == 0) {
		uint64_t n = mb * MB / PAGE, *base = region(mb * MB);

		close(go[1]);
		if (!base)
			exit(2);
		fill(base, 0, n, 5);
		if (read(go[0], &c, 1) != 1)
			exit(3);
		exit(check(base, 0, n, 5, &(uint64_t){ 0 }) ? 4 : 0);
	}
	close(go[0]);
	hog = fork();
	if (hog == 0) {
		char *argv[] = { "hog", NULL }, *envp[] = { NULL };

		execve("hog", argv, envp);
		exit(5);
	}
	printf("swaptest: bystander %d, hog %d\n", (int)by, (int)hog);
	fflush(stdout);
	if (waitpid(hog, &status, 0) != hog || !WIFSIGNALED(status) ||
	    WTERMSIG(status) != SIGKILL)
		FAIL("swap.oom.hog_killed", "hog status %#x", status);
	else
		PASS("swap.oom.hog_killed");
	if (write(go[1], "v", 1) != 1)
		FAIL("swap.oom.bystander", "pipe write failed");
	if (waitpid(by, &status, 0) != by || !WIFEXITED(status) ||
	    WEXITSTATUS(status))
		FAIL("swap.oom.bystander", "bystander status %#x", status);
	else
		PASS("swap.oom.bystander");
	return guest_failures != 0;
}

/* ---- blk hammer: many requests in flight while others fault ---- */

static int hammer(uint64_t disk, unsigned rounds, unsigned salt)
{
	struct ipc_msg m = { .w = { 16, 0 } };
	uint64_t blk_h, sess, pa, *va;
	long h = guest_lookup("blk");

	if (h < 0 || ipc_request(H_MM, MM_DMA_ALLOC, 2, &m, NULL, 0))
		return 10;
	blk_h = (uint64_t)h;
	va = (uint64_t *)m.w[2];
	pa = m.w[3];
	m = (struct ipc_msg){ .w = { 0, m.w[1] } };
	m.tag = IPC_TAG(BLK_OPEN, 2) | IPC_TAG_HANDLES(1);
	if (ipc_call(blk_h, &m) || m.w[0])
		return 11;
	sess = m.w[1];
	for (unsigned r = 0; r < rounds; r++) {
		uint64_t sector = (salt * 4096 + (r % 32) * 128);

		for (unsigned i = 0; i < 16 * WORDS; i++)
			va[i] = pat(sector, i, salt + r);
		m = (struct ipc_msg){ .w = { disk, sector, 128, pa } };
		if (ipc_request(sess, BLK_WRITE, 4, &m, NULL, 0))
			return 12;
		memset(va, 0, 16 * PAGE);
		m = (struct ipc_msg){ .w = { disk, sector, 128, pa } };
		if (ipc_request(sess, BLK_READ, 4, &m, NULL, 0))
			return 13;
		for (unsigned i = 0; i < 16 * WORDS; i++)
			if (va[i] != pat(sector, i, salt + r))
				return 14;
	}
	return 0;
}

static int do_multi(unsigned nproc, uint64_t mb, long disk)
{
	unsigned nham = disk >= 0 ? 2 : 0;
	pid_t pids[16];
	int bad = 0;

	if (nproc + nham > 16)
		return 1;
	fflush(stdout);
	for (unsigned i = 0; i < nproc + nham; i++) {
		pids[i] = fork();
		if (pids[i] == 0) {
			if (i >= nproc)
				exit(hammer((uint64_t)disk, 200, i));
			uint64_t n = mb * MB / PAGE, *base = region(mb * MB);

			if (!base)
				exit(20);
			fill(base, 0, n, 100 + i);
			if (check(base, 0, n, 100 + i, &(uint64_t){ 0 }))
				exit(21);
			fill(base, 0, n / 2, 200 + i);
			exit(check(base, 0, n / 2, 200 + i, &(uint64_t){ 0 }) ||
			     check(base, n / 2, n - n / 2, 100 + i,
				   &(uint64_t){ 0 }) ? 22 : 0);
		}
	}
	for (unsigned i = 0; i < nproc + nham; i++) {
		int status = 0;

		if (waitpid(pids[i], &status, 0) != pids[i] ||
		    !WIFEXITED(status) || WEXITSTATUS(status)) {
			printf("swaptest: child %u (%s) status %#x\n", i,
			       i >= nproc ? "blk hammer" : "filler", status);
			bad++;
		}
	}
	if (bad)
		FAIL("swap.multi", "%d of %u children failed", bad,
		     nproc + nham);
	else
		PASS("swap.multi");
	return bad != 0;
}

int main(int argc, char **argv)
{
	uint64_t arg = argc > 2 ? strtoul(argv[2], NULL, 0) : 0;

	if (argc > 2 && !strcmp(argv[1], "fill"))
		return do_fill(arg);
	if (argc > 2 && !strcmp(argv[1], "fork"))
		return do_fork(arg);
	if (argc > 2 && !strcmp(argv[1], "pageout"))
		return do_pageout(arg);
	if (argc > 2 && !strcmp(argv[1], "oom"))
		return do_oom(arg);
	if (argc > 3 && !strcmp(argv[1], "multi"))
		return do_multi((unsigned)arg, strtoul(argv[3], NULL, 0),
				argc > 4 ? strtol(argv[4], NULL, 0) : -1);
	printf("usage: swaptest fill|fork|pageout|oom MB, "
	       "swaptest multi N MB [DISK]\n");
	return 2;
}
