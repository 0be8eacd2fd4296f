/*
 * serial.c - the 16550 UART on COM1: the system console.
 *
 * Output is polled (the kernel prints from any context, including panic);
 * input arrives by interrupt (IRQ 4 through the IOAPIC) and the portable
 * console code queues it for readers.
 */
#include <arch/arch.h>
#include <ipc/sys.h>
#include "x86.h"

#define COM1	0x3f8

void serial_init(void)
{
	outb(COM1 + 1, 0x00);		/* no interrupts while we set up */
	outb(COM1 + 3, 0x80);		/* DLAB */
	outb(COM1 + 0, 0x01);		/* 115200 baud */
	outb(COM1 + 1, 0x00);
	outb(COM1 + 3, 0x03);		/* 8N1 */
	outb(COM1 + 2, 0xc7);		/* FIFO on, cleared, 14-byte trigger */
	outb(COM1 + 4, 0x0b);		/* DTR, RTS, OUT2 (IRQ line enable) */
	outb(COM1 + 1, 0x01);		/* interrupt on received data */
}

void arch_serial_putc(char c)
{
	if (c == '\n')
		arch_serial_putc('\r');
	while (!(inb(COM1 + 5) & 0x20))
		;
	outb(COM1, (uint8_t)c);
}

int arch_serial_getc(void)
{
	if (!(inb(COM1 + 5) & 0x01))
		return -1;
	return inb(COM1);
}

void arch_outb(uint16_t port, uint8_t v)
{
	outb(port, v);
}

uint8_t arch_inb(uint16_t port)
{
	return inb(port);
}

void arch_io_out(uint16_t port, unsigned width, uint32_t v)
{
	if (width == 1)
		__asm__ volatile("outb %b0, %w1" :: "a"(v), "Nd"(port));
	else if (width == 2)
		__asm__ volatile("outw %w0, %w1" :: "a"(v), "Nd"(port));
	else
		__asm__ volatile("outl %0, %w1" :: "a"(v), "Nd"(port));
}

uint32_t arch_io_in(uint16_t port, unsigned width)
{
	uint32_t v = 0;

	if (width == 1)
		__asm__ volatile("inb %w1, %b0" : "+a"(v) : "Nd"(port));
	else if (width == 2)
		__asm__ volatile("inw %w1, %w0" : "+a"(v) : "Nd"(port));
	else
		__asm__ volatile("inl %w1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

/*
 * QEMU's isa-debug-exit device (iobase 0xf4) ends QEMU with status
 * 2 * code + 1.  If it is absent, fall back to the ACPI power-off port of
 * QEMU's PIIX4, then stop.
 */
void arch_qemu_exit(unsigned code)
{
	outb(0xf4, (uint8_t)code);
	__asm__ volatile("outw %w0, %w1" :: "a"(0x2000), "Nd"(0x604));
	for (;;)
		__asm__ volatile("cli; hlt");
}
