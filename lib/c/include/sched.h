/*
 * sched.h - giving up the processor (lib/c/sys/time.c).
 */
#ifndef _SCHED_H
#define _SCHED_H

int sched_yield(void);

#endif /* _SCHED_H */
