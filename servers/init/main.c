/*
 * main.c - init's start: create the process endpoint, start the shell
 * thread on the console, then serve the process protocol forever.
 *
 * argv: `init [--cmd=HEX]`.  With --cmd, the shell runs the given commands
 * (hex-encoded, so any text survives the boot loader's command line), then
 * halts: status 0 if every command succeeded.
 *
 * Boot servers: `servers=blk,...` on the kernel command line names boot
 * modules a third thread (the launcher) starts like any program.  blk
 * gets its devices from the launcher, which alone holds the system handle:
 * it scans PCI bus 0 for virtio-blk devices, enables them, mints a handle
 * for each one's I/O BAR and IRQ line, and hands them to blk (BLK_ATTACH).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <ipc/blk.h>
#include "init.h"

#define LAUNCH_STACK	(16 * 1024)
#define LAUNCH_PRIO	10
#define LAUNCH_WAIT_TRIES 60000	/* ms the shell waits for the launcher */
#define PCI_VENDOR_VIRTIO	0x1af4
#define PCI_DEVICE_VIRTIO_BLK	0x1001	/* legacy / transitional */
#define PCI_COMMAND_IO_MASTER	0x5
#define NAME_WAIT_TRIES	200
#define NAME_WAIT_NS	(50ull * 1000 * 1000)

#define SHELL_STACK	(64 * 1024)
#define SHELL_PRIO	12

static uint8_t shell_stack[SHELL_STACK] __attribute__((aligned(16)));
static char script[BOOT_MODNAME_MAX];
static uint64_t shell_proc_h;

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static void decode_script(const char *hex)
{
	size_t n = 0;

	while (hex[0] && hex[1] && n + 1 < sizeof(script)) {
		int hi = hexval(hex[0]), lo = hexval(hex[1]);

		if (hi < 0 || lo < 0)
			break;
		script[n++] = (char)(hi << 4 | lo);
		hex += 2;
	}
	script[n] = 0;
}

static volatile int launch_done;

/*
 * The shell starts once the launcher has started the boot servers and
 * attached their devices (or given up), so that "init: ready" means the
 * whole system is up: disks attached, swap enabled.
 */
static void shell_thread(uint64_t arg)
{
	for (int i = 0; i < LAUNCH_WAIT_TRIES && !launch_done; i++)
		sys1(SYS_SLEEP, 1000000);
	shell_main(shell_proc_h, arg ? script : NULL);
}

static uint8_t launch_stack[LAUNCH_STACK] __attribute__((aligned(16)));
static struct bootinfo boot;
static uint64_t launch_proc_h;

static uint32_t pci_read(unsigned bdf, unsigned off, unsigned width)
{
	return (uint32_t)sys6(SYS_PCI_CONFIG, INIT_H_SYS, bdf, off, width, 0,
			      0);
}

static void pci_write(unsigned bdf, unsigned off, unsigned width, uint32_t v)
{
	sys6(SYS_PCI_CONFIG, INIT_H_SYS, bdf, off, width | IOPORT_OUT, v, 0);
}

/* The size of an I/O BAR, by the usual write-all-ones probe. */
static uint32_t pci_io_bar_size(unsigned bdf, uint32_t bar)
{
	uint32_t mask;

	pci_write(bdf, 0x10, 4, 0xffffffffu);
	mask = pci_read(bdf, 0x10, 4) & ~3u;
	pci_write(bdf, 0x10, 4, bar);
	return (~mask + 1) & 0xffff;
}

/* Give blk one device's I/O BAR and IRQ line (as SeaBIOS routed it). */
static void attach_disk(uint64_t blk_h, unsigned bdf)
{
	uint32_t bar = pci_read(bdf, 0x10, 4);
	unsigned irq = pci_read(bdf, 0x3c, 1);
	struct ipc_msg m = { 0 };
	long io = -1, ih = -1;

	if (!(bar & 1) || irq == 0 || irq == 0xff)
		return;
	pci_write(bdf, 0x04, 2, pci_read(bdf, 0x04, 2) | PCI_COMMAND_IO_MASTER);
	io = sys3(SYS_IOPORT_GRANT, INIT_H_SYS, bar & 0xfffc,
		  pci_io_bar_size(bdf, bar));
	ih = sys2(SYS_IRQ_GRANT, INIT_H_SYS, irq);
	if (io > 0 && ih > 0) {
		m.tag = IPC_TAG(BLK_ATTACH, 3) | IPC_TAG_HANDLES(2);
		m.w[1] = (uint64_t)io;
		m.w[2] = (uint64_t)ih;
		ipc_call(blk_h, &m);
	}
	if (io > 0)
		sys1(SYS_HANDLE_CLOSE, io);
	if (ih > 0)
		sys1(SYS_HANDLE_CLOSE, ih);
}

/*
 * Every virtio-blk function 0 on PCI bus 0, then "no more".  blk answers
 * that with its all-memory session, which goes to the pager: mm swaps
 * through it (to the disk `swap=N` names on the command line).
 */
static void attach_disks(uint64_t blk_h)
{
	struct ipc_msg m = { 0 };
	uint64_t session;

	for (unsigned dev = 0; dev < 32; dev++)
		if (pci_read(dev << 3, 0, 4) ==
		    (PCI_DEVICE_VIRTIO_BLK << 16 | PCI_VENDOR_VIRTIO))
			attach_disk(blk_h, dev << 3);
	m.tag = IPC_TAG(BLK_ATTACH, 1);
	if (ipc_call(blk_h, &m) || m.w[0] || IPC_TAG_NHANDLES(m.tag) != 1)
		return;
	session = m.w[1];
	m.tag = IPC_TAG(MM_SWAP_OFFER, 2) | IPC_TAG_HANDLES(1);
	m.w[0] = 0;
	ipc_call(INIT_H_MM_PROC, &m);		/* the pager says how it went */
	sys1(SYS_HANDLE_CLOSE, session);	/* the pager has its copy */
}

/* The server's registered endpoint, once it has published it. */
static long lookup_wait(const char *name)
{
	for (int i = 0; i < NAME_WAIT_TRIES; i++) {
		struct ipc_msg m = { 0 };

		if (ipc_request(launch_proc_h, PROC_LOOKUP, 0, &m, name,
				(unsigned)strlen(name) + 1) == 0)
			return (long)m.w[1];
		sys1(SYS_SLEEP, NAME_WAIT_NS);
	}
	return -1;
}

/*
 * Once fs has mounted its disk and registered, give the pager its
 * endpoint: mm's page cache asks fs where file pages are (FS_BMAP).
 */
static void fs_offer(void)
{
	struct ipc_msg m = { 0 };
	long h = lookup_wait("fs");

	if (h <= 0)
		return;
	m.tag = IPC_TAG(MM_FS_OFFER, 2) | IPC_TAG_HANDLES(1);
	m.w[1] = (uint64_t)h;
	ipc_call(INIT_H_MM_PROC, &m);		/* the pager says how it went */
	sys1(SYS_HANDLE_CLOSE, h);
}

static void launch_server(const char *name, size_t len)
{
	char buf[PROC_NAME_MAX + 1] = { 0 };
	struct ipc_msg m = { 0 };
	long h;

	if (len == 0 || len >= PROC_NAME_MAX)
		return;
	memcpy(buf, name, len);
	m.w[0] = PROC_SPAWN_SERVER;
	if (ipc_request(launch_proc_h, PROC_SPAWN, 1, &m, buf,
			(unsigned)len + 2) != 0)
		return;
	if (!strcmp(buf, "blk")) {
		h = lookup_wait(buf);
		if (h > 0) {
			attach_disks((uint64_t)h);
			sys1(SYS_HANDLE_CLOSE, h);
		}
	} else if (!strcmp(buf, "fs")) {
		fs_offer();
	}
}

/* Start each module named by servers=a,b,... on the kernel command line. */
static void launch_thread(uint64_t arg)
{
	const char *p;

	(void)arg;
	if (sys3(SYS_BOOTINFO, INIT_H_SYS, &boot, sizeof(boot)) == 0) {
		boot.cmdline[BOOT_CMDLINE_MAX - 1] = 0;
		for (p = boot.cmdline; (p = strstr(p, "servers=")); p++) {
			if (p != boot.cmdline && p[-1] != ' ')
				continue;
			for (p += 8; *p && *p != ' '; p += *p == ',') {
				size_t n = strcspn(p, ", ");

				launch_server(p, n);
				p += n;
			}
			break;
		}
	}
	launch_done = 1;
	sys0(SYS_THREAD_EXIT);
}

int main(int argc, char **argv)
{
	long ep, shell_h;

	for (int i = 1; i < argc; i++)
		if (!strncmp(argv[i], "--cmd=", 6))
			decode_script(argv[i] + 6);
	/* The process server stays resident: every process depends on it. */
	mlockall(MCL_CURRENT | MCL_FUTURE);
	ep = sys0(SYS_EP_CREATE);
	if (ep < 0)
		return 1;
	/* The shell is a client of the process server like any other,
	 * with badge 0, which the server takes to mean init itself. */
	shell_h = sys3(SYS_HANDLE_MINT, ep, R_SEND, 0);
	if (shell_h < 0)
		return 1;
	shell_proc_h = (uint64_t)shell_h;
	launch_proc_h = (uint64_t)sys3(SYS_HANDLE_MINT, ep, R_SEND, 0);
	if (sys6(SYS_THREAD_CREATE, INIT_H_SELF_TASK, INIT_H_MM,
		 (uint64_t)launch_thread,
		 (uint64_t)(launch_stack + LAUNCH_STACK - 8), 0,
		 LAUNCH_PRIO) < 0)
		return 1;
	if (sys6(SYS_THREAD_CREATE, INIT_H_SELF_TASK, INIT_H_MM,
		 (uint64_t)shell_thread,
		 (uint64_t)(shell_stack + SHELL_STACK - 8),
		 script[0] ? 1 : 0, SHELL_PRIO) < 0)
		return 1;
	proc_serve((uint64_t)ep);
}
