/*
 * pipe.c - pipes, served on the process server's thread: the ring
 * buffers, the references processes hold to pipe ends, and the requests
 * that have to wait.
 *
 * A pipe is a ring of PIPE_CAPACITY bytes with two ends, PIPE_R and
 * PIPE_W.  A process's references live in its client entry, one count
 * per end it holds; the pipe keeps the total per end over all processes
 * in nref[].  Invariants (pipe_check):
 *   - a slot is in use iff ring != NULL iff nref[PIPE_R] + nref[PIPE_W] > 0;
 *   - nref[side] is the sum of every client's count for that end;
 *   - readers wait only while the pipe is empty and has writers;
 *   - writers wait only while the pipe has readers and the oldest waiting
 *     writer's bytes do not fit.
 * Every change to a pipe ends in pipe_pump(), which answers waiters until
 * those conditions hold again: it hands buffered bytes to waiting readers,
 * moves waiting writers' bytes in, gives readers end of file once no
 * writer is left, and writers -EPIPE once no reader is.
 *
 * Waiting requests keep their saved reply handle and queue on the pipe,
 * oldest first.  A write is answered only when all its bytes are in the
 * ring, so each write (at most PIPE_ATOMIC_MAX = PIPE_BUF bytes) is
 * atomic; blocking writers are served in order, so small writes cannot
 * starve a large one.  A waiting writer's bytes are copied into its
 * waiter, since the receive buffer they came in is reused at once.
 *
 * End ids carry a generation that changes each time a slot is reused, so
 * a stale id is -EBADF like any id the caller holds no reference to.
 */
#include "pipe.h"

#include <assert.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "init.h"

#define EBADF		9
#define ENOMEM		12
#define EFAULT		14
#define ENFILE		23
#define EMFILE		24
#define EPIPE		32
#define EAGAIN		11
#define EIO		5

#define PIPE_MAX		256
#define PIPE_CLIENT_MAX		(PROC_MAX + 1)	/* every process, and init */
#define PIPE_CLIENT_ENDS	64	/* ends per process: lib/c's FD_MAX */
#define PIPE_REF_COUNT_MAX	(1u << 20)	/* references to one end */

enum { PIPE_R, PIPE_W };

/* A request that waits: a read (len = most bytes wanted) or a write
 * (len = bytes in data). */
struct pipe_waiter {
	struct pipe_waiter *next;
	uint64_t reply;			/* saved reply handle */
	uint32_t pid;			/* the caller */
	uint32_t len;
	char data[];
};

struct pipe {
	char *ring;			/* NULL: the slot is free */
	uint32_t head;			/* index of the oldest byte */
	uint32_t count;			/* bytes buffered */
	uint32_t gen;			/* bumped when the slot is reused */
	uint32_t nref[2];		/* references to each end, all clients */
	uint64_t ino;			/* st_ino: unique per pipe */
	struct pipe_waiter *waiting[2];	/* readers, writers; oldest first */
};

struct pipe_ref {
	uint64_t end;			/* end id */
	uint32_t count;			/* 0: the entry is free */
};

/* One process's references; the entry is free when nends == 0. */
struct pipe_client {
	uint32_t pid;
	uint32_t nends;			/* entries of ref[] in use */
	struct pipe_ref ref[PIPE_CLIENT_ENDS];
};

static struct pipe pipes[PIPE_MAX];
static struct pipe_client clients[PIPE_CLIENT_MAX];
static uint64_t next_ino = 1;
/* Bytes for the reply the handler returns, and for answers to waiters
 * (sent at once by ipc_reply, while the first may still be pending). */
static char reply_buf[IPC_BUF_MAX];
static char wake_buf[IPC_BUF_MAX];

static uint32_t caller_pid(const struct ipc_msg *m)
{
	return m->badge == 0 ? INIT_PID : (uint32_t)m->badge;
}

static uint64_t end_id(const struct pipe *p, int side)
{
	return (uint64_t)p->gen << 16 | (uint64_t)(p - pipes) << 1 |
	       (uint64_t)side;
}

/* The pipe and side an end id names, or -EBADF. */
static int end_decode(uint64_t id, struct pipe **pp, int *side)
{
	uint64_t idx = (id >> 1) & 0x7fff;
	struct pipe *p;

	if (idx >= PIPE_MAX)
		return -EBADF;
	p = &pipes[idx];
	if (!p->ring || (id >> 16) != p->gen)
		return -EBADF;
	*pp = p;
	*side = (int)(id & 1);
	return 0;
}

/* ---- clients and their references ---- */

static struct pipe_client *client_find(uint32_t pid)
{
	for (int i = 0; i < PIPE_CLIENT_MAX; i++)
		if (clients[i].nends && clients[i].pid == pid)
			return &clients[i];
	return NULL;
}

/* pid's entry, or a free one for it (which stays free until it holds a
 * reference), or NULL if every entry is taken. */
static struct pipe_client *client_get(uint32_t pid)
{
	struct pipe_client *c = client_find(pid);

	for (int i = 0; !c && i < PIPE_CLIENT_MAX; i++)
		if (!clients[i].nends) {
			c = &clients[i];
			memset(c, 0, sizeof(*c));
			c->pid = pid;
		}
	return c;
}

static struct pipe_ref *client_ref(struct pipe_client *c, uint64_t end)
{
	for (int i = 0; i < PIPE_CLIENT_ENDS; i++)
		if (c->ref[i].count && c->ref[i].end == end)
			return &c->ref[i];
	return NULL;
}

/* Adds n references to end; the caller has checked there is room. */
static void client_ref_add(struct pipe_client *c, uint64_t end, uint32_t n)
{
	struct pipe_ref *r = client_ref(c, end);

	for (int i = 0; !r && i < PIPE_CLIENT_ENDS; i++)
		if (!c->ref[i].count) {
			r = &c->ref[i];
			r->end = end;
			c->nends++;
		}
	assert(r && r->count + n <= PIPE_REF_COUNT_MAX);
	r->count += n;
}

static void client_ref_drop(struct pipe_client *c, struct pipe_ref *r)
{
	if (--r->count == 0)
		c->nends--;
}

/* ---- the ring ---- */

static void ring_put(struct pipe *p, const char *src, uint32_t n)
{
	uint32_t at = (p->head + p->count) % PIPE_CAPACITY;
	uint32_t first = n < PIPE_CAPACITY - at ? n : PIPE_CAPACITY - at;

	memcpy(p->ring + at, src, first);
	memcpy(p->ring, src + first, n - first);
	p->count += n;
}

/* Takes up to max bytes; returns how many. */
static uint32_t ring_get(struct pipe *p, char *dst, uint32_t max)
{
	uint32_t n = max < p->count ? max : p->count;
	uint32_t first = n < PIPE_CAPACITY - p->head ? n :
			 PIPE_CAPACITY - p->head;

	memcpy(dst, p->ring + p->head, first);
	memcpy(dst + first, p->ring, n - first);
	p->head = (p->head + n) % PIPE_CAPACITY;
	p->count -= n;
	return n;
}

static bool ring_fits(const struct pipe *p, uint32_t n)
{
	return PIPE_CAPACITY - p->count >= n;
}

/* ---- waiting ---- */

static struct pipe_waiter *waiter_pop(struct pipe *p, int side)
{
	struct pipe_waiter *w = p->waiting[side];

	p->waiting[side] = w->next;
	return w;
}

/* Answers a waiter (status, and n bytes of wake_buf) and frees it.  If
 * the caller has died meanwhile, the kernel refuses and closes the reply
 * handle; nothing is left to do then. */
static void waiter_answer(struct pipe_waiter *w, long status, uint32_t n)
{
	struct ipc_msg m = { 0 };
	/* a read's or a write's reply: the same two words */
	struct pipe_read_rep rp = { .status = status,
				    .n = status < 0 ? 0 : (uint64_t)status };

	IPC_REPLY_PUT(&m, &rp);
	if (n) {
		m.tag |= IPC_TAG_BUF(n);
		m.buf = wake_buf;
	}
	ipc_reply(w->reply, &m);
	free(w);
}

/*
 * Queues the current request on p: a read of up to len bytes, or a write
 * of the len bytes at data.  Returns IPC_NOREPLY, or fills m with an
 * error reply (no memory or no handle slot left) and returns IPC_REPLY.
 */
static int pipe_wait(struct pipe *p, int side, struct ipc_msg *m,
		     uint32_t len, const char *data)
{
	size_t extra = side == PIPE_W ? len : 0;
	struct pipe_waiter *w = malloc(sizeof(*w) + extra), **tail;
	long reply = -ENOMEM;

	if (w)
		reply = ipc_reply_save();
	if (reply < 0) {
		free(w);
		ipc_reply_set(m, reply, 0);
		return IPC_REPLY;
	}
	*w = (struct pipe_waiter){ .reply = (uint64_t)reply,
				   .pid = caller_pid(m), .len = len };
	memcpy(w->data, data, extra);
	for (tail = &p->waiting[side]; *tail; tail = &(*tail)->next)
		;
	*tail = w;
	return IPC_NOREPLY;
}

/* Moves bytes between the ring and waiters until nobody can progress. */
static void pipe_pump(struct pipe *p)
{
	bool moved = true;

	while (moved) {
		moved = false;
		while (p->waiting[PIPE_R] && p->count) {
			struct pipe_waiter *w = waiter_pop(p, PIPE_R);
			uint32_t n = ring_get(p, wake_buf, w->len);

			waiter_answer(w, n, n);
			moved = true;
		}
		while (p->waiting[PIPE_W] &&
		       ring_fits(p, p->waiting[PIPE_W]->len)) {
			struct pipe_waiter *w = waiter_pop(p, PIPE_W);

			ring_put(p, w->data, w->len);
			waiter_answer(w, w->len, 0);
			moved = true;
		}
	}
	while (p->waiting[PIPE_R] && !p->nref[PIPE_W])
		waiter_answer(waiter_pop(p, PIPE_R), 0, 0);	/* EOF */
	while (p->waiting[PIPE_W] && !p->nref[PIPE_R])
		waiter_answer(waiter_pop(p, PIPE_W), -EPIPE, 0);
}

/* ---- pipes ---- */

static int pipe_alloc(struct pipe **pp)
{
	for (int i = 0; i < PIPE_MAX; i++) {
		struct pipe *p = &pipes[i];

		if (p->ring)
			continue;
		p->ring = malloc(PIPE_CAPACITY);
		if (!p->ring)
			return -ENOMEM;
		p->head = p->count = 0;
		p->gen++;
		p->ino = next_ino++;
		*pp = p;
		return 0;
	}
	return -ENFILE;
}

/* Drops n references to one end of p; the last of all frees the pipe. */
static void pipe_end_put(struct pipe *p, int side, uint32_t n)
{
	p->nref[side] -= n;
	pipe_pump(p);
	if (p->nref[PIPE_R] || p->nref[PIPE_W])
		return;
	free(p->ring);
	p->ring = NULL;
}

/*
 * Decodes end id `id` of the caller of m: the pipe, the side (which must
 * be `want`, or either when want < 0), and the caller's reference.
 */
static int pipe_lookup(const struct ipc_msg *m, uint64_t id, int want,
		       struct pipe **pp, int *side, struct pipe_ref **rp)
{
	struct pipe_client *c = client_find(caller_pid(m));
	struct pipe_ref *r = c ? client_ref(c, id) : NULL;

	if (!r || end_decode(id, pp, side) || (want >= 0 && *side != want))
		return -EBADF;
	if (rp)
		*rp = r;
	return 0;
}

/* ---- requests ---- */

static int h_create(struct ipc_msg *m, void *recvbuf)
{
	struct pipe_client *c = client_get(caller_pid(m));
	struct pipe *p = NULL;
	int err = 0;

	if (!c)
		err = -ENFILE;
	else if (c->nends + 2 > PIPE_CLIENT_ENDS)
		err = -EMFILE;
	else
		err = pipe_alloc(&p);
	if (err) {
		ipc_reply_set(m, err, 0);
		return IPC_REPLY;
	}
	p->nref[PIPE_R] = p->nref[PIPE_W] = 1;
	client_ref_add(c, end_id(p, PIPE_R), 1);
	client_ref_add(c, end_id(p, PIPE_W), 1);
	IPC_REPLY_PUT(m, &((struct pipe_create_rep){
		.status = 0, .rd = end_id(p, PIPE_R),
		.wr = end_id(p, PIPE_W) }));
	return IPC_REPLY;
}

static int h_read(struct ipc_msg *m, void *recvbuf)
{
	const struct pipe_read_req rq = *IPC_REQ(m, struct pipe_read_req);
	uint32_t max = rq.max < IPC_BUF_MAX ? (uint32_t)rq.max : IPC_BUF_MAX;
	bool nonblock = rq.flags & PIPE_NONBLOCK;
	struct pipe *p;
	uint32_t n = 0;
	int side, err;

	err = pipe_lookup(m, rq.end, PIPE_R, &p, &side, NULL);
	if (!err && max && !p->count && p->nref[PIPE_W]) {
		if (!nonblock)
			return pipe_wait(p, PIPE_R, m, max, NULL);
		err = -EAGAIN;
	}
	if (!err && max && p->count) {
		n = ring_get(p, reply_buf, max);
		pipe_pump(p);
	}
	IPC_REPLY_PUT(m, &((struct pipe_read_rep){ .status = err, .n = n }));
	if (n) {
		m->tag |= IPC_TAG_BUF(n);
		m->buf = reply_buf;
	}
	return IPC_REPLY;
}

static int h_write(struct ipc_msg *m, void *recvbuf)
{
	const struct pipe_write_req rq = *IPC_REQ(m, struct pipe_write_req);
	uint32_t len = IPC_TAG_BUFLEN(m->tag);
	bool nonblock = rq.flags & PIPE_NONBLOCK;
	struct pipe *p;
	int side, err;

	err = pipe_lookup(m, rq.end, PIPE_W, &p, &side, NULL);
	if (!err && (m->tag & IPC_TAG_TRUNC))
		err = -EFAULT;
	if (err || len == 0)
		goto out;
	if (!p->nref[PIPE_R]) {
		err = -EPIPE;
	} else if (ring_fits(p, len) && (!p->waiting[PIPE_W] || nonblock)) {
		ring_put(p, recvbuf, len);
		pipe_pump(p);
	} else if (nonblock) {
		err = -EAGAIN;
	} else {
		return pipe_wait(p, PIPE_W, m, len, recvbuf);
	}
out:
	IPC_REPLY_PUT(m, &((struct pipe_write_rep){ .status = err,
						    .n = err ? 0 : len }));
	return IPC_REPLY;
}

static int h_close(struct ipc_msg *m, void *recvbuf)
{
	struct pipe_client *c = client_find(caller_pid(m));
	struct pipe_ref *r;
	struct pipe *p;
	int side, err;

	err = pipe_lookup(m, IPC_REQ(m, struct pipe_close_req)->end, -1, &p,
			  &side, &r);
	if (!err) {
		client_ref_drop(c, r);
		pipe_end_put(p, side, 1);
	}
	ipc_reply_set(m, err, 0);
	return IPC_REPLY;
}

static int h_dup(struct ipc_msg *m, void *recvbuf)
{
	struct pipe_ref *r;
	struct pipe *p;
	int side, err;

	err = pipe_lookup(m, IPC_REQ(m, struct pipe_dup_req)->end, -1, &p,
			  &side, &r);
	if (!err && r->count == PIPE_REF_COUNT_MAX)
		err = -EMFILE;
	if (!err) {
		r->count++;
		p->nref[side]++;
	}
	ipc_reply_set(m, err, 0);
	return IPC_REPLY;
}

static int h_stat(struct ipc_msg *m, void *recvbuf)
{
	struct pipe *p;
	int side, err;

	err = pipe_lookup(m, IPC_REQ(m, struct pipe_stat_req)->end, -1, &p,
			  &side, NULL);
	if (err)
		ipc_reply_set(m, err, 0);
	else
		IPC_REPLY_PUT(m, &((struct pipe_stat_rep){
			.status = 0, .ino = p->ino, .count = p->count }));
	return IPC_REPLY;
}

static const ipc_handler pipe_handlers[PIPE_LABEL_COUNT] = {
	[PIPE_CREATE - PIPE_CREATE] = h_create,
	[PIPE_READ - PIPE_CREATE] = h_read,
	[PIPE_WRITE - PIPE_CREATE] = h_write,
	[PIPE_CLOSE - PIPE_CREATE] = h_close,
	[PIPE_DUP - PIPE_CREATE] = h_dup,
	[PIPE_STAT - PIPE_CREATE] = h_stat,
};

const struct ipc_proto pipe_proto = {
	PIPE_CREATE, PIPE_LABEL_COUNT, pipe_handlers, 0
};

/* ---- forks and deaths ---- */

void pipe_fork(uint32_t parent_pid, uint32_t child_pid)
{
	struct pipe_client *pc = client_find(parent_pid), *cc;

	if (!pc || parent_pid == child_pid)
		return;
	/* Entries outnumber processes, so the child always finds one, and
	 * a new pid holds nothing yet, so its ends fit as the parent's do. */
	cc = client_get(child_pid);
	assert(cc && cc->nends == 0);
	for (int i = 0; i < PIPE_CLIENT_ENDS; i++) {
		struct pipe_ref *r = &pc->ref[i];
		struct pipe *p;
		int side;

		if (!r->count || end_decode(r->end, &p, &side))
			continue;
		client_ref_add(cc, r->end, r->count);
		p->nref[side] += r->count;
	}
	assert(pipe_check() == 0);
}

/* Forgets pid's waiting requests on p; true if there were any. */
static bool pipe_drop_waiters(struct pipe *p, uint32_t pid)
{
	bool dropped = false;

	for (int side = PIPE_R; side <= PIPE_W; side++) {
		struct pipe_waiter **link = &p->waiting[side];

		while (*link) {
			struct pipe_waiter *w = *link;

			if (w->pid != pid) {
				link = &w->next;
				continue;
			}
			*link = w->next;
			sys1(SYS_HANDLE_CLOSE, w->reply);
			free(w);
			dropped = true;
		}
	}
	return dropped;
}

void pipe_exit(uint32_t pid)
{
	struct pipe_client *c;

	/* A dead writer at the head of the queue may have held back others. */
	for (int i = 0; i < PIPE_MAX; i++)
		if (pipes[i].ring && pipe_drop_waiters(&pipes[i], pid))
			pipe_pump(&pipes[i]);
	c = client_find(pid);
	for (int i = 0; c && i < PIPE_CLIENT_ENDS; i++) {
		struct pipe_ref *r = &c->ref[i];
		uint32_t n = r->count;
		struct pipe *p;
		int side;

		if (!n || end_decode(r->end, &p, &side))
			continue;
		r->count = 0;
		c->nends--;
		pipe_end_put(p, side, n);
	}
	assert(pipe_check() == 0);
}

/* ---- validation ---- */

static int check_fail(const char *what, int idx)
{
	char msg[120];
	int n = snprintf(msg, sizeof(msg), "pipe_check: %s (%d)\n", what, idx);

	sys_debug_write(msg, (size_t)n < sizeof(msg) ? (size_t)n :
			sizeof(msg) - 1);
	return -EIO;
}

static int check_clients(uint32_t sum[PIPE_MAX][2])
{
	for (int i = 0; i < PIPE_CLIENT_MAX; i++) {
		const struct pipe_client *c = &clients[i];
		uint32_t used = 0;

		for (int j = 0; j < PIPE_CLIENT_ENDS; j++) {
			const struct pipe_ref *r = &c->ref[j];
			struct pipe *p;
			int side;

			if (!r->count)
				continue;
			used++;
			if (r->count > PIPE_REF_COUNT_MAX)
				return check_fail("reference count too big", i);
			if (end_decode(r->end, &p, &side))
				return check_fail("reference to a dead end", i);
			for (int k = j + 1; k < PIPE_CLIENT_ENDS; k++)
				if (c->ref[k].count && c->ref[k].end == r->end)
					return check_fail("end held twice", i);
			sum[p - pipes][side] += r->count;
		}
		if (used != c->nends)
			return check_fail("client end count wrong", i);
	}
	return 0;
}

static int check_pipe(const struct pipe *p, const uint32_t sum[2], int i)
{
	const struct pipe_waiter *wr = p->waiting[PIPE_W];

	if (!p->ring)
		return sum[0] || sum[1] || p->waiting[PIPE_R] || wr ?
		       check_fail("free pipe in use", i) : 0;
	if (sum[PIPE_R] != p->nref[PIPE_R] || sum[PIPE_W] != p->nref[PIPE_W])
		return check_fail("reference totals wrong", i);
	if (!p->nref[PIPE_R] && !p->nref[PIPE_W])
		return check_fail("live pipe without references", i);
	if (p->count > PIPE_CAPACITY || p->head >= PIPE_CAPACITY)
		return check_fail("ring out of bounds", i);
	if (p->waiting[PIPE_R] && (p->count || !p->nref[PIPE_W]))
		return check_fail("reader waits needlessly", i);
	if (wr && (!p->nref[PIPE_R] || ring_fits(p, wr->len)))
		return check_fail("writer waits needlessly", i);
	return 0;
}

int pipe_check(void)
{
	static uint32_t sum[PIPE_MAX][2];
	int err;

	memset(sum, 0, sizeof(sum));
	err = check_clients(sum);
	for (int i = 0; !err && i < PIPE_MAX; i++)
		err = check_pipe(&pipes[i], sum[i], i);
	return err;
}
