/*
 * info.c - /proc-style reports: meminfo, vmstat, buddyinfo, slabinfo, and
 * one line per memory context.  Field names and layout follow Linux's, so
 * they read at a glance.  Where Linux has no counter for something only a
 * user-level pager has (page-table frames donated to the kernel, mm's own
 * page maps), the name says what it is.
 */
#include <stdio.h>
#include "mm.h"

struct out {
	char *buf;
	size_t len, pos;
};

static void put(struct out *o, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void put(struct out *o, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (o->pos + 1 >= o->len)
		return;
	va_start(ap, fmt);
	n = vsnprintf(o->buf + o->pos, o->len - o->pos, fmt, ap);
	va_end(ap);
	if (n > 0)
		o->pos = MM_MIN(o->pos + (size_t)n, o->len - 1);
}

static void kb(struct out *o, const char *name, uint64_t pages)
{
	char label[24];

	snprintf(label, sizeof(label), "%s:", name);
	put(o, "%-16s%8lu kB\n", label, (unsigned long)(pages * 4));
}

static void totals(uint64_t *rss, uint64_t *maps)
{
	*rss = *maps = 0;
	for (unsigned id = 0; id < MM_MAX_CTX; id++) {
		struct mm_ctx *c = ctx_get(id);

		if (c) {
			*rss += c->rss;
			*maps += c->pm.nodes;
		}
	}
}

static void meminfo(struct out *o)
{
	uint64_t rss, maps, slab = slab_total_pages();

	totals(&rss, &maps);
	kb(o, "MemTotal", mm_boot.total_pages);
	kb(o, "MemFree", buddy_free_pages());
	kb(o, "MemAvailable", buddy_free_pages());
	kb(o, "Buffers", 0);
	kb(o, "Cached", mm_stats.file_pages);
	kb(o, "Dirty", mm_stats.file_dirty);
	kb(o, "Writeback", mm_stats.file_writeback);
	kb(o, "SwapCached", mm_stats.swapcache_pages);
	kb(o, "Active(anon)", lru_pages(1));
	kb(o, "Inactive(anon)", lru_pages(0));
	kb(o, "Active(file)", lru_pages(3));
	kb(o, "Inactive(file)", lru_pages(2));
	kb(o, "AnonPages", rss);
	kb(o, "Shmem", mm_stats.shmem_pages);
	kb(o, "Slab", slab);
	kb(o, "SReclaimable", 0);
	kb(o, "SUnreclaim", slab);
	kb(o, "PageTables", mm_stats.pt_donated);
	kb(o, "PageMaps", maps);
	kb(o, "KernelReserved", mm_boot.kernel_pages);
	kb(o, "SwapTotal", swap_total_pages());
	kb(o, "SwapFree", swap_free_pages());
}

static void zone_lines(struct out *o)
{
	static const char *const names[] = { "dma", "dma32", "normal" };

	for (int z = 0; z < MAX_NR_ZONES; z++) {
		const struct zone *zn = zone_get(z);

		if (zn)
			put(o, "pgalloc_%s %lu\n", names[z],
			    (unsigned long)zn->stat.alloc);
	}
	for (int z = 0; z < MAX_NR_ZONES; z++) {
		const struct zone *zn = zone_get(z);

		if (zn)
			put(o, "nr_free_pages_%s %lu\n", names[z],
			    zone_free_pages_total(zn));
	}
}

static void vmstat(struct out *o)
{
	const struct mm_stats *s = &mm_stats;
	uint64_t rss, maps;

	totals(&rss, &maps);
	put(o, "nr_free_pages %lu\n", buddy_free_pages());
	put(o, "nr_anon_pages %lu\n", (unsigned long)rss);
	put(o, "nr_shmem %lu\n", (unsigned long)s->shmem_pages);
	put(o, "nr_page_table_pages %lu\n", (unsigned long)s->pt_donated);
	put(o, "nr_slab_unreclaimable %lu\n", slab_total_pages());
	put(o, "nr_zero_page_maps %lu\n", (unsigned long)s->zero_maps);
	put(o, "nr_inactive_anon %lu\n", lru_pages(0));
	put(o, "nr_active_anon %lu\n", lru_pages(1));
	put(o, "nr_swapcached %lu\n", (unsigned long)s->swapcache_pages);
	put(o, "nr_file_pages %lu\n", (unsigned long)s->file_pages);
	zone_lines(o);
	put(o, "pgfree %lu\n", (unsigned long)s->pgfree);
	put(o, "pgfault %lu\n", (unsigned long)s->pgfault);
	put(o, "pgmajfault %lu\n", (unsigned long)s->pgmajfault);
	put(o, "pgfault_anon %lu\n", (unsigned long)s->pgfault_anon);
	put(o, "pgfault_file %lu\n", (unsigned long)s->pgfault_file);
	put(o, "pgfault_shmem %lu\n", (unsigned long)s->pgfault_shmem);
	put(o, "zero_page_map %lu\n", (unsigned long)s->zero_page_map);
	put(o, "zero_fill %lu\n", (unsigned long)s->zero_fill);
	put(o, "cow_copy %lu\n", (unsigned long)s->cow_copy);
	put(o, "cow_reuse %lu\n", (unsigned long)s->cow_reuse);
	put(o, "segv %lu\n", (unsigned long)s->segv);
	put(o, "fork %lu\n", (unsigned long)s->fork);
	put(o, "exit %lu\n", (unsigned long)s->exit);
	put(o, "pswpin %lu\n", (unsigned long)s->pswpin);
	put(o, "pswpout %lu\n", (unsigned long)s->pswpout);
	put(o, "swap_ra %lu\n", (unsigned long)s->swap_ra);
	put(o, "swap_ra_hit %lu\n", (unsigned long)s->swap_ra_hit);
	put(o, "swap_map_around %lu\n", (unsigned long)s->swap_map_around);
	put(o, "pgscan_kswapd %lu\n", (unsigned long)s->pgscan_kswapd);
	put(o, "pgscan_direct %lu\n", (unsigned long)s->pgscan_direct);
	put(o, "pgsteal_kswapd %lu\n", (unsigned long)s->pgsteal_kswapd);
	put(o, "pgsteal_direct %lu\n", (unsigned long)s->pgsteal_direct);
	put(o, "kswapd_wakeup %lu\n", (unsigned long)s->kswapd_wakeup);
	put(o, "allocstall %lu\n", (unsigned long)s->allocstall);
	put(o, "oom_kill %lu\n", (unsigned long)s->oom_kill);
	put(o, "swap_io_error %lu\n", (unsigned long)s->swap_io_error);
	put(o, "file_pages_read %lu\n", (unsigned long)s->file_read);
	put(o, "file_pages_written %lu\n", (unsigned long)s->file_written);
	put(o, "file_pages_reclaimed %lu\n", (unsigned long)s->file_reclaimed);
	put(o, "nr_dirty %lu\n", (unsigned long)s->file_dirty);
	put(o, "nr_writeback %lu\n", (unsigned long)s->file_writeback);
	put(o, "file_readahead_pages %lu\n", (unsigned long)s->file_ra_pages);
	put(o, "file_readahead_async %lu\n", (unsigned long)s->file_ra_async);
	put(o, "file_map_around %lu\n", (unsigned long)s->file_map_around);
	put(o, "file_read_error %lu\n", (unsigned long)s->file_read_error);
	put(o, "io_async_reads %lu\n", (unsigned long)s->io_async_reads);
	put(o, "io_async_writes %lu\n", (unsigned long)s->io_async_writes);
	put(o, "io_waits %lu\n", (unsigned long)s->io_waits);
	put(o, "dirty_throttle %lu\n", (unsigned long)s->dirty_throttle);
	put(o, "flusher_runs %lu\n", (unsigned long)s->flusher_runs);
}

static void ctx_lines(struct out *o)
{
	for (unsigned id = 0; id < MM_MAX_CTX; id++) {
		struct mm_ctx *c = ctx_get(id);

		if (c)
			put(o, "%u %u %lu %lu %lu %d\n", c->id, c->pid,
			    (unsigned long)c->rss, (unsigned long)c->swapents,
			    (unsigned long)c->pm.nodes, c->oom_score_adj);
	}
}

int info_format(unsigned kind, char *buf, size_t len)
{
	struct out o = { buf, len, 0 };

	buf[0] = 0;
	switch (kind) {
	case MM_INFO_MEMINFO:
		meminfo(&o);
		break;
	case MM_INFO_VMSTAT:
		vmstat(&o);
		break;
	case MM_INFO_BUDDYINFO:
		return buddy_info_format(buf, len);
	case MM_INFO_SLABINFO:
		return slabinfo_format(buf, len);
	case MM_INFO_CTX:
		ctx_lines(&o);
		break;
	default:
		return -EINVAL;
	}
	return (int)o.pos;
}
