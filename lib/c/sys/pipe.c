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
	struct pipe_read_req rq = { .end = pipe_end(f), .max = n,
				    .flags = flags };
	struct pipe_read_rep rp = { 0 };
	uint64_t rtag = 0;
	long err = os_recvbuf_use(dst, n);

	if (!err)
		err = pipe_req_read(H_PROC, &rq, &rp, &rtag);
	os_recvbuf_register();
	if (!err && (IPC_TAG_BUFLEN(rtag) != rp.n || (rtag & IPC_TAG_TRUNC)))
		err = -EIO;	/* the server sent what it did not say */
	return err ? err : (long)rp.n;
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
	struct pipe_write_req rq = { .end = pipe_end(f),
				     .flags = pipe_flags(f) };
	struct pipe_write_rep rp;
	long err = pipe_req_write(H_PROC, &rq, src, (unsigned)n, &rp);

	return err ? err : (long)rp.n;
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
	struct pipe_stat_rep rp;
	long err = pipe_req_stat(H_PROC,
				 &(struct pipe_stat_req){ .end = pipe_end(f) },
				 &rp);

	if (err)
		return (int)err;
	memset(st, 0, sizeof(*st));
	st->st_mode = S_IFIFO | 0600;
	st->st_nlink = 1;
	st->st_ino = rp.ino;
	st->st_blksize = PIPE_ATOMIC_MAX;
	return 0;
}

static int pipe_release(struct file *f)
{
	long err = pipe_req_close(H_PROC, &(struct pipe_close_req){
					 .end = pipe_end(f) });

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
		pipe_req_close(H_PROC, &(struct pipe_close_req){ .end = end });
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
	struct pipe_create_rep rp;
	int rfd, wfd;
	long err;

	/* fds must be writable before the pipe exists, or it would leak. */
	err = os_recvbuf_use(fds, 2 * sizeof(int));
	os_recvbuf_register();
	if (!err)
		err = pipe_req_create(H_PROC, &rp);
	if (err)
		return (int)os_result(err);
	rfd = pipe_install(rp.rd, O_RDONLY);
	if (rfd < 0) {
		pipe_req_close(H_PROC,
			       &(struct pipe_close_req){ .end = rp.wr });
		return (int)os_result(rfd);
	}
	wfd = pipe_install(rp.wr, O_WRONLY);
	if (wfd < 0) {
		close(rfd);
		return (int)os_result(wfd);
	}
	fds[0] = rfd;
	fds[1] = wfd;
	return 0;
}
