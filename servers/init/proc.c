/*
 * proc.c - the process server: pids, spawning, exit status, waiting,
 * killing, and what happens when a task dies of an exception.
 *
 * A process is a kernel task plus a memory context in its pager.  Spawning
 * asks the pager for the context (it loads the program), creates the task
 * and its thread, and gives the task its two starting handles: this server
 * (badged with the pid) and its pager (badged with the context).  The
 * kernel sends a task's fatal exceptions here too (badge PROC_EXC | pid).
 *
 * Exit and death are one path, proc_reap_task(): kill the task, have the
 * pager free the memory, keep the status in a zombie until the parent
 * waits.  Waiting parents hold saved reply handles, answered on the child's
 * exit.  Children of a dying process pass to init, which reaps them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ipc/server.h>
#include <ipc/pager.h>
#include "init.h"
#include "pipe.h"

#define PROC_EXC	(1ull << 62)
#define ECHILD		10
#define ESRCH		3
#define EINVAL		22
#define EPERM		1
#define ENOMEM		12
#define ENOSYS		38
#define SIGKILL		9

enum proc_state { P_FREE, P_LIVE, P_ZOMBIE };

struct proc {
	enum proc_state state;
	uint32_t pid, ppid;
	uint64_t task;			/* handle to the kernel task */
	uint64_t ctx;			/* memory context in the pager */
	int status;			/* Linux wait status, once a zombie */
	char name[32];
	int64_t wait_for;		/* waiting: pid, -1 any; 0 not waiting */
	uint64_t wait_reply;		/* saved reply handle */
};

static struct proc procs[PROC_MAX];
static uint32_t next_pid = 2;
static uint64_t proc_ep;
static char recvbuf[IPC_BUF_MAX];
static char ps_buf[IPC_BUF_MAX];

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void say(const char *fmt, ...)
{
	char buf[200];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	sys_debug_write(buf, n < (int)sizeof(buf) ? (size_t)n : sizeof(buf) - 1);
}

static struct proc *proc_find(uint64_t pid)
{
	for (int i = 0; i < PROC_MAX; i++)
		if (procs[i].state != P_FREE && procs[i].pid == pid)
			return &procs[i];
	return NULL;
}

static struct proc *proc_new(void)
{
	for (int i = 0; i < PROC_MAX; i++)
		if (procs[i].state == P_FREE) {
			memset(&procs[i], 0, sizeof(procs[i]));
			procs[i].pid = next_pid++;
			return &procs[i];
		}
	return NULL;
}

/* The shell's requests come with badge 0: they count as init's own. */
static uint32_t caller_pid(const struct ipc_msg *m)
{
	return m->badge == 0 ? INIT_PID : (uint32_t)m->badge;
}

static const char *sig_name(int sig)
{
	switch (sig) {
	case 4: return "SIGILL";
	case 5: return "SIGTRAP";
	case 7: return "SIGBUS";
	case 8: return "SIGFPE";
	case 9: return "SIGKILL";
	case 11: return "SIGSEGV";
	case 15: return "SIGTERM";
	default: return "signal";
	}
}

static bool wait_matches(const struct proc *parent, const struct proc *child)
{
	return child->ppid == parent->pid && child->state == P_ZOMBIE &&
	       (parent->wait_for == -1 || parent->wait_for == child->pid);
}

static void names_drop_owner(uint32_t pid);

static void reap(struct proc *child, struct ipc_msg *reply)
{
	struct proc_wait_rep rp = { .status = 0, .pid = child->pid,
				    .wstatus = (uint64_t)child->status };

	IPC_REPLY_PUT(reply, &rp);
	child->state = P_FREE;
}

/* Answer a parent blocked in wait, if this zombie is what it waits for. */
static void wake_parent(struct proc *child)
{
	struct proc *parent = proc_find(child->ppid);
	struct ipc_msg m = { 0 };

	if (child->ppid == INIT_PID && !parent) {
		/* init's own children: the shell waits with a saved reply
		 * in the init slot; orphans are reaped at once. */
		return;
	}
	if (!parent || parent->state != P_LIVE || !parent->wait_for ||
	    !wait_matches(parent, child))
		return;
	reap(child, &m);
	ipc_reply(parent->wait_reply, &m);
	parent->wait_for = 0;
	parent->wait_reply = 0;
}

/* init (pid 1) has no proc slot; keep its waiter here. */
static int64_t init_wait_for;
static uint64_t init_wait_reply;
static bool init_spawned[PROC_MAX];

static void wake_init(struct proc *child)
{
	struct ipc_msg m = { 0 };
	int idx = (int)(child - procs);

	if (child->ppid != INIT_PID)
		return;
	if (!init_spawned[idx]) {		/* an orphan: reap it now */
		child->state = P_FREE;
		return;
	}
	if (!init_wait_for || (init_wait_for != -1 &&
			       init_wait_for != child->pid))
		return;
	init_spawned[idx] = false;
	reap(child, &m);
	ipc_reply(init_wait_reply, &m);
	init_wait_for = 0;
	init_wait_reply = 0;
}

/* Kill p's task, free its memory, make it a zombie with `status`. */
static void proc_die(struct proc *p, int status)
{
	if (p->state != P_LIVE)
		return;
	if (p->wait_for) {
		sys1(SYS_HANDLE_CLOSE, p->wait_reply);
		p->wait_for = 0;
	}
	sys1(SYS_TASK_KILL, p->task);
	sys1(SYS_HANDLE_CLOSE, p->task);
	mm_req_exit(INIT_H_MM_PROC, &(struct mm_exit_req){ .ctx = p->ctx });
	p->state = P_ZOMBIE;
	p->status = status;
	names_drop_owner(p->pid);
	pipe_exit(p->pid);
	for (int i = 0; i < PROC_MAX; i++)
		if (procs[i].state != P_FREE && procs[i].ppid == p->pid) {
			procs[i].ppid = INIT_PID;
			if (procs[i].state == P_ZOMBIE)
				procs[i].state = P_FREE;
		}
	wake_parent(p);
	if (p->state == P_ZOMBIE)
		wake_init(p);
}

/* A fresh memory context for pid from the pager (MM_SPAWN, or MM_FORK of
 * parent_ctx when args is NULL), with both its handles. */
static long pager_new_ctx(uint32_t pid, const char *args, unsigned len,
			  uint64_t parent_ctx, struct mm_spawn_rep *mr)
{
	uint64_t rtag;
	long err;

	if (args)
		err = mm_req_spawn(INIT_H_MM_PROC,
				   &(struct mm_spawn_req){ .pid = pid }, args,
				   len, mr, &rtag);
	else
		err = mm_req_fork(INIT_H_MM_PROC,
				  &(struct mm_fork_req){
					.parent_ctx = parent_ctx,
					.child_pid = pid },
				  mr, &rtag);
	if (err == 0 && IPC_TAG_NHANDLES(rtag) != 2)
		err = -ENOMEM;
	return err;
}

/*
 * Create the task and thread for a fresh memory context (the pager's reply
 * in mr: AS handle, client handle, context, entry, stack), the thread
 * starting with `arg` in its first argument register.
 */
static int proc_start(struct proc *p, const struct mm_spawn_rep *mr,
		      uint64_t arg)
{
	uint64_t as = mr->as, mm_ep = mr->ep;
	long exc = -1, task = -1, err;

	p->ctx = mr->ctx;
	exc = sys3(SYS_HANDLE_MINT, proc_ep, R_SEND, PROC_EXC | p->pid);
	if (exc > 0)
		task = sys3(SYS_TASK_CREATE, as, exc, p->name);
	err = task < 0 ? task : exc < 0 ? exc : 0;
	if (!err && (sys4(SYS_HANDLE_GIVE, task, proc_ep, R_SEND | R_GRANT,
			  p->pid) !=
		     H_PROC ||
		     sys4(SYS_HANDLE_GIVE, task, mm_ep, R_SEND, 0) != H_MM ||
		     sys4(SYS_HANDLE_GIVE, task, task, R_ALL, 0) !=
		     H_SELF_TASK))
		err = -ENOMEM;
	if (!err)
		err = sys6(SYS_THREAD_CREATE, task, mm_ep, mr->entry, mr->sp,
			   arg, 10);
	if (exc > 0)
		sys1(SYS_HANDLE_CLOSE, exc);
	sys1(SYS_HANDLE_CLOSE, as);
	sys1(SYS_HANDLE_CLOSE, mm_ep);
	if (err < 0) {
		if (task > 0) {
			sys1(SYS_TASK_KILL, task);
			sys1(SYS_HANDLE_CLOSE, task);
		}
		mm_req_exit(INIT_H_MM_PROC,
			    &(struct mm_exit_req){ .ctx = p->ctx });
		return (int)err;
	}
	p->task = (uint64_t)task;
	p->state = P_LIVE;
	return 0;
}

static int h_spawn(struct ipc_msg *m, void *unused)
{
	unsigned len = IPC_TAG_BUFLEN(m->tag);
	uint32_t parent = caller_pid(m);
	struct mm_spawn_rep mr;
	struct proc *p;
	long err;

	(void)unused;
	if (len == 0 || (m->tag & IPC_TAG_TRUNC) || recvbuf[len - 1] != 0) {
		ipc_reply_set(m, -EINVAL, 0);
		return IPC_REPLY;
	}
	p = proc_new();
	if (!p) {
		ipc_reply_set(m, -11 /* EAGAIN */, 0);
		return IPC_REPLY;
	}
	p->ppid = parent;
	strncpy(p->name, recvbuf, sizeof(p->name) - 1);
	err = pager_new_ctx(p->pid, recvbuf, len, 0, &mr);
	if (err == 0)
		err = proc_start(p, &mr, 0);
	if (err) {
		p->state = P_FREE;
		ipc_reply_set(m, err, 0);
		return IPC_REPLY;
	}
	if (parent == INIT_PID)
		init_spawned[p - procs] = true;
	/* init's servers are never chosen by the OOM killer */
	if (m->badge == 0 &&
	    (IPC_REQ(m, struct proc_spawn_req)->flags & PROC_SPAWN_SERVER))
		mm_req_set_oom_adj(INIT_H_MM_PROC,
				   &(struct mm_set_oom_adj_req){
					.ctx = p->ctx, .value = -1000 });
	IPC_REPLY_PUT(m, &((struct proc_spawn_rep){ .pid = p->pid }));
	return IPC_REPLY;
}

static bool has_children(uint32_t pid, int64_t which)
{
	for (int i = 0; i < PROC_MAX; i++)
		if (procs[i].state != P_FREE && procs[i].ppid == pid &&
		    (which == -1 || procs[i].pid == which) &&
		    (pid != INIT_PID || init_spawned[i]))
			return true;
	return false;
}

static int h_wait(struct ipc_msg *m, void *unused)
{
	const struct proc_wait_req rq = *IPC_REQ(m, struct proc_wait_req);
	uint32_t me = caller_pid(m);
	int64_t which = rq.pid;
	struct proc *self = proc_find(me);
	long reply;

	(void)unused;
	if (which == 0 || which < -1)
		which = -1;		/* process groups: there is one */
	if (!has_children(me, which)) {
		ipc_reply_set(m, -ECHILD, 0);
		return IPC_REPLY;
	}
	for (int i = 0; i < PROC_MAX; i++) {
		struct proc *c = &procs[i];

		if (c->state == P_ZOMBIE && c->ppid == me &&
		    (which == -1 || c->pid == which)) {
			if (me == INIT_PID)
				init_spawned[i] = false;
			reap(c, m);
			return IPC_REPLY;
		}
	}
	if (rq.options & PROC_WNOHANG) {
		IPC_REPLY_PUT(m, &((struct proc_wait_rep){ 0 }));
		return IPC_REPLY;
	}
	reply = ipc_reply_save();
	if (reply < 0) {
		ipc_reply_set(m, reply, 0);
		return IPC_REPLY;
	}
	if (me == INIT_PID) {
		init_wait_for = which;
		init_wait_reply = (uint64_t)reply;
	} else if (self) {
		self->wait_for = which;
		self->wait_reply = (uint64_t)reply;
	}
	return IPC_NOREPLY;
}

static int h_exit(struct ipc_msg *m, void *unused)
{
	struct proc *p = proc_find(caller_pid(m));

	(void)unused;
	if (!p || p->state != P_LIVE) {
		ipc_reply_set(m, -EPERM, 0);
		return IPC_REPLY;
	}
	proc_die(p, (int)((IPC_REQ(m, struct proc_exit_req)->status & 0xff)
			  << 8));
	return IPC_NOREPLY;
}

/*
 * fork: the pager makes a copy-on-write copy of the caller's memory while
 * the caller is blocked here; the child's thread starts at (ip, sp) with
 * arg in its first register - lib/c's fork passes a resume point that
 * restores the caller's saved registers and returns 0.
 */
static int h_fork(struct ipc_msg *m, void *unused)
{
	const struct proc_fork_req rq = *IPC_REQ(m, struct proc_fork_req);
	struct proc *parent = proc_find(caller_pid(m)), *child;
	struct mm_spawn_rep mr;
	long err;

	(void)unused;
	if (!parent || parent->state != P_LIVE) {
		ipc_reply_set(m, -EPERM, 0);
		return IPC_REPLY;
	}
	child = proc_new();
	if (!child) {
		ipc_reply_set(m, -11 /* EAGAIN */, 0);
		return IPC_REPLY;
	}
	child->ppid = parent->pid;
	memcpy(child->name, parent->name, sizeof(child->name));
	err = pager_new_ctx(child->pid, NULL, 0, parent->ctx, &mr);
	if (err == 0) {
		mr.entry = rq.ip;
		mr.sp = rq.sp;
		err = proc_start(child, &mr, rq.arg);
	}
	if (err) {
		child->state = P_FREE;
		ipc_reply_set(m, err, 0);
		return IPC_REPLY;
	}
	pipe_fork(parent->pid, child->pid);
	IPC_REPLY_PUT(m, &((struct proc_fork_rep){ .pid = child->pid }));
	return IPC_REPLY;
}

/*
 * exec: load the new image into a fresh memory context first, so that a
 * failure leaves the caller as it was; then retire the old task and
 * context and start the new image under the same pid.
 */
static int h_exec(struct ipc_msg *m, void *unused)
{
	struct proc *p = proc_find(caller_pid(m));
	unsigned len = IPC_TAG_BUFLEN(m->tag);
	struct mm_spawn_rep mr;
	long err;

	(void)unused;
	if (!p || p->state != P_LIVE)
		err = -EPERM;
	else if (len == 0 || (m->tag & IPC_TAG_TRUNC) || recvbuf[len - 1])
		err = -EINVAL;
	else
		err = pager_new_ctx(p->pid, recvbuf, len, 0, &mr);
	if (err) {
		ipc_reply_set(m, err, 0);
		return IPC_REPLY;
	}
	sys1(SYS_TASK_KILL, p->task);
	sys1(SYS_HANDLE_CLOSE, p->task);
	mm_req_exit(INIT_H_MM_PROC, &(struct mm_exit_req){ .ctx = p->ctx });
	memset(p->name, 0, sizeof(p->name));
	strncpy(p->name, recvbuf, sizeof(p->name) - 1);
	if (proc_start(p, &mr, 0)) {
		p->state = P_LIVE;	/* so that proc_die can finish it */
		p->task = 0;
		proc_die(p, 9);
	}
	return IPC_NOREPLY;
}

static int h_kill(struct ipc_msg *m, void *unused)
{
	const struct proc_kill_req rq = *IPC_REQ(m, struct proc_kill_req);
	struct proc *p = proc_find((uint64_t)rq.pid);
	uint64_t sig = rq.signal;
	bool self = p && p->pid == caller_pid(m);

	(void)unused;
	if (sig > 64) {
		ipc_reply_set(m, -EINVAL, 0);
		return IPC_REPLY;
	}
	if (!p || p->state != P_LIVE) {
		ipc_reply_set(m, -ESRCH, 0);
		return IPC_REPLY;
	}
	if (sig != 0)
		proc_die(p, (int)sig);
	if (self && sig != 0)
		return IPC_NOREPLY;	/* the caller is gone */
	ipc_reply_set(m, 0, 0);
	return IPC_REPLY;
}

static int h_getpid(struct ipc_msg *m, void *unused)
{
	struct proc *p = proc_find(caller_pid(m));
	struct proc_getpid_rep rp = { .status = 0, .pid = caller_pid(m),
				      .ppid = p ? p->ppid : 0 };

	(void)unused;
	IPC_REPLY_PUT(m, &rp);
	return IPC_REPLY;
}

static int h_ps(struct ipc_msg *m, void *unused)
{
	struct mm_info_rep mr;
	char ctxs[IPC_BUF_MAX];
	int n;

	(void)unused;
	sys2(SYS_IPC_SET_RECVBUF, ctxs, sizeof(ctxs));
	if (mm_req_info(INIT_H_MM_PROC, &(struct mm_info_req){ MM_INFO_CTX },
			&mr, NULL) != 0)
		ctxs[0] = 0;
	else
		ctxs[mr.len < sizeof(ctxs) ? mr.len : sizeof(ctxs) - 1] = 0;
	sys2(SYS_IPC_SET_RECVBUF, recvbuf, sizeof(recvbuf));
	n = snprintf(ps_buf, sizeof(ps_buf), "%5s %5s %-7s %8s %8s %-6s %s\n",
		     "PID", "PPID", "STATE", "RSS(kB)", "SWAP(kB)", "PAGER",
		     "NAME");
	n += snprintf(ps_buf + n, sizeof(ps_buf) - n,
		      "%5u %5u %-7s %8s %8s %-6s %s\n", 1u, 0u, "run", "-",
		      "-", "mm", "init");
	for (int i = 0; i < PROC_MAX && n < (int)sizeof(ps_buf) - 80; i++) {
		struct proc *p = &procs[i];
		unsigned long rss = 0, swap = 0;
		const char *l = ctxs;

		if (p->state == P_FREE)
			continue;
		while (*l && p->state == P_LIVE) {
			char *end;
			unsigned long id = strtoul(l, &end, 10);

			strtoul(end, &end, 10);		/* pid */
			if (id == p->ctx) {
				rss = strtoul(end, &end, 10) * 4;
				swap = strtoul(end, &end, 10) * 4;
			}
			while (*l && *l++ != '\n')
				;
		}
		n += snprintf(ps_buf + n, sizeof(ps_buf) - n,
			      "%5u %5u %-7s %8lu %8lu %-6s %s\n", p->pid,
			      p->ppid, p->state == P_LIVE ? "run" : "zombie",
			      rss, swap, "mm", p->name);
	}
	ipc_reply_set(m, 0, 0);
	m->tag |= IPC_TAG_BUF(n);
	m->buf = ps_buf;
	return IPC_REPLY;
}

static int h_halt(struct ipc_msg *m, void *unused)
{
	(void)unused;
	if (m->badge != 0) {
		ipc_reply_set(m, -EPERM, 0);
		return IPC_REPLY;
	}
	sys2(SYS_HALT, INIT_H_SYS, IPC_REQ(m, struct proc_halt_req)->code);
	ipc_reply_set(m, -EPERM, 0);
	return IPC_REPLY;
}

/* The kernel reports a fatal exception: the task dies with its signal. */
static void exception(struct ipc_msg *m)
{
	const struct exc_fault_req x = *IPC_REQ(m, struct exc_fault_req);
	struct proc *p = proc_find(m->badge & ~PROC_EXC);
	int sig = (int)x.signal;
	uint64_t vec = x.vector;

	if (!p)
		return;
	if (vec == EXC_VEC_PAGER && sig == SIGKILL)
		say("init: pid %u (%s) killed by SIGKILL: out of memory\n",
		    p->pid, p->name);
	else if (vec == EXC_VEC_PAGER || vec == 14)
		say("init: pid %u (%s) killed by %s: bad access at %#lx, "
		    "ip %#lx\n", p->pid, p->name, sig_name(sig),
		    (unsigned long)x.addr, (unsigned long)x.ip);
	else
		say("init: pid %u (%s) killed by %s: cpu exception %lu, "
		    "ip %#lx\n", p->pid, p->name, sig_name(sig),
		    (unsigned long)vec, (unsigned long)x.ip);
	proc_die(p, sig & 0x7f);
}

/*
 * The name registry: servers publish an endpoint under a name, clients
 * look it up.  A published handle is reduced to send-and-grant rights, so
 * no client ever receives on someone else's endpoint; it is dropped when
 * its publisher dies.
 */
#define NAMES_MAX	32

static struct {
	char name[PROC_NAME_MAX];
	uint64_t handle;
	uint32_t owner;
} names[NAMES_MAX];

static bool name_of(const struct ipc_msg *m, char *out)
{
	unsigned len = IPC_TAG_BUFLEN(m->tag);

	if (len == 0 || len > PROC_NAME_MAX || recvbuf[len - 1] != 0 ||
	    (m->tag & IPC_TAG_TRUNC))
		return false;
	memcpy(out, recvbuf, len);
	return true;
}

static int h_register(struct ipc_msg *m, void *unused)
{
	char name[PROC_NAME_MAX];
	/* Word 1 is a handle of ours only if the kernel put one there: a
	 * message without one must not make us close a slot it names. */
	uint64_t h = IPC_TAG_NHANDLES(m->tag) == 1 ?
		     IPC_REQ(m, struct proc_register_req)->handle : 0;
	long mine = -1;
	int slot = -1, err = 0;

	(void)unused;
	if (h == 0 || !name_of(m, name))
		err = -EINVAL;
	for (int i = 0; !err && i < NAMES_MAX; i++) {
		if (names[i].handle && !strcmp(names[i].name, name))
			err = -17;		/* EEXIST */
		else if (!names[i].handle && slot < 0)
			slot = i;
	}
	if (!err && slot < 0)
		err = -ENOMEM;
	if (!err && (mine = sys3(SYS_HANDLE_MINT, h, R_SEND | R_GRANT, 0)) < 0)
		err = (int)mine;
	if (h)
		sys1(SYS_HANDLE_CLOSE, h);
	if (!err) {
		strcpy(names[slot].name, name);
		names[slot].handle = (uint64_t)mine;
		names[slot].owner = caller_pid(m);
	}
	ipc_reply_set(m, err, 0);
	return IPC_REPLY;
}

static int h_lookup(struct ipc_msg *m, void *unused)
{
	char name[PROC_NAME_MAX];

	(void)unused;
	if (!name_of(m, name)) {
		ipc_reply_set(m, -EINVAL, 0);
		return IPC_REPLY;
	}
	for (int i = 0; i < NAMES_MAX; i++)
		if (names[i].handle && !strcmp(names[i].name, name)) {
			struct proc_lookup_rep rp = {
				.status = 0, .handle = names[i].handle };

			IPC_REPLY_PUT(m, &rp);
			m->tag |= IPC_TAG_HANDLES(1);
			return IPC_REPLY;
		}
	ipc_reply_set(m, -2 /* ENOENT */, 0);
	return IPC_REPLY;
}

static void names_drop_owner(uint32_t pid)
{
	for (int i = 0; i < NAMES_MAX; i++)
		if (names[i].handle && names[i].owner == pid) {
			sys1(SYS_HANDLE_CLOSE, names[i].handle);
			names[i].handle = 0;
		}
}

/* PROC_OOM_ADJ: set a live process's oom_score_adj in its pager. */
static int h_oom_adj(struct ipc_msg *m, void *unused)
{
	const struct proc_oom_adj_req rq = *IPC_REQ(m, struct proc_oom_adj_req);
	struct proc *p = proc_find(rq.pid);
	long err;

	(void)unused;
	if (!p || p->state != P_LIVE)
		err = -ESRCH;
	else if (rq.value < -1000 || rq.value > 1000)
		err = -EINVAL;
	else
		err = mm_req_set_oom_adj(INIT_H_MM_PROC,
					 &(struct mm_set_oom_adj_req){
						.ctx = p->ctx,
						.value = rq.value });
	ipc_reply_set(m, err, 0);
	return IPC_REPLY;
}

static const ipc_handler proc_handlers[PROC_LABEL_COUNT] = {
	[PROC_REGISTER - PROC_SPAWN] = h_register,
	[PROC_LOOKUP - PROC_SPAWN] = h_lookup,
	[PROC_SPAWN - PROC_SPAWN] = h_spawn,
	[PROC_WAIT - PROC_SPAWN] = h_wait,
	[PROC_EXIT - PROC_SPAWN] = h_exit,
	[PROC_FORK - PROC_SPAWN] = h_fork,
	[PROC_EXEC - PROC_SPAWN] = h_exec,
	[PROC_KILL - PROC_SPAWN] = h_kill,
	[PROC_GETPID - PROC_SPAWN] = h_getpid,
	[PROC_PS - PROC_SPAWN] = h_ps,
	[PROC_HALT - PROC_SPAWN] = h_halt,
	[PROC_OOM_ADJ - PROC_SPAWN] = h_oom_adj,
};

static const struct ipc_proto protos[] = {
	{ PROC_SPAWN, PROC_LABEL_COUNT, proc_handlers,
	  1ull << (PROC_REGISTER - PROC_SPAWN) },
};

/*
 * The pager's OOM killer has reaped some processes (notification): ask
 * which, and kill them as SIGKILL would.
 */
static void oom_victims(void)
{
	for (;;) {
		struct ipc_msg m = { 0 };
		uint64_t n;

		if (ipc_request(INIT_H_MM_PROC, MM_OOM_VICTIMS, 0, &m, NULL,
				0))
			return;
		n = m.w[1];
		if (n == 0 || n > IPC_WORDS - 2)
			return;
		for (uint64_t i = 0; i < n; i++) {
			struct proc *p = proc_find(m.w[2 + i]);

			if (p && p->state == P_LIVE) {
				say("init: pid %u (%s) killed by the OOM "
				    "killer\n", p->pid, p->name);
				proc_die(p, SIGKILL);
			}
		}
	}
}

/* Ask the pager to signal OOM kills on a notification bound to ep. */
static void oom_listen(uint64_t ep)
{
	long n = sys0(SYS_NOTIF_CREATE);
	struct ipc_msg m = { 0 };

	if (n < 0 || sys2(SYS_EP_BIND_NOTIF, ep, n))
		return;
	m.w[1] = (uint64_t)n;
	m.tag = IPC_TAG(MM_OOM_NOTIFY, 2) | IPC_TAG_HANDLES(1);
	if (ipc_call(INIT_H_MM_PROC, &m) == 0 && m.w[0] == 0)
		return;
	say("init: the pager will not report OOM kills\n");
}

void proc_serve(uint64_t ep)
{
	const struct ipc_proto all[] = { protos[0], pipe_proto };
	struct ipc_server srv = {
		.ep = ep, .protos = all, .nprotos = 2, .ctx = recvbuf,
	};
	struct ipc_msg m = { 0 };

	proc_ep = ep;
	sys2(SYS_IPC_SET_RECVBUF, recvbuf, sizeof(recvbuf));
	oom_listen(ep);
	for (;;) {
		if (ipc_reply_recv(ep, &m)) {
			m.tag = 0;
			continue;
		}
		if (m.tag & IPC_TAG_NOTIFY) {
			oom_victims();
			m.tag = 0;
			continue;
		}
		if (IPC_TAG_LABEL(m.tag) == EXC_FAULT && (m.badge & PROC_EXC)) {
			exception(&m);
			m.tag = 0;
			continue;
		}
		if (ipc_dispatch(&srv, &m) != IPC_REPLY)
			m.tag = 0;
	}
}
