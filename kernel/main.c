/*
 * main.c - kmain: bring the machine up and start the first pager.
 *
 * Boot sequence: arch_init_early (console, descriptor tables, SYSCALL,
 * CPU features) -> boot_init (multiboot, kernel reservation, page tables,
 * frame table, object pools) -> scheduler -> arch_init_late (LAPIC timer,
 * IOAPIC) -> the first pager (mm), which starts init.
 */
#include "kernel.h"

void kmain(uint32_t magic, uint32_t mbi)
{
	arch_init_early();
	printk("\npagerk: booting\n");
	boot_init(magic, mbi);
	sched_init();
	arch_init_late();
	arch_irq_unmask(4);			/* the console's UART */
	pr_info("kernel: cpu features:%s%s%s%s%s; tsc %lu MHz\n",
	       arch_cpu_features() & CPU_PCID ? " pcid" : " no-pcid",
	       arch_cpu_features() & CPU_INVPCID ? " invpcid" : "",
	       arch_cpu_features() & CPU_NX ? " nx" : "",
	       arch_cpu_features() & CPU_SMEP ? " smep" : "",
	       arch_cpu_features() & CPU_SMAP ? " smap" : "",
	       arch_tsc_hz() / 1000000);
	boot_start_first_pager();
	kernel_return_to_user();
}
