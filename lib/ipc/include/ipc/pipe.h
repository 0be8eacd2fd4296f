/*
 * ipc/pipe.h - requests to the pipe server, which lives in the process
 * server (init) and is reached through the same handle, H_PROC.
 *
 * A pipe has two ends, each named by an end id that stays valid while
 * the caller holds a reference to it.  References belong to processes
 * (the handle's badge is the pid): PIPE_CREATE gives the caller one to
 * each end, PIPE_DUP adds one, PIPE_CLOSE drops one, fork() copies all of
 * the parent's to the child, and death drops all of a process's.  A read
 * end with no references left makes writes fail with -EPIPE; a write end
 * with none makes reads return 0 (end of file) once the pipe is empty.
 *
 * Blocking follows POSIX: a read waits while the pipe is empty and has
 * writers, a write waits until all of its bytes fit.  Every write carries
 * at most PIPE_ATOMIC_MAX (= PIPE_BUF) bytes and is atomic: its bytes
 * are never interleaved with another write's.  With PIPE_NONBLOCK either
 * fails with -EAGAIN instead of waiting.
 *
 * Every reply: word 0 = 0 or -errno (Linux values), results in words 1...
 * An id the caller holds no reference to gets -EBADF.
 */
#ifndef IPC_PIPE_H
#define IPC_PIPE_H

#include <ipc/msg.h>
#include <ipc/sys.h>

enum pipe_label {
	PIPE_CREATE = 0x380,	/* -> w1 read-end id, w2 write-end id */
	PIPE_READ,		/* end, max (<= IPC_BUF_MAX), flags
				 * -> w1 n, the bytes in the reply buffer;
				 *    n = 0: end of file */
	PIPE_WRITE,		/* end, flags; the bytes in the request
				 * buffer -> w1 n (all of them) */
	PIPE_CLOSE,		/* end: drop one reference */
	PIPE_DUP,		/* end: one more reference, same caller */
	PIPE_STAT,		/* end -> w1 pipe number (st_ino),
				 *        w2 bytes buffered */
	PIPE_LABEL_END
};
#define PIPE_LABEL_COUNT	(PIPE_LABEL_END - PIPE_CREATE)

/* flags for PIPE_READ and PIPE_WRITE */
#define PIPE_NONBLOCK		0x1

#define PIPE_CAPACITY		(64 * 1024)	/* bytes one pipe buffers */
#define PIPE_ATOMIC_MAX		4096		/* PIPE_BUF */

_Static_assert(PIPE_ATOMIC_MAX == IPC_BUF_MAX,
	       "a PIPE_WRITE carries one atomic write");

/*
 * The messages (see ipc/msg.h): PIPE_x sends struct pipe_x_req and is
 * answered with struct pipe_x_rep.  `end` is an end id.
 */
/* PIPE_CREATE has no request words. */
struct pipe_create_rep { int64_t status; uint64_t rd, wr; };	/* ends */

struct pipe_read_req { uint64_t end, max, flags; };	/* PIPE_NONBLOCK */
struct pipe_read_rep { int64_t status; uint64_t n; };	/* 0: end of file */

struct pipe_write_req { uint64_t end, flags; };	/* bytes: the buffer */
struct pipe_write_rep { int64_t status; uint64_t n; };

struct pipe_close_req { uint64_t end; };
struct pipe_close_rep { int64_t status; };

struct pipe_dup_req { uint64_t end; };
struct pipe_dup_rep { int64_t status; };

struct pipe_stat_req { uint64_t end; };
struct pipe_stat_rep { int64_t status; uint64_t ino, count; };

IPC_MSG_ASSERT(struct pipe_create_rep);
IPC_MSG_ASSERT(struct pipe_read_req);
IPC_MSG_ASSERT(struct pipe_read_rep);
IPC_MSG_ASSERT(struct pipe_write_req);
IPC_MSG_ASSERT(struct pipe_write_rep);
IPC_MSG_ASSERT(struct pipe_close_req);
IPC_MSG_ASSERT(struct pipe_close_rep);
IPC_MSG_ASSERT(struct pipe_dup_req);
IPC_MSG_ASSERT(struct pipe_dup_rep);
IPC_MSG_ASSERT(struct pipe_stat_req);
IPC_MSG_ASSERT(struct pipe_stat_rep);

/*
 * Client stubs (lib/ipc/pipe_client.c), on a handle h to the process
 * server: send the request, fill *rp from the reply, and return the
 * reply's status (or the call's own error).  A reply that is only a
 * status has no rp.  PIPE_READ's bytes land in the caller's receive
 * buffer; *rtag gets the reply's tag (their length, IPC_TAG_TRUNC).
 */
long pipe_req_create(uint64_t h, struct pipe_create_rep *rp);
long pipe_req_read(uint64_t h, const struct pipe_read_req *rq,
		   struct pipe_read_rep *rp, uint64_t *rtag);
long pipe_req_write(uint64_t h, const struct pipe_write_req *rq,
		    const void *buf, unsigned len, struct pipe_write_rep *rp);
long pipe_req_close(uint64_t h, const struct pipe_close_req *rq);
long pipe_req_dup(uint64_t h, const struct pipe_dup_req *rq);
long pipe_req_stat(uint64_t h, const struct pipe_stat_req *rq,
		   struct pipe_stat_rep *rp);

#endif
