/*
 * disk.c - the file server's block device: one blk disk, reached through a
 * blk session on a DMA region of our own (ipc/blk.h, MM_DMA_ALLOC).
 *
 * The region holds the ext2 block cache and, after it, a bounce buffer.
 * A transfer whose buffer lies inside the region (every cached block) is
 * done by the device in place; any other buffer (the superblock and group
 * descriptors, which live in struct ext2_fs) goes through the bounce
 * buffer.  The region is pinned by blk for the session and locked in our
 * address space by mm, so the device never sees a page we could lose.
 *
 * Every call here waits for blk, never for mm: the region was mapped at
 * start, so the pager can wait on us (page-cache and swap I/O) while we
 * wait on blk.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <ipc/blk.h>
#include <ipc/mm.h>
#include <ipc/proc.h>

#include "fs.h"

#define LOOKUP_TRIES	400
#define LOOKUP_NS	(50ull * 1000 * 1000)

static struct {
	uint64_t blk_h, sess_h, region_h;
	uint64_t disk;
	uint8_t *va;			/* the region */
	uint64_t pa, len;
	uint8_t *bounce;		/* its last FS_BOUNCE bytes */
	uint64_t bytes;			/* disk size */
} d;

static long lookup(const char *name)
{
	struct ipc_msg m = { 0 };

	for (int i = 0; i < LOOKUP_TRIES; i++) {
		if (ipc_request(H_PROC, PROC_LOOKUP, 0, &m, name,
				(unsigned)strlen(name) + 1) == 0)
			return (long)m.w[1];
		sys1(SYS_SLEEP, LOOKUP_NS);
	}
	return -ENOENT;
}

/* BLK_INFO for our disk, waiting while blk still attaches its disks. */
static long disk_info(uint64_t *sectors)
{
	struct ipc_msg m = { 0 };
	long err = -EAGAIN;

	for (int i = 0; i < LOOKUP_TRIES && err == -EAGAIN; i++) {
		m.w[0] = d.disk;
		err = ipc_request(d.blk_h, BLK_INFO, 1, &m, NULL, 0);
		if (err == -EAGAIN)
			sys1(SYS_SLEEP, LOOKUP_NS);
	}
	if (!err)
		*sectors = m.w[1];
	return err;
}

static long region_open(void)
{
	struct ipc_msg m = { .w = { FS_REGION_BYTES / 4096, 0 } };
	long err = ipc_request(H_MM, MM_DMA_ALLOC, 2, &m, NULL, 0);

	if (err)
		return err;
	d.region_h = m.w[1];
	d.va = (uint8_t *)m.w[2];
	d.pa = m.w[3];
	d.len = FS_REGION_BYTES;
	d.bounce = d.va + FS_REGION_BYTES - FS_BOUNCE;
	m = (struct ipc_msg){ .w = { 0, d.region_h } };
	m.tag = IPC_TAG(BLK_OPEN, 2) | IPC_TAG_HANDLES(1);
	err = ipc_call(d.blk_h, &m);
	if (!err)
		err = (long)m.w[0];
	if (!err)
		d.sess_h = m.w[1];
	return err;
}

long disk_open(uint64_t disk, void **cache, size_t *cache_bytes)
{
	uint64_t sectors = 0;
	long h = lookup("blk"), err;

	if (h < 0)
		return h;
	d.blk_h = (uint64_t)h;
	d.disk = disk;
	err = disk_info(&sectors) ?: region_open();
	if (err)
		return err;
	d.bytes = sectors * BLK_SECTOR_SIZE;
	*cache = d.va;
	*cache_bytes = FS_REGION_BYTES - FS_BOUNCE;
	return 0;
}

uint64_t disk_bytes(void)
{
	return d.bytes;
}

uint64_t disk_index(void)
{
	return d.disk;
}

/* One device request for len bytes (<= BLK_MAX_SECTORS sectors) at pa. */
static int disk_rw(unsigned label, uint64_t off, uint64_t pa, size_t len)
{
	struct ipc_msg m = { .w = { d.disk, off / BLK_SECTOR_SIZE,
				    len / BLK_SECTOR_SIZE, pa } };

	return ipc_request(d.sess_h, label, 4, &m, NULL, 0) ? -EIO : 0;
}

static bool in_region(const void *buf, size_t len)
{
	const uint8_t *p = buf;

	return p >= d.va && p + len <= d.bounce;
}

static int disk_xfer(unsigned label, uint64_t off, void *buf, size_t len)
{
	const size_t max = BLK_MAX_SECTORS * BLK_SECTOR_SIZE;
	uint8_t *p = buf;

	if (off % BLK_SECTOR_SIZE || len % BLK_SECTOR_SIZE ||
	    off > d.bytes || len > d.bytes - off)
		return -EIO;
	while (len) {
		bool direct = in_region(p, len);
		size_t n = len < (direct ? max : FS_BOUNCE) ? len
			   : (direct ? max : FS_BOUNCE);
		uint64_t pa = direct ? d.pa + (uint64_t)(p - d.va)
				     : d.pa + (uint64_t)(d.bounce - d.va);
		int err;

		if (!direct && label == BLK_WRITE)
			memcpy(d.bounce, p, n);
		err = disk_rw(label, off, pa, n);
		if (err)
			return err;
		if (!direct && label == BLK_READ)
			memcpy(p, d.bounce, n);
		off += n;
		p += n;
		len -= n;
	}
	return 0;
}

int disk_read(void *ctx, uint64_t off, void *buf, size_t len)
{
	(void)ctx;
	return disk_xfer(BLK_READ, off, buf, len);
}

int disk_write(void *ctx, uint64_t off, const void *buf, size_t len)
{
	(void)ctx;
	return disk_xfer(BLK_WRITE, off, (void *)buf, len);
}

int disk_flush(void *ctx)
{
	struct ipc_msg m = { .w = { d.disk } };

	(void)ctx;
	return ipc_request(d.sess_h, BLK_FLUSH, 1, &m, NULL, 0) ? -EIO : 0;
}
