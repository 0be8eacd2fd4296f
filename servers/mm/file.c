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
 * writable.  Writeback (msync, and when the last mapping goes) unmaps a
 * dirty page everywhere, so that the next write faults and dirties it
 * again, gives it disk blocks (FS_BMAP with FS_BMAP_ALLOC) and writes it
 * with BLK_WRITEV, or through FS_WRITE for a page that is not one run
 * (only the bytes below the end of the file), then has the server flush
 * the disk's cache (FS_FSYNC).
 *
 * Not yet: read() and write() still go to the file server directly, so
 * they are coherent with a mapping only across msync (writeback) and a
 * fresh mapping; file pages are not on the LRU lists, so they stay until
 * the last mapping of the file goes; there is no readahead window beyond
 * the run FS_BMAP gives for one fault (up to FILE_RUN_MAX pages).
 */
#include <string.h>
#include <ipc/blk.h>
#include <ipc/fs.h>
#include "mm.h"

#define FILE_RUN_MAX	16		/* pages read per fault at most */
#define S_IFMT		0170000
#define S_IFREG		0100000

static uint64_t fs_h;			/* the file server, from init */
static struct mm_object *files;		/* every live file object */

/* MM_FS_OFFER, from the process server: the file server's endpoint. */
int fs_offer(struct ipc_msg *m, void *unused)
{
	uint64_t h = IPC_TAG_NHANDLES(m->tag) == 1 ? m->w[1] : 0;
	int err = 0;

	(void)unused;
	if (m->badge != MM_BADGE_PROC)
		err = -EPERM;
	else if (!h)
		err = -EINVAL;
	else if (fs_h)
		err = -EBUSY;
	if (err)
		ipc_drop_handles(m);
	else
		fs_h = h;
	ipc_reply_set(m, err, 0);
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
			return o;
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

/* Put page p at index in o's cache (the cache takes p's reference). */
static void cache_add(struct mm_object *o, uint64_t index, struct page *p,
		      uint64_t *slot)
{
	page_set(p, PG_pagecache);
	p->index = index;
	p->private = (uint64_t)(uintptr_t)o;
	*slot = pme_make(page_to_pfn(p), PME_PRESENT);
	o->resident++;
	mm_stats.file_pages++;
	lru_file_new(p);
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
 * Read page index of o, and the pages after it that FS_BMAP puts in the
 * same run and that are not cached yet, into the cache.  0 or -errno.
 */
static int read_run(struct mm_object *o, uint64_t index)
{
	struct page *pages[FILE_RUN_MAX];
	struct fs_bmap_rep rp;
	unsigned max = 1, n;
	long err;

	while (max < FILE_RUN_MAX) {
		uint64_t *e = pagemap_slot(&o->pages,
					   (index + max) << PAGE_SHIFT, false);

		if (e && (*e & PME_PRESENT))
			break;
		max++;
	}
	err = fs_req_bmap(fs_h, &(struct fs_bmap_req){ o->ino, o->gen, index,
						       max, 0 }, &rp);
	if (err)
		return (int)err;
	n = (unsigned)MM_MIN(rp.npages, (uint64_t)max);
	if (n == 0) {			/* not one run: this page alone */
		pages[0] = frame_alloc();
		if (!pages[0])
			return -ENOMEM;
		err = read_one(o, index, pages[0]);
		n = 1;
	} else {
		for (unsigned i = 0; i < n; i++) {
			pages[i] = rp.sector ? frame_alloc() :
				   frame_alloc_zeroed();
			if (!pages[i]) {
				if (i == 0)
					return -ENOMEM;
				n = i;
				break;
			}
		}
		if (rp.sector) {
			uint64_t addr[FILE_RUN_MAX];
			struct ipc_msg m = { 0 };

			for (unsigned i = 0; i < n; i++)
				addr[i] = page_to_phys(pages[i]);
			m.w[0] = rp.disk;
			m.w[1] = rp.sector;
			m.w[2] = n;
			err = ipc_request(mm_blk_session, BLK_READV, 3, &m,
					  addr, n * (unsigned)sizeof(addr[0]));
		}
	}
	for (unsigned i = 0; i < n; i++) {
		uint64_t *e = err ? NULL :
			      pagemap_slot(&o->pages, (index + i) << PAGE_SHIFT,
					   true);

		if (!e) {
			frame_put(pages[i]);
			err = err ? err : (i ? 0 : -ENOMEM);
			continue;
		}
		cache_add(o, index + i, pages[i], e);
	}
	mm_stats.pgmajfault++;
	mm_stats.file_read += n;
	return (int)err;
}

/*
 * The cached page at index of file o, read in if need be: the page, or
 * NULL with *err -ENXIO (wholly past the end of the file: SIGBUS), -EIO,
 * or -ENOMEM.
 */
struct page *file_page(struct mm_object *o, uint64_t index, int *err)
{
	uint64_t *e = pagemap_slot(&o->pages, index << PAGE_SHIFT, false);

	if (!e || !(*e & PME_PRESENT)) {
		*err = read_run(o, index);
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

/* A write fault on a shared mapping: the page now differs from the disk. */
void file_page_dirty(struct mm_object *o, struct page *p)
{
	if (!page_has(p, PG_dirty)) {
		page_set(p, PG_dirty);
		o->dirty++;
	}
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

/* Write one dirty page back: 0 or -errno (the page stays dirty then). */
static int write_one(struct mm_object *o, struct page *p)
{
	uint64_t index = p->index, addr = page_to_phys(p);
	struct fs_bmap_rep rp;
	struct fs_stat_rep st;
	struct ipc_msg m = { 0 };
	long err;

	rmap_walk(p, unmap_one, NULL);
	err = fs_req_bmap(fs_h, &(struct fs_bmap_req){ o->ino, o->gen, index,
						       1, FS_BMAP_ALLOC }, &rp);
	if (err == -ENXIO)		/* truncated under us: nothing to keep */
		goto clean;
	if (err)
		return (int)err;
	if (rp.npages >= 1 && rp.sector) {
		m.w[0] = rp.disk;
		m.w[1] = rp.sector;
		m.w[2] = 1;
		err = ipc_request(mm_blk_session, BLK_WRITEV, 3, &m, &addr,
				  sizeof(addr));
	} else {
		/* Not one run (or the partial last page): only the bytes the
		 * file has, through the server. */
		err = fs_req_stat(fs_h, &(struct fs_file_req){ o->ino, o->gen },
				  &st);
		if (!err && st.size > index << PAGE_SHIFT) {
			m.w[0] = o->ino;
			m.w[1] = o->gen;
			m.w[2] = index << PAGE_SHIFT;
			m.w[3] = 0;
			err = ipc_request(fs_h, FS_WRITE, 4, &m, page_address(p),
					  (unsigned)MM_MIN(PAGE_SIZE, st.size -
							   (index <<
							    PAGE_SHIFT)));
		}
	}
	if (err)
		return (int)err;
	mm_stats.file_written++;
clean:
	page_clear(p, PG_dirty);
	o->dirty--;
	return 0;
}

struct writeback {
	struct mm_object *o;
	uint64_t first, last;		/* page indices, inclusive */
	int err;
	unsigned written;
};

static void writeback_entry(vaddr_t off, uint64_t *e, void *arg)
{
	struct writeback *wb = arg;
	struct page *p;
	int err;

	if (!(*e & PME_PRESENT))
		return;
	p = pfn_to_page(pme_pfn(*e));
	if (!page_has(p, PG_dirty) || (off >> PAGE_SHIFT) < wb->first ||
	    (off >> PAGE_SHIFT) > wb->last)
		return;
	err = write_one(wb->o, p);
	if (err && !wb->err)
		wb->err = err;
	wb->written += !err;
}

/*
 * Write o's dirty pages in [first, last] back and flush the disk's cache:
 * 0, or the first error (-EIO for the caller's msync).
 */
int file_writeback(struct mm_object *o, uint64_t first, uint64_t last)
{
	struct writeback wb = { o, first, last, 0, 0 };

	if (!o->dirty)
		return 0;
	pagemap_for_range(&o->pages, first << PAGE_SHIFT,
			  last >= (1ull << 35) ? 1ull << 47 :
			  (last + 1) << PAGE_SHIFT, writeback_entry, &wb);
	if (wb.written)
		fs_req_fsync(fs_h, &(struct fs_file_req){ o->ino, o->gen });
	if (wb.err)
		mm_log("mm: writeback of file %lu failed (%d)\n",
		       (unsigned long)o->ino, wb.err);
	return wb.err ? -EIO : 0;
}

/*
 * Reclaim: cache page p, isolated from the LRU and not mapped by a locked
 * process, leaves every page map (the next access faults and finds it in
 * the cache or reads it again), is written back if dirty, and is freed.
 * 0, or -EIO if the write failed (then it stays, still dirty).
 */
int file_reclaim(struct page *p)
{
	struct mm_object *o = (struct mm_object *)(uintptr_t)p->private;
	uint64_t *slot;
	struct mm_ctx *c;
	vaddr_t va;

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
	if (page_has(p, PG_dirty) && write_one(o, p))
		return -EIO;
	slot = pagemap_slot(&o->pages, p->index << PAGE_SHIFT, false);
	MM_ASSERT(slot && pme_pfn(*slot) == page_to_pfn(p));
	*slot = 0;
	o->resident--;
	mm_stats.file_pages--;
	mm_stats.file_reclaimed++;
	page_clear(p, PG_pagecache);
	frame_put(p);			/* the cache's: now free */
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
	page_clear(p, PG_pagecache | PG_dirty);
	o->resident--;
	mm_stats.file_pages--;
	frame_put(p);
}

/* The last mapping of o is gone: write it back, drop its pages. */
void file_obj_release(struct mm_object *o)
{
	struct mm_object **pp;

	file_writeback(o, 0, ~0ull);
	pagemap_destroy(&o->pages, release_page, o);
	for (pp = &files; *pp; pp = &(*pp)->next_file)
		if (*pp == o) {
			*pp = o->next_file;
			break;
		}
}
