/*
 * iothread.c - mm's I/O thread: disk reads and writes that do not hold up
 * the server loop (asynchronous readahead and writeback).
 *
 * mm's loop serves every request itself, and a request that reads or
 * writes the disk waits for blk's reply.  For readahead and for background
 * writeback that is waste: nobody needs the transfer to be over now.  So
 * the loop hands such a transfer to this thread - a job naming the run of
 * sectors and the frames - and goes on serving; the thread makes the
 * BLK_READV or BLK_WRITEV call, blocking only itself, and marks the job
 * done.  While the disk works, the client that started the transfer runs
 * on: a sequential reader consumes the window before, a writer writes on.
 *
 * The loop and the thread share only the ring of jobs and three counters,
 * io_finished <= io_done <= io_submitted (each counts jobs since the
 * start, a job's slot is its count modulo IO_JOBS).  Only the loop
 * advances io_submitted (it filled the job) and io_finished (it finished
 * a done job: file.c's file_run_done or file_write_done, which make the
 * pages readable, or clean, or take back what failed); only the thread
 * advances io_done.  Every other structure of mm stays the loop's alone:
 * the thread touches no page descriptor and no object.  Notifications
 * carry the wake-ups, and their bits stay set until read, so none is
 * lost: io_kick tells the thread there is work, io_done_notif tells a
 * loop that waits for a job that one is done, and after a write the
 * thread also signals the flusher (io_waker), whose request makes a loop
 * that is waiting for clients look at the finished writes too (writers
 * throttled until writeback drains wait for that).
 *
 * The frames of a read are in the page cache already, PG_locked and off
 * the LRU lists; the frames of a write are PG_writeback.  Whoever needs
 * such a page waits for its job (io_wait_page), as it would have waited
 * for a synchronous transfer.
 */
#include <ipc/blk.h>
#include "mm.h"

_Static_assert(IO_RUN_MAX == BLK_SG_MAX, "a job is one blk request");

#define IO_JOBS		8
#define IO_STACK	8192

struct io_job {
	struct mm_object *o;		/* the file the pages belong to */
	uint64_t index;			/* page index of the first page */
	uint64_t blk;			/* blk session the job was made for */
	uint64_t disk, sector;
	unsigned n;
	bool write;
	long status;			/* blk's answer */
	uint64_t addr[IO_RUN_MAX];	/* physical addresses of the frames */
};

static struct io_job ring[IO_JOBS];
static uint64_t io_submitted, io_done, io_finished;
static uint64_t io_kick, io_done_notif, io_waker, io_waker_bits;
static char io_stack[IO_STACK] __attribute__((aligned(16)));

static uint64_t load(const uint64_t *v)
{
	return __atomic_load_n(v, __ATOMIC_ACQUIRE);
}

static void io_thread(uint64_t arg)
{
	(void)arg;
	for (;;) {
		struct io_job *j;
		struct ipc_msg m = { 0 };

		while (load(&io_done) == load(&io_submitted))
			sys1(SYS_NOTIFY_WAIT, io_kick);
		j = &ring[io_done % IO_JOBS];
		m.w[0] = j->disk;
		m.w[1] = j->sector;
		m.w[2] = j->n;
		j->status = ipc_request(j->blk, j->write ? BLK_WRITEV :
					BLK_READV, 3, &m, j->addr,
					j->n * (unsigned)sizeof(j->addr[0]));
		__atomic_store_n(&io_done, io_done + 1, __ATOMIC_RELEASE);
		sys2(SYS_NOTIFY, io_done_notif, 1);
		if (j->write && io_waker)
			sys2(SYS_NOTIFY, io_waker, io_waker_bits);
	}
}

void iothread_init(void)
{
	long k = sys0(SYS_NOTIF_CREATE), d = sys0(SYS_NOTIF_CREATE);

	if (k < 0 || d < 0 ||
	    sys6(SYS_THREAD_CREATE, BOOT_H_SELF_TASK, 0, (uint64_t)io_thread,
		 (uint64_t)(io_stack + IO_STACK - 8), 0, MM_PRIO_SERVER) < 0) {
		mm_log("mm: no I/O thread: mm waits for every transfer\n");
		return;
	}
	io_kick = (uint64_t)k;
	io_done_notif = (uint64_t)d;
}

/* After each write job the thread signals bits on notification n. */
void io_set_waker(uint64_t n, uint64_t bits)
{
	io_waker_bits = bits;
	__atomic_store_n(&io_waker, n, __ATOMIC_RELEASE);
}

/* Until a job slot is free (the oldest job finished). */
static void wait_slot(void)
{
	while (io_submitted - io_finished == IO_JOBS) {
		io_reap(false);
		if (io_submitted - io_finished == IO_JOBS)
			sys1(SYS_NOTIFY_WAIT, io_done_notif);
	}
}

/*
 * Hand the transfer of n pages (frames in pages[], in o's cache: PG_locked
 * for a read, PG_writeback for a write) at sector of disk to the thread.
 * A read with no job free is not queued; a write waits for one.  False
 * when not queued (no thread, or the read case): the caller does it.
 */
bool io_submit(struct mm_object *o, uint64_t index, struct page **pages,
	       unsigned n, uint64_t disk, uint64_t sector, bool write)
{
	struct io_job *j;

	if (!io_kick || !mm_blk_session || n == 0 || n > IO_RUN_MAX)
		return false;
	if (io_submitted - io_finished == IO_JOBS) {
		if (!write)
			return false;
		wait_slot();
	}
	j = &ring[io_submitted % IO_JOBS];
	j->o = o;
	j->index = index;
	j->blk = mm_blk_session;
	j->disk = disk;
	j->sector = sector;
	j->n = n;
	j->write = write;
	for (unsigned i = 0; i < n; i++)
		j->addr[i] = page_to_phys(pages[i]);
	o->io_pending++;
	__atomic_store_n(&io_submitted, io_submitted + 1, __ATOMIC_RELEASE);
	sys2(SYS_NOTIFY, io_kick, 1);
	if (write)
		mm_stats.io_async_writes++;
	else
		mm_stats.io_async_reads++;
	return true;
}

/* Whether a job is done and not yet finished (cheap: the loop asks often). */
bool io_ready(void)
{
	return load(&io_done) != io_finished;
}

/*
 * Finish every job the thread is done with, in order.  may_free: objects
 * left with no pages and no users may be freed (not while a request holds
 * one).
 */
void io_reap(bool may_free)
{
	uint64_t done = load(&io_done);

	while (io_finished < done) {
		struct io_job *j = &ring[io_finished % IO_JOBS];
		int err = j->status ? -EIO : 0;

		j->o->io_pending--;
		io_finished++;
		if (j->write)
			file_write_done(j->o, j->addr, j->n, err);
		else
			file_run_done(j->o, j->index, j->addr, j->n, err,
				      may_free);
	}
}

/* Until page p is out of the transfer the thread has it in (flag). */
void io_wait_page(struct page *p, uint32_t flag)
{
	mm_stats.io_waits++;
	for (;;) {
		io_reap(false);
		if (!page_has(p, flag))
			return;
		sys1(SYS_NOTIFY_WAIT, io_done_notif);
	}
}

/* Until no job at all is outstanding. */
void io_wait_all(void)
{
	while (io_finished != io_submitted) {
		io_reap(false);
		if (io_finished != io_submitted)
			sys1(SYS_NOTIFY_WAIT, io_done_notif);
	}
}

/* Until no job of o is outstanding. */
void io_wait_obj(struct mm_object *o)
{
	while (o->io_pending) {
		io_reap(false);
		if (o->io_pending)
			sys1(SYS_NOTIFY_WAIT, io_done_notif);
	}
}
