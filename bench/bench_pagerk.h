/*
 * bench_pagerk.h - what the benchmarks' pagerk blocks need from the
 * system beyond POSIX: starting a second program from the boot modules,
 * and handing an endpoint between two processes through the process
 * server's name registry (ipc/proc.h).
 *
 * pagerk only (included under #ifdef __pagerk__).  The same calls as
 * tests/guest/guest.h, kept here so bench/ depends on lib/c and lib/ipc
 * alone.  Every function returns its result or a negative errno.
 */
#ifndef BENCH_PAGERK_H
#define BENCH_PAGERK_H

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <ipc/blk.h>
#include <ipc/mm.h>
#include <ipc/proc.h>
#include <ipc/usys.h>

/* Tries and the pause between them while a partner publishes its name. */
#define BENCH_LOOKUP_TRIES	1000
#define BENCH_LOOKUP_PAUSE_US	1000

/* Start argv[0] from the boot modules with argv; its pid. */
static inline long bench_spawn(const char *const *argv)
{
	char buf[256];
	struct proc_spawn_rep rp;
	size_t n = 0, len;
	long err;

	for (; *argv; argv++) {
		len = strlen(*argv) + 1;
		if (n + len + 1 > sizeof(buf))
			return -E2BIG;
		memcpy(buf + n, *argv, len);
		n += len;
	}
	buf[n++] = 0;
	err = proc_req_spawn(H_PROC, &(struct proc_spawn_req){ 0 }, buf,
			     (unsigned)n, &rp);
	return err ? err : (long)rp.pid;
}

/* Publish a send handle to endpoint h under name; 0. */
static inline long bench_register(const char *name, uint64_t h)
{
	return proc_req_register(H_PROC,
				 &(struct proc_register_req){ .handle = h },
				 name);
}

/* A send handle to the endpoint published as name, waiting for it. */
static inline long bench_lookup(const char *name)
{
	struct proc_lookup_rep rp;
	long err = -ENOENT;
	int i;

	for (i = 0; i < BENCH_LOOKUP_TRIES; i++) {
		err = proc_req_lookup(H_PROC, name, &rp);
		if (err != -ENOENT)
			break;
		usleep(BENCH_LOOKUP_PAUSE_US);
	}
	return err ? err : (long)rp.handle;
}

/* A new endpoint, published as name; the receive handle. */
static inline long bench_endpoint_publish(const char *name)
{
	long ep, send_h, err;

	ep = sys0(SYS_EP_CREATE);
	if (ep < 0)
		return ep;
	send_h = sys3(SYS_HANDLE_MINT, ep, R_SEND, 0);
	err = send_h < 0 ? send_h : bench_register(name, (uint64_t)send_h);
	if (err < 0) {
		sys1(SYS_HANDLE_CLOSE, ep);
		return err;
	}
	return ep;
}

/*
 * A session on blk with a DMA buffer of npages (MM_DMA_ALLOC, BLK_OPEN):
 * the session handle, the buffer's physical and (if va) virtual address.
 */
static inline int bench_blk_open(unsigned npages, uint64_t *sess,
				 uint64_t *pa, uint64_t **va)
{
	struct ipc_msg m = { .w = { npages, 0 } };
	long blk = bench_lookup("blk"), err;

	if (blk < 0)
		return (int)blk;
	err = ipc_request(H_MM, MM_DMA_ALLOC, 2, &m, NULL, 0);
	if (err)
		return (int)err;
	if (va)
		*va = (uint64_t *)m.w[2];
	*pa = m.w[3];
	m = (struct ipc_msg){ .w = { 0, m.w[1] } };
	m.tag = IPC_TAG(BLK_OPEN, 2) | IPC_TAG_HANDLES(1);
	err = ipc_call((uint64_t)blk, &m);
	if (!err)
		err = (long)m.w[0];
	if (!err)
		*sess = m.w[1];
	return (int)err;
}

#endif /* BENCH_PAGERK_H */
