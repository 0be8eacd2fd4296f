/*
 * ipc/fs.h - requests to the file server (servers/fs), found under the
 * name "fs" (PROC_LOOKUP).  It serves one ext2 file system on a blk disk.
 *
 * Every reply: word 0 = 0 or -errno (Linux values), results in words 1...
 *
 * Files are named by path for FS_OPEN, FS_MKDIR, FS_UNLINK, FS_RMDIR and
 * FS_RENAME: absolute, '/'-separated, NUL-terminated, in the request
 * buffer (at most FS_PATH_MAX bytes with the NUL).  Everything else names
 * an open file by (ino, gen), as FS_OPEN returned them: an inode number
 * and its generation.  A file that has since been deleted gives -ENOENT,
 * and one whose inode was reused gives -ESTALE, so a stale name never
 * reaches another file's data.  The server keeps no per-client state:
 * offsets, access modes and O_APPEND belong to the client (lib/c).
 *
 * Bytes move in the message buffer, at most IPC_BUF_MAX per request:
 * FS_WRITE's in the request, FS_READ's and FS_READDIR's in the reply (the
 * caller's receive buffer).
 *
 * Durability: every request that changes the file system has written its
 * changes to the disk (through blk) before it is answered, so a clean
 * halt loses nothing.  FS_FSYNC and FS_SYNC also flush the disk's write
 * cache (BLK_FLUSH).
 *
 * FS_BMAP is for a page cache in the pager that moves file pages between
 * memory and the disk itself, zero-copy through blk (see docs/design.md,
 * "Files").  It maps page-sized pieces of a regular file to disk sectors:
 * a run of pages laid out contiguously on the disk, or a run of holes.
 * The server drops its own cached copies of the blocks it hands out, so
 * the caller's I/O on them is the only I/O.  With FS_BMAP_ALLOC, holes
 * below i_size get blocks first; their content is undefined until the
 * caller writes each whole page.  Pages at or past i_size are -ENXIO (a
 * caller extends the file with FS_TRUNCATE first).  npages = 0 in a
 * successful reply: the first page is not one contiguous run of blocks
 * (small blocks, fragmented or partly past i_size); move it with
 * FS_READ/FS_WRITE instead.
 *
 * Errors besides the usual path ones (-ENOENT, -ENOTDIR, -EEXIST,
 * -EISDIR, -ENOTEMPTY, -ENAMETOOLONG): -EINVAL a malformed request;
 * -EIO the disk failed or the file's on-disk structure is corrupt (that
 * file only); -EROFS the file system is mounted read-only; -ENOSPC.
 */
#ifndef IPC_FS_H
#define IPC_FS_H

#include <ipc/msg.h>
#include <ipc/sys.h>

enum fs_label {
	FS_OPEN = 0x480,	/* flags, mode; path -> stat of the file */
	FS_STAT,		/* ino, gen -> stat */
	FS_READ,		/* ino, gen, off, len -> n; bytes in reply */
	FS_WRITE,		/* ino, gen, off, flags; bytes -> n, size */
	FS_TRUNCATE,		/* ino, gen, size */
	FS_READDIR,		/* ino, gen, pos -> next pos, count;
				 * struct fs_dirent records in reply */
	FS_MKDIR,		/* mode; path */
	FS_UNLINK,		/* path (not a directory) */
	FS_RMDIR,		/* path (an empty directory) */
	FS_RENAME,		/* buffer "old\0new\0" */
	FS_FSYNC,		/* ino, gen */
	FS_SYNC,		/* everything */
	FS_BMAP,		/* ino, gen, page, max, flags
				 * -> sector, npages, disk */
	FS_STATFS,		/* -> bsize, blocks, bfree, files, ffree,
				 *    disk */
	FS_LABEL_END
};
#define FS_LABEL_COUNT	(FS_LABEL_END - FS_OPEN)

#define FS_PATH_MAX	1024
#define FS_PAGE_SIZE	4096
#define FS_BMAP_MAX	64	/* pages per FS_BMAP reply */

/* FS_OPEN flags */
#define FS_O_CREAT	0x1	/* create a regular file if missing */
#define FS_O_EXCL	0x2	/* with FS_O_CREAT: -EEXIST if it exists */
#define FS_O_TRUNC	0x4	/* a regular file: cut to 0 bytes */
#define FS_O_DIRECTORY	0x8	/* -ENOTDIR unless a directory */
#define FS_O_MASK	0xf

/* FS_WRITE flags */
#define FS_W_APPEND	0x1	/* at the end of the file; off is ignored */

/* FS_BMAP flags */
#define FS_BMAP_ALLOC	0x1

/*
 * The messages (see ipc/msg.h): FS_x sends struct fs_x_req and is
 * answered with struct fs_x_rep.
 */
/* The stat of a file: FS_OPEN's and FS_STAT's reply. */
struct fs_stat_rep {
	int64_t status;
	uint64_t ino, gen;
	uint64_t mode_nlink;	/* st_mode | st_nlink << 32 */
	uint64_t size;
	uint64_t blocks;	/* 512-byte units */
	uint64_t mtime, ctime;	/* seconds */
};
#define FS_STAT_MODE(rp)	((uint32_t)(rp)->mode_nlink)
#define FS_STAT_NLINK(rp)	((uint32_t)((rp)->mode_nlink >> 32))

struct fs_open_req { uint64_t flags, mode; };		/* path: buffer */

struct fs_file_req { uint64_t ino, gen; };	/* FS_STAT, FS_FSYNC */
struct fs_file_rep { int64_t status; };

struct fs_read_req { uint64_t ino, gen, off, len; };	/* len <= 4096 */
struct fs_read_rep { int64_t status; uint64_t n; };

struct fs_write_req { uint64_t ino, gen, off, flags; };	/* bytes: buffer */
struct fs_write_rep { int64_t status; uint64_t n, size; };

struct fs_truncate_req { uint64_t ino, gen, size; };

struct fs_readdir_req { uint64_t ino, gen, pos; };	/* pos 0: start */
struct fs_readdir_rep { int64_t status; uint64_t next, count; };

/* One FS_READDIR record; records are FS_DIRENT_LEN(namelen) bytes. */
struct fs_dirent {
	uint64_t ino;
	uint16_t reclen;
	uint8_t type;		/* DT_* values (Linux dirent d_type) */
	uint8_t namelen;
	char name[];		/* NUL-terminated */
};
#define FS_DIRENT_LEN(namelen)	((12u + (namelen) + 1 + 7) & ~7u)

struct fs_mkdir_req { uint64_t mode; };			/* path: buffer */

struct fs_bmap_req { uint64_t ino, gen, page, max, flags; };
struct fs_bmap_rep {
	int64_t status;
	uint64_t sector;	/* first 512-byte sector; 0: holes */
	uint64_t npages;	/* pages in the run, <= max */
	uint64_t disk;		/* the blk disk index */
};

struct fs_statfs_rep {
	int64_t status;
	uint64_t bsize, blocks, bfree, files, ffree, disk;
};

IPC_MSG_ASSERT(struct fs_stat_rep);
IPC_MSG_ASSERT(struct fs_open_req);
IPC_MSG_ASSERT(struct fs_file_req);
IPC_MSG_ASSERT(struct fs_file_rep);
IPC_MSG_ASSERT(struct fs_read_req);
IPC_MSG_ASSERT(struct fs_read_rep);
IPC_MSG_ASSERT(struct fs_write_req);
IPC_MSG_ASSERT(struct fs_write_rep);
IPC_MSG_ASSERT(struct fs_truncate_req);
IPC_MSG_ASSERT(struct fs_readdir_req);
IPC_MSG_ASSERT(struct fs_readdir_rep);
IPC_MSG_ASSERT(struct fs_mkdir_req);
IPC_MSG_ASSERT(struct fs_bmap_req);
IPC_MSG_ASSERT(struct fs_bmap_rep);
IPC_MSG_ASSERT(struct fs_statfs_rep);

/*
 * Client stubs (lib/ipc/fs_client.c), on a handle h to the file server:
 * send the request, fill *rp from the reply, and return the reply's
 * status (or the call's own error).  A reply that is only a status has
 * no rp.  FS_READ's and FS_READDIR's bytes land in the caller's receive
 * buffer; *rtag gets the reply's tag (their length).
 */
long fs_req_open(uint64_t h, const struct fs_open_req *rq, const char *path,
		 struct fs_stat_rep *rp);
long fs_req_stat(uint64_t h, const struct fs_file_req *rq,
		 struct fs_stat_rep *rp);
long fs_req_read(uint64_t h, const struct fs_read_req *rq,
		 struct fs_read_rep *rp, uint64_t *rtag);
long fs_req_write(uint64_t h, const struct fs_write_req *rq, const void *buf,
		  unsigned len, struct fs_write_rep *rp);
long fs_req_truncate(uint64_t h, const struct fs_truncate_req *rq);
long fs_req_readdir(uint64_t h, const struct fs_readdir_req *rq,
		    struct fs_readdir_rep *rp, uint64_t *rtag);
long fs_req_mkdir(uint64_t h, const struct fs_mkdir_req *rq,
		  const char *path);
long fs_req_unlink(uint64_t h, const char *path);
long fs_req_rmdir(uint64_t h, const char *path);
long fs_req_rename(uint64_t h, const char *from, const char *to);
long fs_req_fsync(uint64_t h, const struct fs_file_req *rq);
long fs_req_sync(uint64_t h);
long fs_req_bmap(uint64_t h, const struct fs_bmap_req *rq,
		 struct fs_bmap_rep *rp);
long fs_req_statfs(uint64_t h, struct fs_statfs_rep *rp);

#endif
