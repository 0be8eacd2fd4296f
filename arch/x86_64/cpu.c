/*
 * cpu.c - descriptor tables, SYSCALL setup, feature detection and FPU state.
 *
 * GDT layout (fixed by SYSRET/SYSCALL's selector arithmetic, see STAR):
 *   0x08 kernel code, 0x10 kernel data, 0x18 unused (32-bit user code),
 *   0x20 user data, 0x28 user code (64-bit), 0x30 TSS (two slots).
 * NX is always on; SMEP and SMAP are on where the CPU has them (the kernel
 * reaches user memory only through the direct map, never through user
 * addresses, so SMAP needs no stac/clac anywhere).  PCID is used where the
 * CPU has it; otherwise every address-space switch reloads CR3 in full.
 */
#include <arch/arch.h>
#include "x86.h"

struct tss {
	uint32_t rsv0;
	uint64_t rsp0, rsp1, rsp2;
	uint64_t rsv1;
	uint64_t ist[7];
	uint64_t rsv2;
	uint16_t rsv3, iomap_base;
} __attribute__((packed));

struct idt_entry {
	uint16_t off_lo, sel;
	uint8_t ist, type;
	uint16_t off_mid;
	uint32_t off_hi, rsv;
} __attribute__((packed));

static uint64_t gdt[8] __attribute__((aligned(16)));
static struct tss tss __attribute__((aligned(16)));
static struct idt_entry idt[256] __attribute__((aligned(16)));
static uint8_t ist_stack[2][4096] __attribute__((aligned(16)));
static uint8_t kstack[16384] __attribute__((aligned(16)));
static unsigned cpu_features;

extern uint64_t cur_regs_top, kstack_top;
extern const uint64_t isr_table[];
extern void syscall_entry(void);

static void gdt_init(void)
{
	uint64_t base = (uint64_t)&tss, limit = sizeof(tss) - 1;
	struct { uint16_t len; uint64_t base; } __attribute__((packed)) gp;

	gdt[1] = 0x00af9a000000ffff;		/* kernel code */
	gdt[2] = 0x00cf92000000ffff;		/* kernel data */
	gdt[3] = 0x00cffa000000ffff;		/* user code, 32-bit (unused) */
	gdt[4] = 0x00cff2000000ffff;		/* user data */
	gdt[5] = 0x00affa000000ffff;		/* user code, 64-bit */
	gdt[6] = (limit & 0xffff) | ((base & 0xffffff) << 16) |
		 (0x89ull << 40) | (((base >> 24) & 0xff) << 56);
	gdt[7] = base >> 32;
	tss.ist[0] = (uint64_t)&ist_stack[0][4096];	/* double fault */
	tss.ist[1] = (uint64_t)&ist_stack[1][4096];	/* NMI */
	tss.iomap_base = sizeof(tss);			/* no I/O bitmap */
	gp.len = sizeof(gdt) - 1;
	gp.base = (uint64_t)gdt;
	__asm__ volatile("lgdt %0" :: "m"(gp));
	__asm__ volatile("ltr %w0" :: "r"(0x30));
}

static void idt_set(unsigned vec, uint64_t fn, unsigned ist, unsigned dpl)
{
	idt[vec].off_lo = fn & 0xffff;
	idt[vec].sel = 0x08;
	idt[vec].ist = ist;
	idt[vec].type = 0x8e | (dpl << 5);	/* interrupt gate */
	idt[vec].off_mid = (fn >> 16) & 0xffff;
	idt[vec].off_hi = fn >> 32;
}

static void idt_init(void)
{
	struct { uint16_t len; uint64_t base; } __attribute__((packed)) ip;

	for (const uint64_t *e = isr_table; e[1]; e += 2)
		idt_set(e[0], e[1], e[0] == 8 ? 1 : e[0] == 2 ? 2 : 0, 0);
	ip.len = sizeof(idt) - 1;
	ip.base = (uint64_t)idt;
	__asm__ volatile("lidt %0" :: "m"(ip));
}

static void syscall_init(void)
{
	wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_SCE);
	wrmsr(MSR_STAR, (0x18ull << 48) | (0x08ull << 32));
	wrmsr(MSR_LSTAR, (uint64_t)syscall_entry);
	/* Clear IF, TF, DF, AC and NT on entry. */
	wrmsr(MSR_FMASK, 0x200 | 0x100 | 0x400 | 0x40000 | 0x4000);
}

static void features_init(void)
{
	uint32_t a, b, c, d;
	uint64_t cr4 = read_cr4();

	cpuid(1, 0, &a, &b, &c, &d);
	if (c & (1u << 17))
		cpu_features |= CPU_PCID;
	cpuid(7, 0, &a, &b, &c, &d);
	if (b & (1u << 7))
		cpu_features |= CPU_SMEP;
	if (b & (1u << 20))
		cpu_features |= CPU_SMAP;
	if (b & (1u << 10))
		cpu_features |= CPU_INVPCID;
	cpuid(0x80000001, 0, &a, &b, &c, &d);
	if (d & (1u << 20))
		cpu_features |= CPU_NX;
	if (!(cpu_features & CPU_NX))
		panic("cpu: no NX bit; this kernel requires it");

	cr4 |= CR4_OSFXSR | CR4_OSXMMEXCPT | CR4_PGE;
	if (cpu_features & CPU_SMEP)
		cr4 |= CR4_SMEP;
	if (cpu_features & CPU_SMAP)
		cr4 |= CR4_SMAP;
	if (cpu_features & CPU_PCID)
		cr4 |= CR4_PCIDE;
	write_cr4(cr4);
	/* FPU/SSE on: no emulation, monitor coprocessor, native errors. */
	write_cr0((read_cr0() & ~CR0_EM) | CR0_MP | CR0_NE);
	__asm__ volatile("fninit");
}

unsigned arch_cpu_features(void)
{
	return cpu_features;
}

void arch_init_early(void)
{
	serial_init();
	gdt_init();
	idt_init();
	kstack_top = (uint64_t)&kstack[sizeof(kstack)];
	syscall_init();
	features_init();
}

void arch_set_current_regs(struct regs *r)
{
	uint64_t top = (uint64_t)(r + 1);

	tss.rsp0 = top;
	cur_regs_top = top;
}

void arch_regs_init_user(struct regs *r, uint64_t ip, uint64_t sp,
			 uint64_t arg)
{
	__builtin_memset(r, 0, sizeof(*r));
	r->rip = ip;
	r->rsp = sp;
	r->rdi = arg;
	r->cs = 0x2b;
	r->ss = 0x23;
	r->rflags = 0x202;			/* IF */
	r->vector = VEC_SYSCALL;
}

/* Make the thread re-issue its SYSCALL when it next runs. */
void arch_syscall_restart(struct regs *r)
{
	r->rip -= 2;				/* length of SYSCALL */
}

void arch_wait_for_interrupt(void)
{
	__asm__ volatile("sti; hlt; cli" ::: "memory");
}

void arch_fpu_init_state(void *area)
{
	uint8_t *p = area;

	__builtin_memset(area, 0, FPU_STATE_SIZE);
	p[0] = 0x7f; p[1] = 0x03;		/* FCW: all exceptions masked */
	*(uint32_t *)(p + 24) = 0x1f80;		/* MXCSR default */
}

void arch_fpu_save(void *area)
{
	__asm__ volatile("fxsave64 (%0)" :: "r"(area) : "memory");
}

void arch_fpu_restore(const void *area)
{
	__asm__ volatile("fxrstor64 (%0)" :: "r"(area) : "memory");
}

/* CR0.TS, written only when it changes (a CR0 write is not free). */
void arch_fpu_enable(bool on)
{
	static bool ts_set;

	if (on == !ts_set)
		return;
	if (on)
		__asm__ volatile("clts");
	else
		write_cr0(read_cr0() | (1u << 3));
	ts_set = !on;
}
