/*
 * mm.h - the memory manager server's own objects and the functions that
 * join its files.
 *
 * mm owns every frame of RAM the kernel does not keep.  It sees all of it at
 * mm_physmap_base + paddr (mapped by the kernel at boot), so zeroing and
 * copying frames costs no system call.  For each client address space it
 * keeps a memory context: the VMA tree, and its own page map (va -> frame
 * and state), the authoritative record of what is mapped where; the
 * kernel's page tables are only a cache of it that mm fills on faults.
 *
 * Single-threaded: one loop receives faults and requests on one endpoint,
 * so nothing here needs a lock.
 */
#ifndef MM_MM_H
#define MM_MM_H

#include <errno.h>
#include <ipc/server.h>
#include <ipc/pager.h>
#include <ipc/mm.h>
#include <ipc/bootinfo.h>
#include "mm_types.h"
#include "page.h"
#include "zone.h"
#include "buddy.h"
#include "slab.h"
#include "vma.h"

#ifndef LOG_LEVEL
#define LOG_LEVEL	2		/* meson option log_level */
#endif
#define MM_MAX_CTX	256
#define MM_STACK_TOP	0x00007fffffffe000ull
#define MM_STACK_MAX	(8ull << 20)		/* RLIMIT_STACK default */
#define MM_STACK_GUARD	(256ull << 12)		/* stack_guard_gap */
#define MM_MMAP_TOP	(MM_STACK_TOP - MM_STACK_MAX - MM_STACK_GUARD)
#define MM_MMAP_MIN	0x10000ull		/* mmap_min_addr */
#define MM_USER_END	0x0000800000000000ull
#define MM_RAND_MMAP_PAGES (1ull << 20)	/* mmap base: up to 4 GiB lower */
#define MM_RAND_STACK_PAGES (1ull << 14)	/* stack top: up to 64 MiB lower */
#define MM_PRIO_SERVER	20

/*
 * A page-map entry: frame number and state of one virtual page.
 * A present entry holds one reference to its frame and one rmap item,
 * except for the shared zero page (PME_ZERO), which is never counted.
 */
#define PME_PRESENT	0x1ull		/* frame below is valid */
#define PME_ZERO	0x2ull		/* the shared zero page, read-only */
#define PME_MAPPED	0x4ull		/* the kernel may have a mapping */
#define PME_SHARED	0x8ull		/* frame of a shared object: no COW */
#define PME_SWAP	0x10ull		/* not present: the page is in swap
					 * slot pme_pfn(e) (swap.c) */
#define PME_PFN_SHIFT	12
#define pme_pfn(e)	((e) >> PME_PFN_SHIFT)
#define pme_make(pfn, flags) (((uint64_t)(pfn) << PME_PFN_SHIFT) | (flags))

struct pagemap {
	uint64_t *root;			/* 4-level radix, 512 entries a node */
	uint64_t nodes;
};

/*
 * What backs a VMA that is not private anonymous memory (vma->file):
 *  - OBJ_MODULE: a boot module's ELF segment, private: pages start as a
 *    copy of the module bytes (zero past the data: the bss);
 *  - OBJ_SHMEM: shared anonymous memory: one set of frames, indexed by page
 *    offset (vma->pgoff + page index in the VMA), seen by every mapper;
 *  - OBJ_FILE: a file's page cache (file.c), indexed the same way.
 */
enum mm_obj_type { OBJ_MODULE, OBJ_SHMEM, OBJ_FILE };

struct mm_object {
	enum mm_obj_type type;
	int refs;			/* VMAs using it */
	const uint8_t *data;		/* OBJ_MODULE: bytes, in mm's physmap */
	uint64_t size;			/* OBJ_MODULE: bytes available at data;
					 * OBJ_FILE: bytes in the file */
	vaddr_t vstart;			/* OBJ_MODULE: address of data[0] */
	struct pagemap pages;		/* OBJ_SHMEM, OBJ_FILE: offset -> frame */
	uint64_t resident;		/* OBJ_SHMEM, OBJ_FILE: frames held */
	uint64_t ino, gen;		/* OBJ_FILE: the file server's name */
	uint64_t dirty;			/* OBJ_FILE: pages to write back */
	uint64_t dirtied_ns;		/* OBJ_FILE: when it became dirty */
	int wb_err;			/* OBJ_FILE: for the next fsync */
	unsigned wb_failed;		/* OBJ_FILE: writes failed, ever */
	uint64_t ra_start, prev_index;	/* OBJ_FILE: readahead (file.c) */
	unsigned ra_size;
	unsigned io_pending;		/* OBJ_FILE: jobs the I/O thread has */
	uint64_t hole_from;		/* OBJ_FILE: pages from here on have no
					 * disk blocks (grown, not written) */
	struct mm_object *next_file;	/* OBJ_FILE: file.c's list */
};

struct mm_ctx {
	uint32_t id;			/* also the AS label and client badge */
	uint32_t pid;
	uint64_t as;			/* mm's handle to the address space */
	struct vma_tree vmas;
	struct pagemap pm;
	vaddr_t brk_start, brk;
	vaddr_t mmap_top;		/* top-down search starts here */
	vaddr_t stack_top;
	uint64_t rss;			/* resident pages (not the zero page) */
	uint64_t swapents;		/* entries holding a swap slot */
	int oom_score_adj;
	bool locked;			/* mlockall: populate, never reclaim */
	bool oom_killed;		/* reaped: every fault gets SIGKILL */
	char name[16];			/* program name, for OOM reports */
};

struct mm_stats {
	uint64_t pgfault, pgfault_anon, pgfault_file, pgfault_shmem;
	uint64_t zero_fill, zero_page_map, cow_copy, cow_reuse;
	uint64_t pgalloc, pgfree, pt_donated, segv, fork, exit;
	uint64_t zero_maps;		/* entries mapping the zero page now */
	uint64_t shmem_pages;		/* frames held by shared objects */
	/* memory pressure (vmscan.c, swap.c, oom.c) */
	uint64_t pswpin, pswpout, swap_ra, swap_ra_hit, pgmajfault;
	uint64_t pgscan_kswapd, pgscan_direct, pgsteal_kswapd, pgsteal_direct;
	uint64_t kswapd_wakeup, allocstall, oom_kill, swap_io_error;
	uint64_t swapcache_pages, swap_map_around;
	uint64_t file_pages, file_read, file_written;	/* file.c */
	uint64_t file_reclaimed, file_dirty, dirty_throttle, flusher_runs;
	uint64_t file_ra_pages, file_ra_async, file_map_around;
	uint64_t file_read_error;
	uint64_t io_async_reads, io_async_writes, io_waits;	/* iothread.c */
	uint64_t file_writeback;			/* pages being written */
};

extern struct mm_stats mm_stats;
extern struct bootinfo mm_boot;

/* main.c */
extern char mm_recvbuf[];
struct mm_ctx *ctx_get(uint64_t id);
void mm_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* frame.c: frames for clients, and the kernel's page-table pool */
extern bool mm_alloc_reserve;
struct page *frame_alloc_zeroed(void);
struct page *frame_alloc(void);
struct page *frame_block_alloc(uint64_t npages, unsigned gfp);
long frames_give(uint64_t task, pfn_t pfn, uint64_t n, uint64_t flags);
void frame_put(struct page *p);
void pt_pool_ensure(long kernel_free);
void frame_zero(void *addr);
void mm_settle(void);

/* pagemap.c */
void pagemap_init(struct pagemap *pm);
uint64_t *pagemap_slot(struct pagemap *pm, vaddr_t va, bool create);
void pagemap_destroy(struct pagemap *pm,
		     void (*fn)(vaddr_t va, uint64_t e, void *arg), void *arg);
int pagemap_for_range(struct pagemap *pm, vaddr_t start, vaddr_t end,
		      void (*fn)(vaddr_t va, uint64_t *e, void *arg),
		      void *arg);

/* space.c: memory contexts */
struct mm_ctx *ctx_create(uint32_t pid);
void ctx_seed(uint64_t seed);
void ctx_destroy(struct mm_ctx *c);
struct vma *ctx_vma_new(struct mm_ctx *c, vaddr_t start, vaddr_t end,
			unsigned long flags, struct mm_object *o);
void pme_drop(struct mm_ctx *c, vaddr_t va, uint64_t *e);
void ctx_vma_free(struct vma *v);
struct vma *vma_obj_alloc(void);
void vma_obj_free(struct vma *v);
struct mm_object *obj_module_new(const uint8_t *data, uint64_t size,
				  vaddr_t vstart);
struct mm_object *obj_shmem_new(void);
struct mm_object *obj_shmem_of_block(struct page *p, uint64_t npages);
struct mm_object *obj_file_new(uint64_t ino, uint64_t gen);
void obj_get(struct mm_object *o);
void obj_put(struct mm_object *o);
void obj_free(struct mm_object *o);
struct page *shmem_page(struct mm_object *o, uint64_t index);
int ctx_unmap_range(struct mm_ctx *c, vaddr_t start, vaddr_t end);
int ctx_map_now(struct mm_ctx *c, vaddr_t va, uint64_t e, unsigned prot);
int ctx_populate_now(struct mm_ctx *c, struct vma *v);
unsigned vma_prot(const struct vma *v);

/* pagefault.c */
void fault_handle(struct ipc_msg *m);
int fault_fill(struct mm_ctx *c, struct vma *v, vaddr_t va, bool write,
	       unsigned *prot, uint64_t **ep);

/* anon.c: the zero page and copy-on-write */
void zero_page_init(void);
pfn_t zero_pfn(void);
int anon_install(struct mm_ctx *c, vaddr_t va, uint64_t *e,
		 struct page *p, uint64_t flags);
int anon_write_fault(struct mm_ctx *c, vaddr_t va, uint64_t *e);
bool anon_exclusive(uint64_t e);

/* rmap.c */
int rmap_add(struct page *p, struct mm_ctx *c, vaddr_t va);
void rmap_remove(struct page *p, struct mm_ctx *c, vaddr_t va);
void rmap_walk(struct page *p, void (*fn)(struct mm_ctx *, vaddr_t, void *),
	       void *arg);
bool rmap_first(struct page *p, struct mm_ctx **c, vaddr_t *va);
int rmap_check(void);

/* fork.c */
struct mm_ctx *ctx_fork(struct mm_ctx *parent, uint32_t child_pid);

/* exec.c */
int exec_load(struct mm_ctx *c, const char *args, size_t len,
	      vaddr_t *entry, vaddr_t *sp);

/* mmap.c */
int proc_handle_take(struct ipc_msg *m, uint64_t *slot);
void mm_close_pending(void);
extern const struct ipc_proto mm_protos[];
int frames_grant_request(struct ipc_msg *m, void *unused);	/* grant.c */
int frames_lend_request(struct ipc_msg *m, void *unused);	/* lend.c */
void lend_ctx_gone(void);					/* lend.c */
extern const unsigned mm_nprotos;

/* swap.c: the swap device and the swap cache */
extern uint64_t mm_blk_session;
bool swap_enabled(void);
int swap_offer(struct ipc_msg *m, void *unused);
uint64_t swap_total_pages(void);
uint64_t swap_free_pages(void);
struct page *swap_cache_lookup(uint64_t slot);
int swap_cache_add_new(struct page *p);
void swap_cache_drop(struct page *p);
int swap_write(struct page **pages, unsigned n);
int swap_in(struct mm_ctx *c, vaddr_t va, uint64_t *e, bool write);
unsigned swap_map_around(struct mm_ctx *c, const struct vma *v, vaddr_t va,
			 uint64_t *e, unsigned prot);
int swap_entry_dup(uint64_t slot);
void swap_entry_put(uint64_t slot);
void swap_cache_release_unused(struct page *p);
int swap_check(void);

/* vmscan.c: LRU, reclaim, kswapd */
void lru_page_new(struct page *p);
void lru_file_new(struct page *p);
void lru_page_gone(struct page *p);
void lru_page_touched(struct page *p);
void vmscan_init(void);
int mm_reserve(unsigned long need, struct mm_ctx *c, const char *what);
int kswapd_request(struct ipc_msg *m, void *unused);
int pageout_range(struct mm_ctx *c, vaddr_t start, vaddr_t end);
unsigned long lru_pages(int which);
int vmscan_check(void);

/* oom.c */
bool oom_kill(const char *what, struct mm_ctx *trigger);
int oom_notify_request(struct ipc_msg *m, void *unused);
int oom_victims_request(struct ipc_msg *m, void *unused);

/* file.c: the page cache */
int fs_offer(struct ipc_msg *m, void *unused);
struct mm_object *file_obj_get(uint64_t ino, uint64_t gen, int *err);
struct page *file_page(struct mm_object *o, uint64_t index, int *err);
enum { RA_HINT_NORMAL, RA_HINT_SEQ, RA_HINT_RANDOM };
struct page *file_page_ra(struct mm_object *o, uint64_t index, int hint,
			  int *err);
unsigned file_map_around(struct mm_ctx *c, const struct vma *v, vaddr_t va,
			 uint64_t *e, unsigned prot);
void file_willneed(struct mm_object *o, uint64_t first, uint64_t n);
struct mm_object *file_obj_open(const char *path, uint64_t *size,
				uint32_t *mode, int *err);
void file_page_dirty(struct mm_object *o, struct page *p);
int file_writeback(struct mm_object *o, uint64_t first, uint64_t last);
void file_obj_unused(struct mm_object *o);
void flusher_init(void);
int file_request(struct ipc_msg *m, void *unused);
int file_reclaim(struct page *p);
void file_run_done(struct mm_object *o, uint64_t index, const uint64_t *addr,
		   unsigned n, int err, bool may_free);
void file_write_done(struct mm_object *o, const uint64_t *addr, unsigned n,
		     int err);

/* iothread.c: reads that do not hold up the loop (readahead) */
#define IO_RUN_MAX	64		/* pages a job reads: BLK_SG_MAX */
void iothread_init(void);
void io_set_waker(uint64_t notif, uint64_t bits);
bool io_submit(struct mm_object *o, uint64_t index, struct page **pages,
	       unsigned n, uint64_t disk, uint64_t sector, bool write);
bool io_ready(void);
void io_reap(bool may_free);
void io_wait_page(struct page *p, uint32_t flag);
void io_wait_obj(struct mm_object *o);
void io_wait_all(void);

/* info.c */
int info_format(unsigned kind, char *buf, size_t len);

#endif

