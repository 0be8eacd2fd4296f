/*
 * sys/time.h - gettimeofday(), on the clock described in <time.h>.
 */
#ifndef _SYS_TIME_H
#define _SYS_TIME_H

#include <sys/types.h>
#include <bits/timetypes.h>

int gettimeofday(struct timeval *restrict tv, void *restrict tz);

#endif /* _SYS_TIME_H */
