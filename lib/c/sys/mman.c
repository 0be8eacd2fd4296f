/*
 * mman.c - mmap and friends, as requests to the pager (ipc/mm.h).
 *
 * The pager checks every argument and decides every error, so these are
 * thin: pack the words, unpack the reply.  mincore() is the exception:
 * the pager answers at most MM_MINCORE_MAX pages at a time, one bit per
 * page, and Linux's interface wants one byte per page for any length.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <sys/mman.h>

#include <ipc/mm.h>
#include <ipc/proc.h>
#include <ipc/usys.h>

#include "oslayer.h"

/*
 * A file mapping names the file to the pager as the file server does,
 * (ino, gen); the access checks POSIX asks of the descriptor are made
 * here, where the open flags are.
 */
static long file_arg(int fd, int prot, int flags, struct mm_mmap_req *rq)
{
	struct file *f = fd_file(fd);
	uint64_t ino, gen;
	int acc;

	if (!f)
		return -EBADF;
	if (os_file_ident(fd, &ino, &gen))
		return -ENODEV;			/* a pipe or the console */
	acc = f->flags & O_ACCMODE;
	if (acc == O_WRONLY || ((flags & MAP_TYPE) == MAP_SHARED &&
				(prot & PROT_WRITE) && acc != O_RDWR))
		return -EACCES;
	rq->fd = (int64_t)ino;
	rq->gen = gen;
	rq->maxprot = PROT_READ | PROT_EXEC |
		      (acc == O_RDWR || (flags & MAP_TYPE) == MAP_PRIVATE ?
		       PROT_WRITE : 0);
	return 0;
}

void *mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
	struct mm_mmap_req rq = {
		.addr = (uintptr_t)addr, .len = len,
		.prot = (unsigned)prot, .flags = (unsigned)flags,
		.fd = fd, .off = (uint64_t)off,
	};
	struct mm_mmap_rep rp;
	long err = 0;

	if (!(flags & MAP_ANONYMOUS))
		err = file_arg(fd, prot, flags, &rq);
	if (!err)
		err = mm_req_mmap(H_MM, &rq, &rp);
	if (!err && !(flags & MAP_ANONYMOUS))
		os_file_mapped(fd);
	if (err) {
		os_result(err);
		return MAP_FAILED;
	}
	return (void *)(uintptr_t)rp.addr;
}

int munmap(void *addr, size_t len)
{
	struct mm_munmap_req rq = { .addr = (uintptr_t)addr, .len = len };

	return (int)os_result(mm_req_munmap(H_MM, &rq));
}

int mprotect(void *addr, size_t len, int prot)
{
	struct mm_mprotect_req rq = { .addr = (uintptr_t)addr, .len = len,
				      .prot = (unsigned)prot };

	return (int)os_result(mm_req_mprotect(H_MM, &rq));
}

int msync(void *addr, size_t len, int flags)
{
	struct mm_msync_req rq = { .addr = (uintptr_t)addr, .len = len,
				   .flags = (unsigned)flags };

	return (int)os_result(mm_req_msync(H_MM, &rq));
}

int madvise(void *addr, size_t len, int advice)
{
	struct mm_madvise_req rq = { .addr = (uintptr_t)addr, .len = len,
				     .advice = (unsigned)advice };

	return (int)os_result(mm_req_madvise(H_MM, &rq));
}

/*
 * Make every page of the address space resident and keep it so: the pager
 * populates what is mapped (MCL_CURRENT), populates later mappings as they
 * are made (MCL_FUTURE), and never reclaims the process's pages.  Servers
 * that the pager may wait on (blk, fs) call this so they never fault.
 */
int mlockall(int flags)
{
	struct ipc_msg m = { 0 };

	m.w[0] = (unsigned)flags;
	return (int)os_result(ipc_request(H_MM, MM_MLOCKALL, 1, &m, NULL, 0));
}

static int mlock_call(const void *addr, size_t len, int lock)
{
	struct ipc_msg m = { 0 };

	m.w[0] = (uintptr_t)addr;
	m.w[1] = len;
	m.w[2] = (unsigned)lock;
	return (int)os_result(ipc_request(H_MM, MM_MLOCK, 3, &m, NULL, 0));
}

int mlock(const void *addr, size_t len)
{
	return mlock_call(addr, len, 1);
}

int munlock(const void *addr, size_t len)
{
	return mlock_call(addr, len, 0);
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
	struct mm_mincore_req rq = { .addr = addr, .npages = npages };
	struct mm_mincore_rep rp;
	size_t i;
	long err;

	err = mm_req_mincore(H_MM, &rq, &rp);
	if (err)
		return err;
	for (i = 0; i < npages; i++)
		vec[i] = (rp.present[i / 64] >> (i % 64)) & 1;
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
