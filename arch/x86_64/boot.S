/*
 * boot.S - from QEMU's multiboot loader (32-bit protected mode, paging off)
 * to the higher-half kernel in long mode.
 *
 * The kernel is linked at KERNEL_VBASE + its physical load address.  QEMU's
 * multiboot loader accepts only 32-bit ELF, so the kernel is shipped as a
 * flat binary and the multiboot header carries the load addresses itself
 * (the "a.out kludge", flag bit 16).  Boot page tables map the first GiB
 * three times: at 0 (so the code that enables paging keeps running), at
 * KERNEL_VBASE, and at PHYSMAP_BASE (so phys_to_virt() works for the boot
 * allocator's pages, all below 1 GiB, until the full direct map exists).  kmain() builds the real kernel page tables.
 */
#include <arch/layout.h>

#define MB_MAGIC	0x1BADB002
#define MB_FLAGS	((1 << 0) | (1 << 1) | (1 << 16))
#define PHYS(x)		((x) - KERNEL_VBASE)

	.section .multiboot, "a"
	.align 4
mb_header:
	.long MB_MAGIC
	.long MB_FLAGS
	.long -(MB_MAGIC + MB_FLAGS)
	.long PHYS(mb_header)
	.long PHYS(__load_start)
	.long PHYS(__load_end)
	.long PHYS(__bss_end)
	.long PHYS(_start32)

	.section .boot.text, "ax"
	.code32
	.global _start32
_start32:
	cli
	cld
	mov	%eax, %edi			/* multiboot magic */
	mov	%ebx, %esi			/* multiboot info (physical) */
	mov	$PHYS(boot_stack_top), %esp

	/* Zero .bss (the boot stack is in it: keep the magic in ebp). */
	mov	%edi, %ebp
	mov	$PHYS(__bss_start), %edi
	mov	$PHYS(__bss_end), %ecx
	sub	%edi, %ecx
	shr	$2, %ecx
	xor	%eax, %eax
	rep stosl
	mov	%ebp, %edi

	/* PD: 512 x 2 MiB pages covering the first GiB. */
	mov	$PHYS(boot_pd), %ebx
	xor	%ecx, %ecx
1:	mov	%ecx, %eax
	shl	$21, %eax
	or	$0x83, %eax			/* present | writable | large */
	mov	%eax, (%ebx, %ecx, 8)
	movl	$0, 4(%ebx, %ecx, 8)
	inc	%ecx
	cmp	$512, %ecx
	jne	1b

	mov	$PHYS(boot_pd), %eax
	or	$3, %eax
	mov	%eax, PHYS(boot_pdpt_lo)
	mov	%eax, PHYS(boot_pdpt_hi) + 510 * 8
	mov	$PHYS(boot_pdpt_lo), %eax
	or	$3, %eax
	mov	%eax, PHYS(boot_pml4)
	mov	%eax, PHYS(boot_pml4) + 256 * 8	/* PHYSMAP_BASE alias */
	mov	$PHYS(boot_pdpt_hi), %eax
	or	$3, %eax
	mov	%eax, PHYS(boot_pml4) + 511 * 8

	/* PAE, then the page-table root. */
	mov	%cr4, %eax
	or	$(1 << 5), %eax
	mov	%eax, %cr4
	mov	$PHYS(boot_pml4), %eax
	mov	%eax, %cr3

	/* EFER: long mode, and no-execute if the CPU has it. */
	push	%edi
	push	%esi
	mov	$0x80000001, %eax
	cpuid
	mov	%edx, %ebx
	pop	%esi
	pop	%edi
	mov	$0xC0000080, %ecx
	rdmsr
	or	$(1 << 8), %eax			/* LME */
	test	$(1 << 20), %ebx
	jz	2f
	or	$(1 << 11), %eax		/* NXE */
2:	wrmsr

	/* Paging and write protection in supervisor mode. */
	mov	%cr0, %eax
	or	$((1 << 31) | (1 << 16)), %eax
	mov	%eax, %cr0

	lgdt	PHYS(boot_gdt_ptr)
	ljmp	$0x08, $PHYS(long_entry_low)

	.code64
long_entry_low:
	movabs	$long_entry, %rax
	jmp	*%rax

	.text
long_entry:
	mov	$0x10, %ax
	mov	%ax, %ds
	mov	%ax, %es
	mov	%ax, %ss
	xor	%ax, %ax
	mov	%ax, %fs
	mov	%ax, %gs
	movabs	$boot_stack_top, %rsp
	xor	%rbp, %rbp
	/* kmain(magic, mbi_phys): edi and esi survive from above. */
	mov	%edi, %edi
	mov	%esi, %esi
	call	kmain
3:	hlt
	jmp	3b

	.section .boot.data, "aw"
	.align 16
boot_gdt:
	.quad 0
	.quad 0x00af9a000000ffff		/* 0x08: 64-bit code */
	.quad 0x00cf92000000ffff		/* 0x10: data */
boot_gdt_end:
boot_gdt_ptr:
	.word boot_gdt_end - boot_gdt - 1
	.long PHYS(boot_gdt)

	.section .bss
	.align 4096
	.global boot_pml4
boot_pml4:	.skip 4096
boot_pdpt_lo:	.skip 4096
boot_pdpt_hi:	.skip 4096
boot_pd:	.skip 4096
	.align 16
	.global boot_stack_top
boot_stack:	.skip 16384
boot_stack_top:
