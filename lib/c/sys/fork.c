/*
 * fork.c - fork(): a copy of the calling process.
 *
 * The process server makes the child: a copy-on-write copy of our memory
 * with one thread, started at the ip and sp we give it with rdi = our
 * arg.  We give it __fork_resume (fork.S), a stack pointer below the
 * saved registers, and the address of the registers, which sit in this
 * function's frame: the copy is taken while we wait inside PROC_FORK, so
 * the frame is alive in the child's stack too.  The child then returns
 * from __fork_save a second time, with 1, and fork() returns 0 there.
 *
 * stdio is flushed first, so output buffered before fork() is written
 * once, by the parent, and not again by the child's copy of the buffer.
 */
#include <setjmp.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <unistd.h>

#include <ipc/proc.h>
#include <ipc/usys.h>

#include "oslayer.h"

/* Room left below the saved registers for the child's (unused) stack. */
#define FORK_STACK_GAP	256

_Static_assert(offsetof(struct regsave, rbx) == REGSAVE_RBX, "regsave");
_Static_assert(offsetof(struct regsave, rbp) == REGSAVE_RBP, "regsave");
_Static_assert(offsetof(struct regsave, r12) == REGSAVE_R12, "regsave");
_Static_assert(offsetof(struct regsave, r13) == REGSAVE_R13, "regsave");
_Static_assert(offsetof(struct regsave, r14) == REGSAVE_R14, "regsave");
_Static_assert(offsetof(struct regsave, r15) == REGSAVE_R15, "regsave");
_Static_assert(offsetof(struct regsave, rsp) == REGSAVE_RSP, "regsave");
_Static_assert(offsetof(struct regsave, rip) == REGSAVE_RIP, "regsave");
_Static_assert(sizeof(struct regsave) == REGSAVE_SIZE, "regsave");
_Static_assert(sizeof(jmp_buf) == REGSAVE_SIZE, "setjmp.S uses regsave.h");

pid_t fork(void)
{
	struct regsave rs;
	struct proc_fork_rep rp;
	uintptr_t sp;
	long err;

	__libc_stdio_flush();
	if (__fork_save(&rs)) {
		os_recvbuf_register();		/* the child's thread is new */
		os_file_fork_child();
		return 0;
	}
	sp = ((uintptr_t)&rs - FORK_STACK_GAP) & ~(uintptr_t)15;
	err = proc_req_fork(H_PROC, &(struct proc_fork_req){
				.ip = (uint64_t)(uintptr_t)__fork_resume,
				.sp = sp, .arg = (uint64_t)(uintptr_t)&rs },
			    &rp);
	os_recvbuf_register();		/* ours is copy-on-write now */
	if (err)
		return (pid_t)os_result(err);
	return (pid_t)rp.pid;
}
