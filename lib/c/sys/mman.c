/*
 * mman.c - mmap and friends, as requests to the pager (ipc/mm.h).
 *
 * The pager checks every argument and decides every error, so these are
 * thin: pack the words, unpack the reply.  mincore() is the exception:
 * the pager answers at most MM_MINCORE_MAX pages at a time, one bit per
 * page, and Linux's interface wants one byte per page for any length.
 */
#include <errno.h>
#include <stdint.h>
#include <sys/mman.h>

#include <ipc/mm.h>
#include <ipc/proc.h>
#include <ipc/usys.h>

#include "oslayer.h"

/* Sends an (addr, len, arg) request; returns 0 or -1 with errno. */
static int mm_range_request(unsigned label, void *addr, size_t len,
			    uint64_t arg)
{
	struct ipc_msg m = { .w = { (uintptr_t)addr, len, arg } };

	return (int)os_result(os_request(H_MM, label, 3, &m));
}

void *mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
	struct ipc_msg m = { .w = { (uintptr_t)addr, len,
				    (uint64_t)(unsigned)prot,
				    (uint64_t)(unsigned)flags,
				    (uint64_t)(int64_t)fd, (uint64_t)off } };
	long err;

	err = os_request(H_MM, MM_MMAP, 6, &m);
	if (err) {
		os_result(err);
		return MAP_FAILED;
	}
	return (void *)(uintptr_t)m.w[1];
}

int munmap(void *addr, size_t len)
{
	return mm_range_request(MM_MUNMAP, addr, len, 0);
}

int mprotect(void *addr, size_t len, int prot)
{
	return mm_range_request(MM_MPROTECT, addr, len, (unsigned)prot);
}

int msync(void *addr, size_t len, int flags)
{
	return mm_range_request(MM_MSYNC, addr, len, (unsigned)flags);
}

int madvise(void *addr, size_t len, int advice)
{
	return mm_range_request(MM_MADVISE, addr, len, (unsigned)advice);
}

/* Returns the error number itself, as POSIX specifies. */
int posix_madvise(void *addr, size_t len, int advice)
{
	int saved = errno, err = 0;

	if (madvise(addr, len, advice))
		err = errno;
	errno = saved;
	return err;
}

/* One pager request: residency of npages pages at addr into vec[]. */
static long mincore_chunk(uintptr_t addr, size_t npages, unsigned char *vec)
{
	struct ipc_msg m = { .w = { addr, npages } };
	size_t i;
	long err;

	err = os_request(H_MM, MM_MINCORE, 2, &m);
	if (err)
		return err;
	for (i = 0; i < npages; i++)
		vec[i] = (m.w[1 + i / 64] >> (i % 64)) & 1;
	return 0;
}

int mincore(void *addr, size_t len, unsigned char *vec)
{
	uintptr_t start = (uintptr_t)addr;
	size_t npages, n;
	long err;

	if (start & (OS_PAGE_SIZE - 1))
		return (int)os_result(-EINVAL);
	npages = len / OS_PAGE_SIZE + (len % OS_PAGE_SIZE != 0);
	while (npages) {
		n = npages < MM_MINCORE_MAX ? npages : MM_MINCORE_MAX;
		err = mincore_chunk(start, n, vec);
		if (err)
			return (int)os_result(err);
		start += n * OS_PAGE_SIZE;
		vec += n;
		npages -= n;
	}
	return 0;
}
