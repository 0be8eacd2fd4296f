/*
 * trap.c - decoding CPU exceptions and interrupts into the portable kernel's
 * events: page faults, fatal exceptions (as signals), device interrupts and
 * timer ticks.
 *
 * From user mode every trap ends in kernel_return_to_user(), which may pick
 * another thread.  From kernel mode only interrupts are expected (the idle
 * loop runs with them enabled); any exception there is a kernel bug and
 * panics with the registers and a backtrace.
 */
#include <arch/arch.h>
#include <ipc/sys.h>
#include "x86.h"

#define SIGILL	4
#define SIGTRAP	5
#define SIGBUS	7
#define SIGFPE	8
#define SIGSEGV	11

static const char *const exc_names[] = {
	"divide error", "debug", "NMI", "breakpoint", "overflow",
	"bound range", "invalid opcode", "device not available",
	"double fault", "coprocessor overrun", "invalid TSS",
	"segment not present", "stack fault", "general protection",
	"page fault", "reserved", "x87 FP error", "alignment check",
	"machine check", "SIMD FP error", "virtualization", "control protection",
};

static int exc_signal(unsigned vec)
{
	switch (vec) {
	case 0: case 16: case 19:
		return SIGFPE;
	case 1: case 3:
		return SIGTRAP;
	case 6:
		return SIGILL;
	case 17:
		return SIGBUS;
	default:
		return SIGSEGV;
	}
}

static bool irq_dispatch(unsigned vec)
{
	if (vec == VEC_TIMER) {
		arch_irq_eoi();
		kernel_timer_tick();
		return true;
	}
	if (vec >= VEC_IRQ_BASE && vec < VEC_IRQ_BASE + NR_IRQS) {
		kernel_irq(vec - VEC_IRQ_BASE);
		return true;
	}
	if (vec == VEC_SPURIOUS || (vec >= 32 && vec < 48))
		return true;			/* spurious, or a masked PIC */
	return false;
}

__attribute__((noreturn)) void arch_user_trap(struct regs *r)
{
	unsigned vec = r->vector;

	if (!irq_dispatch(vec)) {
		if (vec == 7) {
			kernel_fpu_trap();	/* lazy FPU switch */
		} else if (vec == 14) {
			unsigned acc = 0;

			if (r->error & 0x1)
				acc |= 0x08;		/* PF_ACC_PRESENT */
			if (r->error & 0x2)
				acc |= 0x02;		/* PF_ACC_WRITE */
			else if (r->error & 0x10)
				acc |= 0x04;		/* PF_ACC_EXEC */
			else
				acc |= 0x01;		/* PF_ACC_READ */
			kernel_page_fault(arch_fault_addr(), acc, r->error);
		} else {
			kernel_exception(exc_signal(vec), vec, r->error,
					 vec == 14 ? arch_fault_addr() : 0);
		}
	}
	kernel_return_to_user();
}

static void dump_regs(const struct regs *r)
{
	printk("  rip %016lx  rsp %016lx  rflags %08lx  cs %lx err %lx\n",
	       r->rip, r->rsp, r->rflags, r->cs, r->error);
	printk("  rax %016lx  rbx %016lx  rcx %016lx  rdx %016lx\n",
	       r->rax, r->rbx, r->rcx, r->rdx);
	printk("  rsi %016lx  rdi %016lx  rbp %016lx  r8  %016lx\n",
	       r->rsi, r->rdi, r->rbp, r->r8);
	printk("  r9  %016lx  r10 %016lx  r11 %016lx  r12 %016lx\n",
	       r->r9, r->r10, r->r11, r->r12);
	printk("  r13 %016lx  r14 %016lx  r15 %016lx  cr2 %016lx\n",
	       r->r13, r->r14, r->r15, arch_fault_addr());
}

void arch_kernel_trap(struct regs *r)
{
	unsigned vec = r->vector;

	if (irq_dispatch(vec))
		return;
	printk("\nKERNEL TRAP: %s (vector %u)\n",
	       vec < 22 ? exc_names[vec] : "unknown", vec);
	dump_regs(r);
	arch_backtrace(r->rbp);
	panic("unexpected exception in kernel mode");
}

/* Follow the frame-pointer chain (the kernel keeps frame pointers). */
void arch_backtrace(uint64_t rbp)
{
	printk("  backtrace:\n");
	for (int i = 0; i < 16 && rbp >= KERNEL_VBASE && !(rbp & 7); i++) {
		uint64_t *frame = (uint64_t *)rbp;

		printk("    %016lx\n", frame[1]);
		rbp = frame[0];
	}
}
