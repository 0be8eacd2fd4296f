/*
 * iothread.c - mm's I/O thread: disk reads that do not hold up the server
 * loop (asynchronous readahead).
 *
 * mm's loop serves every request itself, and a request that reads the
 * disk waits for blk's reply.  For readahead that is waste: the pages are
 * wanted later, not now.  So the loop hands such a read to this thread
 * instead - a job naming the run of sectors and the frames it goes into -
 * and replies to its client at once; the thread makes the BLK_READV call,
 * blocking only itself, and marks the job done.  While the disk works the
 * client runs on, consuming the window before.
 *
 * The loop and the thread share only the job ring and two counters, in
 * order: jobs [io_finished, io_submitted) are the loop's to fill (only the
 * loop advances io_submitted), jobs [io_done, io_submitted) are the
 * thread's to do (only the thread advances io_done), and jobs
 * [io_finished, io_done) are done and wait for the loop to finish them
 * (file.c's file_run_done, which makes the pages readable or drops them).
 * Every other structure of mm stays the loop's alone: the thread touches
 * no page descriptor and no object.  Two notifications carry the wake-ups:
 * io_kick tells the thread there is work, io_done_notif tells a loop that
 * waits for a page that a job finished (notification bits stay set until
 * read, so neither wake-up can be lost).
 *
 * The frames of a job are in the page cache already, PG_locked and off
 * the LRU lists; whoever needs such a page waits for its job
 * (io_wait_page), exactly as it would have waited for a synchronous read.
 */
#include <ipc/blk.h>
#include "mm.h"

_Static_assert(IO_RUN_MAX == BLK_SG_MAX, "a job is one BLK_READV");

#define IO_JOBS		8
#define IO_STACK	8192

struct io_job {
	struct mm_object *o;		/* the file the pages belong to */
	uint64_t index;			/* page index of the first page */
	uint64_t blk;			/* blk session the job was made for */
	uint64_t disk, sector;
	unsigned n;
	long status;			/* the BLK_READV result */
	uint64_t addr[IO_RUN_MAX];	/* physical addresses of the frames */
};

static struct io_job ring[IO_JOBS];
static uint64_t io_submitted, io_done, io_finished;
static uint64_t io_kick, io_done_notif;
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
		j->status = ipc_request(j->blk, BLK_READV, 3, &m, j->addr,
					j->n * (unsigned)sizeof(j->addr[0]));
		__atomic_store_n(&io_done, io_done + 1, __ATOMIC_RELEASE);
		sys2(SYS_NOTIFY, io_done_notif, 1);
	}
}

void iothread_init(void)
{
	long k = sys0(SYS_NOTIF_CREATE), d = sys0(SYS_NOTIF_CREATE);

	if (k < 0 || d < 0 ||
	    sys6(SYS_THREAD_CREATE, BOOT_H_SELF_TASK, 0, (uint64_t)io_thread,
		 (uint64_t)(io_stack + IO_STACK - 8), 0, MM_PRIO_SERVER) < 0) {
		mm_log("mm: no I/O thread: readahead waits for the disk\n");
		return;
	}
	io_kick = (uint64_t)k;
	io_done_notif = (uint64_t)d;
}

/*
 * Hand the read of n pages (their frames in pages[], already in o's
 * cache and PG_locked) from sector of disk to the thread.  False when
 * there is no thread or no free job: the caller reads them itself or
 * gives them up.
 */
bool io_read_submit(struct mm_object *o, uint64_t index, struct page **pages,
		    unsigned n, uint64_t disk, uint64_t sector)
{
	struct io_job *j;

	if (!io_kick || !mm_blk_session || n == 0 || n > IO_RUN_MAX ||
	    io_submitted - io_finished == IO_JOBS)
		return false;
	j = &ring[io_submitted % IO_JOBS];
	j->o = o;
	j->index = index;
	j->blk = mm_blk_session;
	j->disk = disk;
	j->sector = sector;
	j->n = n;
	for (unsigned i = 0; i < n; i++)
		j->addr[i] = page_to_phys(pages[i]);
	o->io_pending++;
	__atomic_store_n(&io_submitted, io_submitted + 1, __ATOMIC_RELEASE);
	sys2(SYS_NOTIFY, io_kick, 1);
	mm_stats.io_async_reads++;
	return true;
}

/* Whether a job is done and not yet finished (cheap: the loop asks often). */
bool io_ready(void)
{
	return load(&io_done) != io_finished;
}

/*
 * Finish every job the thread is done with, in order: their pages become
 * readable, or leave the cache if the read failed.  may_free: objects left
 * with no pages and no users may be freed (not while a request holds one).
 */
void io_reap(bool may_free)
{
	uint64_t done = load(&io_done);

	while (io_finished != done) {
		struct io_job *j = &ring[io_finished % IO_JOBS];

		j->o->io_pending--;
		file_run_done(j->o, j->index, j->addr, j->n,
			      j->status ? -EIO : 0, may_free);
		io_finished++;
	}
}

/* Until page p, PG_locked by a read the thread has, is readable (or gone). */
void io_wait_page(struct page *p)
{
	mm_stats.io_waits++;
	for (;;) {
		io_reap(false);
		if (!page_has(p, PG_locked))
			return;
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
