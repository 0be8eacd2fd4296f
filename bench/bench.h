/*
 * bench.h - timing, argument and reporting helpers shared by the benchmarks.
 *
 * Every benchmark in bench/ is one C file that builds unchanged both as a
 * static Linux program (for the Linux comparison guest, see
 * tools/linux-guest/) and as a pagerk program (bench/meson.build; that side
 * is under #ifdef __pagerk__).  This header is the only place that knows about the
 * clock, the cycle counter and the output format, so a port touches it and
 * the marked per-system blocks in each benchmark, nothing else.  It uses only
 * clock_gettime(CLOCK_MONOTONIC), rdtsc and printf("%llu"), no floating point.
 *
 * Output contract (parsed by tools/linux-guest/run-bench and tools/bench),
 * one line per measurement, nothing else on the line:
 *
 *	BENCH <name> <value> <unit> [iters=N]
 *	BENCH-FAIL <name> <reason>
 *	BENCH-SKIP <name> <reason>
 *
 * <value> is a decimal with one fractional digit.  A measurement named
 * foo_ns is reported per operation in nanoseconds of CLOCK_MONOTONIC, and
 * is followed by foo_cycles, the same operation in rdtsc ticks.  A case
 * whose system lacks what it needs (its run() returns -ENOSYS) is skipped:
 * BENCH-SKIP foo_ns and foo_cycles, "not supported yet".  That is not a
 * failure, and the case runs by itself once the system grows the feature.
 *
 * Under QEMU with -icount shift=0 guest time is virtual: every guest
 * instruction advances the clock by exactly 2^0 = 1 ns (while the CPU is
 * halted it advances at real speed, but no timed loop halts), so an _ns
 * figure is the number of guest instructions per operation and repeats run
 * to run; ratios between two
 * systems are then instruction-count ratios, not wall-time ratios.  The
 * rdtsc figure is derived from the same virtual clock.
 *
 * Arguments are key=value words (iters=, rt_iters=, pages=, ...; see each
 * benchmark) plus only=a,b,c to run a subset of a benchmark's cases by case
 * name.  Unknown keys are ignored, so one kernel command line can carry the
 * arguments of every benchmark in the initramfs.
 */
#ifndef BENCH_H
#define BENCH_H

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define BENCH_NSEC_PER_SEC	1000000000ULL

/* One measurement interval: both clocks, read back to back. */
struct bench_stamp {
	uint64_t ns;
	uint64_t tsc;
};

/*
 * A case of a benchmark program, selected by name with only=.  run(arg)
 * prints its own BENCH lines and returns 0 or a negative errno.
 */
struct bench_case {
	const char *name;
	int (*run)(const void *arg);
	const void *arg;
};

static inline uint64_t bench_rdtsc(void)
{
	uint32_t lo, hi;

	/* lfence keeps rdtsc from being hoisted above earlier work. */
	__asm__ __volatile__("lfence; rdtsc" : "=a"(lo), "=d"(hi) : : "memory");
	return ((uint64_t)hi << 32) | lo;
}

static inline uint64_t bench_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * BENCH_NSEC_PER_SEC + (uint64_t)ts.tv_nsec;
}

static inline void bench_stamp(struct bench_stamp *s)
{
	s->ns = bench_now_ns();
	s->tsc = bench_rdtsc();
}

/* Print one BENCH line: total / iters with one fractional digit, rounded. */
static inline void bench_report(const char *name, const char *suffix,
				uint64_t total, const char *unit,
				uint64_t iters)
{
	uint64_t tenths = (total * 10 + iters / 2) / iters;

	printf("BENCH %s%s %llu.%llu %s iters=%llu\n", name, suffix,
	       (unsigned long long)(tenths / 10),
	       (unsigned long long)(tenths % 10), unit,
	       (unsigned long long)iters);
	fflush(stdout);
}

/* Report the interval [a, b] as name_ns and name_cycles per operation. */
static inline void bench_report_interval(const char *name,
					 const struct bench_stamp *a,
					 const struct bench_stamp *b,
					 uint64_t iters)
{
	if (iters == 0)
		return;
	bench_report(name, "_ns", b->ns - a->ns, "ns", iters);
	bench_report(name, "_cycles", b->tsc - a->tsc, "cycles", iters);
}

static inline void bench_fail(const char *name, const char *reason)
{
	printf("BENCH-FAIL %s %s\n", name, reason);
	fflush(stdout);
}

/* Case name cannot run on this system: skip both of its measurements. */
static inline void bench_skip(const char *name)
{
	printf("BENCH-SKIP %s_ns not supported yet\n", name);
	printf("BENCH-SKIP %s_cycles not supported yet\n", name);
	fflush(stdout);
}

/*
 * Look up key=value in argv; return the value, or def when absent or not a
 * positive number.
 */
static inline uint64_t bench_arg_u64(int argc, char **argv, const char *key,
				     uint64_t def)
{
	size_t len = strlen(key);
	int i;

	for (i = 1; i < argc; i++) {
		if (strncmp(argv[i], key, len) == 0 && argv[i][len] == '=') {
			char *end;
			unsigned long long v = strtoull(argv[i] + len + 1,
							&end, 10);

			if (*end == '\0' && v > 0)
				return v;
		}
	}
	return def;
}

/* True if case name is selected by only=a,b,c (or there is no only=). */
static inline int bench_selected(int argc, char **argv, const char *name)
{
	size_t len = strlen(name);
	int i;

	for (i = 1; i < argc; i++) {
		const char *p;

		if (strncmp(argv[i], "only=", 5) != 0)
			continue;
		for (p = argv[i] + 5; *p;) {
			size_t n = strcspn(p, ",");

			if (n == len && strncmp(p, name, len) == 0)
				return 1;
			p += n;
			if (*p == ',')
				p++;
		}
		return 0;
	}
	return 1;
}

/* Run the selected cases in order; the exit status counts the failures. */
static inline int bench_run_cases(int argc, char **argv,
				  const struct bench_case *cases, int ncases)
{
	char reason[32];
	int failed = 0;
	int i, err;

	for (i = 0; i < ncases; i++) {
		if (!bench_selected(argc, argv, cases[i].name))
			continue;
		err = cases[i].run(cases[i].arg);
		if (err == -ENOSYS) {
			bench_skip(cases[i].name);
		} else if (err < 0) {
			snprintf(reason, sizeof(reason), "errno=%d", -err);
			bench_fail(cases[i].name, reason);
			failed++;
		}
	}
	return failed;
}

#endif /* BENCH_H */
