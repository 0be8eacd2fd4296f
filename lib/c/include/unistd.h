/*
 * unistd.h - processes, file descriptors, the break, and sysconf.
 *
 * Implemented by lib/c's OS layer (lib/c/sys): start.c, proc.c and
 * fork.c for processes, fd.c for descriptors (of two kinds so far:
 * console.c, pipe.c, which also has pipe(), and file.c, files on the
 * file server, with the calls that take a path), brk.c for the break,
 * time.c for sleeping, sysconf.c for sysconf.
 */
#ifndef _UNISTD_H
#define _UNISTD_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define STDIN_FILENO	0
#define STDOUT_FILENO	1
#define STDERR_FILENO	2

#ifndef SEEK_SET
#define SEEK_SET	0
#define SEEK_CUR	1
#define SEEK_END	2
#endif

/* access() modes */
#define F_OK		0
#define X_OK		1
#define W_OK		2
#define R_OK		4

/* sysconf() names, Linux values */
#define _SC_ARG_MAX		0
#define _SC_CHILD_MAX		1
#define _SC_CLK_TCK		2
#define _SC_OPEN_MAX		4
#define _SC_PAGESIZE		30
#define _SC_PAGE_SIZE		_SC_PAGESIZE
#define _SC_NPROCESSORS_CONF	83
#define _SC_NPROCESSORS_ONLN	84

extern char **environ;

pid_t fork(void);
_Noreturn void _exit(int status);
pid_t getpid(void);
pid_t getppid(void);
int execv(const char *path, char *const argv[]);
int execve(const char *path, char *const argv[], char *const envp[]);
int execvp(const char *file, char *const argv[]);

int brk(void *addr);
void *sbrk(intptr_t inc);

ssize_t read(int fd, void *buf, size_t n);
ssize_t write(int fd, const void *buf, size_t n);
ssize_t pread(int fd, void *buf, size_t n, off_t off);
ssize_t pwrite(int fd, const void *buf, size_t n, off_t off);
off_t lseek(int fd, off_t off, int whence);
int close(int fd);
int ftruncate(int fd, off_t len);
int dup(int fd);
int dup2(int fd, int newfd);
int pipe(int fds[2]);
int isatty(int fd);
int unlink(const char *path);
int access(const char *path, int mode);
int rmdir(const char *path);
int truncate(const char *path, off_t len);
int fsync(int fd);
int fdatasync(int fd);
void sync(void);

long sysconf(int name);
int getpagesize(void);

unsigned int sleep(unsigned int secs);
int usleep(useconds_t usecs);

#endif /* _UNISTD_H */
