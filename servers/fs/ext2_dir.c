/*
 * ext2_dir.c - directories: a directory's data is a sequence of blocks,
 * each wholly covered by variable-length entries (inode, rec_len,
 * name_len, file_type, name); an entry with inode 0 is free space.
 *
 * Invariants kept for every directory we write:
 *   - i_size is a whole number of blocks, and none of them is a hole;
 *   - in each block, rec_len values chain exactly from 0 to the block
 *     size, and every entry's name fits its record;
 *   - i_links_count is 2 plus the number of subdirectories (their "..");
 *     a group's bg_used_dirs_count counts its directories;
 *   - a directory we modify loses EXT2_INDEX_FL: we keep no hash index,
 *     and the linear format stays valid for readers that do.
 * Entries read from disk are checked before use: a malformed one fails the
 * operation with -EIO.
 */
#include <errno.h>
#include <string.h>

#include "ext2.h"

#define WALK_MAX_DEPTH	4096	/* ".." steps before we call it a loop */

/* Where an entry is: its block (pinned while in use) and offsets. */
struct dloc {
	uint8_t *b;			/* pinned block, NULL: none */
	uint32_t off, prev;		/* prev == off: first in its block */
	uint32_t ino;
};

static bool has_filetype(const struct ext2_fs *fs)
{
	return fs->sb.s_rev_level >= 1 &&
	       (fs->sb.s_feature_incompat & EXT2_FEATURE_INCOMPAT_FILETYPE);
}

static uint8_t ftype_of(uint32_t mode)
{
	switch (mode & EXT2_S_IFMT) {
	case EXT2_S_IFREG: return EXT2_FT_REG_FILE;
	case EXT2_S_IFDIR: return EXT2_FT_DIR;
	case EXT2_S_IFCHR: return EXT2_FT_CHRDEV;
	case EXT2_S_IFBLK: return EXT2_FT_BLKDEV;
	case EXT2_S_IFIFO: return EXT2_FT_FIFO;
	case EXT2_S_IFSOCK: return EXT2_FT_SOCK;
	case EXT2_S_IFLNK: return EXT2_FT_SYMLINK;
	default: return EXT2_FT_UNKNOWN;
	}
}

static bool name_ok(const char *name, size_t len)
{
	if (len == 0 || len > EXT2_NAME_LEN)
		return false;
	return !memchr(name, '/', len) && !memchr(name, 0, len);
}

static bool name_is(const char *name, size_t len, const char *what)
{
	return len == strlen(what) && !memcmp(name, what, len);
}

/* The entry at off in block b, checked: NULL if malformed. */
static struct ext2_dirent *dirent_at(const struct ext2_fs *fs, uint8_t *b,
				     uint32_t off)
{
	struct ext2_dirent *d = (struct ext2_dirent *)(b + off);

	if (off + EXT2_DIRENT_HEAD > fs->bsize || d->rec_len < 8 ||
	    d->rec_len % 4 || d->rec_len > fs->bsize - off)
		return NULL;
	if (d->inode && (EXT2_DIRENT_LEN(d->name_len) > d->rec_len ||
			 d->inode > fs->sb.s_inodes_count ||
			 d->name_len == 0))
		return NULL;
	if (d->inode && !has_filetype(fs) && d->file_type)
		return NULL;		/* a name of more than 255 bytes */
	return d;
}

/* The directory inode ino, checked: -ENOTDIR, -ENOENT, -EIO. */
static int dir_get(struct ext2_fs *fs, uint32_t ino, struct ext2_inode *in)
{
	int err = ext2_iget(fs, ino, in);

	if (err)
		return err;
	if (in->i_links_count == 0 || in->i_mode == 0)
		return -ENOENT;
	if (!EXT2_ISDIR(in->i_mode))
		return -ENOTDIR;
	if (in->i_size % fs->bsize)
		return -EIO;
	return 0;
}

/* Block lbn of directory in, pinned.  Directories have no holes. */
static uint8_t *dir_block(struct ext2_fs *fs, struct ext2_inode *in,
			  uint32_t ino, uint64_t lbn, int *err)
{
	uint32_t blk;

	*err = ext2_bmap_block(fs, in, ino, lbn, EXT2_NOALLOC, &blk);
	if (*err)
		return NULL;
	if (!blk) {
		*err = -EIO;
		return NULL;
	}
	return ext2_bget(fs, blk, err);
}

/*
 * Finds name in directory in: 0 with *loc filled (its block pinned; the
 * caller puts loc->b), -ENOENT, or -EIO.
 */
static int dir_find(struct ext2_fs *fs, struct ext2_inode *in, uint32_t ino,
		    const char *name, size_t len, struct dloc *loc)
{
	uint64_t nblocks = in->i_size / fs->bsize;
	int err;

	for (uint64_t lbn = 0; lbn < nblocks; lbn++) {
		uint8_t *b = dir_block(fs, in, ino, lbn, &err);
		uint32_t off = 0, prev = 0;

		if (!b)
			return err;
		while (off < fs->bsize) {
			struct ext2_dirent *d = dirent_at(fs, b, off);

			if (!d) {
				ext2_bput(fs, b);
				return -EIO;
			}
			if (d->inode && d->name_len == len &&
			    !memcmp(d->name, name, len)) {
				*loc = (struct dloc){ b, off, prev, d->inode };
				return 0;
			}
			prev = off;
			off += d->rec_len;
		}
		ext2_bput(fs, b);
	}
	return -ENOENT;
}

static void dir_touch(struct ext2_fs *fs, struct ext2_inode *in)
{
	in->i_mtime = in->i_ctime = ext2_now(fs);
	in->i_flags &= ~EXT2_INDEX_FL;
}

static void dirent_fill(struct ext2_fs *fs, struct ext2_dirent *d,
			uint32_t ino, const char *name, size_t len,
			uint8_t ftype)
{
	d->inode = ino;
	d->name_len = (uint8_t)len;
	d->file_type = has_filetype(fs) ? ftype : 0;
	memcpy(d->name, name, len);
}

/* Puts the entry in block b if it has room: true if it did. */
static bool block_insert(struct ext2_fs *fs, uint8_t *b, uint32_t ino,
			 const char *name, size_t len, uint8_t ftype,
			 int *err)
{
	uint32_t need = EXT2_DIRENT_LEN(len), off = 0;

	*err = 0;
	while (off < fs->bsize) {
		struct ext2_dirent *d = dirent_at(fs, b, off), *n;
		uint32_t used;

		if (!d) {
			*err = -EIO;
			return false;
		}
		used = d->inode ? EXT2_DIRENT_LEN(d->name_len) : 0;
		if (d->rec_len - used >= need) {
			n = d;
			if (used) {
				n = (struct ext2_dirent *)(b + off + used);
				n->rec_len = (uint16_t)(d->rec_len - used);
				d->rec_len = (uint16_t)used;
			}
			dirent_fill(fs, n, ino, name, len, ftype);
			ext2_bdirty(fs, b);
			return true;
		}
		off += d->rec_len;
	}
	return false;
}

/* Adds name -> ino to directory dir (in), and writes dir's inode. */
static int dir_add(struct ext2_fs *fs, uint32_t dir, struct ext2_inode *in,
		   const char *name, size_t len, uint32_t ino, uint8_t ftype)
{
	uint64_t nblocks = in->i_size / fs->bsize;
	uint32_t blk;
	uint8_t *b;
	int err;

	for (uint64_t lbn = 0; lbn < nblocks; lbn++) {
		bool done;

		b = dir_block(fs, in, dir, lbn, &err);
		if (!b)
			return err;
		done = block_insert(fs, b, ino, name, len, ftype, &err);
		ext2_bput(fs, b);
		if (err)
			return err;
		if (done)
			goto out;
	}
	/* No room: one more block, all of it this entry. */
	err = ext2_bmap_block(fs, in, dir, nblocks, EXT2_ALLOC_ZERO, &blk);
	if (err)
		return err;
	b = ext2_bget(fs, blk, &err);
	if (!b)
		return err;
	((struct ext2_dirent *)b)->rec_len = (uint16_t)fs->bsize;
	dirent_fill(fs, (struct ext2_dirent *)b, ino, name, len, ftype);
	ext2_bdirty(fs, b);
	ext2_bput(fs, b);
	in->i_size += fs->bsize;
out:
	dir_touch(fs, in);
	return ext2_iput(fs, dir, in);
}

/* Removes the entry at loc (and puts its block); writes dir's inode. */
static int dir_remove(struct ext2_fs *fs, uint32_t dir, struct ext2_inode *in,
		      struct dloc *loc)
{
	struct ext2_dirent *d = (struct ext2_dirent *)(loc->b + loc->off);

	if (loc->prev != loc->off)
		((struct ext2_dirent *)(loc->b + loc->prev))->rec_len +=
			d->rec_len;
	else
		d->inode = 0;
	ext2_bdirty(fs, loc->b);
	ext2_bput(fs, loc->b);
	loc->b = NULL;
	dir_touch(fs, in);
	return ext2_iput(fs, dir, in);
}

int ext2_lookup(struct ext2_fs *fs, uint32_t dir, const char *name,
		size_t len, uint32_t *ino)
{
	struct ext2_inode in;
	struct dloc loc;
	int err = dir_get(fs, dir, &in);

	if (err)
		return err;
	if (len > EXT2_NAME_LEN)
		return -ENAMETOOLONG;
	err = dir_find(fs, &in, dir, name, len, &loc);
	if (err)
		return err;
	ext2_bput(fs, loc.b);
	*ino = loc.ino;
	return 0;
}

/* Walks len bytes of path from the root. */
static int walk(struct ext2_fs *fs, const char *path, size_t len,
		uint32_t *ino)
{
	uint32_t cur = EXT2_ROOT_INO;
	size_t i = 0;

	while (i < len) {
		size_t n = 0;
		int err;

		while (i < len && path[i] == '/')
			i++;
		while (i + n < len && path[i + n] != '/')
			n++;
		if (n == 0)
			break;
		err = ext2_lookup(fs, cur, path + i, n, &cur);
		if (err)
			return err;
		i += n;
	}
	*ino = cur;
	return 0;
}

int ext2_namei(struct ext2_fs *fs, const char *path, uint32_t *ino)
{
	return walk(fs, path, strlen(path), ino);
}

int ext2_namei_parent(struct ext2_fs *fs, const char *path, uint32_t *dir,
		      const char **name, size_t *len)
{
	size_t end = strlen(path), start;

	while (end > 0 && path[end - 1] == '/')
		end--;
	start = end;
	while (start > 0 && path[start - 1] != '/')
		start--;
	*name = path + start;
	*len = end - start;
	if (*len > EXT2_NAME_LEN)
		return -ENAMETOOLONG;
	return walk(fs, path, start, dir);
}

int ext2_readdir(struct ext2_fs *fs, uint32_t dir, uint64_t *pos,
		 struct ext2_dent *out)
{
	struct ext2_inode in;
	int err = dir_get(fs, dir, &in);

	if (err)
		return err;
	for (uint64_t lbn = *pos / fs->bsize; lbn < in.i_size / fs->bsize;
	     lbn++) {
		uint32_t want = lbn == *pos / fs->bsize ?
				(uint32_t)(*pos % fs->bsize) : 0, off = 0;
		uint8_t *b = dir_block(fs, &in, dir, lbn, &err);

		if (!b)
			return err;
		while (off < fs->bsize) {
			struct ext2_dirent *d = dirent_at(fs, b, off);

			if (!d) {
				ext2_bput(fs, b);
				return -EIO;
			}
			if (off >= want && d->inode) {
				out->ino = d->inode;
				out->type = d->file_type;
				out->name_len = d->name_len;
				memcpy(out->name, d->name, d->name_len);
				out->name[d->name_len] = 0;
				*pos = lbn * fs->bsize + off + d->rec_len;
				ext2_bput(fs, b);
				return 0;
			}
			off += d->rec_len;
		}
		ext2_bput(fs, b);
	}
	*pos = in.i_size;
	return -ENOENT;
}

/* Checks that name may be created in dir: 0, or -errno. */
static int create_check(struct ext2_fs *fs, uint32_t dir,
			struct ext2_inode *din, const char *name, size_t len)
{
	struct dloc loc;
	int err;

	if (fs->ro)
		return -EROFS;
	if (len > EXT2_NAME_LEN)
		return -ENAMETOOLONG;
	if (name_is(name, len, ".") || name_is(name, len, ".."))
		return -EEXIST;
	if (!name_ok(name, len))
		return -EINVAL;
	err = dir_get(fs, dir, din);
	if (err)
		return err;
	err = dir_find(fs, din, dir, name, len, &loc);
	if (!err) {
		ext2_bput(fs, loc.b);
		return -EEXIST;
	}
	return err == -ENOENT ? 0 : err;
}

static struct ext2_inode inode_new(struct ext2_fs *fs, uint32_t mode)
{
	uint32_t now = ext2_now(fs);

	return (struct ext2_inode){
		.i_mode = (uint16_t)mode, .i_atime = now, .i_ctime = now,
		.i_mtime = now, .i_links_count = 1,
		.i_generation = fs->next_gen++,
	};
}

int ext2_create(struct ext2_fs *fs, uint32_t dir, const char *name,
		size_t len, uint32_t mode, uint32_t *ino)
{
	struct ext2_inode din, in;
	int err = create_check(fs, dir, &din, name, len);

	if (err)
		return err;
	if (!(mode & EXT2_S_IFMT))
		mode |= EXT2_S_IFREG;
	if (EXT2_ISDIR(mode))
		return -EINVAL;
	err = ext2_ialloc(fs, dir, false, ino);
	if (err)
		return err;
	in = inode_new(fs, mode);
	err = ext2_iinit(fs, *ino, &in) ?:
	      dir_add(fs, dir, &din, name, len, *ino, ftype_of(mode));
	if (err)
		ext2_ifree(fs, *ino, false);
	return err;
}

/* The first block of a new directory: "." and "..". */
static int mkdir_block(struct ext2_fs *fs, uint32_t blk, uint32_t self,
		       uint32_t parent)
{
	int err;
	uint8_t *b = ext2_bget_zero(fs, blk, &err);
	struct ext2_dirent *d;

	if (!b)
		return err;
	d = (struct ext2_dirent *)b;
	dirent_fill(fs, d, self, ".", 1, EXT2_FT_DIR);
	d->rec_len = EXT2_DIRENT_LEN(1);
	d = (struct ext2_dirent *)(b + EXT2_DIRENT_LEN(1));
	dirent_fill(fs, d, parent, "..", 2, EXT2_FT_DIR);
	d->rec_len = (uint16_t)(fs->bsize - EXT2_DIRENT_LEN(1));
	ext2_bput(fs, b);
	return 0;
}

int ext2_mkdir(struct ext2_fs *fs, uint32_t dir, const char *name,
	       size_t len, uint32_t mode, uint32_t *ino)
{
	struct ext2_inode din, in;
	uint32_t blk = 0;
	int err = create_check(fs, dir, &din, name, len);

	if (err)
		return err;
	if (din.i_links_count >= 65000)
		return -EMLINK;
	err = ext2_ialloc(fs, dir, true, ino);
	if (err)
		return err;
	in = inode_new(fs, EXT2_S_IFDIR | (mode & 07777));
	in.i_links_count = 2;
	err = ext2_bmap_block(fs, &in, *ino, 0, EXT2_ALLOC_ZERO, &blk) ?:
	      mkdir_block(fs, blk, *ino, dir);
	in.i_size = fs->bsize;
	err = err ?: ext2_iinit(fs, *ino, &in);
	if (!err) {
		din.i_links_count++;
		err = dir_add(fs, dir, &din, name, len, *ino, EXT2_FT_DIR);
	}
	if (err) {
		if (blk)
			ext2_bfree(fs, blk);
		ext2_ifree(fs, *ino, true);
	}
	return err;
}

int ext2_unlink(struct ext2_fs *fs, uint32_t dir, const char *name,
		size_t len)
{
	struct ext2_inode din, in;
	struct dloc loc;
	int err;

	if (fs->ro)
		return -EROFS;
	if (name_is(name, len, ".") || name_is(name, len, ".."))
		return -EISDIR;
	err = dir_get(fs, dir, &din);
	if (err)
		return err;
	err = dir_find(fs, &din, dir, name, len, &loc);
	if (err)
		return err;
	err = ext2_iget(fs, loc.ino, &in);
	if (!err && EXT2_ISDIR(in.i_mode))
		err = -EISDIR;
	if (err) {
		ext2_bput(fs, loc.b);
		return err;
	}
	err = dir_remove(fs, dir, &din, &loc);
	return err ?: ext2_idrop(fs, loc.ino, &in);
}

/* 0 if directory ino holds nothing but "." and "..", else -ENOTEMPTY. */
static int dir_empty(struct ext2_fs *fs, uint32_t ino)
{
	struct ext2_dent d;
	uint64_t pos = 0;
	int err;

	while (!(err = ext2_readdir(fs, ino, &pos, &d)))
		if (!name_is(d.name, d.name_len, ".") &&
		    !name_is(d.name, d.name_len, ".."))
			return -ENOTEMPTY;
	return err == -ENOENT ? 0 : err;
}

int ext2_rmdir(struct ext2_fs *fs, uint32_t dir, const char *name,
	       size_t len)
{
	struct ext2_inode din, in;
	struct dloc loc;
	int err;

	if (fs->ro)
		return -EROFS;
	if (name_is(name, len, "."))
		return -EINVAL;
	if (name_is(name, len, ".."))
		return -ENOTEMPTY;
	err = dir_get(fs, dir, &din);
	if (err)
		return err;
	err = dir_find(fs, &din, dir, name, len, &loc);
	if (err)
		return err;
	ext2_bput(fs, loc.b);
	err = dir_get(fs, loc.ino, &in) ?: dir_empty(fs, loc.ino);
	if (err)
		return err;
	err = dir_find(fs, &din, dir, name, len, &loc);
	if (err)
		return err;
	if (din.i_links_count > 2)
		din.i_links_count--;
	err = dir_remove(fs, dir, &din, &loc);
	return err ?: ext2_idrop(fs, loc.ino, &in);
}

/* -EINVAL if dir is src or lies below it (a directory into itself). */
static int rename_loop_check(struct ext2_fs *fs, uint32_t src, uint32_t dir)
{
	for (int i = 0; i < WALK_MAX_DEPTH; i++) {
		int err;

		if (dir == src)
			return -EINVAL;
		if (dir == EXT2_ROOT_INO)
			return 0;
		err = ext2_lookup(fs, dir, "..", 2, &dir);
		if (err)
			return err;
	}
	return -EIO;
}

/* Points the ".." of directory ino at parent. */
static int set_dotdot(struct ext2_fs *fs, uint32_t ino, uint32_t parent)
{
	struct ext2_inode in;
	struct dloc loc;
	int err = dir_get(fs, ino, &in) ?:
		  dir_find(fs, &in, ino, "..", 2, &loc);

	if (err)
		return err;
	((struct ext2_dirent *)(loc.b + loc.off))->inode = parent;
	ext2_bdirty(fs, loc.b);
	ext2_bput(fs, loc.b);
	return 0;
}

/* Adjusts directory ino's link count by delta (and writes it). */
static int dir_links(struct ext2_fs *fs, uint32_t ino, int delta)
{
	struct ext2_inode in;
	int err = dir_get(fs, ino, &in);

	if (err)
		return err;
	in.i_links_count = (uint16_t)(in.i_links_count + delta);
	in.i_ctime = ext2_now(fs);
	return ext2_iput(fs, ino, &in);
}

/* The target name exists as victim: may src replace it?  0 or -errno. */
static int rename_victim_check(struct ext2_fs *fs, const struct ext2_inode *s,
			       const struct ext2_inode *v, uint32_t vino)
{
	if (EXT2_ISDIR(s->i_mode) && !EXT2_ISDIR(v->i_mode))
		return -ENOTDIR;
	if (!EXT2_ISDIR(s->i_mode) && EXT2_ISDIR(v->i_mode))
		return -EISDIR;
	return EXT2_ISDIR(v->i_mode) ? dir_empty(fs, vino) : 0;
}

/* Puts src under ndir as nname, replacing what is there. */
static int rename_link(struct ext2_fs *fs, uint32_t ndir, const char *nname,
		       size_t nlen, uint32_t src, const struct ext2_inode *s)
{
	struct ext2_inode din, v;
	struct dloc loc;
	int err = dir_get(fs, ndir, &din);

	if (err)
		return err;
	err = dir_find(fs, &din, ndir, nname, nlen, &loc);
	if (err == -ENOENT)
		return dir_add(fs, ndir, &din, nname, nlen, src,
			       ftype_of(s->i_mode));
	if (err)
		return err;
	err = ext2_iget(fs, loc.ino, &v) ?:
	      rename_victim_check(fs, s, &v, loc.ino);
	if (err) {
		ext2_bput(fs, loc.b);
		return err;
	}
	((struct ext2_dirent *)(loc.b + loc.off))->inode = src;
	if (has_filetype(fs))
		((struct ext2_dirent *)(loc.b + loc.off))->file_type =
			ftype_of(s->i_mode);
	ext2_bdirty(fs, loc.b);
	ext2_bput(fs, loc.b);
	dir_touch(fs, &din);
	if (EXT2_ISDIR(v.i_mode))
		din.i_links_count--;	/* the victim's ".." */
	err = ext2_iput(fs, ndir, &din);
	return err ?: ext2_idrop(fs, loc.ino, &v);
}

int ext2_rename(struct ext2_fs *fs, uint32_t odir, const char *oname,
		size_t olen, uint32_t ndir, const char *nname, size_t nlen)
{
	struct ext2_inode din, s;
	uint32_t src, dst;
	struct dloc loc;
	int err;

	if (fs->ro)
		return -EROFS;
	if (name_is(oname, olen, ".") || name_is(oname, olen, "..") ||
	    name_is(nname, nlen, ".") || name_is(nname, nlen, ".."))
		return -EINVAL;
	if (!name_ok(nname, nlen) || !name_ok(oname, olen))
		return nlen > EXT2_NAME_LEN || olen > EXT2_NAME_LEN ?
		       -ENAMETOOLONG : -EINVAL;
	err = ext2_lookup(fs, odir, oname, olen, &src) ?:
	      ext2_iget(fs, src, &s) ?: dir_get(fs, ndir, &din);
	if (err)
		return err;
	if (ext2_lookup(fs, ndir, nname, nlen, &dst) == 0 && dst == src)
		return 0;		/* two names of one file: nothing */
	if (EXT2_ISDIR(s.i_mode)) {
		err = rename_loop_check(fs, src, ndir);
		if (err)
			return err;
	}
	err = rename_link(fs, ndir, nname, nlen, src, &s);
	if (err)
		return err;
	err = dir_get(fs, odir, &din) ?:
	      dir_find(fs, &din, odir, oname, olen, &loc);
	if (err)
		return err;
	err = dir_remove(fs, odir, &din, &loc);
	if (err || !EXT2_ISDIR(s.i_mode) || odir == ndir)
		return err;
	return set_dotdot(fs, src, ndir) ?: dir_links(fs, odir, -1) ?:
	       dir_links(fs, ndir, +1);
}
