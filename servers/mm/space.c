/*
 * space.c - memory contexts: one per client address space.
 *
 * A context ties together the kernel address space (mm holds the only
 * handle with map rights), the VMA tree and the page map.  Its id is the
 * label the kernel puts in every fault from that space and the badge on the
 * client's handle to mm, so both faults and requests find it by index.
 *
 * Layout of a fresh context (Linux's, randomised like ASLR): the stack
 * ends at stack_top, MM_STACK_TOP minus a random number of pages; below it
 * MM_STACK_MAX of stack, a guard gap, then mmap_top, from where top-down
 * mmap searches start.  The random source is seeded from the boot command
 * line (`mm.seed=N`, for tests that want repeatable layouts) or the clock.
 */
#include <string.h>
#include "mm.h"

static struct mm_ctx *ctx_table[MM_MAX_CTX];
static struct slab_cache *ctx_cache, *vma_cache;
static uint64_t rand_state;

struct mm_ctx *ctx_get(uint64_t id)
{
	return id < MM_MAX_CTX ? ctx_table[id] : NULL;
}

void ctx_seed(uint64_t seed)
{
	rand_state = seed ? seed : 0x2545f4914f6cdd1dull;
}

static uint64_t ctx_random(void)
{
	rand_state ^= rand_state << 13;
	rand_state ^= rand_state >> 7;
	rand_state ^= rand_state << 17;
	return rand_state;
}

static void caches_init(void)
{
	ctx_cache = slab_cache_create("mm_struct", sizeof(struct mm_ctx), 0,
				      NULL);
	vma_cache = slab_cache_create("vm_area_struct", sizeof(struct vma),
				      0, NULL);
	if (!ctx_cache || !vma_cache)
		mm_panic("cannot create slab caches");
}

struct mm_ctx *ctx_create(uint32_t pid)
{
	struct mm_ctx *c;
	long as;
	unsigned id;

	if (!ctx_cache)
		caches_init();
	for (id = 1; id < MM_MAX_CTX && ctx_table[id]; id++)
		;
	if (id == MM_MAX_CTX || !(c = slab_alloc(ctx_cache)))
		return NULL;
	memset(c, 0, sizeof(*c));
	pt_pool_ensure(-1);
	as = sys1(SYS_AS_CREATE, id);
	if (as < 0) {
		slab_free(ctx_cache, c);
		return NULL;
	}
	c->id = id;
	c->pid = pid;
	c->as = (uint64_t)as;
	c->stack_top = MM_STACK_TOP -
		       (ctx_random() % MM_RAND_STACK_PAGES) * PAGE_SIZE;
	c->mmap_top = c->stack_top - MM_STACK_MAX - MM_STACK_GUARD -
		      (ctx_random() % MM_RAND_MMAP_PAGES) * PAGE_SIZE;
	vma_tree_init(&c->vmas);
	pagemap_init(&c->pm);
	ctx_table[id] = c;
	return c;
}

unsigned vma_prot(const struct vma *v)
{
	unsigned prot = 0;

	if (v->flags & VMA_READ)
		prot |= AS_PROT_READ;
	if (v->flags & VMA_WRITE)
		prot |= AS_PROT_WRITE | AS_PROT_READ;
	if (v->flags & VMA_EXEC)
		prot |= AS_PROT_EXEC | AS_PROT_READ;
	return prot;
}

struct vma *vma_obj_alloc(void)
{
	return slab_alloc(vma_cache);
}

void vma_obj_free(struct vma *v)
{
	slab_free(vma_cache, v);
}

struct vma *ctx_vma_new(struct mm_ctx *c, vaddr_t start, vaddr_t end,
			unsigned long flags, struct mm_object *o)
{
	struct vma *v = slab_alloc(vma_cache);

	if (!v)
		return NULL;
	memset(v, 0, sizeof(*v));
	v->start = start;
	v->end = end;
	v->flags = flags;
	v->pgoff = o && o->type == OBJ_SHMEM ? 0 : start >> PAGE_SHIFT;
	v->file = o;
	if (vma_insert(&c->vmas, v)) {
		slab_free(vma_cache, v);
		return NULL;
	}
	if (o)
		obj_get(o);
	return v;
}

void ctx_vma_free(struct vma *v)
{
	if (v->file)
		obj_put(v->file);
	slab_free(vma_cache, v);
}

/* Map one page-map entry into the kernel's table for c. */
int ctx_map_now(struct mm_ctx *c, vaddr_t va, uint64_t e, unsigned prot)
{
	struct as_map_op op = { va | prot, pme_pfn(e) };
	long r = sys3(SYS_AS_MAP, c->as, &op, 1);

	return r == 1 ? 0 : (r < 0 ? (int)r : -EIO);
}

/*
 * Fill and map every page of v now, as write faults would (DMA regions,
 * granted and lent blocks: the holder must never fault on them).
 * 0 or the first error.
 */
int ctx_populate_now(struct mm_ctx *c, struct vma *v)
{
	for (vaddr_t va = v->start; va < v->end; va += PAGE_SIZE) {
		unsigned prot;
		uint64_t *e;
		int err = fault_fill(c, v, va, true, &prot, &e);

		if (err)
			return err;
		pt_pool_ensure(-1);
		err = ctx_map_now(c, va, *e, prot);
		if (err)
			return err;
		*e |= PME_MAPPED;
	}
	return 0;
}

/*
 * Forget one entry in mm's records: its rmap item and frame reference go.
 * The kernel mapping is the caller's business (a range unmap, or a fault
 * reply that replaces it).
 */
void pme_drop(struct mm_ctx *c, vaddr_t va, uint64_t *e)
{
	if (!(*e & PME_PRESENT)) {
		if (*e & PME_SWAP) {
			swap_entry_put(pme_pfn(*e));
			c->swapents--;
		}
		*e = 0;
		return;
	}
	if (*e & PME_ZERO) {
		mm_stats.zero_maps--;
	} else {
		struct page *p = pfn_to_page(pme_pfn(*e));

		rmap_remove(p, c, va);
		c->rss--;
		if (p->mapcount == 0 && page_has(p, PG_swapcache))
			swap_cache_release_unused(p);	/* drops the cache's ref */
		frame_put(p);
	}
	*e = 0;
}

static void drop_entry(vaddr_t va, uint64_t *e, void *arg)
{
	pme_drop(arg, va, e);
}

/* Forget and free every page in [start, end); unmap it in the kernel. */
int ctx_unmap_range(struct mm_ctx *c, vaddr_t start, vaddr_t end)
{
	long r = sys3(SYS_AS_UNMAP, c->as, start, (end - start) >> PAGE_SHIFT);

	if (r < 0)
		return (int)r;
	return pagemap_for_range(&c->pm, start, end, drop_entry, c);
}

static void destroy_entry(vaddr_t va, uint64_t e, void *arg)
{
	uint64_t tmp = e;

	pme_drop(arg, va, &tmp);
}

void ctx_destroy(struct mm_ctx *c)
{
	struct vma *v, *n;

	sys1(SYS_AS_DESTROY, c->as);
	sys1(SYS_HANDLE_CLOSE, c->as);
	pagemap_destroy(&c->pm, destroy_entry, c);
	vma_for_each_safe(v, n, &c->vmas) {
		vma_remove(&c->vmas, v);
		ctx_vma_free(v);
	}
	ctx_table[c->id] = NULL;
	slab_free(ctx_cache, c);
}
