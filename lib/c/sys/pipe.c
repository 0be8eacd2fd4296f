/*
 * pipe.c - pipes as a kind of file: each end is a struct file whose priv
 * is the end id the pipe server gave (ipc/pipe.h; the server lives in
 * the process server, so requests go to H_PROC).
 *
 * One struct file holds one reference to its end in the server: dup()
 * shares the struct file (fd.c), so it needs no request, and the last
 * close sends PIPE_CLOSE.  After fork() the child has a copy of every
 * struct file, and the server has given the child a copy of every
 * reference, so the two stay in step.  A process's references go when
 * it dies, so exit needs nothing from here.
 *
 * A request carries at most IPC_BUF_MAX bytes, so transfers go in chunks.
 * A read lands straight in the caller's buffer, registered as the receive
 * buffer for that one request; the kernel checks it and makes it writable
 * first, so a bad pointer is EFAULT before any byte leaves the pipe.  The
 * first chunk of a read waits for data; later chunks only take what is
 * there, so read() returns what is available, as on Linux.  A write
 * waits for every chunk; each chunk is one atomic write, so writes of up
 * to PIPE_BUF bytes are atomic.  Writing with no reader left raises
 * SIGPIPE, whose default action kills the process, as on Linux; the call
 * fails with EPIPE if the process survives it.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <ipc/pipe.h>
#include <ipc/proc.h>
#include <ipc/usys.h>

#include "oslayer.h"

/* Every pipe file is named by a descriptor, so FD_MAX of them suffice. */
static struct file pipe_files[FD_MAX];

static uint64_t pipe_end(const struct file *f)
{
	return (uint64_t)(uintptr_t)f->priv;
}

static uint64_t pipe_flags(const struct file *f)
{
	return f->flags & O_NONBLOCK ? PIPE_NONBLOCK : 0;
}

/* One request: up to IPC_BUF_MAX bytes into dst.  Returns n (0: EOF). */
static long pipe_read_chunk(struct file *f, char *dst, size_t n,
			    uint64_t flags)
{
	struct ipc_msg m = { .w = { pipe_end(f), n, flags } };
	long err = os_recvbuf_use(dst, n);

	if (!err)
		err = os_request(H_PROC, PIPE_READ, 3, &m);
	os_recvbuf_register();
	if (!err && (IPC_TAG_BUFLEN(m.tag) != m.w[1] ||
		     (m.tag & IPC_TAG_TRUNC)))
		err = -EIO;	/* the server sent what it did not say */
	return err ? err : (long)m.w[1];
}

static long pipe_read(struct file *f, void *buf, size_t n)
{
	uint64_t flags = pipe_flags(f);
	char *dst = buf;
	size_t done = 0;

	while (done < n) {
		size_t chunk = n - done < IPC_BUF_MAX ? n - done : IPC_BUF_MAX;
		long r = pipe_read_chunk(f, dst + done, chunk, flags);

		if (r < 0)
			return done ? (long)done : r;
		done += (size_t)r;
		if ((size_t)r < chunk)
			break;
		flags |= PIPE_NONBLOCK;		/* only what is already there */
	}
	return (long)done;
}

static long pipe_write_chunk(struct file *f, const char *src, size_t n)
{
	struct ipc_msg m = { .w = { pipe_end(f), pipe_flags(f) } };
	long err = ipc_request(H_PROC, PIPE_WRITE, 2, &m, src, (unsigned)n);

	return err ? err : (long)m.w[1];
}

/* Returns the bytes written; an error only if none were. */
static long pipe_write(struct file *f, const void *buf, size_t n)
{
	const char *src = buf;
	size_t done = 0;

	while (done < n) {
		size_t chunk = n - done < IPC_BUF_MAX ? n - done : IPC_BUF_MAX;
		long r = pipe_write_chunk(f, src + done, chunk);

		if (r == -EPIPE)
			kill(getpid(), SIGPIPE);
		if (r <= 0)
			return done ? (long)done : r;
		done += (size_t)r;
	}
	return (long)done;
}

static int pipe_fstat(struct file *f, struct stat *st)
{
	struct ipc_msg m = { .w = { pipe_end(f) } };
	long err = os_request(H_PROC, PIPE_STAT, 1, &m);

	if (err)
		return (int)err;
	memset(st, 0, sizeof(*st));
	st->st_mode = S_IFIFO | 0600;
	st->st_nlink = 1;
	st->st_ino = m.w[1];
	st->st_blksize = PIPE_ATOMIC_MAX;
	return 0;
}

static int pipe_release(struct file *f)
{
	struct ipc_msg m = { .w = { pipe_end(f) } };
	long err = os_request(H_PROC, PIPE_CLOSE, 1, &m);

	f->ops = NULL;
	return (int)err;
}

static const struct file_ops pipe_ops = {
	.kind = "pipe",
	.read = pipe_read,
	.write = pipe_write,
	.fstat = pipe_fstat,
	.release = pipe_release,
};

/* Gives end a struct file and a descriptor; closes the end on failure. */
static int pipe_install(uint64_t end, int flags)
{
	struct file *f = NULL;
	int fd;

	for (int i = 0; i < FD_MAX && !f; i++)
		if (!pipe_files[i].ops)
			f = &pipe_files[i];
	if (!f) {
		struct ipc_msg m = { .w = { end } };

		os_request(H_PROC, PIPE_CLOSE, 1, &m);
		return -EMFILE;
	}
	*f = (struct file){ .ops = &pipe_ops, .flags = flags,
			    .priv = (void *)(uintptr_t)end };
	fd = fd_install(f, 0, 0);
	if (fd < 0)
		pipe_release(f);
	return fd;
}

int pipe(int fds[2])
{
	struct ipc_msg m = { 0 };
	int rfd, wfd;
	long err;

	/* fds must be writable before the pipe exists, or it would leak. */
	err = os_recvbuf_use(fds, 2 * sizeof(int));
	os_recvbuf_register();
	if (!err)
		err = os_request(H_PROC, PIPE_CREATE, 0, &m);
	if (err)
		return (int)os_result(err);
	rfd = pipe_install(m.w[1], O_RDONLY);
	if (rfd < 0) {
		struct ipc_msg mc = { .w = { m.w[2] } };

		os_request(H_PROC, PIPE_CLOSE, 1, &mc);
		return (int)os_result(rfd);
	}
	wfd = pipe_install(m.w[2], O_WRONLY);
	if (wfd < 0) {
		close(rfd);
		return (int)os_result(wfd);
	}
	fds[0] = rfd;
	fds[1] = wfd;
	return 0;
}
