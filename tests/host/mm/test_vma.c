// SPDX-License-Identifier: GPL-2.0
/*
 * test_vma.c - host tests for vma.c and rbtree.c: random insert, remove,
 * split, adjust, merge, lookups and gap searches, each checked against a
 * naive model (a sorted array of ranges) and followed by vma_tree_check();
 * gap searches are compared with a brute-force scan of the model's gaps.
 */
#include "mm_test.h"
#include "vma.h"

#define SPACE_PAGES	2048		/* VMAs live in [0, 8 MiB) */
#define MAX_VMAS	512

struct model_vma {
	vaddr_t start, end;
	unsigned long flags;
	uint64_t pgoff;
	void *file;
	void *anon;
};

static struct model_vma model[MAX_VMAS];
static int nr_model;
static struct vma_tree tree;
static int nr_gap_found, nr_gap_none, nr_merged, nr_inserted;

static void *const files[] = { NULL, (void *)0x1000, (void *)0x2000 };
static void *const anons[] = { NULL, (void *)0x3000 };

/* ------------------------------------------------------------------ */
/* Model                                                               */
/* ------------------------------------------------------------------ */

static int model_index_after(vaddr_t addr)	/* first with end > addr */
{
	int i = 0;

	while (i < nr_model && model[i].end <= addr)
		i++;
	return i;
}

static bool model_overlaps(vaddr_t start, vaddr_t end, int skip)
{
	for (int i = 0; i < nr_model; i++)
		if (i != skip && model[i].start < end && start < model[i].end)
			return true;
	return false;
}

static void model_insert(const struct model_vma *m)
{
	int i = model_index_after(m->start);

	memmove(&model[i + 1], &model[i], (size_t)(nr_model - i) * sizeof(*m));
	model[i] = *m;
	nr_model++;
}

static void model_remove(int i)
{
	memmove(&model[i], &model[i + 1], (size_t)(nr_model - i - 1) * sizeof(model[0]));
	nr_model--;
}

static bool model_can_merge(const struct model_vma *a, const struct model_vma *b)
{
	return a->end == b->start && a->flags == b->flags &&
	       !(a->flags & (VMA_IO | VMA_DONTEXPAND)) && a->file == b->file &&
	       a->anon == b->anon &&
	       a->pgoff + ((a->end - a->start) >> PAGE_SHIFT) == b->pgoff;
}

/* ------------------------------------------------------------------ */
/* Tree <-> model agreement                                            */
/* ------------------------------------------------------------------ */

static struct vma *vma_new(const struct model_vma *m)
{
	struct vma *vma = calloc(1, sizeof(*vma));

	vma->start = m->start;
	vma->end = m->end;
	vma->flags = m->flags;
	vma->pgoff = m->pgoff;
	vma->file = m->file;
	vma->anon = m->anon;
	return vma;
}

static void vma_delete(struct vma *vma)
{
	memset(vma, 0x6b, sizeof(*vma));
	free(vma);
}

static void compare_with_model(void)
{
	struct vma *vma;
	int i = 0;

	T_CHECK(vma_tree_check(&tree));
	T_ASSERT(tree.count == (unsigned long)nr_model);
	vma_for_each(vma, &tree) {
		const struct model_vma *m = &model[i++];

		T_ASSERT(vma->start == m->start && vma->end == m->end);
		T_ASSERT(vma->flags == m->flags && vma->pgoff == m->pgoff);
		T_ASSERT(vma->file == m->file && vma->anon == m->anon);
	}
}

static struct vma *tree_vma_at(int i)
{
	struct vma *vma = vma_find_exact(&tree, model[i].start, model[i].end);

	T_ASSERT(vma != NULL);
	return vma;
}

/* ------------------------------------------------------------------ */
/* Operations                                                          */
/* ------------------------------------------------------------------ */

static void random_vma(struct model_vma *m)
{
	vaddr_t start = t_below(SPACE_PAGES);
	vaddr_t len = 1 + t_below(t_below(4) ? 8 : 64);

	m->start = start << PAGE_SHIFT;
	m->end = (start + len) << PAGE_SHIFT;
	m->flags = t_below(3) ? VMA_READ | VMA_WRITE : VMA_READ;
	m->pgoff = t_below(4) ? start : t_below(SPACE_PAGES);
	m->file = files[t_below(MM_ARRAY_SIZE(files))];
	m->anon = anons[t_below(MM_ARRAY_SIZE(anons))];
}

static void op_insert(void)
{
	struct model_vma m;
	struct vma *vma;
	bool overlap;
	int err;

	if (nr_model >= MAX_VMAS)
		return;
	random_vma(&m);
	overlap = model_overlaps(m.start, m.end, -1);
	vma = vma_new(&m);
	err = vma_insert(&tree, vma);
	T_ASSERT(err == (overlap ? -EEXIST : 0));
	if (err)
		vma_delete(vma);
	else
		model_insert(&m);
	nr_inserted += !err;
}

static void op_remove(void)
{
	int i = (int)t_below((uint64_t)nr_model);
	struct vma *vma = tree_vma_at(i);

	vma_remove(&tree, vma);
	vma_delete(vma);
	model_remove(i);
}

static void op_split(void)
{
	int i = (int)t_below((uint64_t)nr_model);
	struct model_vma *m = &model[i], upper;
	vaddr_t pages = (m->end - m->start) >> PAGE_SHIFT;
	struct vma *vma = tree_vma_at(i), *new = calloc(1, sizeof(*new));
	vaddr_t addr;

	if (pages < 2) {
		T_ASSERT(vma_split(&tree, vma, m->start, new) == -EINVAL);
		T_ASSERT(vma_split(&tree, vma, m->end, new) == -EINVAL);
		vma_delete(new);
		return;
	}
	addr = m->start + ((1 + t_below(pages - 1)) << PAGE_SHIFT);
	T_ASSERT(vma_split(&tree, vma, addr + 1, new) == -EINVAL);
	T_ASSERT(vma_split(&tree, vma, addr, new) == 0);
	upper = *m;
	upper.start = addr;
	upper.pgoff = m->pgoff + ((addr - m->start) >> PAGE_SHIFT);
	m->end = addr;
	model_insert(&upper);
}

static void op_adjust(void)
{
	int i = (int)t_below((uint64_t)nr_model);
	struct model_vma *m = &model[i];
	vaddr_t start = m->start + (vaddr_t)((int64_t)t_below(9) - 4) * PAGE_SIZE;
	vaddr_t end = m->end + (vaddr_t)((int64_t)t_below(9) - 4) * PAGE_SIZE;
	uint64_t pgoff = t_below(SPACE_PAGES);
	int expect, err;

	if ((int64_t)start < 0)
		start = 0;
	if ((int64_t)end < 0)
		end = 0;
	/* Adjusting may not overlap or step over a neighbour (no reordering). */
	if (start >= end)
		expect = -EINVAL;
	else if (model_overlaps(start, end, i) ||
		 (i > 0 && start < model[i - 1].end) ||
		 (i + 1 < nr_model && end > model[i + 1].start))
		expect = -EEXIST;
	else
		expect = 0;
	err = vma_adjust(&tree, tree_vma_at(i), start, end, pgoff);
	T_ASSERT(err == expect);
	if (!err) {
		m->start = start;
		m->end = end;
		m->pgoff = pgoff;
	}
}

/* Make the chosen VMA look mergeable with a neighbour, then merge. */
static void op_merge(void)
{
	int i = (int)t_below((uint64_t)nr_model), removed_expect = 0, first;
	struct vma *vma = tree_vma_at(i), *survivor, *removed[2];
	int n;

	first = i;
	if (i > 0 && model_can_merge(&model[i - 1], &model[i])) {
		model[i - 1].end = model[i].end;
		model_remove(i);
		i--;
		removed_expect++;
	}
	if (i + 1 < nr_model && model_can_merge(&model[i], &model[i + 1])) {
		model[i].end = model[i + 1].end;
		model_remove(i + 1);
		removed_expect++;
	}
	n = vma_merge_prev_next(&tree, vma, &survivor, removed);
	nr_merged += n;
	T_ASSERT(n == removed_expect);
	T_ASSERT(survivor->start == model[i].start && survivor->end == model[i].end);
	T_ASSERT(first - i <= 1);
	for (int k = 0; k < n; k++) {
		T_ASSERT(removed[k] != survivor);
		vma_delete(removed[k]);
	}
}

static void op_find(void)
{
	vaddr_t addr = t_below((SPACE_PAGES + 80) << PAGE_SHIFT);
	vaddr_t end = addr + 1 + t_below(16 << PAGE_SHIFT);
	int i = model_index_after(addr);
	struct vma *vma = vma_find(&tree, addr);
	struct vma *hit = vma_find_intersection(&tree, addr, end);

	T_ASSERT(i == nr_model ? vma == NULL : vma && vma->start == model[i].start);
	if (i < nr_model && model[i].start < end)
		T_ASSERT(hit && hit->start == model[i].start);
	else
		T_ASSERT(hit == NULL);
	if (i < nr_model)
		T_ASSERT(vma_find_exact(&tree, model[i].start, model[i].end) == vma);
	if (i < nr_model)
		T_ASSERT(vma_find_exact(&tree, model[i].start, model[i].end + PAGE_SIZE) == NULL);
}

/* ------------------------------------------------------------------ */
/* Gap search against brute force                                      */
/* ------------------------------------------------------------------ */

/* Gap k is below model[k] (k == nr_model: above the last VMA). */
static void model_gap(int k, vaddr_t *start, vaddr_t *end)
{
	*start = k ? model[k - 1].end : 0;
	*end = k < nr_model ? model[k].start : UINT64_MAX;
}

/* Does gap k hold @length bytes inside [low, high)? (clipped sizes) */
static bool model_gap_fits(int k, vaddr_t length, vaddr_t low, vaddr_t high,
			   vaddr_t *cs, vaddr_t *ce)
{
	vaddr_t gs, ge;

	model_gap(k, &gs, &ge);
	*cs = MM_MAX(gs, low);
	*ce = MM_MIN(ge, high);
	return *ce > *cs && *ce - *cs >= length;
}

static int brute_gap(bool topdown, vaddr_t len, vaddr_t align, vaddr_t low,
		     vaddr_t high, vaddr_t *out)
{
	vaddr_t length = len + align - PAGE_SIZE, cs, ce;

	if (low > high)
		return -EINVAL;
	for (int n = 0; n <= nr_model; n++) {
		int k = topdown ? nr_model - n : n;

		if (!model_gap_fits(k, length, low, high, &cs, &ce))
			continue;
		*out = topdown ? MM_ALIGN_DOWN(ce - len, align)
			       : MM_ALIGN_UP(cs, align);
		return 0;
	}
	return -ENOMEM;
}

static vaddr_t random_limit(void)
{
	switch (t_below(8)) {
	case 0:
		return 0;
	case 1:
		return (vaddr_t)1 << 47;
	default:
		return t_below(SPACE_PAGES + 128) << PAGE_SHIFT;
	}
}

static void op_gap(void)
{
	static const vaddr_t aligns[] = { 0, PAGE_SIZE, 4 * PAGE_SIZE, 16 * PAGE_SIZE };
	vaddr_t len = (1 + t_below(t_below(2) ? 4 : 96)) << PAGE_SHIFT;
	vaddr_t align = aligns[t_below(MM_ARRAY_SIZE(aligns))];
	vaddr_t low = random_limit(), high = random_limit();
	bool topdown = t_below(2);
	vaddr_t got = 0, want = 0;
	int err, expect;

	if (t_below(4) == 0)
		low = 0;
	expect = brute_gap(topdown, len, align ? align : PAGE_SIZE, low, high, &want);
	if (topdown)
		err = vma_gap_find_topdown(&tree, len, align, low, high, &got);
	else
		err = vma_gap_find_bottomup(&tree, len, align, low, high, &got);
	T_ASSERT(err == expect);
	nr_gap_none += err != 0;
	if (err)
		return;
	nr_gap_found++;
	T_ASSERT(got == want);
	T_ASSERT(got >= low && got + len <= high);
	T_ASSERT(got % (align ? align : PAGE_SIZE) == 0);
	T_ASSERT(vma_find_intersection(&tree, got, got + len) == NULL);
}

/* ------------------------------------------------------------------ */
/* Tests                                                               */
/* ------------------------------------------------------------------ */

static void tree_clear(void)
{
	struct vma *vma, *tmp;

	vma_for_each_safe(vma, tmp, &tree) {
		vma_remove(&tree, vma);
		vma_delete(vma);
		T_CHECK(vma_tree_check(&tree));
	}
	nr_model = 0;
}

static void test_random(void)
{
	static const struct {
		void (*fn)(void);
		int weight;
		bool needs_vma;
	} ops[] = {
		{ op_insert, 30, false }, { op_remove, 12, true },
		{ op_split, 10, true },   { op_adjust, 8, true },
		{ op_merge, 8, true },    { op_find, 12, false },
		{ op_gap, 25, false },
	};
	int total = 0;

	t_begin("mm.vma.random");
	vma_tree_init(&tree);
	nr_model = 0;
	for (size_t k = 0; k < MM_ARRAY_SIZE(ops); k++)
		total += ops[k].weight;
	for (int step = 0; step < 200000; step++) {
		int r = (int)t_below((uint64_t)total);
		size_t k = 0;

		while (r >= ops[k].weight)
			r -= ops[k++].weight;
		if (ops[k].needs_vma && nr_model == 0)
			continue;
		ops[k].fn();
		compare_with_model();
	}
	printf("# %d inserted, %d merged away, gaps %d found / %d none, %d at the end\n",
	       nr_inserted, nr_merged, nr_gap_found, nr_gap_none, nr_model);
	tree_clear();
	t_pass();
}

static void test_gap_edges(void)
{
	struct model_vma m = { 0x10000, 0x20000, VMA_READ, 0x10, NULL, NULL };
	vaddr_t out;

	t_begin("mm.vma.gap_edges");
	vma_tree_init(&tree);
	nr_model = 0;
	T_ASSERT(vma_gap_find_topdown(&tree, PAGE_SIZE, 0, 0, 1UL << 47, &out) == 0);
	T_ASSERT(out == (1UL << 47) - PAGE_SIZE);
	T_ASSERT(vma_gap_find_bottomup(&tree, PAGE_SIZE, 0, 0, 1UL << 47, &out) == 0);
	T_ASSERT(out == 0);
	T_ASSERT(vma_gap_find_topdown(&tree, 0, 0, 0, 1UL << 47, &out) == -EINVAL);
	T_ASSERT(vma_gap_find_topdown(&tree, 100, 0, 0, 1UL << 47, &out) == -EINVAL);
	T_ASSERT(vma_gap_find_topdown(&tree, PAGE_SIZE, 3 * PAGE_SIZE, 0, 1UL << 47, &out) == -EINVAL);
	T_ASSERT(vma_gap_find_topdown(&tree, PAGE_SIZE, 0, 8192, 4096, &out) == -EINVAL);
	T_ASSERT(vma_gap_find_topdown(&tree, 2 * PAGE_SIZE, 0, 4096, 8192, &out) == -ENOMEM);
	T_ASSERT(vma_gap_find_topdown(&tree, PAGE_SIZE, 0, 0, UINT64_MAX & PAGE_MASK, &out) == 0);
	T_ASSERT(vma_gap_find_bottomup(&tree, UINT64_MAX & PAGE_MASK, 2 * PAGE_SIZE,
				       0, UINT64_MAX, &out) == -ENOMEM);

	T_CHECK(vma_insert(&tree, vma_new(&m)));
	model_insert(&m);
	/* Exactly the space below the VMA... */
	T_ASSERT(vma_gap_find_topdown(&tree, 0x10000, 0, 0, 0x20000, &out) == 0);
	T_ASSERT(out == 0);
	T_ASSERT(vma_gap_find_topdown(&tree, 0x10000, 0, 0x1000, 0x20000, &out) == -ENOMEM);
	/* ...but, as in Linux, alignment slack must fit too (len + align - 4K). */
	T_ASSERT(vma_gap_find_topdown(&tree, 0x10000, 0x10000, 0, 0x20000, &out) == -ENOMEM);
	T_ASSERT(vma_gap_find_topdown(&tree, 0x8000, 0x8000, 0, 0x20000, &out) == 0);
	T_ASSERT(out == 0x8000);
	T_ASSERT(vma_gap_find_bottomup(&tree, 0x1000, 0, 0x10000, 0x30000, &out) == 0);
	T_ASSERT(out == 0x20000);
	{
		struct vma *dup = vma_new(&m);

		T_ASSERT(vma_insert(&tree, dup) == -EEXIST);
		vma_delete(dup);
	}
	tree_clear();
	t_pass();
}

int main(void)
{
	t_seed_init(777);
	test_gap_edges();
	test_random();
	return 0;
}
