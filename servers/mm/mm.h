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

#define MM_MAX_CTX	256
#define MM_STACK_TOP	0x00007fffffffe000ull
#define MM_STACK_MAX	(8ull << 20)		/* RLIMIT_STACK default */
#define MM_STACK_GUARD	(256ull << 12)		/* stack_guard_gap */
#define MM_MMAP_TOP	(MM_STACK_TOP - MM_STACK_MAX - MM_STACK_GUARD)
#define MM_MMAP_MIN	0x10000ull		/* mmap_min_addr */
#define MM_PRIO_SERVER	20

/* A page-map entry: frame number and state of one virtual page. */
#define PME_PRESENT	0x1ull		/* frame below is valid */
#define PME_WRITE	0x2ull		/* mapped writable in the kernel */
#define PME_MAPPED	0x4ull		/* the kernel has a mapping */
#define PME_PFN_SHIFT	12
#define pme_pfn(e)	((e) >> PME_PFN_SHIFT)

struct pagemap {
	uint64_t *root;			/* 4-level radix, 512 entries a node */
	uint64_t nodes;
};

/* What backs a VMA that is not anonymous: a boot module's ELF segment. */
struct mm_backing {
	int refs;
	const uint8_t *data;		/* module bytes, in mm's physmap */
	uint64_t size;			/* bytes available at data */
	vaddr_t vstart;			/* virtual address of data[0] */
};

struct mm_ctx {
	uint32_t id;			/* also the AS label and client badge */
	uint32_t pid;
	uint64_t as;			/* mm's handle to the address space */
	struct vma_tree vmas;
	struct pagemap pm;
	vaddr_t brk_start, brk;
	uint64_t rss;			/* resident pages */
	int oom_score_adj;
};

struct mm_stats {
	uint64_t pgfault, pgfault_anon, pgfault_file, zero_fill, zero_maps;
	uint64_t cow_copy, cow_reuse, pgalloc, pgfree, pt_donated;
	uint64_t segv;
};

extern struct mm_stats mm_stats;
extern struct bootinfo mm_boot;

/* main.c */
struct mm_ctx *ctx_get(uint64_t id);
void mm_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* frame.c: frames for clients, and the kernel's page-table pool */
struct page *frame_alloc_zeroed(void);
struct page *frame_alloc(void);
void frame_put(struct page *p);
void pt_pool_ensure(long kernel_free);
void frame_zero(void *addr);

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
void ctx_destroy(struct mm_ctx *c);
struct vma *ctx_vma_new(struct mm_ctx *c, vaddr_t start, vaddr_t end,
			unsigned long flags, struct mm_backing *b);
void ctx_vma_free(struct vma *v);
struct vma *vma_obj_alloc(void);
void vma_obj_free(struct vma *v);
void ctx_vma_free_backing(struct mm_backing *b);
struct mm_backing *backing_new(const uint8_t *data, uint64_t size,
			       vaddr_t vstart);
int ctx_unmap_range(struct mm_ctx *c, vaddr_t start, vaddr_t end);
int ctx_map_now(struct mm_ctx *c, vaddr_t va, uint64_t e, unsigned prot);
unsigned vma_prot(const struct vma *v);

/* pagefault.c */
void fault_handle(struct ipc_msg *m);

/* exec.c */
int exec_load(struct mm_ctx *c, const char *args, size_t len,
	      vaddr_t *entry, vaddr_t *sp);

/* mmap.c */
void mm_close_pending(void);
extern const struct ipc_proto mm_protos[];
extern const unsigned mm_nprotos;

/* info.c */
int info_format(unsigned kind, char *buf, size_t len);

#endif
