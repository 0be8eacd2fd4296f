/*
 * path.c - the calls that name a file by path.
 *
 * There is no file server yet, so no path resolves: each fails with
 * ENOSYS (not ENOENT, so that a caller can tell "no file system" from
 * "no such file").  When the file server arrives, these become requests
 * to it and open() in fd.c gains a file kind.
 */
#include <errno.h>
#include <sys/stat.h>
#include <unistd.h>

#include "oslayer.h"

int unlink(const char *path)
{
	return (int)os_result(-ENOSYS);
}

int access(const char *path, int mode)
{
	return (int)os_result(-ENOSYS);
}

int stat(const char *restrict path, struct stat *restrict st)
{
	return (int)os_result(-ENOSYS);
}

int lstat(const char *restrict path, struct stat *restrict st)
{
	return (int)os_result(-ENOSYS);
}

int mkdir(const char *path, mode_t mode)
{
	return (int)os_result(-ENOSYS);
}

int chmod(const char *path, mode_t mode)
{
	return (int)os_result(-ENOSYS);
}
