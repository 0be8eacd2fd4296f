/*
 * console.c - the console as a kind of file: the kernel's debug console,
 * written with SYS_DEBUG_WRITE and read with SYS_CONSOLE_READ.
 *
 * A write is repeated until every byte is out, since the kernel takes at
 * most CONSOLE_WRITE_MAX bytes per call; a read returns what the first
 * SYS_CONSOLE_READ gives, blocking until there is at least one byte, as
 * a terminal read does.  The console cannot seek, so it has no lseek,
 * pread or pwrite; fstat shows it as a character device, which is what
 * makes isatty() true.
 */
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>

#include <ipc/usys.h>

#include "oslayer.h"

#define CONSOLE_WRITE_MAX	1024
#define CONSOLE_RDEV		((5UL << 8) | 1)	/* /dev/console */

static long console_read(struct file *f, void *buf, size_t n)
{
	if (!n)
		return 0;
	return sys2(SYS_CONSOLE_READ, buf, n);
}

/* Returns the bytes written; an error only if none were. */
static long console_write(struct file *f, const void *buf, size_t n)
{
	const char *p = buf;
	size_t done = 0, chunk;
	long r;

	while (done < n) {
		chunk = n - done;
		if (chunk > CONSOLE_WRITE_MAX)
			chunk = CONSOLE_WRITE_MAX;
		r = sys_debug_write(p + done, chunk);
		if (r <= 0)
			return done ? (long)done : (r ? r : -EIO);
		done += (size_t)r;
	}
	return (long)done;
}

static int console_fstat(struct file *f, struct stat *st)
{
	memset(st, 0, sizeof(*st));
	st->st_mode = S_IFCHR | 0620;
	st->st_nlink = 1;
	st->st_rdev = CONSOLE_RDEV;
	st->st_blksize = CONSOLE_WRITE_MAX;
	return 0;
}

static const struct file_ops console_ops = {
	.kind = "console",
	.read = console_read,
	.write = console_write,
	.fstat = console_fstat,
};

/* Static, so no release op; refs counts descriptors 0-2 of fd.c's table. */
struct file console_file = {
	.ops = &console_ops,
	.flags = O_RDWR,
	.refs = 3,
};
