/*
 * guest.h - helpers shared by the in-guest test programs: reporting in the
 * PASS/FAIL line format, and starting a program from the boot modules.
 */
#ifndef GUEST_H
#define GUEST_H

#include <stdio.h>
#include <string.h>
#include <ipc/usys.h>
#include <ipc/proc.h>

static int guest_failures;

#define PASS(id) printf("PASS %s\n", id)
#define FAIL(id, ...) do {						\
	printf("FAIL %s: ", id);					\
	printf(__VA_ARGS__);						\
	printf("\n");							\
	guest_failures++;						\
} while (0)

/* xorshift64: the fuzzers' repeatable stream; guest_rng is its state. */
static uint64_t guest_rng __attribute__((unused)) = 0x9e3779b97f4a7c15ull;

static inline uint64_t guest_rnd(void)
{
	guest_rng ^= guest_rng << 13;
	guest_rng ^= guest_rng >> 7;
	guest_rng ^= guest_rng << 17;
	return guest_rng;
}

/* Start argv[0] from the boot modules; the pid, or a negative errno. */
static inline long guest_spawn(const char *const *argv)
{
	char buf[512];
	struct proc_spawn_rep rp;
	size_t n = 0;
	long err;

	for (; *argv; argv++) {
		size_t l = strlen(*argv) + 1;

		if (n + l + 1 > sizeof(buf))
			return -7;
		memcpy(buf + n, *argv, l);
		n += l;
	}
	buf[n++] = 0;
	err = proc_req_spawn(H_PROC, &(struct proc_spawn_req){ 0 }, buf,
			     (unsigned)n, &rp);
	return err ? err : (long)rp.pid;
}

/* Publish or find an endpoint by name (the process server's registry). */
static inline long guest_register(const char *name, uint64_t h)
{
	return proc_req_register(H_PROC,
				 &(struct proc_register_req){ .handle = h },
				 name);
}

static inline long guest_lookup(const char *name)
{
	struct proc_lookup_rep rp;
	long err = proc_req_lookup(H_PROC, name, &rp);

	return err ? err : (long)rp.handle;
}

#endif
