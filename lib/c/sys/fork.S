/*
 * fork.S - the register half of fork(): saving the parent's registers
 * before PROC_FORK and restoring them as the child's first act.
 *
 * __fork_save(rs) stores the callee-saved registers, the stack pointer
 * its caller will have after it returns, and its return address in the
 * struct regsave at rdi (layout in regsave.h), and returns 0.
 *
 * The process server starts the child's thread at __fork_resume with
 * rdi = the same struct (in the child's copy of the stack) and an rsp
 * that must merely be writable: __fork_resume switches to the saved
 * stack pointer before touching memory through rsp.  It reloads the
 * registers and jumps to the saved return address with eax = 1, so
 * __fork_save appears to return 1 in the child.  Caller-saved registers
 * need no restoring: __fork_save is a call, so the compiler keeps
 * nothing live in them across it.
 */
#include "regsave.h"

	.text
	.globl	__fork_save
	.type	__fork_save, @function
__fork_save:
	movq	%rbx, REGSAVE_RBX(%rdi)
	movq	%rbp, REGSAVE_RBP(%rdi)
	movq	%r12, REGSAVE_R12(%rdi)
	movq	%r13, REGSAVE_R13(%rdi)
	movq	%r14, REGSAVE_R14(%rdi)
	movq	%r15, REGSAVE_R15(%rdi)
	leaq	8(%rsp), %rdx
	movq	%rdx, REGSAVE_RSP(%rdi)
	movq	(%rsp), %rdx
	movq	%rdx, REGSAVE_RIP(%rdi)
	xorl	%eax, %eax
	ret
	.size	__fork_save, . - __fork_save

	.globl	__fork_resume
	.type	__fork_resume, @function
__fork_resume:
	movq	REGSAVE_RBX(%rdi), %rbx
	movq	REGSAVE_RBP(%rdi), %rbp
	movq	REGSAVE_R12(%rdi), %r12
	movq	REGSAVE_R13(%rdi), %r13
	movq	REGSAVE_R14(%rdi), %r14
	movq	REGSAVE_R15(%rdi), %r15
	movq	REGSAVE_RSP(%rdi), %rsp
	movl	$1, %eax
	jmpq	*REGSAVE_RIP(%rdi)
	.size	__fork_resume, . - __fork_resume

	.section .note.GNU-stack, "", @progbits
