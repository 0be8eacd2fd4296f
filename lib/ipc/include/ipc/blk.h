/*
 * ipc/blk.h - requests to the block driver (servers/blk): disks addressed
 * by index, sectors of BLK_SECTOR_SIZE bytes, data moved by the device
 * straight to and from physical memory.
 *
 * Every reply: word 0 = 0 or -errno (Linux values), results in words 1...
 *
 * The handle a client finds under the name "blk" (PROC_LOOKUP) is
 * unbadged and answers only BLK_INFO and BLK_OPEN.  Data moves over a
 * session: BLK_OPEN takes a DMA region handle (MM_DMA_ALLOC's, ipc/mm.h),
 * pins that region in mm, and returns a session handle badged for it.
 * BLK_READ/BLK_WRITE on the session name a physical address, which must lie
 * inside the session's region: that is how blk knows a client can only
 * have the device touch memory it was given for DMA.  A request waits for
 * the device (several may be in flight, from several clients) and fails
 * with -ETIMEDOUT, never hangs, if the device does not answer.
 *
 * BLK_READV/BLK_WRITEV move whole pages that need not be contiguous: the
 * request buffer lists BLK_SG_MAX page-aligned physical addresses at most,
 * each page one 4 KiB piece of the sector range, in order (scatter-gather,
 * one device request).  This is how the pager moves swap pages zero-copy.
 *
 * The final, empty BLK_ATTACH (from the launcher) is answered with a
 * session covering all of physical memory, handle in w1, when there is a
 * disk: the launcher passes it to the pager (MM_SWAP_OFFER), which owns
 * all RAM and so may have the device read or write any frame.  blk makes
 * no call to mm from its request loop (the pins of client regions go
 * through a helper thread), so the pager may wait on blk while blk serves.
 *
 * Errors: -EAGAIN blk is still attaching its disks; -ENODEV no such disk;
 * -EINVAL bad count or a sector range past the end; -EFAULT an address
 * outside the session's region; -EPERM not on a session; -EROFS write to a
 * read-only disk; -EBUSY every request slot of the disk is in use; -EIO
 * the device failed the request; -ETIMEDOUT the device did not answer (the
 * disk is then reset and fails every later request with -EIO).
 */
#ifndef IPC_BLK_H
#define IPC_BLK_H

#include <ipc/sys.h>

enum blk_label {
	BLK_INFO = 0x400,	/* disk -> w1 sectors, w2 sector size,
				 * w3 BLK_F_*, w4 disks, w5 most requests
				 * ever in flight at once on this disk */
	BLK_OPEN,		/* DMA region handle in w1 -> w1 session
				 * handle, w2 region phys, w3 region bytes */
	BLK_CLOSE,		/* on a session with nothing in flight */
	BLK_READ,		/* on a session: disk, sector, count, phys */
	BLK_WRITE,		/* on a session: disk, sector, count, phys */
	BLK_FLUSH,		/* on a session: disk; after it, every write
				 * completed before it is on stable storage */
	BLK_ATTACH,		/* from the launcher: w1 HT_IOPORT handle of a
				 * virtio-blk device's I/O BAR, w2 HT_IRQ
				 * handle of its line; no handles: done,
				 * -> w1 the all-memory session (see above) */
	BLK_READV,		/* on a session: disk, sector, npages;
				 * buffer: npages uint64_t page addresses */
	BLK_WRITEV,		/* the same, to the disk */
	BLK_LABEL_END
};
#define BLK_LABEL_COUNT	(BLK_LABEL_END - BLK_INFO)

#define BLK_SECTOR_SIZE	512
#define BLK_MAX_SECTORS	256	/* per request: 128 KiB */
#define BLK_MAX_DISKS	8
#define BLK_SG_MAX	64	/* pages per BLK_READV/BLK_WRITEV */

#define BLK_F_RO	0x1	/* the device refuses writes */
#define BLK_F_FLUSH	0x2	/* the device has a write cache to flush */

#endif
