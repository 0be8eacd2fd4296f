/*
 * time.h - clocks and sleeping.
 *
 * There is one clock, the kernel's monotonic nanosecond count since boot
 * (SYS_CLOCK); CLOCK_REALTIME reads the same clock, so "wall time"
 * starts at the epoch at every boot.  clock() reports time since the
 * program started, as there is no per-process CPU accounting.
 * Implemented in lib/c/sys/time.c.
 */
#ifndef _TIME_H
#define _TIME_H

#include <stddef.h>
#include <bits/timetypes.h>

#define CLOCKS_PER_SEC	1000000L

#define CLOCK_REALTIME		0
#define CLOCK_MONOTONIC		1
#define CLOCK_MONOTONIC_RAW	4
#define CLOCK_REALTIME_COARSE	5
#define CLOCK_MONOTONIC_COARSE	6
#define CLOCK_BOOTTIME		7

#define TIME_UTC	1

int clock_gettime(clockid_t clk, struct timespec *ts);
int clock_getres(clockid_t clk, struct timespec *res);
int nanosleep(const struct timespec *req, struct timespec *rem);
time_t time(time_t *t);
clock_t clock(void);

#endif /* _TIME_H */
