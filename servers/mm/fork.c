/*
 * fork.c - a copy-on-write copy of a memory context.
 *
 * The child gets a copy of every VMA (objects shared by reference) and of
 * every page-map entry: the same frames, each now mapped twice (a second
 * reference and rmap item), and nothing in its kernel page tables yet: its
 * faults fill them.  Then every private writable range of the parent is
 * write-protected in the kernel, so that the next write by either side
 * faults and anon_write_fault() copies or reuses.  The parent is blocked in
 * its fork request while this runs, so its memory cannot change under us.
 */
#include <string.h>
#include "mm.h"

struct copy_state {
	struct mm_ctx *child;
	int err;
};

static void copy_entry(vaddr_t va, uint64_t *e, void *arg)
{
	struct copy_state *st = arg;
	uint64_t *ce;
	struct page *p;

	if (st->err || !(*e & (PME_PRESENT | PME_SWAP)))
		return;
	ce = pagemap_slot(&st->child->pm, va, true);
	if (!ce) {
		st->err = -ENOMEM;
		return;
	}
	if (*e & PME_SWAP) {		/* one more holder of the slot */
		st->err = swap_entry_dup(pme_pfn(*e));
		if (!st->err) {
			*ce = *e;
			st->child->swapents++;
		}
		return;
	}
	*ce = *e & ~PME_MAPPED;
	if (*e & PME_ZERO) {
		mm_stats.zero_maps++;
		return;
	}
	p = pfn_to_page(pme_pfn(*e));
	if (rmap_add(p, st->child, va)) {
		*ce = 0;
		st->err = -ENOMEM;
		return;
	}
	p->refcount++;
	st->child->rss++;
}

static int copy_vmas(struct mm_ctx *parent, struct mm_ctx *child)
{
	struct vma *v;

	vma_for_each(v, &parent->vmas) {
		struct vma *n = ctx_vma_new(child, v->start, v->end, v->flags,
					    v->file);
		if (!n)
			return -ENOMEM;
		n->pgoff = v->pgoff;
	}
	return 0;
}

static int write_protect(struct mm_ctx *parent)
{
	struct vma *v;

	vma_for_each(v, &parent->vmas) {
		unsigned prot = vma_prot(v);
		long err;

		if (!(prot & AS_PROT_WRITE) || (v->flags & VMA_SHARED))
			continue;
		err = sys4(SYS_AS_PROTECT, parent->as, v->start,
			   (v->end - v->start) >> PAGE_SHIFT,
			   prot & ~AS_PROT_WRITE);
		if (err)
			return (int)err;
	}
	return 0;
}

struct mm_ctx *ctx_fork(struct mm_ctx *parent, uint32_t child_pid)
{
	struct mm_ctx *c = ctx_create(child_pid);
	struct copy_state st = { c, 0 };

	if (!c)
		return NULL;
	c->brk_start = parent->brk_start;
	c->brk = parent->brk;
	c->mmap_top = parent->mmap_top;
	c->stack_top = parent->stack_top;
	c->oom_score_adj = parent->oom_score_adj;
	memcpy(c->name, parent->name, sizeof(c->name));
	st.err = copy_vmas(parent, c);
	if (!st.err)
		pagemap_for_range(&parent->pm, 0, MM_USER_END, copy_entry, &st);
	if (!st.err)
		st.err = write_protect(parent);
	if (st.err) {
		ctx_destroy(c);
		return NULL;
	}
	mm_stats.fork++;
	return c;
}
