/*
 * fstest - files through lib/c and the file server (servers/fs): one
 * PASS/FAIL line per case.  Needs the file-system image (tools/run
 * attaches one by default, or --fs FILE).
 *
 * Under /tmp/fstest it leaves files whose content the host checks after
 * the halt with debugfs (tests/integration/test_fs.py): byte i of a file
 * made with tag t is PATTERN(i, t).  What it unlinks or removes must be
 * gone from the image, and e2fsck must find the image clean.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <ipc/blk.h>
#include <ipc/fs.h>
#include <ipc/mm.h>
#include "guest.h"

#define TDIR		"/tmp/fstest"
#define PATTERN(i, t)	((uint8_t)((i) * 7 + ((i) >> 12) * 13 + (t)))
#define BIG		(300 * 1024)		/* into the indirect blocks */
#define SPARSE_AT	(5ull << 20)		/* double indirect (4 KiB) */
#define NCHILD		3
#define CHILD_BYTES	(64 * 1024)
#define FUZZ_ROUNDS	3000

static uint8_t buf[BIG], got[BIG];

static void pattern(uint8_t *p, size_t n, uint64_t from, unsigned tag)
{
	for (size_t i = 0; i < n; i++)
		p[i] = PATTERN(from + i, tag);
}

/* Writes all of p in pieces of `piece` bytes; 0 or errno. */
static int write_all(int fd, const uint8_t *p, size_t n, size_t piece)
{
	for (size_t done = 0; done < n;) {
		size_t k = n - done < piece ? n - done : piece;
		ssize_t w = write(fd, p + done, k);

		if (w <= 0)
			return w < 0 ? errno : EIO;
		done += (size_t)w;
	}
	return 0;
}

static ssize_t read_all(int fd, uint8_t *p, size_t n)
{
	size_t done = 0;

	while (done < n) {
		ssize_t r = read(fd, p + done, n - done);

		if (r < 0)
			return -errno;
		if (r == 0)
			break;
		done += (size_t)r;
	}
	return (ssize_t)done;
}

static void test_mkdir(void)
{
	struct stat st;
	int e1 = mkdir(TDIR, 0755) ? errno : 0;
	int e2 = mkdir(TDIR, 0755) ? errno : 0;
	int e3 = stat(TDIR, &st) ? errno : 0;

	if (e1 || e2 != EEXIST || e3 || !S_ISDIR(st.st_mode))
		FAIL("fs.mkdir", "mkdir %d, again %d, stat %d mode %o", e1, e2,
		     e3, st.st_mode);
	else
		PASS("fs.mkdir");
}

/* A big file written in odd pieces, read back in other odd pieces. */
static void test_write_read(void)
{
	int fd = open(TDIR "/pattern", O_CREAT | O_RDWR | O_TRUNC, 0644);
	int err = fd < 0 ? errno : 0;
	ssize_t n = 0;
	struct stat st;

	pattern(buf, BIG, 0, 1);
	if (!err)
		err = write_all(fd, buf, BIG, 3001);
	if (!err && lseek(fd, 0, SEEK_SET) != 0)
		err = errno;
	memset(got, 0, BIG);
	if (!err)
		n = read_all(fd, got, BIG);
	if (!err && fstat(fd, &st))
		err = errno;
	if (fd >= 0)
		close(fd);
	if (err || n != BIG || memcmp(got, buf, BIG) || st.st_size != BIG ||
	    !S_ISREG(st.st_mode))
		FAIL("fs.write_read", "error %d, read %zd, size %ld", err, n,
		     (long)st.st_size);
	else
		PASS("fs.write_read");
}

static void test_pread_pwrite(void)
{
	int fd = open(TDIR "/pattern", O_RDWR);
	uint8_t b[100];
	ssize_t r1 = -1, r2 = -1;

	if (fd >= 0) {
		pattern(b, sizeof(b), 123456, 1);
		r1 = pwrite(fd, b, sizeof(b), 123456);	/* the same bytes */
		memset(b, 0, sizeof(b));
		r2 = pread(fd, b, sizeof(b), 123456);
		close(fd);
	}
	pattern(got, sizeof(b), 123456, 1);
	if (fd < 0 || r1 != 100 || r2 != 100 || memcmp(b, got, sizeof(b)))
		FAIL("fs.pread_pwrite", "fd %d, %zd %zd", fd, r1, r2);
	else
		PASS("fs.pread_pwrite");
}

/* Shrink to a partial block, then extend: the tail reads as zeros. */
static void test_truncate(void)
{
	int fd = open(TDIR "/trunc", O_CREAT | O_RDWR | O_TRUNC, 0600);
	struct stat st = { 0 };
	int err = fd < 0 ? errno : 0;
	ssize_t n = 0;

	pattern(buf, 100000, 0, 2);
	if (!err)
		err = write_all(fd, buf, 100000, 4096);
	if (!err && ftruncate(fd, 5000))
		err = errno;
	if (!err && ftruncate(fd, 9000))
		err = errno;
	if (!err && (fstat(fd, &st) || st.st_size != 9000))
		err = -1;
	if (!err)
		n = pread(fd, got, sizeof(got), 0);
	memset(buf + 5000, 0, 4000);
	if (!err && (n != 9000 || memcmp(got, buf, 9000)))
		err = -2;
	if (!err && truncate(TDIR "/trunc", 5000))
		err = errno;
	if (fd >= 0)
		close(fd);
	if (err)
		FAIL("fs.truncate", "error %d, read %zd, size %ld", err, n,
		     (long)st.st_size);
	else
		PASS("fs.truncate");
}

/* A hole in the double-indirect range. */
static void test_sparse(void)
{
	int fd = open(TDIR "/sparse", O_CREAT | O_WRONLY | O_TRUNC, 0600);
	uint8_t b[5000];
	ssize_t w = -1, r = -1;
	struct stat st = { 0 };

	pattern(b, sizeof(b), SPARSE_AT, 3);
	if (fd >= 0) {
		w = pwrite(fd, b, sizeof(b), (off_t)SPARSE_AT);
		close(fd);
	}
	fd = open(TDIR "/sparse", O_RDONLY);
	if (fd >= 0) {
		r = pread(fd, got, 8192, (off_t)SPARSE_AT - 4096);
		fstat(fd, &st);
		close(fd);
	}
	memset(buf, 0, 4096);
	memcpy(buf + 4096, b, 4096);
	if (w != 5000 || r != 8192 || memcmp(got, buf, 8192) ||
	    st.st_size != (off_t)SPARSE_AT + 5000 ||
	    st.st_blocks * 512 > 32768)
		FAIL("fs.sparse", "wrote %zd read %zd size %ld blocks %ld", w,
		     r, (long)st.st_size, (long)st.st_blocks);
	else
		PASS("fs.sparse");
}

static void test_append_excl(void)
{
	int fd = open(TDIR "/appended", O_CREAT | O_EXCL | O_WRONLY | O_APPEND,
		      0644);
	int fd2 = open(TDIR "/appended", O_CREAT | O_EXCL | O_WRONLY, 0644);
	int e2 = errno;
	ssize_t a = -1, b = -1;
	off_t end = -1;

	pattern(buf, 6000, 0, 4);
	if (fd >= 0) {
		a = write(fd, buf, 2000);
		lseek(fd, 0, SEEK_SET);		/* O_APPEND ignores this */
		b = write(fd, buf + 2000, 4000);
		end = lseek(fd, 0, SEEK_CUR);
		close(fd);
	}
	if (fd < 0 || fd2 >= 0 || e2 != EEXIST || a != 2000 || b != 4000 ||
	    end != 6000)
		FAIL("fs.append_excl", "fd %d fd2 %d errno %d wrote %zd %zd "
		     "end %ld", fd, fd2, e2, a, b, (long)end);
	else
		PASS("fs.append_excl");
}

static void test_rename(void)
{
	int fd = open(TDIR "/old", O_CREAT | O_WRONLY, 0644);
	struct stat st;
	int e1, e2, e3;

	pattern(buf, 777, 0, 5);
	if (fd >= 0) {
		write_all(fd, buf, 777, 777);
		close(fd);
	}
	e1 = rename(TDIR "/old", TDIR "/renamed") ? errno : 0;
	e2 = stat(TDIR "/old", &st) ? errno : 0;
	e3 = stat(TDIR "/renamed", &st) ? errno : 0;
	if (fd < 0 || e1 || e2 != ENOENT || e3 || st.st_size != 777)
		FAIL("fs.rename", "fd %d, %d %d %d", fd, e1, e2, e3);
	else
		PASS("fs.rename");
}

/* unlink: gone by name at once; an open descriptor keeps working. */
static void test_unlink(void)
{
	int fd = open(TDIR "/doomed", O_CREAT | O_RDWR, 0600);
	int fd2 = open(TDIR "/gone", O_CREAT | O_RDWR, 0600);
	struct stat st;
	int e1, e2, e3, e4, e5;
	ssize_t w = -1, r = -1;
	char b[6] = { 0 };
	int st2 = -1;

	if (fd2 >= 0)
		close(fd2);
	e1 = unlink(TDIR "/gone") ? errno : 0;
	e2 = unlink(TDIR "/gone") ? errno : 0;
	e3 = unlink(TDIR "/doomed") ? errno : 0;
	e4 = stat(TDIR "/doomed", &st) ? errno : 0;
	if (fd >= 0) {
		w = write(fd, "still", 5);
		r = pread(fd, b, 5, 0);
		close(fd);
	}
	e5 = unlink(TDIR) ? errno : 0;
	/* A child that exits with an unlinked file still open. */
	if (fork() == 0) {
		int c = open(TDIR "/doomed2", O_CREAT | O_RDWR, 0600);

		unlink(TDIR "/doomed2");
		exit(c < 0 || write(c, "x", 1) != 1);
	}
	wait(&st2);
	if (fd < 0 || e1 || e2 != ENOENT || e3 || e4 != ENOENT || w != 5 ||
	    r != 5 || strcmp(b, "still") || e5 != EISDIR || st2)
		FAIL("fs.unlink", "%d %d %d %d %d, wrote %zd read %zd '%s', "
		     "child %#x", e1, e2, e3, e4, e5, w, r, b, st2);
	else
		PASS("fs.unlink");
}

static void test_dirs(void)
{
	int fd;
	int e1 = mkdir(TDIR "/sub", 0755) ? errno : 0;
	int e2, e3, e4, e5;

	fd = open(TDIR "/sub/f", O_CREAT | O_WRONLY, 0600);
	if (fd >= 0)
		close(fd);
	e2 = rmdir(TDIR "/sub") ? errno : 0;
	e3 = unlink(TDIR "/sub/f") ? errno : 0;
	e4 = rmdir(TDIR "/sub") ? errno : 0;
	e5 = open(TDIR "/nodir/x", O_CREAT | O_WRONLY, 0600) < 0 ? errno : 0;
	if (e1 || fd < 0 || e2 != ENOTEMPTY || e3 || e4 || e5 != ENOENT)
		FAIL("fs.dirs", "%d fd %d %d %d %d %d", e1, fd, e2, e3, e4, e5);
	else
		PASS("fs.dirs");
}

static void test_readdir(void)
{
	const char *want[] = { "pattern", "trunc", "sparse", "appended",
			       "renamed" };	/* and nothing else yet */
	unsigned seen = 0, n = 0, stray = 0;
	DIR *d = opendir(TDIR);
	struct dirent *e;

	while (d && (e = readdir(d))) {
		bool known = false;

		n++;
		for (unsigned i = 0; i < 5; i++)
			if (!strcmp(e->d_name, want[i])) {
				seen |= 1u << i;
				known = e->d_type == DT_REG;
			}
		if (!known && strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			stray++;
	}
	if (d)
		closedir(d);
	if (!d || seen != 0x1f || stray || n != 7)
		FAIL("fs.readdir", "dir %p, seen %#x, %u entries, %u stray",
		     (void *)d, seen, n, stray);
	else
		PASS("fs.readdir");
}

/* Bad user pointers: EFAULT, never a crash, nothing written. */
static void test_efault(void)
{
	int fd = open(TDIR "/efault", O_CREAT | O_RDWR | O_TRUNC, 0600);
	ssize_t w = fd >= 0 ? write(fd, (void *)0x1000, 100) : 0;
	int ew = errno;
	ssize_t r = fd >= 0 ? read(fd, (void *)0x1000, 100) : 0;
	struct stat st = { .st_size = -1 };

	if (fd >= 0) {
		fstat(fd, &st);
		close(fd);
	}
	unlink(TDIR "/efault");
	if (fd < 0 || w != -1 || ew != EFAULT || r > 0 || st.st_size != 0)
		FAIL("fs.efault", "fd %d write %zd errno %d read %zd size %ld",
		     fd, w, ew, r, (long)st.st_size);
	else
		PASS("fs.efault");
}

/* Children write their own files at the same time. */
static void test_children(void)
{
	int bad = 0, st;
	pid_t pids[NCHILD];

	for (int k = 0; k < NCHILD; k++) {
		pids[k] = fork();
		if (pids[k] == 0) {
			char path[64];
			int fd;

			snprintf(path, sizeof(path), TDIR "/child%d", k);
			fd = open(path, O_CREAT | O_WRONLY | O_TRUNC, 0644);
			pattern(buf, CHILD_BYTES, 0, 10 + k);
			_exit(fd < 0 ? 2 : write_all(fd, buf, CHILD_BYTES,
						     1000 + 512 * k) ? 3 : 0);
		}
	}
	for (int k = 0; k < NCHILD; k++)
		if (pids[k] < 0 || waitpid(pids[k], &st, 0) != pids[k] ||
		    !WIFEXITED(st) || WEXITSTATUS(st))
			bad++;
	for (int k = 0; !bad && k < NCHILD; k++) {
		char path[64];
		int fd;

		snprintf(path, sizeof(path), TDIR "/child%d", k);
		fd = open(path, O_RDONLY);
		pattern(buf, CHILD_BYTES, 0, 10 + k);
		if (fd < 0 || read_all(fd, got, CHILD_BYTES + 1) !=
			      CHILD_BYTES || memcmp(got, buf, CHILD_BYTES))
			bad++;
		if (fd >= 0)
			close(fd);
		unlink(path);
	}
	if (bad)
		FAIL("fs.children", "%d children failed", bad);
	else
		PASS("fs.children");
}

/*
 * FS_BMAP as a page cache will use it: map pages to sectors, and move them
 * with blk on a session of our own, never through fs.  Reading: the pages
 * of "pattern" as the disk has them, after fsync() has had the pager's
 * page cache write them (read() and write() go through it).  Writing: "bmapped" is made 3 pages
 * long (all holes), given blocks with FS_BMAP_ALLOC, written through blk,
 * and then read back through read().
 */
static long bmap_io(uint64_t fs_h, uint64_t blk_h, const char *path,
		    bool write)
{
	struct ipc_msg m = { .w = { 16, 0 } };
	struct fs_stat_rep st;
	struct fs_bmap_rep bm;
	uint64_t sess, pa;
	uint8_t *va;
	long err = ipc_request(H_MM, MM_DMA_ALLOC, 2, &m, NULL, 0);

	if (err)
		return err;
	va = (uint8_t *)m.w[2];
	pa = m.w[3];
	m = (struct ipc_msg){ .w = { 0, m.w[1] } };
	m.tag = IPC_TAG(BLK_OPEN, 2) | IPC_TAG_HANDLES(1);
	err = ipc_call(blk_h, &m) ?: (long)m.w[0];
	sess = m.w[1];
	err = err ?: fs_req_open(fs_h, &(struct fs_open_req){ 0, 0 }, path,
				 &st);
	err = err ?: fs_req_bmap(fs_h, &(struct fs_bmap_req){
				       st.ino, st.gen, 0, 16,
				       write ? FS_BMAP_ALLOC : 0 }, &bm);
	if (err)
		return err;
	if (bm.sector == 0 || bm.npages == 0)
		return -1000 - (long)bm.npages;
	if (write)
		pattern(va, bm.npages * 4096, 0, 6);
	m = (struct ipc_msg){ .w = { bm.disk, bm.sector, bm.npages * 8, pa } };
	err = ipc_request(sess, write ? BLK_WRITE : BLK_READ, 4, &m, NULL, 0);
	if (!err && !write) {
		pattern(buf, BIG, 0, 1);
		if (memcmp(va, buf, bm.npages * 4096))
			err = -2000;
	}
	return err ?: (long)bm.npages;
}

static void test_bmap(void)
{
	struct proc_lookup_rep f, b;
	long e1 = -1, e2 = -1, e3 = -1, n = 0;
	int fd;

	if (proc_req_lookup(H_PROC, "fs", &f) ||
	    proc_req_lookup(H_PROC, "blk", &b)) {
		FAIL("fs.bmap", "no fs or blk");
		return;
	}
	fd = open(TDIR "/pattern", O_RDONLY);
	if (fd >= 0) {
		fsync(fd);		/* our raw reads bypass the cache */
		close(fd);
	}
	e1 = bmap_io(f.handle, b.handle, TDIR "/pattern", false);
	fd = open(TDIR "/bmapped", O_CREAT | O_RDWR | O_TRUNC, 0644);
	if (fd >= 0 && ftruncate(fd, 3 * 4096) == 0) {
		struct fs_stat_rep st;
		struct fs_bmap_rep bm;

		/* Past the end: refused, the file must grow first. */
		e3 = fs_req_open(f.handle, &(struct fs_open_req){ 0, 0 },
				 TDIR "/bmapped", &st) ?:
		     fs_req_bmap(f.handle, &(struct fs_bmap_req){
					 st.ino, st.gen, 3, 1, FS_BMAP_ALLOC },
				 &bm);
		e2 = bmap_io(f.handle, b.handle, TDIR "/bmapped", true);
		n = pread(fd, got, sizeof(got), 0);
		pattern(buf, 3 * 4096, 0, 6);
	}
	if (fd >= 0)
		close(fd);
	if (e1 < 1 || e2 != 3 || e3 != -ENXIO || n != 3 * 4096 ||
	    memcmp(got, buf, 3 * 4096))
		FAIL("fs.bmap", "read run %ld, write run %ld, past EOF %ld, "
		     "read back %ld", e1, e2, e3, n);
	else
		PASS("fs.bmap");
}

static uint64_t rnd_mod(uint64_t n)
{
	return guest_rnd() % n;
}

/* Malformed requests straight to the server: errors, never a crash. */
static void test_fuzz(void)
{
	struct proc_lookup_rep lk;
	struct fs_statfs_rep sf;
	long err = proc_req_lookup(H_PROC, "fs", &lk), e2;
	static char junk[IPC_BUF_MAX];
	unsigned oddities = 0;

	for (int i = 0; !err && i < FUZZ_ROUNDS; i++) {
		struct ipc_msg m = { 0 };
		unsigned label = FS_OPEN + (unsigned)rnd_mod(FS_LABEL_COUNT + 2);
		unsigned len = (unsigned)rnd_mod(64);
		long r;

		for (int w = 0; w < IPC_WORDS; w++)
			m.w[w] = guest_rnd() % 4 ? guest_rnd() % 256 : guest_rnd();
		for (unsigned b = 0; b < len; b++)
			junk[b] = (char)(guest_rnd() % 3 ? 'a' + guest_rnd() % 3 :
					 guest_rnd() % 2 ? '/' : 0);
		if (guest_rnd() % 2)
			junk[0] = '/';
		/* Never name the files the host checks. */
		if (label == FS_UNLINK || label == FS_RENAME ||
		    label == FS_RMDIR || label == FS_TRUNCATE ||
		    label == FS_OPEN || label == FS_WRITE ||
		    label == FS_MKDIR)
			memcpy(junk, "/tmp/fz/", len < 8 ? len : 8);
		/* Nor, by (ino, gen), a real file's data: small random words
		 * (or words not sent, which read as 0) can name an inode of
		 * the image and its generation (mke2fs -d leaves many at 0),
		 * and a junk write or truncate would then land in /etc/motd.
		 * Generations are 32 bits, so this one is always stale, and
		 * the server must say so. */
		unsigned nwords = (unsigned)rnd_mod(9);

		if (label == FS_WRITE || label == FS_TRUNCATE ||
		    label == FS_BMAP) {
			m.w[1] |= 1ull << 40;
			if (nwords < 2)		/* missing words read as 0 */
				nwords = 2;
		}
		r = ipc_request(lk.handle, label, nwords, &m, junk, len);
		oddities += r == 0;
	}
	err = err ?: fs_req_statfs(lk.handle, &sf);
	e2 = fs_req_sync(lk.handle);
	printf("fstest: fuzz: %u of %d requests succeeded\n", oddities,
	       FUZZ_ROUNDS);
	if (err || e2 || sf.bsize != 4096)
		FAIL("fs.fuzz", "server: %ld %ld bsize %lu", err, e2,
		     (unsigned long)sf.bsize);
	else
		PASS("fs.fuzz");
}

int main(void)
{
	struct stat st;

	if (stat("/", &st) || !S_ISDIR(st.st_mode)) {
		FAIL("fs.root", "stat /: %s", strerror(errno));
		return 1;
	}
	PASS("fs.root");
	test_mkdir();
	test_write_read();
	test_pread_pwrite();
	test_truncate();
	test_sparse();
	test_append_excl();
	test_rename();
	test_unlink();
	test_dirs();
	test_readdir();
	test_efault();
	test_children();
	test_bmap();
	test_fuzz();
	sync();
	printf("fstest: done\n");
	return guest_failures ? 1 : 0;
}
