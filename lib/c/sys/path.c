/*
 * path.c - calls that name a file by path and that the file server does
 * not support: there are no permissions to change.  The others (open,
 * stat, unlink, mkdir, ...) are in file.c.
 */
#include <errno.h>
#include <sys/stat.h>
#include <unistd.h>

#include "oslayer.h"

int chmod(const char *path, mode_t mode)
{
	return (int)os_result(-ENOSYS);
}
