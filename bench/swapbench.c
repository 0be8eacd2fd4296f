/*
 * swapbench.c - swap throughput and major-fault latency, next to the raw
 * throughput of a virtio-blk disk measured in the same run.
 *
 * Cases, in this order (select with only=NAME,...):
 *
 *	raw	  BLK_WRITE then BLK_READ raw_mb MiB of scratch disk `disk`
 *		  sequentially, one 128 KiB request (BLK_MAX_SECTORS) at a
 *		  time from one DMA buffer: raw_write_mibps, raw_read_mibps
 *	swapout	  write every byte of a fresh anonymous region of out_mb MiB
 *		  (default three times MemTotal) sequentially: swapout_mibps
 *		  is pswpout's growth in bytes over the elapsed time, so it
 *		  counts only what reclaim really wrote to swap
 *	swapin	  fill in_mb MiB, MADV_PAGEOUT all of it, then read one word
 *		  of every page in order: swapin_mibps is in_mb over the
 *		  elapsed time (readahead and swap fault-around spare most
 *		  pages a disk read and a fault of their own)
 *	majfault  fill and page out in_mb MiB, then touch `faults` pages one
 *		  word each, in a random order, RA_STRIDE pages apart so no
 *		  touch lands in another's readahead window: majfault_ns is
 *		  the elapsed time per pgmajfault
 *
 * Arguments: disk=N (default 0), raw_mb=, out_mb=, in_mb=, faults=.
 * Each case also reports what it moved (pages in or out, faults) from
 * vmstat, read with MM_INFO, so a reader can see that the swap really did
 * the work.  Throughput is in MiB/s of the guest's clock, with one
 * fractional digit, in bench.h's BENCH line format.
 *
 * Needs pagerk's block driver (ipc/blk.h) and a swap disk: boot with
 * `tools/run --mem 64M --disk SCRATCH --swap 512M`.  tools/bench does.
 * On Linux (tools/linux-guest builds every bench/ *bench.c) every case is
 * skipped.
 */
#include "bench.h"

#define SWB_PAGE		4096ULL
#define SWB_MIB			(1ULL << 20)
#define SWB_RAW_MB		32
#define SWB_IN_MB		32
#define SWB_FAULTS		256
/*
 * Touches this many pages apart never share a readahead window: mm reads
 * an aligned window of 8 slots around a lone fault, growing it (up to
 * BLK_SG_MAX pages) only while faults land just after the last window.
 */
#define SWB_RA_STRIDE		32

#ifdef __pagerk__
/* ==== pagerk side ==================================================== */

#include <stdint.h>
#include <unistd.h>
#include <sys/mman.h>
#include <ipc/blk.h>
#include <ipc/mm.h>
#include <ipc/usys.h>
#include "bench_pagerk.h"

#define SWB_DMA_PAGES	(BLK_MAX_SECTORS * BLK_SECTOR_SIZE / SWB_PAGE)

struct swb_args {
	uint64_t disk, raw_mb, out_mb, in_mb, faults;
};

/*
 * MM_INFO's text lands in the caller's registered receive buffer.  This
 * one replaces lib/c's for the whole run: nothing else here receives
 * bytes.  Locked, because the kernel cannot fault a page in to copy a
 * reply, and the swap-out case pushes everything unlocked to disk.
 */
static char swb_recvbuf[IPC_BUF_MAX + 1] __attribute__((aligned(4096)));

/* The value of "key value" (vmstat) or "key: value kB" (meminfo). */
static int swb_info(unsigned kind, const char *key, uint64_t *val)
{
	struct mm_info_rep rp;
	uint64_t rtag;
	size_t klen = strlen(key);
	long err = mm_req_info(H_MM, &(struct mm_info_req){ .kind = kind },
			       &rp, &rtag);

	if (err)
		return (int)err;
	swb_recvbuf[IPC_TAG_BUFLEN(rtag)] = 0;
	for (char *l = swb_recvbuf; l; l = strchr(l, '\n')) {
		l += *l == '\n';
		if (!strncmp(l, key, klen) &&
		    (l[klen] == ' ' || l[klen] == ':')) {
			l += klen + strspn(l + klen, " :");
			*val = strtoull(l, NULL, 10);
			return 0;
		}
	}
	return -ENOENT;
}

static uint64_t swb_vmstat(const char *key)
{
	uint64_t v = 0;

	if (swb_info(MM_INFO_VMSTAT, key, &v))
		printf("swapbench: no vmstat %s\n", key);
	return v;
}

/* bytes over ns as MiB/s, in tenths */
static void swb_report_rate(const char *name, uint64_t bytes, uint64_t ns)
{
	unsigned __int128 t = (unsigned __int128)bytes * 10 *
			      BENCH_NSEC_PER_SEC / SWB_MIB;

	t = ns ? t / ns : 0;
	printf("BENCH %s %llu.%llu MiB/s bytes=%llu ns=%llu\n", name,
	       (unsigned long long)(t / 10), (unsigned long long)(t % 10),
	       (unsigned long long)bytes, (unsigned long long)ns);
	fflush(stdout);
}

static void swb_report_count(const char *name, uint64_t n, const char *unit)
{
	printf("BENCH %s %llu.0 %s\n", name, (unsigned long long)n, unit);
	fflush(stdout);
}

/* ---- raw disk ---------------------------------------------------------- */

/* A session on blk with a DMA buffer of one largest request. */
static int swb_blk_open(uint64_t *sess, uint64_t *pa, uint64_t **va)
{
	return bench_blk_open(SWB_DMA_PAGES, sess, pa, va);
}

/* Move mb MiB from sector 0 on, one BLK_MAX_SECTORS request at a time. */
static int swb_raw_pass(uint64_t sess, unsigned label, uint64_t disk,
			uint64_t pa, uint64_t mb, uint64_t *ns)
{
	uint64_t nreq = mb * SWB_MIB / (BLK_MAX_SECTORS * BLK_SECTOR_SIZE);
	uint64_t t0 = bench_now_ns();

	for (uint64_t i = 0; i < nreq; i++) {
		struct ipc_msg m = { .w = { disk, i * BLK_MAX_SECTORS,
					    BLK_MAX_SECTORS, pa } };
		long err = ipc_request(sess, label, 4, &m, NULL, 0);

		if (err)
			return (int)err;
	}
	*ns = bench_now_ns() - t0;
	return 0;
}

static int swb_raw(const void *arg)
{
	const struct swb_args *a = arg;
	uint64_t sess = 0, pa = 0, *va = NULL, wns = 0, rns = 0;
	int err = swb_blk_open(&sess, &pa, &va);

	if (err)
		return err;
	for (uint64_t i = 0; i < SWB_DMA_PAGES * SWB_PAGE / 8; i++)
		va[i] = i * 0x9e3779b97f4a7c15ULL;
	err = swb_raw_pass(sess, BLK_WRITE, a->disk, pa, a->raw_mb, &wns);
	if (!err)
		err = swb_raw_pass(sess, BLK_READ, a->disk, pa, a->raw_mb,
				   &rns);
	if (err)
		return err;
	swb_report_rate("raw_write_mibps", a->raw_mb * SWB_MIB, wns);
	swb_report_rate("raw_read_mibps", a->raw_mb * SWB_MIB, rns);
	return 0;
}

/* ---- swap -------------------------------------------------------------- */

static int swb_map(uint64_t bytes, volatile uint64_t **out)
{
	void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return -ENOMEM;
	*out = p;
	return 0;
}

static void swb_write(volatile uint64_t *base, uint64_t bytes)
{
	for (uint64_t i = 0; i < bytes / 8; i++)
		base[i] = i;
}

static int swb_swapout(const void *arg)
{
	const struct swb_args *a = arg;
	uint64_t bytes = a->out_mb * SWB_MIB, out0, out1, t0, t1;
	volatile uint64_t *base;

	if (swb_map(bytes, &base))
		return -ENOMEM;
	out0 = swb_vmstat("pswpout");
	t0 = bench_now_ns();
	swb_write(base, bytes);
	t1 = bench_now_ns();
	out1 = swb_vmstat("pswpout");
	munmap((void *)base, bytes);
	if (out1 == out0)
		return -EIO;	/* nothing reached swap: no swap disk? */
	swb_report_rate("swapout_mibps", (out1 - out0) * SWB_PAGE, t1 - t0);
	swb_report_count("swapout_pages", out1 - out0, "pages");
	swb_report_count("swapout_region_mib", a->out_mb, "MiB");
	return 0;
}

/* A region of mb MiB, written, then all of it sent to swap at once. */
static int swb_paged_out(uint64_t mb, volatile uint64_t **base)
{
	uint64_t bytes = mb * SWB_MIB;

	if (swb_map(bytes, base))
		return -ENOMEM;
	swb_write(*base, bytes);
	if (madvise((void *)*base, bytes, MADV_PAGEOUT)) {
		munmap((void *)*base, bytes);
		return -errno;
	}
	return 0;
}

static int swb_swapin(const void *arg)
{
	const struct swb_args *a = arg;
	uint64_t bytes = a->in_mb * SWB_MIB, t0, t1;
	uint64_t in0, maj0, hit0, flt0, ar0;
	volatile uint64_t *base;
	uint64_t sum = 0;
	int err = swb_paged_out(a->in_mb, &base);

	if (err)
		return err;
	in0 = swb_vmstat("pswpin");
	maj0 = swb_vmstat("pgmajfault");
	hit0 = swb_vmstat("swap_ra_hit");
	flt0 = swb_vmstat("pgfault");
	ar0 = swb_vmstat("swap_map_around");
	t0 = bench_now_ns();
	for (uint64_t off = 0; off < bytes / 8; off += SWB_PAGE / 8)
		sum += base[off];
	t1 = bench_now_ns();
	if (sum != (bytes / 8 / (SWB_PAGE / 8)) * (bytes / 8 - SWB_PAGE / 8) / 2)
		printf("swapbench: swapin read back the wrong data\n");
	swb_report_rate("swapin_mibps", bytes, t1 - t0);
	swb_report_count("swapin_pages", swb_vmstat("pswpin") - in0, "pages");
	swb_report_count("swapin_majfaults", swb_vmstat("pgmajfault") - maj0,
			 "faults");
	swb_report_count("swapin_ra_hits", swb_vmstat("swap_ra_hit") - hit0,
			 "pages");
	swb_report_count("swapin_faults", swb_vmstat("pgfault") - flt0,
			 "faults");
	swb_report_count("swapin_mapped_around",
			 swb_vmstat("swap_map_around") - ar0, "pages");
	munmap((void *)base, bytes);
	return 0;
}

/* xorshift64: a fixed, repeatable order of touches */
static uint64_t swb_rand(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static int swb_majfault(const void *arg)
{
	const struct swb_args *a = arg;
	uint64_t slots = a->in_mb * SWB_MIB / SWB_PAGE / SWB_RA_STRIDE;
	uint64_t n = a->faults < slots ? a->faults : slots;
	uint64_t *order = malloc(slots * sizeof(*order)), seed = 88172645463325252ULL;
	uint64_t maj0, maj1, in0, t0, t1, sum = 0;
	volatile uint64_t *base;
	int err;

	if (!order)
		return -ENOMEM;
	for (uint64_t i = 0; i < slots; i++)
		order[i] = i;
	for (uint64_t i = slots - 1; i > 0; i--) {	/* Fisher-Yates */
		uint64_t j = swb_rand(&seed) % (i + 1), t = order[i];

		order[i] = order[j];
		order[j] = t;
	}
	err = swb_paged_out(a->in_mb, &base);
	if (err)
		goto out;
	maj0 = swb_vmstat("pgmajfault");
	in0 = swb_vmstat("pswpin");
	t0 = bench_now_ns();
	for (uint64_t i = 0; i < n; i++)
		sum += base[order[i] * SWB_RA_STRIDE * (SWB_PAGE / 8)];
	t1 = bench_now_ns();
	maj1 = swb_vmstat("pgmajfault");
	(void)sum;
	if (maj1 == maj0) {
		err = -EIO;
	} else {
		bench_report("majfault_ns", "", t1 - t0, "ns", maj1 - maj0);
		swb_report_count("majfault_touches", n, "pages");
		swb_report_count("majfault_pages_read",
				 swb_vmstat("pswpin") - in0, "pages");
	}
	munmap((void *)base, a->in_mb * SWB_MIB);
out:
	free(order);
	return err;
}

int main(int argc, char **argv)
{
	uint64_t memtotal_kb = 64 * 1024;
	struct swb_args a;
	const struct bench_case cases[] = {
		{ "raw", swb_raw, &a },
		{ "swapout", swb_swapout, &a },
		{ "swapin", swb_swapin, &a },
		{ "majfault", swb_majfault, &a },
	};

	if (mlock(swb_recvbuf, sizeof(swb_recvbuf)) ||
	    sys2(SYS_IPC_SET_RECVBUF, swb_recvbuf, IPC_BUF_MAX)) {
		bench_fail("swapbench", "cannot register a receive buffer");
		return 1;
	}
	swb_info(MM_INFO_MEMINFO, "MemTotal", &memtotal_kb);
	a = (struct swb_args){
		.disk = bench_arg_u64(argc, argv, "disk", 0),
		.raw_mb = bench_arg_u64(argc, argv, "raw_mb", SWB_RAW_MB),
		.out_mb = bench_arg_u64(argc, argv, "out_mb",
					3 * memtotal_kb / 1024),
		.in_mb = bench_arg_u64(argc, argv, "in_mb", SWB_IN_MB),
		.faults = bench_arg_u64(argc, argv, "faults", SWB_FAULTS),
	};
	return bench_run_cases(argc, argv, cases,
			       (int)(sizeof(cases) / sizeof(cases[0])));
}

#else
/* ==== Linux side: nothing to compare against here ==================== */

static const char *const swb_names[] = {
	"raw_write_mibps", "raw_read_mibps", "swapout_mibps", "swapin_mibps",
	"majfault_ns",
};

int main(void)
{
	for (size_t i = 0; i < sizeof(swb_names) / sizeof(swb_names[0]); i++)
		printf("BENCH-SKIP %s pagerk only (ipc/blk.h)\n",
		       swb_names[i]);
	return 0;
}
#endif
