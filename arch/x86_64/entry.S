/*
 * entry.S - every way into and out of the kernel.
 *
 * From user mode, the CPU (interrupts, via TSS.rsp0) and the SYSCALL stub
 * (via cur_regs_top) build the trap frame directly in the current thread's
 * struct regs; the stub then moves to the per-CPU kernel stack and calls C,
 * which never returns: it leaves through arch_return_to_user() with
 * whichever thread should run next.  From kernel mode (only the idle loop
 * takes interrupts; exceptions there are bugs) the frame stays on the
 * kernel stack and the handler returns with iretq.
 */
#include <arch/layout.h>

#define USER_CS	0x2b
#define USER_SS	0x23

	.macro PUSH_GPRS
	push	%rax
	push	%rbx
	push	%rcx
	push	%rdx
	push	%rsi
	push	%rdi
	push	%rbp
	push	%r8
	push	%r9
	push	%r10
	push	%r11
	push	%r12
	push	%r13
	push	%r14
	push	%r15
	.endm

	.macro POP_GPRS
	pop	%r15
	pop	%r14
	pop	%r13
	pop	%r12
	pop	%r11
	pop	%r10
	pop	%r9
	pop	%r8
	pop	%rbp
	pop	%rdi
	pop	%rsi
	pop	%rdx
	pop	%rcx
	pop	%rbx
	pop	%rax
	.endm

	.data
	.global cur_regs_top, kstack_top
cur_regs_top:	.quad 0
kstack_top:	.quad 0
user_rsp_tmp:	.quad 0

	.text
/* SYSCALL: rcx = user rip, r11 = user rflags, IF cleared by SFMASK. */
	.global syscall_entry
syscall_entry:
	mov	%rsp, user_rsp_tmp(%rip)
	mov	cur_regs_top(%rip), %rsp
	pushq	$USER_SS
	pushq	user_rsp_tmp(%rip)
	push	%r11
	pushq	$USER_CS
	push	%rcx
	pushq	$0
	pushq	$0x200				/* VEC_SYSCALL */
	PUSH_GPRS
	mov	%rsp, %rdi
	mov	kstack_top(%rip), %rsp
	xor	%ebp, %ebp
	call	kernel_syscall
	ud2

/* arch_return_to_user(struct regs *r): load r and iretq into user mode. */
	.global arch_return_to_user
arch_return_to_user:
	mov	%rdi, %rsp
	POP_GPRS
	add	$16, %rsp
	iretq

	.macro ISR vec, has_error
	.global isr\vec
isr\vec:
	.if \has_error == 0
	pushq	$0
	.endif
	pushq	$\vec
	jmp	isr_common
	.endm

isr_common:
	PUSH_GPRS
	mov	%rsp, %rdi
	testb	$3, 144(%rsp)			/* REGS_CS: from user? */
	jz	1f
	mov	kstack_top(%rip), %rsp
	xor	%ebp, %ebp
	call	arch_user_trap
	ud2
1:	call	arch_kernel_trap
	POP_GPRS
	add	$16, %rsp
	iretq

	ISR 0,0
	ISR 1,0
	ISR 2,0
	ISR 3,0
	ISR 4,0
	ISR 5,0
	ISR 6,0
	ISR 7,0
	ISR 8,1
	ISR 9,0
	ISR 10,1
	ISR 11,1
	ISR 12,1
	ISR 13,1
	ISR 14,1
	ISR 15,0
	ISR 16,0
	ISR 17,1
	ISR 18,0
	ISR 19,0
	ISR 20,0
	ISR 21,1
	.irp n, 32,33,34,35,36,37,38,39,40,41,42,43,44,45,46,47
	ISR \n,0
	.endr
	.irp n, 48,49,50,51,52,53,54,55,56,57,58,59,60,61,62,63,64,65,66,67,68,69,70,71
	ISR \n,0
	.endr
	ISR 240,0
	ISR 255,0

	.section .rodata
	.global isr_table
/* (vector, stub) pairs, ended by a zero stub. */
isr_table:
	.irp n, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21
	.quad \n, isr\n
	.endr
	.irp n, 32,33,34,35,36,37,38,39,40,41,42,43,44,45,46,47
	.quad \n, isr\n
	.endr
	.irp n, 48,49,50,51,52,53,54,55,56,57,58,59,60,61,62,63,64,65,66,67,68,69,70,71
	.quad \n, isr\n
	.endr
	.quad 240, isr240
	.quad 255, isr255
	.quad 0, 0
