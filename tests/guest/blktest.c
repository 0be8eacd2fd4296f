/*
 * blktest - the block driver (servers/blk, ipc/blk.h) against a scratch
 * disk: one PASS/FAIL line per case.  Needs tools/run --disk (disk 0 is
 * overwritten; a second disk, if attached, too).
 *
 * Sector s, word w of what is written holds PATTERN(s, w), so the host can
 * check the image afterwards (tests/integration/test_blk.py).
 */
#include <stdint.h>
#include <stdio.h>
#include <unistd.h>
#include <sys/wait.h>
#include <ipc/blk.h>
#include <ipc/mm.h>
#include "guest.h"

#define PATTERN(s, w)	(0xb1c0ull << 48 | (uint64_t)(s) << 16 | (w))
#define WORDS		(BLK_SECTOR_SIZE / 8)
#define MAIN_PAGES	64		/* 256 KiB of DMA memory */
#define SPAN		2048		/* sectors written and read back */
#define CHUNK		128		/* sectors per request */
#define NCHILD		4
#define CHILD_REQS	16
#define CHILD_SECTORS	16
#define CHILD_BASE	8192
#define WAIT_TRIES	400
#define WAIT_NS		(50ull * 1000 * 1000)

struct dma {
	uint64_t h, pa, len;
	uint64_t *va;
};

static uint64_t blk_h, sess_h;
static uint64_t sectors;
static unsigned ndisks;

static long dma_alloc(struct dma *d, unsigned npages)
{
	struct ipc_msg m = { .w = { npages, 0 } };
	long err = ipc_request(H_MM, MM_DMA_ALLOC, 2, &m, NULL, 0);

	if (err)
		return err;
	d->h = m.w[1];
	d->va = (uint64_t *)m.w[2];
	d->pa = m.w[3];
	d->len = (uint64_t)npages * 4096;
	return 0;
}

static long blk_req(uint64_t h, unsigned label, uint64_t disk,
		    uint64_t sector, uint64_t count, uint64_t pa)
{
	struct ipc_msg m = { .w = { disk, sector, count, pa } };

	return ipc_request(h, label, 4, &m, NULL, 0);
}

static long blk_open(uint64_t region_h, uint64_t *session)
{
	struct ipc_msg m = { .w = { 0, region_h } };
	long err;

	m.tag = IPC_TAG(BLK_OPEN, 2) | IPC_TAG_HANDLES(1);
	err = ipc_call(blk_h, &m);
	if (!err)
		err = (long)m.w[0];
	if (!err)
		*session = m.w[1];
	return err;
}

static long blk_info(uint64_t disk, struct ipc_msg *m)
{
	m->w[0] = disk;
	return ipc_request(blk_h, BLK_INFO, 1, m, NULL, 0);
}

static void fill(uint64_t *buf, uint64_t first, uint64_t n, uint64_t salt)
{
	for (uint64_t s = 0; s < n; s++)
		for (unsigned w = 0; w < WORDS; w++)
			buf[s * WORDS + w] = PATTERN(first + s, w) ^ salt;
}

static long check(const uint64_t *buf, uint64_t first, uint64_t n,
		  uint64_t salt)
{
	for (uint64_t s = 0; s < n; s++)
		for (unsigned w = 0; w < WORDS; w++)
			if (buf[s * WORDS + w] != (PATTERN(first + s, w) ^ salt))
				return (long)(first + s);
	return -1;
}

/* Wait for blk to be registered and to have attached its disks. */
static int blk_wait(void)
{
	struct ipc_msg m = { 0 };
	long h = -1, err = -11;

	for (int i = 0; i < WAIT_TRIES && h < 0; i++)
		if ((h = guest_lookup("blk")) < 0)
			sys1(SYS_SLEEP, WAIT_NS);
	if (h < 0)
		return (int)h;
	blk_h = (uint64_t)h;
	for (int i = 0; i < WAIT_TRIES && err == -11; i++)
		if ((err = blk_info(0, &m)) == -11)
			sys1(SYS_SLEEP, WAIT_NS);
	if (err)
		return (int)err;
	sectors = m.w[1];
	ndisks = (unsigned)m.w[4];
	return m.w[2] == BLK_SECTOR_SIZE ? 0 : -22;
}

static void test_write_read(const struct dma *d)
{
	long err = 0, bad;

	for (uint64_t s = 0; !err && s < SPAN; s += CHUNK) {
		fill(d->va, s, CHUNK, 0);
		err = blk_req(sess_h, BLK_WRITE, 0, s, CHUNK, d->pa);
	}
	for (uint64_t i = 0; i < d->len / 8; i++)
		d->va[i] = 0;
	bad = -1;
	for (uint64_t s = 0; !err && bad < 0 && s < SPAN; s += CHUNK) {
		err = blk_req(sess_h, BLK_READ, 0, s, CHUNK, d->pa);
		if (!err)
			bad = check(d->va, s, CHUNK, 0);
	}
	if (err || bad >= 0)
		FAIL("blk.write_read", "error %ld, first bad sector %ld",
		     err, bad);
	else
		PASS("blk.write_read");
}

/* One sector at the very end, from an offset inside the region. */
static void test_last_sector(const struct dma *d)
{
	uint64_t *at = d->va + 3 * WORDS;
	uint64_t pa = d->pa + 3 * BLK_SECTOR_SIZE;
	long err;

	fill(at, sectors - 1, 1, 0x55);
	err = blk_req(sess_h, BLK_WRITE, 0, sectors - 1, 1, pa);
	at[0] = at[WORDS - 1] = 0;
	if (!err)
		err = blk_req(sess_h, BLK_READ, 0, sectors - 1, 1, pa);
	if (err || check(at, sectors - 1, 1, 0x55) >= 0)
		FAIL("blk.last_sector", "error %ld", err);
	else
		PASS("blk.last_sector");
}

static void test_flush(void)
{
	long err = blk_req(sess_h, BLK_FLUSH, 0, 0, 0, 0);

	if (err)
		FAIL("blk.flush", "error %ld", err);
	else
		PASS("blk.flush");
}

static void test_range(const struct dma *d)
{
	long e1 = blk_req(sess_h, BLK_READ, 0, sectors, 1, d->pa);
	long e2 = blk_req(sess_h, BLK_READ, 0, sectors - 1, 2, d->pa);
	long e3 = blk_req(sess_h, BLK_READ, 0, 0, 0, d->pa);
	long e4 = blk_req(sess_h, BLK_READ, 0, 0, BLK_MAX_SECTORS + 1, d->pa);
	long e5 = blk_req(sess_h, BLK_READ, 0, ~0ull, 2, d->pa);
	long e6 = blk_req(sess_h, BLK_READ, 99, 0, 1, d->pa);

	if (e1 != -22 || e2 != -22 || e3 != -22 || e4 != -22 || e5 != -22 ||
	    e6 != -19)
		FAIL("blk.range", "got %ld %ld %ld %ld %ld %ld", e1, e2, e3,
		     e4, e5, e6);
	else
		PASS("blk.range");
}

static void test_bad_phys(const struct dma *d)
{
	long e1 = blk_req(sess_h, BLK_READ, 0, 0, 1, d->pa + d->len);
	long e2 = blk_req(sess_h, BLK_READ, 0, 0, 2, d->pa + d->len - 512);
	long e3 = blk_req(sess_h, BLK_READ, 0, 0, 1, 0);
	long e4 = blk_req(sess_h, BLK_WRITE, 0, 0, 8, 0x100000);
	long e5 = blk_req(sess_h, BLK_READ, 0, 0, 1, d->pa - 4096);
	long e6 = blk_req(blk_h, BLK_READ, 0, 0, 1, d->pa);	/* no session */

	if (e1 != -14 || e2 != -14 || e3 != -14 || e4 != -14 || e5 != -14 ||
	    e6 != -1)
		FAIL("blk.bad_phys", "got %ld %ld %ld %ld %ld %ld", e1, e2, e3,
		     e4, e5, e6);
	else
		PASS("blk.bad_phys");
}

/* BLK_OPEN with no handle, or with one that is not a DMA region. */
static void test_bad_open(void)
{
	struct ipc_msg m = { 0 };
	uint64_t s;
	long e1 = ipc_request(blk_h, BLK_OPEN, 1, &m, NULL, 0);
	long e2 = blk_open(H_MM, &s);

	if (e1 != -22 || e2 != -22)
		FAIL("blk.bad_open", "got %ld %ld", e1, e2);
	else
		PASS("blk.bad_open");
}

/* A child: its own region and session, its own sectors. */
static int child_io(unsigned k)
{
	uint64_t first = CHILD_BASE + (uint64_t)k * CHILD_REQS * CHILD_SECTORS;
	struct dma d;
	uint64_t s;
	long h = guest_lookup("blk"), err;	/* handles do not survive fork */

	if (h < 0)
		return 4;
	blk_h = (uint64_t)h;
	err = dma_alloc(&d, CHILD_REQS * CHILD_SECTORS / 8) ?:
	      blk_open(d.h, &s);
	if (err)
		return 2;
	sess_h = s;
	fill(d.va, first, CHILD_REQS * CHILD_SECTORS, k);
	for (unsigned r = 0; !err && r < CHILD_REQS; r++)
		err = blk_req(s, BLK_WRITE, 0, first + r * CHILD_SECTORS,
			      CHILD_SECTORS, d.pa + r * CHILD_SECTORS * 512);
	for (uint64_t i = 0; i < d.len / 8; i++)
		d.va[i] = 0;
	for (unsigned r = 0; !err && r < CHILD_REQS; r++)
		err = blk_req(s, BLK_READ, 0, first + r * CHILD_SECTORS,
			      CHILD_SECTORS, d.pa + r * CHILD_SECTORS * 512);
	if (err || check(d.va, first, CHILD_REQS * CHILD_SECTORS, k) >= 0)
		return 1;
	return blk_req(s, BLK_CLOSE, 0, 0, 0, 0) ? 3 : 0;
}

static void test_inflight(void)
{
	struct ipc_msg m = { 0 };
	int bad = 0, st;
	pid_t pids[NCHILD];

	for (unsigned k = 0; k < NCHILD; k++) {
		pids[k] = fork();
		if (pids[k] == 0)
			_exit(child_io(k));
	}
	for (unsigned k = 0; k < NCHILD; k++)
		if (pids[k] < 0 || waitpid(pids[k], &st, 0) != pids[k] ||
		    !WIFEXITED(st) || WEXITSTATUS(st)) {
			printf("blktest: child %u: status %#x\n", k, st);
			bad++;
		}
	blk_info(0, &m);
	printf("blktest: at most %lu requests in flight\n",
	       (unsigned long)m.w[5]);
	if (bad || m.w[5] < 2)
		FAIL("blk.inflight", "%d children failed, peak %lu", bad,
		     (unsigned long)m.w[5]);
	else
		PASS("blk.inflight");
}

/* A second disk is a different disk. */
static void test_disk1(const struct dma *d)
{
	long err = 0, bad;

	if (ndisks < 2) {
		printf("SKIP blk.disk1: one disk\n");
		return;
	}
	fill(d->va, 0, 8, 0x1111);
	err = blk_req(sess_h, BLK_WRITE, 1, 0, 8, d->pa);
	if (!err)
		err = blk_req(sess_h, BLK_READ, 0, 0, 8, d->pa);
	bad = err ? -1 : check(d->va, 0, 8, 0);		/* disk 0 untouched */
	if (!err && bad < 0)
		err = blk_req(sess_h, BLK_READ, 1, 0, 8, d->pa);
	if (!err && bad < 0)
		bad = check(d->va, 0, 8, 0x1111);
	if (err || bad >= 0)
		FAIL("blk.disk1", "error %ld, bad sector %ld", err, bad);
	else
		PASS("blk.disk1");
}

static void test_close_free(const struct dma *d)
{
	struct ipc_msg m = { .w = { (uint64_t)d->va } };
	long e1 = blk_req(sess_h, BLK_CLOSE, 0, 0, 0, 0);
	long e2 = blk_req(sess_h, BLK_READ, 0, 0, 1, d->pa);
	long e3 = ipc_request(H_MM, MM_DMA_FREE, 1, &m, NULL, 0);
	long e4 = (m.w[0] = (uint64_t)d->va,
		   ipc_request(H_MM, MM_DMA_FREE, 1, &m, NULL, 0));
	uint64_t s;
	long e5 = blk_open(d->h, &s);	/* names no region any more */

	if (e1 || e2 != -1 || e3 || e4 != -22 || e5 != -22)
		FAIL("blk.close_free", "got %ld %ld %ld %ld %ld", e1, e2, e3,
		     e4, e5);
	else
		PASS("blk.close_free");
}

int main(void)
{
	struct dma d;
	long err = blk_wait();

	if (err) {
		FAIL("blk.info", "blk not ready: %ld", err);
		return 1;
	}
	printf("blktest: %u disk(s), disk0 %lu sectors\n", ndisks,
	       (unsigned long)sectors);
	if (sectors < CHILD_BASE + NCHILD * CHILD_REQS * CHILD_SECTORS)
		FAIL("blk.info", "disk0 too small: %lu", (unsigned long)sectors);
	else
		PASS("blk.info");
	err = dma_alloc(&d, MAIN_PAGES);
	if (!err && ((d.pa & 4095) || d.pa + d.len > (1ull << 32)))
		err = -1000;
	if (!err)
		err = blk_open(d.h, &sess_h);
	if (err) {
		FAIL("blk.open", "error %ld", err);
		return 1;
	}
	PASS("blk.open");
	test_write_read(&d);
	test_last_sector(&d);
	test_flush();
	test_range(&d);
	test_bad_phys(&d);
	test_bad_open();
	test_inflight();
	test_disk1(&d);
	test_close_free(&d);
	printf("blktest: done\n");
	return guest_failures ? 1 : 0;
}
