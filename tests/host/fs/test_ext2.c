/*
 * test_ext2.c - the ext2 code of servers/fs on the host, under ASan/UBSan,
 * against images made by mke2fs and checked by e2fsck and debugfs.
 *
 * Random cases: for block sizes 1, 2 and 4 KiB, an image is made with
 * `mke2fs -d` from a small tree, mounted with a deliberately small block
 * cache (so eviction and write-back run all the time), and a random
 * sequence of operations runs against both the file system and an
 * in-memory model (files as sparse 4 KiB pages).  After every operation
 * ext2_check() must pass and the result must match the model; at the end
 * every file is read back whole, every directory listed, the image synced,
 * remounted and compared again, then `e2fsck -fn` must report it clean and
 * `debugfs -R 'cat PATH'` must give every file byte for byte.
 *
 * Corrupt cases: images with a bad magic, a bad group descriptor, an
 * impossible block size, journal or ext4 features are refused with a
 * reason; out-of-range block pointers and a malformed directory entry give
 * -EIO for that file or directory only.
 *
 * EXT2_TEST_SEED=<n> replays a seed; EXT2_TEST_OPS=<n> sets the number of
 * operations per image.  Output: "PASS fs.ext2.<case>" per case.
 */
#define _GNU_SOURCE
#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "ext2.h"

#define PG		4096
#define MAX_FILES	24
#define MAX_DIRS	6
#define MAX_PAGES	512		/* model pages per file */
#define CACHE_BLOCKS	40

static const char *t_case = "fs.ext2";
static unsigned long long t_seed;
static uint64_t rng;
static char tmpdir[256];

#define T_ASSERT(cond)							\
	do {								\
		if (!(cond)) {						\
			fprintf(stderr, "FAIL %s: %s:%d: %s (seed %llu)\n", \
				t_case, __FILE__, __LINE__, #cond, t_seed); \
			exit(1);					\
		}							\
	} while (0)
#define T_EQ(a, b)							\
	do {								\
		long long _a = (long long)(a), _b = (long long)(b);	\
		if (_a != _b) {						\
			fprintf(stderr, "FAIL %s: %s:%d: %s = %lld, "	\
				"expected %lld (seed %llu)\n", t_case,	\
				__FILE__, __LINE__, #a, _a, _b, t_seed); \
			exit(1);					\
		}							\
	} while (0)

static uint64_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static uint64_t rnd_below(uint64_t n)
{
	return n ? rnd() % n : 0;
}

/* ---- the image file as a block device ---- */

struct img {
	int fd;
	char path[300];
};

static int img_read(void *ctx, uint64_t off, void *buf, size_t len)
{
	struct img *im = ctx;

	assert(off % 512 == 0 && len % 512 == 0);
	return pread(im->fd, buf, len, (off_t)off) == (ssize_t)len ? 0 : -EIO;
}

static int img_write(void *ctx, uint64_t off, const void *buf, size_t len)
{
	struct img *im = ctx;

	assert(off % 512 == 0 && len % 512 == 0);
	return pwrite(im->fd, buf, len, (off_t)off) == (ssize_t)len ? 0 : -EIO;
}

static uint32_t img_now(void *ctx)
{
	(void)ctx;
	return (uint32_t)time(NULL);
}

static int run(const char *fmt, ...)
{
	char cmd[1024];
	va_list ap;
	int st;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	st = system(cmd);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128;
}

static void img_open(struct img *im, struct ext2_bdev *bd)
{
	struct stat st;

	im->fd = open(im->path, O_RDWR);
	T_ASSERT(im->fd >= 0 && fstat(im->fd, &st) == 0);
	*bd = (struct ext2_bdev){ .ctx = im, .size = (uint64_t)st.st_size,
				  .read = img_read, .write = img_write,
				  .now = img_now };
}

/* mke2fs an image of size KiB with block size bs from tree dir (or none). */
static void img_make(struct img *im, const char *name, unsigned bs,
		     unsigned kib, const char *dir, const char *extra)
{
	snprintf(im->path, sizeof(im->path), "%s/%s.img", tmpdir, name);
	unlink(im->path);
	T_EQ(run("mke2fs -q -F -t ext2 -b %u %s %s%s '%s' %uk >/dev/null 2>&1",
		 bs, extra ? extra : "", dir ? "-d " : "", dir ? dir : "",
		 im->path, kib), 0);
}

static void put_file(const char *path, const void *data, size_t len)
{
	FILE *f = fopen(path, "wb");

	T_ASSERT(f && fwrite(data, 1, len, f) == len && fclose(f) == 0);
}

/* ---- the model ---- */

struct mfile {
	bool used, isdir;
	char path[64];
	uint64_t size;
	uint32_t npages;
	uint64_t idx[MAX_PAGES];
	uint8_t *page[MAX_PAGES];
};

static struct mfile files[MAX_FILES];
static struct ext2_fs fs;
static uint8_t cache_mem[CACHE_BLOCKS * 4096];
static uint64_t max_off;		/* largest offset written */

static uint8_t *model_page(struct mfile *f, uint64_t idx, bool make)
{
	for (uint32_t i = 0; i < f->npages; i++)
		if (f->idx[i] == idx)
			return f->page[i];
	if (!make)
		return NULL;
	T_ASSERT(f->npages < MAX_PAGES);
	f->idx[f->npages] = idx;
	f->page[f->npages] = calloc(1, PG);
	return f->page[f->npages++];
}

static void model_write(struct mfile *f, uint64_t off, const uint8_t *src,
			size_t len)
{
	for (size_t i = 0; i < len;) {
		uint64_t pos = off + i;
		size_t n = PG - pos % PG;

		if (n > len - i)
			n = len - i;
		memcpy(model_page(f, pos / PG, true) + pos % PG, src + i, n);
		i += n;
	}
	if (off + len > f->size)
		f->size = off + len;
}

static void model_read(struct mfile *f, uint64_t off, uint8_t *dst,
		       size_t len)
{
	for (size_t i = 0; i < len;) {
		uint64_t pos = off + i;
		size_t n = PG - pos % PG;
		uint8_t *p;

		if (n > len - i)
			n = len - i;
		p = model_page(f, pos / PG, false);
		if (p)
			memcpy(dst + i, p + pos % PG, n);
		else
			memset(dst + i, 0, n);
		i += n;
	}
}

static void model_truncate(struct mfile *f, uint64_t size)
{
	for (uint32_t i = 0; i < f->npages;) {
		if (f->idx[i] * PG >= size) {
			free(f->page[i]);
			f->page[i] = f->page[--f->npages];
			f->idx[i] = f->idx[f->npages];
			continue;
		}
		if (f->idx[i] * PG + PG > size)
			memset(f->page[i] + size % PG, 0, PG - size % PG);
		i++;
	}
	f->size = size;
}

static void model_drop(struct mfile *f)
{
	model_truncate(f, 0);
	f->used = false;
}

static struct mfile *model_find(const char *path)
{
	for (int i = 0; i < MAX_FILES; i++)
		if (files[i].used && !strcmp(files[i].path, path))
			return &files[i];
	return NULL;
}

static struct mfile *model_new(const char *path, bool isdir)
{
	for (int i = 0; i < MAX_FILES; i++)
		if (!files[i].used) {
			memset(&files[i], 0, sizeof(files[i]));
			files[i].used = true;
			files[i].isdir = isdir;
			snprintf(files[i].path, sizeof(files[i].path), "%s",
				 path);
			return &files[i];
		}
	return NULL;
}

/* Is anything in the model below directory path? */
static bool model_has_children(const char *dir)
{
	size_t n = strlen(dir);

	for (int i = 0; i < MAX_FILES; i++)
		if (files[i].used && !strncmp(files[i].path, dir, n) &&
		    files[i].path[n] == '/')
			return true;
	return false;
}

static void model_reset(void)
{
	for (int i = 0; i < MAX_FILES; i++)
		if (files[i].used)
			model_drop(&files[i]);
}

/* ---- checks against the model ---- */

static void fill(uint8_t *p, size_t n)
{
	uint64_t x = rnd();

	for (size_t i = 0; i < n; i++) {
		if (i % 8 == 0)
			x = rnd();
		p[i] = (uint8_t)(x >> (i % 8 * 8));
	}
	if (n && rnd_below(4) == 0)
		memset(p, 0, n / 2);	/* zeros that are data, not holes */
}

static void check_range(struct mfile *f, uint64_t off, size_t len)
{
	static uint8_t a[1 << 20], b[1 << 20];
	uint32_t ino;
	size_t done;

	T_ASSERT(len <= sizeof(a));
	T_EQ(ext2_namei(&fs, f->path, &ino), 0);
	T_EQ(ext2_read(&fs, ino, off, a, len, &done), 0);
	if (off >= f->size)
		T_EQ(done, 0);
	else
		T_EQ(done, off + len > f->size ? f->size - off : len);
	model_read(f, off, b, done);
	for (size_t i = 0; i < done; i++)
		if (a[i] != b[i]) {
			fprintf(stderr, "%s: byte %llu is %#x, expected %#x "
				"(size %llu)\n", f->path,
				(unsigned long long)(off + i), a[i], b[i],
				(unsigned long long)f->size);
			T_ASSERT(!"file content differs from the model");
		}
}

/* The whole file, in 1 MiB pieces, and its size. */
static void check_file(struct mfile *f)
{
	struct ext2_stat st;
	uint32_t ino;

	T_EQ(ext2_namei(&fs, f->path, &ino), 0);
	T_EQ(ext2_stat(&fs, ino, &st), 0);
	if (f->isdir) {
		T_ASSERT(EXT2_ISDIR(st.mode));
		return;
	}
	T_ASSERT(EXT2_ISREG(st.mode));
	T_EQ(st.size, f->size);
	for (uint64_t off = 0; off < f->size; off += 1 << 20)
		check_range(f, off, 1 << 20);
}

/* Directory path lists exactly the model's entries below it. */
static void check_dir(const char *path)
{
	struct ext2_dent d;
	uint64_t pos = 0;
	uint32_t ino;
	int seen = 0, want = 0, err;
	size_t n = strlen(path);
	char full[400];

	T_EQ(ext2_namei(&fs, path, &ino), 0);
	while (!(err = ext2_readdir(&fs, ino, &pos, &d))) {
		if (!strcmp(d.name, ".") || !strcmp(d.name, "..") ||
		    !strcmp(d.name, "lost+found"))
			continue;
		snprintf(full, sizeof(full), "%s/%s", n > 1 ? path : "",
			 d.name);
		if (!model_find(full)) {
			fprintf(stderr, "unexpected entry %s\n", full);
			T_ASSERT(0);
		}
		seen++;
	}
	T_EQ(err, -ENOENT);
	for (int i = 0; i < MAX_FILES; i++) {
		const char *p = files[i].path, *slash;

		if (!files[i].used)
			continue;
		slash = strrchr(p, '/');
		if ((size_t)(slash - p) == (n > 1 ? n : 0) &&
		    !strncmp(p, path, slash - p))
			want++;
	}
	T_EQ(seen, want);
}

static void check_all(void)
{
	T_EQ(ext2_check(&fs), 0);
	check_dir("/");
	for (int i = 0; i < MAX_FILES; i++) {
		if (!files[i].used)
			continue;
		check_file(&files[i]);
		if (files[i].isdir)
			check_dir(files[i].path);
	}
}

/* e2fsck clean, and debugfs gives every file as the model has it. */
static void check_host(struct img *im)
{
	char out[400];
	static uint8_t want[1 << 20];

	if (run("e2fsck -fn '%s' >'%s/fsck.log' 2>&1", im->path, tmpdir)) {
		run("cat '%s/fsck.log' >&2", tmpdir);
		T_ASSERT(!"e2fsck found problems");
	}
	snprintf(out, sizeof(out), "%s/cat.out", tmpdir);
	for (int i = 0; i < MAX_FILES; i++) {
		struct mfile *f = &files[i];
		FILE *fp;

		if (!f->used || f->isdir)
			continue;
		T_EQ(run("debugfs -R 'cat %s' '%s' >'%s' 2>/dev/null",
			 f->path, im->path, out), 0);
		fp = fopen(out, "rb");
		T_ASSERT(fp);
		for (uint64_t off = 0; off < f->size; off += sizeof(want)) {
			size_t n = f->size - off < sizeof(want) ?
				   (size_t)(f->size - off) : sizeof(want);
			static uint8_t got[1 << 20];

			T_EQ(fread(got, 1, n, fp), n);
			model_read(f, off, want, n);
			T_ASSERT(memcmp(got, want, n) == 0);
		}
		T_EQ(fgetc(fp), EOF);
		fclose(fp);
	}
}

static void mount_ok(struct img *im, struct ext2_bdev *bd)
{
	int err = ext2_mount(&fs, bd, cache_mem, sizeof(cache_mem));

	if (err)
		fprintf(stderr, "mount %s: %s\n", im->path, fs.why);
	T_EQ(err, 0);
}

/* ---- random operations ---- */

static struct mfile *pick(bool isdir)
{
	int n = 0, k;

	for (int i = 0; i < MAX_FILES; i++)
		n += files[i].used && files[i].isdir == isdir;
	if (!n)
		return NULL;
	k = (int)rnd_below((uint64_t)n);
	for (int i = 0; i < MAX_FILES; i++)
		if (files[i].used && files[i].isdir == isdir && k-- == 0)
			return &files[i];
	return NULL;
}

/* A path for a new name: in the root or in a model directory. */
static void new_path(char *buf, size_t len, const char *stem)
{
	struct mfile *d = rnd_below(3) ? pick(true) : NULL;

	snprintf(buf, len, "%s/%s%llu", d ? d->path : "", stem,
		 (unsigned long long)rnd_below(40));
}

static uint64_t rand_offset(void)
{
	switch (rnd_below(10)) {
	case 0:
		return rnd_below(max_off);		/* anywhere */
	case 1:
		return rnd_below(64 * 1024);
	default:
		return rnd_below(3 * (uint64_t)fs.bsize + 100);
	}
}

static void op_write(void)
{
	static uint8_t buf[64 * 1024];
	struct mfile *f = rnd_below(4) ? pick(false) : NULL;
	char path[64];
	uint64_t off = rand_offset();
	size_t len = rnd_below(4) ? rnd_below(3 * fs.bsize) :
		     rnd_below(sizeof(buf));
	uint32_t ino;
	size_t done;

	if (!f) {
		const char *name;
		size_t nlen;
		uint32_t dir;

		new_path(path, sizeof(path), "f");
		if (model_find(path))
			return;
		T_EQ(ext2_namei_parent(&fs, path, &dir, &name, &nlen), 0);
		f = model_new(path, false);
		if (!f)
			return;
		T_EQ(ext2_create(&fs, dir, name, nlen, 0644, &ino), 0);
		T_EQ(ext2_create(&fs, dir, name, nlen, 0644, &ino), -EEXIST);
	}
	T_EQ(ext2_namei(&fs, f->path, &ino), 0);
	fill(buf, len);
	if (f->npages + len / PG + 2 >= MAX_PAGES)
		return;
	T_EQ(ext2_write(&fs, ino, off, buf, len, &done), 0);
	T_EQ(done, len);
	model_write(f, off, buf, len);
	check_range(f, off > 100 ? off - 100 : 0, len + 200);
}

static void op_truncate(void)
{
	struct mfile *f = pick(false);
	uint64_t size;
	uint32_t ino;

	if (!f)
		return;
	size = rnd_below(2) ? rnd_below(f->size + 1) : rand_offset();
	T_EQ(ext2_namei(&fs, f->path, &ino), 0);
	T_EQ(ext2_truncate(&fs, ino, size), 0);
	model_truncate(f, size);
	check_range(f, size > 3 * fs.bsize ? size - 3 * fs.bsize : 0,
		    6 * fs.bsize);
}

static void op_unlink(void)
{
	struct mfile *f = pick(false);
	const char *name;
	size_t len;
	uint32_t dir, ino;

	if (!f)
		return;
	T_EQ(ext2_namei_parent(&fs, f->path, &dir, &name, &len), 0);
	T_EQ(ext2_unlink(&fs, dir, name, len), 0);
	T_EQ(ext2_namei(&fs, f->path, &ino), -ENOENT);
	T_EQ(ext2_unlink(&fs, dir, name, len), -ENOENT);
	model_drop(f);
}

static void op_mkdir(void)
{
	char path[64];
	const char *name;
	size_t len;
	uint32_t dir, ino;

	snprintf(path, sizeof(path), "/d%llu",
		 (unsigned long long)rnd_below(8));
	if (model_find(path) || !model_new(path, true))
		return;
	T_EQ(ext2_namei_parent(&fs, path, &dir, &name, &len), 0);
	T_EQ(ext2_mkdir(&fs, dir, name, len, 0755, &ino), 0);
	T_EQ(ext2_mkdir(&fs, dir, name, len, 0755, &ino), -EEXIST);
}

static void op_rmdir(void)
{
	struct mfile *d = pick(true);
	const char *name;
	size_t len;
	uint32_t dir;

	if (!d)
		return;
	T_EQ(ext2_namei_parent(&fs, d->path, &dir, &name, &len), 0);
	if (model_has_children(d->path)) {
		T_EQ(ext2_rmdir(&fs, dir, name, len), -ENOTEMPTY);
		return;
	}
	T_EQ(ext2_unlink(&fs, dir, name, len), -EISDIR);
	T_EQ(ext2_rmdir(&fs, dir, name, len), 0);
	model_drop(d);
}

/* Renames a file (perhaps over another file, perhaps to another dir). */
static void op_rename(void)
{
	struct mfile *f = pick(false), *victim;
	char path[64];
	const char *on, *nn;
	size_t ol, nl;
	uint32_t od, nd;

	if (!f)
		return;
	new_path(path, sizeof(path), rnd_below(2) ? "f" : "r");
	victim = model_find(path);
	if (victim && victim->isdir)
		return;
	T_EQ(ext2_namei_parent(&fs, f->path, &od, &on, &ol), 0);
	T_EQ(ext2_namei_parent(&fs, path, &nd, &nn, &nl), 0);
	T_EQ(ext2_rename(&fs, od, on, ol, nd, nn, nl), 0);
	if (victim && victim != f)
		model_drop(victim);
	snprintf(f->path, sizeof(f->path), "%s", path);
}

/* Renames a directory (with what is in it) to a new name in the root. */
static void op_rename_dir(void)
{
	struct mfile *d = pick(true);
	char path[64], old[64];
	const char *on, *nn;
	size_t ol, nl, n;
	uint32_t od, nd;

	if (!d)
		return;
	snprintf(path, sizeof(path), "/d%llu",
		 (unsigned long long)rnd_below(8));
	if (model_find(path))
		return;
	T_EQ(ext2_namei_parent(&fs, d->path, &od, &on, &ol), 0);
	T_EQ(ext2_namei_parent(&fs, path, &nd, &nn, &nl), 0);
	/* Into itself: refused. */
	{
		uint32_t self;

		T_EQ(ext2_namei(&fs, d->path, &self), 0);
		T_EQ(ext2_rename(&fs, od, on, ol, self, "x", 1), -EINVAL);
	}
	T_EQ(ext2_rename(&fs, od, on, ol, nd, nn, nl), 0);
	snprintf(old, sizeof(old), "%s", d->path);
	n = strlen(old);
	for (int i = 0; i < MAX_FILES; i++) {
		char tmp[64];

		if (!files[i].used || strncmp(files[i].path, old, n) ||
		    (files[i].path[n] && files[i].path[n] != '/'))
			continue;
		snprintf(tmp, sizeof(tmp), "%s%s", path, files[i].path + n);
		snprintf(files[i].path, sizeof(files[i].path), "%s", tmp);
	}
}

static void op_read(void)
{
	struct mfile *f = pick(false);

	if (f)
		check_range(f, rnd_below(f->size + 10), rnd_below(5 * fs.bsize));
}

static void op_bmap(void)
{
	struct mfile *f = pick(false);
	uint32_t ino, blk, n, max;
	uint64_t pages, page;
	bool alloc;
	static uint8_t disk[PG], want[PG];
	struct ext2_bdev bd = *fs.bdev;

	if (!f || f->size == 0)
		return;
	pages = (f->size + PG - 1) / PG;
	page = rnd_below(pages);
	T_EQ(ext2_namei(&fs, f->path, &ino), 0);
	T_EQ(ext2_bmap(&fs, ino, pages, 4, false, &blk, &n), -ENXIO);
	alloc = rnd_below(2);
	/* Short runs, and long ones that cross pointer blocks. */
	max = 1 + (uint32_t)rnd_below(rnd_below(2) ? 8 : 1100);
	T_EQ(ext2_bmap(&fs, ino, page, max, alloc, &blk, &n), 0);
	T_ASSERT(n <= max && page + n <= pages);
	T_ASSERT(n >= 1 || fs.bsize < PG);	/* a page of one block is a run */
	T_ASSERT(!alloc || blk != 0);
	for (uint32_t i = 0; i < n; i++) {
		uint64_t at = (uint64_t)blk * fs.bsize + i * PG;

		model_read(f, (page + i) * PG, want, PG);
		if ((page + i + 1) * PG > f->size)	/* past EOF: zero */
			memset(want + f->size % PG, 0, PG - f->size % PG);
		if (!blk) {			/* a hole reads as zeroes */
			memset(disk, 0, PG);
			T_ASSERT(memcmp(disk, want, PG) == 0);
			continue;
		}
		if (alloc) {
			/* As a page cache would: it writes the whole page
			 * itself, and ext2_read must then see it. */
			T_EQ(bd.write(bd.ctx, at, want, PG), 0);
			continue;
		}
		/* What the map says is on disk is what the file holds. */
		T_EQ(bd.read(bd.ctx, at, disk, PG), 0);
		T_ASSERT(memcmp(disk, want, PG) == 0);
	}
	check_range(f, page * PG, n < 255 ? (uint64_t)(n + 1) * PG : 256 * PG);
}

static void random_ops(int nops)
{
	bool verbose = getenv("EXT2_TEST_VERBOSE") != NULL;

	for (int i = 0; i < nops; i++) {
		int op = (int)rnd_below(20);

		if (verbose)
			fprintf(stderr, "op %d: %d\n", i, op);
		switch (op) {
		case 0 ... 6: op_write(); break;
		case 7 ... 8: op_truncate(); break;
		case 9: op_unlink(); break;
		case 10: op_mkdir(); break;
		case 11: op_rmdir(); break;
		case 12 ... 13: op_rename(); break;
		case 14: op_rename_dir(); break;
		case 15 ... 17: op_read(); break;
		case 18: op_bmap(); break;
		default: T_EQ(ext2_sync(&fs), 0); break;
		}
		T_EQ(ext2_check(&fs), 0);
	}
}

/* A tree for mke2fs -d, recorded in the model. */
static void seed_tree(const char *dir, unsigned bs)
{
	static uint8_t buf[300 * 1024];
	char p[400];
	struct mfile *f;

	run("rm -rf '%s' && mkdir -p '%s/sub'", dir, dir);
	fill(buf, sizeof(buf));
	snprintf(p, sizeof(p), "%s/big", dir);
	put_file(p, buf, sizeof(buf));	/* single and double indirect */
	f = model_new("/big", false);
	model_write(f, 0, buf, sizeof(buf));
	snprintf(p, sizeof(p), "%s/sub/small", dir);
	put_file(p, "hello\n", 6);
	model_new("/sub", true);
	f = model_new("/sub/small", false);
	model_write(f, 0, (const uint8_t *)"hello\n", 6);
	(void)bs;
}

static void test_random(unsigned bs, int nops, bool rev0)
{
	char name[64], tree[300];
	struct img im;
	struct ext2_bdev bd;

	snprintf(name, sizeof(name), "fs.ext2.random_%u%s", bs,
		 rev0 ? "_rev0" : "");
	t_case = name;
	model_reset();
	snprintf(tree, sizeof(tree), "%s/tree", tmpdir);
	seed_tree(tree, bs);
	img_make(&im, "random", bs, 24 * 1024, tree, rev0 ? "-r 0" : NULL);
	img_open(&im, &bd);
	/* Past the double-indirect range with 1 KiB blocks (triple
	 * indirect); into the double-indirect range otherwise. */
	max_off = bs == 1024 ? 70ull << 20 : bs == 2048 ? 8ull << 20
							: 12ull << 20;
	mount_ok(&im, &bd);
	T_EQ(fs.sb.s_rev_level, rev0 ? 0 : 1);
	check_all();
	random_ops(nops);
	check_all();
	T_EQ(ext2_sync(&fs), 0);
	mount_ok(&im, &bd);		/* everything came from the disk */
	check_all();
	check_host(&im);
	close(im.fd);
	{
		int nf = 0;
		uint64_t bytes = 0;

		for (int i = 0; i < MAX_FILES; i++) {
			nf += files[i].used;
			bytes += files[i].used ? files[i].size : 0;
		}
		printf("PASS %s (%d ops; at the end %d files and dirs, "
		       "%llu bytes)\n", name, nops, nf,
		       (unsigned long long)bytes);
	}
}

/* Big sparse file: triple indirect with 1 KiB blocks, then truncations
 * through every level, e2fsck after each. */
static void test_indirect_levels(void)
{
	struct img im;
	struct ext2_bdev bd;
	uint64_t p = 256, cuts[] = { (12 + p + p * p + 5) * 1024,
				     (12 + p + 3) * 1024, 13 * 1024, 5000, 0 };
	static uint8_t buf[3000];
	uint32_t ino;
	size_t done;
	struct mfile *f;

	t_case = "fs.ext2.indirect_levels";
	model_reset();
	img_make(&im, "levels", 1024, 8 * 1024, NULL, NULL);
	img_open(&im, &bd);
	mount_ok(&im, &bd);
	T_EQ(ext2_create(&fs, EXT2_ROOT_INO, "s", 1, 0600, &ino), 0);
	f = model_new("/s", false);
	/* A block at every level, and the two edges of each. */
	uint64_t at[] = { 0, 11 * 1024, 12 * 1024, (12 + p) * 1024 - 10,
			  (12 + p) * 1024, (12 + p + p * p) * 1024 - 7,
			  (12 + p + p * p) * 1024 + 1, 70ull << 20 };
	for (size_t i = 0; i < sizeof(at) / sizeof(at[0]); i++) {
		fill(buf, sizeof(buf));
		T_EQ(ext2_write(&fs, ino, at[i], buf, sizeof(buf), &done), 0);
		model_write(f, at[i], buf, sizeof(buf));
	}
	check_all();
	T_EQ(ext2_sync(&fs), 0);
	check_host(&im);
	for (size_t i = 0; i < sizeof(cuts) / sizeof(cuts[0]); i++) {
		T_EQ(ext2_truncate(&fs, ino, cuts[i]), 0);
		model_truncate(f, cuts[i]);
		check_all();
		T_EQ(ext2_sync(&fs), 0);
		check_host(&im);
	}
	/* Extend by truncate: a hole that reads as zeros. */
	T_EQ(ext2_truncate(&fs, ino, 1 << 20), 0);
	model_truncate(f, 1 << 20);
	check_all();
	T_EQ(ext2_sync(&fs), 0);
	check_host(&im);
	close(im.fd);
	printf("PASS %s\n", t_case);
}

/*
 * A full file system: writes stop with a short count, then ENOSPC;
 * creating stops at the last inode; everything stays consistent, and
 * freeing it all gives every block and inode back.
 */
static void test_enospc(void)
{
	static uint8_t buf[64 * 1024];
	struct img im;
	struct ext2_bdev bd;
	uint64_t blocks, bfree0, bfree, files, ffree0, ffree;
	uint32_t ino, dir = EXT2_ROOT_INO;
	size_t done;
	int err = 0, n = 0;
	char name[32];

	t_case = "fs.ext2.enospc";
	model_reset();
	img_make(&im, "full", 1024, 1024, NULL, "-N 64");
	img_open(&im, &bd);
	mount_ok(&im, &bd);
	ext2_statfs(&fs, &blocks, &bfree0, &files, &ffree0);
	T_EQ(ext2_create(&fs, dir, "big", 3, 0600, &ino), 0);
	fill(buf, sizeof(buf));
	for (uint64_t off = 0; !err; off += done) {
		err = ext2_write(&fs, ino, off, buf, sizeof(buf), &done);
		T_ASSERT(err == 0 || err == -ENOSPC);
		T_ASSERT(err == 0 || done == 0);
	}
	ext2_statfs(&fs, &blocks, &bfree, &files, &ffree);
	T_EQ(bfree, 0);
	T_EQ(ext2_check(&fs), 0);
	T_EQ(ext2_mkdir(&fs, dir, "d", 1, 0755, &ino), -ENOSPC);
	while (!(err = ext2_create(&fs, dir, name,
				   (size_t)snprintf(name, sizeof(name),
						    "f%d", n), 0600, &ino)))
		n++;
	T_ASSERT(err == -ENOSPC);
	T_EQ(ext2_check(&fs), 0);
	T_EQ(ext2_sync(&fs), 0);
	T_EQ(run("e2fsck -fn '%s' >/dev/null 2>&1", im.path), 0);
	T_EQ(ext2_unlink(&fs, dir, "big", 3), 0);
	for (int i = 0; i < n; i++)
		T_EQ(ext2_unlink(&fs, dir, name,
				 (size_t)snprintf(name, sizeof(name), "f%d", i)),
		     0);
	ext2_statfs(&fs, &blocks, &bfree, &files, &ffree);
	T_EQ(ffree, ffree0);
	T_ASSERT(bfree >= bfree0 - 4);	/* the root grew by a few blocks */
	T_EQ(ext2_sync(&fs), 0);
	T_EQ(run("e2fsck -fn '%s' >/dev/null 2>&1", im.path), 0);
	close(im.fd);
	printf("PASS %s (%d files filled the inodes)\n", t_case, n);
}

/*
 * A directory of many blocks: long names fill blocks, every other one is
 * removed, the holes are reused, subdirectories move between parents (their
 * ".." and the parents' link counts follow), and e2fsck agrees.
 */
static void test_big_dir(void)
{
	struct img im;
	struct ext2_bdev bd;
	struct ext2_stat st;
	struct ext2_dent d;
	uint32_t big, other, ino, sub;
	uint64_t pos = 0;
	char name[96];
	int n = 0, err;
	uint64_t size0;
	bool seen[300] = { 0 };

#define LONG(i)	(size_t)snprintf(name, sizeof(name), "%s-%04d-%s", \
			 "a-rather-long-name-to-fill-directory-blocks", i, "x")
	t_case = "fs.ext2.big_dir";
	img_make(&im, "bigdir", 1024, 8 * 1024, NULL, NULL);
	img_open(&im, &bd);
	mount_ok(&im, &bd);
	T_EQ(ext2_mkdir(&fs, EXT2_ROOT_INO, "big", 3, 0755, &big), 0);
	T_EQ(ext2_mkdir(&fs, EXT2_ROOT_INO, "other", 5, 0755, &other), 0);
	for (int i = 0; i < 300; i++)
		T_EQ(ext2_create(&fs, big, name, LONG(i), 0644, &ino), 0);
	T_EQ(ext2_stat(&fs, big, &st), 0);
	size0 = st.size;
	T_ASSERT(size0 >= 15 * 1024);		/* many blocks */
	for (int i = 0; i < 300; i += 2)
		T_EQ(ext2_unlink(&fs, big, name, LONG(i)), 0);
	for (int i = 0; i < 10; i++) {		/* into the holes */
		T_EQ(ext2_mkdir(&fs, big, name, LONG(1000 + i), 0755, &sub), 0);
		T_EQ(ext2_rename(&fs, big, name, LONG(1000 + i), other, name,
				 LONG(2000 + i)), 0);
	}
	T_EQ(ext2_stat(&fs, big, &st), 0);
	T_EQ(st.size, size0);			/* no new blocks needed */
	T_EQ(st.nlink, 2);
	T_EQ(ext2_stat(&fs, other, &st), 0);
	T_EQ(st.nlink, 12);
	T_EQ(ext2_lookup(&fs, sub, "..", 2, &ino), 0);
	T_EQ(ino, other);
	while (!(err = ext2_readdir(&fs, big, &pos, &d))) {
		int i;

		if (d.name[0] == '.')
			continue;
		i = atoi(d.name + 44);
		T_ASSERT(i >= 0 && i < 300 && i % 2 == 1 && !seen[i]);
		seen[i] = true;
		n++;
	}
	T_EQ(err, -ENOENT);
	T_EQ(n, 150);
	T_EQ(ext2_rmdir(&fs, EXT2_ROOT_INO, "other", 5), -ENOTEMPTY);
	T_EQ(ext2_check(&fs), 0);
	T_EQ(ext2_sync(&fs), 0);
	T_EQ(run("e2fsck -fn '%s' >'%s/fsck.log' 2>&1", im.path, tmpdir), 0);
	close(im.fd);
#undef LONG
	printf("PASS %s\n", t_case);
}

/* rename's rules: what may replace what, and the link counts after. */
static void test_rename_rules(void)
{
	struct img im;
	struct ext2_bdev bd;
	struct ext2_stat st;
	uint32_t r = EXT2_ROOT_INO, a, b, f, g, x, ino;

	t_case = "fs.ext2.rename_rules";
	img_make(&im, "rename", 2048, 4096, NULL, NULL);
	img_open(&im, &bd);
	mount_ok(&im, &bd);
	T_EQ(ext2_mkdir(&fs, r, "a", 1, 0755, &a), 0);
	T_EQ(ext2_mkdir(&fs, r, "b", 1, 0755, &b), 0);
	T_EQ(ext2_mkdir(&fs, b, "x", 1, 0755, &x), 0);	/* b not empty */
	T_EQ(ext2_create(&fs, r, "f", 1, 0644, &f), 0);
	T_EQ(ext2_create(&fs, r, "g", 1, 0644, &g), 0);
	T_EQ(ext2_rename(&fs, r, "f", 1, r, "a", 1), -EISDIR);
	T_EQ(ext2_rename(&fs, r, "a", 1, r, "f", 1), -ENOTDIR);
	T_EQ(ext2_rename(&fs, r, "a", 1, r, "b", 1), -ENOTEMPTY);
	T_EQ(ext2_rename(&fs, r, ".", 1, r, "z", 1), -EINVAL);
	T_EQ(ext2_rename(&fs, r, "f", 1, r, "f", 1), 0);
	T_EQ(ext2_rename(&fs, r, "nope", 4, r, "z", 1), -ENOENT);
	T_EQ(ext2_rename(&fs, r, "b", 1, x, "b2", 2), -EINVAL);	/* into itself */
	/* A directory over an empty one in another parent. */
	T_EQ(ext2_mkdir(&fs, a, "e", 1, 0755, &ino), 0);
	T_EQ(ext2_rename(&fs, b, "x", 1, a, "e", 1), 0);
	T_EQ(ext2_lookup(&fs, a, "e", 1, &ino), 0);
	T_EQ(ino, x);
	T_EQ(ext2_lookup(&fs, x, "..", 2, &ino), 0);
	T_EQ(ino, a);
	T_EQ(ext2_stat(&fs, a, &st), 0);
	T_EQ(st.nlink, 3);
	T_EQ(ext2_stat(&fs, b, &st), 0);
	T_EQ(st.nlink, 2);
	/* A file over a file: the victim is freed. */
	T_EQ(ext2_rename(&fs, r, "f", 1, r, "g", 1), 0);
	T_EQ(ext2_lookup(&fs, r, "g", 1, &ino), 0);
	T_EQ(ino, f);
	T_EQ(ext2_stat(&fs, g, &st), -ENOENT);
	T_EQ(ext2_rmdir(&fs, r, "b", 1), 0);
	T_EQ(ext2_stat(&fs, r, &st), 0);
	T_EQ(st.nlink, 4);	/* ".", "..", lost+found's and a's ".." */
	T_EQ(ext2_check(&fs), 0);
	T_EQ(ext2_sync(&fs), 0);
	T_EQ(run("e2fsck -fn '%s' >'%s/fsck.log' 2>&1", im.path, tmpdir), 0);
	close(im.fd);
	printf("PASS %s\n", t_case);
}

/* ---- corrupt and foreign images ---- */

static void poke(struct img *im, uint64_t off, const void *v, size_t n)
{
	T_EQ(pwrite(im->fd, v, n, (off_t)off), (ssize_t)n);
}

static void expect_refused(struct img *im, const char *why_has)
{
	struct ext2_bdev bd;

	img_open(im, &bd);
	T_EQ(ext2_mount(&fs, &bd, cache_mem, sizeof(cache_mem)), -EINVAL);
	if (!strstr(fs.why, why_has)) {
		fprintf(stderr, "refused with '%s', expected '%s'\n", fs.why,
			why_has);
		T_ASSERT(0);
	}
	close(im->fd);
}

static void test_refused(void)
{
	struct img im;
	struct ext2_bdev bd_dummy;
	uint32_t v32;
	uint16_t v16 = 0x1234;

	t_case = "fs.ext2.refuse_bad_magic";
	img_make(&im, "bad", 1024, 2048, NULL, NULL);
	img_open(&im, &bd_dummy);
	poke(&im, 1024 + 56, &v16, 2);
	close(im.fd);
	expect_refused(&im, "magic");
	printf("PASS %s\n", t_case);

	t_case = "fs.ext2.refuse_block_size";
	img_make(&im, "bad", 1024, 2048, NULL, NULL);
	img_open(&im, &bd_dummy);
	v32 = 7;
	poke(&im, 1024 + 24, &v32, 4);
	close(im.fd);
	expect_refused(&im, "block size");
	printf("PASS %s\n", t_case);

	t_case = "fs.ext2.refuse_group_desc";
	img_make(&im, "bad", 1024, 2048, NULL, NULL);
	img_open(&im, &bd_dummy);
	v32 = 0x7fffffff;		/* group 0's inode table */
	poke(&im, 2 * 1024 + 8, &v32, 4);
	close(im.fd);
	expect_refused(&im, "group descriptor");
	printf("PASS %s\n", t_case);

	t_case = "fs.ext2.refuse_ext3_journal";
	img_make(&im, "bad", 1024, 4096, NULL, "-O has_journal");
	expect_refused(&im, "journal");
	printf("PASS %s\n", t_case);

	t_case = "fs.ext2.refuse_ext4_extents";
	img_make(&im, "bad", 4096, 4096, NULL, "-O ^has_journal,extent");
	expect_refused(&im, "extent");
	printf("PASS %s\n", t_case);

	t_case = "fs.ext2.refuse_short_device";
	img_make(&im, "bad", 4096, 4096, NULL, NULL);
	T_EQ(truncate(im.path, 1 << 20), 0);
	expect_refused(&im, "smaller");
	printf("PASS %s\n", t_case);

	t_case = "fs.ext2.refuse_not_a_fs";
	img_make(&im, "bad", 1024, 2048, NULL, NULL);
	T_EQ(run("dd if=/dev/urandom of='%s' bs=4096 count=4 conv=notrunc "
		 "2>/dev/null", im.path), 0);
	expect_refused(&im, "magic");
	printf("PASS %s\n", t_case);
}

/* A bad block pointer in one file: -EIO for it, nothing else harmed. */
static void test_bad_pointers(void)
{
	char tree[300], p[400];
	static uint8_t buf[40 * 1024], got[40 * 1024];
	struct img im;
	struct ext2_bdev bd;
	uint32_t a, big, ok, dir;
	size_t done;
	uint64_t bfree, b1, files, ffree;

	t_case = "fs.ext2.bad_block_pointer";
	snprintf(tree, sizeof(tree), "%s/bad", tmpdir);
	run("rm -rf '%s' && mkdir -p '%s'", tree, tree);
	fill(buf, sizeof(buf));
	snprintf(p, sizeof(p), "%s/a", tree);
	put_file(p, buf, 3000);
	snprintf(p, sizeof(p), "%s/big", tree);
	put_file(p, buf, sizeof(buf));
	snprintf(p, sizeof(p), "%s/ok", tree);
	put_file(p, buf, 5000);
	img_make(&im, "badptr", 1024, 4096, tree, NULL);
	T_EQ(run("debugfs -w -R 'sif /a block[1] 0x7fffffff' '%s' "
		 ">/dev/null 2>&1", im.path), 0);
	T_EQ(run("debugfs -w -R 'sif /big block[IND] 4000000' '%s' "
		 ">/dev/null 2>&1", im.path), 0);
	img_open(&im, &bd);
	mount_ok(&im, &bd);
	T_EQ(ext2_namei(&fs, "/a", &a), 0);
	T_EQ(ext2_namei(&fs, "/big", &big), 0);
	T_EQ(ext2_namei(&fs, "/ok", &ok), 0);
	T_EQ(ext2_read(&fs, a, 0, got, 3000, &done), 0);
	T_EQ(done, 1024);		/* up to the bad block */
	T_EQ(ext2_read(&fs, a, 1024, got, 100, &done), -EIO);
	T_EQ(ext2_write(&fs, a, 1500, buf, 10, &done), -EIO);
	T_EQ(ext2_read(&fs, big, 0, got, 12 * 1024, &done), 0);
	T_ASSERT(done == 12 * 1024 && !memcmp(got, buf, done));
	T_EQ(ext2_read(&fs, big, 12 * 1024, got, 10, &done), -EIO);
	ext2_statfs(&fs, &b1, &bfree, &files, &ffree);
	T_EQ(ext2_truncate(&fs, big, 0), -EIO);
	T_EQ(ext2_namei(&fs, "/", &dir), 0);
	T_EQ(ext2_unlink(&fs, dir, "a", 1), -EIO);
	T_EQ(ext2_check(&fs), 0);
	/* The good file is untouched and still writable. */
	T_EQ(ext2_read(&fs, ok, 0, got, 5000, &done), 0);
	T_ASSERT(done == 5000 && !memcmp(got, buf, 5000));
	T_EQ(ext2_write(&fs, ok, 5000, buf, 3000, &done), 0);
	T_EQ(ext2_read(&fs, ok, 0, got, 8000, &done), 0);
	T_ASSERT(done == 8000 && !memcmp(got + 5000, buf, 3000));
	T_EQ(ext2_sync(&fs), 0);
	close(im.fd);
	printf("PASS %s\n", t_case);
}

/* A directory entry with an impossible rec_len: -EIO for that directory. */
static void test_bad_dirent(void)
{
	struct img im;
	struct ext2_bdev bd;
	struct ext2_inode in;
	uint32_t sub, blk, x;
	uint16_t bad = 3;
	char tree[300];

	t_case = "fs.ext2.bad_dirent";
	snprintf(tree, sizeof(tree), "%s/bd", tmpdir);
	run("rm -rf '%s' && mkdir -p '%s/sub' '%s/other' && touch "
	    "'%s/sub/x' '%s/other/y'", tree, tree, tree, tree, tree);
	img_make(&im, "baddir", 1024, 4096, tree, NULL);
	img_open(&im, &bd);
	mount_ok(&im, &bd);
	T_EQ(ext2_namei(&fs, "/sub", &sub), 0);
	T_EQ(ext2_iget(&fs, sub, &in), 0);
	blk = in.i_block[0];
	poke(&im, (uint64_t)blk * 1024 + 12 + 4, &bad, 2);	/* ".." */
	mount_ok(&im, &bd);
	T_EQ(ext2_namei(&fs, "/sub/x", &x), -EIO);
	T_EQ(ext2_namei(&fs, "/other/y", &x), 0);
	T_EQ(ext2_mkdir(&fs, sub, "n", 1, 0755, &x), -EIO);
	T_EQ(ext2_check(&fs), 0);
	close(im.fd);
	printf("PASS %s\n", t_case);
}

int main(void)
{
	const char *s = getenv("EXT2_TEST_SEED");
	const char *o = getenv("EXT2_TEST_OPS");
	int nops = o ? atoi(o) : 300;
	unsigned bss[] = { 1024, 2048, 4096 };

	t_seed = s ? strtoull(s, NULL, 0) : (unsigned long long)time(NULL);
	rng = t_seed * 2654435761u + 1;
	printf("fs.ext2: seed %llu\n", t_seed);
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/ext2test.XXXXXX");
	T_ASSERT(mkdtemp(tmpdir));
	for (int i = 0; i < 3; i++)
		test_random(bss[i], nops, false);
	test_random(1024, nops, true);
	test_enospc();
	test_big_dir();
	test_rename_rules();
	test_indirect_levels();
	test_refused();
	test_bad_pointers();
	test_bad_dirent();
	run("rm -rf '%s'", tmpdir);
	return 0;
}
