/*
 * regsave.h - the saved register set that setjmp.S and fork.S write and
 * read: the x86-64 SysV callee-saved registers, the stack pointer as it
 * is after the saving call returns, and that call's return address.
 * Resuming from one returns from the saving call a second time.
 *
 * Included by assembly, so the struct is hidden from it; fork.c checks
 * every offset against the struct (and jmp_buf's size against it).
 */
#ifndef LIBC_SYS_REGSAVE_H
#define LIBC_SYS_REGSAVE_H

#define REGSAVE_RBX	0
#define REGSAVE_RBP	8
#define REGSAVE_R12	16
#define REGSAVE_R13	24
#define REGSAVE_R14	32
#define REGSAVE_R15	40
#define REGSAVE_RSP	48
#define REGSAVE_RIP	56
#define REGSAVE_SIZE	64

#ifndef __ASSEMBLER__
#include <stdint.h>

struct regsave {
	uint64_t rbx, rbp, r12, r13, r14, r15;
	uint64_t rsp;
	uint64_t rip;
};
#endif

#endif /* LIBC_SYS_REGSAVE_H */
