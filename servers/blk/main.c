/*
 * main.c - the block driver's server: sessions, the blk protocol
 * (ipc/blk.h), and the loop that also takes interrupts and timeouts.
 *
 * blk starts with only H_PROC and H_MM.  It publishes "blk" in the process
 * server's registry at once; init's launcher then attaches each virtio-blk
 * device it found (BLK_ATTACH with the device's I/O-port and IRQ handles)
 * and finally sends an empty BLK_ATTACH, after which the disk list is fixed
 * and clients are served.  Device handles are the only authority blk has:
 * a BLK_ATTACH carrying anything else is refused, and none is accepted once
 * the list is fixed.
 *
 * A session is one client's DMA region, pinned in mm for as long as the
 * session is open, so the frames a request names cannot be freed under the
 * device.  Its handle is badged BLK_BADGE_SESSION | gen << 8 | index.
 */
#include <stdio.h>
#include <string.h>
#include <ipc/server.h>
#include <ipc/mm.h>
#include <ipc/proc.h>
#include "blk.h"

#define BLK_SESSIONS		32
#define BLK_BADGE_SESSION	(1ull << 61)
#define VIRTIO_BLK_T_IN		0
#define VIRTIO_BLK_T_OUT	1
#define VIRTIO_BLK_T_FLUSH	4

#define EPERM		1
#define ENOENT		2
#define EFAULT		14
#define EBUSY		16
#define EINVAL		22
#define ENFILE		23
#define ENOMEM		12
#define EAGAIN		11
#define ENODEV		19
#define EROFS		30

struct session {
	bool used;
	uint8_t gen;
	uint64_t region_h;		/* the client's DMA region handle */
	uint64_t handle;		/* our copy of the session handle */
	uint64_t pa, len;		/* the pinned region */
	unsigned inflight;
};

uint64_t blk_notif;
static uint64_t blk_ep;
static bool attach_done;
static struct session sessions[BLK_SESSIONS];

static struct session *session_of(const struct ipc_msg *m)
{
	uint64_t b = m->badge;
	struct session *s;

	if ((b & ~0xffffull) != BLK_BADGE_SESSION ||
	    (b & 0xff) >= BLK_SESSIONS)
		return NULL;
	s = &sessions[b & 0xff];
	return s->used && ((b >> 8) & 0xff) == s->gen ? s : NULL;
}

static struct blk_disk *disk_of(uint64_t index)
{
	return index < blk_ndisks ? &blk_disks[index] : NULL;
}

static int reply(struct ipc_msg *m, long status, unsigned nresults)
{
	ipc_reply_set(m, status, nresults);
	return IPC_REPLY;
}

void blk_complete(struct blk_disk *d, struct blk_slot *s, long status)
{
	struct ipc_msg r = { 0 };

	(void)d;
	sessions[s->session].inflight--;
	ipc_reply_set(&r, status, 0);
	ipc_reply(s->reply, &r);	/* a dead caller: nothing to do */
	s->reply = 0;
}

static int h_info(struct ipc_msg *m, void *unused)
{
	struct blk_disk *d = disk_of(m->w[0]);

	(void)unused;
	if (!attach_done)
		return reply(m, -EAGAIN, 0);
	if (!d)
		return reply(m, -ENODEV, 0);
	ipc_reply_set(m, 0, 5);
	m->w[1] = d->sectors;
	m->w[2] = BLK_SECTOR_SIZE;
	m->w[3] = d->flags;
	m->w[4] = blk_ndisks;
	m->w[5] = d->peak;
	return IPC_REPLY;
}

static struct session *session_free_slot(void)
{
	for (unsigned i = 0; i < BLK_SESSIONS; i++)
		if (!sessions[i].used)
			return &sessions[i];
	return NULL;
}

/* Pin the region named by handle h into session s: 0 or -errno. */
static int session_start(struct session *s, uint64_t h)
{
	struct ipc_msg m = { 0 };
	long err = ipc_request(h, MM_DMA_PIN, 0, &m, NULL, 0), mine;

	if (err)
		return err == -ENOENT ? -ENOENT : -EINVAL;
	mine = sys3(SYS_HANDLE_MINT, blk_ep, R_SEND,
		    BLK_BADGE_SESSION | (uint64_t)(uint8_t)(s->gen + 1) << 8 |
		    (uint64_t)(s - sessions));
	if (mine < 0) {
		ipc_request(h, MM_DMA_UNPIN, 0, &m, NULL, 0);
		return -ENOMEM;
	}
	*s = (struct session){ .used = true, .gen = (uint8_t)(s->gen + 1),
			       .region_h = h, .handle = (uint64_t)mine,
			       .pa = m.w[1], .len = m.w[2] * 4096 };
	return 0;
}

static int h_open(struct ipc_msg *m, void *unused)
{
	uint64_t h = IPC_TAG_NHANDLES(m->tag) == 1 ? m->w[1] : 0;
	struct session *s = session_free_slot();
	int err;

	(void)unused;
	if (!h)
		err = -EINVAL;
	else if (!s)
		err = -ENFILE;
	else
		err = session_start(s, h);
	if (err) {
		ipc_drop_handles(m);
		return reply(m, err, 0);
	}
	ipc_reply_set(m, 0, 3);
	m->tag |= IPC_TAG_HANDLES(1);
	m->w[1] = s->handle;
	m->w[2] = s->pa;
	m->w[3] = s->len;
	return IPC_REPLY;
}

static int h_close(struct ipc_msg *m, void *unused)
{
	struct session *s = session_of(m);
	struct ipc_msg r = { 0 };

	(void)unused;
	if (!s)
		return reply(m, -EPERM, 0);
	if (s->inflight)
		return reply(m, -EBUSY, 0);
	ipc_request(s->region_h, MM_DMA_UNPIN, 0, &r, NULL, 0);
	sys1(SYS_HANDLE_CLOSE, s->region_h);
	sys1(SYS_HANDLE_CLOSE, s->handle);
	s->used = false;
	return reply(m, 0, 0);
}

/* Check a request's disk, range and buffer: 0 or -errno. */
static int request_check(const struct session *s, const struct blk_disk *d,
			 unsigned type, uint64_t sector, uint64_t count,
			 uint64_t pa)
{
	uint64_t bytes = count * BLK_SECTOR_SIZE;

	if (!s)
		return -EPERM;
	if (!attach_done || !d)
		return attach_done ? -ENODEV : -EAGAIN;
	if (!d->live)
		return -5;			/* EIO: the disk failed */
	if (type == VIRTIO_BLK_T_FLUSH)
		return 0;
	if (count == 0 || count > BLK_MAX_SECTORS || sector > d->sectors ||
	    count > d->sectors - sector)
		return -EINVAL;
	if (pa < s->pa || pa - s->pa > s->len || bytes > s->len - (pa - s->pa))
		return -EFAULT;
	if (type == VIRTIO_BLK_T_OUT && (d->flags & BLK_F_RO))
		return -EROFS;
	return 0;
}

/* Queue a checked request; the reply comes from the completion. */
static int request_start(struct ipc_msg *m, struct session *s,
			 struct blk_disk *d, unsigned type, uint64_t sector,
			 uint64_t count, uint64_t pa)
{
	int slot = disk_slot_get(d);
	long rh;

	if (slot < 0)
		return reply(m, -EBUSY, 0);
	rh = ipc_reply_save();
	if (rh < 0)
		return reply(m, rh, 0);
	d->slot[slot].reply = (uint64_t)rh;
	d->slot[slot].session = (unsigned)(s - sessions);
	s->inflight++;
	disk_submit(d, slot, type, sector, (uint32_t)(count * BLK_SECTOR_SIZE),
		    pa);
	disk_timer_arm();
	return IPC_NOREPLY;
}

static int h_rw(struct ipc_msg *m, unsigned type)
{
	struct session *s = session_of(m);
	struct blk_disk *d = disk_of(m->w[0]);
	int err = request_check(s, d, type, m->w[1], m->w[2], m->w[3]);

	if (err)
		return reply(m, err, 0);
	return request_start(m, s, d, type, m->w[1], m->w[2], m->w[3]);
}

static int h_read(struct ipc_msg *m, void *unused)
{
	(void)unused;
	return h_rw(m, VIRTIO_BLK_T_IN);
}

static int h_write(struct ipc_msg *m, void *unused)
{
	(void)unused;
	return h_rw(m, VIRTIO_BLK_T_OUT);
}

static int h_flush(struct ipc_msg *m, void *unused)
{
	struct session *s = session_of(m);
	struct blk_disk *d = disk_of(m->w[0]);
	int err = request_check(s, d, VIRTIO_BLK_T_FLUSH, 0, 0, 0);

	(void)unused;
	if (err || !(d->flags & BLK_F_FLUSH))
		return reply(m, err, 0);	/* no cache: nothing to do */
	return request_start(m, s, d, VIRTIO_BLK_T_FLUSH, 0, 0, 0);
}

static int h_attach(struct ipc_msg *m, void *unused)
{
	unsigned n = IPC_TAG_NHANDLES(m->tag);
	int err = 0;

	(void)unused;
	if (attach_done)
		err = -EPERM;
	else if (n == 0)
		attach_done = true;
	else if (n != 2 || !m->w[1] || !m->w[2])
		err = -EINVAL;
	else
		err = disk_attach(m->w[1], m->w[2], blk_notif);
	if (err)
		ipc_drop_handles(m);
	if (attach_done && !err && blk_ndisks == 0)
		printf("blk: no disks\n");
	return reply(m, err, 0);
}

static const ipc_handler blk_handlers[BLK_LABEL_COUNT] = {
	[BLK_INFO - BLK_INFO] = h_info,
	[BLK_OPEN - BLK_INFO] = h_open,
	[BLK_CLOSE - BLK_INFO] = h_close,
	[BLK_READ - BLK_INFO] = h_read,
	[BLK_WRITE - BLK_INFO] = h_write,
	[BLK_FLUSH - BLK_INFO] = h_flush,
	[BLK_ATTACH - BLK_INFO] = h_attach,
};

static const struct ipc_proto blk_proto = {
	BLK_INFO, BLK_LABEL_COUNT, blk_handlers,
	1ull << (BLK_OPEN - BLK_INFO) | 1ull << (BLK_ATTACH - BLK_INFO),
};

static void blk_notify(uint64_t bits, void *unused)
{
	(void)unused;
	for (unsigned irq = 0; irq < BLK_TIMER_BIT; irq++)
		if (bits & (1ull << irq))
			disk_irq(irq);
	if (bits & (1ull << BLK_TIMER_BIT))
		disk_timeouts((uint64_t)sys_clock_ns());
	disk_timer_arm();
}

/* Publish a send-and-grant copy of our endpoint as "blk". */
static long blk_register(void)
{
	long h = sys3(SYS_HANDLE_MINT, blk_ep, R_SEND | R_GRANT, 0);
	struct ipc_msg m = { .w = { 0, (uint64_t)h } };
	long err;

	if (h < 0)
		return h;
	m.tag = IPC_TAG(PROC_REGISTER, 2) | IPC_TAG_HANDLES(1) |
		IPC_TAG_BUF(sizeof("blk"));
	m.buf = "blk";
	err = ipc_call(H_PROC, &m);
	sys1(SYS_HANDLE_CLOSE, h);
	return err ? err : (long)m.w[0];
}

int main(void)
{
	struct ipc_server srv = {
		.protos = &blk_proto, .nprotos = 1, .notify = blk_notify,
	};
	long ep = sys0(SYS_EP_CREATE), n = sys0(SYS_NOTIF_CREATE), err;

	if (ep < 0 || n < 0 || sys2(SYS_EP_BIND_NOTIF, ep, n))
		return 1;
	blk_ep = (uint64_t)ep;
	blk_notif = (uint64_t)n;
	err = blk_register();
	if (err) {
		printf("blk: cannot register: %ld\n", err);
		return 1;
	}
	srv.ep = blk_ep;
	ipc_serve(&srv);
}
