/*
 * mm_types.h - portability shims shared by every mm server source file.
 *
 * The mm core (buddy, slab, VMA tree) builds two ways: freestanding inside
 * the pager server, with no libc at all, and natively for host unit tests
 * under ASan/UBSan (MM_HOST_TEST defined).  This header is the only place
 * that knows the difference.  It owns: the scalar address types, the
 * intrusive doubly linked list, MM_ASSERT/MM_CHECK, the Linux errno values
 * we return, and a tiny bounded text formatter used by the /proc-style
 * dumps (buddyinfo, slabinfo) so that no printf is needed.
 *
 * Invariants: a list_head is never left half-linked; list_del poisons the
 * removed entry's links so that a second list_del or a walk through a stale
 * entry faults immediately instead of corrupting a neighbour.
 *
 * The server must define mm_panic(); host tests get assert() instead.
 */
#ifndef MM_TYPES_H
#define MM_TYPES_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

typedef uint64_t pfn_t;		/* physical frame number */
typedef uint64_t paddr_t;	/* physical byte address */
typedef uint64_t vaddr_t;	/* virtual byte address in a client space */

#define PAGE_SHIFT	12
#define PAGE_SIZE	(1UL << PAGE_SHIFT)
#define PAGE_MASK	(~(PAGE_SIZE - 1))

#define MM_ALIGN_UP(x, a)	(((x) + ((a) - 1)) & ~((__typeof__(x))(a) - 1))
#define MM_ALIGN_DOWN(x, a)	((x) & ~((__typeof__(x))(a) - 1))
#define MM_IS_POW2(x)		((x) != 0 && ((x) & ((x) - 1)) == 0)
#define MM_MIN(a, b)		((a) < (b) ? (a) : (b))
#define MM_MAX(a, b)		((a) > (b) ? (a) : (b))
#define MM_ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

/* Linux errno values; guarded so a host test may also include <errno.h>. */
#ifndef ENOENT
#define ENOENT		2
#endif
#ifndef ENOMEM
#define ENOMEM		12
#endif
#ifndef EBUSY
#define EBUSY		16
#endif
#ifndef EEXIST
#define EEXIST		17
#endif
#ifndef EINVAL
#define EINVAL		22
#endif
#ifndef ENOSPC
#define ENOSPC		28
#endif
#ifndef ERANGE
#define ERANGE		34
#endif
#ifndef EUCLEAN
#define EUCLEAN		117	/* "structure needs cleaning": a *_check() failed */
#endif

#define mm_memset(d, c, n)	__builtin_memset((d), (c), (n))
#define mm_memcpy(d, s, n)	__builtin_memcpy((d), (s), (n))

/* ------------------------------------------------------------------ */
/* Assertions and validators                                           */
/* ------------------------------------------------------------------ */

void mm_panic(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));

#ifdef MM_HOST_TEST
#include <assert.h>
#include <stdio.h>
#define MM_ASSERT(x)	assert(x)
#define MM_CHECK_REPORT(expr, file, line) \
	fprintf(stderr, "%s:%d: check failed: %s\n", (file), (line), (expr))
#else
#define MM_ASSERT(x)							\
	do {								\
		if (__builtin_expect(!(x), 0))				\
			mm_panic("assertion failed: %s (%s:%d)",	\
				 #x, __FILE__, __LINE__);		\
	} while (0)
/* A failed validator in the server means allocator state is corrupt. */
#define MM_CHECK_REPORT(expr, file, line) \
	mm_panic("check failed: %s (%s:%d)", (expr), (file), (line))
#endif

/*
 * MM_CHECK - one clause of a *_check() validator.  Reports the failed
 * expression and makes the enclosing int function return -EUCLEAN.
 */
#define MM_CHECK(x)							\
	do {								\
		if (__builtin_expect(!(x), 0)) {			\
			MM_CHECK_REPORT(#x, __FILE__, __LINE__);	\
			return -EUCLEAN;				\
		}							\
	} while (0)

/* Propagate a failed sub-check. */
#define MM_CHECK_CALL(call)						\
	do {								\
		int mm_check_err_ = (call);				\
		if (mm_check_err_)					\
			return mm_check_err_;				\
	} while (0)

/* ------------------------------------------------------------------ */
/* Intrusive doubly linked list (Linux list.h subset)                  */
/* ------------------------------------------------------------------ */

#define container_of(ptr, type, member) \
	((type *)((char *)(ptr) - offsetof(type, member)))

struct list_head {
	struct list_head *next, *prev;
};

#define LIST_POISON_NEXT	((struct list_head *)0xdead000000000100ULL)
#define LIST_POISON_PREV	((struct list_head *)0xdead000000000122ULL)

static inline void list_init(struct list_head *head)
{
	head->next = head;
	head->prev = head;
}

static inline void list_link_between(struct list_head *entry,
				     struct list_head *prev,
				     struct list_head *next)
{
	next->prev = entry;
	entry->next = next;
	entry->prev = prev;
	prev->next = entry;
}

/* Insert @entry right after @head (stack order). */
static inline void list_add(struct list_head *entry, struct list_head *head)
{
	list_link_between(entry, head, head->next);
}

/* Insert @entry right before @head (queue order). */
static inline void list_add_tail(struct list_head *entry, struct list_head *head)
{
	list_link_between(entry, head->prev, head);
}

static inline void list_del(struct list_head *entry)
{
	entry->next->prev = entry->prev;
	entry->prev->next = entry->next;
	entry->next = LIST_POISON_NEXT;
	entry->prev = LIST_POISON_PREV;
}

static inline void list_move(struct list_head *entry, struct list_head *head)
{
	list_del(entry);
	list_add(entry, head);
}

static inline void list_move_tail(struct list_head *entry, struct list_head *head)
{
	list_del(entry);
	list_add_tail(entry, head);
}

static inline bool list_empty(const struct list_head *head)
{
	return head->next == head;
}

#define list_entry(ptr, type, member)	container_of(ptr, type, member)
#define list_first_entry(head, type, member) \
	list_entry((head)->next, type, member)
#define list_last_entry(head, type, member) \
	list_entry((head)->prev, type, member)

#define list_for_each(pos, head) \
	for (pos = (head)->next; pos != (head); pos = pos->next)

#define list_for_each_entry(pos, head, member)				\
	for (pos = list_entry((head)->next, __typeof__(*pos), member);	\
	     &pos->member != (head);					\
	     pos = list_entry(pos->member.next, __typeof__(*pos), member))

#define list_for_each_entry_safe(pos, n, head, member)			\
	for (pos = list_entry((head)->next, __typeof__(*pos), member),	\
	     n = list_entry(pos->member.next, __typeof__(*pos), member);	\
	     &pos->member != (head);					\
	     pos = n, n = list_entry(n->member.next, __typeof__(*n), member))

/*
 * list_check - validate the links of a whole list and count its entries.
 * Fails if a next/prev pair disagrees or the walk exceeds @max entries
 * (a cycle that does not pass through the head).
 */
static inline int list_check(const struct list_head *head, size_t max,
			     size_t *count)
{
	const struct list_head *pos = head;
	size_t n = 0;

	MM_CHECK(head->next->prev == head && head->prev->next == head);
	for (pos = head->next; pos != head; pos = pos->next) {
		MM_CHECK(pos->next->prev == pos);
		MM_CHECK(++n <= max);
	}
	*count = n;
	return 0;
}

/* ------------------------------------------------------------------ */
/* Bounded text output for /proc-style dumps                           */
/* ------------------------------------------------------------------ */

struct mm_buf {
	char *buf;
	size_t len;		/* capacity including the NUL */
	size_t pos;		/* characters written so far */
	bool overflow;		/* a character did not fit */
};

static inline void mm_buf_init(struct mm_buf *b, char *buf, size_t len)
{
	b->buf = buf;
	b->len = len;
	b->pos = 0;
	b->overflow = (len == 0);
	if (len)
		buf[0] = '\0';
}

static inline void mm_buf_putc(struct mm_buf *b, char c)
{
	if (b->pos + 1 < b->len) {
		b->buf[b->pos++] = c;
		b->buf[b->pos] = '\0';
	} else {
		b->overflow = true;
	}
}

static inline size_t mm_strlen(const char *s)
{
	size_t n = 0;

	while (s[n])
		n++;
	return n;
}

/*
 * Print @s padded to |@width| columns: right-aligned when width > 0
 * (printf "%8s"), left-aligned when width < 0 ("%-17s").
 */
static inline void mm_buf_puts_w(struct mm_buf *b, const char *s, int width)
{
	size_t n = mm_strlen(s);
	size_t w = (size_t)(width < 0 ? -width : width);

	for (; width > 0 && n < w; w--)
		mm_buf_putc(b, ' ');
	for (const char *p = s; *p; p++)
		mm_buf_putc(b, *p);
	for (; width < 0 && n < w; w--)
		mm_buf_putc(b, ' ');
}

static inline void mm_buf_puts(struct mm_buf *b, const char *s)
{
	mm_buf_puts_w(b, s, 0);
}

/* Print @v in decimal, padded like printf's "%<width>lu" / "%-<width>lu". */
static inline void mm_buf_putu_w(struct mm_buf *b, uint64_t v, int width)
{
	char tmp[24];
	int i = (int)sizeof(tmp) - 1;

	tmp[i] = '\0';
	do {
		tmp[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	mm_buf_puts_w(b, &tmp[i], width);
}

/* Finish: the length written, or -ENOSPC if the output was truncated. */
static inline int mm_buf_finish(const struct mm_buf *b)
{
	return b->overflow ? -ENOSPC : (int)b->pos;
}

#endif /* MM_TYPES_H */
