/*
 * slab.c - object caches built on buddy pages, and kmalloc size classes.
 *
 * Owns every struct slab_cache (the built-in ones statically, the rest in
 * the "slab_cache" cache itself) and every PG_slab page.  Invariants,
 * checked by slab_check():
 *  - every frame of a slab has PG_slab and ->private == its cache; the slab
 *    is a naturally aligned buddy block of cache->order, so the head frame
 *    of any object is found by rounding its pfn down;
 *  - the head's ->owner is the slab's free list, ->index its objects in
 *    use; a slab is on exactly one of its cache's lists: partial
 *    (0 < inuse < objs), full (inuse == objs) or empty (inuse == 0);
 *  - at most SLAB_EMPTY_MAX slabs sit on the empty list;
 *  - every free object of a poisoned cache holds 0x6b outside its free
 *    pointer.
 *
 * How it works, and why this shape.
 *
 * The design is SLUB's, minus what one CPU and no locks make pointless.  A
 * slab is one buddy block cut into equal objects; free objects are chained
 * through a free pointer stored in the object itself, so a slab needs no
 * header and no bitmap, and allocation and free are a pointer pop and push.
 * All per-slab state lives in the head frame's struct page, as in Linux,
 * which makes mm_kfree() possible from the address alone: virt_to_page()
 * finds a frame, ->private names the cache, and the cache's order finds the
 * head.  We keep SLUB's three kinds of slab, but as plain per-cache lists
 * (there is no per-CPU "frozen" slab: with one CPU and no preemption it
 * would only add a state): allocation takes from the first partial slab,
 * then from an empty one, and only then asks buddy for a new slab.
 * Freeing the last object of a slab moves it to the empty list, and once
 * more than SLAB_EMPTY_MAX are empty the oldest goes back to buddy, so a
 * burst of frees returns memory without making the next burst of
 * allocations pay for fresh slabs.
 *
 * The free pointer sits at offset 0 of a free object, which costs nothing
 * in size; poisoning then covers the rest of the object, and a write after
 * free to the first word is caught when the corrupted pointer fails the
 * range check on the next allocation.  A cache with a constructor must
 * keep its objects intact while free, so as in SLUB its free pointer goes
 * after the object and it is not poisoned.
 *
 * The slab order is chosen like SLUB's calc_slab_order(): the smallest
 * order (up to SLAB_MAX_ORDER) that holds at least min_objects objects while
 * wasting at most 1/16 of the slab, relaxing the waste to 1/8 and 1/4 and
 * then halving min_objects (which starts at 8, Linux's value for one CPU)
 * until something fits.
 *
 * With MM_DEBUG, allocation verifies the poison of the object it hands out
 * and freeing walks the slab's free list to catch double frees.
 */
#include "slab.h"
#include "buddy.h"

#define SLAB_CACHE_MAGIC	0x51abcac4u
#define SLAB_MIN_OBJECTS	8

static struct list_head slab_caches;		/* every live cache */
static struct slab_cache slab_cache_boot;	/* caches of struct slab_cache */

static const struct {
	size_t size;
	const char *name;
} kmalloc_info[] = {
	{ 8, "kmalloc-8" },	{ 16, "kmalloc-16" },	{ 32, "kmalloc-32" },
	{ 64, "kmalloc-64" },	{ 96, "kmalloc-96" },	{ 128, "kmalloc-128" },
	{ 192, "kmalloc-192" },	{ 256, "kmalloc-256" },	{ 512, "kmalloc-512" },
	{ 1024, "kmalloc-1k" },	{ 2048, "kmalloc-2k" },	{ 4096, "kmalloc-4k" },
	{ 8192, "kmalloc-8k" },
};

#define NR_KMALLOC	MM_ARRAY_SIZE(kmalloc_info)
_Static_assert(MM_KMALLOC_MAX == 8192, "kmalloc_info must end at MM_KMALLOC_MAX");

static struct slab_cache kmalloc_caches[NR_KMALLOC];

/* ------------------------------------------------------------------ */
/* Objects and free pointers                                           */
/* ------------------------------------------------------------------ */

static void *slab_base(const struct page *head)
{
	return page_address(head);
}

static void *fp_get(const struct slab_cache *c, const void *obj)
{
	void *next;

	mm_memcpy(&next, (const char *)obj + c->fp_offset, sizeof(next));
	return next;
}

static void fp_set(const struct slab_cache *c, void *obj, void *next)
{
	mm_memcpy((char *)obj + c->fp_offset, &next, sizeof(next));
}

/* Is @obj the start of an object of the slab at @head? */
static bool slab_obj_valid(const struct slab_cache *c, const struct page *head,
			   const void *obj)
{
	uintptr_t base = (uintptr_t)slab_base(head);
	uintptr_t p = (uintptr_t)obj;

	return p >= base && (p - base) % c->size == 0 &&
	       (p - base) / c->size < c->objs_per_slab;
}

/* The byte range of a free object that holds poison: [start, object_size). */
static size_t poison_start(const struct slab_cache *c)
{
	return c->fp_offset == 0 ? sizeof(void *) : 0;
}

static void obj_poison(const struct slab_cache *c, void *obj)
{
	size_t start = poison_start(c);

	if (c->poison && start < c->object_size)
		mm_memset((char *)obj + start, SLAB_POISON_FREE,
			  c->object_size - start);
}

#ifdef MM_DEBUG
static bool obj_poison_intact(const struct slab_cache *c, const void *obj)
{
	const unsigned char *p = obj;

	if (!c->poison)
		return true;
	for (size_t i = poison_start(c); i < c->object_size; i++)
		if (p[i] != SLAB_POISON_FREE)
			return false;
	return true;
}
#endif

/* ------------------------------------------------------------------ */
/* Cache geometry                                                      */
/* ------------------------------------------------------------------ */

static bool order_fits(size_t size, unsigned int order,
		       unsigned int min_objects, unsigned int fraction)
{
	size_t slab_bytes = PAGE_SIZE << order;
	size_t n = slab_bytes / size;

	return n >= min_objects && (slab_bytes - n * size) * fraction <= slab_bytes;
}

/* See the essay at the top: SLUB's calc_slab_order() search. */
static unsigned int slab_order_calc(size_t size)
{
	for (unsigned int min = SLAB_MIN_OBJECTS; min >= 1; min /= 2)
		for (unsigned int fraction = 16; fraction >= 4; fraction /= 2)
			for (unsigned int o = 0; o <= SLAB_MAX_ORDER; o++)
				if (order_fits(size, o, min, fraction))
					return o;
	for (unsigned int o = 0; o <= SLAB_MAX_ORDER; o++)
		if ((PAGE_SIZE << o) >= size)
			return o;
	return SLAB_MAX_ORDER;
}

static void name_copy(char *dst, const char *src)
{
	size_t i;

	for (i = 0; i + 1 < SLAB_NAME_MAX && src && src[i]; i++)
		dst[i] = src[i];
	dst[i] = '\0';
}

static int cache_args_check(size_t size, size_t align)
{
	if (size == 0 || size > MM_KMALLOC_MAX)
		return -EINVAL;
	if (align && (!MM_IS_POW2(align) || align > PAGE_SIZE))
		return -EINVAL;
	return 0;
}

/* Fill in a cache descriptor; arguments already checked. */
static void cache_setup(struct slab_cache *c, const char *name, size_t size,
			size_t align, void (*ctor)(void *obj))
{
	mm_memset(c, 0, sizeof(*c));
	c->magic = SLAB_CACHE_MAGIC;
	name_copy(c->name, name);
	c->object_size = size;
	c->align = MM_MAX(align, sizeof(void *));
	c->ctor = ctor;
	c->poison = (ctor == NULL);
	if (ctor) {
		c->fp_offset = MM_ALIGN_UP(size, sizeof(void *));
		c->size = c->fp_offset + sizeof(void *);
	} else {
		c->fp_offset = 0;
		c->size = MM_MAX(size, sizeof(void *));
	}
	c->size = MM_ALIGN_UP(c->size, c->align);
	c->order = slab_order_calc(c->size);
	c->objs_per_slab = (unsigned int)((PAGE_SIZE << c->order) / c->size);
	list_init(&c->partial);
	list_init(&c->full);
	list_init(&c->empty);
	list_add(&c->cache_list, &slab_caches);
}

/* ------------------------------------------------------------------ */
/* Slabs                                                               */
/* ------------------------------------------------------------------ */

/* Chain every object of a fresh slab, lowest address first. */
static void slab_objects_init(struct slab_cache *c, struct page *head)
{
	char *base = slab_base(head);
	void *next = NULL;

	for (unsigned int i = c->objs_per_slab; i-- > 0;) {
		void *obj = base + (size_t)i * c->size;

		if (c->ctor)
			c->ctor(obj);
		else
			obj_poison(c, obj);
		fp_set(c, obj, next);
		next = obj;
	}
	head->owner = next;
	head->index = 0;
}

static struct page *slab_new(struct slab_cache *c, unsigned gfp)
{
	struct page *head = buddy_alloc(gfp & ~MM_GFP_ZERO, c->order);

	if (!head)
		return NULL;
	for (unsigned long i = 0; i < (1UL << c->order); i++) {
		page_set(&head[i], PG_slab);
		head[i].private = (uint64_t)(uintptr_t)c;
	}
	head->order = (uint8_t)c->order;
	slab_objects_init(c, head);
	c->stat.slab_alloc++;
	return head;
}

/* Give an empty slab, already off its list, back to buddy. */
static void slab_release(struct slab_cache *c, struct page *head)
{
	MM_ASSERT(head->index == 0);
	for (unsigned long i = 0; i < (1UL << c->order); i++) {
		page_clear(&head[i], PG_slab);
		head[i].private = 0;
	}
	head->owner = NULL;
	c->stat.slab_free++;
	buddy_free(head, c->order);
}

/* The head frame of the slab holding @obj; asserts it is @c's. */
static struct page *slab_head_of(const struct slab_cache *c, const void *obj)
{
	struct page *page = virt_to_page(obj);
	pfn_t pfn = page_to_pfn(page);

	MM_ASSERT(pfn_valid(pfn) && page_has(page, PG_slab));
	MM_ASSERT(page->private == (uint64_t)(uintptr_t)c);
	return pfn_to_page(pfn & ~(((pfn_t)1 << c->order) - 1));
}

/* A slab to allocate from, moved onto the partial list; NULL if none. */
static struct page *slab_pick(struct slab_cache *c, unsigned gfp)
{
	struct page *head;

	if (!list_empty(&c->partial))
		return list_first_entry(&c->partial, struct page, lru);
	if (!list_empty(&c->empty)) {
		head = list_first_entry(&c->empty, struct page, lru);
		list_move(&head->lru, &c->partial);
		c->nr_empty--;
		c->nr_partial++;
		return head;
	}
	head = slab_new(c, gfp);
	if (head) {
		list_add(&head->lru, &c->partial);
		c->nr_partial++;
	}
	return head;
}

/* Trim the empty list to SLAB_EMPTY_MAX, releasing the oldest slabs. */
static void slab_empty_trim(struct slab_cache *c, unsigned long keep)
{
	while (c->nr_empty > keep) {
		struct page *head = list_last_entry(&c->empty, struct page, lru);

		list_del(&head->lru);
		c->nr_empty--;
		slab_release(c, head);
	}
}

#ifdef MM_DEBUG
static bool slab_freelist_contains(const struct slab_cache *c,
				   const struct page *head, const void *obj)
{
	unsigned int n = 0;

	for (void *p = head->owner; p && n <= c->objs_per_slab; p = fp_get(c, p), n++)
		if (p == obj)
			return true;
	return false;
}
#endif

/* ------------------------------------------------------------------ */
/* Public cache API                                                    */
/* ------------------------------------------------------------------ */

void slab_init(void)
{
	list_init(&slab_caches);
	cache_setup(&slab_cache_boot, "slab_cache", sizeof(struct slab_cache),
		    0, NULL);
	slab_cache_boot.builtin = true;
	for (size_t i = 0; i < NR_KMALLOC; i++) {
		cache_setup(&kmalloc_caches[i], kmalloc_info[i].name,
			    kmalloc_info[i].size, 0, NULL);
		kmalloc_caches[i].builtin = true;
	}
}

struct slab_cache *slab_cache_create(const char *name, size_t size,
				     size_t align, void (*ctor)(void *obj))
{
	struct slab_cache *c;

	if (cache_args_check(size, align))
		return NULL;
	c = slab_alloc(&slab_cache_boot);
	if (c)
		cache_setup(c, name, size, align, ctor);
	return c;
}

int slab_cache_destroy(struct slab_cache *cache)
{
	MM_ASSERT(cache->magic == SLAB_CACHE_MAGIC);
	if (cache->builtin)
		return -EINVAL;
	if (cache->active_objs)
		return -EBUSY;
	MM_ASSERT(cache->nr_partial == 0 && cache->nr_full == 0);
	slab_empty_trim(cache, 0);
	list_del(&cache->cache_list);
	cache->magic = 0;
	slab_free(&slab_cache_boot, cache);
	return 0;
}

void *slab_alloc(struct slab_cache *cache)
{
	return slab_alloc_gfp(cache, MM_GFP_KERNEL);
}

void *slab_alloc_gfp(struct slab_cache *cache, unsigned gfp)
{
	struct page *head;
	void *obj, *next;

	MM_ASSERT(cache->magic == SLAB_CACHE_MAGIC);
	head = slab_pick(cache, gfp);
	if (!head)
		return NULL;
	obj = head->owner;
	next = fp_get(cache, obj);
	MM_ASSERT(next == NULL || slab_obj_valid(cache, head, next));
#ifdef MM_DEBUG
	MM_ASSERT(obj_poison_intact(cache, obj));
#endif
	head->owner = next;
	if (++head->index == cache->objs_per_slab) {
		list_move(&head->lru, &cache->full);
		cache->nr_partial--;
		cache->nr_full++;
	}
	cache->active_objs++;
	cache->stat.alloc++;
	if (gfp & MM_GFP_ZERO)
		mm_memset(obj, 0, cache->object_size);
	return obj;
}

/* Put a slab whose in-use count just dropped on the list it now belongs on. */
static void slab_relist_after_free(struct slab_cache *c, struct page *head,
				   bool was_full)
{
	if (head->index == 0) {
		list_move(&head->lru, &c->empty);
		if (was_full)
			c->nr_full--;
		else
			c->nr_partial--;
		c->nr_empty++;
		slab_empty_trim(c, SLAB_EMPTY_MAX);
	} else if (was_full) {
		list_move(&head->lru, &c->partial);
		c->nr_full--;
		c->nr_partial++;
	}
}

void slab_free(struct slab_cache *cache, void *obj)
{
	struct page *head;
	bool was_full;

	MM_ASSERT(cache->magic == SLAB_CACHE_MAGIC && obj != NULL);
	head = slab_head_of(cache, obj);
	MM_ASSERT(slab_obj_valid(cache, head, obj));
	MM_ASSERT(head->index > 0);
#ifdef MM_DEBUG
	MM_ASSERT(!slab_freelist_contains(cache, head, obj));	/* double free */
#endif
	obj_poison(cache, obj);
	fp_set(cache, obj, head->owner);
	head->owner = obj;
	was_full = head->index == cache->objs_per_slab;
	head->index--;
	cache->active_objs--;
	cache->stat.free++;
	slab_relist_after_free(cache, head, was_full);
}

unsigned long slab_cache_shrink(struct slab_cache *cache)
{
	unsigned long pages = cache->nr_empty << cache->order;

	MM_ASSERT(cache->magic == SLAB_CACHE_MAGIC);
	slab_empty_trim(cache, 0);
	return pages;
}

unsigned long slab_shrink_all(void)
{
	struct slab_cache *c;
	unsigned long pages = 0;

	list_for_each_entry(c, &slab_caches, cache_list)
		pages += slab_cache_shrink(c);
	return pages;
}

/* ------------------------------------------------------------------ */
/* Validation                                                          */
/* ------------------------------------------------------------------ */

enum slab_state { SLAB_PARTIAL, SLAB_FULL, SLAB_EMPTY };

static int slab_freelist_check(const struct slab_cache *c,
			       const struct page *head)
{
	unsigned int n = 0;

	for (void *p = head->owner; p; p = fp_get(c, p)) {
		MM_CHECK(slab_obj_valid(c, head, p));
		MM_CHECK(++n <= c->objs_per_slab);
#ifdef MM_DEBUG
		MM_CHECK(obj_poison_intact(c, p));
#endif
	}
	MM_CHECK(n == c->objs_per_slab - head->index);
	return 0;
}

static int slab_page_check(const struct slab_cache *c, const struct page *head,
			   enum slab_state state)
{
	pfn_t pfn = page_to_pfn(head);

	MM_CHECK(head >= mem_map && head < mem_map + mem_map_npages);
	MM_CHECK((pfn & (((pfn_t)1 << c->order) - 1)) == 0);
	MM_CHECK(pfn_valid(pfn + ((pfn_t)1 << c->order) - 1));
	MM_CHECK(head->order == c->order && head->refcount == 1);
	for (unsigned long i = 0; i < (1UL << c->order); i++) {
		MM_CHECK(page_has(&head[i], PG_slab));
		MM_CHECK(!page_has(&head[i], PG_buddy | PG_reserved));
		MM_CHECK(head[i].private == (uint64_t)(uintptr_t)c);
	}
	MM_CHECK(head->index <= c->objs_per_slab);
	MM_CHECK(state != SLAB_EMPTY || head->index == 0);
	MM_CHECK(state != SLAB_FULL || head->index == c->objs_per_slab);
	MM_CHECK(state != SLAB_PARTIAL ||
		 (head->index > 0 && head->index < c->objs_per_slab));
	return slab_freelist_check(c, head);
}

static int slab_list_check(const struct slab_cache *c,
			   const struct list_head *list, unsigned long nr,
			   enum slab_state state, unsigned long *inuse)
{
	const struct page *head;
	size_t n;

	MM_CHECK_CALL(list_check(list, mem_map_npages, &n));
	MM_CHECK(n == nr);
	list_for_each_entry(head, list, lru) {
		MM_CHECK_CALL(slab_page_check(c, head, state));
		*inuse += head->index;
	}
	return 0;
}

int slab_check(const struct slab_cache *cache)
{
	unsigned long inuse = 0;

	MM_CHECK(cache->magic == SLAB_CACHE_MAGIC);
	MM_CHECK(cache->size >= cache->object_size && cache->size % cache->align == 0);
	MM_CHECK(cache->objs_per_slab >= 1 && cache->order <= SLAB_MAX_ORDER);
	MM_CHECK(cache->nr_empty <= SLAB_EMPTY_MAX);
	MM_CHECK_CALL(slab_list_check(cache, &cache->partial, cache->nr_partial,
				      SLAB_PARTIAL, &inuse));
	MM_CHECK_CALL(slab_list_check(cache, &cache->full, cache->nr_full,
				      SLAB_FULL, &inuse));
	MM_CHECK_CALL(slab_list_check(cache, &cache->empty, cache->nr_empty,
				      SLAB_EMPTY, &inuse));
	MM_CHECK(inuse == cache->active_objs);
	return 0;
}

int slab_check_all(void)
{
	const struct slab_cache *c;
	size_t n;

	MM_CHECK_CALL(list_check(&slab_caches, mem_map_npages + NR_KMALLOC + 1, &n));
	list_for_each_entry(c, &slab_caches, cache_list)
		MM_CHECK_CALL(slab_check(c));
	return 0;
}

/* ------------------------------------------------------------------ */
/* kmalloc                                                             */
/* ------------------------------------------------------------------ */

static struct slab_cache *kmalloc_cache_for(size_t size)
{
	for (size_t i = 0; i < NR_KMALLOC; i++)
		if (size <= kmalloc_info[i].size)
			return &kmalloc_caches[i];
	return NULL;
}

void *mm_kmalloc(size_t size)
{
	return mm_kmalloc_gfp(size, MM_GFP_KERNEL);
}

void *mm_kmalloc_gfp(size_t size, unsigned gfp)
{
	struct slab_cache *c;

	if (size == 0 || size > MM_KMALLOC_MAX)
		return NULL;
	c = kmalloc_cache_for(size);
	return slab_alloc_gfp(c, gfp);
}

static struct slab_cache *slab_cache_of(const void *ptr)
{
	const struct page *page = virt_to_page(ptr);
	struct slab_cache *c;

	MM_ASSERT(pfn_valid(page_to_pfn(page)) && page_has(page, PG_slab));
	c = (struct slab_cache *)(uintptr_t)page->private;
	MM_ASSERT(c && c->magic == SLAB_CACHE_MAGIC);
	return c;
}

void mm_kfree(void *ptr)
{
	if (ptr)
		slab_free(slab_cache_of(ptr), ptr);
}

size_t mm_ksize(const void *ptr)
{
	return slab_cache_of(ptr)->object_size;
}

/* ------------------------------------------------------------------ */
/* /proc/slabinfo                                                      */
/* ------------------------------------------------------------------ */

static void slabinfo_line(struct mm_buf *b, const struct slab_cache *c)
{
	unsigned long slabs = c->nr_partial + c->nr_full + c->nr_empty;
	unsigned long active_slabs = c->nr_partial + c->nr_full;

	mm_buf_puts_w(b, c->name, -17);
	mm_buf_putc(b, ' ');
	mm_buf_putu_w(b, c->active_objs, 6);
	mm_buf_putc(b, ' ');
	mm_buf_putu_w(b, slabs * c->objs_per_slab, 6);
	mm_buf_putc(b, ' ');
	mm_buf_putu_w(b, c->size, 6);
	mm_buf_putc(b, ' ');
	mm_buf_putu_w(b, c->objs_per_slab, 4);
	mm_buf_putc(b, ' ');
	mm_buf_putu_w(b, 1UL << c->order, 4);
	mm_buf_puts(b, " : tunables ");
	mm_buf_puts(b, "   0    0    0");
	mm_buf_puts(b, " : slabdata ");
	mm_buf_putu_w(b, active_slabs, 6);
	mm_buf_putc(b, ' ');
	mm_buf_putu_w(b, slabs, 6);
	mm_buf_putc(b, ' ');
	mm_buf_putu_w(b, 0, 6);
	mm_buf_putc(b, '\n');
}

int slabinfo_format(char *buf, size_t len)
{
	const struct slab_cache *c;
	struct mm_buf b;

	mm_buf_init(&b, buf, len);
	mm_buf_puts(&b, "slabinfo - version: 2.1\n");
	mm_buf_puts(&b, "# name            <active_objs> <num_objs> <objsize> "
		    "<objperslab> <pagesperslab> : tunables <limit> "
		    "<batchcount> <sharedfactor> : slabdata <active_slabs> "
		    "<num_slabs> <sharedavail>\n");
	list_for_each_entry(c, &slab_caches, cache_list)
		slabinfo_line(&b, c);
	return mm_buf_finish(&b);
}

/* Pages held by every slab cache (meminfo's Slab). */
unsigned long slab_total_pages(void)
{
	struct slab_cache *c;
	unsigned long pages = 0;

	list_for_each_entry(c, &slab_caches, cache_list)
		pages += (c->nr_partial + c->nr_full + c->nr_empty) << c->order;
	return pages;
}
