/*
 * pipetest.c - pipes: lib/c's pipe(), read(), write(), close(), dup(),
 * fstat() on pipe descriptors, and the pipe server behind them (ipc/pipe.h,
 * in init), within one process and across fork().
 *
 * `pipetest` runs every case; `pipetest sigpipe` is the child the sigpipe
 * case starts: it writes to a pipe with no reader and must die of SIGPIPE.
 * Data is a position-dependent pattern, checked byte for byte, moved in
 * chunk sizes that are odd and never line up with the 4 KiB request size
 * or the 64 KiB capacity.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <ipc/pipe.h>
#include "guest.h"

#define BIG		(1024 * 1024)
#define CAPACITY	(64 * 1024)

/* The case fails with this reason unless cond holds. */
#define CHECK(id, cond, ...) do {					\
	if (!(cond)) {							\
		FAIL(id, __VA_ARGS__);					\
		goto out;						\
	}								\
} while (0)

static const size_t wsizes[] = { 1, 4095, 4097, 8191, 333, 65537, 7, 12289 };
static const size_t rsizes[] = { 3, 4099, 1, 9001, 65535, 511, 20001 };

static unsigned char pattern(size_t i)
{
	return (unsigned char)(i * 31 + (i >> 12) * 7 + 1);
}

static void fill(unsigned char *buf, size_t at, size_t n)
{
	for (size_t i = 0; i < n; i++)
		buf[i] = pattern(at + i);
}

/* Index of the first byte that is not pattern(at + i), or n. */
static size_t mismatch(const unsigned char *buf, size_t at, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (buf[i] != pattern(at + i))
			return i;
	return n;
}

static void close_both(int fds[2])
{
	if (fds[0] >= 0)
		close(fds[0]);
	if (fds[1] >= 0)
		close(fds[1]);
	fds[0] = fds[1] = -1;
}

/* Writes all n bytes of the pattern from position at; 0 or an errno. */
static int write_pattern(int fd, size_t total)
{
	static unsigned char buf[65537];
	size_t done = 0;

	for (int k = 0; done < total; k++) {
		size_t n = wsizes[k % 8];
		ssize_t r;

		if (n > total - done)
			n = total - done;
		fill(buf, done, n);
		r = write(fd, buf, n);
		if (r != (ssize_t)n)
			return r < 0 ? errno : EIO;
		done += n;
	}
	return 0;
}

/* Reads until EOF and checks the pattern; returns the bytes read, or -1
 * (with *bad at the first wrong position). */
static long read_pattern(int fd, size_t *bad)
{
	static unsigned char buf[65535];
	size_t done = 0;

	for (int k = 0;; k++) {
		ssize_t r = read(fd, buf, rsizes[k % 7]);
		size_t off;

		if (r < 0)
			return -1;
		if (r == 0)
			return (long)done;
		off = mismatch(buf, done, (size_t)r);
		if (off != (size_t)r) {
			*bad = done + off;
			return -1;
		}
		done += (size_t)r;
	}
}

static void t_basic(void)
{
	const char *id = "pipe.basic";
	int fds[2] = { -1, -1 }, d = -1;
	struct stat sr, sw;
	char buf[16];

	CHECK(id, pipe(fds) == 0, "pipe: %s", strerror(errno));
	CHECK(id, fds[0] > 2 && fds[1] > 2 && fds[0] != fds[1],
	      "descriptors %d %d", fds[0], fds[1]);
	CHECK(id, write(fds[1], "hello", 5) == 5, "write: %s",
	      strerror(errno));
	CHECK(id, read(fds[0], buf, sizeof(buf)) == 5 &&
	      !memcmp(buf, "hello", 5), "read back wrong");
	CHECK(id, fstat(fds[0], &sr) == 0 && fstat(fds[1], &sw) == 0,
	      "fstat: %s", strerror(errno));
	CHECK(id, S_ISFIFO(sr.st_mode) && S_ISFIFO(sw.st_mode) &&
	      sr.st_ino == sw.st_ino, "fstat: mode %o %o, ino %lu %lu",
	      sr.st_mode, sw.st_mode, (unsigned long)sr.st_ino,
	      (unsigned long)sw.st_ino);
	CHECK(id, write(fds[0], "x", 1) == -1 && errno == EBADF,
	      "write to the read end did not fail with EBADF");
	CHECK(id, read(fds[1], buf, 1) == -1 && errno == EBADF,
	      "read from the write end did not fail with EBADF");
	CHECK(id, lseek(fds[0], 0, SEEK_SET) == -1 && errno == ESPIPE,
	      "lseek did not fail with ESPIPE");
	CHECK(id, !isatty(fds[0]), "a pipe is a tty");
	d = dup(fds[1]);
	CHECK(id, d >= 0, "dup: %s", strerror(errno));
	close(fds[1]);
	fds[1] = -1;
	CHECK(id, write(d, "abc", 3) == 3, "write through dup: %s",
	      strerror(errno));
	CHECK(id, dup2(d, 20) == 20, "dup2: %s", strerror(errno));
	close(d);
	d = 20;
	CHECK(id, write(d, "de", 2) == 2, "write through dup2: %s",
	      strerror(errno));
	CHECK(id, read(fds[0], buf, sizeof(buf)) == 5 &&
	      !memcmp(buf, "abcde", 5), "read through dup wrong");
	close(d);
	d = -1;
	CHECK(id, read(fds[0], buf, 1) == 0, "no EOF after closing dups");
	PASS(id);
out:
	if (d >= 0)
		close(d);
	close_both(fds);
}

/* 1 MiB through one pipe in one process: write while it fits, read. */
static void t_big(void)
{
	const char *id = "pipe.big";
	static unsigned char wbuf[65537], rbuf[65535];
	size_t written = 0, got = 0, held = 0;
	int fds[2] = { -1, -1 }, wk = 0, rk = 0;

	CHECK(id, pipe(fds) == 0, "pipe: %s", strerror(errno));
	while (got < BIG) {
		size_t w = wsizes[wk % 8], r = rsizes[rk % 7], off;
		ssize_t n;

		if (w > BIG - written)
			w = BIG - written;
		if (w > CAPACITY - held)
			w = CAPACITY - held;
		if (w && held < CAPACITY / 2) {
			fill(wbuf, written, w);
			n = write(fds[1], wbuf, w);
			CHECK(id, n == (ssize_t)w, "write %zu at %zu: %zd (%s)",
			      w, written, n, strerror(errno));
			written += w;
			held += w;
			wk++;
			continue;
		}
		if (r > held)
			r = held;
		n = read(fds[0], rbuf, r);
		CHECK(id, n == (ssize_t)r, "read %zu at %zu: %zd (%s)", r, got,
		      n, strerror(errno));
		off = mismatch(rbuf, got, r);
		CHECK(id, off == r, "wrong byte at %zu", got + off);
		got += r;
		held -= r;
		rk++;
	}
	PASS(id);
out:
	close_both(fds);
}

static void t_eof(void)
{
	const char *id = "pipe.eof";
	int fds[2] = { -1, -1 };
	char buf[64];

	CHECK(id, pipe(fds) == 0, "pipe: %s", strerror(errno));
	CHECK(id, write(fds[1], "0123456789", 10) == 10, "write: %s",
	      strerror(errno));
	close(fds[1]);
	fds[1] = -1;
	CHECK(id, read(fds[0], buf, sizeof(buf)) == 10, "buffered bytes lost");
	CHECK(id, read(fds[0], buf, sizeof(buf)) == 0, "no EOF");
	CHECK(id, read(fds[0], buf, sizeof(buf)) == 0, "no second EOF");
	PASS(id);
out:
	close_both(fds);
}

/* The protocol itself: no reader means -EPIPE (lib/c would also raise
 * SIGPIPE; pipe.sigpipe checks that). */
static void t_epipe(void)
{
	const char *id = "pipe.epipe";
	struct pipe_create_rep ends;
	struct pipe_write_rep wr;
	long err;

	err = pipe_req_create(H_PROC, &ends);
	CHECK(id, err == 0, "PIPE_CREATE: %ld", err);
	err = pipe_req_close(H_PROC, &(struct pipe_close_req){ ends.rd });
	CHECK(id, err == 0, "PIPE_CLOSE: %ld", err);
	err = pipe_req_write(H_PROC, &(struct pipe_write_req){ ends.wr, 0 },
			     "x", 1, &wr);
	CHECK(id, err == -EPIPE, "PIPE_WRITE without reader: %ld", err);
	err = pipe_req_close(H_PROC, &(struct pipe_close_req){ ends.wr });
	CHECK(id, err == 0, "PIPE_CLOSE: %ld", err);
	PASS(id);
out:;
}

/* The child half of pipe.sigpipe: must not come back from write(). */
static int sigpipe_child(void)
{
	int fds[2];

	if (pipe(fds))
		return 2;
	close(fds[0]);
	write(fds[1], "x", 1);
	return errno == EPIPE ? 3 : 4;
}

static void t_sigpipe(void)
{
	const char *id = "pipe.sigpipe";
	const char *argv[] = { "pipetest", "sigpipe", NULL };
	long pid = guest_spawn(argv);
	int st = 0;

	CHECK(id, pid > 0, "spawn: %s", strerror((int)-pid));
	CHECK(id, waitpid((pid_t)pid, &st, 0) == pid, "waitpid: %s",
	      strerror(errno));
	CHECK(id, WIFSIGNALED(st) && WTERMSIG(st) == SIGPIPE,
	      "child status %#x, not killed by SIGPIPE", st);
	PASS(id);
out:;
}

static void t_nonblock(void)
{
	const char *id = "pipe.nonblock";
	static char buf[4096];
	int fds[2] = { -1, -1 };
	size_t total = 0;
	ssize_t n;

	CHECK(id, pipe(fds) == 0, "pipe: %s", strerror(errno));
	CHECK(id, fcntl(fds[0], F_SETFL, O_NONBLOCK) == 0 &&
	      fcntl(fds[1], F_SETFL, O_NONBLOCK) == 0, "fcntl: %s",
	      strerror(errno));
	CHECK(id, read(fds[0], buf, 1) == -1 && errno == EAGAIN,
	      "empty read did not fail with EAGAIN");
	while ((n = write(fds[1], buf, 1000)) > 0 && total <= CAPACITY)
		total += (size_t)n;
	CHECK(id, n == -1 && errno == EAGAIN, "full write: %zd (%s)", n,
	      strerror(errno));
	CHECK(id, total == CAPACITY / 1000 * 1000, "%zu bytes fit", total);
	/* A write of PIPE_BUF bytes or fewer is all or nothing. */
	n = write(fds[1], buf, CAPACITY - total + 1);
	CHECK(id, n == -1 && errno == EAGAIN, "partial small write: %zd", n);
	CHECK(id, write(fds[1], buf, CAPACITY - total) ==
	      (ssize_t)(CAPACITY - total), "the last bytes did not fit");
	total = 0;
	while ((n = read(fds[0], buf, sizeof(buf))) > 0)
		total += (size_t)n;
	CHECK(id, total == CAPACITY && errno == EAGAIN,
	      "drained %zu bytes (%s)", total, strerror(errno));
	PASS(id);
out:
	close_both(fds);
}

/* Bad ids, wrong ends, bad pointers: errors, never a crash. */
static void t_bad(void)
{
	const char *id = "pipe.bad";
	static const uint64_t bogus[] = { 0, 1, 2, 0x1ff, 0xfffe,
					  0xdeadbeefcafe, ~0ull };
	void *wild = (void *)(uintptr_t)0xeaeb0b5b00002f5eull;
	struct ipc_msg m;
	int fds[2] = { -1, -1 };
	char c;
	long err;

	for (unsigned i = 0; i < sizeof(bogus) / sizeof(bogus[0]); i++) {
		for (unsigned l = PIPE_READ; l < PIPE_LABEL_END; l++) {
			m = (struct ipc_msg){ .w = { bogus[i], 1 } };
			err = ipc_request(H_PROC, l, 3, &m, "x", 1);
			CHECK(id, err == -EBADF, "label %#x id %#lx: %ld", l,
			      (unsigned long)bogus[i], err);
		}
	}
	CHECK(id, pipe(wild) == -1 && errno == EFAULT,
	      "pipe(wild pointer) did not fail with EFAULT");
	CHECK(id, pipe(fds) == 0, "pipe: %s", strerror(errno));
	CHECK(id, write(fds[1], wild, 8192) == -1 && errno == EFAULT,
	      "write from a wild pointer did not fail with EFAULT");
	CHECK(id, write(fds[1], "y", 1) == 1, "write: %s", strerror(errno));
	CHECK(id, read(fds[0], wild, 8192) == -1 && errno == EFAULT,
	      "read into a wild pointer did not fail with EFAULT");
	CHECK(id, read(fds[0], &c, 1) == 1 && c == 'y',
	      "the failed read lost the byte");
	PASS(id);
out:
	close_both(fds);
}

/* A process may hold 64 ends: the 33rd pipe is EMFILE. */
static void t_limit(void)
{
	const char *id = "pipe.limit";
	int fds[64][2], n = 0;
	uint64_t ends[66];
	int nends = 0;
	struct pipe_create_rep rp;
	long err = 0;

	while (n < 64 && pipe(fds[n]) == 0)
		n++;
	CHECK(id, n < 64 && errno == EMFILE, "%d pipes, then %s", n,
	      strerror(errno));
	for (int i = 0; i < n; i++)
		close_both(fds[i]);
	n = 0;
	while (nends < 66) {
		err = pipe_req_create(H_PROC, &rp);
		if (err)
			break;
		ends[nends++] = rp.rd;
		ends[nends++] = rp.wr;
	}
	CHECK(id, err == -EMFILE && nends == 64,
	      "server: %d ends, then %ld", nends, err);
	PASS(id);
out:
	for (int i = 0; i < n; i++)
		close_both(fds[i]);
	for (int i = 0; i < nends; i++)
		pipe_req_close(H_PROC, &(struct pipe_close_req){ ends[i] });
}

/* ---- across fork() ---- */

/* Forks; reports the failure under id and returns -1 if it cannot. */
static pid_t fork_or_fail(const char *id)
{
	pid_t pid = fork();

	if (pid < 0)
		FAIL(id, "fork: %s", strerror(errno));
	return pid;
}

/* Waits for pid; true if it exited with status 0. */
static bool child_ok(const char *id, pid_t pid)
{
	int st = 0;

	if (waitpid(pid, &st, 0) != pid) {
		FAIL(id, "waitpid: %s", strerror(errno));
		return false;
	}
	if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
		return true;
	if (WIFSIGNALED(st))
		FAIL(id, "child killed by signal %d", WTERMSIG(st));
	else
		FAIL(id, "child exited with %d", WEXITSTATUS(st));
	return false;
}

/* The reader child: reads BIG bytes to EOF; exit 0 if all were right. */
static void child_read_big(int fds[2])
{
	size_t bad = 0;

	close(fds[1]);
	_exit(read_pattern(fds[0], &bad) == BIG ? 0 : 1);
}

static void t_fork_parent_writes(void)
{
	const char *id = "pipe.fork_parent_writes";
	int fds[2] = { -1, -1 }, err;
	pid_t pid;

	CHECK(id, pipe(fds) == 0, "pipe: %s", strerror(errno));
	pid = fork_or_fail(id);
	if (pid < 0)
		goto out;
	if (pid == 0)
		child_read_big(fds);
	close(fds[0]);
	fds[0] = -1;
	err = write_pattern(fds[1], BIG);
	close(fds[1]);
	fds[1] = -1;
	if (err) {
		FAIL(id, "write: %s", strerror(err));
		waitpid(pid, NULL, 0);
		goto out;
	}
	if (child_ok(id, pid))
		PASS(id);
out:
	close_both(fds);
}

static void t_fork_child_writes(void)
{
	const char *id = "pipe.fork_child_writes";
	int fds[2] = { -1, -1 };
	size_t bad = 0;
	long got;
	pid_t pid;

	CHECK(id, pipe(fds) == 0, "pipe: %s", strerror(errno));
	pid = fork_or_fail(id);
	if (pid < 0)
		goto out;
	if (pid == 0) {
		close(fds[0]);
		_exit(write_pattern(fds[1], BIG) ? 1 : 0);
	}
	close(fds[1]);
	fds[1] = -1;
	got = read_pattern(fds[0], &bad);
	if (got != BIG) {
		if (got < 0)
			FAIL(id, "read: wrong byte at %zu", bad);
		else
			FAIL(id, "read %ld bytes, not %d", got, BIG);
		waitpid(pid, NULL, 0);
		goto out;
	}
	if (child_ok(id, pid))
		PASS(id);
out:
	close_both(fds);
}

/* The parent's read waits until the child writes, 50 ms later. */
static void t_fork_block_read(void)
{
	const char *id = "pipe.fork_block_read";
	int fds[2] = { -1, -1 };
	long t0, waited;
	char buf[8];
	pid_t pid;

	CHECK(id, pipe(fds) == 0, "pipe: %s", strerror(errno));
	pid = fork_or_fail(id);
	if (pid < 0)
		goto out;
	if (pid == 0) {
		close(fds[0]);
		usleep(50000);
		_exit(write(fds[1], "wake", 4) == 4 ? 0 : 1);
	}
	close(fds[1]);
	fds[1] = -1;
	t0 = sys_clock_ns();
	CHECK(id, read(fds[0], buf, sizeof(buf)) == 4 &&
	      !memcmp(buf, "wake", 4), "read: %s", strerror(errno));
	waited = sys_clock_ns() - t0;
	if (!child_ok(id, pid))
		goto out;
	CHECK(id, waited >= 40000000, "read returned after %ld ns", waited);
	CHECK(id, read(fds[0], buf, 1) == 0, "no EOF after the child exited");
	PASS(id);
out:
	close_both(fds);
}

/* A full pipe holds the parent's write until the child reads. */
static void t_fork_block_write(void)
{
	const char *id = "pipe.fork_block_write";
	static char buf[CAPACITY + 100];
	int fds[2] = { -1, -1 };
	pid_t pid;

	CHECK(id, pipe(fds) == 0, "pipe: %s", strerror(errno));
	pid = fork_or_fail(id);
	if (pid < 0)
		goto out;
	if (pid == 0) {
		size_t total = 0;
		ssize_t n;

		close(fds[1]);
		usleep(50000);
		while ((n = read(fds[0], buf, sizeof(buf))) > 0)
			total += (size_t)n;
		_exit(total == sizeof(buf) ? 0 : 1);
	}
	close(fds[0]);
	fds[0] = -1;
	CHECK(id, write(fds[1], buf, sizeof(buf)) == (ssize_t)sizeof(buf),
	      "write: %s", strerror(errno));
	close(fds[1]);
	fds[1] = -1;
	if (child_ok(id, pid))
		PASS(id);
out:
	close_both(fds);
}

/* The child holds the write end and exits without closing it. */
static void t_fork_child_exit_eof(void)
{
	const char *id = "pipe.fork_child_exit_eof";
	int fds[2] = { -1, -1 };
	char buf[8];
	pid_t pid;

	CHECK(id, pipe(fds) == 0, "pipe: %s", strerror(errno));
	pid = fork_or_fail(id);
	if (pid < 0)
		goto out;
	if (pid == 0) {
		usleep(20000);
		_exit(write(fds[1], "bye", 3) == 3 ? 0 : 1);
	}
	close(fds[1]);
	fds[1] = -1;
	CHECK(id, read(fds[0], buf, sizeof(buf)) == 3, "read: %s",
	      strerror(errno));
	CHECK(id, read(fds[0], buf, sizeof(buf)) == 0, "no EOF: %s",
	      strerror(errno));
	if (child_ok(id, pid))
		PASS(id);
out:
	close_both(fds);
}

int main(int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "sigpipe"))
		return sigpipe_child();
	t_basic();
	t_big();
	t_eof();
	t_epipe();
	t_sigpipe();
	t_nonblock();
	t_bad();
	t_limit();
	t_fork_parent_writes();
	t_fork_child_writes();
	t_fork_block_read();
	t_fork_block_write();
	t_fork_child_exit_eof();
	printf("pipetest: %d failed\n", guest_failures);
	return guest_failures ? 1 : 0;
}
