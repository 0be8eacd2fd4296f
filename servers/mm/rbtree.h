/*
 * rbtree.h - intrusive red-black tree with an optional augmentation hook.
 *
 * Like Linux's rbtree, the tree knows nothing about keys: the caller walks
 * down to find the link to attach a new node at, calls rb_link_node(), and
 * then rb_insert() to rebalance.  Augmented trees keep a per-node value
 * computed from the node and its two children (for the VMA tree, the
 * largest free gap in the subtree); the tree keeps it correct through
 * rotations and erases by calling rb_augment.recompute, and the caller
 * runs rb_augment_propagate() after changing a node's own contribution.
 */
#ifndef MM_RBTREE_H
#define MM_RBTREE_H

#include "mm_types.h"

enum rb_color { RB_RED, RB_BLACK };

struct rb_node {
	struct rb_node *parent;
	struct rb_node *left;
	struct rb_node *right;
	enum rb_color color;
};

struct rb_root {
	struct rb_node *node;
};

/*
 * recompute(node): set node's augmented value from its own contribution
 * and its children's augmented values.  NULL augment = plain tree.
 */
struct rb_augment {
	void (*recompute)(struct rb_node *node);
};

#define RB_ROOT_INIT	{ NULL }
#define rb_entry(ptr, type, member)	container_of(ptr, type, member)

static inline void rb_link_node(struct rb_node *node, struct rb_node *parent,
				struct rb_node **link)
{
	node->parent = parent;
	node->left = NULL;
	node->right = NULL;
	node->color = RB_RED;
	*link = node;
}

/* Rebalance after rb_link_node(); augmented values must already be right. */
void rb_insert(struct rb_node *node, struct rb_root *root,
	       const struct rb_augment *aug);

/* Unlink @node and rebalance, keeping augmented values right. */
void rb_erase(struct rb_node *node, struct rb_root *root,
	      const struct rb_augment *aug);

/* Recompute @node and every ancestor up to the root. */
void rb_augment_propagate(struct rb_node *node, const struct rb_augment *aug);

struct rb_node *rb_first(const struct rb_root *root);
struct rb_node *rb_last(const struct rb_root *root);
struct rb_node *rb_next(const struct rb_node *node);
struct rb_node *rb_prev(const struct rb_node *node);

/*
 * Validate structure: parent links, black root, no red node with a red
 * child, equal black height on every path.  Returns 0 or -EUCLEAN and the
 * node count through @count.
 */
int rb_tree_check(const struct rb_root *root, size_t *count);

#endif /* MM_RBTREE_H */
