/*
 * disk.c - legacy virtio-blk devices over PCI I/O ports: bring-up, one
 * split virtqueue per disk, submitting requests, completions and timeouts.
 *
 * Layout of a disk's DMA memory (one MM_DMA_ALLOC region): the legacy
 * vring (descriptor table, available ring, then the used ring at the next
 * 4 KiB boundary, as the legacy interface requires), then at the next page
 * a 16-byte request header per slot followed by a status byte per slot.
 * With indirect descriptors (VIRTIO_RING_F_INDIRECT_DESC, which QEMU
 * offers), slot i owns ring descriptor i, pointing at its own table of
 * header, up to BLK_SG_MAX data pieces and status, laid after the status
 * bytes; without them, slot i owns descriptors 3i, 3i+1 and 3i+2 and a
 * request has one data piece.  Either way a completion's descriptor id
 * names its slot and no descriptor free list is needed.
 *
 * Interrupts: the line is edge-triggered at the IOAPIC and the kernel masks
 * it until SYS_IRQ_ACK, and an edge that arrives while masked is lost.  So
 * the driver acknowledges first and then reads the ISR register (which
 * lowers the line) and reaps the used ring until ISR reads 0: the line is
 * then low with the input unmasked, and any later completion raises a
 * fresh edge.  Several disks may share one line.
 */
#include <stdio.h>
#include <string.h>
#include <ipc/mm.h>
#include <ipc/proc.h>
#include "blk.h"

/* Legacy virtio PCI registers, offsets in the I/O BAR (MSI-X off). */
#define VIO_HOST_FEATURES	0x00	/* 32 */
#define VIO_GUEST_FEATURES	0x04	/* 32 */
#define VIO_QUEUE_PFN		0x08	/* 32: vring address >> 12 */
#define VIO_QUEUE_NUM		0x0c	/* 16: queue size, read-only */
#define VIO_QUEUE_SEL		0x0e	/* 16 */
#define VIO_QUEUE_NOTIFY	0x10	/* 16 */
#define VIO_STATUS		0x12	/* 8 */
#define VIO_ISR			0x13	/* 8: read clears, lowers INTx */
#define VIO_BLK_CAPACITY	0x14	/* 64: in 512-byte sectors */
#define VIO_BAR_MIN		0x1c

#define VIO_S_ACKNOWLEDGE	0x01
#define VIO_S_DRIVER		0x02
#define VIO_S_DRIVER_OK		0x04
#define VIO_S_FAILED		0x80

#define VIRTIO_BLK_F_RO		(1u << 5)
#define VIRTIO_BLK_F_FLUSH	(1u << 9)
#define VIRTIO_RING_F_INDIRECT	(1u << 28)

#define VIRTIO_BLK_S_OK		0
#define VIRTIO_BLK_S_UNSUPP	2

#define VRING_DESC_F_NEXT	1
#define VRING_DESC_F_WRITE	2
#define VRING_DESC_F_INDIRECT	4
#define ITAB_DESCS		(BLK_SG_MAX + 2)
#define VRING_ALIGN		4096
#define QSIZE_MAX		1024
#define HDR_SIZE		16
#define ISR_ROUNDS		16

#define EINVAL		22
#define ENOSPC		28
#define EIO		5
#define ENODEV		19
#define ETIMEDOUT	110
#define EOPNOTSUPP	95

#define barrier()	__asm__ volatile("" ::: "memory")
#define ALIGN_UP(x, a)	(((x) + (a) - 1) & ~(uint64_t)((a) - 1))

struct blk_disk blk_disks[BLK_MAX_DISKS];
unsigned blk_ndisks;

static uint32_t io_in(const struct blk_disk *d, unsigned off, unsigned w)
{
	long v = sys4(SYS_IOPORT, d->io_h, d->io + off, w, 0);

	return v < 0 ? 0xffffffffu : (uint32_t)v;
}

static void io_out(const struct blk_disk *d, unsigned off, unsigned w,
		   uint32_t v)
{
	sys4(SYS_IOPORT, d->io_h, d->io + off, w | IOPORT_OUT, v);
}

/* A handle's type, and its badge (a device handle's range or line). */
static long handle_info(uint64_t h, uint64_t *badge)
{
	struct ipc_msg m = { 0 };
	long type = sys_msg(SYS_HANDLE_INFO, h, &m);

	*badge = m.w[1];
	return type;
}

static uint64_t header_pa(const struct blk_disk *d, int slot)
{
	return d->dma_pa + ((uint64_t)(uintptr_t)d->hdrs - d->dma_va) +
	       (uint64_t)slot * HDR_SIZE;
}

static volatile uint8_t *status_byte(const struct blk_disk *d, int slot)
{
	return d->hdrs + d->nslots * HDR_SIZE + slot;
}

/* Byte offset of slot's indirect table from the headers. */
static uint64_t itab_off(const struct blk_disk *d, int slot)
{
	return ALIGN_UP((uint64_t)d->nslots * (HDR_SIZE + 1), 16) +
	       (uint64_t)slot * ITAB_DESCS * sizeof(struct vring_desc);
}

/* Lay the vring, headers and tables over fresh DMA memory; 0 or -errno. */
static int queue_setup(struct blk_disk *d)
{
	uint64_t used_off, hdr_off, bytes;
	struct ipc_msg m = { 0 };
	long err;

	io_out(d, VIO_QUEUE_SEL, 2, 0);
	d->qsize = (uint16_t)io_in(d, VIO_QUEUE_NUM, 2);
	if (d->qsize < 3 || d->qsize > QSIZE_MAX ||
	    (d->qsize & (d->qsize - 1)))
		return -ENODEV;
	d->nslots = (uint16_t)(d->indirect ? d->qsize : d->qsize / 3);
	if (d->nslots > BLK_SLOTS)
		d->nslots = BLK_SLOTS;
	used_off = ALIGN_UP(16ull * d->qsize + 6 + 2ull * d->qsize,
			    VRING_ALIGN);
	hdr_off = ALIGN_UP(used_off + 6 + 8ull * d->qsize, VRING_ALIGN);
	bytes = hdr_off + (d->indirect ? itab_off(d, d->nslots) :
			   (uint64_t)d->nslots * (HDR_SIZE + 1));
	m.w[0] = ALIGN_UP(bytes, 4096) / 4096;
	err = ipc_request(H_MM, MM_DMA_ALLOC, 2, &m, NULL, 0);
	if (err)
		return (int)err;
	sys1(SYS_HANDLE_CLOSE, m.w[1]);	/* nobody else needs our rings */
	d->dma_va = m.w[2];
	d->dma_pa = m.w[3];
	d->desc = (volatile struct vring_desc *)(uintptr_t)d->dma_va;
	d->avail = (volatile uint16_t *)(uintptr_t)(d->dma_va +
						    16ull * d->qsize);
	d->used = (volatile uint16_t *)(uintptr_t)(d->dma_va + used_off);
	d->used_ring = (volatile struct vring_used_elem *)(d->used + 2);
	d->hdrs = (volatile uint8_t *)(uintptr_t)(d->dma_va + hdr_off);
	if (d->dma_pa >> 44)
		return -EINVAL;		/* QUEUE_PFN is 32 bits */
	io_out(d, VIO_QUEUE_PFN, 4, (uint32_t)(d->dma_pa >> 12));
	return 0;
}

/* Reset, negotiate, set up queue 0: 0 or -errno (device left FAILED). */
static int device_init(struct blk_disk *d)
{
	uint32_t host;
	int err;

	io_out(d, VIO_STATUS, 1, 0);
	io_out(d, VIO_STATUS, 1, VIO_S_ACKNOWLEDGE);
	io_out(d, VIO_STATUS, 1, VIO_S_ACKNOWLEDGE | VIO_S_DRIVER);
	host = io_in(d, VIO_HOST_FEATURES, 4);
	io_out(d, VIO_GUEST_FEATURES, 4, host & (VIRTIO_BLK_F_RO |
	       VIRTIO_BLK_F_FLUSH | VIRTIO_RING_F_INDIRECT));
	d->indirect = (host & VIRTIO_RING_F_INDIRECT) != 0;
	d->flags = (host & VIRTIO_BLK_F_RO ? BLK_F_RO : 0) |
		   (host & VIRTIO_BLK_F_FLUSH ? BLK_F_FLUSH : 0);
	err = queue_setup(d);
	if (err) {
		io_out(d, VIO_STATUS, 1, VIO_S_FAILED);
		return err;
	}
	d->sectors = io_in(d, VIO_BLK_CAPACITY, 4) |
		     (uint64_t)io_in(d, VIO_BLK_CAPACITY + 4, 4) << 32;
	io_out(d, VIO_STATUS, 1,
	       VIO_S_ACKNOWLEDGE | VIO_S_DRIVER | VIO_S_DRIVER_OK);
	return 0;
}

/* Bind the line unless another disk already did (shared INTx). */
static int irq_setup(struct blk_disk *d, uint64_t notif_h)
{
	for (unsigned i = 0; i < blk_ndisks; i++)
		if (blk_disks[i].io_h && blk_disks[i].irq == d->irq)
			return 0;
	return (int)sys3(SYS_IRQ_BIND, d->irq_h, notif_h, d->irq);
}

int disk_attach(uint64_t io_h, uint64_t irq_h, uint64_t notif_h)
{
	struct blk_disk *d = &blk_disks[blk_ndisks];
	uint64_t io, irq;
	int err;

	if (blk_ndisks == BLK_MAX_DISKS)
		return -ENOSPC;
	if (handle_info(io_h, &io) != HT_IOPORT ||
	    handle_info(irq_h, &irq) != HT_IRQ ||
	    IOPORT_INFO_LEN(io) < VIO_BAR_MIN || irq >= 64 ||
	    irq == BLK_TIMER_BIT)
		return -EINVAL;
	memset(d, 0, sizeof(*d));
	d->io_h = io_h;
	d->irq_h = irq_h;
	d->io = IOPORT_INFO_BASE(io);
	d->irq = (unsigned)irq;
	err = device_init(d);
	if (!err)
		err = irq_setup(d, notif_h);
	if (err) {
		io_out(d, VIO_STATUS, 1, VIO_S_FAILED);
		memset(d, 0, sizeof(*d));
		return err;
	}
	d->live = true;
	printf("blk: disk%u: %llu sectors%s%s (io %#x, irq %u, queue %u)\n",
	       blk_ndisks, (unsigned long long)d->sectors,
	       d->flags & BLK_F_RO ? ", read-only" : "",
	       d->flags & BLK_F_FLUSH ? ", write cache" : "", d->io, d->irq,
	       d->qsize);
	blk_ndisks++;
	return 0;
}

int disk_slot_get(struct blk_disk *d)
{
	for (int i = 0; i < d->nslots; i++)
		if (!d->slot[i].busy)
			return i;
	return -1;
}

/*
 * Queue one request on slot `slot`: header, the data pieces seg[0..nseg)
 * (none for a flush; at most one without indirect descriptors), status.
 * The caller has checked everything and filled the slot's reply and
 * session.
 */
void disk_submit(struct blk_disk *d, int slot, unsigned type,
		 uint64_t sector, const struct blk_seg *seg, unsigned nseg)
{
	volatile uint8_t *hdr = d->hdrs + slot * HDR_SIZE;
	uint16_t dflags = type == 0 ? VRING_DESC_F_WRITE : 0;
	volatile struct vring_desc *ds;
	uint16_t head, base;
	unsigned n = 0;

	*(volatile uint32_t *)hdr = type;
	*(volatile uint32_t *)(hdr + 4) = 0;
	*(volatile uint64_t *)(hdr + 8) = sector;
	*status_byte(d, slot) = 0xff;
	if (d->indirect) {
		ds = (volatile struct vring_desc *)(d->hdrs + itab_off(d, slot));
		base = 0;
		head = (uint16_t)slot;
	} else {
		ds = &d->desc[3 * slot];
		base = head = (uint16_t)(3 * slot);
	}
	ds[n] = (struct vring_desc){ header_pa(d, slot), HDR_SIZE,
				     VRING_DESC_F_NEXT, (uint16_t)(base + 1) };
	for (unsigned i = 0; i < nseg; i++, n++)
		ds[n + 1] = (struct vring_desc){ seg[i].pa, seg[i].len,
			VRING_DESC_F_NEXT | dflags, (uint16_t)(base + n + 2) };
	ds[n + 1] = (struct vring_desc){
		header_pa(d, d->nslots) + slot, 1, VRING_DESC_F_WRITE, 0 };
	if (d->indirect)
		d->desc[head] = (struct vring_desc){
			d->dma_pa + ((uint64_t)(uintptr_t)ds - d->dma_va),
			(n + 2) * (uint32_t)sizeof(struct vring_desc),
			VRING_DESC_F_INDIRECT, 0 };
	d->avail[2 + d->avail_idx % d->qsize] = head;
	barrier();
	d->avail[1] = ++d->avail_idx;
	barrier();
	d->slot[slot].busy = true;
	d->slot[slot].deadline = (uint64_t)sys_clock_ns() + BLK_TIMEOUT_NS;
	if (++d->inflight > d->peak)
		d->peak = d->inflight;
	io_out(d, VIO_QUEUE_NOTIFY, 2, 0);
}

static void slot_finish(struct blk_disk *d, int i, long status)
{
	d->slot[i].busy = false;
	d->inflight--;
	blk_complete(d, &d->slot[i], status);
}

/* Answer every request the device has finished. */
static void disk_reap(struct blk_disk *d)
{
	while (d->used_seen != d->used[1]) {
		struct vring_used_elem e = { 0, 0 };
		uint8_t st;
		unsigned per = d->indirect ? 1 : 3, i;

		barrier();
		e = d->used_ring[d->used_seen % d->qsize];
		d->used_seen++;
		i = e.id / per;
		if (e.id % per || i >= d->nslots || !d->slot[i].busy)
			continue;	/* not ours: ignore, never trust it */
		st = *status_byte(d, (int)i);
		slot_finish(d, (int)i, st == VIRTIO_BLK_S_OK ? 0 :
			    st == VIRTIO_BLK_S_UNSUPP ? -EOPNOTSUPP : -EIO);
	}
}

void disk_irq(unsigned irq)
{
	bool acked = false;

	for (unsigned i = 0; i < blk_ndisks && !acked; i++)
		if (blk_disks[i].irq == irq) {
			sys1(SYS_IRQ_ACK, blk_disks[i].irq_h);
			acked = true;
		}
	for (int round = 0; round < ISR_ROUNDS; round++) {
		bool raised = false;

		for (unsigned i = 0; i < blk_ndisks; i++) {
			struct blk_disk *d = &blk_disks[i];

			if (d->irq != irq || !d->live)
				continue;
			if (io_in(d, VIO_ISR, 1) & 0xff)
				raised = true;
			disk_reap(d);
		}
		if (!raised)
			break;
	}
}

/*
 * A request past its deadline: the device is stuck.  Reset it, which
 * stops all its DMA, and fail everything in flight; the disk stays dead
 * (a later version could bring it up again).
 */
static void disk_fail(struct blk_disk *d, uint64_t now)
{
	printf("blk: disk%u: no answer for %llu s, reset; disk failed\n",
	       (unsigned)(d - blk_disks),
	       (unsigned long long)(BLK_TIMEOUT_NS / 1000000000ull));
	io_out(d, VIO_STATUS, 1, 0);
	d->live = false;
	for (int i = 0; i < d->nslots; i++)
		if (d->slot[i].busy)
			slot_finish(d, i, d->slot[i].deadline <= now ?
				    -ETIMEDOUT : -EIO);
}

void disk_timeouts(uint64_t now)
{
	for (unsigned i = 0; i < blk_ndisks; i++) {
		struct blk_disk *d = &blk_disks[i];

		disk_reap(d);
		for (int s = 0; d->live && s < d->nslots; s++)
			if (d->slot[s].busy && d->slot[s].deadline <= now)
				disk_fail(d, now);
	}
}

/* Arm the timer for the earliest deadline in flight, or cancel it. */
void disk_timer_arm(void)
{
	uint64_t first = 0, now;

	for (unsigned i = 0; i < blk_ndisks; i++)
		for (int s = 0; s < blk_disks[i].nslots; s++)
			if (blk_disks[i].slot[s].busy &&
			    (!first || blk_disks[i].slot[s].deadline < first))
				first = blk_disks[i].slot[s].deadline;
	if (!first) {
		sys3(SYS_NOTIFY_TIMER, blk_notif, 0, 0);
		return;
	}
	now = (uint64_t)sys_clock_ns();
	sys3(SYS_NOTIFY_TIMER, blk_notif, first > now ? first - now : 1,
	     1ull << BLK_TIMER_BIT);
}
