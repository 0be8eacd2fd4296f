/*
 * kmem.c - the kernel's own objects, from its fixed reservation.
 *
 * At boot the kernel takes one contiguous run of pages for fixed-size
 * tables of threads, tasks, endpoints, notifications and address spaces,
 * and keeps free lists through them.  Running out is an ordinary -ENOMEM
 * for the caller, never a panic.  Freed objects are poisoned so that a
 * stale pointer shows up quickly.
 */
#include "kernel.h"

#define POISON	0x6b

struct pool {
	void *base;
	size_t size, count;
	void *free;			/* singly linked through the objects */
	size_t used;
};

static struct pool threads, tasks, endpoints, notifs, spaces;

static void pool_init(struct pool *p, size_t size, size_t count,
		      paddr_t (*alloc_pages)(size_t))
{
	size_t bytes = size * count;

	p->base = phys_to_virt(alloc_pages((bytes + PAGE_SIZE - 1) / PAGE_SIZE));
	p->size = size;
	p->count = count;
	p->free = NULL;
	for (size_t i = count; i-- > 0;) {
		void **obj = (void **)((char *)p->base + i * size);

		__builtin_memset(obj, POISON, size);
		*obj = p->free;
		p->free = obj;
	}
}

static void *pool_get(struct pool *p)
{
	void **obj = p->free;

	if (!obj)
		return NULL;
	p->free = *obj;
	p->used++;
	__builtin_memset(obj, 0, p->size);
	return obj;
}

static void pool_put(struct pool *p, void *obj)
{
	__builtin_memset(obj, POISON, p->size);
	*(void **)obj = p->free;
	p->free = obj;
	p->used--;
}

static size_t pool_index(const struct pool *p, const void *obj)
{
	return ((const char *)obj - (const char *)p->base) / p->size;
}

void kmem_init(paddr_t (*alloc_pages)(size_t n))
{
	pool_init(&threads, sizeof(struct thread), MAX_THREADS, alloc_pages);
	pool_init(&tasks, sizeof(struct task), MAX_TASKS, alloc_pages);
	pool_init(&endpoints, sizeof(struct endpoint), MAX_ENDPOINTS,
		  alloc_pages);
	pool_init(&notifs, sizeof(struct notif), MAX_NOTIFS, alloc_pages);
	pool_init(&spaces, sizeof(struct as), MAX_AS, alloc_pages);
	/* Task id 0 means "no owner" in the frame table: never hand it out. */
	(void)pool_get(&tasks);
}

struct thread *thread_alloc(void)
{
	struct thread *t = pool_get(&threads);

	if (t)
		t->tid = pool_index(&threads, t) + 1;
	return t;
}

void thread_free(struct thread *t)
{
	pool_put(&threads, t);
}

struct thread *thread_by_tid(uint32_t tid)
{
	struct thread *t;

	if (tid == 0 || tid > MAX_THREADS)
		return NULL;
	t = (struct thread *)((char *)threads.base +
			      (tid - 1) * threads.size);
	return t->tid == tid && t->state != T_FREE ? t : NULL;
}

struct task *task_alloc(void)
{
	struct task *t = pool_get(&tasks);

	if (t)
		t->id = pool_index(&tasks, t);
	return t;
}

struct task *task_by_id(uint32_t id)
{
	struct task *t;

	if (id == 0 || id >= MAX_TASKS)
		return NULL;
	t = (struct task *)((char *)tasks.base + id * tasks.size);
	return t->id == id && t->refs > 0 ? t : NULL;
}

void task_free(struct task *t)
{
	pool_put(&tasks, t);
}

struct endpoint *endpoint_alloc(void) { return pool_get(&endpoints); }
void endpoint_free(struct endpoint *e) { pool_put(&endpoints, e); }
struct notif *notif_alloc(void) { return pool_get(&notifs); }
void notif_free(struct notif *n) { pool_put(&notifs, n); }

struct as *as_alloc(void)
{
	struct as *a = pool_get(&spaces);

	if (a)
		a->pcid = pool_index(&spaces, a) + 1;	/* PCID 0: kernel */
	return a;
}

void as_free(struct as *a)
{
	pool_put(&spaces, a);
}

/* The address space in slot i, or NULL if the slot is free (a freed
 * object is poisoned, so its pcid never matches). */
struct as *as_by_index(size_t i)
{
	struct as *a;

	if (i >= MAX_AS)
		return NULL;
	a = (struct as *)((char *)spaces.base + i * spaces.size);
	return a->pcid == i + 1 ? a : NULL;
}
