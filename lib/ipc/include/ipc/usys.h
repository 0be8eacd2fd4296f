/*
 * ipc/usys.h - the user side of the system-call interface (ipc/sys.h):
 * inline stubs for plain calls and for messages.
 */
#ifndef IPC_USYS_H
#define IPC_USYS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <ipc/msg.h>
#include <ipc/sys.h>

struct ipc_msg {
	uint64_t tag;
	uint64_t w[IPC_WORDS];
	uint64_t badge;			/* out: sender's badge */
	const void *buf;		/* in: buffer, length in the tag */
};

/*
 * m's words as a request or reply struct of a protocol header (see
 * ipc/msg.h).  Request and reply share the words: a handler copies the
 * request out (`struct x_req rq = *IPC_REQ(m, struct x_req);`) before
 * it writes the reply.
 */
#define IPC_REQ(m, type)	IPC_MSG_CAST((m)->w, type)
#define IPC_REP(m, type)	IPC_MSG_CAST((m)->w, type)

#define SYSCALL_CLOBBERS "rcx", "r11", "memory"

static inline long sys6(uint64_t nr, uint64_t a0, uint64_t a1, uint64_t a2,
			uint64_t a3, uint64_t a4, uint64_t a5)
{
	register uint64_t rax __asm__("rax") = nr;
	register uint64_t rdi __asm__("rdi") = a0;
	register uint64_t rsi __asm__("rsi") = a1;
	register uint64_t rdx __asm__("rdx") = a2;
	register uint64_t r10 __asm__("r10") = a3;
	register uint64_t r8 __asm__("r8") = a4;
	register uint64_t r9 __asm__("r9") = a5;

	__asm__ volatile("syscall"
			 : "+r"(rax), "+r"(rdi), "+r"(rsi), "+r"(rdx),
			   "+r"(r10), "+r"(r8), "+r"(r9)
			 : : SYSCALL_CLOBBERS);
	return (long)rax;
}

#define sys0(nr)		sys6(nr, 0, 0, 0, 0, 0, 0)
#define sys1(nr, a)		sys6(nr, (uint64_t)(a), 0, 0, 0, 0, 0)
#define sys2(nr, a, b)		sys6(nr, (uint64_t)(a), (uint64_t)(b), 0, 0, 0, 0)
#define sys3(nr, a, b, c)	sys6(nr, (uint64_t)(a), (uint64_t)(b), \
				     (uint64_t)(c), 0, 0, 0)
#define sys4(nr, a, b, c, d)	sys6(nr, (uint64_t)(a), (uint64_t)(b), \
				     (uint64_t)(c), (uint64_t)(d), 0, 0)

/* A message system call: handle h, message m in and out. */
static inline long sys_msg(uint64_t nr, uint64_t h, struct ipc_msg *m)
{
	register uint64_t rax __asm__("rax") = nr;
	register uint64_t rdi __asm__("rdi") = h;
	register uint64_t rsi __asm__("rsi") = m->tag;
	register uint64_t rdx __asm__("rdx") = m->w[0];
	register uint64_t r10 __asm__("r10") = m->w[1];
	register uint64_t r8 __asm__("r8") = m->w[2];
	register uint64_t r9 __asm__("r9") = m->w[3];
	register uint64_t r12 __asm__("r12") = m->w[4];
	register uint64_t r13 __asm__("r13") = m->w[5];
	register uint64_t r14 __asm__("r14") = m->w[6];
	register uint64_t r15 __asm__("r15") = m->w[7];
	register uint64_t rbx __asm__("rbx") = (uint64_t)m->buf;

	__asm__ volatile("syscall"
			 : "+r"(rax), "+r"(rdi), "+r"(rsi), "+r"(rdx),
			   "+r"(r10), "+r"(r8), "+r"(r9), "+r"(r12), "+r"(r13),
			   "+r"(r14), "+r"(r15)
			 : "r"(rbx) : SYSCALL_CLOBBERS);
	m->tag = rsi;
	m->badge = rdi;
	m->w[0] = rdx; m->w[1] = r10; m->w[2] = r8; m->w[3] = r9;
	m->w[4] = r12; m->w[5] = r13; m->w[6] = r14; m->w[7] = r15;
	return (long)rax;
}

static inline long ipc_call(uint64_t h, struct ipc_msg *m)
{
	return sys_msg(SYS_CALL, h, m);
}

static inline long ipc_send(uint64_t h, struct ipc_msg *m)
{
	return sys_msg(SYS_SEND, h, m);
}

static inline long ipc_recv(uint64_t h, struct ipc_msg *m)
{
	m->tag = 0;
	m->buf = NULL;
	return sys_msg(SYS_RECV, h, m);
}

static inline long ipc_reply_recv(uint64_t h, struct ipc_msg *m)
{
	return sys_msg(SYS_REPLY_RECV, h, m);
}

/* Reply through a saved reply handle (0: the current caller). */
static inline long ipc_reply(uint64_t reply_h, struct ipc_msg *m)
{
	return sys_msg(SYS_REPLY, reply_h, m);
}

static inline long ipc_reply_save(void)
{
	return sys0(SYS_REPLY_SAVE);
}

static inline long sys_debug_write(const void *buf, size_t len)
{
	return sys2(SYS_DEBUG_WRITE, buf, len);
}

static inline long sys_clock_ns(void)
{
	return sys0(SYS_CLOCK);
}

/*
 * Request/reply protocols (mm, proc, ...) share one convention: the reply's
 * word 0 is 0 or a negative errno, results follow in words 1...
 */
#define IPC_REPLY_STATUS(m)	((long)(m)->w[0])

/* A request with n words, optional buffer; the reply replaces m. */
static inline long ipc_request(uint64_t h, unsigned label, unsigned nwords,
			       struct ipc_msg *m, const void *buf,
			       unsigned buflen)
{
	long err;

	m->tag = IPC_TAG(label, nwords) | IPC_TAG_BUF(buflen);
	m->buf = buf;
	err = ipc_call(h, m);
	return err ? err : IPC_REPLY_STATUS(m);
}

/*
 * A typed request, for the client stubs beside each protocol header
 * (lib/ipc/mm_client.c, ...): the words of the request struct at rq
 * (rq_size bytes; NULL and 0 for a message without words), and buflen
 * bytes at buf.  The reply replaces m (IPC_REP gives its struct).
 */
static inline long ipc_request_struct(uint64_t h, unsigned label,
				      struct ipc_msg *m, const void *rq,
				      size_t rq_size, const void *buf,
				      unsigned buflen)
{
	const uint64_t *w = rq;
	unsigned nwords = (unsigned)(rq_size / 8);

	for (unsigned i = 0; i < IPC_WORDS; i++)
		m->w[i] = i < nwords ? w[i] : 0;
	return ipc_request(h, label, nwords, m, buf, buflen);
}

#endif
