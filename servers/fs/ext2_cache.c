/*
 * ext2_cache.c - the block cache under the ext2 code.
 *
 * fs->nbufs buffers of one block each live in the memory the mounter gave
 * (in the server: a DMA region, so the device reads and writes them in
 * place).  A buffer is found by block number through fs->hash; chains are
 * linked by index.  Invariants:
 *   - a block is in at most one buffer, and only valid buffers are hashed;
 *   - a pinned buffer (pins > 0) is never evicted or moved, so a pointer
 *     from ext2_bget() stays good until the matching ext2_bput();
 *   - a dirty buffer is written to the device before it is reused, so no
 *     modification is lost except by a failed write, which is reported
 *     (the buffer then stays dirty and cached).
 * Eviction takes the least recently used unpinned buffer (a scan: it only
 * happens on a miss, which costs a device read anyway).
 */
#include <errno.h>
#include <string.h>

#include "ext2.h"

static unsigned hash_of(uint32_t blk)
{
	return (blk * 2654435761u) >> 24 & (EXT2_HASH - 1);
}

static uint8_t *buf_data(struct ext2_fs *fs, unsigned i)
{
	return fs->cache + (size_t)i * fs->bsize;
}

static unsigned buf_index(struct ext2_fs *fs, const void *data)
{
	size_t off = (size_t)((const uint8_t *)data - fs->cache);

	return (unsigned)(off / fs->bsize);
}

static uint64_t blk_off(const struct ext2_fs *fs, uint32_t blk)
{
	return (uint64_t)blk * fs->bsize;
}

void ext2_cache_init(struct ext2_fs *fs, void *mem, size_t bytes)
{
	size_t n = bytes / fs->bsize;

	fs->cache = mem;
	fs->nbufs = (uint32_t)(n > EXT2_CACHE_MAX ? EXT2_CACHE_MAX : n);
	fs->stamp = 0;
	for (unsigned i = 0; i < EXT2_HASH; i++)
		fs->hash[i] = -1;
	for (unsigned i = 0; i < fs->nbufs; i++)
		fs->bufs[i] = (struct ext2_buf){ .next = -1 };
}

static int buf_find(struct ext2_fs *fs, uint32_t blk)
{
	for (int32_t i = fs->hash[hash_of(blk)]; i >= 0; i = fs->bufs[i].next)
		if (fs->bufs[i].blk == blk)
			return i;
	return -1;
}

static void buf_unhash(struct ext2_fs *fs, unsigned i)
{
	int32_t *p = &fs->hash[hash_of(fs->bufs[i].blk)];

	while (*p != (int32_t)i)
		p = &fs->bufs[*p].next;
	*p = fs->bufs[i].next;
	fs->bufs[i].next = -1;
	fs->bufs[i].valid = 0;
}

static int buf_write(struct ext2_fs *fs, unsigned i)
{
	struct ext2_buf *b = &fs->bufs[i];
	int err;

	if (!b->dirty)
		return 0;
	err = fs->bdev->write(fs->bdev->ctx, blk_off(fs, b->blk),
			      buf_data(fs, i), fs->bsize);
	if (err)
		return -EIO;
	fs->writes++;
	b->dirty = 0;
	return 0;
}

/* An unpinned buffer, written back and unhashed: its index, or -errno. */
static int buf_victim(struct ext2_fs *fs)
{
	int best = -1;
	int err;

	for (unsigned i = 0; i < fs->nbufs; i++) {
		struct ext2_buf *b = &fs->bufs[i];

		if (b->pins)
			continue;
		if (!b->valid) {
			best = (int)i;
			break;
		}
		if (best < 0 || (int32_t)(b->stamp - fs->bufs[best].stamp) < 0)
			best = (int)i;
	}
	if (best < 0)
		return -ENOMEM;		/* every buffer pinned: a bug */
	err = buf_write(fs, (unsigned)best);
	if (err)
		return err;
	if (fs->bufs[best].valid)
		buf_unhash(fs, (unsigned)best);
	return best;
}

static void *buf_get(struct ext2_fs *fs, uint32_t blk, bool zero, int *err)
{
	int i = buf_find(fs, blk);
	struct ext2_buf *b;

	if (!ext2_block_valid(fs, blk)) {
		*err = -EIO;
		return NULL;
	}
	if (i < 0) {
		i = buf_victim(fs);
		if (i < 0) {
			*err = i;
			return NULL;
		}
		b = &fs->bufs[i];
		if (!zero && fs->bdev->read(fs->bdev->ctx, blk_off(fs, blk),
					    buf_data(fs, (unsigned)i),
					    fs->bsize)) {
			*err = -EIO;
			return NULL;
		}
		if (!zero)
			fs->reads++;
		b->blk = blk;
		b->valid = 1;
		b->dirty = 0;
		b->next = fs->hash[hash_of(blk)];
		fs->hash[hash_of(blk)] = i;
	} else {
		fs->hits++;
	}
	b = &fs->bufs[i];
	b->pins++;
	b->stamp = ++fs->stamp;
	if (zero) {
		memset(buf_data(fs, (unsigned)i), 0, fs->bsize);
		b->dirty = 1;
	}
	return buf_data(fs, (unsigned)i);
}

void *ext2_bget(struct ext2_fs *fs, uint32_t blk, int *err)
{
	return buf_get(fs, blk, false, err);
}

void *ext2_bget_zero(struct ext2_fs *fs, uint32_t blk, int *err)
{
	return buf_get(fs, blk, true, err);
}

void ext2_bdirty(struct ext2_fs *fs, void *data)
{
	fs->bufs[buf_index(fs, data)].dirty = 1;
}

void ext2_bput(struct ext2_fs *fs, void *data)
{
	struct ext2_buf *b = &fs->bufs[buf_index(fs, data)];

	if (b->pins)
		b->pins--;
}

int ext2_cache_flush(struct ext2_fs *fs)
{
	int err = 0;

	for (unsigned i = 0; i < fs->nbufs; i++)
		if (fs->bufs[i].valid && buf_write(fs, i))
			err = -EIO;
	return err;
}

int ext2_cache_drop(struct ext2_fs *fs, uint32_t blk)
{
	int i = buf_find(fs, blk);
	int err;

	if (i < 0)
		return 0;
	if (fs->bufs[i].pins)
		return -EBUSY;
	err = buf_write(fs, (unsigned)i);
	if (!err)
		buf_unhash(fs, (unsigned)i);
	return err;
}

void ext2_cache_forget(struct ext2_fs *fs, uint32_t blk)
{
	int i = buf_find(fs, blk);

	if (i >= 0 && !fs->bufs[i].pins) {
		fs->bufs[i].dirty = 0;
		buf_unhash(fs, (unsigned)i);
	}
}

unsigned ext2_cache_pinned(const struct ext2_fs *fs)
{
	unsigned n = 0;

	for (unsigned i = 0; i < fs->nbufs; i++)
		n += fs->bufs[i].pins != 0;
	return n;
}
