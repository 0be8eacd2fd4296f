/*
 * oom.c - the OOM killer and reaper (Linux mm/oom_kill.c).
 *
 * Direct reclaim calls oom_kill() when scanning at every priority has not
 * brought free memory back above the min watermark.  The victim is the
 * context with the highest badness: resident pages + swap entries + page
 * map nodes (our page-table pages), plus oom_score_adj thousandths of all
 * memory (RAM + swap); -1000 (init, the servers) is never chosen.
 *
 * mm cannot wait for the victim to run and exit - it may be blocked on a
 * pipe, or it may be the very process whose fault we are serving - so it
 * reaps at once: every private page and swap slot of the victim is freed
 * and its kernel mappings removed, and the context is marked so that any
 * later fault from it gets SIGKILL.  Then the process server is told
 * (a notification bit, then MM_OOM_VICTIMS) and kills the task the usual
 * way, which reports SIGKILL to its parent and finally frees the context.
 * The allocation that triggered the kill is retried by the caller.
 */
#include <limits.h>
#include "mm.h"

#define VICTIMS_MAX	16

static uint64_t oom_notif;		/* the process server's notification */
static uint32_t victims[VICTIMS_MAX];
static unsigned nvictims;

static long badness(const struct mm_ctx *c, uint64_t totalpages)
{
	long points;

	if (c->oom_score_adj <= -1000 || c->oom_killed)
		return LONG_MIN;
	points = (long)(c->rss + c->swapents + c->pm.nodes);
	points += (long)c->oom_score_adj * (long)totalpages / 1000;
	return points > 0 ? points : 1;
}

static void report(const char *what, const struct mm_ctx *trigger,
		   const struct mm_ctx *victim, uint64_t totalpages)
{
	mm_log("mm: %s invoked oom-killer: %s, oom_score_adj=%d\n",
	       trigger ? trigger->name : "mm", what,
	       trigger ? trigger->oom_score_adj : 0);
	mm_log("mm: Mem-Info: free:%lu anon_lru:%lu swap_free:%lu/%lu "
	       "swapcache:%lu\n", buddy_free_pages(), lru_pages(-1),
	       (unsigned long)swap_free_pages(),
	       (unsigned long)swap_total_pages(),
	       (unsigned long)mm_stats.swapcache_pages);
	mm_log("mm: Tasks state (memory values in pages):\n");
	mm_log("mm: [  pid  ]      rss swapents pgtables oom_score_adj name\n");
	for (unsigned id = 0; id < MM_MAX_CTX; id++) {
		const struct mm_ctx *c = ctx_get(id);

		if (c && !c->oom_killed)
			mm_log("mm: [%7u] %8lu %8lu %8lu %13d %s\n", c->pid,
			       (unsigned long)c->rss,
			       (unsigned long)c->swapents,
			       (unsigned long)c->pm.nodes, c->oom_score_adj,
			       c->name);
	}
	mm_log("mm: Out of memory: Killed process %u (%s) anon-rss:%lukB, "
	       "swapents:%lu, oom_score_adj:%d, badness %ld\n", victim->pid,
	       victim->name, (unsigned long)victim->rss * 4,
	       (unsigned long)victim->swapents, victim->oom_score_adj,
	       badness(victim, totalpages));
}

/* Free everything private of c now; the context stays until exit. */
static void reap(struct mm_ctx *c)
{
	struct vma *v;

	c->oom_killed = true;
	vma_for_each(v, &c->vmas)
		ctx_unmap_range(c, v->start, v->end);
	mm_log("mm: oom_reaper: reaped process %u (%s), now anon-rss:%lukB, "
	       "swapents:%lu\n", c->pid, c->name, (unsigned long)c->rss * 4,
	       (unsigned long)c->swapents);
}

/* Kill the worst context: true if one was killed (and reaped). */
bool oom_kill(const char *what, struct mm_ctx *trigger)
{
	uint64_t total = mm_boot.total_pages + swap_total_pages();
	struct mm_ctx *victim = NULL;
	long worst = LONG_MIN;

	for (unsigned id = 0; id < MM_MAX_CTX; id++) {
		struct mm_ctx *c = ctx_get(id);
		long b = c ? badness(c, total) : LONG_MIN;

		if (b > worst) {
			worst = b;
			victim = c;
		}
	}
	if (!victim) {
		mm_log("mm: out of memory (%s) and no process may be killed\n",
		       what);
		return false;
	}
	report(what, trigger, victim, total);
	reap(victim);
	mm_stats.oom_kill++;
	if (nvictims < VICTIMS_MAX)
		victims[nvictims++] = victim->pid;
	if (oom_notif)
		sys2(SYS_NOTIFY, oom_notif, 1);
	return true;
}

/* MM_OOM_NOTIFY, from the process server: where to signal kills. */
int oom_notify_request(struct ipc_msg *m, void *unused)
{
	(void)unused;
	ipc_reply_set(m, proc_handle_take(m, &oom_notif), 0);
	return IPC_REPLY;
}

/* MM_OOM_VICTIMS, from the process server: w1 = n, pids in w2.. */
int oom_victims_request(struct ipc_msg *m, void *unused)
{
	unsigned n = 0;

	(void)unused;
	if (m->badge != MM_BADGE_PROC) {
		ipc_reply_set(m, -EPERM, 0);
		return IPC_REPLY;
	}
	while (n < IPC_WORDS - 2 && n < nvictims) {
		m->w[2 + n] = victims[n];
		n++;
	}
	for (unsigned i = n; i < nvictims; i++)
		victims[i - n] = victims[i];
	nvictims -= n;
	m->tag = IPC_TAG(0, 2 + n);
	m->w[0] = 0;
	m->w[1] = n;
	m->buf = NULL;
	return IPC_REPLY;
}
