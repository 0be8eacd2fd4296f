/*
 * ipc/msg.h - typed messages: each protocol header (ipc/pager.h, ipc/mm.h,
 * ipc/proc.h, ipc/pipe.h) describes its messages as structs laid over the
 * message words, one request and one reply struct per label.
 *
 * Rules for those structs, so that a struct is exactly its words:
 *   - every member is one 64-bit word (uint64_t, int64_t, or an array or
 *     struct of them), so member i is word i;
 *   - a reply of a request/reply protocol begins with `int64_t status`
 *     (0 or -errno), results after it;
 *   - a word that names a handle keeps the position the kernel wants
 *     (words IPC_HANDLE_WORD.., see ipc/sys.h), so word 0 of a request
 *     carrying a handle is padding;
 *   - a message with no words has no struct.
 * The number of words a message carries is the size of its struct, so the
 * tag and the struct cannot disagree.
 *
 * The kernel uses this header too (through ipc/pager.h), so it needs
 * nothing from user space; ipc/usys.h adds accessors for struct ipc_msg.
 */
#ifndef IPC_MSG_H
#define IPC_MSG_H

#include <ipc/sys.h>

/* Beside each struct definition: it fits the message words exactly. */
#define IPC_MSG_ASSERT(type)						\
	_Static_assert(sizeof(type) <= IPC_WORDS * 8 &&		\
		       sizeof(type) % 8 == 0,				\
		       #type " must be whole words within IPC_WORDS")

/* 0, or a compile error where t (a type or an expression) does not fit. */
#define IPC_MSG_FITS(t)							\
	(0 * sizeof(char[sizeof(t) <= IPC_WORDS * 8 &&			\
			 sizeof(t) % 8 == 0 ? 1 : -1]))

/* The number of words of t: the tag's word count for that message. */
#define IPC_MSG_NWORDS(t)	((unsigned)(sizeof(t) / 8 + IPC_MSG_FITS(t)))

/* The words at w (uint64_t[IPC_WORDS]) as a message struct of type. */
#define IPC_MSG_CAST(w, type)	((type *)((w) + IPC_MSG_FITS(type)))

#endif
