/*
 * task.c - tasks (an address space, a handle table, threads) and threads.
 *
 * Killing a task kills its threads at once, wherever they are blocked, and
 * closes its handles; the task object itself lingers while other tasks
 * still hold handles to it (a zombie: dead, with no threads).  Frames the
 * task owned pass to the first pager, so no RAM is ever lost.
 *
 * A pager takes its address spaces with it: when a task dies, every space
 * it created is destroyed and every task living in one is killed, and so
 * on down a tree of nested user-level pagers.  Nothing may keep running
 * on frames that now belong to the first pager, which frees them once the
 * dead pager's memory context is gone.  The tree is walked iteratively
 * (reaping): nesting may be deeper than the kernel stack allows recursion.
 */
#include "kernel.h"

struct task *task_create(const char *name, struct as *as)
{
	struct task *t = task_alloc();

	if (!t)
		return NULL;
	t->refs = 1;
	list_init(&t->threads);
	for (int i = 0; i < 31 && name && name[i]; i++)
		t->name[i] = name[i];
	t->as = as;
	if (as)
		as->refs++;
	return t;
}

void task_put(struct task *t)
{
	if (--t->refs > 0)
		return;
	if (!t->dead) {
		t->refs = 1;		/* task_kill drops its own hold */
		task_kill(t);
		task_put(t);
		return;
	}
	task_free(t);
}

struct thread *thread_create(struct task *t, struct endpoint *pager,
			     uint64_t ip, uint64_t sp, uint64_t arg, int prio)
{
	struct thread *th;

	if (t->dead || !(th = thread_alloc()))
		return NULL;
	th->task = t;
	th->prio = prio;
	th->quantum = QUANTUM_TICKS;
	th->pager = pager;
	if (pager)
		pager->refs++;
	list_init(&th->link);
	arch_regs_init_user(&th->regs, ip, sp, arg);
	arch_fpu_init_state(th->fpu);
	list_add_tail(&th->task_link, &t->threads);
	t->nthreads++;
	t->refs++;			/* each thread holds its task */
	sched_make_runnable(th);
	return th;
}

void thread_kill(struct thread *th)
{
	struct task *t = th->task;

	ipc_cancel(th);
	sched_remove(th);
	th->state = T_DEAD;
	if (th->pager)
		endpoint_put(th->pager);
	list_del(&th->task_link);
	t->nthreads--;
	th->state = T_FREE;
	thread_free(th);
	task_put(t);
}

/* Destroy the spaces t is the pager of, and mark them orphaned. */
static void pager_spaces_destroy(struct task *t)
{
	for (size_t i = 0; i < MAX_AS; i++) {
		struct as *a = as_by_index(i);

		if (a && !a->dead && a->pager == t) {
			a->orphaned = true;
			as_destroy(a);
		}
	}
}

/* Kill one live task whose space is orphaned; false if there is none. */
static bool orphan_kill_one(void)
{
	for (uint32_t id = 1; id < MAX_TASKS; id++) {
		struct task *u = task_by_id(id);

		if (u && !u->dead && u->as && u->as->orphaned) {
			task_kill(u);
			return true;
		}
	}
	return false;
}

static bool reaping;

/* Give the task's donated-but-unused page-table frames back to it. */
static void pt_pool_return(struct task *t)
{
	pfn_t pfn;

	while (pt_reclaim_one(t, &pfn) == 0)
		;
}

void task_kill(struct task *t)
{
	struct list_head *p, *n;

	if (t->dead)
		return;
	t->dead = true;
	t->refs++;			/* hold it while its threads go */
	list_for_each_safe(p, n, &t->threads)
		thread_kill(list_entry(p, struct thread, task_link));
	for (unsigned i = 1; i < TASK_HANDLES; i++)
		handle_close(t, i);
	if (t->exc_ep) {
		endpoint_put(t->exc_ep);
		t->exc_ep = NULL;
	}
	if (t->as) {
		as_put(t->as);
		t->as = NULL;
	}
	if (t != sys_root_task)
		pager_spaces_destroy(t);
	pt_pool_return(t);
	if (t->frames_owned)
		frame_release_task(t, sys_root_task != t ? sys_root_task
							  : NULL);
	if (t == sys_root_task)
		panic("the first pager (%s) died", t->name);
	if (!reaping) {
		reaping = true;
		while (orphan_kill_one())
			;
		reaping = false;
	}
	task_put(t);
}
