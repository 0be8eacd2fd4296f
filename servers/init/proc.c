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
#define EOPNOTSUPP	95
#define SIGKILL		9

enum proc_state { P_FREE, P_LIVE, P_ZOMBIE };

struct proc {
	enum proc_state state;
	uint32_t pid, ppid;
	uint64_t task;			/* handle to the kernel task */
	uint64_t ctx;			/* memory context in the pager */
	uint64_t pager;			/* handle to that pager, as proc */
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
static char ps_side[IPC_BUF_MAX];

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

static void side_pager_died(const struct proc *p);

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
	mm_req_exit(p->pager, &(struct mm_exit_req){ .ctx = p->ctx });
	p->state = P_ZOMBIE;
	p->status = status;
	side_pager_died(p);
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
static long pager_new_ctx(uint64_t pager, uint32_t pid, const char *args,
			  unsigned len, uint64_t parent_ctx,
			  struct mm_spawn_rep *mr)
{
	uint64_t rtag;
	long err;

	if (args)
		err = mm_req_spawn(pager,
				   &(struct mm_spawn_req){ .pid = pid }, args,
				   len, mr, &rtag);
	else
		err = mm_req_fork(pager,
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
 * starting with `arg` in its first argument register.  A side-by-side
 * pager also gets serve_ep, the endpoint it serves, in slot MM_H_PAGER_EP
 * before its thread starts.
 */
static int proc_start(struct proc *p, const struct mm_spawn_rep *mr,
		      uint64_t arg, uint64_t serve_ep)
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
		     sys4(SYS_HANDLE_GIVE, task, task, TASK_R_THREAD, 0) !=
		     H_SELF_TASK ||
		     (serve_ep && sys4(SYS_HANDLE_GIVE, task, serve_ep, R_ALL,
				       0) != MM_H_PAGER_EP)))
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
		mm_req_exit(p->pager, &(struct mm_exit_req){ .ctx = p->ctx });
		return (int)err;
	}
	p->task = (uint64_t)task;
	p->state = P_LIVE;
	return 0;
}


/*
 * Side-by-side pagers.  `run --pager SPEC PROG` (PROC_SPAWN_PAGER) has PROG
 * served by the pager SPEC names: "NAME[,OPT...]", each OPT passed to the
 * pager as --OPT.  The first pager (pager= on the kernel command line)
 * serves as usual; any other is started on first use as an ordinary
 * process of the first pager: with MM_SIDE_BY_SIDE_ARG, the endpoint it
 * serves in slot MM_H_PAGER_EP, and SIDE_PAGER_PAGES frames the first
 * pager grants it block by block (MM_FRAMES_GRANT, then MM_FRAMES_ADOPT
 * to the new pager).  Only pagers that speak this start protocol may run
 * side by side.
 *
 * When a side-by-side pager dies, every process it served is killed with
 * SIGBUS (their memory is gone), and the first pager is asked to take
 * back the frames it granted (MM_FRAMES_GRANT with npages = 0).
 */
#define SIDE_PAGERS_MAX		4
#define SIDE_PAGER_PAGES	(96 * 256)	/* 96 MiB, at most half of */
						/* what the first has free */
#define SIGBUS			7

static const char *const side_capable[] = { "eagerpager" };

static struct side_pager {
	bool used;
	uint32_t pid;
	uint64_t h;			/* its endpoint, badge MM_BADGE_PROC */
	char spec[PROC_NAME_MAX];
} side_pagers[SIDE_PAGERS_MAX];

static char first_pager[PROC_NAME_MAX] = "mm";

static const char *pager_name(uint64_t h)
{
	for (int i = 0; i < SIDE_PAGERS_MAX; i++)
		if (side_pagers[i].used && side_pagers[i].h == h)
			return side_pagers[i].spec;
	return first_pager;
}

/* The first pager's name, from the kernel command line. */
static void first_pager_init(void)
{
	static struct bootinfo boot;
	const char *s;

	if (sys3(SYS_BOOTINFO, INIT_H_SYS, &boot, sizeof(boot)))
		return;
	boot.cmdline[BOOT_CMDLINE_MAX - 1] = 0;
	for (s = boot.cmdline; (s = strstr(s, "pager=")); s++)
		if (s == boot.cmdline || s[-1] == ' ') {
			size_t n = strcspn(s + 6, " ");

			if (n > 0 && n < sizeof(first_pager)) {
				memcpy(first_pager, s + 6, n);
				first_pager[n] = 0;
			}
			return;
		}
}

/* "NAME\0--side-by-side\0--OPT\0...\0\0" from "NAME,OPT,..." */
static int side_args(const char *spec, char *out, size_t size,
		     unsigned *len)
{
	size_t n = 0, l = strcspn(spec, ",");
	bool capable = false;

	for (size_t i = 0; i < sizeof(side_capable) / sizeof(side_capable[0]);
	     i++)
		capable |= strlen(side_capable[i]) == l &&
			   !strncmp(side_capable[i], spec, l);
	if (!capable)
		return -EOPNOTSUPP;
	n = (size_t)snprintf(out, size, "%.*s", (int)l, spec) + 1;
	n += (size_t)snprintf(out + n, size - n, "%s", MM_SIDE_BY_SIDE_ARG) + 1;
	for (spec += l; *spec == ',' && n + 40 < size; spec += l) {
		l = strcspn(++spec, ",");
		n += (size_t)snprintf(out + n, size - n, "--%.*s", (int)l,
				      spec) + 1;
	}
	out[n++] = 0;
	*len = (unsigned)n;
	return 0;
}

/* Half the first pager's free memory, in pages (its meminfo). */
static uint64_t first_pager_half_free(void)
{
	struct mm_info_rep mr;
	const char *s;
	uint64_t kb = 0;

	sys2(SYS_IPC_SET_RECVBUF, ps_side, sizeof(ps_side));
	if (mm_req_info(INIT_H_MM_PROC, &(struct mm_info_req){
			MM_INFO_MEMINFO }, &mr, NULL) == 0) {
		ps_side[mr.len < sizeof(ps_side) ? mr.len :
			sizeof(ps_side) - 1] = 0;
		s = strstr(ps_side, "MemFree:");
		kb = s ? strtoull(s + 8, NULL, 10) : 0;
	}
	sys2(SYS_IPC_SET_RECVBUF, recvbuf, sizeof(recvbuf));
	return kb / 4 / 2;
}

/* Have the first pager give sp's process frames, block by block. */
static uint64_t side_pager_feed(struct proc *p, uint64_t h)
{
	uint64_t got = 0, want = first_pager_half_free();

	if (want > SIDE_PAGER_PAGES)
		want = SIDE_PAGER_PAGES;
	while (got + MM_GRANT_MAX_PAGES <= want) {
		struct ipc_msg m = { 0 };
		struct mm_frames_grant_rep rp;

		m.tag = IPC_TAG(MM_FRAMES_GRANT,
				IPC_MSG_NWORDS(struct mm_frames_grant_req)) |
			IPC_TAG_HANDLES(1);
		*IPC_REQ(&m, struct mm_frames_grant_req) =
			(struct mm_frames_grant_req){
				.task = p->task, .ctx = p->ctx,
				.npages = MM_GRANT_MAX_PAGES };
		if (ipc_call(INIT_H_MM_PROC, &m) || (int64_t)m.w[0] < 0)
			break;
		rp = *IPC_REP(&m, struct mm_frames_grant_rep);
		if (ipc_request_struct(h, MM_FRAMES_ADOPT, &m,
				       &(struct mm_frames_adopt_req){
					.pfn = rp.pfn, .npages = rp.npages },
				       sizeof(struct mm_frames_adopt_req), NULL,
				       0))
			break;
		got += rp.npages;
	}
	return got;
}

static long side_pager_start(const char *spec, struct side_pager *sp)
{
	char args[PROC_NAME_MAX + 64];
	struct mm_spawn_rep mr;
	unsigned len;
	struct proc *p;
	long err, ep = -1, h = -1;

	err = side_args(spec, args, sizeof(args), &len);
	if (err)
		return err;
	p = proc_new();
	if (!p)
		return -11;			/* EAGAIN */
	p->ppid = INIT_PID;
	p->pager = INIT_H_MM_PROC;
	strncpy(p->name, args, sizeof(p->name) - 1);
	err = pager_new_ctx(INIT_H_MM_PROC, p->pid, args, len, 0, &mr);
	if (!err && (ep = sys0(SYS_EP_CREATE)) < 0)
		err = ep;
	if (!err && (h = sys3(SYS_HANDLE_MINT, ep, R_SEND | R_GRANT,
			       MM_BADGE_PROC)) < 0)
		err = h;
	if (!err)
		err = proc_start(p, &mr, 0, (uint64_t)ep);
	if (ep > 0)
		sys1(SYS_HANDLE_CLOSE, ep);	/* only the pager receives */
	if (err) {
		if (h > 0)
			sys1(SYS_HANDLE_CLOSE, h);
		p->state = P_FREE;
		return err;
	}
	*sp = (struct side_pager){ .used = true, .pid = p->pid,
				   .h = (uint64_t)h };
	strncpy(sp->spec, spec, sizeof(sp->spec) - 1);
	if (side_pager_feed(p, (uint64_t)h) == 0) {
		proc_die(p, SIGKILL);
		return -ENOMEM;
	}
	return 0;
}

/* The handle to the pager SPEC names, starting it if need be. */
static long pager_by_spec(const char *spec, uint64_t *h)
{
	struct side_pager *free_slot = NULL;
	long err;

	if (!strcmp(spec, first_pager)) {
		*h = INIT_H_MM_PROC;
		return 0;
	}
	if (strlen(spec) >= PROC_NAME_MAX)
		return -EINVAL;
	for (int i = 0; i < SIDE_PAGERS_MAX; i++) {
		if (side_pagers[i].used && !strcmp(side_pagers[i].spec, spec)) {
			*h = side_pagers[i].h;
			return 0;
		}
		if (!side_pagers[i].used && !free_slot)
			free_slot = &side_pagers[i];
	}
	if (!free_slot)
		return -11;			/* EAGAIN */
	err = side_pager_start(spec, free_slot);
	if (!err)
		*h = free_slot->h;
	return err;
}

static void side_pager_died(const struct proc *p)
{
	struct side_pager *sp = NULL;
	struct ipc_msg m = { 0 };

	for (int i = 0; i < SIDE_PAGERS_MAX; i++)
		if (side_pagers[i].used && side_pagers[i].pid == p->pid)
			sp = &side_pagers[i];
	if (!sp)
		return;
	sp->used = false;		/* first: its clients' exits skip it */
	for (int i = 0; i < PROC_MAX; i++)
		if (procs[i].state == P_LIVE && procs[i].pager == sp->h) {
			say("init: pid %u (%s) killed by SIGBUS: its pager "
			    "%s (pid %u) died\n", procs[i].pid, procs[i].name,
			    sp->spec, sp->pid);
			proc_die(&procs[i], SIGBUS);	/* its MM_EXIT: EPIPE */
		}
	sys1(SYS_HANDLE_CLOSE, sp->h);
	m.tag = IPC_TAG(MM_FRAMES_GRANT,
			IPC_MSG_NWORDS(struct mm_frames_grant_req));
	ipc_call(INIT_H_MM_PROC, &m);
	say("init: pager %s (pid %u) is gone; %lu pages back to %s\n",
	    sp->spec, sp->pid, (unsigned long)m.w[2], first_pager);
}

static int h_spawn(struct ipc_msg *m, void *unused)
{
	unsigned len = IPC_TAG_BUFLEN(m->tag);
	uint32_t parent = caller_pid(m);
	uint64_t flags = IPC_REQ(m, struct proc_spawn_req)->flags;
	const char *args = recvbuf;
	struct mm_spawn_rep mr;
	uint64_t pager = INIT_H_MM_PROC;
	struct proc *p;
	long err = 0;

	(void)unused;
	if (len == 0 || (m->tag & IPC_TAG_TRUNC) || recvbuf[len - 1] != 0) {
		ipc_reply_set(m, -EINVAL, 0);
		return IPC_REPLY;
	}
	/* "pager\0prog\0...": the program is served by that pager */
	if ((flags & PROC_SPAWN_PAGER) && m->badge != 0)
		err = -EPERM;
	else if (flags & PROC_SPAWN_PAGER) {
		size_t l = strlen(recvbuf) + 1;

		err = l < len ? pager_by_spec(recvbuf, &pager) : -EINVAL;
		args += l;
		len -= (unsigned)l;
	}
	if (err || args[0] == 0) {
		ipc_reply_set(m, err ? err : -EINVAL, 0);
		return IPC_REPLY;
	}
	p = proc_new();
	if (!p) {
		ipc_reply_set(m, -11 /* EAGAIN */, 0);
		return IPC_REPLY;
	}
	p->ppid = parent;
	p->pager = pager;
	strncpy(p->name, args, sizeof(p->name) - 1);
	err = pager_new_ctx(pager, p->pid, args, len, 0, &mr);
	if (err == 0)
		err = proc_start(p, &mr, 0, 0);
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
		mm_req_set_oom_adj(p->pager,
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
	child->pager = parent->pager;
	memcpy(child->name, parent->name, sizeof(child->name));
	err = pager_new_ctx(child->pager, child->pid, NULL, 0, parent->ctx,
			    &mr);
	if (err == 0) {
		mr.entry = rq.ip;
		mr.sp = rq.sp;
		err = proc_start(child, &mr, rq.arg, 0);
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
		err = pager_new_ctx(p->pager, p->pid, recvbuf, len, 0, &mr);
	if (err) {
		ipc_reply_set(m, err, 0);
		return IPC_REPLY;
	}
	sys1(SYS_TASK_KILL, p->task);
	sys1(SYS_HANDLE_CLOSE, p->task);
	mm_req_exit(p->pager, &(struct mm_exit_req){ .ctx = p->ctx });
	memset(p->name, 0, sizeof(p->name));
	strncpy(p->name, recvbuf, sizeof(p->name) - 1);
	if (proc_start(p, &mr, 0, 0)) {
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
		      "-", first_pager, "init");
	for (int i = 0; i < PROC_MAX && n < (int)sizeof(ps_buf) - 80; i++) {
		struct proc *p = &procs[i];
		unsigned long rss = 0, swap = 0;
		const char *l = ctxs;

		if (p->state == P_FREE)
			continue;
		if (p->pager != INIT_H_MM_PROC && p->state == P_LIVE) {
			l = ps_side;	/* a side-by-side pager's contexts */
			sys2(SYS_IPC_SET_RECVBUF, ps_side, sizeof(ps_side));
			if (mm_req_info(p->pager, &(struct mm_info_req){
					MM_INFO_CTX }, &mr, NULL) != 0)
				mr.len = 0;
			ps_side[mr.len < sizeof(ps_side) ? mr.len :
				sizeof(ps_side) - 1] = 0;
			sys2(SYS_IPC_SET_RECVBUF, recvbuf, sizeof(recvbuf));
		}
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
			      rss, swap, pager_name(p->pager), p->name);
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
	/* A clean halt loses nothing: the pager writes every dirty file
	 * page back and has the file server flush the disk. */
	{
		struct ipc_msg s = { 0 };
		uint64_t code = IPC_REQ(m, struct proc_halt_req)->code;

		ipc_request(INIT_H_MM_PROC, MM_SYNC, 0, &s, NULL, 0);
		sys2(SYS_HALT, INIT_H_SYS, code);
	}
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

	if (!p || p->state != P_LIVE)
		return;		/* e.g. killed already: its pager died */
	if (vec == EXC_VEC_PAGER_DIED)
		say("init: pid %u (%s) killed by %s: its pager died during a "
		    "fault at %#lx\n", p->pid, p->name, sig_name(sig),
		    (unsigned long)x.addr);
	else if (vec == EXC_VEC_PAGER && sig == SIGKILL)
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
		err = mm_req_set_oom_adj(p->pager,
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
	first_pager_init();
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
