/*
 * filemap - file-backed mmap through mm's page cache: one PASS/FAIL line
 * per case.  Needs the file system (tools/run's default image); works in
 * DIR (argv[1], default /tmp).
 *
 * A file of 3.5 pages, byte i = PAT(i), is made with write(); then:
 * private mappings read it and never write it, shared mappings write it
 * back on msync and on munmap, the tail of the last page reads as zero,
 * a page wholly past the end is SIGBUS, and a forked child shares the
 * pages of a shared mapping with its parent.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include "guest.h"

#define PAGE		4096
#define FSIZE		(3 * PAGE + PAGE / 2)
#define PAT(i)		((uint8_t)((i) * 7 + ((i) >> 12) * 13 + 1))
#define BIGW(pg, w)	((uint64_t)(pg) << 20 | (uint64_t)(w))

static char path[256];

static int make_file(void)
{
	static uint8_t buf[FSIZE];
	int fd;

	for (int i = 0; i < FSIZE; i++)
		buf[i] = PAT(i);
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
	if (fd < 0)
		return -1;
	if (write(fd, buf, FSIZE) != FSIZE) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Bytes [off, off + n) of the file as read() sees them, checked. */
static int file_has(int fd, long off, const uint8_t *want, long n)
{
	static uint8_t got[FSIZE];

	if (pread(fd, got, (size_t)n, off) != n)
		return 0;
	return memcmp(got, want, (size_t)n) == 0;
}

static void private_read(int fd)
{
	const uint8_t *p = mmap(NULL, FSIZE, PROT_READ, MAP_PRIVATE, fd, 0);
	int bad = 0;

	if (p == MAP_FAILED) {
		FAIL("filemap.private_read", "mmap: %s", strerror(errno));
		return;
	}
	for (int i = 0; i < FSIZE; i++)
		bad += p[i] != PAT(i);
	for (int i = FSIZE; i < 4 * PAGE; i++)
		bad += p[i] != 0;		/* the tail of the last page */
	if (bad)
		FAIL("filemap.private_read", "%d bytes differ", bad);
	else
		PASS("filemap.private_read");
	munmap((void *)p, FSIZE);
}

static void private_write(int fd)
{
	uint8_t *p = mmap(NULL, FSIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE,
			  fd, 0);
	uint8_t want = PAT(PAGE + 5), mine = (uint8_t)(want ^ 0xff);

	if (p == MAP_FAILED) {
		FAIL("filemap.private_cow", "mmap: %s", strerror(errno));
		return;
	}
	p[PAGE + 5] = mine;
	msync(p, FSIZE, MS_SYNC);
	if (p[PAGE + 5] != mine || !file_has(fd, PAGE + 5, &want, 1))
		FAIL("filemap.private_cow", "private write reached the file");
	else
		PASS("filemap.private_cow");
	munmap(p, FSIZE);
}

static void shared_write(int fd)
{
	uint8_t *p = mmap(NULL, FSIZE, PROT_READ | PROT_WRITE, MAP_SHARED,
			  fd, 0);
	static const uint8_t msg[] = "written through MAP_SHARED";
	static const uint8_t msg2[] = "and at munmap";

	if (p == MAP_FAILED) {
		FAIL("filemap.shared_msync", "mmap: %s", strerror(errno));
		return;
	}
	memcpy(p + 2 * PAGE + 100, msg, sizeof(msg));
	if (msync(p, FSIZE, MS_SYNC) || !file_has(fd, 2 * PAGE + 100, msg,
						  sizeof(msg)))
		FAIL("filemap.shared_msync", "read() does not see the write");
	else
		PASS("filemap.shared_msync");
	/* the partial last page: only bytes below the end reach the file */
	memcpy(p + 3 * PAGE + 10, msg2, sizeof(msg2));
	munmap(p, FSIZE);
	if (!file_has(fd, 3 * PAGE + 10, msg2, sizeof(msg2)) ||
	    lseek(fd, 0, SEEK_END) != FSIZE)
		FAIL("filemap.shared_munmap", "munmap did not write it back");
	else
		PASS("filemap.shared_munmap");
}

static void beyond_eof(int fd)
{
	uint8_t *p = mmap(NULL, 8 * PAGE, PROT_READ, MAP_SHARED, fd, 0);
	int status = 0;
	pid_t pid;

	if (p == MAP_FAILED) {
		FAIL("filemap.sigbus", "mmap: %s", strerror(errno));
		return;
	}
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		volatile uint8_t x = p[5 * PAGE];	/* wholly past the end */

		(void)x;
		_exit(0);
	}
	waitpid(pid, &status, 0);
	if (!WIFSIGNALED(status) || WTERMSIG(status) != SIGBUS)
		FAIL("filemap.sigbus", "child status %#x", status);
	else
		PASS("filemap.sigbus");
	munmap(p, 8 * PAGE);
}

static void shared_fork(int fd)
{
	volatile uint8_t *p = mmap(NULL, FSIZE, PROT_READ | PROT_WRITE,
				   MAP_SHARED, fd, 0);
	int go[2], status = 0;
	pid_t pid;
	char c;

	if (p == MAP_FAILED || pipe(go)) {
		FAIL("filemap.shared_fork", "mmap or pipe failed");
		return;
	}
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		p[10] = 0xab;			/* the parent must see it */
		if (write(go[1], "x", 1) != 1)
			_exit(2);
		while (p[20] != 0xcd)		/* and we must see its write */
			sched_yield();
		_exit(0);
	}
	if (read(go[0], &c, 1) != 1 || p[10] != 0xab) {
		FAIL("filemap.shared_fork", "parent does not see the child");
		kill(pid, SIGKILL);
	} else {
		p[20] = 0xcd;
		waitpid(pid, &status, 0);
		if (!WIFEXITED(status) || WEXITSTATUS(status))
			FAIL("filemap.shared_fork", "child status %#x", status);
		else
			PASS("filemap.shared_fork");
	}
	munmap((void *)p, FSIZE);
}

/* read() and write() share the mapping's pages: no msync needed. */
static void coherence(int fd)
{
	volatile uint8_t *p = mmap(NULL, FSIZE, PROT_READ | PROT_WRITE,
				   MAP_SHARED, fd, 0);
	const uint8_t *q = mmap(NULL, FSIZE, PROT_READ, MAP_PRIVATE, fd, 0);
	static const uint8_t w[] = "via write()";
	uint8_t got = 0;

	if (p == MAP_FAILED || q == MAP_FAILED) {
		FAIL("filemap.coherent", "mmap failed");
		return;
	}
	if (pwrite(fd, w, sizeof(w), PAGE + 300) != sizeof(w) ||
	    memcmp((const void *)(p + PAGE + 300), w, sizeof(w)) ||
	    memcmp(q + PAGE + 300, w, sizeof(w)))
		FAIL("filemap.coherent", "a mapping does not see write()");
	else
		PASS("filemap.coherent_write_to_map");
	p[2 * PAGE + 7] = 0x5a;
	if (pread(fd, &got, 1, 2 * PAGE + 7) != 1 || got != 0x5a)
		FAIL("filemap.coherent", "read() does not see the mapping");
	else
		PASS("filemap.coherent_map_to_read");
	munmap((void *)p, FSIZE);
	munmap((void *)q, FSIZE);
}

/* Truncating a mapped file: pages past the new end are SIGBUS. */
static void truncate_mapped(void)
{
	char tpath[300];
	static uint8_t buf[4 * PAGE];
	uint8_t *p;
	int fd, status = 0;
	pid_t pid;

	snprintf(tpath, sizeof(tpath), "%s.trunc", path);
	fd = open(tpath, O_RDWR | O_CREAT | O_TRUNC, 0644);
	memset(buf, 0x77, sizeof(buf));
	if (fd < 0 || write(fd, buf, sizeof(buf)) != sizeof(buf)) {
		FAIL("filemap.truncate_sigbus", "setup failed");
		return;
	}
	p = mmap(NULL, 4 * PAGE, PROT_READ, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED || p[3 * PAGE] != 0x77 ||
	    ftruncate(fd, PAGE + 10)) {
		FAIL("filemap.truncate_sigbus", "mmap or ftruncate failed");
		return;
	}
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		volatile uint8_t x = p[3 * PAGE];	/* was mapped, now gone */

		(void)x;
		_exit(0);
	}
	waitpid(pid, &status, 0);
	if (!WIFSIGNALED(status) || WTERMSIG(status) != SIGBUS)
		FAIL("filemap.truncate_sigbus", "child status %#x", status);
	else if (p[PAGE + 9] != 0x77 || p[PAGE + 10] != 0)
		FAIL("filemap.truncate_sigbus", "the last page is wrong");
	else
		PASS("filemap.truncate_sigbus");
	munmap(p, 4 * PAGE);
	close(fd);
	unlink(tpath);
}

/*
 * Writes that grow a file, larger than one message: appends land one
 * after the other, whole; a write past the end leaves a hole of zeroes;
 * the size is exact after each; two processes appending at once never
 * mix their writes.
 */
static void write_grow(void)
{
	const char *c = "filemap.write_grow";
	static uint8_t a[40000], b[40000], got[40000];
	char gpath[300];
	struct stat st;
	int fd, status = 0;
	pid_t pid;

	snprintf(gpath, sizeof(gpath), "%s.grow", path);
	memset(a, 'a', sizeof(a));
	memset(b, 'b', sizeof(b));
	fd = open(gpath, O_RDWR | O_CREAT | O_TRUNC | O_APPEND, 0644);
	if (fd < 0 || write(fd, a, 1000) != 1000 ||
	    write(fd, b, sizeof(b)) != sizeof(b) || fstat(fd, &st) ||
	    st.st_size != 41000) {
		FAIL(c, "append: size %ld", fd < 0 ? -1L : (long)st.st_size);
		return;
	}
	if (pread(fd, got, sizeof(b), 1000) != sizeof(b) ||
	    memcmp(got, b, sizeof(b)) || pread(fd, got, 1000, 0) != 1000 ||
	    memcmp(got, a, 1000)) {
		FAIL(c, "appended bytes wrong");
		return;
	}
	close(fd);
	fd = open(gpath, O_RDWR);
	/* Past the end: a hole, then 40000 bytes. */
	if (fd < 0 || pwrite(fd, a, sizeof(a), 100000) != sizeof(a) ||
	    fstat(fd, &st) || st.st_size != 140000 ||
	    pread(fd, got, 1000, 50000) != 1000 || got[0] || got[999] ||
	    pread(fd, got, sizeof(a), 100000) != sizeof(a) ||
	    memcmp(got, a, sizeof(a))) {
		FAIL(c, "write past the end: size %ld", (long)st.st_size);
		return;
	}
	close(fd);
	/* Two appenders, 20 writes of 40000 bytes each. */
	fd = open(gpath, O_RDWR | O_TRUNC | O_APPEND);
	fflush(stdout);
	pid = fork();
	for (int i = 0; fd >= 0 && i < 20; i++)
		if (write(fd, pid == 0 ? b : a, sizeof(a)) != sizeof(a))
			_exit(3);
	if (pid == 0)
		_exit(0);
	waitpid(pid, &status, 0);
	if (fd < 0 || status || fstat(fd, &st) ||
	    st.st_size != 40 * (off_t)sizeof(a)) {
		FAIL(c, "two appenders: status %#x, size %ld", status,
		     (long)st.st_size);
		return;
	}
	for (int i = 0; i < 40; i++)
		if (pread(fd, got, sizeof(a), (off_t)i * sizeof(a)) !=
		    sizeof(a) || (memcmp(got, a, sizeof(a)) &&
				  memcmp(got, b, sizeof(b)))) {
			FAIL(c, "append %d of two appenders is mixed", i);
			return;
		}
	if (fsync(fd))		/* nothing of it left dirty behind */
		FAIL(c, "fsync: %s", strerror(errno));
	else
		PASS(c);
	close(fd);
	unlink(gpath);
}

/*
 * read() into the caller's memory (MM_FILE_READ_TO): an unaligned read
 * across pages matches the mapping; a read-only buffer is EFAULT; a
 * buffer that turns read-only half way gets the bytes before; a buffer
 * shared copy-on-write with a parent changes only in the child.
 */
static void read_to(void)
{
	const char *c = "filemap.read_to";
	char rpath[300];
	static uint8_t src[300000];
	uint8_t *buf, *map;
	int fd, status = 0;
	ssize_t r;
	pid_t pid;

	snprintf(rpath, sizeof(rpath), "%s.readto", path);
	for (size_t i = 0; i < sizeof(src); i++)
		src[i] = PAT(i);
	fd = open(rpath, O_RDWR | O_CREAT | O_TRUNC, 0644);
	if (fd < 0 || write(fd, src, sizeof(src)) != sizeof(src)) {
		FAIL(c, "setup: %s", strerror(errno));
		return;
	}
	buf = mmap(NULL, 80 * PAGE, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	map = mmap(NULL, sizeof(src), PROT_READ, MAP_SHARED, fd, 0);
	if (buf == MAP_FAILED || map == MAP_FAILED) {
		FAIL(c, "mmap: %s", strerror(errno));
		return;
	}
	/* Unaligned, more than one request's worth. */
	r = pread(fd, buf + 123, 290000, 4567);
	if (r != 290000 || memcmp(buf + 123, map + 4567, 290000)) {
		FAIL(c, "unaligned read gave %ld", (long)r);
		return;
	}
	/* Past the end: short. */
	if (pread(fd, buf, 10000, sizeof(src) - 100) != 100 ||
	    memcmp(buf, src + sizeof(src) - 100, 100)) {
		FAIL(c, "read at the end");
		return;
	}
	/* A read-only buffer, then one that turns read-only. */
	errno = 0;
	r = pread(fd, map, 100, 0);
	if (r != -1 || errno != EFAULT) {
		FAIL(c, "into a read-only mapping: %ld, errno %d", (long)r,
		     errno);
		return;
	}
	mprotect(buf + 2 * PAGE, PAGE, PROT_READ);
	r = pread(fd, buf + PAGE + 100, 3 * PAGE, 0);
	if (r != PAGE - 100 || memcmp(buf + PAGE + 100, src, PAGE - 100)) {
		FAIL(c, "into a buffer that turns read-only: %ld", (long)r);
		return;
	}
	mprotect(buf + 2 * PAGE, PAGE, PROT_READ | PROT_WRITE);
	/* Copy on write after fork. */
	memset(buf, 'x', 4 * PAGE);
	fflush(stdout);
	pid = fork();
	if (pid == 0)
		_exit(pread(fd, buf, 4 * PAGE, 0) != 4 * PAGE ||
		      memcmp(buf, src, 4 * PAGE) ? 1 : 0);
	waitpid(pid, &status, 0);
	if (status != 0 || buf[0] != 'x' || buf[4 * PAGE - 1] != 'x') {
		FAIL(c, "after fork: child status %#x, parent's buffer %#x",
		     status, buf[0]);
		return;
	}
	munmap(buf, 80 * PAGE);
	munmap(map, sizeof(src));
	close(fd);
	unlink(rpath);
	PASS(c);
}

/*
 * `filemap mixed FILE_MB ANON_MB`: dirty file pages and anonymous memory
 * under pressure together (a small guest with swap): the file is written
 * with write(), changed through a shared mapping while the anonymous
 * region is filled, and everything is checked; no fsync - the halt must
 * write the file back (the integration test reads it on the host).
 */
static int mixed(long file_mb, long anon_mb)
{
	static uint64_t page[PAGE / 8];
	long fpages = file_mb * 256, apages = anon_mb * 256, bad = 0;
	uint64_t *a, *q;
	int fd = open("/tmp/mixed.dat", O_RDWR | O_CREAT | O_TRUNC, 0644);

	for (long pg = 0; fd >= 0 && pg < fpages; pg++) {
		for (int w = 0; w < PAGE / 8; w++)
			page[w] = BIGW(pg, w);
		if (write(fd, page, PAGE) != PAGE)
			fd = -1;
	}
	a = mmap(NULL, (size_t)apages * PAGE, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	q = fd < 0 ? MAP_FAILED : mmap(NULL, (size_t)fpages * PAGE,
				       PROT_READ | PROT_WRITE, MAP_SHARED, fd,
				       0);
	if (fd < 0 || a == MAP_FAILED || q == MAP_FAILED) {
		FAIL("filemap.mixed", "setup failed: %s", strerror(errno));
		return 1;
	}
	for (long i = 0; i < (apages > fpages ? apages : fpages); i++) {
		if (i < apages)
			a[i * (PAGE / 8)] = ~(uint64_t)i;
		if (i < fpages)
			q[i * (PAGE / 8) + 3] = ~BIGW(i, 3);
	}
	for (long i = 0; i < apages; i++)
		bad += a[i * (PAGE / 8)] != ~(uint64_t)i;
	for (long pg = 0; pg < fpages; pg++)
		if (pread(fd, page, 64, pg * PAGE) != 64 ||
		    page[3] != ~BIGW(pg, 3) || page[4] != BIGW(pg, 4))
			bad++;
	if (bad)
		FAIL("filemap.mixed", "%ld pages wrong", bad);
	else
		PASS("filemap.mixed");
	return bad != 0;		/* no munmap, no fsync: see above */
}

static void bad_args(int fd)
{
	int rfd = open(path, O_RDONLY);
	void *p1 = mmap(NULL, PAGE, PROT_READ, MAP_PRIVATE, 12345, 0);
	int e1 = errno;
	void *p2 = mmap(NULL, PAGE, PROT_READ, MAP_PRIVATE, fd, 100);
	int e2 = errno;
	void *p3 = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, rfd,
			0);
	int e3 = errno;

	if (p1 != MAP_FAILED || e1 != EBADF || p2 != MAP_FAILED ||
	    e2 != EINVAL || p3 != MAP_FAILED || e3 != EACCES)
		FAIL("filemap.errors", "EBADF %d, EINVAL %d, EACCES %d", e1, e2,
		     e3);
	else
		PASS("filemap.errors");
	close(rfd);
}

/*
 * `filemap big MB`: a file larger than RAM, read through a private
 * mapping twice (the page cache must give pages back as it goes), then
 * one word of every page changed through a shared mapping, which reclaim
 * and munmap must write back.
 */
static int big(long mb)
{
	static uint64_t buf[PAGE / 8];
	long npages = mb * 256, bad = 0;
	const uint64_t *p;
	uint64_t *q;
	int fd;

	snprintf(path, sizeof(path), "/tmp/filemap.big");
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
	for (long pg = 0; fd >= 0 && pg < npages; pg++) {
		for (int w = 0; w < PAGE / 8; w++)
			buf[w] = BIGW(pg, w);
		if (write(fd, buf, PAGE) != PAGE) {
			FAIL("filemap.big_write", "write at page %ld: %s", pg,
			     strerror(errno));
			return 1;
		}
	}
	if (fd < 0) {
		FAIL("filemap.big_write", "%s: %s", path, strerror(errno));
		return 1;
	}
	PASS("filemap.big_write");
	p = mmap(NULL, (size_t)npages * PAGE, PROT_READ, MAP_PRIVATE, fd, 0);
	for (int pass = 0; p != MAP_FAILED && pass < 2; pass++)
		for (long pg = 0; pg < npages; pg++)
			for (int w = 0; w < PAGE / 8; w += 64)
				bad += p[pg * (PAGE / 8) + w] != BIGW(pg, w);
	if (p == MAP_FAILED || bad)
		FAIL("filemap.big_read", "%ld words wrong", bad);
	else
		PASS("filemap.big_read");
	munmap((void *)p, (size_t)npages * PAGE);
	q = mmap(NULL, (size_t)npages * PAGE, PROT_READ | PROT_WRITE,
		 MAP_SHARED, fd, 0);
	for (long pg = 0; q != MAP_FAILED && pg < npages; pg++)
		q[pg * (PAGE / 8) + 7] = ~BIGW(pg, 7);
	if (q != MAP_FAILED)
		munmap(q, (size_t)npages * PAGE);
	for (long pg = 0; q != MAP_FAILED && pg < npages; pg++)
		if (pread(fd, buf, 64, pg * PAGE) != 64 ||
		    buf[7] != ~BIGW(pg, 7) || buf[6] != BIGW(pg, 6))
			bad++;
	if (q == MAP_FAILED || bad)
		FAIL("filemap.big_shared", "%ld pages wrong", bad);
	else
		PASS("filemap.big_shared");
	close(fd);
	unlink(path);
	return guest_failures != 0;
}

/*
 * `filemap cold MB` writes /tmp/filemap.cold, MB MiB, in a guest too small
 * to keep it cached, so that its first pages are read from the disk again.
 * `filemap coldcheck` then maps it, reads the first two pages (the second
 * starts an asynchronous readahead window), and at once cuts the file to
 * two pages and a bit: a window still being read must go too, a page past
 * the new end is SIGBUS, and what is left reads as written.  Then it reads
 * the rest of a second copy through the mapping while readahead runs ahead.
 * `filemap colddead` (after the block driver is killed) reads the cold
 * file: a page that must come from the disk is SIGBUS through a mapping
 * and EIO through read(), and nothing else goes wrong.
 */
static int cold_write(const char *name, long npages)
{
	static uint64_t buf[PAGE / 8];
	int fd = open(name, O_RDWR | O_CREAT | O_TRUNC, 0644);

	for (long pg = 0; fd >= 0 && pg < npages; pg++) {
		for (int w = 0; w < PAGE / 8; w++)
			buf[w] = BIGW(pg, w);
		if (write(fd, buf, PAGE) != PAGE) {
			close(fd);
			return -1;
		}
	}
	if (fd >= 0 && fsync(fd)) {
		close(fd);
		return -1;
	}
	return fd;
}

static int cold(long mb)
{
	int a = cold_write("/tmp/filemap.cold", mb * 256);
	int b = a < 0 ? -1 : cold_write("/tmp/filemap.cold2", mb * 256);

	if (a < 0 || b < 0)
		FAIL("filemap.cold_write", "%s", strerror(errno));
	else
		PASS("filemap.cold_write");
	close(a);
	close(b);
	return guest_failures != 0;
}

/* A child touching p[off]: its wait status. */
static int touch_in_child(const volatile uint8_t *p, size_t off)
{
	int status = 0;
	pid_t pid;

	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		volatile uint8_t x = p[off];

		(void)x;
		_exit(0);
	}
	waitpid(pid, &status, 0);
	return status;
}

static void cold_truncate(void)
{
	const char *c = "filemap.readahead_truncate";
	int fd = open("/tmp/filemap.cold", O_RDWR);
	struct stat st;
	const volatile uint64_t *p;
	size_t len;
	int status;

	if (fd < 0 || fstat(fd, &st)) {
		FAIL(c, "open: %s", strerror(errno));
		return;
	}
	len = (size_t)st.st_size;
	p = mmap(NULL, len, PROT_READ, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED) {
		FAIL(c, "mmap: %s", strerror(errno));
		close(fd);
		return;
	}
	if (p[0] != BIGW(0, 0) || p[PAGE / 8 + 5] != BIGW(1, 5) ||
	    ftruncate(fd, 2 * PAGE + 100)) {
		FAIL(c, "read or ftruncate failed");
	} else if (!WIFSIGNALED(status = touch_in_child((const void *)p,
							 8 * PAGE)) ||
		   WTERMSIG(status) != SIGBUS) {
		FAIL(c, "page 8 after the cut: child status %#x", status);
	} else if (p[2 * (PAGE / 8) + 11] != BIGW(2, 11) ||
		   ((const volatile uint8_t *)p)[2 * PAGE + 99] !=
		   (uint8_t)(BIGW(2, 12) >> 24) ||
		   ((const volatile uint8_t *)p)[2 * PAGE + 100] != 0 ||
		   p[2 * (PAGE / 8) + 13] != 0 ||
		   p[PAGE / 8 + 511] != BIGW(1, 511)) {
		FAIL(c, "the pages left are wrong");
	} else {
		PASS(c);
	}
	munmap((void *)p, len);
	close(fd);
}

static void cold_read_all(void)
{
	const char *c = "filemap.readahead_read";
	int fd = open("/tmp/filemap.cold2", O_RDONLY);
	struct stat st;
	const uint64_t *p;
	long bad = 0, npages;

	if (fd < 0 || fstat(fd, &st)) {
		FAIL(c, "open: %s", strerror(errno));
		return;
	}
	npages = (long)(st.st_size / PAGE);
	p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_SHARED, fd, 0);
	for (long pg = 0; p != MAP_FAILED && pg < npages; pg++)
		bad += p[pg * (PAGE / 8) + (pg & 511)] != BIGW(pg, pg & 511);
	if (p == MAP_FAILED || bad)
		FAIL(c, "%ld of %ld pages wrong", bad, npages);
	else
		PASS(c);
	if (p != MAP_FAILED)
		munmap((void *)p, (size_t)st.st_size);
	close(fd);
}

static int cold_dead(void)
{
	const char *c = "filemap.readahead_dead_disk";
	int fd = open("/tmp/filemap.cold2", O_RDONLY);
	static uint64_t buf[PAGE / 8];
	const uint8_t *p;
	struct stat st;
	long npages, pg, eio = -1;
	int status;

	if (fd < 0 || fstat(fd, &st)) {
		FAIL(c, "open: %s", strerror(errno));
		return 1;
	}
	npages = (long)(st.st_size / PAGE);
	p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED) {
		FAIL(c, "mmap: %s", strerror(errno));
		return 1;
	}
	/* read(): every page either reads as written or fails with EIO. */
	for (pg = 0; pg < npages; pg++) {
		ssize_t r = pread(fd, buf, PAGE, pg * PAGE);

		if (r < 0 && errno == EIO) {
			if (eio < 0)
				eio = pg;
			continue;
		}
		if (r != PAGE || buf[3] != BIGW(pg, 3)) {
			FAIL(c, "page %ld: read gave %ld, errno %d", pg,
			     (long)r, errno);
			return 1;
		}
	}
	if (eio < 0) {
		FAIL(c, "every page was still cached: nothing to test");
		return 1;
	}
	status = touch_in_child(p, (size_t)eio * PAGE);
	if (!WIFSIGNALED(status) || WTERMSIG(status) != SIGBUS)
		FAIL(c, "page %ld through the mapping: child status %#x", eio,
		     status);
	else
		PASS(c);
	munmap((void *)p, (size_t)st.st_size);
	close(fd);
	return guest_failures != 0;
}

/*
 * `filemap throttle MB` writes /tmp/throttle.dat, MB MiB, with write()
 * faster than the disk takes it: past the dirty ratio the writer is
 * parked while its file is written back.  Then fsync, and every page is
 * read back with pread and checked (the integration test also reads the
 * file on the host).
 */
static int throttle(long mb)
{
	static uint64_t buf[16 * PAGE / 8];
	long npages = mb * 256, bad = 0;
	int fd = open("/tmp/throttle.dat", O_RDWR | O_CREAT | O_TRUNC, 0644);

	for (long pg = 0; fd >= 0 && pg < npages; pg += 16) {
		for (int i = 0; i < 16; i++)
			for (int w = 0; w < PAGE / 8; w += 64)
				buf[i * (PAGE / 8) + w] = BIGW(pg + i, w);
		if (write(fd, buf, sizeof(buf)) != sizeof(buf)) {
			FAIL("filemap.throttle", "write at page %ld: %s", pg,
			     strerror(errno));
			return 1;
		}
	}
	if (fd < 0 || fsync(fd)) {
		FAIL("filemap.throttle", "open or fsync: %s", strerror(errno));
		return 1;
	}
	for (long pg = 0; pg < npages; pg++)
		if (pread(fd, buf, 8, pg * PAGE) != 8 || buf[0] != BIGW(pg, 0))
			bad++;
	if (bad)
		FAIL("filemap.throttle", "%ld pages wrong", bad);
	else
		PASS("filemap.throttle");
	close(fd);
	return bad != 0;
}

/*
 * `filemap prep` makes /tmp/ioerr.dat (two pages, on the disk); after the
 * block driver is gone, `filemap ioerr` changes it with write() - the
 * page is still cached - and fsync() must report the failed writeback.
 */
static int ioerr(bool prep)
{
	static char buf[2 * PAGE];
	int fd = open("/tmp/ioerr.dat", prep ? O_RDWR | O_CREAT | O_TRUNC :
		      O_RDWR, 0644);

	if (fd < 0) {
		FAIL("filemap.ioerr", "open: %s", strerror(errno));
		return 1;
	}
	memset(buf, prep ? 'p' : 'q', sizeof(buf));
	if (prep) {
		if (write(fd, buf, sizeof(buf)) != sizeof(buf) || fsync(fd) ||
		    pread(fd, buf, sizeof(buf), 0) != sizeof(buf))
			FAIL("filemap.ioerr_prep", "%s", strerror(errno));
		else
			PASS("filemap.ioerr_prep");
	} else {
		int r;

		if (pwrite(fd, buf, 100, 0) != 100)
			FAIL("filemap.ioerr", "write: %s", strerror(errno));
		r = fsync(fd);
		if (r == 0 || errno != EIO)
			FAIL("filemap.ioerr", "fsync gave %d, errno %d", r, errno);
		else
			PASS("filemap.ioerr");
	}
	close(fd);
	return guest_failures != 0;
}

int main(int argc, char **argv)
{
	int fd;

	if (argc > 1 && !strcmp(argv[1], "prep"))
		return ioerr(true);
	if (argc > 1 && !strcmp(argv[1], "ioerr"))
		return ioerr(false);
	if (argc > 2 && !strcmp(argv[1], "throttle"))
		return throttle(strtol(argv[2], NULL, 10));
	if (argc > 2 && !strcmp(argv[1], "cold"))
		return cold(strtol(argv[2], NULL, 10));
	if (argc > 1 && !strcmp(argv[1], "coldcheck")) {
		cold_truncate();
		cold_read_all();
		return guest_failures != 0;
	}
	if (argc > 1 && !strcmp(argv[1], "colddead"))
		return cold_dead();
	if (argc > 2 && !strcmp(argv[1], "big"))
		return big(strtol(argv[2], NULL, 10));
	if (argc > 3 && !strcmp(argv[1], "mixed"))
		return mixed(strtol(argv[2], NULL, 10),
			     strtol(argv[3], NULL, 10));
	snprintf(path, sizeof(path), "%s/filemap.dat",
		 argc > 1 ? argv[1] : "/tmp");
	fd = make_file();
	if (fd < 0) {
		FAIL("filemap.setup", "%s: %s", path, strerror(errno));
		return 1;
	}
	private_read(fd);
	private_write(fd);
	shared_write(fd);
	beyond_eof(fd);
	shared_fork(fd);
	coherence(fd);
	truncate_mapped();
	write_grow();
	read_to();
	bad_args(fd);
	close(fd);
	printf("%d failed\n", guest_failures);
	return guest_failures != 0;
}
