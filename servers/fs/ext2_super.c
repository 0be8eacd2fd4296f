/*
 * ext2_super.c - mounting, the superblock and group descriptors, block and
 * inode allocation, sync and the consistency validator.
 *
 * The superblock (fs->sb) and the whole group-descriptor table (fs->gdt,
 * whole blocks as on disk) live in struct ext2_fs while mounted and are
 * written back by ext2_sync().  Bitmaps go through the block cache.
 *
 * Invariant kept by every allocation and free: for each group, the
 * descriptor's free counts equal the zero bits of its bitmaps, and the
 * superblock's free counts are the sums over the groups.  A bitmap that
 * contradicts a request (freeing a block that is already free) is
 * corruption: the request fails with -EIO and no count moves.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "ext2.h"

#define MIN_CACHE_BUFS	16

static uint32_t group_first(const struct ext2_fs *fs, uint32_t g)
{
	return fs->sb.s_first_data_block + g * fs->sb.s_blocks_per_group;
}

/* Blocks in group g (the last group may be short). */
static uint32_t group_nblocks(const struct ext2_fs *fs, uint32_t g)
{
	uint32_t first = group_first(fs, g);
	uint32_t left = fs->sb.s_blocks_count - first;

	return left < fs->sb.s_blocks_per_group ? left
						: fs->sb.s_blocks_per_group;
}

struct ext2_group_desc *ext2_gd(struct ext2_fs *fs, uint32_t group)
{
	return (struct ext2_group_desc *)fs->gdt + group;
}

bool ext2_block_valid(const struct ext2_fs *fs, uint32_t blk)
{
	return blk > fs->sb.s_first_data_block && blk < fs->sb.s_blocks_count;
}

uint32_t ext2_now(struct ext2_fs *fs)
{
	if (fs->bdev->now)
		return fs->bdev->now(fs->bdev->ctx);
	return fs->time_base;
}

static int refuse(struct ext2_fs *fs, const char *what)
{
	snprintf(fs->why, sizeof(fs->why), "%s", what);
	return -EINVAL;
}

/* ---- mount ---- */

static const struct {
	uint32_t bit;
	const char *name;
} incompat_names[] = {
	{ EXT2_FEATURE_INCOMPAT_COMPRESSION, "compression" },
	{ EXT2_FEATURE_INCOMPAT_RECOVER, "needs_recovery (a journal)" },
	{ EXT2_FEATURE_INCOMPAT_JOURNAL_DEV, "journal_dev" },
	{ EXT2_FEATURE_INCOMPAT_META_BG, "meta_bg" },
	{ EXT2_FEATURE_INCOMPAT_EXTENTS, "extent (ext4)" },
	{ EXT2_FEATURE_INCOMPAT_64BIT, "64bit (ext4)" },
	{ EXT2_FEATURE_INCOMPAT_FLEX_BG, "flex_bg (ext4)" },
	{ EXT2_FEATURE_INCOMPAT_INLINE_DATA, "inline_data" },
};

static int check_features(struct ext2_fs *fs)
{
	const struct ext2_super *sb = &fs->sb;
	uint32_t bad;

	if (sb->s_rev_level == 0)
		return 0;
	if (sb->s_feature_compat & EXT2_FEATURE_COMPAT_HAS_JOURNAL)
		return refuse(fs, "has a journal (ext3/ext4): not supported");
	bad = sb->s_feature_incompat & ~EXT2_INCOMPAT_SUPP;
	if (bad) {
		const char *name = NULL;

		for (size_t i = 0; i < sizeof(incompat_names) /
				       sizeof(incompat_names[0]); i++)
			if (bad & incompat_names[i].bit)
				name = incompat_names[i].name;
		snprintf(fs->why, sizeof(fs->why),
			 "unsupported incompatible feature %s (%#x)",
			 name ? name : "unknown", bad);
		return -EINVAL;
	}
	if (sb->s_feature_ro_compat & ~EXT2_RO_COMPAT_SUPP)
		fs->ro = true;
	return 0;
}

static int check_geometry(struct ext2_fs *fs)
{
	const struct ext2_super *sb = &fs->sb;
	uint64_t groups;

	if (sb->s_magic != EXT2_MAGIC) {
		snprintf(fs->why, sizeof(fs->why),
			 "not an ext2 file system (magic %#x, not %#x)",
			 sb->s_magic, EXT2_MAGIC);
		return -EINVAL;
	}
	if (sb->s_rev_level > 1)
		return refuse(fs, "unknown revision level");
	if (sb->s_log_block_size > 2)
		return refuse(fs, "block size is not 1, 2 or 4 KiB");
	fs->bsize = 1024u << sb->s_log_block_size;
	fs->ptrs = fs->bsize / 4;
	if (sb->s_first_data_block != (fs->bsize == 1024 ? 1u : 0u))
		return refuse(fs, "bad first data block");
	if (sb->s_blocks_per_group < 8 || sb->s_blocks_per_group % 8 ||
	    sb->s_blocks_per_group > 8 * fs->bsize)
		return refuse(fs, "bad blocks per group");
	if (sb->s_inodes_per_group == 0 ||
	    sb->s_inodes_per_group > 8 * fs->bsize)
		return refuse(fs, "bad inodes per group");
	if (sb->s_blocks_count <= sb->s_first_data_block + 1)
		return refuse(fs, "bad block count");
	if ((uint64_t)sb->s_blocks_count * fs->bsize > fs->bdev->size)
		return refuse(fs, "the device is smaller than the file system");
	groups = (sb->s_blocks_count - sb->s_first_data_block +
		  sb->s_blocks_per_group - 1) / sb->s_blocks_per_group;
	if (groups * sb->s_inodes_per_group != sb->s_inodes_count)
		return refuse(fs, "inode count does not match the groups");
	fs->ngroups = (uint32_t)groups;
	if (sb->s_rev_level == 0) {
		fs->isize = EXT2_GOOD_OLD_INODE_SIZE;
		fs->first_ino = EXT2_GOOD_OLD_FIRST_INO;
	} else {
		fs->isize = sb->s_inode_size;
		fs->first_ino = sb->s_first_ino;
	}
	if (fs->isize < 128 || fs->isize > fs->bsize ||
	    (fs->isize & (fs->isize - 1)))
		return refuse(fs, "bad inode size");
	if (fs->first_ino <= EXT2_ROOT_INO ||
	    fs->first_ino > sb->s_inodes_count)
		return refuse(fs, "bad first inode");
	fs->itable_blocks = (uint32_t)(((uint64_t)sb->s_inodes_per_group *
					fs->isize + fs->bsize - 1) / fs->bsize);
	fs->gdt_blocks = (uint32_t)((groups * sizeof(struct ext2_group_desc) +
				     fs->bsize - 1) / fs->bsize);
	if ((uint64_t)fs->gdt_blocks * fs->bsize > EXT2_GDT_MAX)
		return refuse(fs, "too many block groups");
	return 0;
}

/* [blk, blk + n) inside group g. */
static bool in_group(const struct ext2_fs *fs, uint32_t g, uint32_t blk,
		     uint32_t n)
{
	uint32_t first = group_first(fs, g);

	return blk >= first && blk - first < group_nblocks(fs, g) &&
	       n <= group_nblocks(fs, g) - (blk - first);
}

static int check_groups(struct ext2_fs *fs)
{
	uint64_t bfree = 0, ifree = 0;

	for (uint32_t g = 0; g < fs->ngroups; g++) {
		struct ext2_group_desc *gd = ext2_gd(fs, g);

		if (!in_group(fs, g, gd->bg_block_bitmap, 1) ||
		    !in_group(fs, g, gd->bg_inode_bitmap, 1) ||
		    !in_group(fs, g, gd->bg_inode_table, fs->itable_blocks) ||
		    gd->bg_free_blocks_count > group_nblocks(fs, g) ||
		    gd->bg_free_inodes_count > fs->sb.s_inodes_per_group ||
		    gd->bg_used_dirs_count > fs->sb.s_inodes_per_group) {
			snprintf(fs->why, sizeof(fs->why),
				 "corrupt group descriptor %u", g);
			return -EINVAL;
		}
		bfree += gd->bg_free_blocks_count;
		ifree += gd->bg_free_inodes_count;
	}
	/* As Linux does at mount: the superblock's sums follow the groups. */
	if (fs->sb.s_free_blocks_count != bfree ||
	    fs->sb.s_free_inodes_count != ifree) {
		fs->sb.s_free_blocks_count = (uint32_t)bfree;
		fs->sb.s_free_inodes_count = (uint32_t)ifree;
		fs->sb_dirty = true;
	}
	return 0;
}

static int check_root(struct ext2_fs *fs)
{
	struct ext2_inode root;

	if (ext2_iget(fs, EXT2_ROOT_INO, &root) ||
	    !EXT2_ISDIR(root.i_mode) || root.i_links_count < 2)
		return refuse(fs, "the root inode is not a directory");
	return 0;
}

int ext2_mount(struct ext2_fs *fs, const struct ext2_bdev *bdev, void *cache,
	       size_t cache_bytes)
{
	int err;

	memset(fs, 0, sizeof(*fs));
	fs->bdev = bdev;
	if (bdev->size < 2 * EXT2_SB_OFFSET)
		return refuse(fs, "the device is too small");
	if (bdev->read(bdev->ctx, EXT2_SB_OFFSET, &fs->sb, sizeof(fs->sb)))
		return refuse(fs, "cannot read the superblock");
	err = check_geometry(fs) ?: check_features(fs);
	if (err)
		return err;
	if (cache_bytes / fs->bsize < MIN_CACHE_BUFS)
		return refuse(fs, "block cache too small");
	ext2_cache_init(fs, cache, cache_bytes);
	if (bdev->read(bdev->ctx,
		       (uint64_t)(fs->sb.s_first_data_block + 1) * fs->bsize,
		       fs->gdt, (size_t)fs->gdt_blocks * fs->bsize))
		return refuse(fs, "cannot read the group descriptors");
	err = check_groups(fs) ?: check_root(fs);
	if (err)
		return err;
	fs->time_base = fs->sb.s_wtime;
	fs->next_gen = fs->sb.s_wtime * 2654435761u | 1;
	fs->why[0] = 0;
	return 0;
}

/* ---- allocation ---- */

static int bit_find_zero(const uint8_t *map, uint32_t from, uint32_t n)
{
	for (uint32_t i = from; i < n; i++) {
		if (map[i >> 3] == 0xff) {
			i |= 7;
			continue;
		}
		if (!(map[i >> 3] & (1u << (i & 7))))
			return (int)i;
	}
	return -1;
}

/* Takes a free block of group g at or after bit `from`: 0, -ENOSPC
 * (none there), or -EIO. */
static int balloc_group(struct ext2_fs *fs, uint32_t g, uint32_t from,
			uint32_t *blk)
{
	struct ext2_group_desc *gd = ext2_gd(fs, g);
	uint8_t *map;
	int err, bit;

	if (gd->bg_free_blocks_count == 0)
		return -ENOSPC;
	map = ext2_bget(fs, gd->bg_block_bitmap, &err);
	if (!map)
		return err;
	bit = bit_find_zero(map, from, group_nblocks(fs, g));
	if (bit < 0 && from)
		bit = bit_find_zero(map, 0, from);
	if (bit >= 0) {
		map[bit >> 3] |= (uint8_t)(1u << (bit & 7));
		ext2_bdirty(fs, map);
		gd->bg_free_blocks_count--;
		fs->sb.s_free_blocks_count--;
		fs->gdt_dirty = fs->sb_dirty = true;
		*blk = group_first(fs, g) + (uint32_t)bit;
	}
	ext2_bput(fs, map);
	return bit >= 0 ? 0 : -EIO;	/* the count said there was one */
}

int ext2_balloc(struct ext2_fs *fs, uint32_t goal, uint32_t *blk)
{
	uint32_t g0 = 0, from = 0;

	if (fs->ro)
		return -EROFS;
	if (fs->sb.s_free_blocks_count == 0)
		return -ENOSPC;
	if (ext2_block_valid(fs, goal)) {
		g0 = (goal - fs->sb.s_first_data_block) /
		     fs->sb.s_blocks_per_group;
		from = goal - group_first(fs, g0);
	}
	for (uint32_t i = 0; i < fs->ngroups; i++) {
		uint32_t g = (g0 + i) % fs->ngroups;
		int err = balloc_group(fs, g, i ? 0 : from, blk);

		if (err != -ENOSPC)
			return err;
	}
	return -ENOSPC;
}

/* Clears bit `bit` of bitmap block `mapblk`: -EIO if it was clear. */
static int bit_clear(struct ext2_fs *fs, uint32_t mapblk, uint32_t bit)
{
	int err;
	uint8_t *map = ext2_bget(fs, mapblk, &err);

	if (!map)
		return err;
	if (map[bit >> 3] & (1u << (bit & 7))) {
		map[bit >> 3] &= (uint8_t)~(1u << (bit & 7));
		ext2_bdirty(fs, map);
		err = 0;
	} else {
		err = -EIO;		/* freeing what is free: corruption */
	}
	ext2_bput(fs, map);
	return err;
}

int ext2_bfree(struct ext2_fs *fs, uint32_t blk)
{
	uint32_t g;
	struct ext2_group_desc *gd;
	int err;

	if (!ext2_block_valid(fs, blk))
		return -EIO;
	g = (blk - fs->sb.s_first_data_block) / fs->sb.s_blocks_per_group;
	gd = ext2_gd(fs, g);
	err = bit_clear(fs, gd->bg_block_bitmap, blk - group_first(fs, g));
	if (err)
		return err;
	gd->bg_free_blocks_count++;
	fs->sb.s_free_blocks_count++;
	fs->gdt_dirty = fs->sb_dirty = true;
	ext2_cache_forget(fs, blk);
	return 0;
}

static int ialloc_group(struct ext2_fs *fs, uint32_t g, bool isdir,
			uint32_t *ino)
{
	struct ext2_group_desc *gd = ext2_gd(fs, g);
	uint32_t from = 0;
	uint8_t *map;
	int err, bit;

	if (gd->bg_free_inodes_count == 0)
		return -ENOSPC;
	if (g == 0)
		from = fs->first_ino - 1;	/* reserved inodes */
	map = ext2_bget(fs, gd->bg_inode_bitmap, &err);
	if (!map)
		return err;
	bit = bit_find_zero(map, from, fs->sb.s_inodes_per_group);
	if (bit >= 0) {
		map[bit >> 3] |= (uint8_t)(1u << (bit & 7));
		ext2_bdirty(fs, map);
		gd->bg_free_inodes_count--;
		gd->bg_used_dirs_count += isdir;
		fs->sb.s_free_inodes_count--;
		fs->gdt_dirty = fs->sb_dirty = true;
		*ino = g * fs->sb.s_inodes_per_group + (uint32_t)bit + 1;
	}
	ext2_bput(fs, map);
	return bit >= 0 ? 0 : -ENOSPC;
}

int ext2_ialloc(struct ext2_fs *fs, uint32_t dir, bool isdir, uint32_t *ino)
{
	uint32_t g0 = (dir - 1) / fs->sb.s_inodes_per_group;

	if (fs->ro)
		return -EROFS;
	if (g0 >= fs->ngroups)
		g0 = 0;
	for (uint32_t i = 0; i < fs->ngroups; i++) {
		int err = ialloc_group(fs, (g0 + i) % fs->ngroups, isdir, ino);

		if (err != -ENOSPC)
			return err;
	}
	return -ENOSPC;
}

int ext2_ifree(struct ext2_fs *fs, uint32_t ino, bool isdir)
{
	uint32_t g = (ino - 1) / fs->sb.s_inodes_per_group;
	struct ext2_group_desc *gd;
	int err;

	if (ino < fs->first_ino || ino > fs->sb.s_inodes_count)
		return -EIO;
	gd = ext2_gd(fs, g);
	err = bit_clear(fs, gd->bg_inode_bitmap,
			(ino - 1) % fs->sb.s_inodes_per_group);
	if (err)
		return err;
	gd->bg_free_inodes_count++;
	if (isdir && gd->bg_used_dirs_count)
		gd->bg_used_dirs_count--;
	fs->sb.s_free_inodes_count++;
	fs->gdt_dirty = fs->sb_dirty = true;
	return 0;
}

/* ---- sync, check, statfs ---- */

int ext2_sync(struct ext2_fs *fs)
{
	const struct ext2_bdev *bd = fs->bdev;
	int err = ext2_writeback(fs);

	if (!err && bd->flush)
		err = bd->flush(bd->ctx);
	return err ? -EIO : 0;
}

int ext2_writeback(struct ext2_fs *fs)
{
	const struct ext2_bdev *bd = fs->bdev;
	int err = ext2_cache_flush(fs);

	if (!err && fs->gdt_dirty) {
		err = bd->write(bd->ctx, (uint64_t)(fs->sb.s_first_data_block +
						    1) * fs->bsize,
				fs->gdt, (size_t)fs->gdt_blocks * fs->bsize);
		fs->gdt_dirty = err != 0;
	}
	if (!err && fs->sb_dirty) {
		fs->sb.s_wtime = ext2_now(fs);
		err = bd->write(bd->ctx, EXT2_SB_OFFSET, &fs->sb,
				sizeof(fs->sb));
		fs->sb_dirty = err != 0;
	}
	return err ? -EIO : 0;
}

static uint32_t count_zero_bits(const uint8_t *map, uint32_t n)
{
	uint32_t zeros = 0;

	for (uint32_t i = 0; i < n; i++)
		zeros += !(map[i >> 3] & (1u << (i & 7)));
	return zeros;
}

static int check_group(struct ext2_fs *fs, uint32_t g, uint64_t *bfree,
		       uint64_t *ifree)
{
	struct ext2_group_desc *gd = ext2_gd(fs, g);
	uint32_t nb, ni;
	int err;
	uint8_t *map = ext2_bget(fs, gd->bg_block_bitmap, &err);

	if (!map)
		return err;
	nb = count_zero_bits(map, group_nblocks(fs, g));
	ext2_bput(fs, map);
	map = ext2_bget(fs, gd->bg_inode_bitmap, &err);
	if (!map)
		return err;
	ni = count_zero_bits(map, fs->sb.s_inodes_per_group);
	ext2_bput(fs, map);
	if (nb != gd->bg_free_blocks_count || ni != gd->bg_free_inodes_count) {
		snprintf(fs->why, sizeof(fs->why),
			 "group %u: %u/%u free blocks, %u/%u free inodes "
			 "(bitmap/descriptor)", g, nb, gd->bg_free_blocks_count,
			 ni, gd->bg_free_inodes_count);
		return -EIO;
	}
	*bfree += nb;
	*ifree += ni;
	return 0;
}

int ext2_check(struct ext2_fs *fs)
{
	uint64_t bfree = 0, ifree = 0;

	if (ext2_cache_pinned(fs)) {
		snprintf(fs->why, sizeof(fs->why), "%u buffers left pinned",
			 ext2_cache_pinned(fs));
		return -EIO;
	}
	for (uint32_t g = 0; g < fs->ngroups; g++) {
		int err = check_group(fs, g, &bfree, &ifree);

		if (err)
			return err;
	}
	if (bfree != fs->sb.s_free_blocks_count ||
	    ifree != fs->sb.s_free_inodes_count) {
		snprintf(fs->why, sizeof(fs->why),
			 "superblock free counts %u/%u, groups say %llu/%llu",
			 fs->sb.s_free_blocks_count, fs->sb.s_free_inodes_count,
			 (unsigned long long)bfree, (unsigned long long)ifree);
		return -EIO;
	}
	return 0;
}

void ext2_statfs(struct ext2_fs *fs, uint64_t *blocks, uint64_t *bfree,
		 uint64_t *files, uint64_t *ffree)
{
	*blocks = fs->sb.s_blocks_count;
	*bfree = fs->sb.s_free_blocks_count;
	*files = fs->sb.s_inodes_count;
	*ffree = fs->sb.s_free_inodes_count;
}
