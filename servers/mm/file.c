/*
 * file.c - the page cache: file pages in mm, for file-backed mmap.
 *
 * A mapped file is an OBJ_FILE object named as the file server names the
 * file, (ino, gen), shared by every VMA that maps it.  Its pages are kept
 * in the object's page map, indexed by page offset in the file; the object
 * holds one reference to each (PG_pagecache).  A page is read on the first
 * fault that needs it: FS_BMAP (ipc/fs.h) says where its blocks are on the
 * disk, and mm reads the run of pages it names in one BLK_READV straight
 * into the frames, through blk's all-memory session - the file server never
 * touches the data.  A hole reads as zeroes; a page the server cannot name
 * as one run of blocks (small, fragmented blocks or the partial last page)
 * comes through FS_READ, and whatever lies past the end of the file reads
 * as zero.  A page wholly past the end of the file is -ENXIO: SIGBUS.
 *
 * MAP_PRIVATE maps the cached page read-only and copies it on the first
 * write (anon.c), so private changes never reach the file.  MAP_SHARED maps
 * it read-only until a write fault, which marks the page dirty and maps it
 * writable.  Writeback (below) unmaps runs of dirty pages everywhere, so
 * that the next write faults and dirties them again, gives them disk
 * blocks (FS_BMAP with FS_BMAP_ALLOC) and writes each contiguous part with
 * one BLK_WRITEV through the I/O thread, or through FS_WRITE for a page
 * that is not one run (only the bytes below the end of the file); who
 * needs the writes done (msync, fsync, sync, the last unmap) waits for
 * them and has the server flush the disk's cache (FS_FSYNC).
 *
 * read() and write() are requests to mm (MM_FILE_READ, MM_FILE_WRITE) that
 * copy through the same cached pages, so they are coherent with every
 * mapping.  Cache pages are on the file LRU lists and reclaim drops them
 * (writing dirty ones first); an object stays cached after its last
 * mapping goes, until reclaim has taken all of its pages.
 *
 * Readahead (below) reads the window a fault needs and waits; the window
 * after it is read by mm's I/O thread (iothread.c) while the reader runs
 * on.  Its pages are in the cache from the start, PG_locked until the
 * read is over: a fault, read() or truncate that reaches one waits.  So
 * does a write to a page that is PG_writeback, being written.
 */
#include <string.h>
#include <ipc/blk.h>
#include <ipc/fs.h>
#include "mm.h"

#define FILE_RUN_MAX	BLK_SG_MAX	/* pages read in one request: 64 */
#define S_IFMT		0170000
#define S_IFREG		0100000

static uint64_t fs_h;			/* the file server, from init */
static struct mm_object *files;		/* every live file object */

static void file_done(struct mm_object *o);
static void throttle_release(void);

/* MM_FS_OFFER, from the process server: the file server's endpoint. */
int fs_offer(struct ipc_msg *m, void *unused)
{
	(void)unused;
	ipc_reply_set(m, proc_handle_take(m, &fs_h), 0);
	return IPC_REPLY;
}

/* The mapped file (ino, gen), with one more reference; or NULL, *err. */
struct mm_object *file_obj_get(uint64_t ino, uint64_t gen, int *err)
{
	struct fs_stat_rep st;
	struct mm_object *o;

	if (!fs_h || !mm_blk_session) {
		*err = -ENODEV;
		return NULL;
	}
	for (o = files; o; o = o->next_file)
		if (o->ino == ino && o->gen == gen)
			return o;	/* cached: its size is current */
	*err = (int)fs_req_stat(fs_h, &(struct fs_file_req){ ino, gen }, &st);
	if (*err)
		return NULL;
	if ((FS_STAT_MODE(&st) & S_IFMT) != S_IFREG) {
		*err = -ENODEV;
		return NULL;
	}
	o = obj_file_new(ino, gen);
	if (!o) {
		*err = -ENOMEM;
		return NULL;
	}
	o->size = st.size;
	o->hole_from = MM_ALIGN_UP(st.size, PAGE_SIZE) >> PAGE_SHIFT;
	o->next_file = files;
	files = o;
	return o;
}

/*
 * The regular file at path, for exec: its object with one more reference
 * to come (refs as file_obj_get), its size and mode; or NULL, *err.
 */
struct mm_object *file_obj_open(const char *path, uint64_t *size,
				uint32_t *mode, int *err)
{
	struct fs_stat_rep st;
	struct mm_object *o;

	if (!fs_h) {
		*err = -ENOENT;
		return NULL;
	}
	*err = (int)fs_req_open(fs_h, &(struct fs_open_req){ 0, 0 }, path,
				&st);
	if (*err)
		return NULL;
	o = file_obj_get(st.ino, st.gen, err);
	if (o) {
		*size = st.size;
		*mode = FS_STAT_MODE(&st);
	}
	return o;
}

/*
 * Put page p at index in o's cache (the cache takes p's reference).  A
 * page still to be read is PG_locked, and joins the LRU lists when the
 * read is over (file_run_done).
 */
static void cache_add(struct mm_object *o, uint64_t index, struct page *p,
		      uint64_t *slot, bool locked)
{
	page_set(p, PG_pagecache | (locked ? PG_locked : 0));
	p->index = index;
	p->private = (uint64_t)(uintptr_t)o;
	*slot = pme_make(page_to_pfn(p), PME_PRESENT);
	o->resident++;
	mm_stats.file_pages++;
	if (!locked)
		lru_file_new(p);
}

/* Take page p (at index, not mapped anywhere) out of o's cache and free it. */
static void cache_drop(struct mm_object *o, uint64_t index, struct page *p)
{
	uint64_t *slot = pagemap_slot(&o->pages, index << PAGE_SHIFT, false);

	MM_ASSERT(slot && pme_pfn(*slot) == page_to_pfn(p));
	*slot = 0;
	o->resident--;
	mm_stats.file_pages--;
	page_clear(p, PG_pagecache | PG_locked | PG_readahead);
	frame_put(p);
}

/* One page through FS_READ; the bytes past what the file has are zero. */
static int read_one(struct mm_object *o, uint64_t index, struct page *p)
{
	struct ipc_msg m = { 0 };
	uint64_t n;
	long err;

	m.w[0] = o->ino;
	m.w[1] = o->gen;
	m.w[2] = index << PAGE_SHIFT;
	m.w[3] = PAGE_SIZE;
	err = ipc_request(fs_h, FS_READ, 4, &m, NULL, 0);
	if (err)
		return (int)err;
	n = MM_MIN(m.w[1], (uint64_t)IPC_TAG_BUFLEN(m.tag));
	if (index << PAGE_SHIFT >= o->size && n == 0)
		return -ENXIO;
	frame_zero(page_address(p));
	memcpy(page_address(p), mm_recvbuf, MM_MIN(n, PAGE_SIZE));
	return 0;
}

/*
 * Frames for page index of o and up to limit - 1 pages after it that
 * FS_BMAP puts in the same run and that are not cached yet, put in the
 * cache: the number of pages (in pages[]), 0 if the page is not part of a
 * run, or -errno; *rp says where the run is.  The pages of a hole are
 * zeroed and readable at once; the others are PG_locked until read.
 */
static int run_begin(struct mm_object *o, uint64_t index, unsigned limit,
		     struct fs_bmap_rep *rp, struct page **pages)
{
	unsigned max = 1, n;
	long err;

	while (max < MM_MIN(limit, FILE_RUN_MAX)) {
		uint64_t *e = pagemap_slot(&o->pages,
					   (index + max) << PAGE_SHIFT, false);

		if (e && (*e & PME_PRESENT))
			break;
		max++;
	}
	err = fs_req_bmap(fs_h, &(struct fs_bmap_req){ o->ino, o->gen, index,
						       max, 0 }, rp);
	if (err)
		return (int)err;
	n = (unsigned)MM_MIN(rp->npages, (uint64_t)max);
	for (unsigned i = 0; i < n; i++) {
		uint64_t *e;

		pages[i] = rp->sector ? frame_alloc() : frame_alloc_zeroed();
		e = pages[i] ? pagemap_slot(&o->pages,
					    (index + i) << PAGE_SHIFT, true) :
			       NULL;
		if (!e) {
			if (pages[i])
				frame_put(pages[i]);
			if (i == 0)
				return -ENOMEM;
			n = i;
			break;
		}
		cache_add(o, index + i, pages[i], e, rp->sector != 0);
	}
	mm_stats.file_read += n;
	return (int)n;
}

/*
 * The read of the n pages at index of o (frames at addr[]) is over: with
 * err 0 they become readable, otherwise they leave the cache, so that the
 * next access reads again and sees the error.  may_free: o may be freed
 * if that leaves it with no pages and no users.
 */
void file_run_done(struct mm_object *o, uint64_t index, const uint64_t *addr,
		   unsigned n, int err, bool may_free)
{
	for (unsigned i = 0; i < n; i++) {
		struct page *p = pfn_to_page(addr[i] >> PAGE_SHIFT);

		if (err) {
			cache_drop(o, index + i, p);
			continue;
		}
		page_clear(p, PG_locked);
		lru_file_new(p);
	}
	if (err) {
		mm_stats.file_read -= n;
		mm_stats.file_read_error++;
		if (may_free)
			file_done(o);
	}
}

/* Read the run begun at index into its frames now: 0 or -errno. */
static int run_read(struct mm_object *o, uint64_t index,
		    const struct fs_bmap_rep *rp, struct page **pages,
		    unsigned n)
{
	uint64_t addr[FILE_RUN_MAX];
	struct ipc_msg m = { 0 };
	long err;

	for (unsigned i = 0; i < n; i++)
		addr[i] = page_to_phys(pages[i]);
	m.w[0] = rp->disk;
	m.w[1] = rp->sector;
	m.w[2] = n;
	err = ipc_request(mm_blk_session, BLK_READV, 3, &m, addr,
			  n * (unsigned)sizeof(addr[0]));
	file_run_done(o, index, addr, n, err ? -EIO : 0, false);
	return err ? -EIO : 0;
}

/*
 * Read page index of o, and up to limit - 1 pages after it that FS_BMAP
 * puts in the same run and that are not cached yet, into the cache (one
 * request), and wait: the number of pages read, or -errno.
 */
static int read_run(struct mm_object *o, uint64_t index, unsigned limit)
{
	struct page *pages[FILE_RUN_MAX];
	struct fs_bmap_rep rp;
	uint64_t *e;
	int n = run_begin(o, index, limit, &rp, pages), err;

	if (n > 0) {
		err = rp.sector ? run_read(o, index, &rp, pages, (unsigned)n) : 0;
		return err ? err : n;
	}
	if (n < 0)
		return n;
	/* Not one run: this page alone, through the server. */
	pages[0] = frame_alloc();
	if (!pages[0])
		return -ENOMEM;
	err = read_one(o, index, pages[0]);
	e = err ? NULL : pagemap_slot(&o->pages, index << PAGE_SHIFT, true);
	if (!e) {
		frame_put(pages[0]);
		return err ? err : -ENOMEM;
	}
	cache_add(o, index, pages[0], e, false);
	mm_stats.file_read++;
	return 1;
}

/*
 * Start reading what is not cached of [start, start + size) and do not
 * wait: the thread reads it (iothread.c), or, with no thread or no free
 * job, this one.  Stops at a page that is not part of a run (the fault
 * that needs it reads it).  The pages put in the cache.
 */
static unsigned read_window_async(struct mm_object *o, uint64_t start,
				  unsigned size)
{
	struct page *pages[FILE_RUN_MAX];
	struct fs_bmap_rep rp;
	unsigned got = 0;

	for (uint64_t i = start; i < start + size;) {
		uint64_t *e = pagemap_slot(&o->pages, i << PAGE_SHIFT, false);
		int n;

		if (e && (*e & PME_PRESENT)) {
			i++;
			continue;
		}
		n = run_begin(o, i, (unsigned)(start + size - i), &rp, pages);
		if (n <= 0)
			break;		/* the end of the file, or no memory */
		if (rp.sector && !io_submit(o, i, pages, (unsigned)n, rp.disk,
					    rp.sector, false) &&
		    run_read(o, i, &rp, pages, (unsigned)n))
			break;
		got += (unsigned)n;
		i += (unsigned)n;
	}
	return got;
}

/*
 * Readahead (Linux's on-demand readahead, mm/readahead.c, simplified).
 * Each file keeps one window [ra_start, ra_start + ra_size).  A miss that
 * continues a sequential pattern - the page after the last one asked for,
 * or the first past the window - doubles the window (up to RA_MAX); any
 * other miss starts a small one (RA_INIT).  The miss reads its window and
 * waits; the page after the one asked for is marked PG_readahead.  An
 * access to a marked page starts the next window, twice as large, without
 * waiting for it (the I/O thread reads it), and marks that window's first
 * page: so while a sequential reader consumes one window the next is on
 * its way from the disk, and the reader waits only if it is faster than
 * the disk.  MADV_SEQUENTIAL starts at RA_MAX, MADV_RANDOM reads only the
 * page asked for.
 */
#define RA_INIT		4
#define RA_MAX		FILE_RUN_MAX

static void mark_readahead(struct mm_object *o, uint64_t at)
{
	uint64_t *e = pagemap_slot(&o->pages, at << PAGE_SHIFT, false);

	if (e && (*e & PME_PRESENT))
		page_set(pfn_to_page(pme_pfn(*e)), PG_readahead);
}

static void ra_next_window(struct mm_object *o)
{
	o->ra_start += o->ra_size;
	o->ra_size = MM_MIN(o->ra_size * 2, RA_MAX);
	mm_stats.file_ra_pages += read_window_async(o, o->ra_start,
						    o->ra_size);
	mark_readahead(o, o->ra_start);
}

/* A miss at index: read it and what the pattern says will follow. */
static int ra_miss(struct mm_object *o, uint64_t index, int hint)
{
	unsigned got;
	int n;

	if (hint == RA_HINT_RANDOM) {
		n = read_run(o, index, 1);
		o->prev_index = index;
		return n < 0 ? n : 0;
	}
	if (hint == RA_HINT_SEQ)
		o->ra_size = RA_MAX;
	else if (o->ra_size && (index == o->prev_index + 1 ||
				index == o->ra_start + o->ra_size))
		o->ra_size = MM_MIN(o->ra_size * 2, RA_MAX);
	else
		o->ra_size = RA_INIT;
	o->ra_start = index;
	n = read_run(o, index, o->ra_size);
	if (n <= 0)
		return n < 0 ? n : -EIO;
	got = (unsigned)n + read_window_async(o, index + (unsigned)n,
					       o->ra_size - (unsigned)n);
	mm_stats.file_ra_pages += got - 1;
	if (o->ra_size > 1)
		mark_readahead(o, index + 1);
	o->prev_index = index;
	return 0;
}

/*
 * The cached page at index of file o, read in if need be: the page, or
 * NULL with *err -ENXIO (wholly past the end of the file: SIGBUS), -EIO,
 * or -ENOMEM.
 */
struct page *file_page_ra(struct mm_object *o, uint64_t index, int hint,
			  int *err)
{
	uint64_t *e = pagemap_slot(&o->pages, index << PAGE_SHIFT, false);
	struct page *p;

	if (e && (*e & PME_PRESENT)) {
		p = pfn_to_page(pme_pfn(*e));
		if (page_has(p, PG_readahead) && hint != RA_HINT_RANDOM) {
			page_clear(p, PG_readahead);
			mm_stats.file_ra_async++;
			ra_next_window(o);
		}
		if (page_has(p, PG_locked)) {
			/* Still on its way: wait, then look again (a failed
			 * read left the cache, and this access reads again). */
			io_wait_page(p, PG_locked);
			e = pagemap_slot(&o->pages, index << PAGE_SHIFT, false);
			if (!e || !(*e & PME_PRESENT))
				goto miss;
			p = pfn_to_page(pme_pfn(*e));
		}
		o->prev_index = index;
		return p;
	}
miss:
	mm_stats.pgmajfault++;
	{
		*err = ra_miss(o, index, hint);
		if (*err)
			return NULL;
		e = pagemap_slot(&o->pages, index << PAGE_SHIFT, false);
		if (!e || !(*e & PME_PRESENT)) {
			*err = -EIO;
			return NULL;
		}
	}
	return pfn_to_page(pme_pfn(*e));
}

struct page *file_page(struct mm_object *o, uint64_t index, int *err)
{
	return file_page_ra(o, index, RA_HINT_NORMAL, err);
}

/*
 * File fault-around: after a read fault on a file mapping, map the pages
 * that follow it in the VMA and are already cached (readahead just read
 * them), read-only, with one SYS_AS_MAP - stopping at a page marked for
 * async readahead, whose fault must happen.  A sequential reader then
 * faults once per window, not once per page.  Pages mapped.
 */
unsigned file_map_around(struct mm_ctx *c, const struct vma *v, vaddr_t va,
			 uint64_t *e, unsigned prot)
{
	struct mm_object *o = v->file;
	struct as_map_op ops[RA_MAX];
	uint64_t index = v->pgoff + ((va - v->start) >> PAGE_SHIFT);
	unsigned n = 0;

	prot &= ~AS_PROT_WRITE;
	for (unsigned i = 1; i < RA_MAX; i++) {
		vaddr_t a = va + i * PAGE_SIZE;
		uint64_t *ce;
		struct page *p;

		if (a >= v->end || (a & ((512ull << PAGE_SHIFT) - 1)) == 0 ||
		    e[i])
			break;
		ce = pagemap_slot(&o->pages, (index + i) << PAGE_SHIFT, false);
		if (!ce || !(*ce & PME_PRESENT))
			break;
		p = pfn_to_page(pme_pfn(*ce));
		if (page_has(p, PG_readahead | PG_locked))
			break;
		p->refcount++;
		if (anon_install(c, a, &e[i], p, v->flags & VMA_SHARED ?
				 PME_SHARED : 0))
			break;
		e[i] |= PME_MAPPED;
		ops[n++] = (struct as_map_op){ a | prot, page_to_pfn(p) };
	}
	if (n && sys3(SYS_AS_MAP, c->as, ops, n) != (long)n)
		for (unsigned i = 0; i < n; i++)
			e[i + 1] &= ~PME_MAPPED;
	mm_stats.file_map_around += n;
	return n;
}

/* MADV_WILLNEED on a file mapping: start reading [first, first + n). */
void file_willneed(struct mm_object *o, uint64_t first, uint64_t n)
{
	for (uint64_t i = first; i < first + n; i += RA_MAX) {
		unsigned got = read_window_async(o, i,
						 (unsigned)MM_MIN(n - (i - first),
								  RA_MAX));

		mm_stats.file_ra_pages += got;
		if (!got && !pagemap_slot(&o->pages, i << PAGE_SHIFT, false))
			break;			/* past the end of the file */
	}
}

/*
 * A write fault on a shared mapping, or a write(): the page now differs
 * from the disk.  A page being written back is waited for first, so the
 * disk gets the page as it was when its writeback began (stable pages).
 */
void file_page_dirty(struct mm_object *o, struct page *p)
{
	if (page_has(p, PG_writeback))
		io_wait_page(p, PG_writeback);
	if (!page_has(p, PG_dirty)) {
		page_set(p, PG_dirty);
		if (!o->dirty++)
			o->dirtied_ns = (uint64_t)sys_clock_ns();
		mm_stats.file_dirty++;
	}
}

static void page_undirty(struct mm_object *o, struct page *p)
{
	page_clear(p, PG_dirty);
	o->dirty--;
	mm_stats.file_dirty--;
}

/* Take away every kernel mapping of p, so the next write faults. */
static void unmap_one(struct mm_ctx *c, vaddr_t va, void *arg)
{
	uint64_t *e = pagemap_slot(&c->pm, va, false);

	(void)arg;
	if (e && (*e & PME_MAPPED)) {
		sys3(SYS_AS_UNMAP, c->as, va, 1);
		*e &= ~PME_MAPPED;
	}
}

/*
 * The write of n pages of o (frames at addr[], PG_writeback) is over: with
 * err 0 they are clean on the disk; otherwise they are dirty again and the
 * next fsync or msync of the file reports EIO.
 */
void file_write_done(struct mm_object *o, const uint64_t *addr, unsigned n,
		     int err)
{
	for (unsigned i = 0; i < n; i++) {
		struct page *p = pfn_to_page(addr[i] >> PAGE_SHIFT);

		page_clear(p, PG_writeback);
		mm_stats.file_writeback--;
		if (err)
			file_page_dirty(o, p);
		else
			mm_stats.file_written++;
	}
	if (err) {
		if (!o->wb_failed++)
			mm_log("mm: writeback of file %lu failed (%d)\n",
			       (unsigned long)o->ino, err);
		o->wb_err = -EIO;
	}
	throttle_release();
}

/*
 * Writeback gathers runs of dirty pages (consecutive indices, up to
 * FILE_RUN_MAX), unmaps them everywhere (the next write faults and
 * dirties again), zeroes what lies past the end of the file in the last
 * page (as Linux does: it is not the file's), and asks fs to give the run
 * disk blocks (FS_BMAP with FS_BMAP_ALLOC).  Each contiguous part becomes
 * one BLK_WRITEV by the I/O thread: its pages are clean and PG_writeback
 * until the write is over.  A page that is not one run of blocks goes
 * through FS_WRITE (only the bytes below the end of the file), here.
 */
struct writeback {
	struct mm_object *o;
	uint64_t first, last;		/* page indices, inclusive */
	int err;			/* the first error met here */
	unsigned started;		/* pages written or being written */
	uint64_t run_first;		/* index of run[0] */
	unsigned n;
	struct page *run[FILE_RUN_MAX];
};

/* One page of a run that is not one run of blocks, through the server. */
static int write_through_fs(struct mm_object *o, struct page *p)
{
	uint64_t index = p->index;
	struct fs_stat_rep st;
	struct ipc_msg m = { 0 };
	long err = fs_req_stat(fs_h, &(struct fs_file_req){ o->ino, o->gen },
			       &st);

	if (!err && st.size > index << PAGE_SHIFT) {
		m.w[0] = o->ino;
		m.w[1] = o->gen;
		m.w[2] = index << PAGE_SHIFT;
		m.w[3] = 0;
		err = ipc_request(fs_h, FS_WRITE, 4, &m, page_address(p),
				  (unsigned)MM_MIN(PAGE_SIZE, st.size -
						   (index << PAGE_SHIFT)));
	}
	return (int)err;
}

/* Write the disk blocks of pages [at, at + n) of the run (one request). */
static void write_blocks(struct writeback *wb, unsigned at, unsigned n,
			 const struct fs_bmap_rep *rp)
{
	struct mm_object *o = wb->o;
	uint64_t addr[FILE_RUN_MAX];
	struct ipc_msg m = { 0 };
	long err;

	o->hole_from = MM_MAX(o->hole_from, wb->run_first + at + n);
	for (unsigned i = 0; i < n; i++) {
		page_undirty(o, wb->run[at + i]);
		page_set(wb->run[at + i], PG_writeback);
		mm_stats.file_writeback++;
		addr[i] = page_to_phys(wb->run[at + i]);
	}
	wb->started += n;
	if (io_submit(o, wb->run_first + at, &wb->run[at], n, rp->disk,
		      rp->sector, true))
		return;
	m.w[0] = rp->disk;		/* no I/O thread: write it here */
	m.w[1] = rp->sector;
	m.w[2] = n;
	err = ipc_request(mm_blk_session, BLK_WRITEV, 3, &m, addr,
			  n * (unsigned)sizeof(addr[0]));
	file_write_done(o, addr, n, err ? -EIO : 0);
}

static void write_run(struct writeback *wb)
{
	struct mm_object *o = wb->o;
	unsigned at = 0;

	for (unsigned i = 0; i < wb->n; i++) {
		struct page *p = wb->run[i];
		uint64_t index = p->index;

		rmap_walk(p, unmap_one, NULL);
		if (((index + 1) << PAGE_SHIFT) > o->size &&
		    (index << PAGE_SHIFT) < o->size)
			memset((uint8_t *)page_address(p) +
			       (o->size & (PAGE_SIZE - 1)), 0,
			       PAGE_SIZE - (o->size & (PAGE_SIZE - 1)));
	}
	while (at < wb->n) {
		struct fs_bmap_rep rp;
		long err = fs_req_bmap(fs_h, &(struct fs_bmap_req){
					       o->ino, o->gen, wb->run_first + at,
					       wb->n - at, FS_BMAP_ALLOC }, &rp);
		unsigned k = (unsigned)MM_MIN(rp.npages, (uint64_t)(wb->n - at));

		if (err == -ENXIO || err == -ESTALE || err == -ENOENT) {
			/* Truncated or deleted: nothing of it to keep. */
			for (; at < wb->n; at++)
				page_undirty(o, wb->run[at]);
			break;
		}
		if (err) {
			if (!wb->err)
				wb->err = (int)err;	/* they stay dirty */
			break;
		}
		if (k >= 1 && rp.sector) {
			write_blocks(wb, at, k, &rp);
			at += k;
			continue;
		}
		o->hole_from = MM_MAX(o->hole_from, wb->run_first + at + 1);
		err = write_through_fs(o, wb->run[at]);
		if (err) {
			if (!wb->err)
				wb->err = (int)err;
			break;
		}
		page_undirty(o, wb->run[at]);
		mm_stats.file_written++;
		wb->started++;
		at++;
	}
	wb->n = 0;
}

static void writeback_entry(vaddr_t off, uint64_t *e, void *arg)
{
	struct writeback *wb = arg;
	uint64_t index = off >> PAGE_SHIFT;
	struct page *p;

	if (!(*e & PME_PRESENT))
		return;
	p = pfn_to_page(pme_pfn(*e));
	if (!page_has(p, PG_dirty) || index < wb->first || index > wb->last)
		return;
	if (wb->n && (index != wb->run_first + wb->n ||
		      wb->n == FILE_RUN_MAX))
		write_run(wb);
	if (!wb->n)
		wb->run_first = index;
	wb->run[wb->n++] = p;
}

/* Start writing o's dirty pages in [first, last] back: pages started. */
static unsigned writeback_start(struct mm_object *o, uint64_t first,
				uint64_t last, int *err)
{
	struct writeback wb = { .o = o, .first = first, .last = last };

	if (!o->dirty)
		return 0;
	pagemap_for_range(&o->pages, first << PAGE_SHIFT,
			  last >= (1ull << 35) ? 1ull << 47 :
			  (last + 1) << PAGE_SHIFT, writeback_entry, &wb);
	if (wb.n)
		write_run(&wb);
	if (wb.started)
		/* Data written behind the server's back: have it stamp the
		 * modification time (a same-size truncate). */
		fs_req_truncate(fs_h, &(struct fs_truncate_req){
				       o->ino, o->gen, o->size });
	if (wb.err) {
		mm_log("mm: writeback of file %lu failed (%d)\n",
		       (unsigned long)o->ino, wb.err);
		o->wb_err = -EIO;
	}
	if (err)
		*err = wb.err;
	return wb.started;
}

/*
 * Write o's dirty pages in [first, last] back, wait for the writes, and
 * flush the disk's cache: 0, or -EIO if any of it failed (for the
 * caller's msync; the next fsync hears of it too).
 */
int file_writeback(struct mm_object *o, uint64_t first, uint64_t last)
{
	unsigned failed = o->wb_failed;
	int err = 0;
	bool wrote = writeback_start(o, first, last, &err) || o->io_pending;

	io_wait_obj(o);			/* ours, and the flusher's */
	if (wrote)
		fs_req_fsync(fs_h, &(struct fs_file_req){ o->ino, o->gen });
	return err || o->wb_failed != failed ? -EIO : 0;
}

/*
 * Reclaim: cache page p, isolated from the LRU and not mapped by a locked
 * process, leaves every page map (the next access faults and finds it in
 * the cache or reads it again), is written back if dirty, and is freed.
 * 0; -EBUSY if it is being written back now; or -EIO if the write failed
 * (then it stays, still dirty).
 */
int file_reclaim(struct page *p)
{
	struct mm_object *o = (struct mm_object *)(uintptr_t)p->private;
	uint64_t *slot;
	struct mm_ctx *c;
	vaddr_t va;

	if (page_has(p, PG_writeback))
		return -EBUSY;		/* clean soon: a later pass takes it */
	while (rmap_first(p, &c, &va)) {
		uint64_t *e = pagemap_slot(&c->pm, va, false);

		MM_ASSERT(e && pme_pfn(*e) == page_to_pfn(p));
		if (*e & PME_MAPPED)
			sys3(SYS_AS_UNMAP, c->as, va, 1);
		*e = 0;
		rmap_remove(p, c, va);
		c->rss--;
		frame_put(p);		/* the entry's reference */
	}
	if (page_has(p, PG_dirty)) {
		writeback_start(o, p->index, p->index, NULL);
		io_wait_obj(o);
		if (page_has(p, PG_dirty))
			return -EIO;	/* the write failed: it stays */
	}
	slot = pagemap_slot(&o->pages, p->index << PAGE_SHIFT, false);
	MM_ASSERT(slot && pme_pfn(*slot) == page_to_pfn(p));
	*slot = 0;
	o->resident--;
	mm_stats.file_pages--;
	mm_stats.file_reclaimed++;
	page_clear(p, PG_pagecache);
	frame_put(p);			/* the cache's: now free */
	file_done(o);
	return 0;
}

static void release_page(vaddr_t off, uint64_t e, void *arg)
{
	struct mm_object *o = arg;
	struct page *p;

	(void)off;
	if (!(e & PME_PRESENT))
		return;
	p = pfn_to_page(pme_pfn(e));
	if (page_has(p, PG_dirty))
		mm_stats.file_dirty--;
	page_clear(p, PG_pagecache | PG_dirty);
	o->resident--;
	mm_stats.file_pages--;
	frame_put(p);
}

/* Forget o: its pages go (written back first), then the object. */
static void file_obj_free(struct mm_object *o)
{
	struct mm_object **pp;

	file_writeback(o, 0, ~0ull);
	pagemap_destroy(&o->pages, release_page, o);
	for (pp = &files; *pp; pp = &(*pp)->next_file)
		if (*pp == o) {
			*pp = o->next_file;
			break;
		}
	obj_free(o);
}

/*
 * The last mapping of o is gone.  Its dirty pages are written back now
 * (munmap makes the file current, as the filemap test expects) and its
 * clean pages stay cached for read() and the next mapping, until reclaim
 * takes them; an object with no pages left is freed.
 */
void file_obj_unused(struct mm_object *o)
{
	file_writeback(o, 0, ~0ull);
	if (!o->resident)
		file_obj_free(o);
}

/* ---- read() and write() through the cache (MM_FILE_*) ---- */

/*
 * The file (ino, gen), cached or looked up; refs unchanged.  Every
 * request below leaves an object it made with no pages freed again.
 */
static struct mm_object *file_of(const struct ipc_msg *m, int *err)
{
	if (!ctx_get(m->badge) && m->badge != MM_BADGE_PROC) {
		*err = -EPERM;
		return NULL;
	}
	return file_obj_get(m->w[0], m->w[1], err);
}

static void file_done(struct mm_object *o)
{
	if (o && !o->refs && !o->resident)
		file_obj_free(o);
}

/*
 * Copy up to len bytes of o from off (stopping at the end of the file)
 * out of the cache into dst: the bytes copied; *err if a page failed
 * (-ENXIO: the file shrank meanwhile).
 */
static uint64_t cache_copy(struct mm_object *o, uint64_t off, uint8_t *dst,
			   uint64_t len, int *err)
{
	uint64_t n = 0;

	while (n < len && off + n < o->size) {
		uint64_t at = off + n, in = at & (PAGE_SIZE - 1);
		uint64_t k = MM_MIN(MM_MIN(len - n, PAGE_SIZE - in),
				    o->size - at);
		struct page *p = file_page(o, at >> PAGE_SHIFT, err);

		if (!p)
			break;
		memcpy(dst + n, (uint8_t *)page_address(p) + in, k);
		lru_page_touched(p);
		n += k;
	}
	return n;
}

/* The reply to a read of n bytes (the error only if there are none). */
static void read_reply(struct ipc_msg *m, struct mm_object *o, uint64_t n,
		       int err)
{
	uint64_t size = o ? o->size : 0;

	if (err == -ENXIO)
		err = 0;			/* the file shrank: end of file */
	file_done(o);			/* o may be gone now */
	ipc_reply_set(m, err && !n ? err : 0, 2);
	m->w[1] = n;
	m->w[2] = size;
}

/* MM_FILE_READ: up to one page's worth of bytes, in the reply. */
static int file_read_req(struct ipc_msg *m)
{
	static uint8_t out[PAGE_SIZE];
	uint64_t off = m->w[2], len = MM_MIN(m->w[3], PAGE_SIZE), n = 0;
	int err = 0;
	struct mm_object *o = file_of(m, &err);

	if (o)
		n = cache_copy(o, off, out, len, &err);
	read_reply(m, o, n, err);
	if (n) {
		m->tag |= IPC_TAG_BUF(n);
		m->buf = out;
	}
	return IPC_REPLY;
}

/*
 * MM_FILE_READ_TO: up to MM_FILE_READ_TO_MAX bytes of the file at off,
 * copied straight into the caller's memory at addr.  Each destination
 * page is made present and writable as a write fault would (copy on
 * write, a zeroed frame, a dirtied shared page) and mapped, then filled
 * from the cache through mm's physmap: one request, where MM_FILE_READ
 * needs one message a page.  A page the caller may not write ends the
 * copy: -EFAULT if nothing was copied.
 */
static int file_read_to_req(struct ipc_msg *m)
{
	uint64_t off = m->w[2], addr = m->w[4], n = 0;
	uint64_t len = MM_MIN(m->w[3], (uint64_t)MM_FILE_READ_TO_MAX);
	struct mm_ctx *c = ctx_get(m->badge);
	int err = 0;
	struct mm_object *o = c ? file_of(m, &err) : NULL;

	if (!c)
		err = -EPERM;
	if (o && (addr + len < addr || addr + len > (1ull << 47)))
		err = -EFAULT;
	if (o && !err)
		err = mm_reserve(len / PAGE_SIZE + 4, c, "read");
	while (o && !err && n < len && off + n < o->size) {
		vaddr_t va = addr + n;
		struct vma *v = vma_find(&c->vmas, va);
		uint64_t k = MM_MIN(len - n, PAGE_SIZE - (va & ~PAGE_MASK));
		unsigned prot;
		uint64_t *e;

		if (!v || va < v->start || !(v->flags & VMA_WRITE)) {
			err = -EFAULT;
			break;
		}
		err = fault_fill(c, v, va & PAGE_MASK, true, &prot, &e);
		if (!err) {
			pt_pool_ensure(-1);
			err = ctx_map_now(c, va & PAGE_MASK, *e, prot);
		}
		if (err)
			break;
		*e |= PME_MAPPED;
		k = cache_copy(o, off + n, (uint8_t *)page_address(
				       pfn_to_page(pme_pfn(*e))) +
			       (va & ~PAGE_MASK), k, &err);
		n += k;
		if (!k)
			break;			/* the end of the file, or err */
	}
	read_reply(m, o, n, err);
	return IPC_REPLY;
}

/*
 * Make the file size bytes long on the disk and in o.  Growing it first
 * zeroes what a mapping may have written past the old end in the last
 * page: those bytes were never the file's, and now must read as zero.
 */
static int set_size(struct mm_object *o, uint64_t size)
{
	uint64_t *e = size > o->size && (o->size & (PAGE_SIZE - 1)) ?
		      pagemap_slot(&o->pages, o->size & PAGE_MASK, false) :
		      NULL;
	int err;

	if (e && (*e & PME_PRESENT))
		memset((uint8_t *)page_address(pfn_to_page(pme_pfn(*e))) +
		       (o->size & (PAGE_SIZE - 1)), 0,
		       PAGE_SIZE - (o->size & (PAGE_SIZE - 1)));
	err = (int)fs_req_truncate(fs_h, &(struct fs_truncate_req){
					   o->ino, o->gen, size });

	if (!err) {
		/* Pages wholly past the smaller of the two ends are holes. */
		o->hole_from = MM_MIN(o->hole_from, MM_ALIGN_UP(MM_MIN(size,
							o->size), PAGE_SIZE) >>
				      PAGE_SHIFT);
		o->size = size;
	}
	return err;
}

/*
 * Throttling writers (Linux's balance_dirty_pages): while dirty pages and
 * pages being written back pass the dirty ratio (20% of memory, Linux's
 * vm.dirty_ratio), a write() to a file with dirty pages starts that
 * file's writeback and its reply waits - the writer sleeps, mm serves
 * everyone else - until the writes have brought the total below the
 * ratio or are all over.  Parked replies are saved reply handles.
 */
#define THROTTLE_MAX	16

static struct {
	uint64_t reply;			/* saved reply handle */
	uint64_t w[4];			/* the reply: status, n, size, old */
} throttled[THROTTLE_MAX];
static unsigned nthrottled;

static bool over_dirty_ratio(void)
{
	return (mm_stats.file_dirty + mm_stats.file_writeback) * 5 >
	       buddy_managed_pages();
}

/* Let the parked writers go once writeback has done enough. */
static void throttle_release(void)
{
	if (!nthrottled || (mm_stats.file_writeback && over_dirty_ratio()))
		return;
	for (unsigned i = 0; i < nthrottled; i++) {
		struct ipc_msg m = { .tag = IPC_TAG(0, 4) };

		memcpy(m.w, throttled[i].w, sizeof(throttled[i].w));
		ipc_reply(throttled[i].reply, &m);	/* gone: fine */
	}
	nthrottled = 0;
}

/* m holds the writer's reply: IPC_REPLY to send it now, or parked. */
static int balance_dirty(struct mm_object *o, struct ipc_msg *m)
{
	long h;

	if (!o->dirty || !over_dirty_ratio())
		return IPC_REPLY;
	mm_stats.dirty_throttle++;
	writeback_start(o, 0, ~0ull, NULL);
	if (!mm_stats.file_writeback)
		return IPC_REPLY;	/* written already (no I/O thread) */
	if (nthrottled == THROTTLE_MAX || (h = ipc_reply_save()) < 0) {
		io_wait_obj(o);		/* nowhere to park it: wait here */
		return IPC_REPLY;
	}
	throttled[nthrottled].reply = (uint64_t)h;
	memcpy(throttled[nthrottled].w, m->w, sizeof(throttled[0].w));
	nthrottled++;
	if (io_ready())			/* writes done but not yet seen */
		io_reap(false);
	return IPC_NOREPLY;
}

/*
 * Page index of o, at or past o->hole_from: grown, never written back, so
 * the disk has nothing there - a zeroed frame, not a read.  NULL and *err
 * -ENOMEM.
 */
static struct page *page_past_end(struct mm_object *o, uint64_t index,
				  int *err)
{
	uint64_t *e = pagemap_slot(&o->pages, index << PAGE_SHIFT, true);
	struct page *p;

	if (e && (*e & PME_PRESENT))
		return pfn_to_page(pme_pfn(*e));
	p = e ? frame_alloc_zeroed() : NULL;
	if (!p) {
		*err = -ENOMEM;
		return NULL;
	}
	cache_add(o, index, p, e, false);
	return p;
}

/*
 * MM_FILE_WRITE: the request's bytes at off (or at the end).  Word 4, if
 * sent, is how much of the client's whole write is left from here: a
 * request that grows the file grows it that far at once.
 */
static int file_write_req(struct ipc_msg *m)
{
	static uint8_t in[PAGE_SIZE];
	uint64_t len = MM_MIN((uint64_t)IPC_TAG_BUFLEN(m->tag), PAGE_SIZE);
	uint64_t rest = IPC_TAG_NWORDS(m->tag) >= 5 ? m->w[4] : 0;
	uint64_t off = m->w[2], n = 0, old_size = 0, grow;
	int err = 0;
	struct mm_object *o;

	/* Copy the bytes out first: reading a page may reuse the buffer. */
	memcpy(in, mm_recvbuf, len);
	if (m->tag & IPC_TAG_TRUNC)
		err = -EINVAL;
	o = err ? NULL : file_of(m, &err);
	if (o && (m->w[3] & MM_FILE_APPEND))
		off = o->size;
	if (o && (off + len < off || off + rest < off))
		err = -EFBIG;
	if (o)
		old_size = o->size;
	grow = rest > len ? off + rest : off + len;
	if (o && !err && grow > o->size)
		err = set_size(o, grow);
	while (o && !err && n < len) {
		uint64_t at = off + n, pin = at & (PAGE_SIZE - 1);
		uint64_t k = MM_MIN(len - n, PAGE_SIZE - pin);
		struct page *p = (at >> PAGE_SHIFT) >= o->hole_from ?
				 page_past_end(o, at >> PAGE_SHIFT, &err) :
				 file_page(o, at >> PAGE_SHIFT, &err);

		if (!p)
			break;
		if (page_has(p, PG_writeback))	/* stable while written */
			io_wait_page(p, PG_writeback);
		memcpy((uint8_t *)page_address(p) + pin, in + n, k);
		file_page_dirty(o, p);
		lru_page_touched(p);
		n += k;
	}
	ipc_reply_set(m, err && !n ? err : 0, 3);
	m->w[1] = n;
	m->w[2] = o ? o->size : 0;
	m->w[3] = old_size;
	if (o && balance_dirty(o, m) == IPC_NOREPLY)
		return IPC_NOREPLY;	/* o has dirty pages: not freed */
	file_done(o);
	return IPC_REPLY;
}

/*
 * Cut or grow the file.  Cached pages wholly past the new end leave the
 * cache and every mapping (a later access there is SIGBUS); the part of
 * the last page past the end is zeroed, so growing the file again shows
 * zeroes.
 */
struct cut {
	struct mm_object *o;
	uint64_t first;			/* first page index to drop */
};

static void cut_entry(vaddr_t off, uint64_t *e, void *arg)
{
	struct cut *cut = arg;
	struct page *p;
	struct mm_ctx *c;
	vaddr_t va;

	if (!(*e & PME_PRESENT) || (off >> PAGE_SHIFT) < cut->first)
		return;
	p = pfn_to_page(pme_pfn(*e));
	while (rmap_first(p, &c, &va)) {
		uint64_t *pe = pagemap_slot(&c->pm, va, false);

		if (*pe & PME_MAPPED)
			sys3(SYS_AS_UNMAP, c->as, va, 1);
		*pe = 0;
		rmap_remove(p, c, va);
		c->rss--;
		frame_put(p);
	}
	release_page(off, *e, cut->o);
	*e = 0;
}

static int file_truncate_req(struct ipc_msg *m)
{
	const struct mm_file_truncate_req rq =
		*IPC_REQ(m, struct mm_file_truncate_req);
	int err = 0;
	struct mm_object *o = file_of(m, &err);

	if (o)
		io_wait_obj(o);		/* no frame may be cut while read into */
	if (o && rq.size < o->size) {
		struct cut cut = { o, MM_ALIGN_UP(rq.size, PAGE_SIZE) >>
					 PAGE_SHIFT };
		uint64_t *e = pagemap_slot(&o->pages, rq.size & PAGE_MASK,
					   false);

		pagemap_for_range(&o->pages, cut.first << PAGE_SHIFT,
				  1ull << 47, cut_entry, &cut);
		if ((rq.size & (PAGE_SIZE - 1)) && e && (*e & PME_PRESENT))
			memset((uint8_t *)page_address(pfn_to_page(pme_pfn(*e)))
			       + (rq.size & (PAGE_SIZE - 1)), 0,
			       PAGE_SIZE - (rq.size & (PAGE_SIZE - 1)));
	}
	if (o && !err)
		err = set_size(o, rq.size);
	file_done(o);
	ipc_reply_set(m, err, 0);
	return IPC_REPLY;
}

/* MM_FILE_FSYNC: everything of the file on the disk, or its error. */
static int file_fsync_req(struct ipc_msg *m)
{
	int err = 0;
	struct mm_object *o = file_of(m, &err);

	if (o) {
		file_writeback(o, 0, ~0ull);
		err = o->wb_err;
		o->wb_err = 0;			/* reported once */
		if (!err)
			err = (int)fs_req_fsync(fs_h, &(struct fs_file_req){
							o->ino, o->gen });
	}
	file_done(o);
	ipc_reply_set(m, err, 0);
	return IPC_REPLY;
}

/*
 * Write back every cached file dirty since before `older` (0: all): wait
 * for it (sync), or only start it (the flusher).
 */
static void writeback_all(uint64_t older, bool wait)
{
	struct mm_object *o, *next;

	for (o = files; o; o = next) {
		next = o->next_file;
		if (!o->dirty || (older && o->dirtied_ns >= older))
			continue;
		if (wait)
			file_writeback(o, 0, ~0ull);
		else
			writeback_start(o, 0, ~0ull, NULL);
	}
}

static int sync_req(struct ipc_msg *m)
{
	writeback_all(0, true);
	io_wait_all();			/* writes the flusher started, too */
	ipc_reply_set(m, fs_h ? (int)fs_req_sync(fs_h) : 0, 0);
	return IPC_REPLY;
}

/* ---- the flusher ---- */

#define MM_BADGE_FLUSHER	0xffffffffffffff04ull
#define FLUSH_PERIOD_NS		(1000ull * 1000 * 1000)
#define FLUSHER_STACK		8192

static uint64_t flusher_notif, flusher_ep;
static char flusher_stack[FLUSHER_STACK] __attribute__((aligned(16)));

/*
 * MM_FLUSH, once a second from the flusher thread: write back files dirty
 * for longer than MM_DIRTY_EXPIRE_MS, and all of them while dirty pages
 * pass the background ratio (10% of memory).
 */
static int flush_req(struct ipc_msg *m)
{
	uint64_t now = (uint64_t)sys_clock_ns();
	uint64_t expire = MM_DIRTY_EXPIRE_MS * 1000000ull;

	if (m->badge != MM_BADGE_FLUSHER) {
		ipc_reply_set(m, -EPERM, 0);
		return IPC_REPLY;
	}
	if (mm_stats.file_dirty) {
		mm_stats.flusher_runs++;
		if (mm_stats.file_dirty * 10 > buddy_managed_pages())
			writeback_all(0, false);
		else if (now > expire)
			writeback_all(now - expire, false);
	}
	ipc_reply_set(m, 0, 0);
	return IPC_REPLY;
}

static void flusher_thread(uint64_t arg)
{
	(void)arg;
	for (;;) {
		struct ipc_msg m = { 0 };

		sys3(SYS_NOTIFY_TIMER, flusher_notif, FLUSH_PERIOD_NS, 1);
		sys1(SYS_NOTIFY_WAIT, flusher_notif);
		ipc_request(flusher_ep, MM_FLUSH, 0, &m, NULL, 0);
	}
}

void flusher_init(void)
{
	long n = sys0(SYS_NOTIF_CREATE);
	long ep = sys3(SYS_HANDLE_MINT, BOOT_H_FAULT_EP, R_SEND,
		       MM_BADGE_FLUSHER);

	if (n < 0 || ep < 0 ||
	    sys6(SYS_THREAD_CREATE, BOOT_H_SELF_TASK, 0,
		 (uint64_t)flusher_thread,
		 (uint64_t)(flusher_stack + FLUSHER_STACK - 8), 0,
		 MM_PRIO_SERVER) < 0) {
		mm_log("mm: no flusher thread\n");
		return;
	}
	flusher_notif = (uint64_t)n;
	flusher_ep = (uint64_t)ep;
	io_set_waker(flusher_notif, 2);	/* finished writes: look at them */
}

/* Every MM_FILE_* label, MM_SYNC and MM_FLUSH. */
int file_request(struct ipc_msg *m, void *unused)
{
	(void)unused;
	if (!fs_h && IPC_TAG_LABEL(m->tag) != MM_FLUSH &&
	    IPC_TAG_LABEL(m->tag) != MM_SYNC) {
		ipc_reply_set(m, -ENODEV, 0);
		return IPC_REPLY;
	}
	switch (IPC_TAG_LABEL(m->tag)) {
	case MM_FILE_READ:
		return file_read_req(m);
	case MM_FILE_READ_TO:
		return file_read_to_req(m);
	case MM_FILE_WRITE:
		return file_write_req(m);
	case MM_FILE_TRUNCATE:
		return file_truncate_req(m);
	case MM_FILE_FSYNC:
		return file_fsync_req(m);
	case MM_SYNC:
		return sync_req(m);
	default:
		return flush_req(m);
	}
}
