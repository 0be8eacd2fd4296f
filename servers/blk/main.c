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
 * Session 0 is the pager's: all of physical memory, never pinned (the
 * pager owns every frame), handed out once, on the launcher's final
 * BLK_ATTACH.
 *
 * The pager may wait on blk (it swaps synchronously), so the request loop
 * never waits on the pager: it makes no call to mm, and its memory is
 * locked resident (mlockall) so it never faults.  Pinning and unpinning a
 * client's region are calls to mm; the loop hands them to the pin thread
 * (a session's `op`, then a notification) and that thread answers the
 * client.  A session moves FREE -> OPENING -> OPEN -> CLOSING -> FREE; the
 * loop serves I/O only on OPEN sessions, and each transition is made by
 * the one thread that owns the session in its current state.
 */
#include <stdio.h>
#include <string.h>
#include <ipc/server.h>
#include <ipc/mm.h>
#include <ipc/proc.h>
#include <errno.h>
#include <sys/mman.h>
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

enum session_state { S_FREE, S_OPENING, S_OPEN, S_CLOSING };
enum pin_op { OP_NONE, OP_PIN, OP_UNPIN };

struct session {
	int state;			/* enum session_state */
	int op;				/* enum pin_op, for the pin thread */
	uint8_t gen;
	uint64_t region_h;		/* the client's DMA region handle */
	uint64_t handle;		/* our copy of the session handle */
	uint64_t reply;			/* saved reply for the pin thread */
	uint64_t pa, len;		/* the pinned region */
	unsigned inflight;
};

#define SESSION_ALL		0	/* the pager's: all of memory */
#define PIN_STACK		16384
#define PIN_WAKE		1ull

uint64_t blk_notif;
static uint64_t blk_ep, pin_notif;
static bool attach_done;
static struct session sessions[BLK_SESSIONS];
static char recvbuf[IPC_BUF_MAX];
static char pin_stack[PIN_STACK] __attribute__((aligned(16)));

static int state_get(const struct session *s)
{
	return __atomic_load_n(&s->state, __ATOMIC_ACQUIRE);
}

static void state_set(struct session *s, int state)
{
	__atomic_store_n(&s->state, state, __ATOMIC_RELEASE);
}

static uint64_t session_badge(const struct session *s, uint8_t gen)
{
	return BLK_BADGE_SESSION | (uint64_t)gen << 8 |
	       (uint64_t)(s - sessions);
}

static struct session *session_of(const struct ipc_msg *m)
{
	uint64_t b = m->badge;
	struct session *s;

	if ((b & ~0xffffull) != BLK_BADGE_SESSION ||
	    (b & 0xff) >= BLK_SESSIONS)
		return NULL;
	s = &sessions[b & 0xff];
	return state_get(s) == S_OPEN && ((b >> 8) & 0xff) == s->gen ? s :
	       NULL;
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
	for (unsigned i = SESSION_ALL + 1; i < BLK_SESSIONS; i++)
		if (state_get(&sessions[i]) == S_FREE)
			return &sessions[i];
	return NULL;
}

/* Give session s to the pin thread with op; it answers the saved reply. */
static int pin_thread_post(struct ipc_msg *m, struct session *s, int op)
{
	long rh = ipc_reply_save();

	if (rh < 0)
		return (int)rh;
	s->reply = (uint64_t)rh;
	s->op = op;
	state_set(s, op == OP_PIN ? S_OPENING : S_CLOSING);
	sys2(SYS_NOTIFY, pin_notif, PIN_WAKE);
	(void)m;
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
	else {
		s->region_h = h;
		err = pin_thread_post(m, s, OP_PIN);
		if (!err)
			return IPC_NOREPLY;
	}
	ipc_drop_handles(m);
	return reply(m, err, 0);
}

static int h_close(struct ipc_msg *m, void *unused)
{
	struct session *s = session_of(m);
	int err;

	(void)unused;
	if (!s || s == &sessions[SESSION_ALL])
		return reply(m, -EPERM, 0);
	if (s->inflight)
		return reply(m, -EBUSY, 0);
	err = pin_thread_post(m, s, OP_UNPIN);
	return err ? reply(m, err, 0) : IPC_NOREPLY;
}

/* Pin the region of an OPENING session: 0 or -errno (session left FREE). */
static int session_pin(struct session *s, struct ipc_msg *r)
{
	struct ipc_msg m = { 0 };
	uint8_t gen = (uint8_t)(s->gen + 1);
	long err = ipc_request(s->region_h, MM_DMA_PIN, 0, &m, NULL, 0), mine;

	if (err)
		return err == -ENOENT ? -ENOENT : -EINVAL;
	mine = sys3(SYS_HANDLE_MINT, blk_ep, R_SEND, session_badge(s, gen));
	if (mine < 0) {
		ipc_request(s->region_h, MM_DMA_UNPIN, 0, &m, NULL, 0);
		return -ENOMEM;
	}
	s->gen = gen;
	s->handle = (uint64_t)mine;
	s->pa = m.w[1];
	s->len = m.w[2] * 4096;
	s->inflight = 0;
	ipc_reply_set(r, 0, 3);
	r->tag |= IPC_TAG_HANDLES(1);
	r->w[1] = s->handle;
	r->w[2] = s->pa;
	r->w[3] = s->len;
	return 0;
}

/*
 * The pin thread: waits for work, makes the calls to mm that pinning and
 * unpinning a client's region need, and answers the client itself.
 */
static void pin_thread(uint64_t arg)
{
	(void)arg;
	for (;;) {
		sys1(SYS_NOTIFY_WAIT, pin_notif);
		for (unsigned i = 0; i < BLK_SESSIONS; i++) {
			struct session *s = &sessions[i];
			struct ipc_msg r = { 0 }, m = { 0 };
			int err;

			switch (__atomic_load_n(&s->op, __ATOMIC_ACQUIRE)) {
			case OP_PIN:
				err = session_pin(s, &r);
				if (err) {
					sys1(SYS_HANDLE_CLOSE, s->region_h);
					ipc_reply_set(&r, err, 0);
				}
				s->op = OP_NONE;
				state_set(s, err ? S_FREE : S_OPEN);
				break;
			case OP_UNPIN:
				ipc_request(s->region_h, MM_DMA_UNPIN, 0, &m,
					    NULL, 0);
				sys1(SYS_HANDLE_CLOSE, s->region_h);
				sys1(SYS_HANDLE_CLOSE, s->handle);
				ipc_reply_set(&r, 0, 0);
				s->op = OP_NONE;
				state_set(s, S_FREE);
				break;
			default:
				continue;
			}
			ipc_reply(s->reply, &r);	/* a dead client: fine */
		}
	}
}

/* Check a request's disk, range and session: 0 or -errno. */
static int request_check(const struct session *s, const struct blk_disk *d,
			 unsigned type, uint64_t sector, uint64_t count,
			 uint64_t max)
{
	if (!s)
		return -EPERM;
	if (!attach_done || !d)
		return attach_done ? -ENODEV : -EAGAIN;
	if (!d->live)
		return -5;			/* EIO: the disk failed */
	if (type == VIRTIO_BLK_T_FLUSH)
		return 0;
	if (count == 0 || count > max || sector > d->sectors ||
	    count > d->sectors - sector)
		return -EINVAL;
	if (type == VIRTIO_BLK_T_OUT && (d->flags & BLK_F_RO))
		return -EROFS;
	return 0;
}

/* Is [pa, pa + bytes) inside the session's memory? */
static bool range_ok(const struct session *s, uint64_t pa, uint64_t bytes)
{
	return pa >= s->pa && pa - s->pa <= s->len &&
	       bytes <= s->len - (pa - s->pa);
}

/* Queue a checked request; the reply comes from the completion. */
static int request_start(struct ipc_msg *m, struct session *s,
			 struct blk_disk *d, unsigned type, uint64_t sector,
			 const struct blk_seg *seg, unsigned nseg)
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
	disk_submit(d, slot, type, sector, seg, nseg);
	disk_timer_arm();
	return IPC_NOREPLY;
}

static int h_rw(struct ipc_msg *m, unsigned type)
{
	struct session *s = session_of(m);
	struct blk_disk *d = disk_of(m->w[0]);
	struct blk_seg seg = { m->w[3], (uint32_t)(m->w[2] * BLK_SECTOR_SIZE) };
	int err = request_check(s, d, type, m->w[1], m->w[2],
				BLK_MAX_SECTORS);

	if (!err && !range_ok(s, seg.pa, seg.len))
		err = -EFAULT;
	if (err)
		return reply(m, err, 0);
	return request_start(m, s, d, type, m->w[1], &seg, 1);
}

/* BLK_READV/BLK_WRITEV: whole pages listed in the buffer. */
static int h_rwv(struct ipc_msg *m, unsigned type)
{
	struct session *s = session_of(m);
	struct blk_disk *d = disk_of(m->w[0]);
	uint64_t npages = m->w[2], addr[BLK_SG_MAX];
	struct blk_seg seg[BLK_SG_MAX];
	int err;

	if (npages == 0 || npages > BLK_SG_MAX ||
	    IPC_TAG_BUFLEN(m->tag) != npages * sizeof(uint64_t))
		return reply(m, -EINVAL, 0);
	err = request_check(s, d, type, m->w[1], npages * (4096 / BLK_SECTOR_SIZE),
			    BLK_SG_MAX * (4096 / BLK_SECTOR_SIZE));
	if (!err && d && !d->indirect && npages > 1)
		err = -EINVAL;		/* no scatter-gather on this device */
	if (err)
		return reply(m, err, 0);
	memcpy(addr, recvbuf, npages * sizeof(uint64_t));
	for (unsigned i = 0; i < npages; i++) {
		if ((addr[i] & 4095) || !range_ok(s, addr[i], 4096))
			return reply(m, -EFAULT, 0);
		seg[i] = (struct blk_seg){ addr[i], 4096 };
	}
	return request_start(m, s, d, type, m->w[1], seg, (unsigned)npages);
}

static int h_readv(struct ipc_msg *m, void *unused)
{
	(void)unused;
	return h_rwv(m, VIRTIO_BLK_T_IN);
}

static int h_writev(struct ipc_msg *m, void *unused)
{
	(void)unused;
	return h_rwv(m, VIRTIO_BLK_T_OUT);
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
	return request_start(m, s, d, VIRTIO_BLK_T_FLUSH, 0, NULL, 0);
}

/* Open session 0, all of memory, for the pager: its handle, or -errno. */
static long session_all_open(void)
{
	struct session *s = &sessions[SESSION_ALL];
	long h;

	if (state_get(s) != S_FREE)
		return -EPERM;			/* handed out once only */
	h = sys3(SYS_HANDLE_MINT, blk_ep, R_SEND, session_badge(s, 1));
	if (h < 0)
		return h;
	s->gen = 1;
	s->pa = 0;
	s->len = 1ull << 52;			/* x86-64's physical limit */
	s->handle = (uint64_t)h;
	state_set(s, S_OPEN);
	return h;
}

static int h_attach(struct ipc_msg *m, void *unused)
{
	unsigned n = IPC_TAG_NHANDLES(m->tag);
	long h;
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
	if (err || !attach_done)
		return reply(m, err, 0);
	if (blk_ndisks == 0) {
		printf("blk: no disks\n");
		return reply(m, 0, 0);
	}
	h = session_all_open();
	if (h < 0)
		return reply(m, h, 0);
	ipc_reply_set(m, 0, 1);
	m->tag |= IPC_TAG_HANDLES(1);
	m->w[1] = (uint64_t)h;
	return IPC_REPLY;
}

static const ipc_handler blk_handlers[BLK_LABEL_COUNT] = {
	[BLK_INFO - BLK_INFO] = h_info,
	[BLK_OPEN - BLK_INFO] = h_open,
	[BLK_CLOSE - BLK_INFO] = h_close,
	[BLK_READ - BLK_INFO] = h_read,
	[BLK_WRITE - BLK_INFO] = h_write,
	[BLK_FLUSH - BLK_INFO] = h_flush,
	[BLK_ATTACH - BLK_INFO] = h_attach,
	[BLK_READV - BLK_INFO] = h_readv,
	[BLK_WRITEV - BLK_INFO] = h_writev,
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
		.recvbuf = recvbuf, .recvbuf_len = sizeof(recvbuf),
	};
	long ep = sys0(SYS_EP_CREATE), n = sys0(SYS_NOTIF_CREATE), err;
	long pn = sys0(SYS_NOTIF_CREATE);

	if (ep < 0 || n < 0 || pn < 0 || sys2(SYS_EP_BIND_NOTIF, ep, n))
		return 1;
	blk_ep = (uint64_t)ep;
	blk_notif = (uint64_t)n;
	pin_notif = (uint64_t)pn;
	/* Never fault while the pager may be waiting for us. */
	if (mlockall(MCL_CURRENT | MCL_FUTURE))
		printf("blk: mlockall: %s\n", strerror(errno));
	if (sys6(SYS_THREAD_CREATE, H_SELF_TASK, H_MM, (uint64_t)pin_thread,
		 (uint64_t)(pin_stack + PIN_STACK - 8), 0, 10) < 0) {
		printf("blk: cannot start the pin thread\n");
		return 1;
	}
	sys2(SYS_IPC_SET_RECVBUF, recvbuf, sizeof(recvbuf));
	err = blk_register();
	if (err) {
		printf("blk: cannot register: %ld\n", err);
		return 1;
	}
	srv.ep = blk_ep;
	ipc_serve(&srv);
}
