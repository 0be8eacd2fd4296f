/*
 * crt0.S - _start, the first instruction of every user program.
 *
 * The kernel enters here with rsp 16-byte aligned and pointing at the
 * initial stack: argc, argv[0..argc-1], NULL, envp[...], NULL (no auxv).
 * _start marks the outermost frame (rbp = 0, and no return address for
 * unwinders) and hands that stack pointer to __libc_start in start.c,
 * which never returns.
 */
	.text
	.globl	_start
	.type	_start, @function
_start:
	.cfi_startproc
	.cfi_undefined rip
	xorl	%ebp, %ebp
	movq	%rsp, %rdi
	andq	$-16, %rsp		/* the call leaves rsp % 16 == 8 */
	call	__libc_start
	ud2
	.cfi_endproc
	.size	_start, . - _start

	.section .note.GNU-stack, "", @progbits
