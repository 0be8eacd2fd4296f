/*
 * object.c - what backs a VMA other than private anonymous memory: boot
 * module segments (private, copied on first touch) and shared anonymous
 * memory (one set of frames for every mapper, kept by the object).
 *
 * Objects are reference-counted by the VMAs that use them; splitting a VMA
 * or forking a context takes another reference.  A shared object holds one
 * reference to each of its frames; each page-map entry mapping such a frame
 * holds another (PME_SHARED), so a frame lives while either does.
 */
#include <string.h>
#include "mm.h"

static struct slab_cache *obj_cache;

static struct mm_object *obj_alloc(enum mm_obj_type type)
{
	struct mm_object *o;

	if (!obj_cache &&
	    !(obj_cache = slab_cache_create("mm_object",
					    sizeof(struct mm_object), 0, NULL)))
		return NULL;
	o = slab_alloc(obj_cache);
	if (o) {
		memset(o, 0, sizeof(*o));
		o->type = type;
	}
	return o;
}

struct mm_object *obj_module_new(const uint8_t *data, uint64_t size,
				  vaddr_t vstart)
{
	struct mm_object *o = obj_alloc(OBJ_MODULE);

	if (o) {
		o->data = data;
		o->size = size;
		o->vstart = vstart;
	}
	return o;
}

struct mm_object *obj_shmem_new(void)
{
	struct mm_object *o = obj_alloc(OBJ_SHMEM);

	if (o)
		pagemap_init(&o->pages);
	return o;
}

struct mm_object *obj_file_new(uint64_t ino, uint64_t gen)
{
	struct mm_object *o = obj_alloc(OBJ_FILE);

	if (o) {
		pagemap_init(&o->pages);
		o->ino = ino;
		o->gen = gen;
	}
	return o;
}

/*
 * A shared object holding the frames [p, p + npages) (their references
 * pass to it); NULL, with the frames freed, if it cannot be made.
 */
struct mm_object *obj_shmem_of_block(struct page *p, uint64_t npages)
{
	struct mm_object *o = obj_shmem_new();
	uint64_t i = 0;

	for (; o && i < npages; i++) {
		uint64_t *e = pagemap_slot(&o->pages, i << PAGE_SHIFT, true);

		if (!e)
			break;
		*e = pme_make(page_to_pfn(p + i), PME_PRESENT);
		o->resident++;
		mm_stats.shmem_pages++;
	}
	if (o && i == npages)
		return o;
	for (; i < npages; i++)
		frame_put(p + i);
	if (o) {
		obj_get(o);
		obj_put(o);		/* frees the frames it took */
	}
	return NULL;
}

void obj_get(struct mm_object *o)
{
	o->refs++;
}

static void shmem_release(vaddr_t off, uint64_t e, void *arg)
{
	struct mm_object *o = arg;

	(void)off;
	if (e & PME_PRESENT) {
		frame_put(pfn_to_page(pme_pfn(e)));
		o->resident--;
		mm_stats.shmem_pages--;
	}
}

/* Drop a reference; an object with none left is freed (refs 0 at
 * creation: the first VMA takes the first reference). */
void obj_put(struct mm_object *o)
{
	if (--o->refs > 0)
		return;
	if (o->type == OBJ_SHMEM)
		pagemap_destroy(&o->pages, shmem_release, o);
	if (o->type == OBJ_FILE) {
		file_obj_unused(o);	/* file.c keeps it cached, or frees it */
		return;
	}
	slab_free(obj_cache, o);
}

/* Free an object nothing refers to (file.c, for its cached files). */
void obj_free(struct mm_object *o)
{
	slab_free(obj_cache, o);
}

/* The frame at page `index` of a shared object, created zeroed if new. */
struct page *shmem_page(struct mm_object *o, uint64_t index)
{
	uint64_t *e = pagemap_slot(&o->pages, index << PAGE_SHIFT, true);
	struct page *p;

	if (!e)
		return NULL;
	if (*e & PME_PRESENT)
		return pfn_to_page(pme_pfn(*e));
	p = frame_alloc_zeroed();
	if (!p)
		return NULL;
	p->index = index;
	*e = pme_make(page_to_pfn(p), PME_PRESENT);
	o->resident++;
	mm_stats.shmem_pages++;
	return p;
}
