/*
 * ext2_inode.c - inodes and their blocks: the block map (12 direct
 * pointers, then single, double and triple indirect blocks of fs->ptrs
 * pointers each), read, write, truncate and bmap for a page cache.
 *
 * An inode is copied out of its inode-table block (ext2_iget), changed,
 * and copied back (ext2_iput); nothing keeps inodes in memory between
 * operations, so the block cache is the only cache.
 *
 * Invariants kept for every regular file and directory:
 *   - i_blocks counts, in 512-byte units, every data and indirect block
 *     reachable from i_block[] (and the extended-attribute block);
 *   - no block is mapped at or beyond ceil(i_size / block size), and the
 *     bytes of the last block beyond i_size are zero, so extending a file
 *     (truncate up, or a write past the end) shows zeros;
 *   - an indirect block that maps nothing is freed.
 * A pointer outside the file system makes the operation on that inode
 * fail with -EIO before anything is freed through it.
 */
#include <errno.h>
#include <string.h>

#include "ext2.h"

#define XATTR_MAGIC	0xea020000u

static int inode_locate(struct ext2_fs *fs, uint32_t ino, uint32_t *blk,
			uint32_t *off)
{
	uint32_t g, idx;
	uint64_t byte;

	if (ino == 0 || ino > fs->sb.s_inodes_count)
		return -EINVAL;
	g = (ino - 1) / fs->sb.s_inodes_per_group;
	idx = (ino - 1) % fs->sb.s_inodes_per_group;
	byte = (uint64_t)idx * fs->isize;
	*blk = ext2_gd(fs, g)->bg_inode_table + (uint32_t)(byte / fs->bsize);
	*off = (uint32_t)(byte % fs->bsize);
	return 0;
}

int ext2_iget(struct ext2_fs *fs, uint32_t ino, struct ext2_inode *in)
{
	uint32_t blk, off;
	int err = inode_locate(fs, ino, &blk, &off);
	uint8_t *b;

	if (err)
		return err;
	b = ext2_bget(fs, blk, &err);
	if (!b)
		return err;
	memcpy(in, b + off, sizeof(*in));
	ext2_bput(fs, b);
	return 0;
}

static int inode_store(struct ext2_fs *fs, uint32_t ino,
		       const struct ext2_inode *in, bool fresh)
{
	uint32_t blk, off;
	int err = inode_locate(fs, ino, &blk, &off);
	uint8_t *b;

	if (err)
		return err;
	if (fs->ro)
		return -EROFS;
	b = ext2_bget(fs, blk, &err);
	if (!b)
		return err;
	if (fresh) {
		memset(b + off, 0, fs->isize);
		if (fs->isize >= EXT2_GOOD_OLD_INODE_SIZE +
				 EXT2_INODE_EXTRA_WANT) {
			uint16_t extra = EXT2_INODE_EXTRA_WANT;

			memcpy(b + off + EXT2_INODE_EXTRA_ISIZE_OFF, &extra,
			       sizeof(extra));
			memcpy(b + off + EXT2_INODE_CRTIME_OFF, &in->i_ctime,
			       sizeof(in->i_ctime));
		}
	}
	memcpy(b + off, in, sizeof(*in));
	ext2_bdirty(fs, b);
	ext2_bput(fs, b);
	return 0;
}

int ext2_iput(struct ext2_fs *fs, uint32_t ino, const struct ext2_inode *in)
{
	return inode_store(fs, ino, in, false);
}

int ext2_iinit(struct ext2_fs *fs, uint32_t ino, const struct ext2_inode *in)
{
	return inode_store(fs, ino, in, true);
}

uint64_t ext2_isize(const struct ext2_inode *in)
{
	uint64_t size = in->i_size;

	if (EXT2_ISREG(in->i_mode))
		size |= (uint64_t)in->i_size_high << 32;
	return size;
}

void ext2_set_isize(struct ext2_fs *fs, struct ext2_inode *in, uint64_t size)
{
	in->i_size = (uint32_t)size;
	if (!EXT2_ISREG(in->i_mode))
		return;
	in->i_size_high = (uint32_t)(size >> 32);
	if (size > 0x7fffffff && !(fs->sb.s_feature_ro_compat &
				   EXT2_FEATURE_RO_COMPAT_LARGE_FILE)) {
		fs->sb.s_feature_ro_compat |=
			EXT2_FEATURE_RO_COMPAT_LARGE_FILE;
		fs->sb_dirty = true;
	}
}

/* Symlinks of under 60 bytes keep their target in i_block[]. */
static bool inode_fast_symlink(const struct ext2_fs *fs,
			       const struct ext2_inode *in)
{
	uint32_t acl = in->i_file_acl ? fs->bsize / 512 : 0;

	return EXT2_ISLNK(in->i_mode) && in->i_blocks == acl;
}

/* Files larger than this cannot be mapped (or are absurd). */
static uint64_t max_blocks(const struct ext2_fs *fs)
{
	uint64_t p = fs->ptrs;

	return EXT2_NDIR_BLOCKS + p + p * p + p * p * p;
}

static uint64_t max_bytes(const struct ext2_fs *fs)
{
	uint64_t b = max_blocks(fs) * fs->bsize;
	uint64_t isz = 0xffffffffull * 512 - 4 * fs->bsize;	/* i_blocks */

	if (fs->sb.s_rev_level == 0)
		return 0x7fffffff;	/* no large_file feature to set */
	return b < isz ? b : isz;
}

/*
 * Logical block lbn -> the slots on the way: off[0] indexes i_block[],
 * off[1..depth] index the indirect blocks below it.
 */
static int block_path(const struct ext2_fs *fs, uint64_t lbn,
		      uint32_t off[4], int *depth)
{
	uint64_t p = fs->ptrs;

	if (lbn < EXT2_NDIR_BLOCKS) {
		off[0] = (uint32_t)lbn;
		*depth = 0;
		return 0;
	}
	lbn -= EXT2_NDIR_BLOCKS;
	if (lbn < p) {
		off[0] = EXT2_IND_BLOCK;
		off[1] = (uint32_t)lbn;
		*depth = 1;
		return 0;
	}
	lbn -= p;
	if (lbn < p * p) {
		off[0] = EXT2_DIND_BLOCK;
		off[1] = (uint32_t)(lbn / p);
		off[2] = (uint32_t)(lbn % p);
		*depth = 2;
		return 0;
	}
	lbn -= p * p;
	if (lbn < p * p * p) {
		off[0] = EXT2_TIND_BLOCK;
		off[1] = (uint32_t)(lbn / (p * p));
		off[2] = (uint32_t)(lbn / p % p);
		off[3] = (uint32_t)(lbn % p);
		*depth = 3;
		return 0;
	}
	return -EFBIG;
}

/* A new block near goal for in; zeroed in the cache unless raw. */
static int block_new(struct ext2_fs *fs, struct ext2_inode *in, uint32_t goal,
		     bool raw, uint32_t *blk)
{
	int err = ext2_balloc(fs, goal, blk);
	void *b;

	if (err)
		return err;
	in->i_blocks += fs->bsize / 512;
	if (raw)
		return 0;
	b = ext2_bget_zero(fs, *blk, &err);
	if (!b)
		return err;
	ext2_bput(fs, b);
	return 0;
}

static uint32_t inode_goal(struct ext2_fs *fs, uint32_t ino)
{
	uint32_t g = (ino - 1) / fs->sb.s_inodes_per_group;

	return ext2_gd(fs, g)->bg_inode_table + fs->itable_blocks;
}

int ext2_bmap_block(struct ext2_fs *fs, struct ext2_inode *in, uint32_t ino,
		    uint64_t lbn, int alloc, uint32_t *pblk)
{
	uint32_t off[4], p, goal;
	int depth, err = block_path(fs, lbn, off, &depth);

	if (err)
		return err;
	p = in->i_block[off[0]];
	if (p && !ext2_block_valid(fs, p))
		return -EIO;
	if (!p && alloc) {
		goal = off[0] && in->i_block[off[0] - 1] ?
		       in->i_block[off[0] - 1] + 1 : inode_goal(fs, ino);
		err = block_new(fs, in, goal,
				depth == 0 && alloc == EXT2_ALLOC_RAW, &p);
		if (err)
			return err;
		in->i_block[off[0]] = p;
	}
	for (int level = 1; p && level <= depth; level++) {
		uint32_t *map = ext2_bget(fs, p, &err), q;

		if (!map)
			return err;
		q = map[off[level]];
		if (q && !ext2_block_valid(fs, q)) {
			ext2_bput(fs, map);
			return -EIO;
		}
		if (!q && alloc) {
			goal = off[level] && map[off[level] - 1] ?
			       map[off[level] - 1] + 1 : p + 1;
			err = block_new(fs, in, goal, level == depth &&
					alloc == EXT2_ALLOC_RAW, &q);
			if (!err) {
				map[off[level]] = q;
				ext2_bdirty(fs, map);
			}
		}
		ext2_bput(fs, map);
		if (err)
			return err;
		p = q;
	}
	*pblk = p;
	return 0;
}

/* ---- read and write ---- */

static int inode_get_checked(struct ext2_fs *fs, uint32_t ino,
			     struct ext2_inode *in)
{
	int err = ext2_iget(fs, ino, in);

	if (err)
		return err;
	if (in->i_links_count == 0 || in->i_mode == 0)
		return -ENOENT;
	return 0;
}

int ext2_stat(struct ext2_fs *fs, uint32_t ino, struct ext2_stat *st)
{
	struct ext2_inode in;
	int err = inode_get_checked(fs, ino, &in);

	if (err)
		return err;
	*st = (struct ext2_stat){
		.ino = ino, .mode = in.i_mode, .nlink = in.i_links_count,
		.uid = in.i_uid, .gid = in.i_gid,
		.generation = in.i_generation, .size = ext2_isize(&in),
		.blocks = in.i_blocks, .atime = in.i_atime,
		.mtime = in.i_mtime, .ctime = in.i_ctime,
	};
	return 0;
}

int ext2_read(struct ext2_fs *fs, uint32_t ino, uint64_t off, void *buf,
	      size_t len, size_t *done)
{
	struct ext2_inode in;
	uint8_t *dst = buf;
	uint64_t size;
	int err = inode_get_checked(fs, ino, &in);

	*done = 0;
	if (err)
		return err;
	if (EXT2_ISDIR(in.i_mode))
		return -EISDIR;
	size = ext2_isize(&in);
	if (off >= size)
		return 0;
	if (len > size - off)
		len = (size_t)(size - off);
	if (inode_fast_symlink(fs, &in)) {
		if (size > sizeof(in.i_block))
			return -EIO;
		memcpy(dst, (uint8_t *)in.i_block + off, len);
		*done = len;
		return 0;
	}
	while (*done < len) {
		uint64_t pos = off + *done;
		uint32_t boff = (uint32_t)(pos % fs->bsize), blk;
		size_t n = fs->bsize - boff;
		uint8_t *b;

		if (n > len - *done)
			n = len - *done;
		err = ext2_bmap_block(fs, &in, ino, pos / fs->bsize,
				      EXT2_NOALLOC, &blk);
		if (err)
			return *done ? 0 : err;
		if (!blk) {
			memset(dst + *done, 0, n);
		} else {
			b = ext2_bget(fs, blk, &err);
			if (!b)
				return *done ? 0 : err;
			memcpy(dst + *done, b + boff, n);
			ext2_bput(fs, b);
		}
		*done += n;
	}
	return 0;
}

/* One block's worth of a write: n bytes at pos, within one block. */
static int write_piece(struct ext2_fs *fs, struct ext2_inode *in,
		       uint32_t ino, uint64_t pos, const uint8_t *src,
		       size_t n)
{
	uint32_t boff = (uint32_t)(pos % fs->bsize), blk;
	int err = ext2_bmap_block(fs, in, ino, pos / fs->bsize,
				  n == fs->bsize ? EXT2_ALLOC_RAW :
						   EXT2_ALLOC_ZERO, &blk);
	uint8_t *b;

	if (err)
		return err;
	/* A whole block is overwritten: no need to read it first. */
	b = n == fs->bsize ? ext2_bget_zero(fs, blk, &err)
			   : ext2_bget(fs, blk, &err);
	if (!b)
		return err;
	memcpy(b + boff, src, n);
	ext2_bdirty(fs, b);
	ext2_bput(fs, b);
	return 0;
}

int ext2_write(struct ext2_fs *fs, uint32_t ino, uint64_t off,
	       const void *buf, size_t len, size_t *done)
{
	struct ext2_inode in;
	const uint8_t *src = buf;
	int err = inode_get_checked(fs, ino, &in);

	*done = 0;
	if (err)
		return err;
	if (fs->ro)
		return -EROFS;
	if (EXT2_ISDIR(in.i_mode))
		return -EISDIR;
	if (!EXT2_ISREG(in.i_mode))
		return -EINVAL;
	if (off > max_bytes(fs) || len > max_bytes(fs) - off)
		return -EFBIG;
	while (*done < len) {
		uint64_t pos = off + *done;
		size_t n = fs->bsize - pos % fs->bsize;

		if (n > len - *done)
			n = len - *done;
		err = write_piece(fs, &in, ino, pos, src + *done, n);
		if (err)
			break;
		*done += n;
	}
	if (off + *done > ext2_isize(&in))
		ext2_set_isize(fs, &in, off + *done);
	if (*done)
		in.i_mtime = in.i_ctime = ext2_now(fs);
	err = ext2_iput(fs, ino, &in) ?: (*done ? 0 : err);
	return err;
}

/* ---- truncate ---- */

static int free_counted(struct ext2_fs *fs, struct ext2_inode *in,
			uint32_t blk)
{
	int err = ext2_bfree(fs, blk);

	if (!err)
		in->i_blocks -= fs->bsize / 512;
	return err;
}

/*
 * Frees what the tree under *slot (an indirect block of `level`: 1 maps
 * data blocks) maps at logical blocks >= from; base is the logical block
 * its first slot maps.  The indirect block itself goes when it maps
 * nothing any more, and *slot is then cleared.  Every pointer is checked
 * before anything is freed through it.
 */
static int trunc_tree(struct ext2_fs *fs, struct ext2_inode *in,
		      uint32_t *slot, int level, uint64_t base, uint64_t from)
{
	uint64_t span = 1;
	uint32_t *map;
	bool empty = true;
	int err = 0;

	if (!*slot)
		return 0;
	if (!ext2_block_valid(fs, *slot))
		return -EIO;
	for (int i = 1; i < level; i++)
		span *= fs->ptrs;
	map = ext2_bget(fs, *slot, &err);
	if (!map)
		return err;
	for (uint32_t i = 0; i < fs->ptrs && !err; i++) {
		uint64_t child = base + i * span;

		if (map[i] && child + span > from) {
			if (level == 1)
				err = ext2_block_valid(fs, map[i]) ?
				      free_counted(fs, in, map[i]) : -EIO;
			else
				err = trunc_tree(fs, in, &map[i], level - 1,
						 child, from);
			if (!err && level == 1)
				map[i] = 0;
			ext2_bdirty(fs, map);
		}
		empty &= map[i] == 0;
	}
	ext2_bput(fs, map);
	if (!err && empty) {
		err = free_counted(fs, in, *slot);
		if (!err)
			*slot = 0;
	}
	return err;
}

/* Zeroes the bytes of the block holding `size` from there on. */
static int zero_tail(struct ext2_fs *fs, struct ext2_inode *in, uint32_t ino,
		     uint64_t size)
{
	uint32_t boff = (uint32_t)(size % fs->bsize), blk;
	uint8_t *b;
	int err;

	if (!boff)
		return 0;
	err = ext2_bmap_block(fs, in, ino, size / fs->bsize, EXT2_NOALLOC,
			      &blk);
	if (err || !blk)
		return err;
	b = ext2_bget(fs, blk, &err);
	if (!b)
		return err;
	memset(b + boff, 0, fs->bsize - boff);
	ext2_bdirty(fs, b);
	ext2_bput(fs, b);
	return 0;
}

static int itrunc_blocks(struct ext2_fs *fs, struct ext2_inode *in,
			 uint64_t from)
{
	uint64_t p = fs->ptrs;
	uint64_t base[3] = { EXT2_NDIR_BLOCKS, EXT2_NDIR_BLOCKS + p,
			     EXT2_NDIR_BLOCKS + p + p * p };
	int err = 0;

	for (uint64_t i = from; i < EXT2_NDIR_BLOCKS && !err; i++) {
		uint32_t b = in->i_block[i];

		if (!b)
			continue;
		err = ext2_block_valid(fs, b) ? free_counted(fs, in, b) : -EIO;
		if (!err)
			in->i_block[i] = 0;
	}
	for (int level = 1; level <= 3 && !err; level++)
		err = trunc_tree(fs, in, &in->i_block[EXT2_IND_BLOCK + level - 1],
				 level, base[level - 1], from);
	return err;
}

int ext2_itrunc(struct ext2_fs *fs, struct ext2_inode *in, uint64_t size)
{
	int err = 0;

	if (fs->ro)
		return -EROFS;
	if (size > max_bytes(fs))
		return -EFBIG;
	if (size < ext2_isize(in) && !inode_fast_symlink(fs, in))
		err = itrunc_blocks(fs, in, (size + fs->bsize - 1) /
					    fs->bsize);
	if (err)
		return err;
	ext2_set_isize(fs, in, size);
	return 0;
}

int ext2_truncate(struct ext2_fs *fs, uint32_t ino, uint64_t size)
{
	struct ext2_inode in;
	int err = inode_get_checked(fs, ino, &in);

	if (err)
		return err;
	if (EXT2_ISDIR(in.i_mode))
		return -EISDIR;
	if (!EXT2_ISREG(in.i_mode))
		return -EINVAL;
	if (size < ext2_isize(&in))
		err = zero_tail(fs, &in, ino, size);
	err = err ?: ext2_itrunc(fs, &in, size);
	in.i_mtime = in.i_ctime = ext2_now(fs);
	return ext2_iput(fs, ino, &in) ?: err;
}

/* ---- freeing an inode ---- */

static int xattr_release(struct ext2_fs *fs, struct ext2_inode *in)
{
	uint32_t blk = in->i_file_acl, *h;
	bool last;
	int err;

	if (!blk)
		return 0;
	h = ext2_bget(fs, blk, &err);
	if (!h)
		return err;
	if (h[0] != XATTR_MAGIC) {
		ext2_bput(fs, h);
		return -EIO;
	}
	last = h[1] <= 1;
	if (!last) {
		h[1]--;
		ext2_bdirty(fs, h);
	}
	ext2_bput(fs, h);
	err = last ? ext2_bfree(fs, blk) : 0;
	if (!err) {
		in->i_blocks -= fs->bsize / 512;
		in->i_file_acl = 0;
	}
	return err;
}

int ext2_idrop(struct ext2_fs *fs, uint32_t ino, struct ext2_inode *in)
{
	bool isdir = EXT2_ISDIR(in->i_mode);
	int err = 0;

	in->i_ctime = ext2_now(fs);
	if (in->i_links_count)
		in->i_links_count--;
	if (isdir && in->i_links_count < 2)
		in->i_links_count = 0;	/* "." keeps no directory alive */
	if (in->i_links_count)
		return ext2_iput(fs, ino, in);
	if (!inode_fast_symlink(fs, in))
		err = itrunc_blocks(fs, in, 0);
	err = err ?: xattr_release(fs, in);
	if (err) {
		/* Keep the inode (and what it still maps) rather than free
		 * blocks twice: e2fsck will find it unattached. */
		ext2_iput(fs, ino, in);
		return err;
	}
	in->i_size = in->i_size_high = 0;
	in->i_dtime = in->i_ctime;
	err = ext2_iput(fs, ino, in);
	return err ?: ext2_ifree(fs, ino, isdir);
}

/* ---- bmap for a page cache ---- */

/*
 * The blocks of page `page`: *blk its first (0: a hole), *ok whether they
 * are all holes or contiguous; new[j] is the block allocated for its j-th
 * block (0: it was there already).
 */
static int page_blocks(struct ext2_fs *fs, struct ext2_inode *in,
		       uint32_t ino, uint64_t page, bool alloc,
		       uint32_t *blk, bool *ok, uint32_t new[4])
{
	uint32_t per = EXT2_PAGE_SIZE / fs->bsize, b, old;
	uint64_t lim = (ext2_isize(in) + fs->bsize - 1) / fs->bsize;
	int err;

	*ok = true;
	memset(new, 0, 4 * sizeof(new[0]));
	for (uint32_t j = 0; j < per; j++) {
		uint64_t lbn = page * per + j;

		err = ext2_bmap_block(fs, in, ino, lbn, EXT2_NOALLOC, &old);
		/* Never a block past i_size (the last page of a file with
		 * small blocks stays partly unmapped, so not contiguous). */
		if (!err && !old && alloc && lbn < lim)
			err = ext2_bmap_block(fs, in, ino, lbn, EXT2_ALLOC_RAW,
					      &b);
		else
			b = old;
		if (err)
			return err;
		new[j] = old ? 0 : b;
		if (j == 0)
			*blk = b;
		else if (b != (*blk ? *blk + j : 0))
			*ok = false;
	}
	return 0;
}

/* A page allocated but not handed out: its new blocks must read as
 * zeros, since nobody will write them. */
static int page_zero_new(struct ext2_fs *fs, const uint32_t new[4])
{
	for (uint32_t j = 0; j < EXT2_PAGE_SIZE / fs->bsize; j++) {
		int err;
		void *b;

		if (!new[j])
			continue;
		b = ext2_bget_zero(fs, new[j], &err);
		if (!b)
			return err;
		ext2_bput(fs, b);
	}
	return 0;
}

/*
 * Without allocation, with one block a page: the blocks of lbn and of up
 * to max - 1 after it that lie in the same pointer array (the inode's
 * direct pointers or one indirect block) and continue lbn's run - the
 * next block each, or holes after a hole.  *first is lbn's block (0: a
 * hole), *n the count.  One cache lookup per level instead of one walk
 * per block: this is what a sequential reader's readahead asks for.
 */
static int bmap_span(struct ext2_fs *fs, const struct ext2_inode *in,
		     uint64_t lbn, uint32_t max, uint32_t *first, uint32_t *n)
{
	uint32_t off[4], p, lim = EXT2_NDIR_BLOCKS, b0, k;
	const uint32_t *map = in->i_block;
	uint32_t *buf = NULL;
	int depth, err = block_path(fs, lbn, off, &depth);

	if (err)
		return err;
	if (depth > 0) {
		p = in->i_block[off[0]];
		for (int level = 1; level <= depth; level++) {
			if (!p) {		/* the whole subtree is a hole */
				if (buf)
					ext2_bput(fs, buf);
				*first = 0;
				*n = (uint32_t)(fs->ptrs - off[depth]);
				if (*n > max)
					*n = max;
				return 0;
			}
			if (!ext2_block_valid(fs, p))
				return -EIO;
			if (buf)
				ext2_bput(fs, buf);
			buf = ext2_bget(fs, p, &err);
			if (!buf)
				return err;
			if (level < depth)
				p = buf[off[level]];
		}
		map = buf;
		lim = fs->ptrs;
	}
	b0 = map[off[depth]];
	if (b0 && !ext2_block_valid(fs, b0)) {
		if (buf)
			ext2_bput(fs, buf);
		return -EIO;
	}
	for (k = 1; k < max && off[depth] + k < lim; k++)
		if (map[off[depth] + k] != (b0 ? b0 + k : 0) ||
		    (b0 && !ext2_block_valid(fs, b0 + k)))
			break;
	if (buf)
		ext2_bput(fs, buf);
	*first = b0;
	*n = k;
	return 0;
}

/* ext2_bmap without allocation for 4 KiB blocks: runs of spans. */
static int bmap_runs(struct ext2_fs *fs, const struct ext2_inode *in,
		     uint64_t page, uint32_t max, uint32_t *first,
		     uint32_t *npages)
{
	uint32_t n = 0;

	*first = 0;
	while (n < max) {
		uint32_t b = 0, k = 0;
		int err = bmap_span(fs, in, page + n, max - n, &b, &k);

		if (err || !k) {
			*npages = n;
			return n ? 0 : err;	/* hand out what is mapped */
		}
		if (n == 0)
			*first = b;
		else if (b != (*first ? *first + n : 0))
			break;
		n += k;
	}
	*npages = n;
	return 0;
}

/* The run is handed out: the cache must hold none of its blocks. */
static int run_uncache(struct ext2_fs *fs, uint32_t first, uint32_t npages)
{
	uint64_t n = (uint64_t)npages * (EXT2_PAGE_SIZE / fs->bsize);

	for (uint64_t i = 0; first && i < n; i++) {
		int err = ext2_cache_drop(fs, first + (uint32_t)i);

		if (err)
			return err;
	}
	return 0;
}

int ext2_bmap(struct ext2_fs *fs, uint32_t ino, uint64_t page, uint32_t max,
	      bool alloc, uint32_t *blk, uint32_t *npages)
{
	struct ext2_inode in;
	uint64_t pages;
	uint32_t first = 0, b = 0, n = 0;
	bool ok;
	int err = inode_get_checked(fs, ino, &in);

	*blk = *npages = 0;
	if (err)
		return err;
	if (!EXT2_ISREG(in.i_mode))
		return -EINVAL;
	if (alloc && fs->ro)
		return -EROFS;
	pages = (ext2_isize(&in) + EXT2_PAGE_SIZE - 1) / EXT2_PAGE_SIZE;
	if (page >= pages)
		return -ENXIO;
	if (max > pages - page)
		max = (uint32_t)(pages - page);
	if (!alloc && fs->bsize == EXT2_PAGE_SIZE) {
		err = bmap_runs(fs, &in, page, max, &first, &n);
		max = 0;		/* the loop below has nothing to do */
	}
	for (; n < max; n++) {
		uint32_t new[4];
		bool in_run;

		err = page_blocks(fs, &in, ino, page + n, alloc, &b, &ok, new);
		if (err) {
			page_zero_new(fs, new);
			err = n ? 0 : err;	/* hand out what is mapped */
			break;
		}
		if (n == 0)
			first = b;
		in_run = ok && b == (first ? first + n * (EXT2_PAGE_SIZE /
							   fs->bsize) : 0);
		if (!in_run) {
			err = page_zero_new(fs, new);
			break;
		}
	}
	err = err ?: run_uncache(fs, first, n);
	if (alloc) {
		int e = ext2_iput(fs, ino, &in);

		err = err ?: e;
	}
	if (err)
		return err;
	*blk = first;
	*npages = n;
	return 0;
}
