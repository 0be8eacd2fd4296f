/*
 * info.c - /proc-style reports: meminfo, vmstat, buddyinfo, slabinfo, and
 * one line per memory context.  Field names and layout follow Linux's, so
 * they read at a glance.
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

	if (o->pos >= o->len)
		return;
	va_start(ap, fmt);
	n = vsnprintf(o->buf + o->pos, o->len - o->pos, fmt, ap);
	va_end(ap);
	if (n > 0)
		o->pos = MM_MIN(o->pos + (size_t)n, o->len - 1);
}

static void kb(struct out *o, const char *name, uint64_t pages)
{
	char label[20];

	snprintf(label, sizeof(label), "%s:", name);
	put(o, "%-16s%8lu kB\n", label, (unsigned long)(pages * 4));
}

static uint64_t anon_pages(void)
{
	uint64_t n = 0;

	for (unsigned id = 0; id < MM_MAX_CTX; id++)
		if (ctx_get(id))
			n += ctx_get(id)->rss;
	return n;
}

static void meminfo(struct out *o)
{
	uint64_t pt = 0;

	for (unsigned id = 0; id < MM_MAX_CTX; id++)
		if (ctx_get(id))
			pt += ctx_get(id)->pm.nodes;
	kb(o, "MemTotal", mm_boot.total_pages);
	kb(o, "MemFree", buddy_free_pages());
	kb(o, "MemAvailable", buddy_free_pages());
	kb(o, "AnonPages", anon_pages());
	kb(o, "PageTables", mm_stats.pt_donated + pt);
	kb(o, "KernelStack", mm_boot.kernel_pages);
}

static void vmstat(struct out *o)
{
	put(o, "pgfault %lu\n", (unsigned long)mm_stats.pgfault);
	put(o, "pgfault_anon %lu\n", (unsigned long)mm_stats.pgfault_anon);
	put(o, "pgfault_file %lu\n", (unsigned long)mm_stats.pgfault_file);
	put(o, "zero_fill %lu\n", (unsigned long)mm_stats.zero_fill);
	put(o, "pgalloc %lu\n", (unsigned long)mm_stats.pgalloc);
	put(o, "pgfree %lu\n", (unsigned long)mm_stats.pgfree);
	put(o, "segv %lu\n", (unsigned long)mm_stats.segv);
}

static void ctx_lines(struct out *o)
{
	for (unsigned id = 0; id < MM_MAX_CTX; id++) {
		struct mm_ctx *c = ctx_get(id);

		if (c)
			put(o, "%u %u %lu %lu\n", c->id, c->pid,
			    (unsigned long)c->rss, (unsigned long)c->pm.nodes);
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
