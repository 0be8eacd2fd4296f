/*
 * assert.h - run-time assertions.
 *
 * Deliberately without an include guard: as C requires, each inclusion
 * redefines assert() according to whether NDEBUG is defined at that point.
 * A failed assertion reports through __assert_fail (lib/c/assert.c), which
 * prints to stderr and aborts.
 */
#undef assert

#ifdef NDEBUG
#define assert(expr) ((void)0)
#else
#define assert(expr) \
	((expr) ? (void)0 : __assert_fail(#expr, __FILE__, __LINE__, __func__))
#endif

#ifndef _ASSERT_H
#define _ASSERT_H

#ifndef __cplusplus
#define static_assert _Static_assert
#endif

_Noreturn void __assert_fail(const char *expr, const char *file,
			     unsigned int line, const char *func);

#endif /* _ASSERT_H */
