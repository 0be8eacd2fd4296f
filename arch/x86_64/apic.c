/*
 * apic.c - local APIC timer, TSC clock and IOAPIC interrupt routing.
 *
 * The LAPIC timer runs periodically at TIMER_HZ; its rate and the TSC's are
 * measured once against PIT channel 2 (which needs no interrupt).  The
 * legacy 8259 PICs are remapped out of the way and masked: every device
 * interrupt comes through the IOAPIC, ISA inputs edge-triggered, PCI inputs
 * (16..23) level-triggered active-low.
 */
#include <arch/arch.h>
#include "x86.h"

#define TIMER_HZ	1000
#define LAPIC_PHYS	0xfee00000ull
#define IOAPIC_PHYS	0xfec00000ull
#define LAPIC_EOI	0x0b0
#define LAPIC_SVR	0x0f0
#define LAPIC_LVT_TIMER	0x320
#define LAPIC_TIMER_INIT 0x380
#define LAPIC_TIMER_CUR	0x390
#define LAPIC_TIMER_DIV	0x3e0

static volatile uint32_t *lapic;
static volatile uint32_t *ioapic;
static uint64_t tsc_hz;
static uint64_t tsc_boot;

void *arch_map_mmio(paddr_t pa);

static uint32_t lapic_read(unsigned reg)
{
	return lapic[reg / 4];
}

static void lapic_write(unsigned reg, uint32_t v)
{
	lapic[reg / 4] = v;
}

static void ioapic_write(unsigned reg, uint32_t v)
{
	ioapic[0] = reg;
	ioapic[4] = v;
}

static void pic_disable(void)
{
	outb(0x20, 0x11); outb(0xa0, 0x11);	/* ICW1: init, ICW4 follows */
	outb(0x21, 32);   outb(0xa1, 40);	/* vectors 32..47 */
	outb(0x21, 4);    outb(0xa1, 2);
	outb(0x21, 1);    outb(0xa1, 1);
	outb(0x21, 0xff); outb(0xa1, 0xff);	/* mask everything */
}

/* Count LAPIC ticks and TSC cycles across 10 ms of PIT channel 2. */
static void timer_calibrate(uint32_t *lapic_per_tick)
{
	const uint32_t pit_hz = 1193182, count = pit_hz / 100;
	uint64_t t0, t1;
	uint32_t l0, l1;

	outb(0x61, (inb(0x61) & ~0x02) | 0x01);	/* gate on, speaker off */
	outb(0x43, 0xb0);			/* ch2, lo/hi, mode 0 */
	outb(0x42, count & 0xff);
	outb(0x42, count >> 8);
	lapic_write(LAPIC_TIMER_DIV, 0x3);	/* divide by 16 */
	lapic_write(LAPIC_TIMER_INIT, 0xffffffff);
	outb(0x61, inb(0x61) & ~0x01);		/* restart the count */
	outb(0x61, inb(0x61) | 0x01);
	l0 = lapic_read(LAPIC_TIMER_CUR);
	t0 = arch_rdtsc();
	while (!(inb(0x61) & 0x20))
		;
	t1 = arch_rdtsc();
	l1 = lapic_read(LAPIC_TIMER_CUR);
	tsc_hz = (t1 - t0) * 100;
	*lapic_per_tick = (l0 - l1) * 100 / TIMER_HZ;
}

void apic_init(void)
{
	uint32_t per_tick;

	pic_disable();
	lapic = arch_map_mmio(rdmsr(MSR_APIC_BASE) & ~0xfffull);
	wrmsr(MSR_APIC_BASE, rdmsr(MSR_APIC_BASE) | (1u << 11));
	lapic_write(LAPIC_SVR, 0x100 | VEC_SPURIOUS);
	tsc_boot = arch_rdtsc();
	timer_calibrate(&per_tick);
	if (per_tick == 0)
		per_tick = 1;
	lapic_write(LAPIC_TIMER_DIV, 0x3);
	lapic_write(LAPIC_LVT_TIMER, VEC_TIMER | (1u << 17));	/* periodic */
	lapic_write(LAPIC_TIMER_INIT, per_tick);
}

void ioapic_init(void)
{
	ioapic = arch_map_mmio(IOAPIC_PHYS);
	for (unsigned irq = 0; irq < NR_IRQS; irq++)
		arch_irq_mask(irq);
}

void arch_irq_mask(unsigned irq)
{
	uint32_t lo = (VEC_IRQ_BASE + irq) | (1u << 16);

	if (irq >= 16)
		lo |= (1u << 15) | (1u << 13);	/* level, active low */
	ioapic_write(0x10 + 2 * irq, lo);
	ioapic_write(0x11 + 2 * irq, 0);
}

void arch_irq_unmask(unsigned irq)
{
	uint32_t lo = VEC_IRQ_BASE + irq;

	if (irq >= 16)
		lo |= (1u << 15) | (1u << 13);
	ioapic_write(0x11 + 2 * irq, 0);	/* to LAPIC 0 */
	ioapic_write(0x10 + 2 * irq, lo);
}

void arch_irq_eoi(void)
{
	lapic_write(LAPIC_EOI, 0);
}

uint64_t arch_rdtsc(void)
{
	uint32_t lo, hi;

	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return ((uint64_t)hi << 32) | lo;
}

uint64_t arch_tsc_hz(void)
{
	return tsc_hz;
}

uint64_t arch_clock_ns(void)
{
	uint64_t d = arch_rdtsc() - tsc_boot;

	if (!tsc_hz)
		return 0;
	return d / tsc_hz * 1000000000u + d % tsc_hz * 1000000000u / tsc_hz;
}

void arch_init_late(void)
{
	apic_init();
	ioapic_init();
}
