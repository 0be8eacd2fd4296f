/*
 * sched.c - the preemptive priority scheduler and the way back to user mode.
 *
 * Runnable threads other than `current` wait on one FIFO per priority; a
 * bitmap finds the highest non-empty one.  The timer preempts a thread when
 * its quantum ends (round robin within a priority), and a thread woken at a
 * higher priority than current preempts it at the next return to user mode.
 * IPC hands the CPU straight from sender to receiver (sched_switch_to)
 * without touching the queues: that is the fast path of call and reply.
 *
 * FPU state is switched lazily: the FPU keeps the state of fpu_owner.
 * Returning to any other thread sets CR0.TS, and only if that thread then
 * uses the FPU does the #NM trap (kernel_fpu_trap) save the owner's state
 * and load its own.  The servers are built without FPU use, so a fault
 * or a call to a server and back never saves or restores FPU state.
 * A thread that keeps using the FPU (fpu_count, Linux's old heuristic)
 * gets its state loaded on the way in instead, saving the trap; the count
 * is 8 bits and wraps, so the choice is made again now and then.
 */
#include "kernel.h"

struct thread *current;
static struct list_head runq[NR_PRIO];
static uint32_t runq_bits;
static struct list_head sleepers;
static struct list_head timers;		/* armed notification timers */
static uint64_t ticks;
static bool need_resched;
#define FPU_EAGER_AFTER	5
static struct thread *fpu_owner;

void sched_init(void)
{
	for (int i = 0; i < NR_PRIO; i++)
		list_init(&runq[i]);
	list_init(&sleepers);
	list_init(&timers);
}

static void runq_add(struct thread *t)
{
	list_add_tail(&t->link, &runq[t->prio]);
	runq_bits |= 1u << t->prio;
}

static struct thread *runq_pop(void)
{
	struct thread *t;
	int prio;

	if (!runq_bits)
		return NULL;
	prio = 31 - __builtin_clz(runq_bits);
	t = list_first_entry(&runq[prio], struct thread, link);
	list_del(&t->link);
	if (list_empty(&runq[prio]))
		runq_bits &= ~(1u << prio);
	return t;
}

void sched_make_runnable(struct thread *t)
{
	t->state = T_RUNNABLE;
	if (t == current)
		return;
	runq_add(t);
	if (!current || t->prio > current->prio)
		need_resched = true;
}

/* Take t off whatever scheduler list it is on (run queue or sleepers). */
void sched_remove(struct thread *t)
{
	if ((t->state == T_RUNNABLE && t != current) || t->state == T_SLEEP) {
		list_del(&t->link);
		if (t->state == T_RUNNABLE && list_empty(&runq[t->prio]))
			runq_bits &= ~(1u << t->prio);
	}
	if (t == fpu_owner)
		fpu_owner = NULL;
	if (t == current)
		current = NULL;
}

/*
 * Hand the CPU to t, which was blocked and is now runnable; the caller has
 * already set current's new state.  A lower-priority receiver does not
 * take the CPU from a runnable sender: it just joins its queue.
 */
void sched_switch_to(struct thread *t)
{
	if (current && current->state == T_RUNNABLE) {
		if (t->prio < current->prio) {
			sched_make_runnable(t);
			return;
		}
		runq_add(current);
	}
	t->state = T_RUNNABLE;
	current = t;
}

void sched_block_current(enum thread_state s)
{
	current->state = s;
}

void sched_sleep(struct thread *t, uint64_t wake_ns)
{
	struct list_head *pos = sleepers.next;

	t->state = T_SLEEP;
	t->wake_ns = wake_ns;
	while (pos != &sleepers &&
	       list_entry(pos, struct thread, link)->wake_ns <= wake_ns)
		pos = pos->next;
	list_add_tail(&t->link, pos);
}

void sched_yield(void)
{
	if (current && current->state == T_RUNNABLE) {
		runq_add(current);
		current = NULL;
	}
}

uint64_t sched_ticks(void)
{
	return ticks;
}

static void wake_sleepers(void)
{
	uint64_t now = arch_clock_ns();

	while (!list_empty(&sleepers)) {
		struct thread *t = list_first_entry(&sleepers, struct thread,
						    link);
		if (t->wake_ns > now)
			break;
		list_del(&t->link);
		sched_make_runnable(t);
	}
}

void sched_timer_arm(struct notif *n, uint64_t deadline, uint64_t bits)
{
	sched_timer_cancel(n);
	n->timer_ns = deadline ? deadline : 1;
	n->timer_bits = bits;
	list_add_tail(&n->timer_link, &timers);
}

void sched_timer_cancel(struct notif *n)
{
	if (n->timer_ns)
		list_del(&n->timer_link);
	n->timer_ns = 0;
}

static void fire_timers(void)
{
	uint64_t now = arch_clock_ns();
	struct list_head *p, *next;

	list_for_each_safe(p, next, &timers) {
		struct notif *n = list_entry(p, struct notif, timer_link);

		if (n->timer_ns > now)
			continue;
		sched_timer_cancel(n);
		notif_signal(n, n->timer_bits);
	}
}

static void fpu_switch(struct thread *t)
{
	arch_fpu_enable(true);
	if (fpu_owner)
		arch_fpu_save(fpu_owner->fpu);
	arch_fpu_restore(t->fpu);
	fpu_owner = t;
	t->fpu_count++;
}

/* #NM: current touched the FPU while another thread's state is in it. */
void kernel_fpu_trap(void)
{
	if (!current)
		return;
	if (fpu_owner == current) {
		arch_fpu_enable(true);
		return;
	}
	fpu_switch(current);
}

void kernel_timer_tick(void)
{
	ticks++;
	wake_sleepers();
	if (!list_empty(&timers))
		fire_timers();
	if (current && --current->quantum <= 0) {
		current->quantum = QUANTUM_TICKS;
		need_resched = true;
	}
}

static struct thread *pick_next(void)
{
	if (need_resched && current && current->state == T_RUNNABLE) {
		if (runq_bits && 31 - __builtin_clz(runq_bits) >= current->prio) {
			runq_add(current);
			current = NULL;
		}
	}
	need_resched = false;
	if (current && current->state == T_RUNNABLE)
		return current;
	current = NULL;
	return runq_pop();
}

__attribute__((noreturn)) void kernel_return_to_user(void)
{
	struct thread *t;

	while (!(t = pick_next()))
		arch_wait_for_interrupt();
	current = t;
	as_activate(t->task->as);
	if (fpu_owner != t && t->fpu_count > FPU_EAGER_AFTER)
		fpu_switch(t);
	arch_fpu_enable(fpu_owner == t);
	arch_set_current_regs(&t->regs);
	arch_return_to_user(&t->regs);
}
