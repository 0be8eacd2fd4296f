/*
 * pagefault.c - the fault path: one message in, one reply out.
 *
 * The kernel sends PAGER_FAULT with the address, the access, and the label
 * of the address space (our context id).  We find the VMA, check the
 * access against it, bring the page-map entry up to date, and reply
 * PAGER_RESUME carrying the mapping, which the kernel installs before the
 * thread runs again.  Anything else is PAGER_FAIL with SIGSEGV (or -EFAULT
 * for the kernel's own accesses on behalf of a system call).
 *
 * An absent entry is filled by the VMA's kind:
 *   private anonymous   read: the zero page; write: a zeroed frame
 *   module segment      a private copy of the module's bytes (bss: zero)
 *   shared anonymous    the shared object's frame for that offset
 * A swap entry (PME_SWAP) is read back, from the swap cache or the disk
 * (swap.c).  A present entry written to goes through copy-on-write (anon.c).
 * Before any of that, mm_reserve() makes sure the fault can allocate,
 * reclaiming (or OOM-killing) first if free memory is short.  The
 * mapping given to the kernel is writable only if the VMA allows writes
 * and the entry is ours alone (or shared on purpose).
 *
 * Zero-page fault-around: a read fault on private anonymous memory also
 * maps the zero page, read-only, at up to FAULT_AROUND - 1 following
 * pages of the VMA that mm has nothing for, in the same reply.  Nothing is
 * recorded for them: to mm they are still absent (mincore says so, fork
 * does not copy them), a write to one faults and gets its own frame, and
 * every range operation (munmap, mprotect, madvise) already unmaps or
 * protects the kernel's range as a whole.  It spares a sequential reader
 * most of its faults - each of which costs two address-space switches.
 */
#include <string.h>
#include <ipc/blk.h>
#include "mm.h"

#define SIGBUS		7
#define SIGKILL		9
#define SIGSEGV		11
#define FAULT_NEED	(8 + BLK_SG_MAX)	/* frames a fault may take:
					 * page-map nodes, slab, readahead */
#define FAULT_AROUND	16		/* pages, Linux's default window */

static struct page *fill_module(const struct mm_object *o, vaddr_t va)
{
	struct page *p = frame_alloc();
	uint8_t *dst;

	if (!p)
		return NULL;
	dst = page_address(p);
	for (unsigned off = 0; off < PAGE_SIZE;) {
		vaddr_t at = va + off;
		uint64_t n = PAGE_SIZE - off;

		if (at >= o->vstart && at - o->vstart < o->size) {
			n = MM_MIN(n, o->size - (at - o->vstart));
			memcpy(dst + off, o->data + (at - o->vstart), n);
		} else {
			if (at < o->vstart)
				n = MM_MIN(n, o->vstart - at);
			memset(dst + off, 0, n);
		}
		off += n;
	}
	mm_stats.pgfault_file++;
	return p;
}

/* Fill an absent entry; 0 or -ENOMEM. */
static int fill(struct mm_ctx *c, struct vma *v, vaddr_t va, uint64_t *e,
		bool write)
{
	struct mm_object *o = v->file;
	struct page *p;
	int err;

	if (o && o->type == OBJ_FILE) {
		p = file_page_ra(o, v->pgoff + ((va - v->start) >> PAGE_SHIFT),
				 v->flags & VMA_SEQ_READ ? RA_HINT_SEQ :
				 v->flags & VMA_RAND_READ ? RA_HINT_RANDOM :
				 RA_HINT_NORMAL, &err);
		if (!p)
			return err == -ENOMEM ? -ENOMEM : -EIO;	/* SIGBUS */
		p->refcount++;
		mm_stats.pgfault_file++;
		return anon_install(c, va, e, p, v->flags & VMA_SHARED ?
				    PME_SHARED : 0);
	}
	if (o && o->type == OBJ_SHMEM) {
		p = shmem_page(o, v->pgoff + ((va - v->start) >> PAGE_SHIFT));
		if (!p)
			return -ENOMEM;
		p->refcount++;
		mm_stats.pgfault_shmem++;
		return anon_install(c, va, e, p, PME_SHARED);
	}
	if (o) {
		p = fill_module(o, va);
		return p ? anon_install(c, va, e, p, 0) : -ENOMEM;
	}
	mm_stats.pgfault_anon++;
	if (!write) {
		*e = pme_make(zero_pfn(), PME_PRESENT | PME_ZERO);
		mm_stats.zero_maps++;
		mm_stats.zero_page_map++;
		return 0;
	}
	p = frame_alloc_zeroed();
	if (!p)
		return -ENOMEM;
	mm_stats.zero_fill++;
	return anon_install(c, va, e, p, 0);
}

static bool access_ok(const struct vma *v, unsigned acc)
{
	if ((acc & PF_ACC_WRITE) && !(v->flags & VMA_WRITE))
		return false;
	if ((acc & PF_ACC_EXEC) && !(v->flags & VMA_EXEC))
		return false;
	return v->flags & (VMA_READ | VMA_WRITE | VMA_EXEC);
}

static void reply_fail(struct ipc_msg *m, int sig)
{
	m->tag = IPC_TAG(PAGER_FAIL, IPC_MSG_NWORDS(struct pager_fail_rep));
	IPC_REP(m, struct pager_fail_rep)->signal = (uint64_t)sig;
	m->buf = NULL;
}

/*
 * Bring the entry for va up to date for an access (write or not), as a
 * fault would; *prot gets the protection to map it with and *ep the entry,
 * so that callers need not walk the page map again.
 */
int fault_fill(struct mm_ctx *c, struct vma *v, vaddr_t va, bool write,
	       unsigned *prot, uint64_t **ep)
{
	uint64_t *e = pagemap_slot(&c->pm, va, true);
	int err;

	if (!e)
		return -ENOMEM;
	*ep = e;
	if (*e & PME_SWAP)
		err = swap_in(c, va, e, write);
	else if (!(*e & PME_PRESENT))
		err = fill(c, v, va, e, write);
	else
		err = write ? anon_write_fault(c, va, e) : 0;
	if (err)
		return err;
	*prot = vma_prot(v);
	if (!anon_exclusive(*e))
		*prot &= ~AS_PROT_WRITE;
	/* A shared file page is writable only once dirty: the first write
	 * faults, so writeback knows what to write. */
	if (v->file && ((struct mm_object *)v->file)->type == OBJ_FILE &&
	    (*e & PME_SHARED)) {
		struct page *p = pfn_to_page(pme_pfn(*e));

		if (write)
			file_page_dirty(v->file, p);
		else if (!page_has(p, PG_dirty))
			*prot &= ~AS_PROT_WRITE;
	}
	return 0;
}

/*
 * After a zero-page read fault at va (entry e): one more mapping, of the
 * zero page repeated over the absent pages that follow (0 if none).
 */
static unsigned zero_around(const struct vma *v, const uint64_t *e,
			    vaddr_t va, struct as_map_op *out)
{
	unsigned n = 0;

	if (!(*e & PME_ZERO) || v->file)
		return 0;
	/* Entries of one page-map leaf are contiguous: no lookups needed. */
	for (unsigned i = 1; i < FAULT_AROUND; i++, n++) {
		vaddr_t a = va + i * PAGE_SIZE;

		if (a >= v->end || (a & ((512ull << PAGE_SHIFT) - 1)) == 0 ||
		    e[i])
			break;
	}
	if (!n)
		return 0;
	out->va = (va + PAGE_SIZE) | AS_PROT_READ;
	out->pfn = zero_pfn() | ((uint64_t)n << PAGER_MAP_REPEAT_SHIFT);
	mm_stats.zero_page_map += n;
	return 1;
}

void fault_handle(struct ipc_msg *m)
{
	const struct pager_fault_req f = *IPC_REQ(m, struct pager_fault_req);
	vaddr_t addr = f.addr, va = addr & PAGE_MASK;
	unsigned acc = (unsigned)f.access, prot;
	bool write = acc & PF_ACC_WRITE;
	struct mm_ctx *c = ctx_get(f.label);
	struct pager_resume_rep *rp = IPC_REP(m, struct pager_resume_rep);
	struct vma *v;
	uint64_t *e;
	int err;

	mm_stats.pgfault++;
	if (LOG_LEVEL >= 3)
		mm_log("mm: fault ctx %lu addr %#lx access %#x ip %#lx\n",
		       (unsigned long)f.label, (unsigned long)addr, acc,
		       (unsigned long)f.ip);
	if (f.ptpool < 8)
		pt_pool_ensure((long)f.ptpool);
	if (!c || !(v = vma_find(&c->vmas, addr)) || addr < v->start ||
	    !access_ok(v, acc))
		goto segv;
	if (!c->oom_killed)
		mm_reserve(FAULT_NEED, c, "page fault");
	if (c->oom_killed) {
		reply_fail(m, SIGKILL);
		return;
	}
	err = fault_fill(c, v, va, write, &prot, &e);
	if (err == -EIO) {
		reply_fail(m, SIGBUS);		/* the swap device failed */
		return;
	}
	if (err == -ENOMEM) {
		mm_log("mm: pid %u (%s): out of memory at %#lx\n", c->pid,
		       c->name, (unsigned long)addr);
		reply_fail(m, SIGKILL);
		return;
	}
	if (err)
		goto segv;
	*e |= PME_MAPPED;
	if (!write && (*e & ~PAGE_MASK) == (PME_PRESENT | PME_MAPPED) &&
	    page_has(pfn_to_page(pme_pfn(*e)), PG_swapcache))
		swap_map_around(c, v, va, e, prot);
	else if (!write && v->file && !(v->flags & VMA_RAND_READ) &&
		 ((struct mm_object *)v->file)->type == OBJ_FILE)
		file_map_around(c, v, va, e, prot);
	rp->maps[0] = (struct as_map_op){ .va = va | prot, .pfn = pme_pfn(*e) };
	m->tag = IPC_TAG(PAGER_RESUME, PAGER_RESUME_NWORDS(1 +
			 zero_around(v, e, va, &rp->maps[1])));
	m->buf = NULL;
	return;
segv:
	mm_stats.segv++;
	reply_fail(m, SIGSEGV);
}
