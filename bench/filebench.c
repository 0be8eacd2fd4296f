/*
 * filebench.c - reading files through the page cache (mmap and read()),
 * next to the raw throughput of the same virtio-blk disk in the same run,
 * and the cost of a fault on a page that is already cached.
 *
 * The data files live on a disk image made on the host (tools/bench makes
 * it with `mke2fs -t ext2 -b 4096 -d`): in directory `dir`, four files of
 * file_mb MiB that nothing has read yet (cold-seq-mmap, cold-seq-read,
 * cold-rand-mmap, cold-rand-read) and one of hot_mb MiB (hot).  The first
 * 8 bytes of page p of every file hold p, so each case checks the data it
 * reads.  Cases, in this order (select with only=NAME,...):
 *
 *	raw	  read raw_mb MiB of the disk itself from sector 0 on, one
 *		  128 KiB request at a time: raw_read_mibps; then the same
 *		  with 64 KiB requests (what the cost per request does):
 *		  raw_read_64k_mibps
 *	seq_mmap  map cold-seq-mmap read-only (MAP_SHARED) and read one word
 *		  of every page in order: seq_mmap_mibps (file bytes / time)
 *	seq_read  read() cold-seq-read start to end, chunk_kb at a time:
 *		  seq_read_mibps
 *	rand_mmap touch rand_pages distinct pages of a mapping of
 *		  cold-rand-mmap in a fixed random order: rand_mmap_mibps
 *		  (pages touched x 4 KiB / time)
 *	rand_read pread() the same pages of cold-rand-read, 4 KiB each:
 *		  rand_read_mibps
 *	cached_fault  read() all of hot (so it is cached), map it, touch
 *		  every page once untimed and unmap (warm-up), then map it
 *		  again and touch every page once: cached_fault_ns and
 *		  _cycles per page touched, cached_fault_faults the faults
 *		  that took (file fault-around maps several pages per fault
 *		  on both systems)
 *	seq_write write a new file (seq-write) of file_mb MiB with write(),
 *		  chunk_kb at a time, and fsync it: seq_write_mibps (until
 *		  fsync returns); the file is removed afterwards
 *
 * Every case also reports what the system did: _faults (page
 * faults), _majfaults, _pages_read (pages read from the disk) and, on
 * pagerk, _file_faults (pgfault_file), _ra_pages (file_readahead_pages),
 * _mapped_around (file_map_around), _io_async (io_async_reads: windows mm's
 * I/O thread read) and _io_waits (io_waits: accesses that waited for one),
 * from vmstat (pagerk: MM_INFO; Linux:
 * /proc/vmstat, and sectors read of vda in /proc/diskstats).
 *
 * Cold: on pagerk the guest is freshly booted and each cold file is read
 * by one case only, so nothing of it is cached when its case starts (fs
 * keeps no copies of file blocks it hands to mm).  On Linux the files are
 * on a disk mounted by this program (noatime: reads write nothing), and
 * every cold case
 * starts with `echo 3 > /proc/sys/vm/drop_caches` as well.
 *
 * Arguments: dir= (pagerk default /filebench; Linux /mnt/filebench),
 * file_mb= (48), hot_mb= (16), raw_mb= (48), rand_pages= (2048), chunk_kb=
 * (128), disk= (pagerk blk disk, 0).  Rates are MiB/s of the guest's clock
 * with one fractional digit.
 *
 * Linux: the initramfs has no disk drivers built in, so this program loads
 * the modules tools/linux-guest/fetch-kernel extracted
 * (/lib/modules/order: virtio_pci, virtio_blk, ext4 and what they need)
 * with finit_module, mounts devtmpfs on /dev and proc on /proc, and mounts
 * /dev/vda on /mnt (noatime).  Without a disk every case fails with ENODEV
 * (tools/bench attaches the image with --qemu-flags).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE	/* O_DIRECT */
#endif
#include "bench.h"

#include <fcntl.h>
#include <stdint.h>
#include <sys/mman.h>
#include <unistd.h>

#define FB_PAGE		4096ULL
#define FB_MIB		(1ULL << 20)
#define FB_FILE_MB	48
#define FB_HOT_MB	16
#define FB_RAW_MB	48
#define FB_RAND_PAGES	2048
#define FB_CHUNK_KB	128
#define FB_RAW_REQ	(128 * 1024ULL)	/* bytes per raw request */

struct fb_args {
	const char *dir;
	uint64_t file_mb, hot_mb, raw_mb, rand_pages, chunk_kb, disk;
};

/* What the system counted; ~0 for a counter it does not have. */
struct fb_cnt {
	uint64_t faults, majfaults, pages_read;
	uint64_t file_faults, ra_pages, mapped_around, io_async, io_waits;
};

static const char *fb_cnt_names[] = {
	"faults", "majfaults", "pages_read",
	"file_faults", "ra_pages", "mapped_around", "io_async", "io_waits",
};

static void fb_report_rate(const char *name, uint64_t bytes, uint64_t ns)
{
	unsigned __int128 t = (unsigned __int128)bytes * 10 *
			      BENCH_NSEC_PER_SEC / FB_MIB;

	t = ns ? t / ns : 0;
	printf("BENCH %s %llu.%llu MiB/s\n", name,
	       (unsigned long long)(t / 10), (unsigned long long)(t % 10));
	fflush(stdout);
}

static void fb_report_count(const char *c, const char *what, uint64_t n)
{
	printf("BENCH %s_%s %llu.0 %s\n", c, what, (unsigned long long)n,
	       strstr(what, "faults") ? "faults" :
	       strstr(what, "io_") ? "times" : "pages");
	fflush(stdout);
}

/* Each system's block below defines these. */
static int fb_setup(const struct fb_args *a);
static int fb_drop_caches(void);
static void fb_counters(struct fb_cnt *c);
static int fb_raw_read(const struct fb_args *a, uint64_t bytes,
		       uint64_t req, uint64_t *ns);

static void fb_report_counters(const char *c, const struct fb_cnt *b,
			       const struct fb_cnt *e)
{
	const uint64_t *bv = &b->faults, *ev = &e->faults;

	for (unsigned i = 0; i < sizeof(fb_cnt_names) / sizeof(*fb_cnt_names);
	     i++)
		if (bv[i] != ~0ULL && ev[i] != ~0ULL)
			fb_report_count(c, fb_cnt_names[i], ev[i] - bv[i]);
}

static int fb_open(const struct fb_args *a, const char *name, uint64_t *size)
{
	char path[256];
	int fd;
	off_t end;

	snprintf(path, sizeof(path), "%s/%s", a->dir, name);
	fd = open(path, O_RDONLY);
	if (fd < 0) {
		printf("filebench: cannot open %s: errno %d\n", path, errno);
		return -errno;
	}
	end = lseek(fd, 0, SEEK_END);
	if (end < 0 || lseek(fd, 0, SEEK_SET) < 0) {
		close(fd);
		return -EIO;
	}
	*size = (uint64_t)end;
	return fd;
}

/* The cold file name, opened, size checked against file_mb. */
static int fb_open_cold(const struct fb_args *a, const char *name,
			uint64_t *size)
{
	int fd, err = fb_drop_caches();

	if (err)
		return err;
	fd = fb_open(a, name, size);
	if (fd >= 0 && *size < a->file_mb * FB_MIB) {
		printf("filebench: %s is %llu bytes, not %llu MiB\n", name,
		       (unsigned long long)*size,
		       (unsigned long long)a->file_mb);
		close(fd);
		return -EINVAL;
	}
	return fd;
}

/* ---- raw ---------------------------------------------------------------- */

static int fb_raw(const void *arg)
{
	const struct fb_args *a = arg;
	uint64_t ns = 0, ns64 = 0;
	int err = fb_raw_read(a, a->raw_mb * FB_MIB, FB_RAW_REQ, &ns);

	if (!err)
		err = fb_raw_read(a, a->raw_mb * FB_MIB, FB_RAW_REQ / 2, &ns64);
	if (err)
		return err;
	fb_report_rate("raw_read_mibps", a->raw_mb * FB_MIB, ns);
	fb_report_rate("raw_read_64k_mibps", a->raw_mb * FB_MIB, ns64);
	return 0;
}

/* ---- sequential ------------------------------------------------------------ */

static int fb_seq_mmap(const void *arg)
{
	const struct fb_args *a = arg;
	uint64_t size, bytes = a->file_mb * FB_MIB, bad = 0, t0, t1;
	struct fb_cnt c0, c1;
	volatile uint64_t *p;
	int fd = fb_open_cold(a, "cold-seq-mmap", &size);

	if (fd < 0)
		return fd;
	p = mmap(NULL, bytes, PROT_READ, MAP_SHARED, fd, 0);
	close(fd);
	if (p == MAP_FAILED)
		return -errno;
	fb_counters(&c0);
	t0 = bench_now_ns();
	for (uint64_t i = 0; i < bytes / FB_PAGE; i++)
		bad += p[i * (FB_PAGE / 8)] != i;
	t1 = bench_now_ns();
	fb_counters(&c1);
	munmap((void *)p, bytes);
	if (bad)
		return -EIO;
	fb_report_rate("seq_mmap_mibps", bytes, t1 - t0);
	fb_report_counters("seq_mmap", &c0, &c1);
	return 0;
}

static int fb_seq_read(const void *arg)
{
	const struct fb_args *a = arg;
	uint64_t size, bytes = a->file_mb * FB_MIB, chunk = a->chunk_kb * 1024;
	uint64_t bad = 0, done = 0, t0, t1;
	struct fb_cnt c0, c1;
	uint64_t *buf;
	int fd = fb_open_cold(a, "cold-seq-read", &size);

	if (fd < 0)
		return fd;
	buf = malloc(chunk);
	if (!buf) {
		close(fd);
		return -ENOMEM;
	}
	memset(buf, 0, chunk);		/* fault the buffer in first */
	fb_counters(&c0);
	t0 = bench_now_ns();
	while (done < bytes) {
		ssize_t n = read(fd, buf, chunk);

		if (n <= 0 || n % FB_PAGE)
			break;
		for (uint64_t i = 0; i < (uint64_t)n / FB_PAGE; i++)
			bad += buf[i * (FB_PAGE / 8)] != done / FB_PAGE + i;
		done += (uint64_t)n;
	}
	t1 = bench_now_ns();
	fb_counters(&c1);
	free(buf);
	close(fd);
	if (bad || done < bytes)
		return -EIO;
	fb_report_rate("seq_read_mibps", bytes, t1 - t0);
	fb_report_counters("seq_read", &c0, &c1);
	return 0;
}

/*
 * Write a new file (seq-write) of file_mb MiB with write(), chunk_kb at a
 * time, then fsync: seq_write_mibps counts until fsync has returned.
 */
static int fb_seq_write(const void *arg)
{
	const struct fb_args *a = arg;
	uint64_t bytes = a->file_mb * FB_MIB, chunk = a->chunk_kb * 1024;
	uint64_t done = 0, t0, t1;
	struct fb_cnt c0, c1;
	char path[256];
	uint64_t *buf;
	int fd;

	snprintf(path, sizeof(path), "%s/seq-write", a->dir);
	buf = malloc(chunk);
	if (!buf)
		return -ENOMEM;
	memset(buf, 0xa5, chunk);	/* fault the buffer in first */
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
	if (fd < 0) {
		free(buf);
		return -errno;
	}
	fb_counters(&c0);
	t0 = bench_now_ns();
	while (done < bytes) {
		ssize_t n;

		for (uint64_t i = 0; i < chunk / FB_PAGE; i++)
			buf[i * (FB_PAGE / 8)] = done / FB_PAGE + i;
		n = write(fd, buf, chunk);
		if (n != (ssize_t)chunk)
			break;
		done += (uint64_t)n;
	}
	if (done == bytes && fsync(fd))
		done = 0;
	t1 = bench_now_ns();
	fb_counters(&c1);
	free(buf);
	close(fd);
	unlink(path);
	if (done < bytes)
		return -EIO;
	fb_report_rate("seq_write_mibps", bytes, t1 - t0);
	fb_report_counters("seq_write", &c0, &c1);
	return 0;
}

/* ---- random ---------------------------------------------------------------- */

/* xorshift64: a fixed, repeatable order */
static uint64_t fb_rand(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* The first n of a fixed random permutation of the file's pages. */
static uint64_t *fb_order(const struct fb_args *a, uint64_t *n)
{
	uint64_t pages = a->file_mb * FB_MIB / FB_PAGE;
	uint64_t seed = 88172645463325252ULL, *o = malloc(pages * sizeof(*o));

	if (!o)
		return NULL;
	for (uint64_t i = 0; i < pages; i++)
		o[i] = i;
	for (uint64_t i = pages - 1; i > 0; i--) {	/* Fisher-Yates */
		uint64_t j = fb_rand(&seed) % (i + 1), t = o[i];

		o[i] = o[j];
		o[j] = t;
	}
	*n = a->rand_pages < pages ? a->rand_pages : pages;
	return o;
}

static int fb_rand_mmap(const void *arg)
{
	const struct fb_args *a = arg;
	uint64_t size, bytes = a->file_mb * FB_MIB, bad = 0, n, t0, t1;
	struct fb_cnt c0, c1;
	volatile uint64_t *p;
	uint64_t *o = fb_order(a, &n);
	int fd;

	if (!o)
		return -ENOMEM;
	fd = fb_open_cold(a, "cold-rand-mmap", &size);
	if (fd < 0) {
		free(o);
		return fd;
	}
	p = mmap(NULL, bytes, PROT_READ, MAP_SHARED, fd, 0);
	close(fd);
	if (p == MAP_FAILED) {
		free(o);
		return -errno;
	}
	fb_counters(&c0);
	t0 = bench_now_ns();
	for (uint64_t i = 0; i < n; i++)
		bad += p[o[i] * (FB_PAGE / 8)] != o[i];
	t1 = bench_now_ns();
	fb_counters(&c1);
	munmap((void *)p, bytes);
	free(o);
	if (bad)
		return -EIO;
	fb_report_rate("rand_mmap_mibps", n * FB_PAGE, t1 - t0);
	fb_report_counters("rand_mmap", &c0, &c1);
	return 0;
}

static int fb_rand_read(const void *arg)
{
	const struct fb_args *a = arg;
	uint64_t size, bad = 0, n, t0, t1, i;
	uint64_t *buf = malloc(FB_PAGE), *o = fb_order(a, &n);
	struct fb_cnt c0, c1;
	int fd;

	if (!o || !buf) {
		free(o);
		free(buf);
		return -ENOMEM;
	}
	fd = fb_open_cold(a, "cold-rand-read", &size);
	if (fd < 0) {
		free(o);
		free(buf);
		return fd;
	}
	memset(buf, 0, FB_PAGE);
	fb_counters(&c0);
	t0 = bench_now_ns();
	for (i = 0; i < n; i++) {
		if (pread(fd, buf, FB_PAGE, (off_t)(o[i] * FB_PAGE)) !=
		    (ssize_t)FB_PAGE)
			break;
		bad += buf[0] != o[i];
	}
	t1 = bench_now_ns();
	fb_counters(&c1);
	close(fd);
	free(o);
	free(buf);
	if (bad || i < n)
		return -EIO;
	fb_report_rate("rand_read_mibps", n * FB_PAGE, t1 - t0);
	fb_report_counters("rand_read", &c0, &c1);
	return 0;
}

/* ---- cached-page faults ------------------------------------------------------ */

/* Touch every page of a fresh mapping of fd once; stamps around it. */
static int fb_touch(int fd, uint64_t bytes, struct bench_stamp *s0,
		    struct bench_stamp *s1, struct fb_cnt *c0,
		    struct fb_cnt *c1)
{
	volatile uint64_t *p = mmap(NULL, bytes, PROT_READ, MAP_SHARED, fd, 0);
	uint64_t bad = 0;

	if (p == MAP_FAILED)
		return -errno;
	fb_counters(c0);
	bench_stamp(s0);
	for (uint64_t i = 0; i < bytes / FB_PAGE; i++)
		bad += p[i * (FB_PAGE / 8)] != i;
	bench_stamp(s1);
	fb_counters(c1);
	munmap((void *)p, bytes);
	return bad ? -EIO : 0;
}

static int fb_cached_fault(const void *arg)
{
	const struct fb_args *a = arg;
	uint64_t size, bytes = a->hot_mb * FB_MIB, chunk = 128 * 1024, done = 0;
	struct bench_stamp s0, s1;
	struct fb_cnt c0, c1;
	char *buf = malloc(chunk);
	int fd = fb_open(a, "hot", &size), err;

	if (fd < 0 || !buf) {
		free(buf);
		return fd < 0 ? fd : -ENOMEM;
	}
	while (done < bytes) {		/* bring all of it into the cache */
		ssize_t n = read(fd, buf, chunk);

		if (n <= 0)
			break;
		done += (uint64_t)n;
	}
	free(buf);
	err = done < bytes ? -EIO : fb_touch(fd, bytes, &s0, &s1, &c0, &c1);
	if (!err)
		err = fb_touch(fd, bytes, &s0, &s1, &c0, &c1);
	close(fd);
	if (err)
		return err;
	bench_report_interval("cached_fault", &s0, &s1, bytes / FB_PAGE);
	fb_report_counters("cached_fault", &c0, &c1);
	return 0;
}

#ifdef __pagerk__
/* ==== pagerk side ==================================================== */

#include <ipc/blk.h>
#include <ipc/mm.h>
#include <ipc/usys.h>
#include "bench_pagerk.h"

#define FB_DMA_PAGES	(BLK_MAX_SECTORS * BLK_SECTOR_SIZE / FB_PAGE)

/* lib/c's receive buffer (lib/c/sys/start.c): MM_INFO's text lands here. */
extern char __libc_recvbuf[IPC_BUF_MAX];

static int fb_setup(const struct fb_args *a)
{
	(void)a;
	return mlock(__libc_recvbuf, IPC_BUF_MAX) ? -errno : 0;
}

/* A fresh boot: each cold file is read by its own case only. */
static int fb_drop_caches(void)
{
	return 0;
}

static int fb_vmstat_all(const char *const *keys, uint64_t *vals, unsigned n)
{
	struct mm_info_rep rp;
	uint64_t rtag;
	long err = mm_req_info(H_MM,
			       &(struct mm_info_req){ .kind = MM_INFO_VMSTAT },
			       &rp, &rtag);

	for (unsigned i = 0; i < n; i++)
		vals[i] = ~0ULL;
	if (err)
		return (int)err;
	__libc_recvbuf[IPC_TAG_BUFLEN(rtag) < IPC_BUF_MAX ?
		       IPC_TAG_BUFLEN(rtag) : IPC_BUF_MAX - 1] = 0;
	for (char *l = __libc_recvbuf; l; l = strchr(l, '\n')) {
		l += *l == '\n';
		for (unsigned i = 0; i < n; i++) {
			size_t klen = strlen(keys[i]);

			if (!strncmp(l, keys[i], klen) && l[klen] == ' ')
				vals[i] = strtoull(l + klen + 1, NULL, 10);
		}
	}
	return 0;
}

static void fb_counters(struct fb_cnt *c)
{
	static const char *const keys[] = {
		"pgfault", "pgmajfault", "file_pages_read", "pgfault_file",
		"file_readahead_pages", "file_map_around", "io_async_reads",
		"io_waits",
	};

	fb_vmstat_all(keys, &c->faults, 8);
}

/* A session on blk with a DMA buffer of one largest request. */
static int fb_blk_open(uint64_t *sess, uint64_t *pa)
{
	return bench_blk_open(FB_DMA_PAGES, sess, pa, NULL);
}

/* As bench/swapbench.c's raw case: BLK_READ, req bytes per request. */
static int fb_raw_read(const struct fb_args *a, uint64_t bytes, uint64_t req,
		       uint64_t *ns)
{
	static uint64_t sess, pa;
	uint64_t nreq, t0, sect = req / BLK_SECTOR_SIZE;
	int err = sess ? 0 : fb_blk_open(&sess, &pa);

	if (err)
		return err;
	if (sect == 0 || sect > BLK_MAX_SECTORS)
		return -EINVAL;
	nreq = bytes / req;
	t0 = bench_now_ns();
	for (uint64_t i = 0; i < nreq; i++) {
		struct ipc_msg m = { .w = { a->disk, i * sect, sect, pa } };
		long e = ipc_request(sess, BLK_READ, 4, &m, NULL, 0);

		if (e)
			return (int)e;
	}
	*ns = bench_now_ns() - t0;
	return 0;
}

#define FB_DEFAULT_DIR	"/filebench"

#else
/* ==== Linux side ===================================================== */

#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#define FB_MODULES	"/lib/modules"
#define FB_DEV		"/dev/vda"
#define FB_MNT		"/mnt"

/* Load each module named in /lib/modules/order, in that order. */
static void fb_load_modules(void)
{
	char name[128], path[256];
	FILE *f = fopen(FB_MODULES "/order", "r");

	if (!f) {
		printf("filebench: no " FB_MODULES "/order: no disk drivers\n");
		return;
	}
	while (fscanf(f, "%127s", name) == 1) {
		int fd;

		snprintf(path, sizeof(path), FB_MODULES "/%s.ko", name);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0 || (syscall(SYS_finit_module, fd, "", 0) &&
			       errno != EEXIST))
			printf("filebench: cannot load %s: errno %d\n", name,
			       errno);
		if (fd >= 0)
			close(fd);
	}
	fclose(f);
}

static int fb_setup(const struct fb_args *a)
{
	struct stat st;
	int i;

	(void)a;
	mkdir("/proc", 0555);
	mount("proc", "/proc", "proc", 0, NULL);	/* EBUSY if mounted */
	fb_load_modules();
	mount("devtmpfs", "/dev", "devtmpfs", 0, NULL);
	for (i = 0; i < 500 && stat(FB_DEV, &st); i++)
		usleep(10000);
	if (stat(FB_DEV, &st)) {
		printf("filebench: no " FB_DEV "\n");
		return -ENODEV;
	}
	mkdir(FB_MNT, 0755);
	if (mount(FB_DEV, FB_MNT, "ext2", MS_NOATIME, NULL) &&
	    mount(FB_DEV, FB_MNT, "ext4", MS_NOATIME, NULL) && errno != EBUSY) {
		printf("filebench: cannot mount " FB_DEV ": errno %d\n", errno);
		return -errno;
	}
	return 0;
}

static int fb_drop_caches(void)
{
	int fd = open("/proc/sys/vm/drop_caches", O_WRONLY);
	int ok = fd >= 0 && write(fd, "3\n", 2) == 2;

	sync();
	if (fd >= 0)
		close(fd);
	if (!ok)
		printf("filebench: cannot drop caches: errno %d\n", errno);
	return ok ? 0 : -EPERM;
}

static uint64_t fb_proc_vmstat(const char *key)
{
	char k[64];
	unsigned long long v;
	uint64_t r = ~0ULL;
	FILE *f = fopen("/proc/vmstat", "r");

	if (!f)
		return r;
	while (fscanf(f, "%63s %llu", k, &v) == 2)
		if (!strcmp(k, key)) {
			r = v;
			break;
		}
	fclose(f);
	return r;
}

/* Sectors read from vda, in pages. */
static uint64_t fb_vda_pages_read(void)
{
	char line[256], dev[32];
	unsigned maj, min;
	unsigned long long rd, rdm, sect;
	uint64_t r = ~0ULL;
	FILE *f = fopen("/proc/diskstats", "r");

	if (!f)
		return r;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%u %u %31s %llu %llu %llu", &maj, &min, dev,
			   &rd, &rdm, &sect) == 6 && !strcmp(dev, "vda")) {
			r = sect * 512 / FB_PAGE;
			break;
		}
	fclose(f);
	return r;
}

static void fb_counters(struct fb_cnt *c)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	*c = (struct fb_cnt){
		.faults = (uint64_t)(ru.ru_minflt + ru.ru_majflt),
		.majfaults = (uint64_t)ru.ru_majflt,
		.pages_read = fb_vda_pages_read(),
		.file_faults = ~0ULL,
		.ra_pages = ~0ULL,
		.mapped_around = ~0ULL,
		.io_async = ~0ULL,
		.io_waits = ~0ULL,
	};
	(void)fb_proc_vmstat;
}

/* O_DIRECT reads of the block device, 128 KiB each: no page cache. */
static int fb_raw_read(const struct fb_args *a, uint64_t bytes, uint64_t req,
		       uint64_t *ns)
{
	void *buf;
	uint64_t done = 0, t0;
	int fd = open(FB_DEV, O_RDONLY | O_DIRECT);

	(void)a;
	if (fd < 0)
		return -errno;
	if (posix_memalign(&buf, FB_PAGE, req)) {
		close(fd);
		return -ENOMEM;
	}
	memset(buf, 0, req);
	t0 = bench_now_ns();
	while (done < bytes) {
		ssize_t n = read(fd, buf, req);

		if (n != (ssize_t)req)
			break;
		done += (uint64_t)n;
	}
	*ns = bench_now_ns() - t0;
	free(buf);
	close(fd);
	return done < bytes ? -EIO : 0;
}

#define FB_DEFAULT_DIR	FB_MNT "/filebench"

#endif

static const char *fb_arg_str(int argc, char **argv, const char *key,
			      const char *def)
{
	size_t len = strlen(key);

	for (int i = 1; i < argc; i++)
		if (!strncmp(argv[i], key, len) && argv[i][len] == '=')
			return argv[i] + len + 1;
	return def;
}

int main(int argc, char **argv)
{
	struct fb_args a = {
		.dir = fb_arg_str(argc, argv, "dir", FB_DEFAULT_DIR),
		.file_mb = bench_arg_u64(argc, argv, "file_mb", FB_FILE_MB),
		.hot_mb = bench_arg_u64(argc, argv, "hot_mb", FB_HOT_MB),
		.raw_mb = bench_arg_u64(argc, argv, "raw_mb", FB_RAW_MB),
		.rand_pages = bench_arg_u64(argc, argv, "rand_pages",
					    FB_RAND_PAGES),
		.chunk_kb = bench_arg_u64(argc, argv, "chunk_kb", FB_CHUNK_KB),
		.disk = bench_arg_u64(argc, argv, "disk", 0),
	};
	const struct bench_case cases[] = {
		{ "raw", fb_raw, &a },
		{ "seq_mmap", fb_seq_mmap, &a },
		{ "seq_read", fb_seq_read, &a },
		{ "rand_mmap", fb_rand_mmap, &a },
		{ "rand_read", fb_rand_read, &a },
		{ "cached_fault", fb_cached_fault, &a },
		{ "seq_write", fb_seq_write, &a },
	};
	int err = fb_setup(&a);

	if (err == -ENODEV) {		/* no disk attached: nothing to read */
		static const char *const names[] = {
			"raw_read_mibps", "seq_mmap_mibps", "seq_read_mibps",
			"rand_mmap_mibps", "rand_read_mibps", "cached_fault_ns",
			"seq_write_mibps",
		};

		for (unsigned i = 0; i < sizeof(names) / sizeof(*names); i++)
			printf("BENCH-SKIP %s no disk attached\n", names[i]);
		return 0;
	}
	if (err) {
		char reason[32];

		snprintf(reason, sizeof(reason), "setup errno=%d", -err);
		bench_fail("filebench", reason);
		return 1;
	}
	return bench_run_cases(argc, argv, cases,
			       (int)(sizeof(cases) / sizeof(cases[0])));
}
