/*
 * arch/arch.h - everything the portable kernel may call in the arch layer.
 *
 * The portable code (kernel/) reaches x86-64 only through the arch_
 * functions declared here and the layout constants in arch/layout.h.
 *
 * Kernel execution model: one kernel stack per CPU, interrupts off whenever
 * the kernel runs.  A thread's user registers are saved into its own
 * struct regs on every entry (the TSS and the SYSCALL stub point the CPU
 * at it), so the kernel never has to keep a blocked thread's kernel stack:
 * to block, a thread's state is simply left in its struct regs.
 */
#ifndef ARCH_ARCH_H
#define ARCH_ARCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <arch/layout.h>

/* Saved user state.  Offsets are used by entry.S and checked below. */
struct regs {
	uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
	uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
	uint64_t vector, error;
	uint64_t rip, cs, rflags, rsp, ss;
};
#define REGS_RAX	112
#define REGS_VECTOR	120
#define REGS_RIP	136
#define REGS_CS		144
#define REGS_SIZE	176
_Static_assert(__builtin_offsetof(struct regs, rax) == REGS_RAX, "regs");
_Static_assert(__builtin_offsetof(struct regs, vector) == REGS_VECTOR, "regs");
_Static_assert(__builtin_offsetof(struct regs, rip) == REGS_RIP, "regs");
_Static_assert(__builtin_offsetof(struct regs, cs) == REGS_CS, "regs");
_Static_assert(sizeof(struct regs) == REGS_SIZE, "regs");
_Static_assert(REGS_SIZE % 16 == 0, "the CPU aligns rsp0 to 16");

#define VEC_SYSCALL	0x200	/* pseudo vector recorded for SYSCALL entry */
#define VEC_IRQ_BASE	48	/* IOAPIC input n arrives at VEC_IRQ_BASE + n */
#define VEC_TIMER	0xf0
#define VEC_SPURIOUS	0xff
#define NR_IRQS		24

#define FPU_STATE_SIZE	512	/* FXSAVE area */

/* CPU features found at boot (arch_cpu_features). */
#define CPU_PCID	0x1
#define CPU_SMEP	0x2
#define CPU_SMAP	0x4
#define CPU_NX		0x8
#define CPU_INVPCID	0x10

/* Boot and CPU setup */
void arch_init_early(void);		/* serial, GDT, TSS, IDT */
void arch_init_late(void);		/* features, APIC timer, IOAPIC */
unsigned arch_cpu_features(void);
uint64_t arch_tsc_hz(void);

/* Entering and leaving user mode */
void arch_set_current_regs(struct regs *r);
__attribute__((noreturn)) void arch_return_to_user(struct regs *r);
void arch_regs_init_user(struct regs *r, uint64_t ip, uint64_t sp,
			 uint64_t arg);
void arch_syscall_restart(struct regs *r);
void arch_wait_for_interrupt(void);
void arch_fpu_init_state(void *area);
void arch_fpu_save(void *area);
void arch_fpu_restore(const void *area);
void arch_fpu_enable(bool on);		/* CR0.TS clear (on) or set */

/* Address spaces and page tables (x86-64 four-level) */
typedef uint64_t pte_t;
typedef bool (*pt_alloc_fn)(void *ctx, paddr_t *out);
void arch_switch_as(paddr_t root, uint16_t pcid, bool flush);
void arch_tlb_flush_page(vaddr_t va, uint16_t pcid, bool current);
void arch_tlb_flush_as(uint16_t pcid, bool current);
void arch_pt_init_root(paddr_t root);
void arch_mmu_init(paddr_t max_paddr, bool (*is_ram)(paddr_t, paddr_t),
		   pt_alloc_fn alloc, void *ctx);
void *arch_map_mmio(paddr_t pa);
int arch_pt_map(paddr_t root, vaddr_t va, paddr_t pa, unsigned prot,
		pt_alloc_fn alloc, void *ctx, pte_t *old);
pte_t *arch_pt_lookup(paddr_t root, vaddr_t va);
bool arch_pt_translate(paddr_t root, vaddr_t va, paddr_t *pa, unsigned *prot);
void arch_pt_free_tables(paddr_t root, void (*fn)(void *ctx, paddr_t),
			 void *ctx);
int arch_pt_map_large_kernel(paddr_t root, vaddr_t va, paddr_t pa,
			     unsigned prot, pt_alloc_fn alloc, void *ctx);
bool arch_pte_present(pte_t pte);
paddr_t arch_pte_addr(pte_t pte);
unsigned arch_pte_prot(pte_t pte);
pte_t arch_pte_make(paddr_t pa, unsigned prot);
pte_t arch_pte_set_prot(pte_t pte, unsigned prot);
bool arch_pte_accessed(pte_t pte);
bool arch_pte_dirty(pte_t pte);
pte_t arch_pte_clear_ad(pte_t pte);
paddr_t arch_kernel_root(void);
vaddr_t arch_fault_addr(void);

/* Console, interrupts, time */
void arch_serial_putc(char c);
int arch_serial_getc(void);		/* -1 when nothing is waiting */
void arch_irq_unmask(unsigned irq);
void arch_irq_mask(unsigned irq);
void arch_irq_eoi(void);
uint64_t arch_clock_ns(void);		/* monotonic, from the TSC */
uint64_t arch_rdtsc(void);
void arch_outb(uint16_t port, uint8_t v);
uint8_t arch_inb(uint16_t port);
void arch_io_out(uint16_t port, unsigned width, uint32_t v);
uint32_t arch_io_in(uint16_t port, unsigned width);
__attribute__((noreturn)) void arch_qemu_exit(unsigned code);
void arch_backtrace(uint64_t rbp);

/*
 * Registers of the system-call ABI (see ipc/sys.h): the portable kernel
 * reads arguments and writes results only through these.
 */
static inline uint64_t arch_sys_nr(const struct regs *r) { return r->rax; }
static inline uint64_t arch_sys_arg(const struct regs *r, int i)
{
	switch (i) {
	case 0: return r->rdi;
	case 1: return r->rsi;
	case 2: return r->rdx;
	case 3: return r->r10;
	case 4: return r->r8;
	default: return r->r9;
	}
}
static inline void arch_sys_ret(struct regs *r, uint64_t v) { r->rax = v; }
static inline uint64_t *arch_msg_word(struct regs *r, int i)
{
	static const uint8_t off[8] = {
		__builtin_offsetof(struct regs, rdx),
		__builtin_offsetof(struct regs, r10),
		__builtin_offsetof(struct regs, r8),
		__builtin_offsetof(struct regs, r9),
		__builtin_offsetof(struct regs, r12),
		__builtin_offsetof(struct regs, r13),
		__builtin_offsetof(struct regs, r14),
		__builtin_offsetof(struct regs, r15),
	};
	return (uint64_t *)((char *)r + off[i]);
}
static inline uint64_t *arch_msg_tag(struct regs *r) { return &r->rsi; }
static inline uint64_t *arch_msg_handle(struct regs *r) { return &r->rdi; }
static inline uint64_t *arch_msg_badge(struct regs *r) { return &r->rdi; }
static inline uint64_t arch_msg_buf(const struct regs *r) { return r->rbx; }
static inline uint64_t arch_user_ip(const struct regs *r) { return r->rip; }

/* Entry points the arch layer calls in the portable kernel. */
__attribute__((noreturn)) void kernel_syscall(struct regs *r);
__attribute__((noreturn)) void kernel_return_to_user(void);
void kernel_page_fault(vaddr_t addr, unsigned access, uint64_t error);
void kernel_exception(int signo, unsigned vector, uint64_t error,
		      vaddr_t addr);
void kernel_irq(unsigned irq);
void kernel_fpu_trap(void);
void kernel_timer_tick(void);
__attribute__((noreturn, format(printf, 1, 2)))
void panic(const char *fmt, ...);
__attribute__((format(printf, 1, 2))) void printk(const char *fmt, ...);

#endif
