/*
 * x86.h - private helpers of the x86-64 arch layer: control registers,
 * MSRs, port I/O and CPUID.  Nothing outside arch/x86_64 includes it.
 */
#ifndef ARCH_X86_H
#define ARCH_X86_H

#include <stdint.h>

#define MSR_EFER	0xc0000080
#define MSR_STAR	0xc0000081
#define MSR_LSTAR	0xc0000082
#define MSR_FMASK	0xc0000084
#define MSR_APIC_BASE	0x1b
#define EFER_SCE	0x1
#define CR0_MP		(1u << 1)
#define CR0_EM		(1u << 2)
#define CR0_NE		(1u << 5)
#define CR4_PGE		(1u << 7)
#define CR4_OSFXSR	(1u << 9)
#define CR4_OSXMMEXCPT	(1u << 10)
#define CR4_PCIDE	(1u << 17)
#define CR4_SMEP	(1u << 20)
#define CR4_SMAP	(1u << 21)

static inline uint64_t rdmsr(uint32_t msr)
{
	uint32_t lo, hi;

	__asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
	return ((uint64_t)hi << 32) | lo;
}

static inline void wrmsr(uint32_t msr, uint64_t v)
{
	__asm__ volatile("wrmsr" :: "c"(msr), "a"((uint32_t)v),
			 "d"((uint32_t)(v >> 32)));
}

#define CR_ACCESSORS(n)							\
static inline uint64_t read_cr##n(void)					\
{									\
	uint64_t v;							\
	__asm__ volatile("mov %%cr" #n ", %0" : "=r"(v));		\
	return v;							\
}									\
static inline void write_cr##n(uint64_t v)				\
{									\
	__asm__ volatile("mov %0, %%cr" #n :: "r"(v) : "memory");	\
}
CR_ACCESSORS(0)
CR_ACCESSORS(3)
CR_ACCESSORS(4)

static inline void cpuid(uint32_t leaf, uint32_t sub, uint32_t *a,
			 uint32_t *b, uint32_t *c, uint32_t *d)
{
	__asm__ volatile("cpuid" : "=a"(*a), "=b"(*b), "=c"(*c), "=d"(*d)
			 : "a"(leaf), "c"(sub));
}

static inline void outb(uint16_t port, uint8_t v)
{
	__asm__ volatile("outb %0, %1" :: "a"(v), "Nd"(port));
}

static inline uint8_t inb(uint16_t port)
{
	uint8_t v;

	__asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

void serial_init(void);
void apic_init(void);
void ioapic_init(void);

#endif
