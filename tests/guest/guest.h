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

/* Start argv[0] from the boot modules; the pid, or a negative errno. */
static inline long guest_spawn(const char *const *argv)
{
	char buf[512];
	struct ipc_msg m = { 0 };
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
	err = ipc_request(H_PROC, PROC_SPAWN, 1, &m, buf, (unsigned)n);
	return err ? err : (long)m.w[1];
}

/* Publish or find an endpoint by name (the process server's registry). */
static inline long guest_register(const char *name, uint64_t h)
{
	struct ipc_msg m = { .w = { 0, h } };

	m.tag = IPC_TAG(PROC_REGISTER, 2) | IPC_TAG_HANDLES(1) |
		IPC_TAG_BUF(strlen(name) + 1);
	m.buf = name;
	return ipc_call(H_PROC, &m) ?: (long)m.w[0];
}

static inline long guest_lookup(const char *name)
{
	struct ipc_msg m = { 0 };
	long err = ipc_request(H_PROC, PROC_LOOKUP, 0, &m, name,
			       (unsigned)strlen(name) + 1);

	return err ? err : (long)m.w[1];
}

#endif
