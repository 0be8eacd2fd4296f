/*
 * upager.c - a program as the pager of a child address space (upager.h).
 *
 * One struct upager owns: an endpoint (ep) on which the child's faults,
 * its fatal exceptions and its exit arrive, told apart by badge; the
 * address space (as), whose page tables the kernel builds from frames mm
 * donated to our pool (MM_FRAMES_LEND, MM_LEND_PT); the child task; and
 * runs of frames of ours (blocks), mapped writable in our own space, from
 * which pages are handed out by a bump pointer and a free list.
 *
 * The child starts at its function with a stack whose top page we filled
 * already: the frames given to it (struct upager_given) at the very top,
 * and below them the return address upager_child_return, so that
 * returning from the function ends the child through its handle to us.
 *
 * Everything here must work in a child too (nesting), where the only
 * memory is what its pager serves: no malloc, no stdio, no errno.
 */
#include <exec/image.h>	/* the ELF structures */
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <upager.h>
#include <ipc/mm.h>
#include <ipc/pager.h>
#include <ipc/proc.h>
#include <ipc/usys.h>

#define PAGE		4096ull
#define BADGE_FAULT	1
#define BADGE_EXC	2
#define BADGE_CALL	3
#define PT_LOW		8	/* pool frames to keep before mapping */
#define PT_BATCH	16	/* page-table frames asked of mm at a time */
#define CHILD_H_MM	2	/* a child's handle to the program's mm */

/* The program's own ELF header and segments (static, not PIE): the
 * first segment maps the headers at __executable_start. */
extern char __executable_start[];


void upager_child_return(void);
__asm__(".text\n"
	".globl upager_child_return\n"
	"upager_child_return:\n"
	"	movq %rax, %rdi\n"
	"	andq $-16, %rsp\n"
	"	call upager_child_exit\n"
	"	ud2\n");

/* ---- frames ---- */

static int block_add(struct upager *up, uint64_t va, uint64_t pfn,
		     uint64_t npages)
{
	if (up->nblocks == UPAGER_BLOCKS_MAX)
		return -ENOMEM;
	up->blocks[up->nblocks++] = (struct upager_block){ va, pfn, npages };
	return 0;
}

static long mm_lend(uint64_t mm, uint64_t op, uint64_t npages,
		    struct mm_frames_lend_rep *rp)
{
	struct mm_frames_lend_req rq = { .op = op, .npages = npages };
	struct ipc_msg m = { 0 };
	long err = ipc_request_struct(mm, MM_FRAMES_LEND, &m, &rq, sizeof(rq),
				      NULL, 0);

	*rp = *IPC_REP(&m, struct mm_frames_lend_rep);
	return err;
}

/* One more run of frames from mm. */
static int pool_grow(struct upager *up)
{
	struct mm_frames_lend_rep rp;
	long err;

	if (up->child || up->nblocks == UPAGER_BLOCKS_MAX)
		return -ENOMEM;
	err = mm_lend(up->mm, MM_LEND_GET, UPAGER_LEND_PAGES, &rp);
	if (err)
		return (int)err;
	return block_add(up, rp.va, rp.pfn, rp.npages);
}

static int page_pfn(const struct upager *up, const void *page, uint64_t *pfn)
{
	uint64_t va = (uint64_t)page;

	for (unsigned i = 0; i < up->nblocks; i++) {
		const struct upager_block *b = &up->blocks[i];

		if (va >= b->va && va < b->va + b->npages * PAGE &&
		    !(va & (PAGE - 1))) {
			*pfn = b->pfn + (va - b->va) / PAGE;
			return 0;
		}
	}
	return -EINVAL;
}

void *upager_page_alloc(struct upager *up)
{
	for (;;) {
		const struct upager_block *b = &up->blocks[up->bump_block];

		if (up->free_list) {
			void **p = up->free_list;

			up->free_list = *p;
			up->pages_free--;
			return p;
		}
		if (up->bump_block < up->nblocks && up->bump_next < b->npages)
			return (void *)(b->va + up->bump_next++ * PAGE);
		if (up->bump_block < up->nblocks) {
			up->bump_block++;
			up->bump_next = 0;
			continue;
		}
		if (pool_grow(up))
			return NULL;
	}
}

void upager_page_free(struct upager *up, void *page)
{
	*(void **)page = up->free_list;
	up->free_list = page;
	up->pages_free++;
}

/* Keep the kernel's pool of page-table frames for our spaces filled;
 * have: its size now (from a fault message, or -1: ask). */
static int pt_pool_fill(struct upager *up, long have)
{
	struct mm_frames_lend_rep rp;
	long err;

	if (have < 0)
		have = sys3(SYS_PT_DONATE, 0, 0, 0);
	if (have >= PT_LOW)
		return 0;
	if (!up->mm)
		return -ENOMEM;
	err = mm_lend(up->mm, MM_LEND_PT, PT_BATCH, &rp);
	return (int)err;
}

/* ---- mapping ---- */

static int pending_flush(struct upager *up)
{
	long n;

	if (!up->npending)
		return 0;
	n = sys3(SYS_AS_MAP, up->as, up->pending, up->npending);
	up->npending = 0;
	up->pool_stale = 1;
	return n < 0 ? (int)n : 0;
}

int upager_map(struct upager *up, uint64_t va, void *page, unsigned prot)
{
	uint64_t pfn;

	if (va & (PAGE - 1) || !(prot & AS_PROT_READ) ||
	    (prot & ~(unsigned)AS_PROT_MASK) || page_pfn(up, page, &pfn))
		return -EINVAL;
	if (up->npending == PAGER_REPLY_MAPS) {
		int err = pt_pool_fill(up, -1);

		if (!err)
			err = pending_flush(up);
		if (err)
			return err;
	}
	up->pending[2 * up->npending] = va | prot;
	up->pending[2 * up->npending + 1] = pfn;
	up->npending++;
	return 0;
}

int upager_unmap(struct upager *up, uint64_t va, uint64_t npages)
{
	long err = sys3(SYS_AS_UNMAP, up->as, va, npages);

	return (int)err;
}

/* ---- the built-in regions: the program's image, the stack ---- */

static int serve_stack(struct upager *up, uint64_t page)
{
	void *p = upager_page_alloc(up);

	if (!p)
		return SIGBUS;
	memset(p, 0, PAGE);
	up->stats.stack++;
	return upager_map(up, page, p, AS_PROT_READ | AS_PROT_WRITE) ?
	       SIGBUS : 0;
}

/*
 * Is page one of our own loaded segments?  Then 0 and its protection
 * (AS_PROT_*, the union where two segments share the page); else -ENOENT.
 * Only such pages are copied: reading a gap would kill us, not the child.
 */
static int image_prot(uint64_t page, unsigned *prot)
{
	const struct elf_ehdr *eh = (const struct elf_ehdr *)__executable_start;
	const struct elf_phdr *ph = (const struct elf_phdr *)
		(__executable_start + eh->phoff);

	*prot = 0;
	for (unsigned i = 0; i < eh->phnum; i++) {
		uint64_t lo = ph[i].vaddr & ~(PAGE - 1);

		if (ph[i].type != PT_LOAD || page < lo ||
		    page >= ph[i].vaddr + ph[i].memsz)
			continue;
		*prot |= AS_PROT_READ;
		if (ph[i].flags & PF_X)
			*prot |= AS_PROT_EXEC;
		if (ph[i].flags & PF_W)
			*prot |= AS_PROT_WRITE;
	}
	return *prot ? 0 : -ENOENT;
}

/* A private copy of our own page, with its segment's protection. */
static int serve_image(struct upager *up, uint64_t page, unsigned prot)
{
	void *p = upager_page_alloc(up);

	if (!p)
		return SIGBUS;
	memcpy(p, (const void *)page, PAGE);
	up->stats.image++;
	return upager_map(up, page, p, prot) ? SIGBUS : 0;
}

/* 0 (mapped), or the signal that refuses the fault. */
static int fault_serve(struct upager *up, const struct pager_fault_req *f)
{
	uint64_t page = f->addr & ~(PAGE - 1);
	struct upager_fault uf = { f->addr, f->access, f->ip };
	bool present = f->access & PF_ACC_PRESENT;
	unsigned prot;

	if (page < UPAGER_STACK_TOP &&
	    page >= UPAGER_STACK_TOP - UPAGER_STACK_MAX)
		return present ? SIGSEGV : serve_stack(up, page);
	if (image_prot(page, &prot) == 0)
		return present ? SIGSEGV : serve_image(up, page, prot);
	up->stats.handler++;
	return up->fault ? up->fault(up, &uf, up->arg) : SIGSEGV;
}

int upager_populate(struct upager *up, uint64_t va, uint64_t len)
{
	uint64_t start = va & ~(PAGE - 1);
	int err = 0;

	if (!up->as || len > UPAGER_STACK_TOP || va > UPAGER_STACK_TOP)
		return -EINVAL;
	for (uint64_t p = start; !err && p < va + len; p += PAGE) {
		struct pager_fault_req f = { .addr = p, .access = PF_ACC_READ };

		if (sys3(SYS_AS_QUERY, up->as, p, 0) > 0)
			continue;		/* there already */
		up->npending = 0;
		if (fault_serve(up, &f))
			err = -EFAULT;
		if (!err)
			err = pt_pool_fill(up, -1);
		if (!err)
			err = pending_flush(up);
	}
	return err;
}

/* Fill m with the answer to fault f. */
static void fault_answer(struct upager *up, struct ipc_msg *m,
			 const struct pager_fault_req *f)
{
	int sig;

	up->stats.faults++;
	up->npending = 0;
	up->pool_stale = 0;
	sig = fault_serve(up, f);
	if (!sig && pt_pool_fill(up, up->pool_stale ? -1 : (long)f->ptpool))
		sig = SIGBUS;
	if (sig) {
		up->stats.refused++;
		up->npending = 0;
		m->tag = IPC_TAG(PAGER_FAIL, IPC_MSG_NWORDS(struct pager_fail_rep));
		m->w[0] = (uint64_t)sig;
		return;
	}
	m->tag = IPC_TAG(PAGER_RESUME, PAGER_RESUME_NWORDS(up->npending));
	for (unsigned i = 0; i < 2 * up->npending; i++)
		m->w[i] = up->pending[i];
	up->npending = 0;
}

/* ---- set-up ---- */

int upager_init(struct upager *up, upager_fault_fn fault, void *arg)
{
	memset(up, 0, sizeof(*up));
	up->mm = H_MM;
	up->fault = fault;
	up->arg = arg;
	return pool_grow(up);
}

int upager_init_child(struct upager *up, upager_fault_fn fault, void *arg)
{
	const struct upager_given *g = (const struct upager_given *)
		(UPAGER_STACK_TOP - sizeof(struct upager_given));
	int err = 0;

	memset(up, 0, sizeof(*up));
	up->mm = CHILD_H_MM;
	up->child = 1;
	up->fault = fault;
	up->arg = arg;
	if (g->magic != UPAGER_GIVEN_MAGIC || g->nblocks > UPAGER_BLOCKS_MAX)
		return -ENOENT;
	for (unsigned i = 0; !err && i < g->nblocks; i++)
		err = block_add(up, g->blocks[i].va, g->blocks[i].pfn,
				g->blocks[i].npages);
	return err;
}

/* Take npages of our frames as runs of consecutive pages into *g. */
static int given_take(struct upager *up, uint64_t npages,
		      struct upager_given *g)
{
	for (uint64_t i = 0; i < npages; i++) {
		void *p = upager_page_alloc(up);
		struct upager_block *b = g->nblocks ? &g->blocks[g->nblocks - 1]
						    : NULL;
		uint64_t pfn;

		if (!p || page_pfn(up, p, &pfn))
			return -ENOMEM;
		if (b && b->va + b->npages * PAGE == (uint64_t)p &&
		    b->pfn + b->npages == pfn) {
			b->npages++;
			continue;
		}
		if (g->nblocks == UPAGER_BLOCKS_MAX)
			return -ENOMEM;
		g->blocks[g->nblocks++] = (struct upager_block){
			(uint64_t)p, pfn, 1 };
	}
	return 0;
}

/* Map the given runs writable in the child at our addresses, then make
 * them the child's (the kernel lets us give only to tasks we page). */
static int given_hand_over(struct upager *up, const struct upager_given *g)
{
	for (unsigned i = 0; i < g->nblocks; i++) {
		const struct upager_block *b = &g->blocks[i];

		for (uint64_t k = 0; k < b->npages; k++) {
			uint64_t pfn = b->pfn + k;
			int err = upager_map(up, b->va + k * PAGE,
					     (void *)(b->va + k * PAGE),
					     AS_PROT_READ | AS_PROT_WRITE);
			long gerr;

			if (!err)
				err = pt_pool_fill(up, -1);
			if (!err)
				err = pending_flush(up);
			gerr = err ? err : sys3(SYS_FRAME_GIVE, up->task, &pfn, 1);
			if (gerr)
				return (int)gerr;
		}
	}
	return 0;
}

/* The top stack page: the given frames, then the return address. */
static int stack_prepare(struct upager *up, uint64_t give_pages,
			 uint64_t *sp)
{
	struct upager_given *g;
	uint64_t *top = upager_page_alloc(up);
	uint64_t base = UPAGER_STACK_TOP - PAGE;
	int err;

	if (!top)
		return -ENOMEM;
	memset(top, 0, PAGE);
	g = (struct upager_given *)((char *)top + PAGE - sizeof(*g));
	if (give_pages) {
		g->magic = UPAGER_GIVEN_MAGIC;
		err = given_take(up, give_pages, g);
		if (err)
			return err;
	}
	*sp = (base + PAGE - sizeof(*g)) & ~15ull;
	*sp -= 8;			/* as if called: rsp % 16 == 8 */
	*(uint64_t *)((char *)top + (*sp - base)) =
		(uint64_t)upager_child_return;
	err = upager_map(up, base, top, AS_PROT_READ | AS_PROT_WRITE);
	if (!err)
		err = pt_pool_fill(up, -1);
	if (!err)
		err = pending_flush(up);
	if (!err && give_pages) {
		up->gave = 1;
		err = given_hand_over(up, g);
	}
	return err;
}

static long handle_mint(uint64_t h, unsigned rights, uint64_t badge)
{
	return sys3(SYS_HANDLE_MINT, h, rights, badge);
}

/* The child's handles: slot 1 its exit handle to us, slot 2 (a pager
 * child only) our mm handle, acting for this program. */
static int child_handles(struct upager *up, uint64_t give_pages)
{
	long h = handle_mint(up->ep, R_SEND, BADGE_CALL);
	long slot;

	if (h < 0)
		return (int)h;
	slot = sys4(SYS_HANDLE_GIVE, up->task, h, R_SEND, 0);
	sys1(SYS_HANDLE_CLOSE, h);
	if (slot != UPAGER_H_PARENT)
		return slot < 0 ? (int)slot : -EBADF;
	if (!give_pages)
		return 0;
	slot = up->mm ? sys4(SYS_HANDLE_GIVE, up->task, up->mm, R_SEND, 0)
		      : -EBADF;
	return slot == CHILD_H_MM ? 0 : (slot < 0 ? (int)slot : -EBADF);
}

static int space_make(struct upager *up, const char *name)
{
	long ep, as, exc, task;
	int err = pt_pool_fill(up, -1);

	if (err)
		return err;
	ep = sys0(SYS_EP_CREATE);
	if (ep < 0)
		return (int)ep;
	up->ep = (uint64_t)ep;
	as = sys1(SYS_AS_CREATE, 0);
	if (as < 0)
		return (int)as;
	up->as = (uint64_t)as;
	exc = handle_mint(up->ep, R_SEND, BADGE_EXC);
	if (exc < 0)
		return (int)exc;
	task = sys3(SYS_TASK_CREATE, up->as, exc, name);
	sys1(SYS_HANDLE_CLOSE, exc);
	if (task < 0)
		return (int)task;
	up->task = (uint64_t)task;
	return 0;
}

int upager_spawn(struct upager *up, long (*fn)(uint64_t), uint64_t arg,
		 const char *name, uint64_t give_pages)
{
	uint64_t sp = 0;
	long pager, tid;
	int err;

	if (up->task)
		return -EBUSY;
	err = space_make(up, name);
	if (!err)
		err = child_handles(up, give_pages);
	if (!err)
		err = stack_prepare(up, give_pages, &sp);
	if (err)
		goto out;
	pager = handle_mint(up->ep, R_SEND, BADGE_FAULT);
	if (pager < 0) {
		err = (int)pager;
		goto out;
	}
	tid = sys6(SYS_THREAD_CREATE, up->task, pager, (uint64_t)fn, sp, arg,
		   (uint64_t)-1);
	sys1(SYS_HANDLE_CLOSE, pager);
	if (tid < 0)
		err = (int)tid;
	else
		up->alive = 1;
out:
	if (err)
		upager_destroy(up);
	return err;
}

/* ---- serving ---- */

/* The child is over: say how in *st, kill its task. */
static void child_end(struct upager *up, const struct ipc_msg *m,
		      struct upager_status *st)
{
	memset(st, 0, sizeof(*st));
	if (IPC_TAG_LABEL(m->tag) == UPAGER_EXIT) {
		st->exited = 1;
		st->code = (long)m->w[0];
	} else {
		const struct exc_fault_req *x =
			IPC_REQ(m, const struct exc_fault_req);

		st->signal = (int)x->signal;
		st->vector = x->vector;
		st->addr = x->addr;
		st->ip = x->ip;
	}
	sys1(SYS_TASK_KILL, up->task);
	up->alive = 0;
}

int upager_run(struct upager *up, struct upager_status *st)
{
	struct ipc_msg m = { 0 };

	if (!up->alive)
		return -ESRCH;
	for (;;) {
		long err = ipc_reply_recv(up->ep, &m);
		unsigned label = IPC_TAG_LABEL(m.tag);

		m.buf = NULL;
		if (err) {
			m.tag = 0;
			continue;
		}
		if (label == PAGER_FAULT && m.badge == BADGE_FAULT) {
			fault_answer(up, &m,
				     IPC_REQ(&m, const struct pager_fault_req));
			continue;
		}
		if ((label == EXC_FAULT && m.badge == BADGE_EXC) ||
		    (label == UPAGER_EXIT && m.badge == BADGE_CALL)) {
			child_end(up, &m, st);
			return 0;
		}
		m.tag = label == PAGER_FAULT ?
			IPC_TAG(PAGER_FAIL, 1) : IPC_TAG(0, 1);
		m.w[0] = label == PAGER_FAULT ? SIGSEGV : (uint64_t)-EINVAL;
	}
}

void upager_destroy(struct upager *up)
{
	if (up->task) {
		sys1(SYS_TASK_KILL, up->task);
		sys1(SYS_HANDLE_CLOSE, up->task);
	}
	if (up->as) {
		sys1(SYS_AS_DESTROY, up->as);
		sys1(SYS_HANDLE_CLOSE, up->as);
	}
	if (up->ep)
		sys1(SYS_HANDLE_CLOSE, up->ep);
	up->task = up->as = up->ep = 0;
	up->alive = 0;
	/* The space is gone, so none of our pages is mapped in a child any
	 * more; pages given away are not ours to reuse. */
	if (!up->gave) {
		up->bump_block = up->bump_next = 0;
		up->free_list = NULL;
		up->pages_free = 0;
	}
}

void upager_child_exit(long code)
{
	struct ipc_msg m = { 0 };

	m.tag = IPC_TAG(UPAGER_EXIT, 1);
	m.w[0] = (uint64_t)code;
	ipc_call(UPAGER_H_PARENT, &m);
	for (;;)
		sys0(SYS_THREAD_EXIT);
}
