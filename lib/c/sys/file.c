/*
 * file.c - regular files and directories: a kind of file (see oslayer.h)
 * whose data lives on the file server (ipc/fs.h, servers/fs), and the
 * calls that name files by path.
 *
 * An open file is the server's name for it, (ino, gen), plus what POSIX
 * keeps in an open file description: the offset and the open flags.  The
 * server keeps no per-open state, so nothing is sent on close, and a
 * struct file that fork() copied works in the child as it did in the
 * parent (but the two offsets are separate copies: a difference from
 * POSIX, where they are shared).
 *
 * There is no working directory: every relative path is taken from "/".
 *
 * Unlinking an open file: the server frees a file the moment its last name
 * goes.  So that a process can keep using a file it has open after
 * unlink(), as POSIX promises, unlink() of a file this process has open
 * renames it to a hidden name in the same directory instead
 * (".unlinked.INO.GEN", NFS's "silly rename"), and the last close in this
 * process removes that name (so does exit(), for files still open).
 * Other processes' opens are not known here, and a process killed, or
 * leaving through _exit(), with such a file open leaves the name behind.
 *
 * The handle to the server is looked up ("fs", PROC_LOOKUP) on first use
 * and again in a child after fork(), since handles do not survive fork.
 * Transfers go in chunks of IPC_BUF_MAX bytes; a read lands straight in
 * the caller's buffer, registered as the receive buffer (which also checks
 * that it is writable: EFAULT otherwise).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <ipc/fs.h>
#include <ipc/mm.h>
#include <ipc/proc.h>
#include <ipc/usys.h>

#include "oslayer.h"

#define HIDDEN_MAX	160

struct fs_open {
	uint64_t ino, gen;
	uint64_t off;
	uint32_t mode;			/* st_mode */
	char hidden[HIDDEN_MAX];	/* silly-renamed to this, or "" */
	bool mapped;			/* mmap()ed: the name outlives close */
};

/*
 * Hidden names of files closed while this process may still map them:
 * a mapping keeps its file, so the name goes only at exit.
 */
#define DEFERRED_MAX	8
static char deferred[DEFERRED_MAX][HIDDEN_MAX];

/* Every file is named by a descriptor, so FD_MAX of them suffice. */
static struct file fs_files[FD_MAX];
static struct fs_open fs_opens[FD_MAX];
static uint64_t fs_handle;
static bool fs_handle_ok;

/* ---- the server ---- */

/*
 * The server registers once it has mounted, which at boot may be a moment
 * after the first programs start.  So while there is a block driver (a
 * disk, and perhaps a file system coming), a missing "fs" is waited for,
 * FS_WAIT_TRIES times FS_WAIT_NS at most, once per process.
 */
#define FS_WAIT_TRIES	40
#define FS_WAIT_NS	(50ull * 1000 * 1000)

static bool fs_waited;

long os_fs_handle(uint64_t *h)
{
	struct proc_lookup_rep rp;
	long err;

	if (!fs_handle_ok) {
		err = proc_req_lookup(H_PROC, "fs", &rp);
		for (int i = 0; err == -ENOENT && !fs_waited &&
				i < FS_WAIT_TRIES; i++) {
			struct proc_lookup_rep b;

			if (proc_req_lookup(H_PROC, "blk", &b))
				break;		/* no disks: no file system */
			sys1(SYS_HANDLE_CLOSE, b.handle);
			sys1(SYS_SLEEP, FS_WAIT_NS);
			err = proc_req_lookup(H_PROC, "fs", &rp);
		}
		fs_waited = true;
		if (err)
			return err;
		fs_handle = rp.handle;
		fs_handle_ok = true;
	}
	*h = fs_handle;
	return 0;
}

static long fs_h(uint64_t *h)
{
	return os_fs_handle(h);
}

void os_file_fork_child(void)
{
	fs_handle_ok = false;
}

/*
 * Copies the string at src (max bytes at most, with its NUL) to dst.  Each
 * page is checked to be mapped (mincore) before it is read, so a wild
 * pointer gives -EFAULT, as a system call would, instead of killing the
 * caller.
 */
static int string_copy(const char *src, char *dst, size_t max)
{
	uintptr_t at = (uintptr_t)src;
	int saved = errno;
	size_t n = 0;

	while (n < max) {
		uintptr_t page = (at + n) & ~(OS_PAGE_SIZE - 1);
		unsigned char v;

		if (mincore((void *)page, 1, &v)) {
			errno = saved;
			return -EFAULT;
		}
		for (; n < max && ((at + n) & ~(OS_PAGE_SIZE - 1)) == page;
		     n++) {
			dst[n] = src[n];
			if (!dst[n])
				return 0;
		}
	}
	return -ENAMETOOLONG;
}

/* path made absolute (from "/") in buf (FS_PATH_MAX bytes): 0 or -errno. */
static int abspath(const char *path, char *buf)
{
	int err;

	if (!path)
		return -EFAULT;
	err = string_copy(path, buf + 1, FS_PATH_MAX - 1);
	if (err)
		return err;
	if (buf[1] == 0)
		return -ENOENT;
	if (buf[1] == '/')
		memmove(buf, buf + 1, strlen(buf + 1) + 1);
	else
		buf[0] = '/';
	return 0;
}

static struct fs_open *fs_of(struct file *f)
{
	return f->priv;
}

static void stat_fill(struct stat *st, const struct fs_stat_rep *rp)
{
	memset(st, 0, sizeof(*st));
	st->st_dev = 0x801;			/* like /dev/sda1 */
	st->st_ino = rp->ino;
	st->st_mode = FS_STAT_MODE(rp);
	st->st_nlink = FS_STAT_NLINK(rp);
	st->st_size = (off_t)rp->size;
	st->st_blocks = (blkcnt_t)rp->blocks;
	st->st_blksize = FS_PAGE_SIZE;
	st->st_atim.tv_sec = (time_t)rp->mtime;
	st->st_mtim.tv_sec = (time_t)rp->mtime;
	st->st_ctim.tv_sec = (time_t)rp->ctime;
}

/* FS_OPEN on an absolute path. */
static long fs_open_path(const char *abs, uint64_t flags, uint64_t mode,
			 struct fs_stat_rep *rp)
{
	uint64_t h;
	long err = fs_h(&h);

	return err ?: fs_req_open(h, &(struct fs_open_req){ flags, mode },
				  abs, rp);
}

/* ---- the file kind ---- */

/*
 * File data goes through the pager's page cache (MM_FILE_*, ipc/mm.h), so
 * that read() and write() see and make the same pages a mapping of the
 * file does.  A pager without a page cache (the eager pager) refuses
 * those requests, and then the file server is asked directly.
 */
static bool no_page_cache(long err)
{
	return err == -ENOSYS || err == -EOPNOTSUPP || err == -ENODEV;
}

/* Through MM_FILE_READ, a page a message: a pager without MM_FILE_READ_TO. */
static long mm_pread_msgs(const struct fs_open *o, char *dst, size_t n,
			  uint64_t off)
{
	size_t done = 0;
	long err = 0;

	while (done < n) {
		size_t chunk = n - done < IPC_BUF_MAX ? n - done : IPC_BUF_MAX;
		struct ipc_msg m = { .w = { o->ino, o->gen, off + done,
					    chunk } };

		/* A bad destination is EFAULT, as the kernel judges it; the
		 * bytes then come through our own (locked) buffer. */
		err = os_recvbuf_use(dst + done, chunk);
		os_recvbuf_register();
		if (!err)
			err = ipc_request(H_MM, MM_FILE_READ, 4, &m, NULL, 0);
		if (!err && (m.w[1] > chunk || IPC_TAG_BUFLEN(m.tag) != m.w[1]))
			err = -EIO;
		if (err)
			break;
		memcpy(dst + done, __libc_recvbuf, m.w[1]);
		done += m.w[1];
		if (m.w[1] < chunk)
			break;			/* the end of the file */
	}
	return done ? (long)done : err;
}

/*
 * The pager copies the bytes straight into dst (MM_FILE_READ_TO), up to
 * MM_FILE_READ_TO_MAX a request; a pager that does not know that request
 * is asked a page a message.
 */
static long mm_pread(const struct fs_open *o, char *dst, size_t n,
		     uint64_t off)
{
	static bool no_read_to;
	size_t done = 0;
	long err = 0;

	while (!no_read_to && done < n) {
		size_t chunk = n - done < MM_FILE_READ_TO_MAX ? n - done :
			       MM_FILE_READ_TO_MAX;
		struct ipc_msg m = { .w = { o->ino, o->gen, off + done, chunk,
					    (uint64_t)(uintptr_t)(dst + done) } };

		err = ipc_request(H_MM, MM_FILE_READ_TO, 5, &m, NULL, 0);
		if (err == -ENOSYS && done == 0) {
			no_read_to = true;
			break;
		}
		if (!err && m.w[1] > chunk)
			err = -EIO;
		if (err)
			return done ? (long)done : err;
		done += m.w[1];
		if (m.w[1] < chunk)
			return (long)done;	/* the end of the file */
	}
	if (no_read_to)
		return mm_pread_msgs(o, dst, n, off);
	return (long)done;
}

static long fs_pread_direct(struct file *f, void *buf, size_t n, off_t off);

static long fs_pread(struct file *f, void *buf, size_t n, off_t off)
{
	long r = mm_pread(fs_of(f), buf, n, (uint64_t)off);

	return no_page_cache(r) ? fs_pread_direct(f, buf, n, off) : r;
}

static long fs_pread_direct(struct file *f, void *buf, size_t n, off_t off)
{
	struct fs_open *o = fs_of(f);
	char *dst = buf;
	size_t done = 0;
	uint64_t h;
	long err = fs_h(&h);

	while (!err && done < n) {
		size_t chunk = n - done < IPC_BUF_MAX ? n - done : IPC_BUF_MAX;
		struct fs_read_req rq = { o->ino, o->gen,
					  (uint64_t)off + done, chunk };
		struct fs_read_rep rp = { 0 };
		uint64_t rtag = 0;

		err = os_recvbuf_use(dst + done, chunk);
		if (!err)
			err = fs_req_read(h, &rq, &rp, &rtag);
		os_recvbuf_register();
		if (!err && (rp.n > chunk || IPC_TAG_BUFLEN(rtag) != rp.n))
			err = -EIO;
		if (err)
			break;
		done += rp.n;
		if (rp.n < chunk)
			break;			/* the end of the file */
	}
	return done ? (long)done : err;
}

static long fs_read(struct file *f, void *buf, size_t n)
{
	long r = fs_pread(f, buf, n, (off_t)fs_of(f)->off);

	if (r > 0)
		fs_of(f)->off += (uint64_t)r;
	return r;
}

/*
 * One MM_FILE_WRITE per page-sized chunk; each says how much of the write
 * is left (word 4), so the first that grows the file grows it to the end
 * of the whole write.  An append is placed by the first chunk (at the old
 * end, reply word 3) and the rest follow it.  A write that stops short
 * gives back the growth it did not fill.
 */
static long mm_write_at(const struct fs_open *o, const char *src, size_t n,
			uint64_t off, uint64_t flags, uint64_t *end)
{
	bool append = flags & FS_W_APPEND;
	uint64_t grown_from = ~0ull;	/* the size before we grew the file */
	size_t done = 0;
	long err = 0;

	*end = off;
	while (done < n) {
		size_t chunk = n - done < IPC_BUF_MAX ? n - done : IPC_BUF_MAX;
		struct ipc_msg m = { .w = { o->ino, o->gen, off + done,
				     append ? MM_FILE_APPEND : 0, n - done } };

		err = ipc_request(H_MM, MM_FILE_WRITE, 5, &m, src + done,
				  (unsigned)chunk);
		if (err)
			break;
		if (append) {
			off = m.w[3];		/* done is 0 here */
			append = false;
		}
		if (m.w[2] > m.w[3] && grown_from == ~0ull)
			grown_from = m.w[3];
		done += m.w[1];
		*end = off + done;
		if (m.w[1] < chunk)
			break;
	}
	if (done < n && grown_from != ~0ull) {
		struct ipc_msg t = { .w = { o->ino, o->gen,
				     off + done > grown_from ? off + done :
				     grown_from } };

		ipc_request(H_MM, MM_FILE_TRUNCATE, 3, &t, NULL, 0);
	}
	return done ? (long)done : err;
}

static long fs_write_direct(struct file *f, const void *buf, size_t n,
			    uint64_t off, uint64_t flags, uint64_t *end);

/* Writes n bytes at off (at the end with FS_W_APPEND); *end gets the
 * offset after the last byte written. */
static long fs_write_at(struct file *f, const void *buf, size_t n,
			uint64_t off, uint64_t flags, uint64_t *end)
{
	long r = mm_write_at(fs_of(f), buf, n, off, flags, end);

	return no_page_cache(r) ? fs_write_direct(f, buf, n, off, flags, end) :
	       r;
}

static long fs_write_direct(struct file *f, const void *buf, size_t n,
			    uint64_t off, uint64_t flags, uint64_t *end)
{
	struct fs_open *o = fs_of(f);
	const char *src = buf;
	size_t done = 0;
	uint64_t h;
	long err = fs_h(&h);

	*end = off;
	while (!err && done < n) {
		size_t chunk = n - done < IPC_BUF_MAX ? n - done : IPC_BUF_MAX;
		struct fs_write_req rq = { o->ino, o->gen, off + done, flags };
		struct fs_write_rep rp = { 0 };

		err = fs_req_write(h, &rq, src + done, (unsigned)chunk, &rp);
		if (err)
			break;
		if (flags & FS_W_APPEND)
			off = rp.size - rp.n - done;
		done += rp.n;
		*end = off + done;
		if (rp.n < chunk)
			break;
	}
	return done ? (long)done : err;
}

static long fs_write(struct file *f, const void *buf, size_t n)
{
	uint64_t flags = f->flags & O_APPEND ? FS_W_APPEND : 0, end;
	long r = fs_write_at(f, buf, n, fs_of(f)->off, flags, &end);

	if (r > 0)
		fs_of(f)->off = end;
	return r;
}

static long fs_pwrite(struct file *f, const void *buf, size_t n, off_t off)
{
	uint64_t end;

	return fs_write_at(f, buf, n, (uint64_t)off, 0, &end);
}

static int fs_fstat(struct file *f, struct stat *st)
{
	struct fs_open *o = fs_of(f);
	struct fs_stat_rep rp;
	uint64_t h;
	long err = fs_h(&h);

	err = err ?: fs_req_stat(h, &(struct fs_file_req){ o->ino, o->gen },
				 &rp);
	if (!err)
		stat_fill(st, &rp);
	return (int)err;
}

static long fs_lseek(struct file *f, off_t off, int whence)
{
	struct stat st;
	int64_t base = 0;
	int err;

	if (whence == SEEK_CUR)
		base = (int64_t)fs_of(f)->off;
	if (whence == SEEK_END) {
		err = fs_fstat(f, &st);
		if (err)
			return err;
		base = st.st_size;
	}
	if ((off < 0 && base + off < 0) ||
	    (off > 0 && base > INT64_MAX - off))
		return -EINVAL;
	fs_of(f)->off = (uint64_t)(base + off);
	return (long)(base + off);
}

/* Cut or grow (ino, gen) through the page cache, or the server. */
static long file_truncate(uint64_t ino, uint64_t gen, uint64_t len)
{
	struct ipc_msg m = { .w = { ino, gen, len } };
	long err = ipc_request(H_MM, MM_FILE_TRUNCATE, 3, &m, NULL, 0);
	uint64_t h;

	if (no_page_cache(err))
		err = fs_h(&h) ?: fs_req_truncate(h, &(struct fs_truncate_req){
							  ino, gen, len });
	return err;
}

static int fs_ftruncate(struct file *f, off_t len)
{
	struct fs_open *o = fs_of(f);

	return (int)file_truncate(o->ino, o->gen, (uint64_t)len);
}

/* Is (ino, gen) open in another struct file of this process? */
static bool fs_open_elsewhere(const struct fs_open *o)
{
	for (int i = 0; i < FD_MAX; i++)
		if (fs_files[i].ops && &fs_opens[i] != o &&
		    fs_opens[i].ino == o->ino && fs_opens[i].gen == o->gen)
			return true;
	return false;
}

static int fs_release(struct file *f)
{
	struct fs_open *o = fs_of(f);
	uint64_t h;
	int err = 0;

	if (o->hidden[0] && !fs_open_elsewhere(o) && o->mapped) {
		for (int i = 0; i < DEFERRED_MAX; i++)
			if (!deferred[i][0]) {
				memcpy(deferred[i], o->hidden, HIDDEN_MAX);
				o->hidden[0] = 0;
				break;
			}
	}
	if (o->hidden[0] && !fs_open_elsewhere(o) && fs_h(&h) == 0)
		err = (int)fs_req_unlink(h, o->hidden);
	f->ops = NULL;
	return err;
}

static const struct file_ops fs_file_ops = {
	.kind = "file",
	.read = fs_read,
	.write = fs_write,
	.pread = fs_pread,
	.pwrite = fs_pwrite,
	.lseek = fs_lseek,
	.ftruncate = fs_ftruncate,
	.fstat = fs_fstat,
	.release = fs_release,
};

int os_file_ident(int fd, uint64_t *ino, uint64_t *gen)
{
	struct file *f = fd_file(fd);

	if (!f || f->ops != &fs_file_ops)
		return -EBADF;
	*ino = fs_of(f)->ino;
	*gen = fs_of(f)->gen;
	return 0;
}

void os_file_mapped(int fd)
{
	struct file *f = fd_file(fd);

	if (f && f->ops == &fs_file_ops)
		fs_of(f)->mapped = true;
}

/* ---- calls by path ---- */

static uint64_t open_flags(int flags)
{
	uint64_t r = 0;

	if (flags & O_CREAT)
		r |= FS_O_CREAT;
	if ((flags & O_CREAT) && (flags & O_EXCL))
		r |= FS_O_EXCL;
	if ((flags & O_TRUNC) && (flags & O_ACCMODE) != O_RDONLY)
		r |= FS_O_TRUNC;
	if (flags & O_DIRECTORY)
		r |= FS_O_DIRECTORY;
	return r;
}

static int file_install(const struct fs_stat_rep *rp, int flags)
{
	int i, fd;

	for (i = 0; i < FD_MAX && fs_files[i].ops; i++)
		;
	if (i == FD_MAX)
		return -EMFILE;
	fs_opens[i] = (struct fs_open){ .ino = rp->ino, .gen = rp->gen,
					.mode = FS_STAT_MODE(rp) };
	fs_files[i] = (struct file){ .ops = &fs_file_ops,
				     .flags = flags & (O_ACCMODE | O_APPEND |
						       O_NONBLOCK),
				     .priv = &fs_opens[i] };
	fd = fd_install(&fs_files[i], 0, flags & O_CLOEXEC ? FD_CLOEXEC : 0);
	if (fd < 0)
		fs_files[i].ops = NULL;
	return fd;
}

static int open_path(const char *path, int flags, mode_t mode)
{
	char abs[FS_PATH_MAX];
	struct fs_stat_rep rp;
	long err = abspath(path, abs);

	if ((flags & O_ACCMODE) == O_ACCMODE)
		return -EINVAL;
	err = err ?: fs_open_path(abs, open_flags(flags), mode, &rp);
	if (err)
		return (int)err;
	if (S_ISDIR(FS_STAT_MODE(&rp)) && (flags & O_ACCMODE) != O_RDONLY)
		return -EISDIR;
	if ((flags & O_TRUNC) && (flags & O_ACCMODE) != O_RDONLY &&
	    S_ISREG(FS_STAT_MODE(&rp)))
		file_truncate(rp.ino, rp.gen, 0);	/* the cache too */
	return file_install(&rp, flags);
}

int open(const char *path, int flags, ...)
{
	va_list ap;
	mode_t mode = 0;

	if (flags & O_CREAT) {
		va_start(ap, flags);
		mode = va_arg(ap, mode_t);
		va_end(ap);
	}
	return (int)os_result(open_path(path, flags, mode));
}

int creat(const char *path, mode_t mode)
{
	return open(path, O_CREAT | O_WRONLY | O_TRUNC, mode);
}

int stat(const char *restrict path, struct stat *restrict st)
{
	char abs[FS_PATH_MAX];
	struct fs_stat_rep rp;
	long err = abspath(path, abs);

	err = err ?: fs_open_path(abs, 0, 0, &rp);
	if (!err)
		stat_fill(st, &rp);
	return (int)os_result(err);
}

/* No symbolic links are followed anywhere, so lstat is stat. */
int lstat(const char *restrict path, struct stat *restrict st)
{
	return stat(path, st);
}

/* There is one user, and it may do anything: existence is access. */
int access(const char *path, int mode)
{
	struct stat st;

	return stat(path, &st);
}

/* Path calls that carry only the path (FS_UNLINK, FS_RMDIR). */
static long path_call(long (*req)(uint64_t, const char *), const char *path)
{
	char abs[FS_PATH_MAX];
	uint64_t h;
	long err = abspath(path, abs) ?: fs_h(&h);

	return err ?: req(h, abs);
}

/* At exit(): the hidden names of files still open go. */
static void hidden_cleanup(void)
{
	for (int i = 0; i < FD_MAX; i++)
		if (fs_files[i].ops && fs_opens[i].hidden[0]) {
			uint64_t h;

			if (fs_h(&h) == 0)
				fs_req_unlink(h, fs_opens[i].hidden);
			for (int j = i + 1; j < FD_MAX; j++)
				if (!strcmp(fs_opens[j].hidden,
					    fs_opens[i].hidden))
					fs_opens[j].hidden[0] = 0;
			fs_opens[i].hidden[0] = 0;
		}
	for (int i = 0; i < DEFERRED_MAX; i++) {
		uint64_t h;

		if (deferred[i][0] && fs_h(&h) == 0)
			fs_req_unlink(h, deferred[i]);
		deferred[i][0] = 0;
	}
}

/* Renames a file this process has open to a hidden name beside it. */
static long unlink_open(const char *abs, const struct fs_stat_rep *rp)
{
	char hidden[HIDDEN_MAX];
	const char *slash = strrchr(abs, '/');
	uint64_t h;
	long err;
	int n = snprintf(hidden, sizeof(hidden), "%.*s/.unlinked.%lu.%lu",
			 (int)(slash - abs), abs, (unsigned long)rp->ino,
			 (unsigned long)rp->gen);

	if (n < 0 || n >= (int)sizeof(hidden))
		return -ENAMETOOLONG;
	static bool cleanup_armed;

	err = fs_h(&h) ?: fs_req_rename(h, abs, hidden);
	if (!err && !cleanup_armed)
		cleanup_armed = atexit(hidden_cleanup) == 0;
	for (int i = 0; !err && i < FD_MAX; i++)
		if (fs_files[i].ops && fs_opens[i].ino == rp->ino &&
		    fs_opens[i].gen == rp->gen)
			memcpy(fs_opens[i].hidden, hidden, sizeof(hidden));
	return err;
}

static bool open_here(const struct fs_stat_rep *rp)
{
	for (int i = 0; i < FD_MAX; i++)
		if (fs_files[i].ops && fs_opens[i].ino == rp->ino &&
		    fs_opens[i].gen == rp->gen)
			return true;
	return false;
}

int unlink(const char *path)
{
	char abs[FS_PATH_MAX];
	struct fs_stat_rep rp;
	long err = abspath(path, abs);

	err = err ?: fs_open_path(abs, 0, 0, &rp);
	if (!err && S_ISDIR(FS_STAT_MODE(&rp)))
		err = -EISDIR;
	if (!err && FS_STAT_NLINK(&rp) == 1 && open_here(&rp))
		err = unlink_open(abs, &rp);
	else if (!err)
		err = path_call(fs_req_unlink, abs);
	return (int)os_result(err);
}

int rmdir(const char *path)
{
	return (int)os_result(path_call(fs_req_rmdir, path));
}

int mkdir(const char *path, mode_t mode)
{
	char abs[FS_PATH_MAX];
	uint64_t h;
	long err = abspath(path, abs) ?: fs_h(&h);

	err = err ?: fs_req_mkdir(h, &(struct fs_mkdir_req){ mode }, abs);
	return (int)os_result(err);
}

int rename(const char *from, const char *to)
{
	char a[FS_PATH_MAX], b[FS_PATH_MAX];
	uint64_t h;
	long err = abspath(from, a) ?: abspath(to, b) ?: fs_h(&h);

	err = err ?: fs_req_rename(h, a, b);
	return (int)os_result(err);
}

int remove(const char *path)
{
	struct stat st;

	if (stat(path, &st))
		return -1;
	return S_ISDIR(st.st_mode) ? rmdir(path) : unlink(path);
}

int truncate(const char *path, off_t len)
{
	char abs[FS_PATH_MAX];
	struct fs_stat_rep rp;
	long err = len < 0 ? -EINVAL : abspath(path, abs);

	err = err ?: fs_open_path(abs, 0, 0, &rp);
	if (!err && S_ISDIR(FS_STAT_MODE(&rp)))
		err = -EISDIR;
	err = err ?: file_truncate(rp.ino, rp.gen, (uint64_t)len);
	return (int)os_result(err);
}

int fsync(int fd)
{
	uint64_t ino, gen, h;
	struct file *f = fd_file(fd);
	long err;

	if (!f)
		return (int)os_result(-EBADF);
	if (os_file_ident(fd, &ino, &gen))
		return (int)os_result(-EINVAL);	/* a pipe or the console */
	{
		struct ipc_msg m = { .w = { ino, gen } };

		err = ipc_request(H_MM, MM_FILE_FSYNC, 2, &m, NULL, 0);
	}
	if (no_page_cache(err))
		err = fs_h(&h) ?: fs_req_fsync(h, &(struct fs_file_req){
							ino, gen });
	return (int)os_result(err);
}

int fdatasync(int fd)
{
	return fsync(fd);
}

void sync(void)
{
	struct ipc_msg m = { 0 };
	uint64_t h;

	/* the pager writes its dirty pages back, then syncs the server */
	if (no_page_cache(ipc_request(H_MM, MM_SYNC, 0, &m, NULL, 0)) &&
	    fs_h(&h) == 0)
		fs_req_sync(h);
}
