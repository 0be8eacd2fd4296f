/*
 * lend.c - MM_FRAMES_LEND: frames an ordinary program owns, so that it can
 * be the pager of address spaces of its own (docs/pager-protocol.md,
 * "User-level pagers").
 *
 * A loan is one buddy block held in a shared object, as DMA regions and
 * grants are.  A data loan (MM_LEND_GET) is mapped read-write into the
 * borrower's context in a VMA that reclaim leaves alone, and then given to
 * the calling task marked lent (SYS_FRAME_GIVE with task 0, the caller,
 * and FRAME_GIVE_LENT); the borrower fills the frames through that mapping
 * and maps them into its children's spaces.  Since it can write them, the
 * kernel never lets it make them page tables: a page-table loan
 * (MM_LEND_PT) is mapped nowhere and goes straight into the calling
 * task's page-table pool (SYS_PT_DONATE to PT_DONATE_CALLER).
 *
 * Why a loan can come back safely.  The kernel lets a frame cross only
 * down a tree of pagers (a task other than us may give frames only to
 * tasks in spaces it is the pager of), and when a task dies it destroys
 * every space the task was the pager of and kills the tasks in them, down
 * the tree.  So once the borrower has died, nothing that could map its
 * frames is left, and each frame is ours again: its owners died, and its
 * page-table uses went back to us with their spaces.  A loan is released
 * (its pin dropped, the frames back to buddy when the borrower's mapping
 * has gone too) only when its context is gone and the kernel reports every
 * frame of every loan of that context as ours; until then it stays pinned.
 *
 * Invariants:
 *  - a live loan holds one reference on its object (the pin);
 *  - the pages on loan to a context never exceed MM_LEND_CTX_PAGES, nor
 *    its loans MM_LEND_CTX_MAX; a released loan's slot is zeroed.
 */
#include <string.h>
#include "mm.h"

#define LENDS_MAX	256
#define LEND_VMA_FLAGS	(VMA_READ | VMA_WRITE | VMA_MAYREAD | VMA_MAYWRITE | \
			 VMA_SHARED | VMA_MAYSHARE | VMA_IO | VMA_LOCKED)

struct lend {
	bool used;
	uint32_t ctx_id, pid;		/* the borrower's context */
	struct mm_object *obj;		/* pinned: holds the frames */
	pfn_t pfn;
	uint64_t npages;
};

static struct lend lends[LENDS_MAX];

static bool lend_ctx_alive(const struct lend *l)
{
	struct mm_ctx *c = ctx_get(l->ctx_id);

	return c && c->pid == l->pid;
}

/* Every frame of every loan of l's context ours again (a give to
 * ourselves succeeds only then)? */
static bool lend_ctx_returned(const struct lend *l)
{
	for (unsigned i = 0; i < LENDS_MAX; i++) {
		const struct lend *o = &lends[i];

		if (o->used && o->ctx_id == l->ctx_id && o->pid == l->pid &&
		    frames_give(BOOT_H_SELF_TASK, o->pfn, o->npages, 0))
			return false;
	}
	return true;
}

/*
 * Release the loans of contexts that are gone and whose frames are all
 * ours; the number of frames released.
 */
static uint64_t lend_sweep(void)
{
	uint64_t n = 0;

	for (unsigned i = 0; i < LENDS_MAX; i++) {
		struct lend *l = &lends[i];

		if (!l->used || lend_ctx_alive(l) || !lend_ctx_returned(l))
			continue;
		obj_put(l->obj);
		n += l->npages;
		memset(l, 0, sizeof(*l));
	}
	return n;
}

static void ctx_on_loan(const struct mm_ctx *c, uint64_t *pages,
			unsigned *loans)
{
	*pages = 0;
	*loans = 0;
	for (unsigned i = 0; i < LENDS_MAX; i++)
		if (lends[i].used && lends[i].ctx_id == c->id &&
		    lends[i].pid == c->pid) {
			*pages += lends[i].npages;
			(*loans)++;
		}
}

static struct lend *lend_free_slot(void)
{
	for (unsigned i = 0; i < LENDS_MAX; i++)
		if (!lends[i].used)
			return &lends[i];
	return NULL;
}

/* Put the frames of loan l into the page-table pool of the task we are
 * serving (never mapped anywhere, so nobody can write them). */
static int lend_make_pt(struct lend *l, struct mm_ctx *c, uint64_t npages)
{
	uint64_t pfns[MM_LEND_MAX_PAGES];
	struct mm_object *o;
	struct page *p = frame_block_alloc(npages, MM_GFP_KERNEL);
	long n;

	o = p ? obj_shmem_of_block(p, npages) : NULL;
	if (!o)
		return -ENOMEM;
	obj_get(o);			/* the pin */
	for (uint64_t i = 0; i < npages; i++)
		pfns[i] = page_to_pfn(p) + i;
	n = sys3(SYS_PT_DONATE, pfns, npages, PT_DONATE_CALLER);
	if (n < 0) {
		/* Nothing moved (every frame is checked first, and ours
		 * are all good): the object frees them. */
		obj_put(o);
		return (int)n;
	}
	*l = (struct lend){ .used = true, .ctx_id = c->id, .pid = c->pid,
			    .obj = o, .pfn = page_to_pfn(p), .npages = npages };
	return 0;
}

/* Make loan l of npages for c, owned by the task we are serving. */
static int lend_make(struct lend *l, struct mm_ctx *c, uint64_t npages,
		     vaddr_t *va_out)
{
	uint64_t len = npages << PAGE_SHIFT;
	struct mm_object *o;
	struct page *p;
	struct vma *v;
	vaddr_t va;
	int err;

	if (vma_gap_find_topdown(&c->vmas, len, PAGE_SIZE, MM_MMAP_MIN,
				 c->mmap_top, &va))
		return -ENOMEM;
	p = frame_block_alloc(npages, MM_GFP_KERNEL);
	o = p ? obj_shmem_of_block(p, npages) : NULL;
	if (!o)
		return -ENOMEM;
	v = ctx_vma_new(c, va, va + len, LEND_VMA_FLAGS, o);
	if (!v) {
		obj_get(o);
		obj_put(o);
		return -ENOMEM;
	}
	err = ctx_populate_now(c, v);
	if (!err)
		err = (int)frames_give(0, page_to_pfn(p), npages,
				       FRAME_GIVE_LENT);
	if (err) {
		/* Nothing was given (the caller died, or the first chunk
		 * failed; a later chunk cannot fail once the first passed):
		 * undo the mapping, which frees the frames. */
		vma_remove(&c->vmas, v);
		ctx_vma_free(v);
		ctx_unmap_range(c, va, va + len);
		return err;
	}
	obj_get(o);			/* the pin */
	*l = (struct lend){ .used = true, .ctx_id = c->id, .pid = c->pid,
			    .obj = o, .pfn = page_to_pfn(p), .npages = npages };
	*va_out = va;
	return 0;
}

void lend_ctx_gone(void)
{
	lend_sweep();
}

int frames_lend_request(struct ipc_msg *m, void *unused)
{
	const struct mm_frames_lend_req rq =
		*IPC_REQ(m, struct mm_frames_lend_req);
	struct mm_frames_lend_rep rp = { 0 };
	struct mm_ctx *c = ctx_get(m->badge);
	struct lend *l = NULL;
	uint64_t pages = 0;
	unsigned loans = 0;
	int err = 0;

	(void)unused;
	lend_sweep();
	if (c)
		ctx_on_loan(c, &pages, &loans);
	if (!c)
		err = -EPERM;
	else if (rq.op == MM_LEND_QUERY) {
		rp.npages = pages;
		rp.va = MM_LEND_CTX_PAGES;
	} else if ((rq.op != MM_LEND_GET && rq.op != MM_LEND_PT) ||
		   rq.npages == 0 || rq.npages > MM_LEND_MAX_PAGES)
		err = -EINVAL;
	else if (pages + rq.npages > MM_LEND_CTX_PAGES ||
		 loans >= MM_LEND_CTX_MAX)
		err = -EDQUOT;
	else if (!(l = lend_free_slot()))
		err = -ENOSPC;
	else if ((err = mm_reserve(rq.npages, c, "lend")) != 0)
		;
	else if (rq.op == MM_LEND_PT)
		err = lend_make_pt(l, c, rq.npages);
	else if ((err = lend_make(l, c, rq.npages, &rp.va)) == 0) {
		rp.pfn = l->pfn;
		rp.npages = l->npages;
	}
	rp.status = err;
	IPC_REPLY_PUT(m, &rp);
	return IPC_REPLY;
}
