/*
 * eager.h - the eager pager: a second pager server, written only against
 * the pager protocol (docs/pager-protocol.md, ipc/pager.h, ipc/mm.h).
 *
 * Policy, and how it differs from mm:
 *  - every mapping is populated when it is made (mmap, brk, exec, fork):
 *    no zero page, no demand paging, no swap, no reclaim.  The one
 *    exception is the stack, a grows-down region whose top STACK_EAGER
 *    bytes are populated at exec; a fault below them populates everything
 *    between the fault and the populated part in one go.
 *  - PROT_NONE mappings are reservations without frames: frames are
 *    allocated when mprotect makes the range accessible.
 *  - fork copies every private page at once (no copy-on-write); only
 *    MAP_SHARED anonymous pages are shared, by reference count.
 *  - frames come from a bump allocator over the ranges it was given, with
 *    a free list (linked through the frames themselves) for frames that
 *    came back.
 *
 * Where frames are: every frame this pager owns is visible in its own
 * address space at BOOT_PHYSMAP_BASE + paddr.  As the first pager the
 * kernel maps all its RAM there; side by side, mm maps each granted block
 * there (MM_FRAMES_GRANT), and a read-only copy of the boot modules too.
 *
 * Single-threaded: one loop receives faults and requests, so nothing here
 * needs a lock.
 */
#ifndef EAGER_EAGER_H
#define EAGER_EAGER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <errno.h>
#include <ipc/server.h>
#include <ipc/pager.h>
#include <ipc/mm.h>
#include <ipc/bootinfo.h>

#ifndef EOPNOTSUPP
#define EOPNOTSUPP	95
#endif

typedef uint64_t pfn_t;
typedef uint64_t vaddr_t;

#define PAGE_SHIFT	12
#define PAGE_SIZE	4096ull
#define PAGE_MASK	(~(PAGE_SIZE - 1))
#define ALIGN_UP(x)	(((x) + PAGE_SIZE - 1) & PAGE_MASK)

#define EP_MAX_CTX	128
#define EP_MAX_REGIONS	4096		/* all contexts together */
#define USER_END	0x0000800000000000ull
#define STACK_TOP	0x00007fffffffe000ull
#define STACK_MAX	(8ull << 20)		/* RLIMIT_STACK default */
#define STACK_EAGER	(256ull << 10)		/* populated at exec */
#define STACK_GUARD	(256ull << 12)
#define MMAP_TOP	(STACK_TOP - STACK_MAX - STACK_GUARD)
#define MMAP_MIN	0x10000ull

/* Linux's mmap values (sys/mman.h). */
#define PROT_READ	0x1
#define PROT_WRITE	0x2
#define PROT_EXEC	0x4
#define MAP_SHARED	0x01
#define MAP_PRIVATE	0x02
#define MAP_TYPE	0x0f
#define MAP_FIXED	0x10
#define MAP_ANONYMOUS	0x20
#define MAP_FIXED_NOREPLACE 0x100000

/* A region: [start, end) with one protection; sorted list per context. */
#define REG_SHARED	0x1		/* MAP_SHARED: frames shared on fork */
#define REG_STACK	0x2		/* grows down to lowest populated page */

struct region {
	vaddr_t start, end;
	unsigned prot;			/* PROT_* */
	unsigned flags;			/* REG_* */
	struct region *next;
};

/*
 * A memory context: one client address space.  Its id is the label of the
 * kernel address space (in every fault) and the badge of the client's
 * handle (on every request).  The page map is a four-level radix tree of
 * frames, 512 entries a node, each node one frame; an entry is
 * pfn << 12 | PTE_PRESENT.  Invariant: a page has a page-map entry iff it
 * lies in a region with a protection other than PROT_NONE (populated
 * stack pages only, for the stack), and the kernel maps it with the
 * region's protection.
 */
#define PTE_PRESENT	0x1ull

struct ctx {
	uint32_t id, pid;
	uint64_t as;			/* our AS handle (map rights) */
	pfn_t root;			/* page-map root node, 0 if none */
	struct region *regions;
	vaddr_t brk_start, brk;
	vaddr_t stack_low;		/* lowest populated stack page */
	uint64_t rss;			/* pages in the page map */
	uint64_t nodes;			/* page-map node frames */
	char name[16];
};

struct ep_stats {
	uint64_t faults, fault_fail, stack_grow, pages_zeroed, pages_copied;
	uint64_t spawn, fork, exit, mmap, munmap, refused;
};
extern struct ep_stats ep_stats;
extern struct bootinfo ep_boot;
extern uint64_t ep_endpoint;		/* the endpoint we serve */
extern const char *ep_name;		/* our module name, for reports */

/* main.c */
void ep_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
__attribute__((noreturn)) void ep_panic(const char *fmt, ...);

/* frames.c: the bump-and-free-list allocator */
int frames_add(pfn_t start, uint64_t npages);
int frame_alloc(pfn_t *out);		/* zeroed, one reference */
void frame_get(pfn_t pfn);
void frame_put(pfn_t pfn);
unsigned frame_refs(pfn_t pfn);
void *frame_va(pfn_t pfn);
uint64_t frames_free(void);
uint64_t frames_total(void);
uint64_t frames_pt_donated(void);
int pt_pool_ensure(unsigned want);
void pt_pool_trim(void);
int frames_check(void);

/* space.c: contexts, regions, the page map, kernel mappings */
struct ctx *ctx_get(uint64_t id);
struct ctx *ctx_create(uint32_t pid);
void ctx_destroy(struct ctx *c);
struct region *region_find(struct ctx *c, vaddr_t va);
bool region_overlaps(struct ctx *c, vaddr_t start, vaddr_t end);
bool range_covered(struct ctx *c, vaddr_t start, vaddr_t end);
int region_add(struct ctx *c, vaddr_t start, vaddr_t end, unsigned prot,
	       unsigned flags);
int range_unmap(struct ctx *c, vaddr_t start, vaddr_t end);
int range_protect(struct ctx *c, vaddr_t start, vaddr_t end, unsigned prot);
int range_populate(struct ctx *c, vaddr_t start, vaddr_t end,
		   unsigned prot);
uint64_t *pmap_slot(struct ctx *c, vaddr_t va, bool create);
unsigned kprot(unsigned prot);
int kmap_range(struct ctx *c, vaddr_t start, vaddr_t end, unsigned prot);
int place_topdown(struct ctx *c, uint64_t len, vaddr_t *out);
struct ctx *ctx_fork(struct ctx *parent, uint32_t pid);
int ctx_check(struct ctx *c);

/* exec.c */
int exec_load(struct ctx *c, const char *args, size_t len, vaddr_t *entry,
	      vaddr_t *sp);

/* requests.c */
extern const struct ipc_proto ep_protos[];
extern const unsigned ep_nprotos;
void ep_close_pending(void);

#endif
