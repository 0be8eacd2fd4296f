/*
 * ipc/mm.h - requests to a pager server from its clients (mmap and
 * friends) and from the process server (spawn, fork, exit).
 *
 * Every reply: word 0 = 0 or -errno (Linux values), results in words 1...
 * A client's handle to its pager is badged with its memory-context id, so
 * the pager knows whose address space a request is about.  Requests in
 * the MM_PROC_ range are honoured only from the process server's handle
 * (badge MM_BADGE_PROC).
 */
#ifndef IPC_MM_H
#define IPC_MM_H

#include <ipc/sys.h>

#define MM_BADGE_PROC	0xffffffffffffff01ull

enum mm_label {
	MM_MMAP = 0x200,	/* addr, len, prot, flags, fd, off -> addr */
	MM_MUNMAP,		/* addr, len */
	MM_MPROTECT,		/* addr, len, prot */
	MM_BRK,			/* addr (0: query) -> current break */
	MM_MADVISE,		/* addr, len, advice */
	MM_MINCORE,		/* addr, npages (<= 448) -> bitmap in w1..w7 */
	MM_MSYNC,		/* addr, len, flags */
	MM_INFO,		/* MM_INFO_* -> text in the reply buffer */
	MM_CHECK,		/* run every *_check() -> 0 or -EIO */
	/* from the process server only */
	MM_SPAWN,		/* pid; buffer "prog\0arg\0...\0\0env\0...\0"
				 * -> w1 AS handle, w2 client ep, w3 ctx id,
				 *    w4 entry, w5 stack pointer */
	MM_FORK,		/* parent ctx, child pid -> like MM_SPAWN */
	MM_EXIT,		/* ctx: free everything */
	MM_SET_OOM_ADJ,		/* ctx, value */
	MM_LABEL_END
};
#define MM_LABEL_COUNT	(MM_LABEL_END - MM_MMAP)

enum mm_info_kind {
	MM_INFO_MEMINFO, MM_INFO_VMSTAT, MM_INFO_BUDDYINFO, MM_INFO_SLABINFO,
	MM_INFO_CTX,		/* one line per context: ctx pid rss swap pt */
	MM_INFO_COUNT
};

#define MM_MINCORE_MAX	(7 * 64)

#endif
