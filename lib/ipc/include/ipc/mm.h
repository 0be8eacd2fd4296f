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

#include <ipc/msg.h>
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
	/* DMA memory (see below) */
	MM_DMA_ALLOC,		/* npages (1..MM_DMA_MAX_PAGES), flags (0)
				 * -> w1 region handle, w2 va, w3 phys */
	MM_DMA_FREE,		/* va of a region: unmap it */
	MM_DMA_PIN,		/* on a region handle -> w1 phys, w2 npages */
	MM_DMA_UNPIN,		/* on a region handle: undo one pin */
	/* memory pressure (issue 4) */
	MM_MLOCKALL,		/* flags (MCL_*): populate and never reclaim */
	MM_SWAP_OFFER,		/* from blk: w1 a session covering all RAM */
	MM_OOM_NOTIFY,		/* from proc: w1 notification for OOM kills */
	MM_OOM_VICTIMS,		/* from proc -> pids killed since last asked */
	MM_KSWAPD,		/* from mm's own kswapd thread: one batch */
	/* side-by-side pagers (issue 6) */
	MM_FRAMES_GRANT,	/* from proc: give frames to another pager */
	MM_MLOCK,		/* addr, len, lock (1) or unlock (0) */
	MM_FRAMES_ADOPT,	/* from proc to a side-by-side pager: frames
				 * another pager granted it (issue 6) */
	MM_FS_OFFER,		/* from proc: w1 the file server's endpoint,
				 * for the page cache (file-backed mmap) */
	/* files through the page cache (see below) */
	MM_FILE_READ,		/* ino, gen, off, len -> n; bytes in reply */
	MM_FILE_WRITE,		/* ino, gen, off, flags, rest; bytes -> n,
				 * size, old size */
	MM_FILE_TRUNCATE,	/* ino, gen, size */
	MM_FILE_FSYNC,		/* ino, gen: written back, on the disk */
	MM_SYNC,		/* every dirty file page, then the disk */
	MM_FLUSH,		/* from mm's own flusher thread */
	MM_FRAMES_LEND,		/* from a client: frames of its own, for a
				 * user-level pager (issue 6) */
	MM_FILE_READ_TO,	/* ino, gen, off, len, addr -> n, size: the
				 * bytes into the caller's memory */
	MM_LABEL_END
};
#define MM_LABEL_COUNT	(MM_LABEL_END - MM_MMAP)

enum mm_info_kind {
	MM_INFO_MEMINFO, MM_INFO_VMSTAT, MM_INFO_BUDDYINFO, MM_INFO_SLABINFO,
	MM_INFO_CTX,		/* one line per context: ctx pid rss swap pt */
	MM_INFO_COUNT
};

#define MM_MINCORE_MAX	(7 * 64)

/*
 * The messages (see ipc/msg.h): MM_x sends struct mm_x_req and is
 * answered with struct mm_x_rep.  Addresses and lengths are in bytes;
 * prot, flags and advice take Linux's values (sys/mman.h).
 */
struct mm_mmap_req {
	uint64_t addr;		/* a hint, or the place with MAP_FIXED */
	uint64_t len;
	uint64_t prot;
	uint64_t flags;
	int64_t fd;		/* a file mapping: the file's inode number
				 * (lib/c turns the descriptor into it) */
	uint64_t off;
	uint64_t gen;		/* a file mapping: the inode's generation */
	uint64_t maxprot;	/* a file mapping: PROT_* the descriptor
				 * allows (mprotect may not go beyond) */
};
struct mm_mmap_rep { int64_t status; uint64_t addr; };

struct mm_munmap_req { uint64_t addr, len; };
struct mm_munmap_rep { int64_t status; };

struct mm_mprotect_req { uint64_t addr, len, prot; };
struct mm_mprotect_rep { int64_t status; };

struct mm_brk_req { uint64_t addr; };		/* 0: only ask */
struct mm_brk_rep { int64_t status; uint64_t brk; };	/* the break now */

struct mm_madvise_req { uint64_t addr, len, advice; };
struct mm_madvise_rep { int64_t status; };

struct mm_mincore_req { uint64_t addr, npages; };	/* <= MM_MINCORE_MAX */
struct mm_mincore_rep {
	int64_t status;
	uint64_t present[MM_MINCORE_MAX / 64];	/* bit i: page i is resident */
};

struct mm_msync_req { uint64_t addr, len, flags; };
struct mm_msync_rep { int64_t status; };

struct mm_info_req { uint64_t kind; };			/* MM_INFO_* */
struct mm_info_rep { int64_t status; uint64_t len; };	/* text: buffer */

/* MM_CHECK has no request words. */
struct mm_check_rep { int64_t status; };

/* MM_SPAWN: the buffer holds "prog\0arg\0...\0\0env\0...\0". */
struct mm_spawn_req { uint64_t pid; };
struct mm_spawn_rep {		/* with two handles, in as and ep */
	int64_t status;
	uint64_t as;		/* the new AS: may only create tasks */
	uint64_t ep;		/* a client handle to the pager, for it */
	uint64_t ctx;		/* its memory context id */
	uint64_t entry;		/* where its first thread starts */
	uint64_t sp;		/* and its stack pointer */
};

struct mm_fork_req { uint64_t parent_ctx, child_pid; };
/* MM_FORK answers with struct mm_spawn_rep; entry and sp are 0. */

struct mm_exit_req { uint64_t ctx; };
struct mm_exit_rep { int64_t status; };

struct mm_set_oom_adj_req { uint64_t ctx; int64_t value; };
struct mm_set_oom_adj_rep { int64_t status; };

IPC_MSG_ASSERT(struct mm_mmap_req);
IPC_MSG_ASSERT(struct mm_mmap_rep);
IPC_MSG_ASSERT(struct mm_munmap_req);
IPC_MSG_ASSERT(struct mm_munmap_rep);
IPC_MSG_ASSERT(struct mm_mprotect_req);
IPC_MSG_ASSERT(struct mm_mprotect_rep);
IPC_MSG_ASSERT(struct mm_brk_req);
IPC_MSG_ASSERT(struct mm_brk_rep);
IPC_MSG_ASSERT(struct mm_madvise_req);
IPC_MSG_ASSERT(struct mm_madvise_rep);
IPC_MSG_ASSERT(struct mm_mincore_req);
IPC_MSG_ASSERT(struct mm_mincore_rep);
IPC_MSG_ASSERT(struct mm_msync_req);
IPC_MSG_ASSERT(struct mm_msync_rep);
IPC_MSG_ASSERT(struct mm_info_req);
IPC_MSG_ASSERT(struct mm_info_rep);
IPC_MSG_ASSERT(struct mm_check_rep);
IPC_MSG_ASSERT(struct mm_spawn_req);
IPC_MSG_ASSERT(struct mm_spawn_rep);
IPC_MSG_ASSERT(struct mm_fork_req);
IPC_MSG_ASSERT(struct mm_exit_req);
IPC_MSG_ASSERT(struct mm_exit_rep);
IPC_MSG_ASSERT(struct mm_set_oom_adj_req);
IPC_MSG_ASSERT(struct mm_set_oom_adj_rep);
_Static_assert(__builtin_offsetof(struct mm_spawn_rep, as) ==
	       IPC_HANDLE_WORD * 8 &&
	       __builtin_offsetof(struct mm_spawn_rep, ep) ==
	       (IPC_HANDLE_WORD + 1) * 8, "MM_SPAWN's handle words");

/*
 * Client stubs (lib/ipc/mm_client.c), on a handle h to the pager: send
 * the request, fill *rp from the reply, and return the reply's status
 * (or the call's own error).  A reply that is only a status has no rp.
 * *rtag, where asked for, gets the reply's tag: its buffer length (the
 * bytes that landed in the caller's receive buffer) and handle count.
 */
long mm_req_mmap(uint64_t h, const struct mm_mmap_req *rq,
		 struct mm_mmap_rep *rp);
long mm_req_munmap(uint64_t h, const struct mm_munmap_req *rq);
long mm_req_mprotect(uint64_t h, const struct mm_mprotect_req *rq);
long mm_req_brk(uint64_t h, const struct mm_brk_req *rq,
		struct mm_brk_rep *rp);
long mm_req_madvise(uint64_t h, const struct mm_madvise_req *rq);
long mm_req_mincore(uint64_t h, const struct mm_mincore_req *rq,
		    struct mm_mincore_rep *rp);
long mm_req_msync(uint64_t h, const struct mm_msync_req *rq);
long mm_req_info(uint64_t h, const struct mm_info_req *rq,
		 struct mm_info_rep *rp, uint64_t *rtag);
long mm_req_check(uint64_t h);
long mm_req_spawn(uint64_t h, const struct mm_spawn_req *rq,
		  const void *args, unsigned len, struct mm_spawn_rep *rp,
		  uint64_t *rtag);
long mm_req_fork(uint64_t h, const struct mm_fork_req *rq,
		 struct mm_spawn_rep *rp, uint64_t *rtag);
long mm_req_exit(uint64_t h, const struct mm_exit_req *rq);
long mm_req_set_oom_adj(uint64_t h, const struct mm_set_oom_adj_req *rq);

/*
 * Side-by-side pagers (docs/pager-protocol.md).  A second pager runs as an
 * ordinary process of the first; the process server starts it with its
 * serving endpoint in slot MM_H_PAGER_EP and argv[1] "--side-by-side".
 * MM_FRAMES_GRANT (proc -> first pager, carrying the recipient's task
 * handle in w1): allocate npages contiguous frames, map them read-write
 * into the recipient's context ctx at BOOT_PHYSMAP_BASE + paddr in a
 * locked region, and give the recipient their ownership (SYS_FRAME_GIVE).
 * The first grant to a context also maps, read-only, a copy of struct
 * bootinfo at MM_GRANT_BOOTINFO_VA and each boot module at
 * BOOT_PHYSMAP_BASE + its paddr.  npages = 0 and no handle: reclaim the
 * grants of recipients that died (their frames come back to the pool).
 * MM_FRAMES_ADOPT (proc -> recipient): the block [pfn, pfn + npages) is
 * yours now, mapped as above.
 */
#define MM_H_PAGER_EP		4	/* slot of a side-by-side pager's endpoint */
#define MM_GRANT_MAX_PAGES	1024	/* one block: 4 MiB */
#define MM_GRANT_BOOTINFO_VA	0x00003ffffff00000ull /* BOOT_PHYSMAP_BASE
							 - 1 MiB */
#define MM_SIDE_BY_SIDE_ARG	"--side-by-side"

struct mm_frames_grant_req { uint64_t unused, task, ctx, npages; };
struct mm_frames_grant_rep { int64_t status; uint64_t pfn, npages; };
struct mm_frames_adopt_req { uint64_t pfn, npages; };
struct mm_frames_adopt_rep { int64_t status; };
IPC_MSG_ASSERT(struct mm_frames_grant_req);
IPC_MSG_ASSERT(struct mm_frames_grant_rep);
IPC_MSG_ASSERT(struct mm_frames_adopt_req);
IPC_MSG_ASSERT(struct mm_frames_adopt_rep);
_Static_assert(__builtin_offsetof(struct mm_frames_grant_req, task) ==
	       IPC_HANDLE_WORD * 8, "MM_FRAMES_GRANT's handle word");

/*
 * Files through the page cache: read() and write() of a file go to the
 * pager, not to the file server, so they see and make the same pages a
 * mapping of the file does.  A file is named as the file server names it,
 * (ino, gen) (ipc/fs.h).  MM_FILE_WRITE with MM_FILE_APPEND writes at the
 * end of the file (off is ignored).  A write() larger than one message is
 * several MM_FILE_WRITEs; word 4 (rest, 0 if unknown) is how many bytes
 * the whole write has from this one's offset on, so that the first
 * request that grows the file grows it to the end of the whole write at
 * once (one size change on the disk, not one per page).  The reply's
 * word 3 is the size before the request: a writer that stops short
 * truncates what it grew and did not write.  Written pages are dirty in
 * the cache and reach the disk within MM_DIRTY_EXPIRE_MS, at
 * MM_FILE_FSYNC/MM_SYNC, under memory pressure, or at a clean halt; a
 * writer's reply waits while dirty pages exceed the dirty ratio.  An error in
 * writing a file's pages back is reported by the next MM_FILE_FSYNC or
 * msync of that file (-EIO), once.
 *
 * MM_FILE_READ_TO reads up to MM_FILE_READ_TO_MAX bytes straight into the
 * caller's memory at addr, which must be mapped writable (-EFAULT, unless
 * bytes before the first bad page were read: then those); the pager
 * copies from its cache, so one request does what MM_FILE_READ needs one
 * message a page for.
 */
#define MM_FILE_READ_TO_MAX	(256 * 1024)
#define MM_FILE_APPEND		0x1
#define MM_DIRTY_EXPIRE_MS	5000
struct mm_file_req { uint64_t ino, gen, off, len; };	/* READ, WRITE */
struct mm_file_rep { int64_t status; uint64_t n, size; };
struct mm_file_truncate_req { uint64_t ino, gen, size; };
IPC_MSG_ASSERT(struct mm_file_req);
IPC_MSG_ASSERT(struct mm_file_rep);
IPC_MSG_ASSERT(struct mm_file_truncate_req);

/*
 * User-level pagers (docs/pager-protocol.md, section 9).  A program that
 * is the pager of address spaces of its own needs frames it owns.
 * MM_FRAMES_LEND op MM_LEND_GET takes npages (1..MM_LEND_MAX_PAGES)
 * contiguous zeroed frames, maps them read-write at a free address of the
 * caller's context (locked; a forked child inherits the range but cannot
 * fault it in, the frames being no longer the pager's), and makes the calling
 * task their owner (SYS_FRAME_GIVE to the caller) -> va, pfn of the first
 * frame, npages.  A context has at most MM_LEND_CTX_PAGES frames in at
 * most MM_LEND_CTX_MAX loans (-EDQUOT beyond).  op MM_LEND_PT puts npages
 * frames, mapped nowhere, into the calling task's page-table pool instead
 * (SYS_PT_DONATE to the caller): a user-level pager may not make page
 * tables of frames it can write.  op MM_LEND_QUERY -> npages on loan now,
 * and the quota in va.  Frames come back when the context
 * exits: the kernel kills whatever could still map them (every space the
 * dead task was the pager of, and the tasks in them), and mm frees them
 * once every frame of every loan of the context is its own again.
 */
enum { MM_LEND_GET, MM_LEND_PT, MM_LEND_QUERY };
#define MM_LEND_MAX_PAGES	256	/* one loan: 1 MiB */
#define MM_LEND_CTX_PAGES	2048	/* all loans of one context: 8 MiB */
#define MM_LEND_CTX_MAX		32	/* loans per context */

struct mm_frames_lend_req { uint64_t op, npages; };
struct mm_frames_lend_rep { int64_t status; uint64_t va, pfn, npages; };
IPC_MSG_ASSERT(struct mm_frames_lend_req);
IPC_MSG_ASSERT(struct mm_frames_lend_rep);

/*
 * DMA memory: physically contiguous frames below 4 GiB, mapped read-write
 * into the caller's space in a VMA of their own that is never swapped or
 * copied on write (fork shares it).  The reply carries a region handle: an
 * endpoint to mm badged MM_BADGE_DMA | region, on which mm answers only
 * MM_DMA_PIN and MM_DMA_UNPIN.  Holding it proves the right to have a
 * device read and write that region, so a client passes it to a driver
 * (BLK_OPEN), and the driver pins the region: a pinned region's frames stay
 * allocated, even after MM_DMA_FREE or the owner's exit, until the last
 * MM_DMA_UNPIN.
 */
#define MM_BADGE_DMA		(1ull << 62)
#define MM_DMA_MAX_PAGES	1024	/* one region: 4 MiB */
#define MM_DMA_CTX_PAGES	4096	/* all regions of one context */

#endif
