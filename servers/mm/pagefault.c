/*
 * pagefault.c - the fault path: one message in, one reply out.
 *
 * The kernel sends PAGER_FAULT with the address, the access, and the label
 * of the address space (our context id).  We find the VMA, check the
 * access against it, find or fill the page-map entry, and reply
 * PAGER_RESUME carrying the mapping, which the kernel installs before the
 * thread runs again.  Anything else is PAGER_FAIL with SIGSEGV.
 *
 * Filling a page: anonymous memory gets a zeroed frame; a page of a boot
 * module's segment gets the segment's bytes, zero past the end of the data
 * (the bss).  A fault on a page already in the page map only re-installs
 * it (the kernel dropped it, or the protection changed).
 */
#include <string.h>
#include "mm.h"

#define SIGSEGV	11

static struct page *fill_backed(const struct vma *v, vaddr_t va)
{
	const struct mm_backing *b = v->file;
	struct page *p = frame_alloc();
	uint8_t *dst;

	if (!p)
		return NULL;
	dst = page_address(p);
	for (unsigned off = 0; off < PAGE_SIZE;) {
		vaddr_t at = va + off;
		uint64_t n = PAGE_SIZE - off;

		if (at >= b->vstart && at - b->vstart < b->size) {
			uint64_t left = b->size - (at - b->vstart);

			n = MM_MIN(n, left);
			memcpy(dst + off, b->data + (at - b->vstart), n);
		} else {
			uint64_t to = at < b->vstart ? b->vstart - at : n;

			n = MM_MIN(n, to);
			memset(dst + off, 0, n);
		}
		off += n;
	}
	mm_stats.pgfault_file++;
	return p;
}

static struct page *fill_anon(void)
{
	mm_stats.pgfault_anon++;
	mm_stats.zero_fill++;
	return frame_alloc_zeroed();
}

static void reply_fail(struct ipc_msg *m, int sig)
{
	m->tag = IPC_TAG(PAGER_FAIL, 1);
	m->w[0] = sig;
	m->buf = NULL;
}

static bool access_ok(const struct vma *v, unsigned acc)
{
	if ((acc & PF_ACC_WRITE) && !(v->flags & VMA_WRITE))
		return false;
	if ((acc & PF_ACC_EXEC) && !(v->flags & VMA_EXEC))
		return false;
	return v->flags & (VMA_READ | VMA_WRITE | VMA_EXEC);
}

void fault_handle(struct ipc_msg *m)
{
	vaddr_t addr = m->w[PF_W_ADDR], va = addr & PAGE_MASK;
	unsigned acc = (unsigned)m->w[PF_W_ACCESS];
	struct mm_ctx *c = ctx_get(m->w[PF_W_LABEL]);
	struct vma *v;
	uint64_t *e;

	mm_stats.pgfault++;
	if (m->w[PF_W_PTPOOL] < 8)
		pt_pool_ensure((long)m->w[PF_W_PTPOOL]);
	if (!c || !(v = vma_find(&c->vmas, addr)) || addr < v->start ||
	    !access_ok(v, acc))
		goto segv;
	e = pagemap_slot(&c->pm, va, true);
	if (!e)
		goto segv;
	if (!(*e & PME_PRESENT)) {
		struct page *p = v->file ? fill_backed(v, va) : fill_anon();

		if (!p)
			goto segv;
		*e = ((uint64_t)page_to_pfn(p) << PME_PFN_SHIFT) | PME_PRESENT;
		c->rss++;
	}
	*e |= PME_MAPPED;
	m->tag = IPC_TAG(PAGER_RESUME, 2);
	m->w[0] = va | vma_prot(v);
	m->w[1] = pme_pfn(*e);
	m->buf = NULL;
	return;
segv:
	mm_stats.segv++;
	reply_fail(m, SIGSEGV);
}
