/*
 * as.c - address spaces: page-table roots, and the page-table updates a
 * pager requests.
 *
 * An address space belongs to the task that created it, its pager: only
 * that task maps into it, and only frames it owns.  Its page-table pages
 * come from the pager's pool of donated frames (SYS_PT_DONATE); when the
 * space is destroyed they go back to that pool, so all of RAM stays
 * accounted for by the pagers.  The root page itself is a page-table page
 * too and comes from the same pool.
 *
 * TLB: an update to the current space invalidates the page at once (or
 * the whole space past a threshold); an update to another space marks it
 * stale, and the next switch to it flushes (with PCID; without PCID every
 * switch flushes anyway).
 */
#include "kernel.h"

#define FLUSH_ALL_THRESHOLD	32

static struct as *active;

/* pt_alloc_fn over a task's pool: the free frames are linked through
 * their first word. */
static bool pool_take(void *ctx, paddr_t *out)
{
	struct as *a = ctx;
	struct task *t = a->pager;

	if (!t || !t->pt_free)
		return false;
	*out = t->pt_free;
	t->pt_free = *(paddr_t *)phys_to_virt(t->pt_free);
	t->pt_free_count--;
	a->pt_pages++;
	return true;
}

static void pool_give(struct task *t, paddr_t pa)
{
	*(paddr_t *)phys_to_virt(pa) = t->pt_free;
	t->pt_free = pa;
	t->pt_free_count++;
}

/*
 * A frame of `by` into the pool of `to`; lent marks it FRAME_LENT (the
 * first pager lending page tables).  Only the first pager may donate a
 * lent frame: its holder has it mapped writable somewhere.
 */
int pt_donate(struct task *by, struct task *to, pfn_t pfn, bool lent)
{
	if (!frame_owned_by(pfn, by) || (frame_lent(pfn) && by != sys_root_task))
		return -EPERM;
	frame_set_owner(pfn, FRAME_PT | (lent || frame_lent(pfn) ?
					 FRAME_LENT : 0));
	pool_give(to, (paddr_t)pfn << PAGE_SHIFT);
	return 0;
}

int pt_reclaim_one(struct task *t, pfn_t *out)
{
	paddr_t pa = t->pt_free;

	if (!pa)
		return -ENOENT;
	t->pt_free = *(paddr_t *)phys_to_virt(pa);
	t->pt_free_count--;
	*out = pa >> PAGE_SHIFT;
	/* A dead task's frames go straight to the first pager; a lent
	 * frame stays lent. */
	if (t->dead && sys_root_task && t != sys_root_task)
		frame_set_owner(*out, sys_root_task->id);
	else
		frame_set_owner(*out, t->id | (frame_lent(*out) ? FRAME_LENT : 0));
	return 0;
}

struct as *as_create(struct task *pager, uint64_t label)
{
	struct as *a = as_alloc();

	if (!a)
		return NULL;
	a->pager = pager;
	a->label = label;
	a->tlb_stale = true;		/* a recycled PCID may hold entries */
	if (!pool_take(a, &a->root)) {
		as_free(a);
		return NULL;
	}
	arch_pt_init_root(a->root);
	pager->refs++;
	return a;
}

static void table_free(void *ctx, paddr_t pa)
{
	struct as *a = ctx;
	struct task *t = a->pager;

	a->pt_pages--;
	if (t && !t->dead) {
		pool_give(t, pa);
	} else {
		frame_set_owner(pa >> PAGE_SHIFT, sys_root_task ?
				sys_root_task->id : FRAME_NONE);
	}
}

/* Drop every mapping and table now; the object lives on while referenced. */
void as_destroy(struct as *a)
{
	if (a->dead)
		return;
	a->dead = true;
	if (active == a) {
		as_activate(NULL);
	}
	arch_pt_free_tables(a->root, table_free, a);
	a->pt_pages = 0;
	if (a->pager) {
		task_put(a->pager);
		a->pager = NULL;
	}
}

void as_put(struct as *a)
{
	if (--a->refs > 0)
		return;
	as_destroy(a);
	as_free(a);
}

void as_activate(struct as *a)
{
	bool flush;

	if (a == active && !(a && a->tlb_stale))
		return;
	if (!a || a->dead) {
		arch_switch_as(arch_kernel_root(), 0, false);
		active = NULL;
		return;
	}
	flush = a->tlb_stale;
	a->tlb_stale = false;
	arch_switch_as(a->root, a->pcid, flush);
	active = a;
}

static bool user_range_ok(vaddr_t va, uint64_t npages)
{
	if (va & (PAGE_SIZE - 1) || va >= USER_TOP)
		return false;
	return npages <= (USER_TOP - va) >> PAGE_SHIFT;
}

static void tlb_flush(struct as *a, vaddr_t va)
{
	if (a == active)
		arch_tlb_flush_page(va, a->pcid, true);
	else
		a->tlb_stale = true;
}

int as_map(struct as *a, struct task *caller, const struct as_map_op *op)
{
	vaddr_t va = op->va & ~(vaddr_t)(PAGE_SIZE - 1);
	unsigned prot = op->va & AS_PROT_MASK;
	pte_t old;
	int err;

	if (a->dead)
		return -ESRCH;
	if (op->va & (PAGE_SIZE - 1) & ~AS_PROT_MASK || !(prot & AS_PROT_READ)
	    || !user_range_ok(va, 1) || va == 0)
		return -EINVAL;
	if (!frame_owned_by(op->pfn, caller))
		return -EPERM;
	err = arch_pt_map(a->root, va, op->pfn << PAGE_SHIFT, prot, pool_take,
			  a, &old);
	if (err)
		return err;
	if (arch_pte_present(old))
		tlb_flush(a, va);
	return 0;
}

/* A 2 MiB mapping: only the boot path uses it, for mm's physmap. */
int as_map_large(struct as *a, vaddr_t va, paddr_t pa, unsigned prot)
{
	return arch_pt_map_large_kernel(a->root, va, pa, prot, pool_take, a);
}

/*
 * Apply fn to every present PTE of [va, va + npages pages), then flush the
 * TLB: page by page up to FLUSH_ALL_THRESHOLD pages, the whole space past
 * it.
 */
static int range_update(struct as *a, vaddr_t va, uint64_t npages,
			pte_t (*fn)(pte_t pte, unsigned arg), unsigned arg)
{
	uint64_t changed = 0;

	if (!user_range_ok(va, npages))
		return -EINVAL;
	for (uint64_t i = 0; i < npages; i++, va += PAGE_SIZE) {
		pte_t *e = arch_pt_lookup(a->root, va);

		if (!e || !arch_pte_present(*e))
			continue;
		*e = fn(*e, arg);
		if (++changed <= FLUSH_ALL_THRESHOLD)
			tlb_flush(a, va);
	}
	if (changed > FLUSH_ALL_THRESHOLD) {
		if (a == active)
			arch_tlb_flush_as(a->pcid, true);
		else
			a->tlb_stale = true;
	}
	return 0;
}

static pte_t pte_clear(pte_t pte, unsigned arg)
{
	(void)pte;
	(void)arg;
	return 0;
}

static pte_t pte_reprotect(pte_t pte, unsigned prot)
{
	return arch_pte_set_prot(pte, prot);
}

int as_unmap(struct as *a, vaddr_t va, uint64_t npages)
{
	return range_update(a, va, npages, pte_clear, 0);
}

int as_protect(struct as *a, vaddr_t va, uint64_t npages, unsigned prot)
{
	if (!(prot & AS_PROT_READ) || (prot & ~AS_PROT_MASK))
		return -EINVAL;
	return range_update(a, va, npages, pte_reprotect, prot);
}

/* Read and clear the accessed and dirty bits of one page. */
int as_harvest_one(struct as *a, vaddr_t va, uint8_t *out)
{
	pte_t *e = arch_pt_lookup(a->root, va);
	uint8_t bits = 0;

	if (e && arch_pte_present(*e)) {
		bits = AS_HARVEST_PRESENT;
		if (arch_pte_accessed(*e))
			bits |= AS_HARVEST_ACCESSED;
		if (arch_pte_dirty(*e))
			bits |= AS_HARVEST_DIRTY;
		if (bits & (AS_HARVEST_ACCESSED | AS_HARVEST_DIRTY)) {
			*e = arch_pte_clear_ad(*e);
			tlb_flush(a, va);
		}
	}
	*out = bits;
	return 0;
}
