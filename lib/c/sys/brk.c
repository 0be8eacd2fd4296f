/*
 * brk.c - the program break, through the pager's MM_BRK.
 *
 * MM_BRK behaves like Linux's brk system call: it answers with the break
 * as it stands afterwards, which is the old one when the pager refused,
 * and address 0 only asks.  The break is cached in brk_cur after the
 * first query; only this file moves it, and a fork()ed child inherits
 * both the break and the cache, so the cache stays true.
 */
#include <errno.h>
#include <stdint.h>
#include <unistd.h>

#include <ipc/mm.h>
#include <ipc/proc.h>
#include <ipc/usys.h>

#include "oslayer.h"

static uintptr_t brk_cur;	/* 0 until first asked */

/* Asks for the break to be addr (0: unchanged); *now gets the result. */
static long brk_request(uintptr_t addr, uintptr_t *now)
{
	struct mm_brk_rep rp;
	long err;

	err = mm_req_brk(H_MM, &(struct mm_brk_req){ .addr = addr }, &rp);
	if (err)
		return err;
	*now = (uintptr_t)rp.brk;
	brk_cur = *now;
	return 0;
}

static long brk_get(uintptr_t *now)
{
	if (brk_cur) {
		*now = brk_cur;
		return 0;
	}
	return brk_request(0, now);
}

/* Moves the break to addr; fails with ENOMEM when the pager refuses. */
static long brk_set(uintptr_t addr)
{
	uintptr_t now;
	long err;

	err = brk_request(addr, &now);
	if (err)
		return err;
	return now == addr ? 0 : -ENOMEM;
}

int brk(void *addr)
{
	return (int)os_result(brk_set((uintptr_t)addr));
}

void *sbrk(intptr_t inc)
{
	uintptr_t old, want;
	long err;

	err = brk_get(&old);
	if (err)
		goto fail;
	if (!inc)
		return (void *)old;
	want = old + (uintptr_t)inc;
	if ((inc > 0 && want < old) || (inc < 0 && want > old)) {
		err = -ENOMEM;
		goto fail;
	}
	err = brk_set(want);
	if (err)
		goto fail;
	return (void *)old;
fail:
	os_result(err);
	return (void *)-1;
}
