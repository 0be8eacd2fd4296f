/*
 * main.c - the file server: one ext2 file system (ext2_*.c) on blk disk 0,
 * served under the name "fs" with the protocol of ipc/fs.h.
 *
 * init's launcher starts fs after blk when tools/run attached a file-system
 * image (servers=blk,fs).  At start fs makes all of its memory resident
 * (mlockall, then touches every page of its image, bss and stack): the
 * pager will call fs synchronously for page-cache I/O (FS_BMAP), so fs
 * must never fault into the pager while the pager waits for it.  From then
 * on fs waits only on blk.
 *
 * Every request is decoded and checked whole before anything is done (the
 * path NUL-terminated inside the buffer, lengths and flags in range, the
 * (ino, gen) pair naming a live inode of that generation); a malformed
 * request gets -EINVAL (or the errno it deserves), never a crash.  After a
 * request that changed the file system, everything is written back to the
 * disk before the reply goes out, so a halt at any point between requests
 * leaves a consistent image (FS_SYNC/FS_FSYNC also flush the disk cache).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <ipc/fs.h>
#include <ipc/proc.h>
#include <ipc/server.h>

#include "fs.h"

#define FS_DISK		0		/* tools/run attaches the image first */
#define STACK_TOUCH	(64 * 1024)
#define PAGE		4096

static struct ext2_fs fs;
static struct ext2_bdev bdev;
static uint64_t fs_ep;
static uint32_t boot_time;		/* the superblock's, at mount */
static char req_buf[IPC_BUF_MAX];	/* request buffers land here */
static uint8_t reply_buf[IPC_BUF_MAX];

/* ---- helpers ---- */

static int reply(struct ipc_msg *m, long status)
{
	ipc_reply_set(m, status, 0);
	return IPC_REPLY;
}

/* After a change: everything to the disk before the reply. */
static int changed(struct ext2_fs *f, int err)
{
	int e = ext2_writeback(f);

	return err ?: e;
}

/* The request's path: NUL-terminated inside the buffer, absolute. */
static int path_get(const struct ipc_msg *m, const char **path)
{
	unsigned len = IPC_TAG_BUFLEN(m->tag);

	if (m->tag & IPC_TAG_TRUNC)
		return -ENAMETOOLONG;
	if (len == 0 || len > FS_PATH_MAX || req_buf[len - 1] ||
	    strlen(req_buf) != len - 1)
		return -EINVAL;
	if (req_buf[0] != '/')
		return -EINVAL;
	*path = req_buf;
	return 0;
}

/* (ino, gen) names a live inode of that generation: its stat. */
static int file_get(uint64_t ino, uint64_t gen, struct ext2_stat *st)
{
	int err;

	if (ino > fs.sb.s_inodes_count || gen > UINT32_MAX ||
	    (ino < fs.first_ino && ino != EXT2_ROOT_INO))
		return -ESTALE;
	err = ext2_stat(&fs, (uint32_t)ino, st);
	if (err)
		return err;		/* -ENOENT: deleted since */
	return st->generation == gen ? 0 : -ESTALE;
}

static int reply_stat(struct ipc_msg *m, const struct ext2_stat *st)
{
	struct fs_stat_rep rp = {
		.ino = st->ino, .gen = st->generation,
		.mode_nlink = st->mode | (uint64_t)st->nlink << 32,
		.size = st->size, .blocks = st->blocks,
		.mtime = st->mtime, .ctime = st->ctime,
	};

	IPC_REPLY_PUT(m, &rp);
	return IPC_REPLY;
}

/* ---- handlers ---- */

/* Looks path up, creating a regular file with FS_O_CREAT. */
static int open_path(const char *path, uint64_t flags, uint64_t mode,
		     uint32_t *ino, bool *made)
{
	const char *name;
	size_t len;
	uint32_t dir;
	int err = ext2_namei(&fs, path, ino);

	*made = false;
	if (!err)
		return (flags & FS_O_CREAT) && (flags & FS_O_EXCL) ? -EEXIST
								   : 0;
	if (err != -ENOENT || !(flags & FS_O_CREAT))
		return err;
	err = ext2_namei_parent(&fs, path, &dir, &name, &len);
	if (err)
		return err;
	if (len == 0)
		return -EISDIR;
	*made = true;
	return changed(&fs, ext2_create(&fs, dir, name, len,
					(uint32_t)mode & 07777, ino));
}

static int h_open(struct ipc_msg *m, void *unused)
{
	struct fs_open_req rq = *IPC_REQ(m, struct fs_open_req);
	struct ext2_stat st;
	const char *path;
	uint32_t ino;
	bool made;
	int err;

	(void)unused;
	err = path_get(m, &path);
	if (!err && (rq.flags & ~(uint64_t)FS_O_MASK))
		err = -EINVAL;
	err = err ?: open_path(path, rq.flags, rq.mode, &ino, &made);
	err = err ?: ext2_stat(&fs, ino, &st);
	if (!err && (rq.flags & FS_O_DIRECTORY) && !EXT2_ISDIR(st.mode))
		err = -ENOTDIR;
	if (!err && (rq.flags & FS_O_TRUNC) && EXT2_ISREG(st.mode) &&
	    st.size) {
		err = changed(&fs, ext2_truncate(&fs, ino, 0));
		err = err ?: ext2_stat(&fs, ino, &st);
	}
	return err ? reply(m, err) : reply_stat(m, &st);
}

static int h_stat(struct ipc_msg *m, void *unused)
{
	struct fs_file_req rq = *IPC_REQ(m, struct fs_file_req);
	struct ext2_stat st;
	int err = file_get(rq.ino, rq.gen, &st);

	(void)unused;
	return err ? reply(m, err) : reply_stat(m, &st);
}

static int h_read(struct ipc_msg *m, void *unused)
{
	struct fs_read_req rq = *IPC_REQ(m, struct fs_read_req);
	struct fs_read_rep rp = { 0 };
	struct ext2_stat st;
	size_t n = 0;
	int err = file_get(rq.ino, rq.gen, &st);

	(void)unused;
	if (!err && rq.len > IPC_BUF_MAX)
		err = -EINVAL;
	err = err ?: ext2_read(&fs, (uint32_t)rq.ino, rq.off, reply_buf,
			       (size_t)rq.len, &n);
	if (err)
		return reply(m, err);
	rp.n = n;
	IPC_REPLY_PUT(m, &rp);
	m->tag |= IPC_TAG_BUF(n);
	m->buf = reply_buf;
	return IPC_REPLY;
}

static int h_write(struct ipc_msg *m, void *unused)
{
	struct fs_write_req rq = *IPC_REQ(m, struct fs_write_req);
	struct fs_write_rep rp = { 0 };
	unsigned len = IPC_TAG_BUFLEN(m->tag);
	struct ext2_stat st;
	size_t n = 0;
	int err = file_get(rq.ino, rq.gen, &st);

	(void)unused;
	if (!err && ((m->tag & IPC_TAG_TRUNC) || (rq.flags & ~FS_W_APPEND)))
		err = -EINVAL;
	if (!err && (rq.flags & FS_W_APPEND))
		rq.off = st.size;
	if (!err && rq.off > (1ull << 62))
		err = -EFBIG;
	if (!err)
		err = changed(&fs, ext2_write(&fs, (uint32_t)rq.ino, rq.off,
					      req_buf, len, &n));
	if (err)
		return reply(m, err);
	rp.n = n;
	rp.size = rq.off + n > st.size ? rq.off + n : st.size;
	IPC_REPLY_PUT(m, &rp);
	return IPC_REPLY;
}

static int h_truncate(struct ipc_msg *m, void *unused)
{
	struct fs_truncate_req rq = *IPC_REQ(m, struct fs_truncate_req);
	struct ext2_stat st;
	int err = file_get(rq.ino, rq.gen, &st);

	(void)unused;
	if (!err && rq.size > (1ull << 62))
		err = -EFBIG;
	if (!err)
		err = changed(&fs, ext2_truncate(&fs, (uint32_t)rq.ino,
						 rq.size));
	return reply(m, err);
}

static uint8_t dtype_of(uint8_t ftype)
{
	static const uint8_t dt[] = {
		[EXT2_FT_UNKNOWN] = 0, [EXT2_FT_REG_FILE] = 8,
		[EXT2_FT_DIR] = 4, [EXT2_FT_CHRDEV] = 2, [EXT2_FT_BLKDEV] = 6,
		[EXT2_FT_FIFO] = 1, [EXT2_FT_SOCK] = 12, [EXT2_FT_SYMLINK] = 10,
	};

	return ftype < sizeof(dt) ? dt[ftype] : 0;
}

static int h_readdir(struct ipc_msg *m, void *unused)
{
	struct fs_readdir_req rq = *IPC_REQ(m, struct fs_readdir_req);
	struct fs_readdir_rep rp = { 0 };
	struct ext2_stat st;
	struct ext2_dent d;
	uint64_t pos = rq.pos, used = 0;
	int err = file_get(rq.ino, rq.gen, &st);

	(void)unused;
	if (!err && !EXT2_ISDIR(st.mode))
		err = -ENOTDIR;
	while (!err) {
		uint64_t prev = pos;
		struct fs_dirent *e = (struct fs_dirent *)(reply_buf + used);

		err = ext2_readdir(&fs, (uint32_t)rq.ino, &pos, &d);
		if (err)
			break;
		if (used + FS_DIRENT_LEN(d.name_len) > sizeof(reply_buf)) {
			pos = prev;
			break;
		}
		e->ino = d.ino;
		e->reclen = (uint16_t)FS_DIRENT_LEN(d.name_len);
		e->type = dtype_of(d.type);
		e->namelen = d.name_len;
		memcpy(e->name, d.name, d.name_len + 1u);
		used += e->reclen;
		rp.count++;
	}
	if (err == -ENOENT)
		err = 0;		/* the end of the directory */
	if (err && !rp.count)
		return reply(m, err);
	rp.next = pos;
	IPC_REPLY_PUT(m, &rp);
	m->tag |= IPC_TAG_BUF(used);
	m->buf = reply_buf;
	return IPC_REPLY;
}

/* The directory and last name of a path that must name something. */
static int parent_of(const char *path, uint32_t *dir, const char **name,
		     size_t *len)
{
	int err = ext2_namei_parent(&fs, path, dir, name, len);

	return err ?: (*len ? 0 : -EINVAL);
}

static int h_mkdir(struct ipc_msg *m, void *unused)
{
	struct fs_mkdir_req rq = *IPC_REQ(m, struct fs_mkdir_req);
	const char *path, *name;
	uint32_t dir, ino;
	size_t len;
	int err = path_get(m, &path);

	(void)unused;
	err = err ?: ext2_namei_parent(&fs, path, &dir, &name, &len);
	if (!err && !len)
		err = -EEXIST;		/* "/" */
	if (!err)
		err = changed(&fs, ext2_mkdir(&fs, dir, name, len,
					      (uint32_t)rq.mode & 07777,
					      &ino));
	return reply(m, err);
}

static int h_unlink(struct ipc_msg *m, void *unused)
{
	const char *path, *name;
	uint32_t dir;
	size_t len;
	int err = path_get(m, &path);

	(void)unused;
	err = err ?: parent_of(path, &dir, &name, &len);
	if (!err)
		err = changed(&fs, ext2_unlink(&fs, dir, name, len));
	return reply(m, err);
}

static int h_rmdir(struct ipc_msg *m, void *unused)
{
	const char *path, *name;
	uint32_t dir;
	size_t len;
	int err = path_get(m, &path);

	(void)unused;
	err = err ?: parent_of(path, &dir, &name, &len);
	if (!err)
		err = changed(&fs, ext2_rmdir(&fs, dir, name, len));
	return reply(m, err);
}

/* FS_RENAME's buffer: two absolute paths, each NUL-terminated. */
static int h_rename(struct ipc_msg *m, void *unused)
{
	unsigned len = IPC_TAG_BUFLEN(m->tag);
	const char *from = req_buf, *to, *on, *nn;
	uint32_t od, nd;
	size_t ol, nl, a;
	int err = 0;

	(void)unused;
	if ((m->tag & IPC_TAG_TRUNC) || len < 4)
		return reply(m, -EINVAL);
	a = strnlen(from, len);
	to = from + a + 1;
	if (a + 1 >= len || strnlen(to, len - a - 1) != len - a - 2 ||
	    from[0] != '/' || to[0] != '/')
		return reply(m, -EINVAL);
	err = parent_of(from, &od, &on, &ol) ?: parent_of(to, &nd, &nn, &nl);
	if (!err)
		err = changed(&fs, ext2_rename(&fs, od, on, ol, nd, nn, nl));
	return reply(m, err);
}

static int h_fsync(struct ipc_msg *m, void *unused)
{
	struct fs_file_req rq = *IPC_REQ(m, struct fs_file_req);
	struct ext2_stat st;
	int err = file_get(rq.ino, rq.gen, &st);

	(void)unused;
	return reply(m, err ?: ext2_sync(&fs));
}

static int h_sync(struct ipc_msg *m, void *unused)
{
	(void)unused;
	return reply(m, ext2_sync(&fs));
}

static int h_bmap(struct ipc_msg *m, void *unused)
{
	struct fs_bmap_req rq = *IPC_REQ(m, struct fs_bmap_req);
	struct fs_bmap_rep rp = { .disk = disk_index() };
	struct ext2_stat st;
	uint32_t blk, n;
	int err = file_get(rq.ino, rq.gen, &st);

	(void)unused;
	if (!err && (rq.max == 0 || rq.max > FS_BMAP_MAX ||
		     (rq.flags & ~(uint64_t)FS_BMAP_ALLOC) ||
		     rq.page > (1ull << 40)))
		err = -EINVAL;
	err = err ?: ext2_bmap(&fs, (uint32_t)rq.ino, rq.page,
			       (uint32_t)rq.max, rq.flags & FS_BMAP_ALLOC,
			       &blk, &n);
	if (!err && (rq.flags & FS_BMAP_ALLOC))
		err = changed(&fs, 0);
	if (err)
		return reply(m, err);
	rp.sector = (uint64_t)blk * (fs.bsize / 512);
	rp.npages = n;
	IPC_REPLY_PUT(m, &rp);
	return IPC_REPLY;
}

static int h_statfs(struct ipc_msg *m, void *unused)
{
	struct fs_statfs_rep rp = { .bsize = fs.bsize, .disk = disk_index() };

	(void)unused;
	ext2_statfs(&fs, &rp.blocks, &rp.bfree, &rp.files, &rp.ffree);
	IPC_REPLY_PUT(m, &rp);
	return IPC_REPLY;
}

static const ipc_handler fs_handlers[FS_LABEL_COUNT] = {
	[FS_OPEN - FS_OPEN] = h_open,
	[FS_STAT - FS_OPEN] = h_stat,
	[FS_READ - FS_OPEN] = h_read,
	[FS_WRITE - FS_OPEN] = h_write,
	[FS_TRUNCATE - FS_OPEN] = h_truncate,
	[FS_READDIR - FS_OPEN] = h_readdir,
	[FS_MKDIR - FS_OPEN] = h_mkdir,
	[FS_UNLINK - FS_OPEN] = h_unlink,
	[FS_RMDIR - FS_OPEN] = h_rmdir,
	[FS_RENAME - FS_OPEN] = h_rename,
	[FS_FSYNC - FS_OPEN] = h_fsync,
	[FS_SYNC - FS_OPEN] = h_sync,
	[FS_BMAP - FS_OPEN] = h_bmap,
	[FS_STATFS - FS_OPEN] = h_statfs,
};

static const struct ipc_proto fs_proto = {
	FS_OPEN, FS_LABEL_COUNT, fs_handlers, 0,
};

/* ---- start ---- */

extern char __executable_start[], edata[], end[];

static void __attribute__((noinline)) stack_touch(void)
{
	volatile char buf[STACK_TOUCH];

	for (size_t i = 0; i < sizeof(buf); i += PAGE)
		buf[i] = 0;
}

/*
 * Every page we will ever use, present now: the image (read), the bss
 * (written, so no page is left on the shared zero page) and some stack.
 * mlockall keeps them from reclaim once the pager reclaims.
 */
static void fs_make_resident(void)
{
	long err = mlockall(MCL_CURRENT | MCL_FUTURE);

	if (err)
		printf("fs: mlockall failed; touching pages only\n");
	for (volatile char *p = __executable_start; p < edata; p += PAGE)
		(void)*p;
	for (volatile char *p = edata; p < end; p += PAGE)
		*p = *p;
	stack_touch();
}

static uint32_t fs_now(void *ctx)
{
	(void)ctx;
	return boot_time + (uint32_t)(sys_clock_ns() / 1000000000);
}

static long fs_register(void)
{
	long h = sys3(SYS_HANDLE_MINT, fs_ep, R_SEND, 0);
	struct ipc_msg m = { .w = { 0, (uint64_t)h } };
	long err;

	if (h < 0)
		return h;
	m.tag = IPC_TAG(PROC_REGISTER, 2) | IPC_TAG_HANDLES(1) |
		IPC_TAG_BUF(sizeof("fs"));
	m.buf = "fs";
	err = ipc_call(H_PROC, &m);
	sys1(SYS_HANDLE_CLOSE, h);
	return err ? err : (long)m.w[0];
}

static int fs_mount(void)
{
	void *cache;
	size_t cache_bytes;
	long err = disk_open(FS_DISK, &cache, &cache_bytes);

	if (err) {
		printf("fs: disk%d: cannot open: %ld\n", FS_DISK, err);
		return 1;
	}
	bdev = (struct ext2_bdev){ .size = disk_bytes(), .read = disk_read,
				   .write = disk_write, .flush = disk_flush };
	err = ext2_mount(&fs, &bdev, cache, cache_bytes);
	if (err) {
		printf("fs: disk%d: not mounted: %s\n", FS_DISK, fs.why);
		return 1;
	}
	boot_time = fs.sb.s_wtime;
	bdev.now = fs_now;
	printf("fs: disk%d: ext2, %u-byte blocks, %u/%u blocks free%s\n",
	       FS_DISK, fs.bsize, fs.sb.s_free_blocks_count,
	       fs.sb.s_blocks_count, fs.ro ? ", read-only" : "");
	return 0;
}

int main(void)
{
	struct ipc_server srv = {
		.protos = &fs_proto, .nprotos = 1,
		.recvbuf = req_buf, .recvbuf_len = sizeof(req_buf),
	};
	long ep, err;

	fs_make_resident();
	if (fs_mount())
		return 1;
	ep = sys0(SYS_EP_CREATE);
	if (ep < 0)
		return 1;
	fs_ep = (uint64_t)ep;
	err = fs_register();
	if (err) {
		printf("fs: cannot register: %ld\n", err);
		return 1;
	}
	srv.ep = fs_ep;
	ipc_serve(&srv);
}
