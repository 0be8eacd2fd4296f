/*
 * bits/timetypes.h - the time types that <time.h>, <sys/time.h>,
 * <sys/types.h> and <sys/stat.h> all need, defined once here.
 *
 * Layouts are Linux x86-64's, so structures that programs pass around
 * match what code written for Linux expects.
 */
#ifndef _BITS_TIMETYPES_H
#define _BITS_TIMETYPES_H

typedef long time_t;		/* seconds */
typedef long clock_t;		/* CLOCKS_PER_SEC ticks */
typedef long suseconds_t;	/* microseconds, signed */
typedef int clockid_t;

struct timespec {
	time_t tv_sec;
	long tv_nsec;		/* 0 .. 999999999 */
};

struct timeval {
	time_t tv_sec;
	suseconds_t tv_usec;	/* 0 .. 999999 */
};

#endif /* _BITS_TIMETYPES_H */
