/*
 * fd.c - the descriptor table and the calls that go through it.
 *
 * fd_table maps a descriptor number to a struct file and the FD_CLOEXEC
 * bit; several descriptors may name one file (dup), which counts them in
 * file->refs and is released when the last one closes.  Every call here
 * looks the descriptor up, checks what the open flags allow, and hands
 * over to the file's kind through its file_ops (see oslayer.h), so a new
 * kind of file adds a file_ops and a way to open it, and nothing here.
 *
 * Descriptors 0, 1 and 2 start out naming the console; pipe() (pipe.c)
 * makes pipe descriptors, open() (file.c) descriptors of files on the
 * file server.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stddef.h>
#include <sys/stat.h>
#include <unistd.h>

#include "oslayer.h"

/* F_SETFL may change only these status flags. */
#define FD_SETFL_MASK	(O_APPEND | O_NONBLOCK)

/* Programs built for Linux x86-64 expect this layout. */
_Static_assert(sizeof(struct stat) == 144, "struct stat");
_Static_assert(offsetof(struct stat, st_mode) == 24, "struct stat");
_Static_assert(offsetof(struct stat, st_size) == 48, "struct stat");
_Static_assert(offsetof(struct stat, st_mtim) == 88, "struct stat");

struct fd_slot {
	struct file *file;	/* NULL: the descriptor is free */
	int cloexec;		/* FD_CLOEXEC or 0 */
};

static struct fd_slot fd_table[FD_MAX] = {
	[STDIN_FILENO] = { .file = &console_file },
	[STDOUT_FILENO] = { .file = &console_file },
	[STDERR_FILENO] = { .file = &console_file },
};

struct file *fd_file(int fd)
{
	if (fd < 0 || fd >= FD_MAX)
		return NULL;
	return fd_table[fd].file;
}

int fd_install(struct file *f, int min, int cloexec)
{
	int fd;

	for (fd = min < 0 ? 0 : min; fd < FD_MAX; fd++) {
		if (!fd_table[fd].file) {
			fd_table[fd].file = f;
			fd_table[fd].cloexec = cloexec;
			f->refs++;
			return fd;
		}
	}
	return -EMFILE;
}

/* Drops descriptor fd's reference; the last one releases the file. */
static int fd_release(int fd)
{
	struct file *f = fd_table[fd].file;

	fd_table[fd].file = NULL;
	fd_table[fd].cloexec = 0;
	if (--f->refs > 0 || !f->ops->release)
		return 0;
	return f->ops->release(f);
}

/* Looks fd up for reading (want O_RDONLY) or writing (O_WRONLY). */
static long fd_lookup(int fd, int want, struct file **fp)
{
	struct file *f = fd_file(fd);
	int mode;

	if (!f)
		return -EBADF;
	mode = f->flags & O_ACCMODE;
	if (mode != O_RDWR && mode != want)
		return -EBADF;
	*fp = f;
	return 0;
}

ssize_t read(int fd, void *buf, size_t n)
{
	struct file *f;
	long err = fd_lookup(fd, O_RDONLY, &f);

	if (!err)
		err = f->ops->read ? f->ops->read(f, buf, n) : -EBADF;
	return os_result(err);
}

ssize_t write(int fd, const void *buf, size_t n)
{
	struct file *f;
	long err = fd_lookup(fd, O_WRONLY, &f);

	if (!err)
		err = f->ops->write ? f->ops->write(f, buf, n) : -EBADF;
	return os_result(err);
}

ssize_t pread(int fd, void *buf, size_t n, off_t off)
{
	struct file *f;
	long err = fd_lookup(fd, O_RDONLY, &f);

	if (!err && off < 0)
		err = -EINVAL;
	if (!err)
		err = f->ops->pread ? f->ops->pread(f, buf, n, off) : -ESPIPE;
	return os_result(err);
}

ssize_t pwrite(int fd, const void *buf, size_t n, off_t off)
{
	struct file *f;
	long err = fd_lookup(fd, O_WRONLY, &f);

	if (!err && off < 0)
		err = -EINVAL;
	if (!err)
		err = f->ops->pwrite ? f->ops->pwrite(f, buf, n, off) : -ESPIPE;
	return os_result(err);
}

off_t lseek(int fd, off_t off, int whence)
{
	struct file *f = fd_file(fd);

	if (!f)
		return os_result(-EBADF);
	if (whence != SEEK_SET && whence != SEEK_CUR && whence != SEEK_END)
		return os_result(-EINVAL);
	if (!f->ops->lseek)
		return os_result(-ESPIPE);
	return os_result(f->ops->lseek(f, off, whence));
}

int ftruncate(int fd, off_t len)
{
	struct file *f;
	long err = fd_lookup(fd, O_WRONLY, &f);

	if (err == -EBADF && fd_file(fd))
		err = -EINVAL;		/* open, but not for writing */
	if (!err && len < 0)
		err = -EINVAL;
	if (!err)
		err = f->ops->ftruncate ? f->ops->ftruncate(f, len) : -EINVAL;
	return (int)os_result(err);
}

int fstat(int fd, struct stat *st)
{
	struct file *f = fd_file(fd);

	if (!f)
		return (int)os_result(-EBADF);
	if (!f->ops->fstat)
		return (int)os_result(-ENOSYS);
	return (int)os_result(f->ops->fstat(f, st));
}

int close(int fd)
{
	if (!fd_file(fd))
		return (int)os_result(-EBADF);
	return (int)os_result(fd_release(fd));
}

int dup(int fd)
{
	struct file *f = fd_file(fd);

	if (!f)
		return (int)os_result(-EBADF);
	return (int)os_result(fd_install(f, 0, 0));
}

int dup2(int fd, int newfd)
{
	struct file *f = fd_file(fd);

	if (!f || newfd < 0 || newfd >= FD_MAX)
		return (int)os_result(-EBADF);
	if (fd == newfd)
		return newfd;
	if (fd_table[newfd].file)
		fd_release(newfd);	/* errors from an implicit close are lost */
	return (int)os_result(fd_install(f, newfd, 0));
}

int isatty(int fd)
{
	struct stat st;

	if (fstat(fd, &st))
		return 0;
	if (S_ISCHR(st.st_mode))
		return 1;
	errno = ENOTTY;
	return 0;
}

static int fd_setfl(struct file *f, int flags)
{
	f->flags = (f->flags & ~FD_SETFL_MASK) | (flags & FD_SETFL_MASK);
	return 0;
}

static int fd_dupfd(struct file *f, int min, int cloexec)
{
	if (min < 0 || min >= FD_MAX)
		return -EINVAL;
	return fd_install(f, min, cloexec);
}

/* Every command we know takes an int argument or none. */
int fcntl(int fd, int cmd, ...)
{
	struct file *f = fd_file(fd);
	va_list ap;
	int arg;

	if (!f)
		return (int)os_result(-EBADF);
	va_start(ap, cmd);
	arg = cmd == F_GETFD || cmd == F_GETFL ? 0 : va_arg(ap, int);
	va_end(ap);
	switch (cmd) {
	case F_DUPFD:
		return (int)os_result(fd_dupfd(f, arg, 0));
	case F_DUPFD_CLOEXEC:
		return (int)os_result(fd_dupfd(f, arg, FD_CLOEXEC));
	case F_GETFD:
		return fd_table[fd].cloexec;
	case F_SETFD:
		fd_table[fd].cloexec = arg & FD_CLOEXEC;
		return 0;
	case F_GETFL:
		return f->flags;
	case F_SETFL:
		return fd_setfl(f, arg);
	default:
		return (int)os_result(-EINVAL);
	}
}
