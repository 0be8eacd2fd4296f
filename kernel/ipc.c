/*
 * ipc.c - synchronous endpoints, replies and notifications.
 *
 * An endpoint is a rendezvous point with two queues: threads waiting to send
 * and threads waiting to receive (at most one is non-empty).  A message is
 * a tag and up to IPC_WORDS words in registers, optionally up to two
 * handles and a buffer of up to IPC_BUF_MAX bytes.  CALL sends and then
 * waits for a reply: the receiver holds an implicit reply right to the
 * caller (thread->caller) until it replies, saves it as a handle
 * (SYS_REPLY_SAVE), or receives again (which fails the caller with
 * -EPIPE, so no caller is ever left waiting on a server that forgot it).
 *
 * Messages the kernel makes for a thread (faults, exceptions) wait in the
 * thread's kmsg, so its user registers are never disturbed.  Replies to
 * them are interpreted by fault.c, not copied into registers.
 *
 * When the last receive right of an endpoint closes, the endpoint is dead:
 * queued senders fail with -EPIPE (a faulting thread gets SIGBUS at its
 * supervisor, vector EXC_VEC_PAGER_DIED), and so does every later send.
 * A fault the pager had received but not answered fails the same way when
 * the pager's thread dies (ipc_cancel fails its caller).
 *
 * A notification is a word of bits.  Signalling ORs bits in and wakes a
 * thread waiting on it, or one receiving on the endpoint it is bound to.
 */
#include "kernel.h"

static uint64_t reply_gen_next = 1;

struct endpoint *endpoint_create(void)
{
	struct endpoint *e = endpoint_alloc();

	if (!e)
		return NULL;
	list_init(&e->senders);
	list_init(&e->receivers);
	return e;
}

void endpoint_put(struct endpoint *e)
{
	if (--e->refs > 0)
		return;
	if (e->bound) {
		e->bound->bound_ep = NULL;
		notif_put(e->bound);
	}
	endpoint_free(e);
}

static struct thread *queue_pop(struct endpoint *e, struct list_head *q)
{
	struct thread *t = list_first_entry(q, struct thread, link);

	list_del(&t->link);
	t->blocked_on = NULL;
	e->refs--;			/* the queue's hold; e stays: caller has one */
	return t;
}

static void fail_sender(struct thread *t, int err)
{
	if (t->send_kind != SEND_USER) {
		/* Off every queue now: should the thread die below (its
		 * supervisor is gone too), ipc_cancel has nothing to undo. */
		t->state = T_REPLY;
		t->replier = NULL;
	}
	if (t->send_kind == SEND_USER) {
		arch_sys_ret(&t->regs, (uint64_t)(int64_t)err);
		sched_make_runnable(t);
	} else if (t->send_kind == SEND_FAULT) {
		exception_raise(t, 7 /* SIGBUS */, EXC_VEC_PAGER_DIED, 0,
				IPC_MSG_CAST(t->kmsg,
					     struct pager_fault_req)->addr);
	} else {
		task_kill(t->task);
	}
}

void endpoint_recv_ref_drop(struct endpoint *e)
{
	if (--e->recv_refs > 0)
		return;
	e->dead = true;
	e->refs++;
	while (!list_empty(&e->senders))
		fail_sender(queue_pop(e, &e->senders), -EPIPE);
	endpoint_put(e);
}

/* Move handles named in the sender's first words into the receiver. */
static uint64_t transfer_handles(struct task *from, struct task *to,
				 uint64_t *words, unsigned n)
{
	uint64_t flags = 0;

	for (unsigned i = 0; i < n; i++) {
		struct handle *h = from->dead ? NULL :
				   (words[i] < TASK_HANDLES ?
				    &from->handles[words[i]] : NULL);
		int slot = -1;

		if (h && words[i] && h->type != HT_NONE &&
		    h->type != HT_REPLY)
			slot = handle_install(to, h->type, h->obj, h->rights,
					      h->badge);
		if (slot < 0) {
			slot = 0;
			flags |= IPC_TAG_TRUNC;
		}
		words[i] = (uint64_t)slot;
	}
	return flags;
}

/* Copy the sender's buffer into the receiver's registered buffer. */
static uint64_t transfer_buffer(struct thread *s, struct thread *r,
				unsigned len)
{
	unsigned n = len;

	if (n > r->recvbuf_len)
		n = r->recvbuf_len;
	if (n && copy_user_to_user(r->task->as, r->recvbuf, s->task->as,
				   arch_msg_buf(&s->regs), n) < 0)
		n = 0;
	return IPC_TAG_BUF(n) | (n < len ? IPC_TAG_TRUNC : 0);
}

/* Deliver s's pending message into r's registers. */
static void deliver(struct thread *s, struct thread *r)
{
	struct regs *rr = &r->regs;
	uint64_t tag, words[IPC_WORDS];
	unsigned nw;

	if (s->send_kind == SEND_USER) {
		tag = *arch_msg_tag(&s->regs);
		for (int i = 0; i < IPC_WORDS; i++)
			words[i] = *arch_msg_word(&s->regs, i);
	} else {
		tag = s->kmsg_tag;
		for (int i = 0; i < IPC_WORDS; i++)
			words[i] = s->kmsg[i];
	}
	nw = IPC_TAG_NWORDS(tag);
	if (nw > IPC_WORDS)
		nw = IPC_WORDS;
	tag &= 0xffff | (0xfull << 16);
	if (s->send_kind == SEND_USER) {
		unsigned nh = IPC_TAG_NHANDLES(*arch_msg_tag(&s->regs));
		unsigned blen = IPC_TAG_BUFLEN(*arch_msg_tag(&s->regs));

		if (nh && (s->send_rights & R_GRANT)) {
			tag |= IPC_TAG_HANDLES(nh);
			tag |= transfer_handles(s->task, r->task, words + 1,
						nh);
		}
		if (blen)
			tag |= transfer_buffer(s, r, blen);
	}
	for (unsigned i = 0; i < IPC_WORDS; i++)
		*arch_msg_word(rr, i) = i < nw ? words[i] : 0;
	*arch_msg_tag(rr) = tag;
	*arch_msg_badge(rr) = s->send_badge;
	arch_sys_ret(rr, 0);
}

/* The receiver r took s's message: s now waits for r's reply, or runs. */
static void sent(struct thread *s, struct thread *r)
{
	if (r->caller)
		ipc_fail_caller(r->caller, -EPIPE);
	if (s->send_is_call) {
		s->state = T_REPLY;
		s->replier = r;
		s->reply_gen = reply_gen_next++;
		r->caller = s;
	} else if (s->send_kind == SEND_USER) {
		arch_sys_ret(&s->regs, 0);
		if (s != current)
			sched_make_runnable(s);
	}
}

void ipc_send(struct thread *t, struct endpoint *e, bool call)
{
	struct thread *r;

	t->send_is_call = call;
	if (e->dead) {
		fail_sender(t, -EPIPE);
		return;
	}
	if (list_empty(&e->receivers)) {
		t->state = T_SEND;
		t->blocked_on = e;
		e->refs++;
		list_add_tail(&t->link, &e->senders);
		return;
	}
	r = queue_pop(e, &e->receivers);
	deliver(t, r);
	sent(t, r);
	/* Hand the CPU over only on the sender's own system call or trap;
	 * a message raised on behalf of another thread (an exception found
	 * while handling someone's reply) must not switch under the caller. */
	if (t == current)
		sched_switch_to(r);
	else
		sched_make_runnable(r);
}

void ipc_deliver_notify(struct thread *t, uint64_t bits)
{
	for (int i = 1; i < IPC_WORDS; i++)
		*arch_msg_word(&t->regs, i) = 0;
	*arch_msg_word(&t->regs, 0) = bits;
	*arch_msg_tag(&t->regs) = IPC_TAG_NOTIFY | IPC_TAG(0, 1);
	*arch_msg_badge(&t->regs) = 0;
	arch_sys_ret(&t->regs, 0);
}

void ipc_recv(struct thread *t, struct endpoint *e)
{
	struct thread *s;

	if (t->caller)
		ipc_fail_caller(t->caller, -EPIPE);
	if (e->bound && e->bound->word) {
		ipc_deliver_notify(t, e->bound->word);
		e->bound->word = 0;
		return;
	}
	if (list_empty(&e->senders)) {
		t->state = T_RECV;
		t->blocked_on = e;
		e->refs++;
		list_add_tail(&t->link, &e->receivers);
		return;
	}
	s = queue_pop(e, &e->senders);
	deliver(s, t);
	sent(s, t);
}

int ipc_reply(struct thread *replier, struct thread *c, struct regs *msg)
{
	if (c->state != T_REPLY)
		return -ESRCH;
	if (c->replier == replier && replier->caller == c)
		replier->caller = NULL;
	c->replier = NULL;
	c->reply_gen = 0;
	if (c->send_kind != SEND_USER) {
		if (c->send_kind == SEND_FAULT)
			fault_resume(c, msg, replier->task);
		else
			task_kill(c->task);	/* the supervisor is done */
		return 0;
	}
	/* Deliver like a message from the replier, with no badge. */
	replier->send_kind = SEND_USER;
	replier->send_badge = 0;
	replier->send_rights = R_GRANT;
	deliver(replier, c);
	sched_make_runnable(c);
	return 0;
}

void ipc_fail_caller(struct thread *c, int err)
{
	if (c->state != T_REPLY)
		return;
	if (c->replier && c->replier->caller == c)
		c->replier->caller = NULL;
	c->replier = NULL;
	c->reply_gen = 0;
	fail_sender(c, err);
}

bool ipc_reply_handle_valid(struct thread *c, uint64_t gen)
{
	return c->state == T_REPLY && c->reply_gen == gen && gen != 0;
}

void ipc_reply_handle_drop(struct thread *c, uint64_t gen)
{
	if (ipc_reply_handle_valid(c, gen))
		ipc_fail_caller(c, -EPIPE);
}

/* Take t out of any IPC wait, failing whoever waits on t. */
void ipc_cancel(struct thread *t)
{
	switch (t->state) {
	case T_SEND:
	case T_RECV:
		list_del(&t->link);
		endpoint_put(t->blocked_on);
		t->blocked_on = NULL;
		break;
	case T_NOTIF:
		t->waiting_notif->waiter = NULL;
		t->waiting_notif = NULL;
		break;
	case T_REPLY:
		if (t->replier && t->replier->caller == t)
			t->replier->caller = NULL;
		t->replier = NULL;
		t->reply_gen = 0;
		break;
	case T_CONSOLE:
		list_del(&t->link);
		break;
	default:
		break;
	}
	if (t->caller) {
		struct thread *c = t->caller;

		t->caller = NULL;
		ipc_fail_caller(c, -EPIPE);
	}
}

struct notif *notif_create(void)
{
	return notif_alloc();
}

void notif_put(struct notif *n)
{
	if (--n->refs > 0)
		return;
	sched_timer_cancel(n);
	notif_free(n);
}

void notif_signal(struct notif *n, uint64_t bits)
{
	struct endpoint *e = n->bound_ep;

	n->word |= bits;
	if (n->waiter) {
		struct thread *t = n->waiter;

		n->waiter = NULL;
		t->waiting_notif = NULL;
		arch_sys_ret(&t->regs, 0);
		*arch_msg_word(&t->regs, 0) = n->word;
		n->word = 0;
		sched_make_runnable(t);
	} else if (e && !list_empty(&e->receivers)) {
		struct thread *t = queue_pop(e, &e->receivers);

		ipc_deliver_notify(t, n->word);
		n->word = 0;
		sched_make_runnable(t);
	}
}

void notif_wait(struct thread *t, struct notif *n)
{
	if (n->waiter) {
		arch_sys_ret(&t->regs, (uint64_t)-EBUSY);
		return;
	}
	if (n->word) {
		arch_sys_ret(&t->regs, 0);
		*arch_msg_word(&t->regs, 0) = n->word;
		n->word = 0;
		return;
	}
	n->waiter = t;
	t->waiting_notif = n;
	t->state = T_NOTIF;
}
