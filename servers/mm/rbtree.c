/*
 * rbtree.c - red-black tree rebalancing with augmentation callbacks.
 *
 * Owns nothing but the shape and colours of trees handed to it.  The
 * red-black rules it maintains (and rb_tree_check() verifies):
 *   1. the root is black;
 *   2. a red node has no red child;
 *   3. every path from a node down to a NULL leaf passes the same number
 *      of black nodes.
 * Together they bound the height by 2*log2(n+1).
 *
 * This is the textbook (CLRS) algorithm with NULL leaves.  Insertion links
 * a red leaf and repairs red-red violations upward: recolour while the
 * uncle is red, else one or two rotations end it.  Erasure splices out the
 * node (or its in-order successor, which then takes the node's place and
 * colour); if a black node left the tree, the child that replaced it
 * carries an "extra black" that is pushed up or resolved by at most three
 * rotations.
 *
 * Augmentation: a rotation changes only the subtrees of the two nodes it
 * turns, and the subtree under the pair as a whole is unchanged, so
 * recomputing the lower then the upper node keeps every value right.  An
 * erase changes the subtrees of every ancestor of the spliced position, so
 * it recomputes that whole path to the root before rebalancing.
 */
#include "rbtree.h"

static void rb_recompute(struct rb_node *node, const struct rb_augment *aug)
{
	if (aug && node)
		aug->recompute(node);
}

/* Make @new take @old's place under @parent (or as the root). */
static void rb_child_replace(struct rb_root *root, struct rb_node *parent,
			     struct rb_node *old, struct rb_node *new)
{
	if (!parent)
		root->node = new;
	else if (parent->left == old)
		parent->left = new;
	else
		parent->right = new;
	if (new)
		new->parent = parent;
}

static void rb_rotate_left(struct rb_root *root, struct rb_node *x,
			   const struct rb_augment *aug)
{
	struct rb_node *y = x->right;

	x->right = y->left;
	if (y->left)
		y->left->parent = x;
	rb_child_replace(root, x->parent, x, y);
	y->left = x;
	x->parent = y;
	rb_recompute(x, aug);
	rb_recompute(y, aug);
}

static void rb_rotate_right(struct rb_root *root, struct rb_node *x,
			    const struct rb_augment *aug)
{
	struct rb_node *y = x->left;

	x->left = y->right;
	if (y->right)
		y->right->parent = x;
	rb_child_replace(root, x->parent, x, y);
	y->right = x;
	x->parent = y;
	rb_recompute(x, aug);
	rb_recompute(y, aug);
}

static bool rb_is_red(const struct rb_node *node)
{
	return node && node->color == RB_RED;
}

void rb_insert(struct rb_node *node, struct rb_root *root,
	       const struct rb_augment *aug)
{
	struct rb_node *parent;

	while ((parent = node->parent) && parent->color == RB_RED) {
		struct rb_node *gparent = parent->parent;
		bool left = (parent == gparent->left);
		struct rb_node *uncle = left ? gparent->right : gparent->left;

		if (rb_is_red(uncle)) {
			parent->color = RB_BLACK;
			uncle->color = RB_BLACK;
			gparent->color = RB_RED;
			node = gparent;
			continue;
		}
		if (node == (left ? parent->right : parent->left)) {
			if (left)
				rb_rotate_left(root, parent, aug);
			else
				rb_rotate_right(root, parent, aug);
			node = parent;
			parent = node->parent;
		}
		parent->color = RB_BLACK;
		gparent->color = RB_RED;
		if (left)
			rb_rotate_right(root, gparent, aug);
		else
			rb_rotate_left(root, gparent, aug);
	}
	root->node->color = RB_BLACK;
}

/*
 * Resolve the extra black carried by @node (possibly NULL) under @parent.
 * Returns the node to recolour black when done.
 */
static struct rb_node *rb_erase_fix_step(struct rb_root *root,
					 struct rb_node **nodep,
					 struct rb_node **parentp,
					 const struct rb_augment *aug)
{
	struct rb_node *node = *nodep, *parent = *parentp;
	bool left = (node == parent->left);
	struct rb_node *sib = left ? parent->right : parent->left;

	if (sib->color == RB_RED) {
		sib->color = RB_BLACK;
		parent->color = RB_RED;
		if (left)
			rb_rotate_left(root, parent, aug);
		else
			rb_rotate_right(root, parent, aug);
		sib = left ? parent->right : parent->left;
	}
	if (!rb_is_red(sib->left) && !rb_is_red(sib->right)) {
		sib->color = RB_RED;
		*nodep = parent;
		*parentp = parent->parent;
		return NULL;
	}
	if (!rb_is_red(left ? sib->right : sib->left)) {
		(left ? sib->left : sib->right)->color = RB_BLACK;
		sib->color = RB_RED;
		if (left)
			rb_rotate_right(root, sib, aug);
		else
			rb_rotate_left(root, sib, aug);
		sib = left ? parent->right : parent->left;
	}
	sib->color = parent->color;
	parent->color = RB_BLACK;
	(left ? sib->right : sib->left)->color = RB_BLACK;
	if (left)
		rb_rotate_left(root, parent, aug);
	else
		rb_rotate_right(root, parent, aug);
	return root->node;
}

static void rb_erase_fixup(struct rb_root *root, struct rb_node *node,
			   struct rb_node *parent, const struct rb_augment *aug)
{
	while (node != root->node && !rb_is_red(node)) {
		struct rb_node *done = rb_erase_fix_step(root, &node, &parent, aug);

		if (done) {
			node = done;
			break;
		}
	}
	if (node)
		node->color = RB_BLACK;
}

static struct rb_node *rb_leftmost(struct rb_node *node)
{
	while (node->left)
		node = node->left;
	return node;
}

void rb_erase(struct rb_node *node, struct rb_root *root,
	      const struct rb_augment *aug)
{
	struct rb_node *child, *parent, *succ;
	enum rb_color removed = node->color;

	if (!node->left || !node->right) {
		child = node->left ? node->left : node->right;
		parent = node->parent;
		rb_child_replace(root, parent, node, child);
	} else {
		succ = rb_leftmost(node->right);
		removed = succ->color;
		child = succ->right;
		if (succ->parent == node) {
			parent = succ;
		} else {
			parent = succ->parent;
			rb_child_replace(root, parent, succ, child);
			succ->right = node->right;
			succ->right->parent = succ;
		}
		rb_child_replace(root, node->parent, node, succ);
		succ->left = node->left;
		succ->left->parent = succ;
		succ->color = node->color;
	}
	if (parent)
		rb_augment_propagate(parent, aug);
	if (removed == RB_BLACK)
		rb_erase_fixup(root, child, parent, aug);
	node->parent = node->left = node->right = NULL;
}

void rb_augment_propagate(struct rb_node *node, const struct rb_augment *aug)
{
	for (; aug && node; node = node->parent)
		aug->recompute(node);
}

struct rb_node *rb_first(const struct rb_root *root)
{
	return root->node ? rb_leftmost(root->node) : NULL;
}

struct rb_node *rb_last(const struct rb_root *root)
{
	struct rb_node *node = root->node;

	while (node && node->right)
		node = node->right;
	return node;
}

struct rb_node *rb_next(const struct rb_node *node)
{
	if (node->right)
		return rb_leftmost(node->right);
	while (node->parent && node == node->parent->right)
		node = node->parent;
	return node->parent;
}

struct rb_node *rb_prev(const struct rb_node *node)
{
	if (node->left) {
		node = node->left;
		while (node->right)
			node = node->right;
		return (struct rb_node *)node;
	}
	while (node->parent && node == node->parent->left)
		node = node->parent;
	return node->parent;
}

/* Black height of @node's subtree, or -1 if a rule is broken below it. */
static int rb_subtree_check(const struct rb_node *node, size_t *count)
{
	int lh, rh;

	if (!node)
		return 1;
	(*count)++;
	if (node->left && node->left->parent != node)
		return -1;
	if (node->right && node->right->parent != node)
		return -1;
	if (node->color == RB_RED &&
	    (rb_is_red(node->left) || rb_is_red(node->right)))
		return -1;
	lh = rb_subtree_check(node->left, count);
	rh = rb_subtree_check(node->right, count);
	if (lh < 0 || rh < 0 || lh != rh)
		return -1;
	return lh + (node->color == RB_BLACK);
}

int rb_tree_check(const struct rb_root *root, size_t *count)
{
	*count = 0;
	if (!root->node)
		return 0;
	MM_CHECK(root->node->parent == NULL);
	MM_CHECK(root->node->color == RB_BLACK);
	MM_CHECK(rb_subtree_check(root->node, count) > 0);
	return 0;
}
