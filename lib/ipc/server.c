/*
 * server.c - the dispatch loop behind ipc/server.h.
 */
#include <stdbool.h>
#include <ipc/server.h>

#define ENOSYS 38

/* Close the handles a message brought, and clear their words. */
void ipc_drop_handles(struct ipc_msg *m)
{
	unsigned n = IPC_TAG_NHANDLES(m->tag);

	for (unsigned i = 0; i < n; i++) {
		if (m->w[IPC_HANDLE_WORD + i])
			sys1(SYS_HANDLE_CLOSE, m->w[IPC_HANDLE_WORD + i]);
		m->w[IPC_HANDLE_WORD + i] = 0;
	}
	m->tag &= ~IPC_TAG_HANDLES(3);
}

int ipc_dispatch(struct ipc_server *s, struct ipc_msg *m)
{
	unsigned label = IPC_TAG_LABEL(m->tag);

	if (m->tag & IPC_TAG_NOTIFY) {
		if (s->notify)
			s->notify(m->w[0], s->ctx);
		return IPC_NOREPLY;
	}
	for (unsigned i = 0; i < s->nprotos; i++) {
		const struct ipc_proto *p = &s->protos[i];

		if (label < p->base || label >= p->base + p->count)
			continue;
		if (!(p->takes_handles & (1ull << (label - p->base))))
			ipc_drop_handles(m);
		if (p->handlers[label - p->base])
			return p->handlers[label - p->base](m, s->ctx);
	}
	ipc_drop_handles(m);
	ipc_reply_set(m, -ENOSYS, 0);
	return IPC_REPLY;
}

void ipc_serve(struct ipc_server *s)
{
	struct ipc_msg m = { 0 };
	bool have_reply = false;

	if (s->recvbuf)
		sys2(SYS_IPC_SET_RECVBUF, s->recvbuf, s->recvbuf_len);
	for (;;) {
		long err;

		if (!have_reply) {
			m.tag = 0;
			m.buf = NULL;
		}
		err = ipc_reply_recv(s->ep, &m);
		if (err) {
			have_reply = false;
			continue;
		}
		have_reply = ipc_dispatch(s, &m) == IPC_REPLY;
	}
}
