// SPDX-License-Identifier: GPL-2.0
/*
 * test_slab.c - host tests for slab.c: random alloc/free over several
 * caches and kmalloc sizes against a model of live objects (pattern-filled
 * and alignment-checked), slab_check() after every step, destroy returning
 * every page to buddy, the slabinfo format, and (in child processes) that
 * use-after-free writes and double frees are caught.
 */
#include <sys/wait.h>
#include <signal.h>
#include <unistd.h>

#include "mm_test.h"
#include "buddy.h"
#include "slab.h"

#define CTOR_MAGIC	0xc7c7c7c7c7c7c7c7ULL

static const struct mem_range layout[] = { { 4096, 4096 + 8192 } };	/* 32 MiB */

struct cache_spec {
	const char *name;
	size_t size;
	size_t align;
	bool ctor;
};

static const struct cache_spec specs[] = {
	{ "test-24", 24, 0, false },
	{ "test-100-a64", 100, 64, false },
	{ "test-ctor-40", 40, 0, true },
	{ "test-3000", 3000, 8, false },
	{ "test-8192", 8192, 0, false },
	{ "test-1-a4096", 1, 4096, false },
};

#define NR_SPECS	MM_ARRAY_SIZE(specs)

static struct slab_cache *caches[NR_SPECS];

struct object {
	void *ptr;
	int cache;		/* index in caches[], or -1 for kmalloc */
	size_t size;
	uint64_t tag;
};

#define MAX_OBJS	6000
static struct object objs[MAX_OBJS];
static int nr_objs;

static void test_ctor(void *obj)
{
	uint64_t magic = CTOR_MAGIC;

	memcpy(obj, &magic, sizeof(magic));
	memset((char *)obj + 8, 0x3c, 40 - 8);
}

static bool ctor_state_ok(const void *obj)
{
	const unsigned char *p = obj;
	uint64_t magic;

	memcpy(&magic, obj, sizeof(magic));
	if (magic != CTOR_MAGIC)
		return false;
	for (size_t i = 8; i < 40; i++)
		if (p[i] != 0x3c)
			return false;
	return true;
}

static void setup(void)
{
	t_mem_create(4096, 8192);
	zones_init(layout, MM_ARRAY_SIZE(layout));
	slab_init();
	nr_objs = 0;
}

static void caches_create(void)
{
	for (size_t i = 0; i < NR_SPECS; i++) {
		caches[i] = slab_cache_create(specs[i].name, specs[i].size,
					      specs[i].align,
					      specs[i].ctor ? test_ctor : NULL);
		T_ASSERT(caches[i] != NULL);
		T_CHECK(slab_check(caches[i]));
	}
}

static size_t expected_align(const struct object *o)
{
	if (o->cache >= 0)
		return MM_MAX(specs[o->cache].align, sizeof(void *));
	if (MM_IS_POW2(o->size))
		return MM_MAX(o->size, sizeof(void *));	/* natural alignment */
	return sizeof(void *);
}

/* Bytes the test may scribble on: ctor objects keep their constructed state. */
static void obj_fill(struct object *o)
{
	unsigned char *p = o->ptr;

	if (o->cache >= 0 && specs[o->cache].ctor) {
		T_ASSERT(ctor_state_ok(p));
		return;
	}
	for (size_t i = 0; i < o->size; i++)
		p[i] = (unsigned char)(o->tag + i * 131);
}

static void obj_verify(const struct object *o)
{
	const unsigned char *p = o->ptr;

	if (o->cache >= 0 && specs[o->cache].ctor) {
		T_ASSERT(ctor_state_ok(p));
		return;
	}
	for (size_t i = 0; i < o->size; i++)
		T_ASSERT(p[i] == (unsigned char)(o->tag + i * 131));
}

static struct slab_cache *obj_cache(const struct object *o)
{
	return o->cache >= 0 ? caches[o->cache] : NULL;
}

static size_t random_kmalloc_size(void)
{
	switch (t_below(4)) {
	case 0:
		return 1 + t_below(64);
	case 1:
		return 1 + t_below(512);
	case 2:
		return (size_t)1 << t_below(14);	/* 1 .. 8192 */
	default:
		return 1 + t_below(MM_KMALLOC_MAX);
	}
}

static void obj_alloc(void)
{
	struct object *o = &objs[nr_objs];

	o->cache = (int)t_below(NR_SPECS + 2) - 2;	/* -2, -1: kmalloc */
	if (o->cache < 0)
		o->cache = -1;
	if (o->cache >= 0) {
		o->size = specs[o->cache].size;
		o->ptr = slab_alloc(caches[o->cache]);
	} else {
		o->size = random_kmalloc_size();
		o->ptr = mm_kmalloc(o->size);
	}
	if (!o->ptr)
		return;		/* memory full: fine, the model is unchanged */
	T_ASSERT((uintptr_t)o->ptr % expected_align(o) == 0);
	T_ASSERT(mm_ksize(o->ptr) >= o->size);
	o->tag = t_rand();
	obj_fill(o);
	nr_objs++;
}

static void obj_free(int i)
{
	struct object *o = &objs[i];

	obj_verify(o);
	if (o->cache >= 0 && t_below(2))
		slab_free(caches[o->cache], o->ptr);
	else
		mm_kfree(o->ptr);	/* mm_kfree works for any slab object */
	*o = objs[--nr_objs];
}

static void check_touched(const struct object *o)
{
	struct slab_cache *c = obj_cache(o);

	if (c)
		T_CHECK(slab_check(c));
}

static void test_random(void)
{
	unsigned long managed;

	t_begin("mm.slab.random");
	setup();
	managed = buddy_managed_pages();
	caches_create();
	for (int step = 0; step < 40000; step++) {
		bool alloc = nr_objs == 0 ||
			     (nr_objs < MAX_OBJS && t_below(100) < 52);
		struct object touched;

		if (alloc) {
			obj_alloc();
			touched = objs[nr_objs ? nr_objs - 1 : 0];
		} else {
			int i = (int)t_below((uint64_t)nr_objs);

			touched = objs[i];
			obj_free(i);
		}
		if (nr_objs)
			check_touched(&touched);
		if (step % 128 == 0) {
			T_CHECK(slab_check_all());
			T_CHECK(buddy_check());
		}
	}
	printf("# %d objects live at the end, %lu pages free of %lu\n",
	       nr_objs, buddy_free_pages(), managed);
	for (int i = 0; i < nr_objs; i++)
		obj_verify(&objs[i]);
	while (nr_objs)
		obj_free(nr_objs - 1);
	T_CHECK(slab_check_all());

	/* Every cache empties; destroy and shrink hand all pages back. */
	for (size_t i = 0; i < NR_SPECS; i++)
		T_ASSERT(slab_cache_destroy(caches[i]) == 0);
	T_CHECK(slab_check_all());
	slab_shrink_all();
	T_CHECK(slab_check_all());
	pcp_drain_all();
	T_CHECK(buddy_check());
	T_ASSERT(buddy_free_pages() == managed);
	t_pass();
}

static void test_lifecycle(void)
{
	struct slab_cache *c, *k;
	unsigned long free_before;
	void *a, *b;

	t_begin("mm.slab.lifecycle");
	setup();
	T_ASSERT(slab_cache_create("bad", 0, 0, NULL) == NULL);
	T_ASSERT(slab_cache_create("bad", 64, 24, NULL) == NULL);
	T_ASSERT(slab_cache_create("bad", MM_KMALLOC_MAX + 1, 0, NULL) == NULL);
	T_ASSERT(mm_kmalloc(0) == NULL && mm_kmalloc(MM_KMALLOC_MAX + 1) == NULL);
	mm_kfree(NULL);

	c = slab_cache_create("a-very-long-cache-name-that-is-truncated", 64, 0, NULL);
	T_ASSERT(c && strlen(c->name) == SLAB_NAME_MAX - 1);
	/* No DMA memory in this layout: buddy refuses, the cache is unchanged. */
	T_ASSERT(slab_alloc_gfp(c, MM_GFP_DMA) == NULL);
	T_ASSERT(mm_kmalloc_gfp(100, MM_GFP_DMA) == NULL);
	T_CHECK(slab_check_all());
	free_before = buddy_free_pages();
	a = slab_alloc(c);
	b = slab_alloc_gfp(c, MM_GFP_ZERO);
	T_ASSERT(a && b && a != b);
	for (size_t i = 0; i < 64; i++)
		T_ASSERT(((unsigned char *)b)[i] == 0);
	T_ASSERT(slab_cache_destroy(c) == -EBUSY);
	slab_free(c, a);
	slab_free(c, b);
	T_CHECK(slab_check(c));
	T_ASSERT(c->nr_empty == 1 && c->active_objs == 0);
	T_ASSERT(slab_cache_destroy(c) == 0);
	pcp_drain_all();
	T_ASSERT(buddy_free_pages() == free_before);

	/* Geometry as SLUB picks it. */
	k = (struct slab_cache *)(uintptr_t)virt_to_page(a = mm_kmalloc(8192))->private;
	T_ASSERT(k->order == 3 && k->objs_per_slab == 4);
	mm_kfree(a);
	k = (struct slab_cache *)(uintptr_t)virt_to_page(a = mm_kmalloc(8))->private;
	T_ASSERT(k->order == 0 && k->objs_per_slab == 512);
	T_ASSERT(slab_cache_destroy(k) == -EINVAL);	/* built-in */
	mm_kfree(a);

	/* Empty slabs beyond SLAB_EMPTY_MAX go back to buddy. */
	c = slab_cache_create("t-4k", 4096, 0, NULL);
	{
		void *p[8 * 4];

		for (int i = 0; i < 32; i++)
			T_ASSERT((p[i] = slab_alloc(c)) != NULL);
		T_ASSERT(c->nr_full == 4);
		for (int i = 0; i < 32; i++) {
			slab_free(c, p[i]);
			T_CHECK(slab_check(c));
		}
		T_ASSERT(c->nr_empty == SLAB_EMPTY_MAX && c->stat.slab_free == 2);
	}
	T_ASSERT(slab_cache_shrink(c) == SLAB_EMPTY_MAX * 8);
	T_ASSERT(slab_cache_destroy(c) == 0);
	t_pass();
}

/* Find the line for @name in slabinfo output. */
static const char *slabinfo_line_of(const char *text, const char *name)
{
	size_t n = strlen(name);

	for (const char *p = text; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL)
		if (strncmp(p, name, n) == 0 && p[n] == ' ')
			return p;
	return NULL;
}

static void test_slabinfo(void)
{
	static char buf[16384];
	char expect[256], tiny[64];
	struct slab_cache *c;
	const char *line;
	void *p[3];

	t_begin("mm.slab.slabinfo");
	setup();
	c = slab_cache_create("vma", 88, 8, NULL);
	for (int i = 0; i < 3; i++)
		p[i] = slab_alloc(c);
	T_ASSERT(slabinfo_format(buf, sizeof(buf)) > 0);
	T_ASSERT(strncmp(buf, "slabinfo - version: 2.1\n# name            "
			 "<active_objs> <num_objs> <objsize> <objperslab> "
			 "<pagesperslab> : tunables <limit> <batchcount> "
			 "<sharedfactor> : slabdata <active_slabs> <num_slabs> "
			 "<sharedavail>\n", 200) == 0);
	snprintf(expect, sizeof(expect),
		 "%-17s %6lu %6lu %6u %4u %4d : tunables %4u %4u %4u : slabdata %6lu %6lu %6lu\n",
		 "vma", 3UL, (unsigned long)c->objs_per_slab, (unsigned)c->size,
		 c->objs_per_slab, 1 << c->order, 0u, 0u, 0u, 1UL, 1UL, 0UL);
	line = slabinfo_line_of(buf, "vma");
	T_ASSERT(line && strncmp(line, expect, strlen(expect)) == 0);
	T_ASSERT(slabinfo_line_of(buf, "kmalloc-8k") != NULL);
	T_ASSERT(slabinfo_format(tiny, sizeof(tiny)) == -ENOSPC);
	for (int i = 0; i < 3; i++)
		slab_free(c, p[i]);
	T_ASSERT(slab_cache_destroy(c) == 0);
	t_pass();
}

#ifdef MM_DEBUG
/* Run @fn in a child; it must die of SIGABRT (an MM_ASSERT firing). */
static void expect_abort(const char *name, void (*fn)(void))
{
	pid_t pid;
	int status;

	t_begin(name);
	fflush(NULL);
	pid = fork();
	T_ASSERT(pid >= 0);
	if (pid == 0) {
		freopen("/dev/null", "w", stderr);
		fn();
		_exit(0);
	}
	T_ASSERT(waitpid(pid, &status, 0) == pid);
	T_ASSERT(WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT);
	t_pass();
}

static void use_after_free(void)
{
	char *p = mm_kmalloc(64);

	mm_kfree(p);
	p[20] = 1;		/* lands in the poisoned part */
	mm_kmalloc(64);		/* LIFO: hands p out again, poison broken */
}

static void double_free(void)
{
	void *p = mm_kmalloc(64);

	mm_kmalloc(64);
	mm_kfree(p);
	mm_kfree(p);
}
#endif /* MM_DEBUG */

int main(void)
{
	t_seed_init(4242);
	test_lifecycle();
	test_slabinfo();
	test_random();
#ifdef MM_DEBUG
	setup();
	expect_abort("mm.slab.poison_use_after_free", use_after_free);
	expect_abort("mm.slab.double_free", double_free);
#endif
	return 0;
}
