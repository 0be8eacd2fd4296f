/*
 * sysfuzz.c - 100,000 system calls with random numbers and arguments: each
 * must return (an error, or success that harms no one), and the kernel
 * must never panic.
 *
 * Arguments come from a pool of nasty values: kernel addresses, unaligned
 * and non-canonical pointers, bogus handles, huge sizes, and a scratch
 * buffer of our own.  Calls that would block this thread forever by design
 * (receive, wait, console read, long sleeps, thread exit) get an invalid
 * handle instead, so they too take their error paths; and our own
 * starting handles are never passed, so that we can still report and exit
 * (H_SELF_TASK would let random threads start at random addresses).
 * SYS_DEBUG_PANIC is left out: it panics on purpose.
 */
#include <stdint.h>
#include <stdlib.h>
#include "guest.h"

#define CALLS	100000

static uint8_t scratch[8192] __attribute__((aligned(4096)));

static uint64_t nasty(void)
{
	static const uint64_t pool[] = {
		0, 3, 4, 5, 7, 63, 64, 127, 128, 255, 4096, 0x1000000,
		0xffffffff80000000ull, 0xffffffff80100000ull,
		0xffff800000000000ull, 0x0000800000000000ull,
		0x00007ffffffff000ull, 0x8000000000000000ull, ~0ull, ~0ull - 7,
		0x400001ull, 0xdeadbeefull, 0x1ull << 47, 0x7fffffffffffull,
	};
	switch (guest_rnd() % 4) {
	case 0:
		return pool[guest_rnd() % (sizeof(pool) / sizeof(pool[0]))];
	case 1:
		return (uint64_t)(scratch + guest_rnd() % sizeof(scratch));
	case 2:
		return guest_rnd() % 600;
	default:
		return guest_rnd();
	}
}

static uint64_t handle_arg(void)
{
	uint64_t h = nasty();

	return h == H_PROC || h == H_MM || h == H_SELF_TASK ? 0 : h;
}

int main(void)
{
	unsigned long ok = 0, errors = 0, weird = 0;

	for (int i = 0; i < CALLS; i++) {
		uint64_t nr = guest_rnd() % (SYS_COUNT + 8);
		uint64_t a[6];
		long r;

		for (int k = 0; k < 6; k++)
			a[k] = nasty();
		a[0] = handle_arg();
		switch (nr) {
		case SYS_DEBUG_PANIC:
		case SYS_THREAD_EXIT:
			continue;
		case SYS_RECV: case SYS_REPLY_RECV: case SYS_NOTIFY_WAIT:
		case SYS_CALL: case SYS_SEND:
			a[0] = (1ull << 20) + guest_rnd() % 1000; /* never a handle */
			break;
		case SYS_CONSOLE_READ:
			a[1] = 0;			/* returns at once */
			break;
		case SYS_SLEEP:
			a[0] %= 1000;
			break;
		case SYS_DEBUG_WRITE:
			a[1] %= 64;			/* keep the console sane: */
			if (a[0] < 0x0000800000000000ull)  /* only bad pointers */
				a[0] |= 0xffff800000000000ull;
			break;
		case SYS_HANDLE_CLOSE: case SYS_HANDLE_MINT:
		case SYS_HANDLE_GIVE:
			a[1] = a[1] == H_PROC || a[1] == H_MM ||
			       a[1] == H_SELF_TASK ? 0 : a[1];
			break;
		}
		r = sys6(nr, a[0], a[1], a[2], a[3], a[4], a[5]);
		if (r >= 0)
			ok++;
		else if (r >= -133)
			errors++;
		else
			weird++;
	}
	printf("sysfuzz: %lu succeeded, %lu errors, %lu out of range\n", ok,
	       errors, weird);
	if (weird == 0)
		PASS("sys.fuzz");
	else
		FAIL("sys.fuzz", "%lu results were not 0/positive or -errno",
		     weird);
	return guest_failures ? 1 : 0;
}
