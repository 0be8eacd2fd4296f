/*
 * ipc/server.h - the server loop every request/reply server uses.
 *
 * A server fills in one table per protocol it speaks (handlers indexed by
 * label - base, with designated initialisers) and calls ipc_serve().  A
 * handler gets the request in m and writes the reply into m: word 0 is
 * the status, results follow.  It returns IPC_REPLY to send m back, or
 * IPC_NOREPLY when it saved the reply for later (SYS_REPLY_SAVE).
 * Unknown labels get -ENOSYS; the server never crashes on a bad request.
 */
#ifndef IPC_SERVER_H
#define IPC_SERVER_H

#include <ipc/usys.h>

enum { IPC_REPLY, IPC_NOREPLY };

typedef int (*ipc_handler)(struct ipc_msg *m, void *ctx);

struct ipc_proto {
	unsigned base, count;		/* labels [base, base + count) */
	const ipc_handler *handlers;
	/* Bit (label - base): that request may carry handles, and its
	 * handler owns them.  Handles sent with any other request are
	 * closed before the handler runs, so no client can fill a server's
	 * handle table. */
	uint64_t takes_handles;
};

struct ipc_server {
	uint64_t ep;			/* endpoint handle to receive on */
	const struct ipc_proto *protos;
	unsigned nprotos;
	void *ctx;
	/* Called for a notification (IPC_TAG_NOTIFY) with its bits. */
	void (*notify)(uint64_t bits, void *ctx);
	void *recvbuf;			/* where request buffers land */
	unsigned recvbuf_len;
};

/* Fill m with a plain reply: status and up to 7 result words. */
static inline void ipc_reply_set(struct ipc_msg *m, long status,
				 unsigned nresults)
{
	m->tag = IPC_TAG(0, 1 + nresults);
	m->w[0] = (uint64_t)status;
	m->buf = (void *)0;
}

/* Fill m with a reply struct of a protocol header (status first). */
static inline void ipc_reply_put(struct ipc_msg *m, const void *rp,
				 unsigned nwords)
{
	const uint64_t *w = rp;

	m->tag = IPC_TAG(0, nwords);
	for (unsigned i = 0; i < nwords; i++)
		m->w[i] = w[i];
	m->buf = (void *)0;
}
#define IPC_REPLY_PUT(m, rp)	ipc_reply_put((m), (rp), IPC_MSG_NWORDS(*(rp)))

__attribute__((noreturn)) void ipc_serve(struct ipc_server *s);
int ipc_dispatch(struct ipc_server *s, struct ipc_msg *m);
void ipc_drop_handles(struct ipc_msg *m);

#endif
