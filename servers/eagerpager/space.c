/*
 * space.c - memory contexts: regions, the page map, and the kernel's
 * mappings, which always equal the page map (see struct ctx in eager.h).
 *
 * Regions are a sorted singly linked list per context, from a fixed pool:
 * the eager pager has no allocator for small objects and needs none, since
 * a client has few regions and every walk is linear anyway.
 *
 * Every kernel update goes out in batches of AS_MAP_MAX mappings after the
 * page-table pool is topped up, so one SYS_AS_MAP never runs out of
 * page-table frames halfway (a partial map is retried after a top-up).
 */
#include <string.h>
#include "eager.h"

#define PT_POOL_LOW	8

static struct ctx ctxs[EP_MAX_CTX];
static bool ctx_used[EP_MAX_CTX];
static struct region region_pool[EP_MAX_REGIONS];
static struct region *region_free;
static bool regions_ready;

struct ctx *ctx_get(uint64_t id)
{
	return id > 0 && id < EP_MAX_CTX && ctx_used[id] ? &ctxs[id] : NULL;
}

static struct region *region_alloc(void)
{
	struct region *r;

	if (!regions_ready) {
		for (unsigned i = 0; i < EP_MAX_REGIONS; i++) {
			region_pool[i].next = region_free;
			region_free = &region_pool[i];
		}
		regions_ready = true;
	}
	r = region_free;
	if (r)
		region_free = r->next;
	return r;
}

static void region_release(struct region *r)
{
	memset(r, 0, sizeof(*r));
	r->next = region_free;
	region_free = r;
}

struct ctx *ctx_create(uint32_t pid)
{
	unsigned id;
	long as;

	for (id = 1; id < EP_MAX_CTX && ctx_used[id]; id++)
		;
	if (id == EP_MAX_CTX || pt_pool_ensure(PT_POOL_LOW))
		return NULL;
	as = sys1(SYS_AS_CREATE, id);
	if (as < 0)
		return NULL;
	memset(&ctxs[id], 0, sizeof(ctxs[id]));
	ctxs[id].id = id;
	ctxs[id].pid = pid;
	ctxs[id].as = (uint64_t)as;
	ctxs[id].stack_low = STACK_TOP;
	ctx_used[id] = true;
	return &ctxs[id];
}

/* ---- the page map ---- */

static unsigned pm_index(vaddr_t va, int level)
{
	return (unsigned)(va >> (PAGE_SHIFT + 9 * level)) & 511;
}

uint64_t *pmap_slot(struct ctx *c, vaddr_t va, bool create)
{
	pfn_t *link = &c->root;

	for (int level = 3; level > 0; level--) {
		uint64_t *node;

		if (!*link) {
			pfn_t p;

			if (!create || frame_alloc(&p))
				return NULL;
			*link = p;
			c->nodes++;
		}
		node = frame_va(*link);
		link = (pfn_t *)&node[pm_index(va, level)];
		/* interior entries hold a bare pfn */
	}
	if (!*link) {
		pfn_t p;

		if (!create || frame_alloc(&p))
			return NULL;
		*link = p;
		c->nodes++;
	}
	return &((uint64_t *)frame_va(*link))[pm_index(va, 0)];
}

/*
 * Call fn on every present leaf entry in [start, end), skipping absent
 * subtrees, so a walk over a huge sparse range costs what is there.
 */
static void pm_walk(pfn_t node, int level, vaddr_t base, vaddr_t start,
		    vaddr_t end, void (*fn)(struct ctx *, vaddr_t, uint64_t *,
					   void *), struct ctx *c, void *arg)
{
	uint64_t *e = frame_va(node);
	uint64_t span = PAGE_SIZE << (9 * level);

	for (unsigned i = 0; i < 512; i++) {
		vaddr_t lo = base + i * span, hi = lo + span;

		if (hi <= start || lo >= end || !e[i])
			continue;
		if (level == 0)
			fn(c, lo, &e[i], arg);
		else
			pm_walk(e[i], level - 1, lo, start, end, fn, c, arg);
	}
}

static void pm_for_range(struct ctx *c, vaddr_t start, vaddr_t end,
			 void (*fn)(struct ctx *, vaddr_t, uint64_t *, void *),
			 void *arg)
{
	if (c->root)
		pm_walk(c->root, 3, 0, start, end, fn, c, arg);
}

static void pm_free_nodes(pfn_t node, int level)
{
	uint64_t *e = frame_va(node);

	for (unsigned i = 0; level > 0 && i < 512; i++)
		if (e[i])
			pm_free_nodes(e[i], level - 1);
	frame_put(node);
}

/* ---- regions ---- */

struct region *region_find(struct ctx *c, vaddr_t va)
{
	for (struct region *r = c->regions; r && r->start <= va; r = r->next)
		if (va < r->end)
			return r;
	return NULL;
}

bool region_overlaps(struct ctx *c, vaddr_t start, vaddr_t end)
{
	for (struct region *r = c->regions; r && r->start < end; r = r->next)
		if (r->end > start)
			return true;
	return false;
}

bool range_covered(struct ctx *c, vaddr_t start, vaddr_t end)
{
	vaddr_t at = start;

	while (at < end) {
		struct region *r = region_find(c, at);

		if (!r)
			return false;
		at = r->end;
	}
	return true;
}

int region_add(struct ctx *c, vaddr_t start, vaddr_t end, unsigned prot,
	       unsigned flags)
{
	struct region **link = &c->regions, *r;

	if (start >= end || region_overlaps(c, start, end))
		return -EINVAL;
	r = region_alloc();
	if (!r)
		return -ENOMEM;
	while (*link && (*link)->start < start)
		link = &(*link)->next;
	*r = (struct region){ start, end, prot, flags, *link };
	*link = r;
	return 0;
}

/* Make addr a region boundary (split the region containing it). */
static int region_split(struct ctx *c, vaddr_t addr)
{
	struct region *r = region_find(c, addr), *n;

	if (!r || r->start == addr)
		return 0;
	n = region_alloc();
	if (!n)
		return -ENOMEM;
	*n = *r;
	n->start = addr;
	r->end = addr;
	r->next = n;
	return 0;
}

/* ---- kernel mappings ---- */

unsigned kprot(unsigned prot)
{
	unsigned k = 0;

	if (prot & (PROT_READ | PROT_WRITE | PROT_EXEC))
		k = AS_PROT_READ;
	if (prot & PROT_WRITE)
		k |= AS_PROT_WRITE;
	if (prot & PROT_EXEC)
		k |= AS_PROT_EXEC;
	return k;
}

struct map_batch {
	struct ctx *c;
	unsigned prot;			/* AS_PROT_* */
	unsigned n;
	int err;
	struct as_map_op ops[AS_MAP_MAX];
};

static void batch_flush(struct map_batch *b)
{
	unsigned done = 0;

	while (!b->err && done < b->n) {
		long r;

		if (pt_pool_ensure(PT_POOL_LOW)) {
			b->err = -ENOMEM;
			break;
		}
		r = sys3(SYS_AS_MAP, b->c->as, &b->ops[done], b->n - done);
		if (r <= 0 && r != -ENOMEM)
			b->err = r ? (int)r : -EIO;
		else if (r > 0)
			done += (unsigned)r;
	}
	b->n = 0;
}

static void batch_add(struct ctx *c, vaddr_t va, uint64_t *e, void *arg)
{
	struct map_batch *b = arg;

	(void)c;
	b->ops[b->n].va = va | b->prot;
	b->ops[b->n].pfn = *e >> PAGE_SHIFT;
	if (++b->n == AS_MAP_MAX)
		batch_flush(b);
}

/* Map every page-map entry of [start, end) with prot (PROT_*). */
int kmap_range(struct ctx *c, vaddr_t start, vaddr_t end, unsigned prot)
{
	static struct map_batch b;

	if (!kprot(prot))
		return 0;
	b.c = c;
	b.prot = kprot(prot);
	b.n = 0;
	b.err = 0;
	pm_for_range(c, start, end, batch_add, &b);
	batch_flush(&b);
	return b.err;
}

/* Give every page of [start, end) a frame, then map the range. */
int range_populate(struct ctx *c, vaddr_t start, vaddr_t end, unsigned prot)
{
	for (vaddr_t va = start; va < end; va += PAGE_SIZE) {
		uint64_t *e = pmap_slot(c, va, true);
		pfn_t p;

		if (!e)
			return -ENOMEM;
		if (*e)
			continue;
		if (frame_alloc(&p))
			return -ENOMEM;
		*e = p << PAGE_SHIFT | PTE_PRESENT;
		c->rss++;
	}
	return kmap_range(c, start, end, prot);
}

static void drop_entry(struct ctx *c, vaddr_t va, uint64_t *e, void *arg)
{
	(void)va;
	(void)arg;
	frame_put(*e >> PAGE_SHIFT);
	*e = 0;
	c->rss--;
}

/* Remove [start, end) from regions, page map and kernel: munmap. */
int range_unmap(struct ctx *c, vaddr_t start, vaddr_t end)
{
	struct region **link = &c->regions;
	long r;
	int err = region_split(c, start);

	if (!err)
		err = region_split(c, end);
	if (err)
		return err;
	r = sys3(SYS_AS_UNMAP, c->as, start, (end - start) >> PAGE_SHIFT);
	if (r < 0)
		return (int)r;
	pm_for_range(c, start, end, drop_entry, NULL);
	while (*link) {
		struct region *x = *link;

		if (x->start >= start && x->end <= end) {
			*link = x->next;
			region_release(x);
		} else {
			link = &x->next;
		}
	}
	return 0;
}

/*
 * mprotect: every region in [start, end) takes prot.  Becoming accessible
 * populates what a PROT_NONE mmap left without frames; PROT_NONE keeps the
 * frames (and the contents) but unmaps them in the kernel.
 */
int range_protect(struct ctx *c, vaddr_t start, vaddr_t end, unsigned prot)
{
	int err = region_split(c, start);

	if (!err)
		err = region_split(c, end);
	if (err)
		return err;
	for (struct region *r = c->regions; r && r->start < end; r = r->next)
		if (r->start >= start)
			r->prot = prot;
	if (!kprot(prot))
		return (int)sys3(SYS_AS_UNMAP, c->as, start,
				 (end - start) >> PAGE_SHIFT);
	for (struct region *r = c->regions; r && r->start < end; r = r->next) {
		vaddr_t lo;

		if (r->start < start)
			continue;
		lo = r->flags & REG_STACK && c->stack_low > r->start ?
		     (c->stack_low < r->end ? c->stack_low : r->end) : r->start;
		err = range_populate(c, lo, r->end, prot);
		if (err)
			return err;
	}
	return 0;
}

/* The highest free gap of len bytes in [MMAP_MIN, MMAP_TOP). */
int place_topdown(struct ctx *c, uint64_t len, vaddr_t *out)
{
	vaddr_t prev_end = MMAP_MIN;
	bool found = false;

	for (struct region *r = c->regions;; r = r->next) {
		vaddr_t hi = r && r->start < MMAP_TOP ? r->start : MMAP_TOP;

		if (hi > prev_end && hi - prev_end >= len) {
			*out = hi - len;	/* later gaps are higher */
			found = true;
		}
		if (!r || r->start >= MMAP_TOP)
			break;
		if (r->end > prev_end)
			prev_end = r->end;
	}
	return found ? 0 : -ENOMEM;
}

void ctx_destroy(struct ctx *c)
{
	struct region *r = c->regions;

	sys1(SYS_AS_DESTROY, c->as);
	sys1(SYS_HANDLE_CLOSE, c->as);
	pm_for_range(c, 0, USER_END, drop_entry, NULL);
	if (c->root)
		pm_free_nodes(c->root, 3);
	while (r) {
		struct region *n = r->next;

		region_release(r);
		r = n;
	}
	ctx_used[c->id] = false;
	memset(c, 0, sizeof(*c));
	pt_pool_trim();
}

/* ---- fork: every private page copied now, shared pages referenced ---- */

struct fork_arg {
	struct ctx *child;
	bool shared;
	int err;
};

static void fork_entry(struct ctx *parent, vaddr_t va, uint64_t *e,
		       void *arg)
{
	struct fork_arg *f = arg;
	uint64_t *ce;
	pfn_t p = *e >> PAGE_SHIFT;

	(void)parent;
	if (f->err)
		return;
	ce = pmap_slot(f->child, va, true);
	if (!ce) {
		f->err = -ENOMEM;
		return;
	}
	if (f->shared) {
		frame_get(p);
	} else {
		pfn_t q;

		if (frame_alloc(&q)) {
			f->err = -ENOMEM;
			return;
		}
		memcpy(frame_va(q), frame_va(p), PAGE_SIZE);
		ep_stats.pages_copied++;
		p = q;
	}
	*ce = p << PAGE_SHIFT | PTE_PRESENT;
	f->child->rss++;
}

struct ctx *ctx_fork(struct ctx *parent, uint32_t pid)
{
	struct ctx *c = ctx_create(pid);
	struct fork_arg f = { c, false, 0 };

	if (!c)
		return NULL;
	c->brk_start = parent->brk_start;
	c->brk = parent->brk;
	c->stack_low = parent->stack_low;
	memcpy(c->name, parent->name, sizeof(c->name));
	for (struct region *r = parent->regions; r && !f.err; r = r->next) {
		f.shared = r->flags & REG_SHARED;
		if (region_add(c, r->start, r->end, r->prot, r->flags))
			f.err = -ENOMEM;
		else
			pm_for_range(parent, r->start, r->end, fork_entry, &f);
		if (!f.err)
			f.err = kmap_range(c, r->start, r->end, r->prot);
	}
	if (f.err) {
		ctx_destroy(c);
		return NULL;
	}
	return c;
}

/* ---- validation ---- */

struct check_arg {
	struct ctx *c;
	uint64_t n;
	int err;
};

static void check_entry(struct ctx *c, vaddr_t va, uint64_t *e, void *arg)
{
	struct check_arg *k = arg;

	k->n++;
	if (!(*e & PTE_PRESENT) || frame_refs(*e >> PAGE_SHIFT) == 0 ||
	    !region_find(c, va))
		k->err = -EIO;
}

/* Regions sorted and disjoint; every entry in a region, counted in rss. */
int ctx_check(struct ctx *c)
{
	struct check_arg k = { c, 0, 0 };

	for (struct region *r = c->regions; r; r = r->next)
		if (r->start >= r->end || (r->next && r->end > r->next->start))
			return -EIO;
	pm_for_range(c, 0, USER_END, check_entry, &k);
	return k.err ? k.err : (k.n == c->rss ? 0 : -EIO);
}
