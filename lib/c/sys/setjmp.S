/*
 * setjmp.S - setjmp and longjmp.
 *
 * A jmp_buf is a struct regsave (regsave.h): the callee-saved registers,
 * the stack pointer after setjmp returns, and setjmp's return address.
 * longjmp reloads them and returns from setjmp again with val, or 1 if
 * val is 0, as C requires.  _setjmp and _longjmp are the same functions
 * (there is no signal mask to leave alone).
 */
#include "regsave.h"

	.text
	.globl	setjmp
	.globl	_setjmp
	.type	setjmp, @function
	.type	_setjmp, @function
setjmp:
_setjmp:
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
	.size	setjmp, . - setjmp
	.size	_setjmp, . - _setjmp

	.globl	longjmp
	.globl	_longjmp
	.type	longjmp, @function
	.type	_longjmp, @function
longjmp:
_longjmp:
	movl	%esi, %eax
	testl	%eax, %eax
	jnz	1f
	incl	%eax
1:	movq	REGSAVE_RBX(%rdi), %rbx
	movq	REGSAVE_RBP(%rdi), %rbp
	movq	REGSAVE_R12(%rdi), %r12
	movq	REGSAVE_R13(%rdi), %r13
	movq	REGSAVE_R14(%rdi), %r14
	movq	REGSAVE_R15(%rdi), %r15
	movq	REGSAVE_RSP(%rdi), %rsp
	jmpq	*REGSAVE_RIP(%rdi)
	.size	longjmp, . - longjmp
	.size	_longjmp, . - _longjmp

	.section .note.GNU-stack, "", @progbits
