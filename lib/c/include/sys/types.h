/*
 * sys/types.h - the POSIX scalar types, with Linux x86-64's sizes.
 *
 * Other headers that need one of these include this file, as glibc's do;
 * the time types live in <bits/timetypes.h>, shared with <time.h>.
 */
#ifndef _SYS_TYPES_H
#define _SYS_TYPES_H

#include <stddef.h>
#include <stdint.h>
#include <bits/timetypes.h>

typedef long ssize_t;
typedef long off_t;
typedef int pid_t;
typedef int id_t;
typedef unsigned int uid_t;
typedef unsigned int gid_t;
typedef unsigned int mode_t;
typedef unsigned long dev_t;
typedef unsigned long ino_t;
typedef unsigned long nlink_t;
typedef long blksize_t;
typedef long blkcnt_t;
typedef unsigned int useconds_t;

#endif /* _SYS_TYPES_H */
