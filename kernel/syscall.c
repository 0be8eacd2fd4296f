/*
 * syscall.c - decoding and dispatching system calls.
 *
 * Each handler first checks everything about its arguments (handles, types,
 * rights, ranges, user buffers) and only then acts, so a bad call changes
 * nothing and returns a negative errno.  A handler returns its result, or
 * NORET when it has already arranged the thread's result itself (IPC, or a
 * fault raised for a user buffer that is not mapped yet: the call then
 * restarts once the pager has mapped it).
 *
 * A call that would act in steps that cannot be repeated (donating frames,
 * harvesting accessed bits) first makes sure every page of its user
 * buffers is present, so that a fault cannot interrupt it halfway.
 */
#include <ipc/bootinfo.h>
#include "kernel.h"

#define NORET		((long)1 << 62)
#define WRITE_MAX	1024
#define MAP_CHUNK	32

struct task *sys_root_task;
bool kernel_debug;

typedef long (*sys_fn)(struct thread *self, struct regs *r);

#define ARG(n)	arch_sys_arg(r, n)

static struct task *self_task(struct thread *self)
{
	return self->task;
}

/*
 * Make sure [va, va+len) is mapped in self's space (writable if `write`).
 * Returns 0; -EFAULT for a bad range; or -EAGAIN after raising a fault for
 * the first missing page (the call restarts when it is resolved).
 */
static int user_buf_ready(struct thread *self, vaddr_t va, size_t len,
			  bool write)
{
	paddr_t pa;

	if (len == 0)
		return 0;
	if (va >= USER_TOP || len > USER_TOP - va)
		return -EFAULT;
	for (vaddr_t p = va & ~(vaddr_t)(PAGE_SIZE - 1); p < va + len;
	     p += PAGE_SIZE) {
		int err = uaccess_page(self->task->as, p < va ? va : p, write,
				       &pa);
		if (err == -EAGAIN) {
			fault_raise(self, p < va ? va : p,
				    write ? PF_ACC_WRITE : PF_ACC_READ, true);
			return -EAGAIN;
		}
		if (err)
			return err;
	}
	return 0;
}

/* Turn a uaccess result into a system-call result. */
static long ucopy_result(struct thread *self, int err, vaddr_t bad,
			 bool write)
{
	if (err == -EAGAIN) {
		fault_raise(self, bad, write ? PF_ACC_WRITE : PF_ACC_READ,
			    true);
		return NORET;
	}
	return err;
}

static long sys_null(struct thread *self, struct regs *r)
{
	(void)self; (void)r;
	return 0;
}

static long sys_debug_write(struct thread *self, struct regs *r)
{
	char buf[WRITE_MAX];
	size_t len = min_u64(ARG(1), WRITE_MAX);
	vaddr_t bad;
	int err = copy_from_user(self, buf, ARG(0), len, &bad);

	if (err)
		return ucopy_result(self, err, bad, false);
	console_write(buf, len);
	return (long)len;
}

static long sys_console_read(struct thread *self, struct regs *r)
{
	int n;

	if (ARG(1) == 0)
		return 0;
	n = console_read(self, ARG(0), ARG(1));
	return n == -EAGAIN ? NORET : n;
}

/* Check a message about to be sent from self's registers. */
static int msg_check(struct thread *self, struct regs *r)
{
	uint64_t tag = *arch_msg_tag(r);
	unsigned blen = IPC_TAG_BUFLEN(tag);

	if (IPC_TAG_NWORDS(tag) > IPC_WORDS || blen > IPC_BUF_MAX)
		return -EINVAL;
	if (IPC_TAG_NHANDLES(tag) && IPC_TAG_NHANDLES(tag) >= IPC_TAG_NWORDS(tag))
		return -EINVAL;
	return user_buf_ready(self, arch_msg_buf(r), blen, false);
}

static long do_send(struct thread *self, struct regs *r, bool call)
{
	struct handle *h = handle_get(self_task(self), *arch_msg_handle(r),
				      HT_ENDPOINT, R_SEND);
	int err;

	if (!h)
		return -EBADF;
	err = msg_check(self, r);
	if (err)
		return err == -EAGAIN ? NORET : err;
	self->send_kind = SEND_USER;
	self->send_badge = h->badge;
	self->send_rights = h->rights;
	ipc_send(self, h->obj, call);
	return NORET;
}

static long sys_call(struct thread *self, struct regs *r)
{
	return do_send(self, r, true);
}

static long sys_send(struct thread *self, struct regs *r)
{
	return do_send(self, r, false);
}

static long do_recv(struct thread *self, uint64_t slot)
{
	struct task *t = self_task(self);
	struct handle *h = handle_get(t, slot, HT_ENDPOINT, R_RECV);

	if (h) {
		ipc_recv(self, h->obj);
		return NORET;
	}
	h = handle_get(t, slot, HT_NOTIF, R_RECV);
	if (!h)
		return -EBADF;
	notif_wait(self, h->obj);
	if (self->state == T_RUNNABLE) {
		uint64_t bits = *arch_msg_word(&self->regs, 0);

		ipc_deliver_notify(self, bits);
	}
	return NORET;
}

static long sys_recv(struct thread *self, struct regs *r)
{
	return do_recv(self, *arch_msg_handle(r));
}

/* Reply to the implicit caller (slot 0) or through a saved reply handle. */
static long do_reply(struct thread *self, struct regs *r, uint64_t slot)
{
	struct thread *c = self->caller;
	struct handle *h = NULL;
	int err;

	if (slot) {
		h = handle_get(self_task(self), slot, HT_REPLY, 0);
		if (!h)
			return -EBADF;
		c = h->obj;
		if (!ipc_reply_handle_valid(c, h->badge)) {
			handle_close(self_task(self), slot);
			return -ESRCH;
		}
	}
	if (!c)
		return -ESRCH;
	err = msg_check(self, r);
	if (err)
		return err == -EAGAIN ? NORET : err;
	err = ipc_reply(self, c, r);
	if (h)
		handle_close(self_task(self), slot);
	return err;
}

static long sys_reply(struct thread *self, struct regs *r)
{
	return do_reply(self, r, *arch_msg_handle(r));
}

static long sys_reply_recv(struct thread *self, struct regs *r)
{
	uint64_t slot = *arch_msg_handle(r);
	struct task *t = self_task(self);

	if (!handle_get(t, slot, HT_ENDPOINT, R_RECV) &&
	    !handle_get(t, slot, HT_NOTIF, R_RECV))
		return -EBADF;
	if (self->caller) {
		int err = msg_check(self, r);

		if (err == -EAGAIN)
			return NORET;
		if (err == 0)
			ipc_reply(self, self->caller, r);
		else
			ipc_fail_caller(self->caller, err);
	}
	return do_recv(self, slot);
}

static long sys_reply_save(struct thread *self, struct regs *r)
{
	struct thread *c = self->caller;
	int slot;

	(void)r;
	if (!c)
		return -ESRCH;
	slot = handle_install(self_task(self), HT_REPLY, c, R_SEND,
			      c->reply_gen);
	if (slot < 0)
		return slot;
	self->caller = NULL;
	c->replier = NULL;
	return slot;
}

/*
 * Register where incoming buffers land.  The buffer is faulted in now,
 * writable, because a message is copied into it while its owner is not
 * running and so cannot take a fault then.
 */
static long sys_ipc_set_recvbuf(struct thread *self, struct regs *r)
{
	int err;

	if (ARG(1) > IPC_BUF_MAX || ARG(0) >= USER_TOP ||
	    ARG(1) > USER_TOP - ARG(0))
		return -EINVAL;
	err = user_buf_ready(self, ARG(0), ARG(1), true);
	if (err)
		return err == -EAGAIN ? NORET : err;
	self->recvbuf = ARG(0);
	self->recvbuf_len = ARG(1);
	return 0;
}

static long sys_notify(struct thread *self, struct regs *r)
{
	struct handle *h = handle_get(self_task(self), ARG(0), HT_NOTIF,
				      R_SEND);

	if (!h)
		return -EBADF;
	notif_signal(h->obj, ARG(1));
	return 0;
}

static long sys_notify_wait(struct thread *self, struct regs *r)
{
	struct handle *h = handle_get(self_task(self), ARG(0), HT_NOTIF,
				      R_RECV);

	if (!h)
		return -EBADF;
	notif_wait(self, h->obj);
	return NORET;
}

static long sys_notify_timer(struct thread *self, struct regs *r)
{
	struct handle *h = handle_get(self_task(self), ARG(0), HT_NOTIF,
				      R_SEND);

	if (!h)
		return -EBADF;
	if (ARG(1) == 0)
		sched_timer_cancel(h->obj);
	else
		sched_timer_arm(h->obj, arch_clock_ns() +
				min_u64(ARG(1), 1ull << 62), ARG(2));
	return 0;
}

static long install_new(struct thread *self, enum handle_type type,
			void *obj)
{
	int slot = handle_install(self_task(self), type, obj, R_ALL, 0);

	if (slot < 0) {
		obj_get(type, obj);	/* no handle took it: free it again */
		obj_put(type, obj);
	}
	return slot;
}

static long sys_ep_create(struct thread *self, struct regs *r)
{
	struct endpoint *e = endpoint_create();

	(void)r;
	return e ? install_new(self, HT_ENDPOINT, e) : -ENOMEM;
}

static long sys_notif_create(struct thread *self, struct regs *r)
{
	struct notif *n = notif_create();

	(void)r;
	return n ? install_new(self, HT_NOTIF, n) : -ENOMEM;
}

static long sys_ep_bind_notif(struct thread *self, struct regs *r)
{
	struct handle *he = handle_get(self_task(self), ARG(0), HT_ENDPOINT,
				       R_RECV);
	struct handle *hn = handle_get(self_task(self), ARG(1), HT_NOTIF,
				       R_RECV);
	struct endpoint *e;
	struct notif *n;

	if (!he || !hn)
		return -EBADF;
	e = he->obj;
	n = hn->obj;
	if (e->bound || n->bound_ep)
		return -EBUSY;
	e->bound = n;
	n->bound_ep = e;
	n->refs++;
	return 0;
}

/* Badges are set once: an unbadged endpoint handle may be badged when it
 * is copied; a badged one keeps its badge. */
static uint64_t new_badge(const struct handle *h, uint64_t badge)
{
	return h->type == HT_ENDPOINT && h->badge == 0 ? badge : h->badge;
}

static long sys_handle_mint(struct thread *self, struct regs *r)
{
	struct task *t = self_task(self);
	struct handle *h;

	if (ARG(0) == 0 || ARG(0) >= TASK_HANDLES)
		return -EBADF;
	h = &t->handles[ARG(0)];
	if (h->type == HT_NONE || h->type == HT_REPLY)
		return -EBADF;
	return handle_install(t, h->type, h->obj, h->rights & ARG(1),
			      new_badge(h, ARG(2)));
}

static long sys_handle_close(struct thread *self, struct regs *r)
{
	struct task *t = self_task(self);

	if (ARG(0) == 0 || ARG(0) >= TASK_HANDLES ||
	    t->handles[ARG(0)].type == HT_NONE)
		return -EBADF;
	handle_close(t, ARG(0));
	return 0;
}

static long sys_handle_give(struct thread *self, struct regs *r)
{
	struct task *t = self_task(self);
	struct handle *ht = handle_get(t, ARG(0), HT_TASK, TASK_R_HANDLE);
	struct handle *h;

	if (!ht || ARG(1) == 0 || ARG(1) >= TASK_HANDLES)
		return -EBADF;
	h = &t->handles[ARG(1)];
	if (h->type == HT_NONE || h->type == HT_REPLY)
		return -EBADF;
	if (((struct task *)ht->obj)->dead)
		return -ESRCH;
	return handle_install(ht->obj, h->type, h->obj, h->rights & ARG(2),
			      new_badge(h, ARG(3)));
}

static long sys_handle_info(struct thread *self, struct regs *r)
{
	struct task *t = self_task(self);
	struct handle *h;

	if (ARG(0) == 0 || ARG(0) >= TASK_HANDLES)
		return -EBADF;
	h = &t->handles[ARG(0)];
	*arch_msg_word(r, 0) = h->rights;
	*arch_msg_word(r, 1) = h->badge;
	return h->type;
}

static long sys_as_create(struct thread *self, struct regs *r)
{
	struct as *a = as_create(self_task(self), ARG(0));

	return a ? install_new(self, HT_AS, a) : -ENOMEM;
}

static struct as *as_arg(struct thread *self, uint64_t slot, unsigned rights)
{
	struct handle *h = handle_get(self_task(self), slot, HT_AS, rights);
	struct as *a = h ? h->obj : NULL;

	if (a && (a->dead || a->pager != self_task(self)))
		return NULL;
	return a;
}

static long sys_as_destroy(struct thread *self, struct regs *r)
{
	struct as *a = as_arg(self, ARG(0), AS_R_MAP);

	if (!a)
		return -EBADF;
	as_destroy(a);
	return 0;
}

static long sys_as_map(struct thread *self, struct regs *r)
{
	struct as *a = as_arg(self, ARG(0), AS_R_MAP);
	struct as_map_op ops[MAP_CHUNK];
	uint64_t n = ARG(2), done = 0;

	if (!a)
		return -EBADF;
	if (n > AS_MAP_MAX)
		return -EINVAL;
	while (done < n) {
		uint64_t k = min_u64(n - done, MAP_CHUNK);
		vaddr_t bad;
		int err = copy_from_user(self, ops, ARG(1) + done * sizeof(ops[0]),
					 k * sizeof(ops[0]), &bad);
		if (err)
			return ucopy_result(self, err, bad, false);
		for (uint64_t i = 0; i < k; i++, done++) {
			err = as_map(a, self_task(self), &ops[i]);
			if (err)
				return done ? (long)done : err;
		}
	}
	return (long)done;
}

static long sys_as_unmap(struct thread *self, struct regs *r)
{
	struct as *a = as_arg(self, ARG(0), AS_R_MAP);

	return a ? as_unmap(a, ARG(1), ARG(2)) : -EBADF;
}

static long sys_as_protect(struct thread *self, struct regs *r)
{
	struct as *a = as_arg(self, ARG(0), AS_R_MAP);

	return a ? as_protect(a, ARG(1), ARG(2), ARG(3)) : -EBADF;
}

static long sys_as_harvest(struct thread *self, struct regs *r)
{
	struct as *a = as_arg(self, ARG(0), AS_R_MAP);
	uint64_t va = ARG(1), n = ARG(2);
	uint8_t bits[AS_MAP_MAX];
	vaddr_t bad;
	int err;

	if (!a)
		return -EBADF;
	if (n > AS_MAP_MAX || va & (PAGE_SIZE - 1) || va >= USER_TOP ||
	    n > (USER_TOP - va) >> PAGE_SHIFT)
		return -EINVAL;
	err = user_buf_ready(self, ARG(3), n, true);
	if (err)
		return err == -EAGAIN ? NORET : err;
	for (uint64_t i = 0; i < n; i++)
		as_harvest_one(a, va + i * PAGE_SIZE, &bits[i]);
	err = copy_to_user(self, ARG(3), bits, n, &bad);
	return err ? -EFAULT : 0;
}

static long sys_as_harvestv(struct thread *self, struct regs *r)
{
	struct as_harvest_op ops[AS_HARVESTV_MAX];
	struct as *as[AS_HARVESTV_MAX];
	uint64_t n = ARG(1);
	vaddr_t bad;
	int err;

	if (n > AS_HARVESTV_MAX)
		return -EINVAL;
	err = copy_from_user(self, ops, ARG(0), n * sizeof(ops[0]), &bad);
	if (err)
		return ucopy_result(self, err, bad, false);
	for (uint64_t i = 0; i < n; i++) {
		as[i] = as_arg(self, ops[i].as, AS_R_MAP);
		if (!as[i])
			return -EBADF;
		if (ops[i].va & (PAGE_SIZE - 1) || ops[i].va >= USER_TOP)
			return -EINVAL;
	}
	/* Fault the results in first: a restart must not lose cleared bits. */
	err = user_buf_ready(self, ARG(0), n * sizeof(ops[0]), true);
	if (err)
		return err == -EAGAIN ? NORET : err;
	for (uint64_t i = 0; i < n; i++) {
		uint8_t bits;

		as_harvest_one(as[i], ops[i].va, &bits);
		ops[i].va |= bits;
	}
	err = copy_to_user(self, ARG(0), ops, n * sizeof(ops[0]), &bad);
	return err ? ucopy_result(self, err, bad, true) : 0;
}

static long sys_as_query(struct thread *self, struct regs *r)
{
	struct as *a = as_arg(self, ARG(0), AS_R_MAP);
	paddr_t pa;
	unsigned prot;

	if (!a)
		return -EBADF;
	if (ARG(1) >= USER_TOP)
		return -EINVAL;
	if (!arch_pt_translate(a->root, ARG(1), &pa, &prot))
		return 0;
	return (long)((pa & ~(paddr_t)(PAGE_SIZE - 1)) | prot);
}

/* The pool SYS_PT_DONATE fills: the caller's own, or (the first pager
 * lending page tables) that of the task whose call it serves. */
static long pt_donate_target(struct thread *self, uint64_t to_arg,
			     struct task **to)
{
	struct task *t = self_task(self);

	if (to_arg == 0) {
		*to = t;
		return 0;
	}
	if (to_arg != PT_DONATE_CALLER || t != sys_root_task)
		return -EPERM;
	if (!self->caller || self->caller->task->dead)
		return -ESRCH;
	*to = self->caller->task;
	return 0;
}

static long sys_pt_donate(struct thread *self, struct regs *r)
{
	uint64_t n = ARG(1), pfns[MAP_CHUNK];
	struct task *t = self_task(self), *to;
	vaddr_t bad;
	long err = pt_donate_target(self, ARG(2), &to);

	if (err)
		return err;
	if (n > AS_MAP_MAX)
		return -EINVAL;
	err = user_buf_ready(self, ARG(0), n * sizeof(uint64_t), false);
	if (err)
		return err == -EAGAIN ? NORET : err;
	for (uint64_t done = 0; done < n;) {
		uint64_t k = min_u64(n - done, MAP_CHUNK);

		if (copy_from_user(self, pfns, ARG(0) + done * 8, k * 8, &bad))
			return -EFAULT;
		/* Check the whole chunk before donating any of it. */
		for (uint64_t i = 0; i < k; i++)
			if (!frame_owned_by(pfns[i], t) ||
			    (frame_lent(pfns[i]) && t != sys_root_task))
				return -EPERM;
		for (uint64_t i = 0; i < k; i++)
			if (pt_donate(t, to, pfns[i], to != t))
				return -EPERM;	/* a duplicate in the list */
		done += k;
	}
	return (long)to->pt_free_count;
}

static long sys_pt_reclaim(struct thread *self, struct regs *r)
{
	uint64_t max = min_u64(ARG(1), MAP_CHUNK), pfns[MAP_CHUNK], n = 0;
	vaddr_t bad;
	int err = user_buf_ready(self, ARG(0), max * 8, true);

	if (err)
		return err == -EAGAIN ? NORET : err;
	while (n < max && pt_reclaim_one(self_task(self), &pfns[n]) == 0)
		n++;
	if (copy_to_user(self, ARG(0), pfns, n * 8, &bad))
		return -EFAULT;
	return (long)n;
}

/*
 * Who may receive frames from t: with task_h 0, the task whose call the
 * first pager is serving (it lends frames to a client without holding the
 * client's task handle); otherwise the task task_h names, which for any
 * task but the first pager must live in a space t is the pager of.  So
 * frames flow only down a tree of pagers, and when a pager dies
 * (task_kill) everything that could still map them dies with it.
 */
static long frame_give_target(struct thread *self, uint64_t task_h,
			      struct task **to)
{
	struct task *t = self_task(self);
	struct handle *ht;

	if (task_h == 0) {
		if (t != sys_root_task)
			return -EPERM;
		if (!self->caller)
			return -ESRCH;
		*to = self->caller->task;
		return 0;
	}
	ht = handle_get(t, task_h, HT_TASK, TASK_R_HANDLE);
	if (!ht)
		return -EBADF;
	*to = ht->obj;
	if (t != sys_root_task && !(*to)->dead &&
	    (!(*to)->as || (*to)->as->pager != t))
		return -EPERM;
	return 0;
}

static long sys_frame_give(struct thread *self, struct regs *r)
{
	struct task *t = self_task(self);
	uint64_t n = ARG(2), pfns[MAP_CHUNK];
	struct task *to;
	vaddr_t bad;
	long err = frame_give_target(self, ARG(0), &to);

	if (err)
		return err;
	if (ARG(3) & ~(uint64_t)FRAME_GIVE_LENT ||
	    (ARG(3) && t != sys_root_task))
		return ARG(3) & ~(uint64_t)FRAME_GIVE_LENT ? -EINVAL : -EPERM;
	if (to->dead)
		return -ESRCH;
	if (n > MAP_CHUNK)
		return -EINVAL;
	err = copy_from_user(self, pfns, ARG(1), n * 8, &bad);
	if (err)
		return ucopy_result(self, (int)err, bad, false);
	for (uint64_t i = 0; i < n; i++)
		if (!frame_owned_by(pfns[i], t))
			return -EPERM;
	/* The first pager says whether the frames are lent; below it, a
	 * lent frame stays lent; back at the first pager nothing is. */
	for (uint64_t i = 0; i < n; i++) {
		bool lent = t == sys_root_task ? ARG(3) != 0 :
			    frame_lent(pfns[i]);

		frame_set_owner(pfns[i], to == sys_root_task ? to->id :
				to->id | (lent ? FRAME_LENT : 0));
	}
	return 0;
}

static long sys_task_create(struct thread *self, struct regs *r)
{
	struct task *me = self_task(self), *t;
	struct handle *ha = handle_get(me, ARG(0), HT_AS, AS_R_TASK);
	struct handle *he = NULL;
	char name[32] = { 0 };
	vaddr_t bad;
	int err;

	if (!ha || ((struct as *)ha->obj)->dead)
		return -EBADF;
	if (ARG(1) && !(he = handle_get(me, ARG(1), HT_ENDPOINT, R_SEND)))
		return -EBADF;
	if (ARG(2)) {
		err = copy_from_user(self, name, ARG(2), sizeof(name) - 1,
				     &bad);
		if (err)
			return ucopy_result(self, err, bad, false);
		name[sizeof(name) - 1] = 0;
	}
	t = task_create(name, ha->obj);
	if (!t)
		return -ENOMEM;
	if (he) {
		t->exc_ep = he->obj;
		t->exc_ep->refs++;
		t->exc_badge = he->badge;
	}
	err = handle_install(me, HT_TASK, t, R_ALL, 0);
	task_put(t);			/* the handle holds it now, or nothing */
	return err;
}

static long sys_task_kill(struct thread *self, struct regs *r)
{
	struct handle *h = handle_get(self_task(self), ARG(0), HT_TASK,
				      TASK_R_KILL);

	if (!h)
		return -EBADF;
	task_kill(h->obj);
	return 0;
}

static long sys_task_info(struct thread *self, struct regs *r)
{
	struct task *t = task_by_id(ARG(0));
	struct sys_task_info info = { 0 };
	vaddr_t bad;
	int err;

	if (!t)
		return -ESRCH;
	info.id = t->id;
	info.nthreads = t->nthreads;
	info.state = t->dead ? TASK_INFO_DEAD : TASK_INFO_RUNNING;
	info.pt_pages = t->as ? t->as->pt_pages : 0;
	__builtin_memcpy(info.name, t->name, sizeof(info.name));
	err = copy_to_user(self, ARG(1), &info, sizeof(info), &bad);
	return err ? ucopy_result(self, err, bad, true) : 0;
}

static long sys_thread_create(struct thread *self, struct regs *r)
{
	struct task *me = self_task(self);
	struct handle *ht = handle_get(me, ARG(0), HT_TASK, TASK_R_THREAD);
	struct handle *hp = NULL;
	struct thread *th;
	int prio = (int)ARG(5);

	if (!ht)
		return -EBADF;
	if (ARG(1) && !(hp = handle_get(me, ARG(1), HT_ENDPOINT, R_SEND)))
		return -EBADF;
	if (ARG(2) >= USER_TOP || ARG(3) >= USER_TOP)
		return -EINVAL;
	if (prio < 0 || prio >= NR_PRIO || prio > self->prio)
		prio = self->prio;
	th = thread_create(ht->obj, hp ? hp->obj : NULL, ARG(2), ARG(3),
			   ARG(4), prio);
	if (!th)
		return -ENOMEM;
	th->pager_badge = hp ? hp->badge : 0;
	return th->tid;
}

static long sys_thread_exit(struct thread *self, struct regs *r)
{
	(void)r;
	thread_kill(self);
	return NORET;
}

static long sys_yield(struct thread *self, struct regs *r)
{
	(void)r;
	arch_sys_ret(&self->regs, 0);
	sched_yield();
	return NORET;
}

static long sys_sleep(struct thread *self, struct regs *r)
{
	arch_sys_ret(&self->regs, 0);
	sched_sleep(self, arch_clock_ns() + min_u64(ARG(0), 1ull << 62));
	return NORET;
}

static long sys_clock(struct thread *self, struct regs *r)
{
	(void)self; (void)r;
	return (long)arch_clock_ns();
}

/*
 * Device access.  The system handle mints narrower device handles: an
 * HT_IOPORT handle names one port range (handle badge: base | len << 16)
 * and an HT_IRQ handle one interrupt line (badge: the line).  A driver gets
 * only the handles for its own device, so SYS_IOPORT and the IRQ calls
 * check the handle, never the system handle.  PCI configuration space
 * stays with the system handle (SYS_PCI_CONFIG): it can reprogram every
 * device's BARs and bus mastering, and the kernel does the 0xcf8/0xcfc
 * pair in one step, so two holders cannot interleave their halves.
 * Ports the kernel (or the machine's reset paths) use are never granted.
 */
static struct { struct notif *n; uint64_t bit; } irq_bind[NR_IRQS];

#define IOPORT_BADGE(base, len)	((uint64_t)(base) | (uint64_t)(len) << 16)
#define IOPORT_BASE(badge)	((badge) & 0xffff)
#define IOPORT_LEN(badge)	((badge) >> 16)
#define PCI_CONFIG_ADDR		0xcf8
#define PCI_CONFIG_DATA		0xcfc

static const struct { uint16_t first, last; } ports_reserved[] = {
	{ 0x20, 0x21 }, { 0x40, 0x43 }, { 0x60, 0x64 }, { 0x70, 0x71 },
	{ 0x92, 0x92 }, { 0xa0, 0xa1 }, { 0xf4, 0xf7 }, { 0x3f8, 0x3ff },
	{ 0xcf8, 0xcff },
};

static bool ports_overlap_reserved(uint64_t base, uint64_t len)
{
	for (unsigned i = 0; i < sizeof(ports_reserved) /
	     sizeof(ports_reserved[0]); i++)
		if (base <= ports_reserved[i].last &&
		    base + len > ports_reserved[i].first)
			return true;
	return false;
}

/* IRQ lines no driver may have: the PIT, the cascade, the console. */
static bool irq_reserved(uint64_t irq)
{
	return irq == 0 || irq == 2 || irq == 4;
}

static bool io_width_ok(uint64_t width)
{
	return width == 1 || width == 2 || width == 4;
}

static long sys_ioport_grant(struct thread *self, struct regs *r)
{
	uint64_t base = ARG(1), len = ARG(2);

	if (!handle_get(self_task(self), ARG(0), HT_SYS, 0))
		return -EBADF;
	if (len == 0 || base > 0xffff || len > 0x10000 - base ||
	    ports_overlap_reserved(base, len))
		return -EINVAL;
	return handle_install(self_task(self), HT_IOPORT, NULL, R_ALL,
			      IOPORT_BADGE(base, len));
}

static long sys_irq_grant(struct thread *self, struct regs *r)
{
	if (!handle_get(self_task(self), ARG(0), HT_SYS, 0))
		return -EBADF;
	if (ARG(1) >= NR_IRQS || irq_reserved(ARG(1)))
		return -EINVAL;
	return handle_install(self_task(self), HT_IRQ, NULL, R_ALL, ARG(1));
}

/*
 * A line stays bound to its notification until that notification has no
 * other holder (its driver died or closed it); then a new driver may bind.
 */
static bool irq_bound(uint64_t irq)
{
	if (irq_bind[irq].n && irq_bind[irq].n->refs == 1) {
		arch_irq_mask(irq);
		notif_put(irq_bind[irq].n);
		irq_bind[irq].n = NULL;
	}
	return irq_bind[irq].n != NULL;
}

static long sys_irq_bind(struct thread *self, struct regs *r)
{
	struct task *t = self_task(self);
	struct handle *hi = handle_get(t, ARG(0), HT_IRQ, 0);
	struct handle *hn = handle_get(t, ARG(1), HT_NOTIF, R_SEND);
	uint64_t irq;

	if (!hi || !hn)
		return -EBADF;
	irq = hi->badge;
	if (ARG(2) >= 64)
		return -EINVAL;
	if (irq_bound(irq))
		return -EBUSY;
	irq_bind[irq].n = hn->obj;
	irq_bind[irq].n->refs++;
	irq_bind[irq].bit = 1ull << ARG(2);
	arch_irq_unmask(irq);
	return 0;
}

static long sys_irq_ack(struct thread *self, struct regs *r)
{
	struct handle *hi = handle_get(self_task(self), ARG(0), HT_IRQ, 0);

	if (!hi)
		return -EBADF;
	if (!irq_bind[hi->badge].n)
		return -EINVAL;
	arch_irq_unmask(hi->badge);
	return 0;
}

void kernel_irq(unsigned irq)
{
	arch_irq_eoi();
	if (irq == 4) {
		console_input_irq();
		return;
	}
	if (irq < NR_IRQS && irq_bind[irq].n) {
		arch_irq_mask(irq);	/* until the driver acknowledges */
		notif_signal(irq_bind[irq].n, irq_bind[irq].bit);
	}
}

static long io_access(uint64_t port, uint64_t mode, uint32_t value)
{
	if (mode & IOPORT_OUT) {
		arch_io_out(port, mode & 0xff, value);
		return 0;
	}
	return arch_io_in(port, mode & 0xff);
}

static long sys_ioport(struct thread *self, struct regs *r)
{
	struct handle *h = handle_get(self_task(self), ARG(0), HT_IOPORT, 0);
	uint64_t port = ARG(1), mode = ARG(2), width = mode & 0xff;

	if (!h)
		return -EBADF;
	if (!io_width_ok(width) || (mode & ~(0xffull | IOPORT_OUT)) ||
	    port < IOPORT_BASE(h->badge) ||
	    port - IOPORT_BASE(h->badge) + width > IOPORT_LEN(h->badge))
		return -EINVAL;
	return io_access(port, mode, (uint32_t)ARG(3));
}

static long sys_pci_config(struct thread *self, struct regs *r)
{
	uint64_t bdf = ARG(1), off = ARG(2), mode = ARG(3), width = mode & 0xff;

	if (!handle_get(self_task(self), ARG(0), HT_SYS, 0))
		return -EBADF;
	if (bdf > 0xffff || off > 0xff || !io_width_ok(width) ||
	    (off & (width - 1)) || (mode & ~(0xffull | IOPORT_OUT)))
		return -EINVAL;
	arch_io_out(PCI_CONFIG_ADDR, 4, 0x80000000u | (uint32_t)bdf << 8 |
		    (uint32_t)(off & 0xfc));
	return io_access(PCI_CONFIG_DATA + (off & 3), mode, (uint32_t)ARG(4));
}

static long sys_halt(struct thread *self, struct regs *r)
{
	if (!handle_get(self_task(self), ARG(0), HT_SYS, 0))
		return -EBADF;
	printk("kernel: halt (code %lu)\n", ARG(1) & 0x7f);
	arch_qemu_exit(ARG(1) & 0x7f);
}

static long sys_debug_panic(struct thread *self, struct regs *r)
{
	(void)r;
	if (!kernel_debug)
		return -ENOSYS;
	panic("requested by task %u (%s)", self->task->id, self->task->name);
}

extern struct bootinfo boot_info;

static long sys_bootinfo(struct thread *self, struct regs *r)
{
	vaddr_t bad;
	int err;

	if (!handle_get(self_task(self), ARG(0), HT_SYS, 0))
		return -EBADF;
	if (ARG(2) < sizeof(boot_info))
		return -EINVAL;
	err = copy_to_user(self, ARG(1), &boot_info, sizeof(boot_info), &bad);
	return err ? ucopy_result(self, err, bad, true) : 0;
}

static const sys_fn sys_table[SYS_COUNT] = {
	[SYS_NULL] = sys_null,
	[SYS_DEBUG_WRITE] = sys_debug_write,
	[SYS_CONSOLE_READ] = sys_console_read,
	[SYS_CALL] = sys_call,
	[SYS_REPLY_RECV] = sys_reply_recv,
	[SYS_SEND] = sys_send,
	[SYS_RECV] = sys_recv,
	[SYS_REPLY] = sys_reply,
	[SYS_REPLY_SAVE] = sys_reply_save,
	[SYS_IPC_SET_RECVBUF] = sys_ipc_set_recvbuf,
	[SYS_NOTIFY] = sys_notify,
	[SYS_NOTIFY_WAIT] = sys_notify_wait,
	[SYS_NOTIFY_TIMER] = sys_notify_timer,
	[SYS_EP_CREATE] = sys_ep_create,
	[SYS_NOTIF_CREATE] = sys_notif_create,
	[SYS_EP_BIND_NOTIF] = sys_ep_bind_notif,
	[SYS_HANDLE_MINT] = sys_handle_mint,
	[SYS_HANDLE_CLOSE] = sys_handle_close,
	[SYS_HANDLE_GIVE] = sys_handle_give,
	[SYS_HANDLE_INFO] = sys_handle_info,
	[SYS_AS_CREATE] = sys_as_create,
	[SYS_AS_DESTROY] = sys_as_destroy,
	[SYS_AS_MAP] = sys_as_map,
	[SYS_AS_UNMAP] = sys_as_unmap,
	[SYS_AS_PROTECT] = sys_as_protect,
	[SYS_AS_HARVEST] = sys_as_harvest,
	[SYS_AS_HARVESTV] = sys_as_harvestv,
	[SYS_AS_QUERY] = sys_as_query,
	[SYS_PT_DONATE] = sys_pt_donate,
	[SYS_PT_RECLAIM] = sys_pt_reclaim,
	[SYS_FRAME_GIVE] = sys_frame_give,
	[SYS_TASK_CREATE] = sys_task_create,
	[SYS_TASK_KILL] = sys_task_kill,
	[SYS_TASK_INFO] = sys_task_info,
	[SYS_THREAD_CREATE] = sys_thread_create,
	[SYS_THREAD_EXIT] = sys_thread_exit,
	[SYS_YIELD] = sys_yield,
	[SYS_SLEEP] = sys_sleep,
	[SYS_CLOCK] = sys_clock,
	[SYS_IRQ_BIND] = sys_irq_bind,
	[SYS_IRQ_ACK] = sys_irq_ack,
	[SYS_IOPORT] = sys_ioport,
	[SYS_HALT] = sys_halt,
	[SYS_DEBUG_PANIC] = sys_debug_panic,
	[SYS_BOOTINFO] = sys_bootinfo,
	[SYS_IOPORT_GRANT] = sys_ioport_grant,
	[SYS_IRQ_GRANT] = sys_irq_grant,
	[SYS_PCI_CONFIG] = sys_pci_config,
};

__attribute__((noreturn)) void kernel_syscall(struct regs *r)
{
	struct thread *self = current;
	uint64_t nr = arch_sys_nr(r);
	long ret = -ENOSYS;

	if (nr < SYS_COUNT && sys_table[nr])
		ret = sys_table[nr](self, r);
	if (ret != NORET && current == self)
		arch_sys_ret(r, (uint64_t)ret);
	kernel_return_to_user();
}
