/*
 * blk.h - the block driver's objects: disks (one legacy virtio-blk PCI
 * device each, with one virtqueue) and the requests in flight on them.
 *
 * Single-threaded: one loop receives requests, interrupts and the timeout
 * timer on one endpoint, so nothing here needs a lock.  A request that
 * waits for the device keeps its caller's saved reply handle in its slot
 * and is answered from the completion (or the timeout) path.
 */
#ifndef BLK_BLK_H
#define BLK_BLK_H

#include <stdbool.h>
#include <stdint.h>
#include <ipc/usys.h>
#include <ipc/blk.h>

#define BLK_SLOTS	64		/* requests in flight per disk */
#define BLK_TIMEOUT_NS	(10ull * 1000000000ull)	/* TCG is slow */
#define BLK_TIMER_BIT	63		/* notification bit of the timer;
					 * IRQ line n signals bit n */

struct vring_desc {
	uint64_t addr;
	uint32_t len;
	uint16_t flags;
	uint16_t next;
};

struct vring_used_elem {
	uint32_t id;
	uint32_t len;
};

/* One piece of a request's data: device bytes at physical pa. */
struct blk_seg {
	uint64_t pa;
	uint32_t len;
};

/* A request in flight: descriptors 3*i .. 3*i+2 belong to slot i. */
struct blk_slot {
	bool busy;
	uint64_t reply;			/* saved reply handle of the caller */
	uint64_t deadline;		/* SYS_CLOCK ns */
	unsigned session;		/* whose region the data is in */
};

struct blk_disk {
	bool live;			/* attached and not failed */
	uint64_t io_h, irq_h;		/* device handles from the launcher */
	uint16_t io;			/* I/O BAR base */
	unsigned irq;
	uint64_t sectors;
	unsigned flags;			/* BLK_F_* */
	/* the virtqueue, in DMA memory: va for us, pa for the device */
	uint16_t qsize, nslots;
	bool indirect;			/* VIRTIO_RING_F_INDIRECT_DESC */
	volatile struct vring_desc *desc;
	volatile uint16_t *avail;	/* flags, idx, ring[qsize], event */
	volatile uint16_t *used;	/* flags, idx, then elements */
	volatile struct vring_used_elem *used_ring;
	volatile uint8_t *hdrs;		/* 16-byte request headers, then a
					 * status byte per slot */
	uint64_t dma_va, dma_pa;
	uint16_t avail_idx, used_seen;
	struct blk_slot slot[BLK_SLOTS];
	unsigned inflight, peak;
};

extern struct blk_disk blk_disks[BLK_MAX_DISKS];
extern unsigned blk_ndisks;
extern uint64_t blk_notif;		/* IRQs and the timeout timer */

/* disk.c */
int disk_attach(uint64_t io_h, uint64_t irq_h, uint64_t notif_h);
int disk_slot_get(struct blk_disk *d);
void disk_submit(struct blk_disk *d, int slot, unsigned type,
		 uint64_t sector, const struct blk_seg *seg, unsigned nseg);
void disk_irq(unsigned irq);
void disk_timeouts(uint64_t now);
void disk_timer_arm(void);

/* main.c */
void blk_complete(struct blk_disk *d, struct blk_slot *s, long status);

#endif
