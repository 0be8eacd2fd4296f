/*
 * vma.h - virtual memory areas of one client address space, kept in a
 * red-black tree keyed by start address and augmented with the largest
 * free gap in each subtree, plus an address-ordered list.
 *
 * The tree never allocates: struct vma objects are the caller's (from a
 * slab cache), and every function that takes one out of the tree hands it
 * back for the caller to free.  All ranges are page aligned and half open:
 * [start, end).
 */
#ifndef MM_VMA_H
#define MM_VMA_H

#include "mm_types.h"
#include "rbtree.h"

/* Linux's VM_* values. */
#define VMA_READ	0x00000001UL
#define VMA_WRITE	0x00000002UL
#define VMA_EXEC	0x00000004UL
#define VMA_SHARED	0x00000008UL
#define VMA_MAYREAD	0x00000010UL
#define VMA_MAYWRITE	0x00000020UL
#define VMA_MAYEXEC	0x00000040UL
#define VMA_MAYSHARE	0x00000080UL
#define VMA_GROWSDOWN	0x00000100UL
#define VMA_SEQ_READ	0x00008000UL	/* MADV_SEQUENTIAL */
#define VMA_RAND_READ	0x00010000UL	/* MADV_RANDOM */
#define VMA_LOCKED	0x00002000UL
#define VMA_IO		0x00004000UL
#define VMA_DONTCOPY	0x00020000UL
#define VMA_DONTEXPAND	0x00040000UL
#define VMA_ACCOUNT	0x00100000UL
#define VMA_NORESERVE	0x00200000UL

struct vma {
	vaddr_t start;			/* first byte */
	vaddr_t end;			/* one past the last byte */
	unsigned long flags;		/* VMA_* */
	uint64_t pgoff;			/* offset in file (or start >> PAGE_SHIFT) in pages */
	void *file;			/* backing object, NULL if anonymous */
	void *anon;			/* anon_vma, NULL until first anon fault */
	/* Tree-private below: valid only while the VMA is in a tree. */
	struct rb_node rb;
	struct list_head list;		/* address order */
	vaddr_t gap;			/* start - end of previous VMA (or start) */
	vaddr_t subtree_gap;		/* max ->gap in this rb subtree */
};

struct vma_tree {
	struct rb_root root;
	struct list_head list;		/* every VMA, ascending */
	unsigned long count;
};

void vma_tree_init(struct vma_tree *tree);

static inline vaddr_t vma_pages(const struct vma *vma)
{
	return (vma->end - vma->start) >> PAGE_SHIFT;
}

/* First VMA with end > @addr, or NULL. */
struct vma *vma_find(const struct vma_tree *tree, vaddr_t addr);
/* The VMA spanning exactly [start, end), or NULL. */
struct vma *vma_find_exact(const struct vma_tree *tree, vaddr_t start,
			   vaddr_t end);
/* First VMA overlapping [start, end), or NULL. */
struct vma *vma_find_intersection(const struct vma_tree *tree, vaddr_t start,
				  vaddr_t end);

struct vma *vma_first(const struct vma_tree *tree);
struct vma *vma_last(const struct vma_tree *tree);
struct vma *vma_prev(const struct vma_tree *tree, const struct vma *vma);
struct vma *vma_next(const struct vma_tree *tree, const struct vma *vma);

#define vma_for_each(vma, tree) \
	list_for_each_entry(vma, &(tree)->list, list)
#define vma_for_each_safe(vma, tmp, tree) \
	list_for_each_entry_safe(vma, tmp, &(tree)->list, list)

/* Insert; -EINVAL for an empty or unaligned range, -EEXIST on overlap. */
int vma_insert(struct vma_tree *tree, struct vma *vma);
void vma_remove(struct vma_tree *tree, struct vma *vma);

/*
 * Change @vma's bounds (and pgoff) in place.  -EINVAL if the new range is
 * empty or unaligned, -EEXIST if it would overlap a neighbour.
 */
int vma_adjust(struct vma_tree *tree, struct vma *vma, vaddr_t start,
	       vaddr_t end, uint64_t pgoff);

/*
 * Split @vma at @addr: @vma keeps [start, addr), @new (caller-allocated,
 * contents overwritten) becomes [addr, end) with pgoff advanced, and is
 * inserted.  -EINVAL unless start < addr < end and @addr is page aligned.
 */
int vma_split(struct vma_tree *tree, struct vma *vma, vaddr_t addr,
	      struct vma *new);

/*
 * Can @prev and @next, with prev->end == next->start, become one VMA?
 * Same flags, file and anon, and pgoff contiguous.
 */
bool vma_can_merge(const struct vma *prev, const struct vma *next);

/*
 * Merge @vma with its neighbours where vma_can_merge() allows.  The lower
 * VMA survives and grows; the ones absorbed are removed from the tree and
 * stored in @removed for the caller to free.  Returns how many (0..2);
 * *survivor is the VMA now covering @vma's range.
 */
int vma_merge_prev_next(struct vma_tree *tree, struct vma *vma,
			struct vma **survivor, struct vma *removed[2]);

/*
 * Find room for @len bytes aligned to @align (a power of two >= PAGE_SIZE,
 * or 0 for PAGE_SIZE) inside [low_limit, high_limit) without touching any
 * VMA: the highest such place (topdown) or the lowest (bottomup).  As in
 * Linux, a gap qualifies only if it holds len + align - PAGE_SIZE bytes
 * inside the limits, which guarantees an aligned fit and keeps the search
 * O(log n).  0 and *out set, -ENOMEM if no gap, -EINVAL for bad arguments.
 */
int vma_gap_find_topdown(const struct vma_tree *tree, vaddr_t len,
			 vaddr_t align, vaddr_t low_limit, vaddr_t high_limit,
			 vaddr_t *out);
int vma_gap_find_bottomup(const struct vma_tree *tree, vaddr_t len,
			  vaddr_t align, vaddr_t low_limit, vaddr_t high_limit,
			  vaddr_t *out);

/* Validate order, overlap, list/tree agreement, rb rules and gaps. */
int vma_tree_check(const struct vma_tree *tree);

#endif /* MM_VMA_H */
