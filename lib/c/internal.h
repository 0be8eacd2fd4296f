/*
 * internal.h - interfaces shared between lib/c files, not part of the
 * public headers.
 */
#ifndef LIBC_INTERNAL_H
#define LIBC_INTERNAL_H

#include <stdarg.h>
#include <stddef.h>

#include "lc.h"

/*
 * Where the formatting engine sends its output.  put() receives every
 * piece of output in order; it may drop bytes (snprintf past the end of
 * its buffer) but the engine still counts them, because the printf family
 * returns the length the full output would have.
 */
struct fmt_sink {
	void (*put)(struct fmt_sink *sink, const char *s, size_t n);
};

/*
 * Formats fmt with ap into sink.  Returns the number of bytes produced,
 * or -EOVERFLOW if that exceeds INT_MAX.
 */
int fmt_vformat(struct fmt_sink *sink, const char *fmt, va_list ap);

/*
 * Walks every heap structure malloc owns and checks its invariants;
 * returns 0 or -EFAULT with a one-line reason on stderr.  For tests.
 */
int LC(malloc_check)(void);

#endif /* LIBC_INTERNAL_H */
