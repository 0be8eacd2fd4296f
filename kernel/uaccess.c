/*
 * uaccess.c - reading and writing user memory.
 *
 * The kernel never dereferences a user address: it walks the address
 * space's page tables in software and copies through the direct map.  So a
 * bad pointer is just a failed walk, and kernel-half or non-canonical
 * addresses are refused before any walk.  A page that is missing (not yet
 * faulted in, or swapped out) is reported with its address; the system-call
 * layer then sends a fault to the thread's pager and restarts the call.
 */
#include "kernel.h"

int uaccess_page(struct as *a, vaddr_t va, bool write, paddr_t *pa)
{
	unsigned prot;

	if (!a || a->dead || va >= USER_TOP)
		return -EFAULT;
	if (!arch_pt_translate(a->root, va, pa, &prot))
		return -EAGAIN;
	if (write && !(prot & AS_PROT_WRITE))
		return -EAGAIN;
	return 0;
}

static int copy_user(struct as *a, vaddr_t uva, void *kbuf, size_t len,
		     bool to_user, vaddr_t *bad)
{
	char *k = kbuf;

	if (uva >= USER_TOP || len > USER_TOP - uva) {
		*bad = uva;
		return -EFAULT;
	}
	while (len) {
		size_t n = PAGE_SIZE - (uva & (PAGE_SIZE - 1));
		paddr_t pa;
		int err = uaccess_page(a, uva, to_user, &pa);

		if (err) {
			*bad = uva;
			return err;
		}
		if (n > len)
			n = len;
		if (to_user)
			__builtin_memcpy(phys_to_virt(pa), k, n);
		else
			__builtin_memcpy(k, phys_to_virt(pa), n);
		k += n;
		uva += n;
		len -= n;
	}
	return 0;
}

int copy_from_user(struct thread *t, void *dst, vaddr_t src, size_t len,
		   vaddr_t *bad)
{
	return copy_user(t->task->as, src, dst, len, false, bad);
}

int copy_to_user(struct thread *t, vaddr_t dst, const void *src,
		 size_t len, vaddr_t *bad)
{
	return copy_user(t->task->as, dst, (void *)src, len, true, bad);
}

/* Between two address spaces, for IPC buffers: all or nothing is not
 * promised; a missing page ends the copy with an error. */
int copy_user_to_user(struct as *to, vaddr_t dst, struct as *from,
		      vaddr_t src, size_t len)
{
	while (len) {
		size_t n = PAGE_SIZE - (dst & (PAGE_SIZE - 1));
		size_t m = PAGE_SIZE - (src & (PAGE_SIZE - 1));
		paddr_t pd, ps;

		if (m < n)
			n = m;
		if (n > len)
			n = len;
		if (uaccess_page(to, dst, true, &pd) ||
		    uaccess_page(from, src, false, &ps))
			return -EFAULT;
		__builtin_memcpy(phys_to_virt(pd), phys_to_virt(ps), n);
		dst += n;
		src += n;
		len -= n;
	}
	return 0;
}
