/*
 * oslayer.h - interfaces shared between the files of lib/c's OS layer
 * (lib/c/sys), not part of the public headers.
 *
 * The OS layer turns POSIX calls into system calls and into requests to
 * the process server (H_PROC) and the pager (H_MM), through the client
 * stubs of ipc/proc.h, ipc/pipe.h and ipc/mm.h.  Those return 0 or a
 * negative errno; os_result() turns that into POSIX's -1-and-errno at the
 * public boundary, so the helpers below it all speak negative errnos.
 *
 * Descriptors: fd.c owns the table, mapping a descriptor number to a
 * struct file (an "open file description": what dup() shares).  Each
 * kind of file (console.c, pipe.c, file.c)
 * supplies a struct file_ops.  Processes are single-threaded, so
 * nothing here locks.
 */
#ifndef LIBC_SYS_OSLAYER_H
#define LIBC_SYS_OSLAYER_H

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/types.h>

#include <ipc/usys.h>

#include "regsave.h"

#define OS_PAGE_SIZE	4096UL

/* Returns r, or sets errno to -r and returns -1 when r is an error. */
static inline long os_result(long r)
{
	if (r < 0) {
		errno = (int)-r;
		return -1;
	}
	return r;
}

/* ---- descriptors (fd.c) ---- */

struct file;

/*
 * What one kind of file can do.  Counts and offsets come back as
 * non-negative values, failures as negative errnos.  A NULL op means the
 * kind cannot do it, and fd.c gives the error Linux gives for such a
 * file: ESPIPE for positioning a stream, EINVAL for truncating one,
 * EBADF for reading or writing it.  release() runs when the last
 * descriptor naming the file is closed; NULL means nothing to free.
 */
struct file_ops {
	const char *kind;
	long (*read)(struct file *f, void *buf, size_t n);
	long (*write)(struct file *f, const void *buf, size_t n);
	long (*pread)(struct file *f, void *buf, size_t n, off_t off);
	long (*pwrite)(struct file *f, const void *buf, size_t n, off_t off);
	long (*lseek)(struct file *f, off_t off, int whence);
	int (*ftruncate)(struct file *f, off_t len);
	int (*fstat)(struct file *f, struct stat *st);
	int (*release)(struct file *f);
};

/*
 * An open file.  fd.c checks the access mode in flags before calling
 * read or write ops, so kinds need not.  fork() copies the whole
 * process, so after fork each process has its own copy of every struct
 * file; a kind whose state lives in a server must account for that
 * (pipes do: the pipe server gives the child its own copy of each of
 * the parent's references to pipe ends).
 */
struct file {
	const struct file_ops *ops;
	int flags;		/* O_ACCMODE | O_APPEND | O_NONBLOCK */
	int refs;		/* descriptors naming this file */
	void *priv;		/* the kind's own state */
};

/* Largest number of descriptors a process may have open (OPEN_MAX). */
#define FD_MAX		64

/* The file open as fd, or NULL if fd is not an open descriptor. */
struct file *fd_file(int fd);

/*
 * Installs f at the lowest free descriptor >= min, taking a reference;
 * returns the descriptor or -EMFILE.  cloexec is FD_CLOEXEC or 0.
 */
int fd_install(struct file *f, int min, int cloexec);

/* ---- files on the file server (file.c, dir.c) ---- */

/* The handle to the file server ("fs"), looked up on first use. */
long os_fs_handle(uint64_t *h);
/* The server's name for the file open as fd: -EBADF if fd is not one. */
int os_file_ident(int fd, uint64_t *ino, uint64_t *gen);
/* fd's file is mapped: a hidden name (unlinked while open) waits for exit. */
void os_file_mapped(int fd);
/* In a child after fork: handles did not survive, look up again. */
void os_file_fork_child(void);

/* ---- the console (console.c) ---- */

/* Descriptors 0, 1 and 2 start out naming this one file. */
extern struct file console_file;

/* ---- process start-up (start.c) ---- */

/* SYS_CLOCK at the start of __libc_start; clock() counts from here. */
extern uint64_t libc_start_ns;

/* Where replies with bytes land (SYS_IPC_SET_RECVBUF) unless a call
 * registers a buffer of its own for one request. */
extern char __libc_recvbuf[IPC_BUF_MAX];

/* Registers __libc_recvbuf for the calling thread (again). */
void os_recvbuf_register(void);

/*
 * Registers buf (len <= IPC_BUF_MAX) as the receive buffer, so the next
 * reply's bytes land there directly.  The kernel makes every page of it
 * present and writable first, so this doubles as the check that a user
 * pointer may be written: -EFAULT if not (and __libc_recvbuf is
 * registered again).  The caller re-registers __libc_recvbuf when done.
 */
int os_recvbuf_use(void *buf, size_t len);

void __libc_start(uint64_t *sp) __attribute__((noreturn));

/* ---- fork (fork.c, fork.S) ---- */

/* Saves the caller's registers in rs; returns 0, and 1 in the child. */
int __fork_save(struct regsave *rs) __attribute__((returns_twice));

/*
 * The child's first instruction, started with rdi = the struct regsave
 * the parent filled in: restores it and returns 1 from __fork_save.
 */
void __fork_resume(void);

#endif /* LIBC_SYS_OSLAYER_H */
