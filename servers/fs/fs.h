/*
 * fs.h - between the files of the file server: main.c (the protocol,
 * ipc/fs.h) and disk.c (the block device under ext2, over servers/blk).
 */
#ifndef FS_FS_H
#define FS_FS_H

#include <stddef.h>
#include <stdint.h>
#include <ipc/usys.h>

#include "ext2.h"

/* The DMA region: the ext2 block cache, then the bounce buffer. */
#define FS_REGION_BYTES	(2 * 1024 * 1024 + FS_BOUNCE)
#define FS_BOUNCE	(64 * 1024)

/* Opens blk disk `disk` through a session on a fresh DMA region; the
 * block cache goes in *cache (*cache_bytes).  0 or -errno. */
long disk_open(uint64_t disk, void **cache, size_t *cache_bytes);
uint64_t disk_bytes(void);
uint64_t disk_index(void);
/* struct ext2_bdev's operations (ctx unused). */
int disk_read(void *ctx, uint64_t off, void *buf, size_t len);
int disk_write(void *ctx, uint64_t off, const void *buf, size_t len);
int disk_flush(void *ctx);

#endif
