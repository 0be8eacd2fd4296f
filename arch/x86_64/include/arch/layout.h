/*
 * arch/layout.h - the kernel's virtual address layout on x86-64.
 *
 *   0x0000000000000000 .. 0x00007fffffffffff  user (per address space)
 *   0xffff800000000000 + paddr                 direct map of all RAM
 *   0xffffffff80000000 + paddr                 kernel image (first GiB)
 *
 * The kernel half of every address space shares the same page tables (the
 * upper 256 PML4 entries are copied into each new root at creation and
 * never change after boot).
 */
#ifndef ARCH_LAYOUT_H
#define ARCH_LAYOUT_H

#define KERNEL_VBASE	0xffffffff80000000
#define PHYSMAP_BASE	0xffff800000000000
#define USER_TOP	0x0000800000000000
#define PAGE_SIZE	4096
#define PAGE_SHIFT	12

#ifndef __ASSEMBLER__
#include <stdint.h>
typedef uint64_t paddr_t;
typedef uint64_t vaddr_t;
typedef uint64_t pfn_t;

static inline void *phys_to_virt(paddr_t pa)
{
	return (void *)(pa + PHYSMAP_BASE);
}

static inline paddr_t kimg_to_phys(const void *va)
{
	return (paddr_t)va - KERNEL_VBASE;
}
#endif

#endif
