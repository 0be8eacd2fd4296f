/*
 * sysconf.c - the system's fixed limits, as sysconf() reports them.
 *
 * One processor, 4 KiB pages, a 100 Hz clock tick as Linux reports it to
 * user space.  Names this system has no value for fail with EINVAL.
 */
#include <errno.h>
#include <limits.h>
#include <unistd.h>

#include "oslayer.h"

#define SYSCONF_CLK_TCK	100

long sysconf(int name)
{
	switch (name) {
	case _SC_PAGESIZE:
		return (long)OS_PAGE_SIZE;
	case _SC_CLK_TCK:
		return SYSCONF_CLK_TCK;
	case _SC_NPROCESSORS_CONF:
	case _SC_NPROCESSORS_ONLN:
		return 1;
	case _SC_OPEN_MAX:
		return FD_MAX;
	case _SC_ARG_MAX:
		return ARG_MAX;
	default:
		return os_result(-EINVAL);
	}
}

int getpagesize(void)
{
	return (int)OS_PAGE_SIZE;
}
