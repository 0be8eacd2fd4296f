/*
 * vma.c - the VMA set of one address space: lookup, insert, remove, split,
 * merge, and free-gap search.
 *
 * Owns the tree-private fields of every struct vma in a tree (rb, list,
 * gap, subtree_gap); never allocates or frees a VMA.  Invariants, checked
 * by vma_tree_check():
 *  - VMAs are non-empty, page aligned and disjoint; the rbtree (keyed by
 *    start) and the list hold the same VMAs in the same ascending order;
 *  - vma->gap is the free space just below the VMA: start minus the end of
 *    the previous VMA, or start itself for the first one;
 *  - vma->subtree_gap is the largest ->gap in the VMA's rb subtree.
 *
 * Gap search (Linux's rb_subtree_gap design, from before the maple tree).
 *
 * mmap needs "the highest free range of len bytes below high_limit".  A
 * plain walk over VMAs is O(n); instead each node carries the largest gap
 * in its subtree, so a search can skip any subtree whose subtree_gap is too
 * small without entering it.  Top-down, the walk prefers the right subtree
 * (higher addresses), then the node's own gap, then the left subtree, and
 * climbs back up when a subtree is exhausted: an in-order walk in
 * descending address order that only enters subtrees that might hold a fit.
 * Two address tests prune the rest: a right subtree only holds gaps that
 * start above the node's own gap, useless once that is above the limit;
 * and once a gap ends below the low limit, so does every gap after it.
 * Alignment is handled, as in Linux, by searching for len + align -
 * PAGE_SIZE bytes, which always contains an aligned block of len; this
 * keeps the qualification of a gap a property of its size alone (which is
 * what subtree_gap summarises) at the price of missing a gap that would fit
 * only at a lucky alignment.  The space above the last VMA is not any
 * node's gap and is checked on its own (first top-down, last bottom-up).
 *
 * Keeping subtree_gap right costs O(log n) per update: a VMA's ->gap
 * depends on its predecessor, so inserting, removing or resizing a VMA
 * also changes its successor's gap, and both are propagated to the root;
 * rotations recompute the two nodes they turn (see rbtree.c).
 */
#include "vma.h"

static struct vma *vma_of(const struct rb_node *node)
{
	return node ? rb_entry(node, struct vma, rb) : NULL;
}

static void vma_gap_recompute(struct rb_node *node)
{
	struct vma *vma = vma_of(node);
	vaddr_t max = vma->gap;

	if (node->left)
		max = MM_MAX(max, vma_of(node->left)->subtree_gap);
	if (node->right)
		max = MM_MAX(max, vma_of(node->right)->subtree_gap);
	vma->subtree_gap = max;
}

static const struct rb_augment vma_gap_augment = {
	.recompute = vma_gap_recompute,
};

void vma_tree_init(struct vma_tree *tree)
{
	tree->root.node = NULL;
	list_init(&tree->list);
	tree->count = 0;
}

/* ------------------------------------------------------------------ */
/* Lookup and iteration                                                */
/* ------------------------------------------------------------------ */

struct vma *vma_find(const struct vma_tree *tree, vaddr_t addr)
{
	struct rb_node *node = tree->root.node;
	struct vma *found = NULL;

	while (node) {
		struct vma *vma = vma_of(node);

		if (vma->end > addr) {
			found = vma;
			if (vma->start <= addr)
				break;
			node = node->left;
		} else {
			node = node->right;
		}
	}
	return found;
}

struct vma *vma_find_exact(const struct vma_tree *tree, vaddr_t start,
			   vaddr_t end)
{
	struct vma *vma = vma_find(tree, start);

	return vma && vma->start == start && vma->end == end ? vma : NULL;
}

struct vma *vma_find_intersection(const struct vma_tree *tree, vaddr_t start,
				  vaddr_t end)
{
	struct vma *vma;

	if (start >= end)
		return NULL;
	vma = vma_find(tree, start);
	return vma && vma->start < end ? vma : NULL;
}

struct vma *vma_first(const struct vma_tree *tree)
{
	if (list_empty(&tree->list))
		return NULL;
	return list_first_entry(&tree->list, struct vma, list);
}

struct vma *vma_last(const struct vma_tree *tree)
{
	if (list_empty(&tree->list))
		return NULL;
	return list_last_entry(&tree->list, struct vma, list);
}

struct vma *vma_prev(const struct vma_tree *tree, const struct vma *vma)
{
	if (vma->list.prev == &tree->list)
		return NULL;
	return list_entry(vma->list.prev, struct vma, list);
}

struct vma *vma_next(const struct vma_tree *tree, const struct vma *vma)
{
	if (vma->list.next == &tree->list)
		return NULL;
	return list_entry(vma->list.next, struct vma, list);
}

/* ------------------------------------------------------------------ */
/* Updates                                                             */
/* ------------------------------------------------------------------ */

static bool vma_range_valid(vaddr_t start, vaddr_t end)
{
	return start < end && !(start & ~PAGE_MASK) && !(end & ~PAGE_MASK);
}

/* Where the gap below @vma starts: the previous VMA's end, or 0. */
static vaddr_t vma_gap_start(const struct vma_tree *tree, const struct vma *vma)
{
	const struct vma *prev = vma_prev(tree, vma);

	return prev ? prev->end : 0;
}

/* Recompute @vma's own gap (after its start or predecessor changed). */
static void vma_gap_update(const struct vma_tree *tree, struct vma *vma)
{
	if (!vma)
		return;
	vma->gap = vma->start - vma_gap_start(tree, vma);
	rb_augment_propagate(&vma->rb, &vma_gap_augment);
}

/*
 * Find where @vma would be linked, and the VMA that would precede it.
 * -EEXIST if it would overlap either neighbour.
 */
static int vma_link_find(struct vma_tree *tree, const struct vma *vma,
			 struct rb_node **parentp, struct rb_node ***linkp,
			 struct vma **prevp)
{
	struct rb_node **link = &tree->root.node, *parent = NULL;
	struct vma *prev = NULL, *next;

	while (*link) {
		struct vma *cur = vma_of(*link);

		parent = *link;
		if (vma->start < cur->start) {
			link = &parent->left;
		} else {
			prev = cur;
			link = &parent->right;
		}
	}
	next = prev ? vma_next(tree, prev) : vma_first(tree);
	if ((prev && prev->end > vma->start) || (next && next->start < vma->end))
		return -EEXIST;
	*parentp = parent;
	*linkp = link;
	*prevp = prev;
	return 0;
}

int vma_insert(struct vma_tree *tree, struct vma *vma)
{
	struct rb_node *parent, **link;
	struct vma *prev;
	int err;

	if (!vma_range_valid(vma->start, vma->end))
		return -EINVAL;
	err = vma_link_find(tree, vma, &parent, &link, &prev);
	if (err)
		return err;
	list_add(&vma->list, prev ? &prev->list : &tree->list);
	rb_link_node(&vma->rb, parent, link);
	vma_gap_update(tree, vma);
	vma_gap_update(tree, vma_next(tree, vma));
	rb_insert(&vma->rb, &tree->root, &vma_gap_augment);
	tree->count++;
	return 0;
}

void vma_remove(struct vma_tree *tree, struct vma *vma)
{
	struct vma *next = vma_next(tree, vma);

	MM_ASSERT(tree->count > 0);
	list_del(&vma->list);
	rb_erase(&vma->rb, &tree->root, &vma_gap_augment);
	vma_gap_update(tree, next);
	tree->count--;
}

int vma_adjust(struct vma_tree *tree, struct vma *vma, vaddr_t start,
	       vaddr_t end, uint64_t pgoff)
{
	struct vma *prev = vma_prev(tree, vma), *next = vma_next(tree, vma);

	if (!vma_range_valid(start, end))
		return -EINVAL;
	if ((prev && prev->end > start) || (next && next->start < end))
		return -EEXIST;
	vma->start = start;
	vma->end = end;
	vma->pgoff = pgoff;
	vma_gap_update(tree, vma);
	vma_gap_update(tree, next);
	return 0;
}

int vma_split(struct vma_tree *tree, struct vma *vma, vaddr_t addr,
	      struct vma *new)
{
	int err;

	if (addr <= vma->start || addr >= vma->end || (addr & ~PAGE_MASK))
		return -EINVAL;
	new->start = addr;
	new->end = vma->end;
	new->flags = vma->flags;
	new->pgoff = vma->pgoff + ((addr - vma->start) >> PAGE_SHIFT);
	new->file = vma->file;
	new->anon = vma->anon;
	vma->end = addr;	/* no gap changes: new will sit right above */
	err = vma_insert(tree, new);
	MM_ASSERT(err == 0);
	return err;
}

bool vma_can_merge(const struct vma *prev, const struct vma *next)
{
	if (prev->end != next->start || prev->flags != next->flags)
		return false;
	if (prev->flags & (VMA_IO | VMA_DONTEXPAND))	/* Linux's VM_SPECIAL */
		return false;
	return prev->file == next->file && prev->anon == next->anon &&
	       prev->pgoff + vma_pages(prev) == next->pgoff;
}

/* Grow @lower over @upper, which is removed and stored in @removed. */
static void vma_absorb(struct vma_tree *tree, struct vma *lower,
		       struct vma *upper, struct vma **removed)
{
	vaddr_t end = upper->end;
	int err;

	vma_remove(tree, upper);
	err = vma_adjust(tree, lower, lower->start, end, lower->pgoff);
	MM_ASSERT(err == 0);
	*removed = upper;
}

int vma_merge_prev_next(struct vma_tree *tree, struct vma *vma,
			struct vma **survivor, struct vma *removed[2])
{
	struct vma *prev = vma_prev(tree, vma), *next;
	int n = 0;

	if (prev && vma_can_merge(prev, vma)) {
		vma_absorb(tree, prev, vma, &removed[n++]);
		vma = prev;
	}
	next = vma_next(tree, vma);
	if (next && vma_can_merge(vma, next))
		vma_absorb(tree, vma, next, &removed[n++]);
	*survivor = vma;
	return n;
}

/* ------------------------------------------------------------------ */
/* Gap search                                                          */
/* ------------------------------------------------------------------ */

/*
 * A search for @length bytes (len plus alignment slack) whose start lies at
 * or below @high and whose end lies at or above @low: the caller's limits
 * shrunk by length, as in Linux's unmapped_area().
 */
struct gap_req {
	vaddr_t length;
	vaddr_t low;		/* low_limit + length */
	vaddr_t high;		/* high_limit - length */
};

static int gap_req_init(struct gap_req *r, vaddr_t len, vaddr_t *align,
			vaddr_t low_limit, vaddr_t high_limit)
{
	if (*align == 0)
		*align = PAGE_SIZE;
	if (!len || (len & ~PAGE_MASK) || !MM_IS_POW2(*align) ||
	    *align < PAGE_SIZE || low_limit > high_limit)
		return -EINVAL;
	r->length = len + *align - PAGE_SIZE;
	if (r->length < len || high_limit < r->length ||
	    high_limit - r->length < low_limit)
		return -ENOMEM;
	r->high = high_limit - r->length;
	r->low = low_limit + r->length;
	return 0;
}

static bool gap_fits(vaddr_t gap_start, vaddr_t gap_end, const struct gap_req *r)
{
	return gap_start <= r->high && gap_end >= r->low &&
	       gap_end > gap_start && gap_end - gap_start >= r->length;
}

static bool subtree_may_fit(const struct rb_node *node, const struct gap_req *r)
{
	return node && vma_of(node)->subtree_gap >= r->length;
}

/* Highest VMA whose own gap fits, or NULL.  See the essay at the top. */
static struct vma *gap_walk_topdown(const struct vma_tree *tree,
				    const struct gap_req *r)
{
	const struct rb_node *node = tree->root.node;
	bool descend = true;

	if (!subtree_may_fit(node, r))
		return NULL;
	for (;;) {
		struct vma *vma = vma_of(node);
		vaddr_t gap_start = vma_gap_start(tree, vma);

		if (descend && gap_start <= r->high &&
		    subtree_may_fit(node->right, r)) {
			node = node->right;
			continue;
		}
		if (vma->start < r->low)
			return NULL;
		if (gap_fits(gap_start, vma->start, r))
			return vma;
		descend = true;
		if (subtree_may_fit(node->left, r)) {
			node = node->left;
			continue;
		}
		/* Climb to the nearest ancestor entered from its right. */
		while (node->parent && node == node->parent->left)
			node = node->parent;
		node = node->parent;
		if (!node)
			return NULL;
		descend = false;
	}
}

/* Lowest VMA whose own gap fits, or NULL: the mirror image. */
static struct vma *gap_walk_bottomup(const struct vma_tree *tree,
				     const struct gap_req *r)
{
	const struct rb_node *node = tree->root.node;
	bool descend = true;

	if (!subtree_may_fit(node, r))
		return NULL;
	for (;;) {
		struct vma *vma = vma_of(node);
		vaddr_t gap_start;

		if (descend && vma->start >= r->low &&
		    subtree_may_fit(node->left, r)) {
			node = node->left;
			continue;
		}
		gap_start = vma_gap_start(tree, vma);
		if (gap_start > r->high)
			return NULL;
		if (gap_fits(gap_start, vma->start, r))
			return vma;
		descend = true;
		if (subtree_may_fit(node->right, r)) {
			node = node->right;
			continue;
		}
		/* Climb to the nearest ancestor entered from its left. */
		while (node->parent && node == node->parent->right)
			node = node->parent;
		node = node->parent;
		if (!node)
			return NULL;
		descend = false;
	}
}

static vaddr_t vma_highest_end(const struct vma_tree *tree)
{
	const struct vma *last = vma_last(tree);

	return last ? last->end : 0;
}

int vma_gap_find_topdown(const struct vma_tree *tree, vaddr_t len,
			 vaddr_t align, vaddr_t low_limit, vaddr_t high_limit,
			 vaddr_t *out)
{
	vaddr_t gap_start, gap_end, addr;
	struct gap_req r;
	struct vma *vma;
	int err;

	err = gap_req_init(&r, len, &align, low_limit, high_limit);
	if (err)
		return err;
	gap_start = vma_highest_end(tree);
	gap_end = high_limit;
	if (gap_start > r.high) {
		vma = gap_walk_topdown(tree, &r);
		if (!vma)
			return -ENOMEM;
		gap_start = vma_gap_start(tree, vma);
		gap_end = MM_MIN(vma->start, high_limit);
	}
	addr = MM_ALIGN_DOWN(gap_end - len, align);
	MM_ASSERT(addr >= low_limit && addr >= gap_start);
	*out = addr;
	return 0;
}

int vma_gap_find_bottomup(const struct vma_tree *tree, vaddr_t len,
			  vaddr_t align, vaddr_t low_limit, vaddr_t high_limit,
			  vaddr_t *out)
{
	vaddr_t gap_start, gap_end, addr;
	struct gap_req r;
	struct vma *vma;
	int err;

	err = gap_req_init(&r, len, &align, low_limit, high_limit);
	if (err)
		return err;
	vma = gap_walk_bottomup(tree, &r);
	if (vma) {
		gap_start = vma_gap_start(tree, vma);
		gap_end = vma->start;
	} else {
		gap_start = vma_highest_end(tree);
		gap_end = high_limit;
		if (gap_start > r.high)
			return -ENOMEM;
	}
	addr = MM_ALIGN_UP(MM_MAX(gap_start, low_limit), align);
	MM_ASSERT(addr + len <= high_limit && addr + len <= gap_end);
	*out = addr;
	return 0;
}

/* ------------------------------------------------------------------ */
/* Validation                                                          */
/* ------------------------------------------------------------------ */

static int vma_node_check(const struct vma *vma, vaddr_t prev_end)
{
	const struct rb_node *node = &vma->rb;
	vaddr_t max = vma->gap;

	MM_CHECK(vma_range_valid(vma->start, vma->end));
	MM_CHECK(vma->start >= prev_end);
	MM_CHECK(vma->gap == vma->start - prev_end);
	if (node->left)
		max = MM_MAX(max, vma_of(node->left)->subtree_gap);
	if (node->right)
		max = MM_MAX(max, vma_of(node->right)->subtree_gap);
	MM_CHECK(vma->subtree_gap == max);
	return 0;
}

int vma_tree_check(const struct vma_tree *tree)
{
	const struct rb_node *node;
	const struct vma *vma;
	vaddr_t prev_end = 0;
	size_t n;

	MM_CHECK_CALL(rb_tree_check(&tree->root, &n));
	MM_CHECK(n == tree->count);
	MM_CHECK_CALL(list_check(&tree->list, tree->count, &n));
	MM_CHECK(n == tree->count);
	node = rb_first(&tree->root);
	vma_for_each(vma, tree) {
		MM_CHECK(node == &vma->rb);
		MM_CHECK_CALL(vma_node_check(vma, prev_end));
		prev_end = vma->end;
		node = rb_next(node);
	}
	MM_CHECK(node == NULL);
	return 0;
}
