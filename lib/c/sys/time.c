/*
 * time.c - clocks, sleeping and yielding.
 *
 * One clock underlies everything: SYS_CLOCK, monotonic nanoseconds since
 * boot.  CLOCK_REALTIME reads it too, so wall time is "time since boot"
 * and time() starts near 0 at every boot; there is no real-time clock
 * driver yet.  Sleeps go to SYS_SLEEP, which takes nanoseconds and is
 * never interrupted (there are no signal handlers), so nanosleep never
 * fails with EINTR and leaves nothing remaining.
 */
#include <errno.h>
#include <sched.h>
#include <stdint.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <ipc/usys.h>

#include "oslayer.h"

#define NSEC_PER_SEC	1000000000ULL
#define NSEC_PER_USEC	1000ULL

static uint64_t time_now_ns(void)
{
	return (uint64_t)sys_clock_ns();
}

static int time_clock_valid(clockid_t clk)
{
	switch (clk) {
	case CLOCK_REALTIME:
	case CLOCK_MONOTONIC:
	case CLOCK_MONOTONIC_RAW:
	case CLOCK_REALTIME_COARSE:
	case CLOCK_MONOTONIC_COARSE:
	case CLOCK_BOOTTIME:
		return 1;
	default:
		return 0;
	}
}

/* Sleeps for ns nanoseconds; SYS_SLEEP(0) still yields. */
static void time_sleep_ns(uint64_t ns)
{
	sys1(SYS_SLEEP, ns);
}

int clock_gettime(clockid_t clk, struct timespec *ts)
{
	uint64_t ns;

	if (!time_clock_valid(clk))
		return (int)os_result(-EINVAL);
	ns = time_now_ns();
	ts->tv_sec = (time_t)(ns / NSEC_PER_SEC);
	ts->tv_nsec = (long)(ns % NSEC_PER_SEC);
	return 0;
}

int clock_getres(clockid_t clk, struct timespec *res)
{
	if (!time_clock_valid(clk))
		return (int)os_result(-EINVAL);
	if (res) {
		res->tv_sec = 0;
		res->tv_nsec = 1;
	}
	return 0;
}

int nanosleep(const struct timespec *req, struct timespec *rem)
{
	uint64_t ns;

	if (req->tv_sec < 0 || req->tv_nsec < 0 ||
	    req->tv_nsec >= (long)NSEC_PER_SEC)
		return (int)os_result(-EINVAL);
	if ((uint64_t)req->tv_sec > (UINT64_MAX - req->tv_nsec) / NSEC_PER_SEC)
		ns = UINT64_MAX;
	else
		ns = (uint64_t)req->tv_sec * NSEC_PER_SEC + req->tv_nsec;
	time_sleep_ns(ns);
	if (rem) {
		rem->tv_sec = 0;
		rem->tv_nsec = 0;
	}
	return 0;
}

time_t time(time_t *t)
{
	time_t now = (time_t)(time_now_ns() / NSEC_PER_SEC);

	if (t)
		*t = now;
	return now;
}

/* Time since the program started, for want of CPU time accounting. */
clock_t clock(void)
{
	uint64_t ns = time_now_ns() - libc_start_ns;

	return (clock_t)(ns / (NSEC_PER_SEC / CLOCKS_PER_SEC));
}

int gettimeofday(struct timeval *restrict tv, void *restrict tz)
{
	uint64_t ns = time_now_ns();

	if (tv) {
		tv->tv_sec = (time_t)(ns / NSEC_PER_SEC);
		tv->tv_usec = (suseconds_t)(ns % NSEC_PER_SEC / NSEC_PER_USEC);
	}
	return 0;
}

unsigned int sleep(unsigned int secs)
{
	time_sleep_ns((uint64_t)secs * NSEC_PER_SEC);
	return 0;
}

int usleep(useconds_t usecs)
{
	time_sleep_ns((uint64_t)usecs * NSEC_PER_USEC);
	return 0;
}

int sched_yield(void)
{
	sys0(SYS_YIELD);
	return 0;
}
