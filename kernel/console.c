/*
 * console.c - the kernel's console on the serial port.
 *
 * Output is written straight to the UART.  Input is collected by the UART
 * interrupt into a ring; a thread reading with nothing waiting blocks, and
 * is made to re-issue its read when input arrives (so the copy to its
 * buffer always happens in a fresh system call, where a missing page can
 * go to its pager like any other).
 */
#include "kernel.h"

#define RING_SIZE	1024

static char ring[RING_SIZE];
static unsigned ring_head, ring_tail;	/* head: next write; tail: read */
static struct list_head readers = { &readers, &readers };

void console_write(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		arch_serial_putc(s[i]);
}

void console_input_irq(void)
{
	int c;

	while ((c = arch_serial_getc()) >= 0) {
		if (ring_head - ring_tail < RING_SIZE)
			ring[ring_head++ % RING_SIZE] = (char)c;
	}
	while (!list_empty(&readers)) {
		struct thread *t = list_first_entry(&readers, struct thread,
						    link);
		list_del(&t->link);
		arch_syscall_restart(&t->regs);
		sched_make_runnable(t);
	}
}

/* Returns bytes read, -EAGAIN after raising a fault for `buf`, or blocks
 * (returning 0 with t in T_CONSOLE). */
int console_read(struct thread *t, vaddr_t buf, size_t len)
{
	char tmp[128];
	size_t n = 0;
	vaddr_t bad;
	int err;

	if (ring_head == ring_tail) {
		t->state = T_CONSOLE;
		list_add_tail(&t->link, &readers);
		return 0;
	}
	while (n < len && n < sizeof(tmp) && ring_tail + n != ring_head) {
		tmp[n] = ring[(ring_tail + n) % RING_SIZE];
		n++;
	}
	err = copy_to_user(t, buf, tmp, n, &bad);
	if (err == -EAGAIN) {
		fault_raise(t, bad, PF_ACC_WRITE, true);
		return -EAGAIN;
	}
	if (err)
		return err;
	ring_tail += n;
	return (int)n;
}
