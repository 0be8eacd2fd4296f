/*
 * ext2.h - the ext2 file system (revisions 0 and 1, 1, 2 and 4 KiB blocks,
 * no journal), written against a small block-device interface so that the
 * same code runs in the fs server (over servers/blk) and on the host (over
 * an image file, tests/host/fs).
 *
 * Layers, each in its own file:
 *   ext2_cache.c  a block cache over struct ext2_bdev: pinned buffers,
 *                 write-back on eviction and on ext2_sync();
 *   ext2_super.c  mount (superblock and group descriptors validated),
 *                 block and inode bitmaps, sync, ext2_check();
 *   ext2_inode.c  inodes, block mapping (direct, indirect, double and
 *                 triple indirect; allocating), read, write, truncate,
 *                 bmap for a page cache;
 *   ext2_dir.c    directories: lookup, path walk, readdir, create, mkdir,
 *                 unlink, rmdir, rename.
 *
 * Every operation returns 0 or a negative errno (Linux values).  The
 * on-disk image is never trusted: a block pointer outside the file system,
 * a bitmap that says a block in use is free, or a malformed directory
 * entry makes that operation fail with -EIO and leaves everything else
 * alone.  A corrupt or foreign image is refused at mount with a reason.
 *
 * Consistency: after ext2_sync() returns 0 the image is exactly what
 * e2fsck expects - bitmaps, group-descriptor and superblock free counts,
 * directory counts, link counts and i_blocks all agree.  Between syncs the
 * dirty state is in the cache (and in fs->sb / fs->gdt).
 *
 * Nothing here locks: one thread uses one struct ext2_fs.
 */
#ifndef FS_EXT2_H
#define FS_EXT2_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- on-disk layout (little-endian, as is every host we build for) ---- */

#define EXT2_MAGIC		0xef53
#define EXT2_SB_OFFSET		1024
#define EXT2_ROOT_INO		2
#define EXT2_GOOD_OLD_FIRST_INO	11
#define EXT2_GOOD_OLD_INODE_SIZE 128
#define EXT2_NDIR_BLOCKS	12
#define EXT2_IND_BLOCK		12
#define EXT2_DIND_BLOCK		13
#define EXT2_TIND_BLOCK		14
#define EXT2_N_BLOCKS		15
#define EXT2_NAME_LEN		255

#define EXT2_VALID_FS		0x0001

/* Feature bits we know by name (for the refusal messages). */
#define EXT2_FEATURE_COMPAT_HAS_JOURNAL		0x0004
#define EXT2_FEATURE_INCOMPAT_COMPRESSION	0x0001
#define EXT2_FEATURE_INCOMPAT_FILETYPE		0x0002
#define EXT2_FEATURE_INCOMPAT_RECOVER		0x0004
#define EXT2_FEATURE_INCOMPAT_JOURNAL_DEV	0x0008
#define EXT2_FEATURE_INCOMPAT_META_BG		0x0010
#define EXT2_FEATURE_INCOMPAT_EXTENTS		0x0040
#define EXT2_FEATURE_INCOMPAT_64BIT		0x0080
#define EXT2_FEATURE_INCOMPAT_FLEX_BG		0x0200
#define EXT2_FEATURE_INCOMPAT_INLINE_DATA	0x8000
#define EXT2_FEATURE_RO_COMPAT_SPARSE_SUPER	0x0001
#define EXT2_FEATURE_RO_COMPAT_LARGE_FILE	0x0002

#define EXT2_INCOMPAT_SUPP	EXT2_FEATURE_INCOMPAT_FILETYPE
#define EXT2_RO_COMPAT_SUPP	(EXT2_FEATURE_RO_COMPAT_SPARSE_SUPER | \
				 EXT2_FEATURE_RO_COMPAT_LARGE_FILE)

#define EXT2_INDEX_FL		0x00001000	/* hashed directory */

struct ext2_super {
	uint32_t s_inodes_count;
	uint32_t s_blocks_count;
	uint32_t s_r_blocks_count;
	uint32_t s_free_blocks_count;
	uint32_t s_free_inodes_count;
	uint32_t s_first_data_block;
	uint32_t s_log_block_size;
	uint32_t s_log_frag_size;
	uint32_t s_blocks_per_group;
	uint32_t s_frags_per_group;
	uint32_t s_inodes_per_group;
	uint32_t s_mtime;
	uint32_t s_wtime;
	uint16_t s_mnt_count;
	int16_t s_max_mnt_count;
	uint16_t s_magic;
	uint16_t s_state;
	uint16_t s_errors;
	uint16_t s_minor_rev_level;
	uint32_t s_lastcheck;
	uint32_t s_checkinterval;
	uint32_t s_creator_os;
	uint32_t s_rev_level;
	uint16_t s_def_resuid;
	uint16_t s_def_resgid;
	/* revision 1 (EXT2_DYNAMIC_REV) */
	uint32_t s_first_ino;
	uint16_t s_inode_size;
	uint16_t s_block_group_nr;
	uint32_t s_feature_compat;
	uint32_t s_feature_incompat;
	uint32_t s_feature_ro_compat;
	uint8_t s_rest[1024 - 104];	/* uuid, names, ...: kept as read */
};
_Static_assert(sizeof(struct ext2_super) == 1024, "superblock");
_Static_assert(offsetof(struct ext2_super, s_magic) == 56, "s_magic");
_Static_assert(offsetof(struct ext2_super, s_rev_level) == 76, "s_rev_level");
_Static_assert(offsetof(struct ext2_super, s_feature_ro_compat) == 100,
	       "s_feature_ro_compat");

struct ext2_group_desc {
	uint32_t bg_block_bitmap;
	uint32_t bg_inode_bitmap;
	uint32_t bg_inode_table;
	uint16_t bg_free_blocks_count;
	uint16_t bg_free_inodes_count;
	uint16_t bg_used_dirs_count;
	uint16_t bg_flags;
	uint32_t bg_reserved[3];
};
_Static_assert(sizeof(struct ext2_group_desc) == 32, "group descriptor");

/* The first 128 bytes of every on-disk inode (s_inode_size may be more). */
struct ext2_inode {
	uint16_t i_mode;
	uint16_t i_uid;
	uint32_t i_size;
	uint32_t i_atime;
	uint32_t i_ctime;
	uint32_t i_mtime;
	uint32_t i_dtime;
	uint16_t i_gid;
	uint16_t i_links_count;
	uint32_t i_blocks;		/* 512-byte units, metadata included */
	uint32_t i_flags;
	uint32_t i_osd1;
	uint32_t i_block[EXT2_N_BLOCKS];
	uint32_t i_generation;
	uint32_t i_file_acl;		/* extended-attribute block */
	uint32_t i_size_high;		/* regular files (large_file) */
	uint32_t i_faddr;
	uint8_t i_osd2[12];
};
_Static_assert(sizeof(struct ext2_inode) == 128, "inode");
_Static_assert(offsetof(struct ext2_inode, i_block) == 40, "i_block");
_Static_assert(offsetof(struct ext2_inode, i_generation) == 100,
	       "i_generation");

/* Bytes 128.. of a large inode, as far as we fill them in. */
#define EXT2_INODE_EXTRA_ISIZE_OFF	128
#define EXT2_INODE_CRTIME_OFF		144
#define EXT2_INODE_EXTRA_WANT		32

struct ext2_dirent {
	uint32_t inode;
	uint16_t rec_len;
	uint8_t name_len;
	uint8_t file_type;		/* with the filetype feature */
	char name[];
};
#define EXT2_DIRENT_HEAD	8
#define EXT2_DIRENT_LEN(n)	((EXT2_DIRENT_HEAD + (n) + 3) & ~3u)

enum ext2_ftype {
	EXT2_FT_UNKNOWN, EXT2_FT_REG_FILE, EXT2_FT_DIR, EXT2_FT_CHRDEV,
	EXT2_FT_BLKDEV, EXT2_FT_FIFO, EXT2_FT_SOCK, EXT2_FT_SYMLINK
};

/* Mode bits (the same as Linux's S_IF*). */
#define EXT2_S_IFMT	0170000
#define EXT2_S_IFSOCK	0140000
#define EXT2_S_IFLNK	0120000
#define EXT2_S_IFREG	0100000
#define EXT2_S_IFBLK	0060000
#define EXT2_S_IFDIR	0040000
#define EXT2_S_IFCHR	0020000
#define EXT2_S_IFIFO	0010000
#define EXT2_ISDIR(m)	(((m) & EXT2_S_IFMT) == EXT2_S_IFDIR)
#define EXT2_ISREG(m)	(((m) & EXT2_S_IFMT) == EXT2_S_IFREG)
#define EXT2_ISLNK(m)	(((m) & EXT2_S_IFMT) == EXT2_S_IFLNK)

/* ---- the block device ---- */

/*
 * Byte-addressed, but every offset and length the file system uses is a
 * multiple of 512.  read and write move len bytes between the device at
 * byte off and buf; both return 0 or -EIO.  flush makes completed writes
 * durable (NULL: nothing to do).  now gives seconds since the epoch for
 * timestamps (NULL: the superblock's last write time).
 */
struct ext2_bdev {
	void *ctx;
	uint64_t size;			/* bytes */
	int (*read)(void *ctx, uint64_t off, void *buf, size_t len);
	int (*write)(void *ctx, uint64_t off, const void *buf, size_t len);
	int (*flush)(void *ctx);
	uint32_t (*now)(void *ctx);
};

/* ---- the mounted file system ---- */

#define EXT2_CACHE_MAX	1024		/* buffers */
#define EXT2_HASH	256		/* hash chains, a power of two */
#define EXT2_GDT_MAX	(64 * 1024)	/* bytes of group descriptors */
#define EXT2_WHY_MAX	128

struct ext2_buf {
	uint32_t blk;
	int32_t next;			/* hash chain, -1 ends it */
	uint32_t stamp;			/* last use, for eviction */
	uint16_t pins;
	uint8_t valid, dirty;
};

struct ext2_fs {
	const struct ext2_bdev *bdev;
	struct ext2_super sb;
	bool sb_dirty, ro;
	uint32_t bsize;			/* bytes per block */
	uint32_t ptrs;			/* block numbers per block */
	uint32_t ngroups;
	uint32_t isize;			/* bytes per on-disk inode */
	uint32_t first_ino;
	uint32_t itable_blocks;		/* per group */
	uint32_t gdt_blocks;
	uint32_t next_gen;		/* i_generation for new inodes */
	uint32_t time_base;		/* without bdev->now */
	uint8_t gdt[EXT2_GDT_MAX];	/* whole blocks, as on disk */
	bool gdt_dirty;
	/* the block cache (ext2_cache.c) */
	uint8_t *cache;			/* nbufs * bsize bytes */
	uint32_t nbufs, stamp;
	struct ext2_buf bufs[EXT2_CACHE_MAX];
	int32_t hash[EXT2_HASH];
	/* counters, for tests and the server's log */
	uint64_t reads, writes, hits;
	char why[EXT2_WHY_MAX];		/* why the last mount was refused */
};

struct ext2_stat {
	uint32_t ino, mode, nlink, uid, gid, generation;
	uint64_t size, blocks;		/* blocks: 512-byte units */
	uint32_t atime, mtime, ctime;
};

/* One directory entry as readdir gives it. */
struct ext2_dent {
	uint32_t ino;
	uint8_t type;			/* enum ext2_ftype, or from the mode */
	uint8_t name_len;
	char name[EXT2_NAME_LEN + 1];
};

/*
 * Mounts the file system on bdev, with cache_bytes at cache for the block
 * cache (at least 16 blocks of the largest size).  -EINVAL with fs->why
 * set when the image is corrupt, foreign or uses features we lack; the
 * image is then never written.  A read-only-compatible feature we do not
 * know mounts read-only (fs->ro; writes give -EROFS).
 */
int ext2_mount(struct ext2_fs *fs, const struct ext2_bdev *bdev, void *cache,
	       size_t cache_bytes);
/* Writes every dirty buffer, the group descriptors and the superblock,
 * then flushes the device. */
int ext2_sync(struct ext2_fs *fs);
/* The same without the device flush: everything handed to the device. */
int ext2_writeback(struct ext2_fs *fs);
/* Validator: no buffer pinned, and every free count (per group and in the
 * superblock) agrees with the bitmaps.  0 or -EIO (with fs->why). */
int ext2_check(struct ext2_fs *fs);
/* Blocks and inodes, for statfs. */
void ext2_statfs(struct ext2_fs *fs, uint64_t *blocks, uint64_t *bfree,
		 uint64_t *files, uint64_t *ffree);

int ext2_stat(struct ext2_fs *fs, uint32_t ino, struct ext2_stat *st);
int ext2_read(struct ext2_fs *fs, uint32_t ino, uint64_t off, void *buf,
	      size_t len, size_t *done);
int ext2_write(struct ext2_fs *fs, uint32_t ino, uint64_t off,
	       const void *buf, size_t len, size_t *done);
int ext2_truncate(struct ext2_fs *fs, uint32_t ino, uint64_t size);

/*
 * Maps file page `page` (4 KiB, whatever the block size) to disk: *blk is
 * the first block of the page (0: a hole) and *npages how many pages from
 * `page` on, at most max, are laid out contiguously on disk from *blk (or
 * are all holes, when *blk is 0).  A page whose blocks are not contiguous,
 * or only partly allocated, gives *npages = 0: its caller must go through
 * ext2_read/ext2_write.  With alloc, holes in pages wholly below i_size
 * are filled first (the new blocks are not zeroed: the caller writes every
 * byte of them before anyone reads them); pages at or beyond i_size give
 * -ENXIO, since a page cache extends a file with ext2_truncate first.
 */
#define EXT2_PAGE_SIZE	4096
int ext2_bmap(struct ext2_fs *fs, uint32_t ino, uint64_t page, uint32_t max,
	      bool alloc, uint32_t *blk, uint32_t *npages);

/* Directories.  Names are not NUL-terminated; 1..EXT2_NAME_LEN bytes. */
int ext2_lookup(struct ext2_fs *fs, uint32_t dir, const char *name,
		size_t len, uint32_t *ino);
/* An absolute path ('/' separated; "." and ".." as the directories say). */
int ext2_namei(struct ext2_fs *fs, const char *path, uint32_t *ino);
/* The directory holding the last component of path, and that component. */
int ext2_namei_parent(struct ext2_fs *fs, const char *path, uint32_t *dir,
		      const char **name, size_t *len);
/* The entry at or after byte *pos of the directory; *pos moves past it.
 * -ENOENT at the end. */
int ext2_readdir(struct ext2_fs *fs, uint32_t dir, uint64_t *pos,
		 struct ext2_dent *d);
int ext2_create(struct ext2_fs *fs, uint32_t dir, const char *name,
		size_t len, uint32_t mode, uint32_t *ino);
int ext2_mkdir(struct ext2_fs *fs, uint32_t dir, const char *name,
	       size_t len, uint32_t mode, uint32_t *ino);
int ext2_unlink(struct ext2_fs *fs, uint32_t dir, const char *name,
		size_t len);
int ext2_rmdir(struct ext2_fs *fs, uint32_t dir, const char *name,
	       size_t len);
int ext2_rename(struct ext2_fs *fs, uint32_t odir, const char *oname,
		size_t olen, uint32_t ndir, const char *nname, size_t nlen);

/* ---- between the files of the implementation ---- */

/* ext2_cache.c: a pinned buffer holding block blk (read from the device),
 * or a zeroed one (for a block just allocated: not read).  NULL with *err
 * set on failure.  Every get is matched by a put. */
void *ext2_bget(struct ext2_fs *fs, uint32_t blk, int *err);
void *ext2_bget_zero(struct ext2_fs *fs, uint32_t blk, int *err);
void ext2_bdirty(struct ext2_fs *fs, void *data);
void ext2_bput(struct ext2_fs *fs, void *data);
void ext2_cache_init(struct ext2_fs *fs, void *mem, size_t bytes);
int ext2_cache_flush(struct ext2_fs *fs);
/* Writes block blk back if dirty and drops it (someone else writes it). */
int ext2_cache_drop(struct ext2_fs *fs, uint32_t blk);
/* Drops block blk unwritten (it was freed); a pinned one stays. */
void ext2_cache_forget(struct ext2_fs *fs, uint32_t blk);
unsigned ext2_cache_pinned(const struct ext2_fs *fs);

/* ext2_super.c: allocation.  A block goal of 0 means anywhere. */
struct ext2_group_desc *ext2_gd(struct ext2_fs *fs, uint32_t group);
bool ext2_block_valid(const struct ext2_fs *fs, uint32_t blk);
int ext2_balloc(struct ext2_fs *fs, uint32_t goal, uint32_t *blk);
int ext2_bfree(struct ext2_fs *fs, uint32_t blk);
int ext2_ialloc(struct ext2_fs *fs, uint32_t dir, bool isdir, uint32_t *ino);
int ext2_ifree(struct ext2_fs *fs, uint32_t ino, bool isdir);
uint32_t ext2_now(struct ext2_fs *fs);

/* ext2_inode.c */
int ext2_iget(struct ext2_fs *fs, uint32_t ino, struct ext2_inode *in);
int ext2_iput(struct ext2_fs *fs, uint32_t ino, const struct ext2_inode *in);
/* A fresh on-disk inode (the whole slot zeroed, extra fields set). */
int ext2_iinit(struct ext2_fs *fs, uint32_t ino, const struct ext2_inode *in);
uint64_t ext2_isize(const struct ext2_inode *in);
void ext2_set_isize(struct ext2_fs *fs, struct ext2_inode *in, uint64_t size);
/* Logical block lbn -> *pblk (0: a hole), allocating holes with
 * EXT2_ALLOC_ZERO (new data blocks zeroed in the cache) or EXT2_ALLOC_RAW
 * (new data blocks left as they are on disk, for a caller that writes
 * them itself).  Indirect blocks are always zeroed. */
enum { EXT2_NOALLOC, EXT2_ALLOC_ZERO, EXT2_ALLOC_RAW };
int ext2_bmap_block(struct ext2_fs *fs, struct ext2_inode *in, uint32_t ino,
		    uint64_t lbn, int alloc, uint32_t *pblk);
/* Frees the blocks beyond size and sets i_size (in only; caller iputs). */
int ext2_itrunc(struct ext2_fs *fs, struct ext2_inode *in, uint64_t size);
/* Drops one link; at zero, frees the blocks and the inode. */
int ext2_idrop(struct ext2_fs *fs, uint32_t ino, struct ext2_inode *in);

#endif
