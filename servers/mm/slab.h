/*
 * slab.h - object caches on top of the buddy allocator, and kmalloc-style
 * size classes (8 bytes .. 8 KiB) for the mm server's own data.
 *
 * Call slab_init() once after zones_init(); it (re)creates the built-in
 * caches and forgets every other cache.  Caches are not thread-safe; the
 * server is single-threaded.
 */
#ifndef MM_SLAB_H
#define MM_SLAB_H

#include "mm_types.h"
#include "page.h"

#define SLAB_NAME_MAX		32
#define SLAB_MAX_ORDER		3	/* PAGE_ALLOC_COSTLY_ORDER */
#define SLAB_EMPTY_MAX		2	/* empty slabs kept per cache */
#define SLAB_POISON_FREE	0x6b	/* Linux's POISON_FREE */
#define MM_KMALLOC_MAX		8192

struct slab_cache_counters {
	uint64_t alloc;			/* objects handed out */
	uint64_t free;			/* objects given back */
	uint64_t slab_alloc;		/* slabs taken from buddy */
	uint64_t slab_free;		/* slabs given back to buddy */
};

struct slab_cache {
	uint32_t magic;			/* SLAB_CACHE_MAGIC while alive */
	char name[SLAB_NAME_MAX];
	size_t object_size;		/* what the creator asked for */
	size_t size;			/* stride between objects */
	size_t align;
	size_t fp_offset;		/* free pointer offset in a free object */
	unsigned int order;		/* each slab is 2^order pages */
	unsigned int objs_per_slab;
	bool poison;			/* fill freed objects with 0x6b */
	bool builtin;			/* created by slab_init(), never destroyed */
	void (*ctor)(void *obj);
	struct list_head partial;	/* some objects free */
	struct list_head full;		/* no objects free */
	struct list_head empty;		/* all objects free, at most SLAB_EMPTY_MAX */
	unsigned long nr_partial, nr_full, nr_empty;
	unsigned long active_objs;
	struct list_head cache_list;	/* on the list slabinfo walks */
	struct slab_cache_counters stat;
};

/* Reset the slab layer and create the built-in caches. */
void slab_init(void);

/*
 * A cache of @size-byte objects aligned to @align (0 = pointer size; else a
 * power of two <= PAGE_SIZE).  @ctor, if any, runs once per object when its
 * slab is created, and objects must be freed in their constructed state.
 * NULL on bad arguments or no memory.  @name is copied.
 */
struct slab_cache *slab_cache_create(const char *name, size_t size,
				     size_t align, void (*ctor)(void *obj));

/* 0, -EBUSY if objects are still allocated, -EINVAL for a built-in cache. */
int slab_cache_destroy(struct slab_cache *cache);

void *slab_alloc(struct slab_cache *cache);	/* gfp MM_GFP_KERNEL */
void *slab_alloc_gfp(struct slab_cache *cache, unsigned gfp);
void slab_free(struct slab_cache *cache, void *obj);

/* Give every empty slab back to buddy; returns pages freed. */
unsigned long slab_cache_shrink(struct slab_cache *cache);
/* The same for every cache (a reclaim hook later). */
unsigned long slab_shrink_all(void);

/* Validate one cache / every cache: 0 or -EUCLEAN. */
int slab_check(const struct slab_cache *cache);
int slab_check_all(void);

/* kmalloc: sizes 1..MM_KMALLOC_MAX; NULL for 0 or larger sizes. */
void *mm_kmalloc(size_t size);
void *mm_kmalloc_gfp(size_t size, unsigned gfp);
void mm_kfree(void *ptr);		/* any slab object; NULL is a no-op */
size_t mm_ksize(const void *ptr);	/* usable size of a slab object */

/* /proc/slabinfo text: length written, or -ENOSPC if truncated. */
int slabinfo_format(char *buf, size_t len);
unsigned long slab_total_pages(void);

#endif /* MM_SLAB_H */
