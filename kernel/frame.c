/*
 * frame.c - the frame-ownership table: one 16-bit owner per frame of RAM.
 *
 * The kernel lets a task map only frames it owns, so that no task can reach
 * memory it was not given.  At boot every frame outside the kernel's
 * reservation belongs to the first pager; ownership moves only through
 * SYS_FRAME_GIVE and SYS_PT_DONATE (to FRAME_PT, the kernel's use).  When a
 * task dies, what it owned goes to its heir (the first pager).
 *
 * The FRAME_LENT bit beside an owner marks a frame the first pager lent to
 * an ordinary program (a user-level pager) while leaving it mapped
 * writable there: such a frame follows its holders down the tree of
 * pagers, page-table pool included, and only the first pager may make it
 * a page table, or every holder could write its children's page tables.
 */
#include "kernel.h"

static uint16_t *owner;
static pfn_t nframes;

void frame_init(pfn_t max_pfn, uint16_t *table)
{
	owner = table;
	nframes = max_pfn;
	__builtin_memset(owner, 0, max_pfn * sizeof(*owner));
}

pfn_t frame_max(void)
{
	return nframes;
}

uint16_t frame_owner(pfn_t pfn)
{
	return pfn < nframes ? owner[pfn] : FRAME_NONE;
}

bool frame_owned_by(pfn_t pfn, const struct task *t)
{
	return pfn < nframes && FRAME_ID(owner[pfn]) == t->id;
}

bool frame_lent(pfn_t pfn)
{
	return pfn < nframes && (owner[pfn] & FRAME_LENT);
}

void frame_set_owner(pfn_t pfn, uint16_t id)
{
	struct task *old = task_by_id(FRAME_ID(owner[pfn]));
	struct task *new = task_by_id(FRAME_ID(id));

	if (old)
		old->frames_owned--;
	if (new)
		new->frames_owned++;
	owner[pfn] = id;
}

void frame_release_task(struct task *t, struct task *heir)
{
	for (pfn_t p = 0; p < nframes && t->frames_owned; p++)
		if (FRAME_ID(owner[p]) == t->id)
			frame_set_owner(p, heir ? heir->id : FRAME_NONE);
}
