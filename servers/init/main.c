/*
 * main.c - init's start: create the process endpoint, start the shell
 * thread on the console, then serve the process protocol forever.
 *
 * argv: `init [--cmd=HEX]`.  With --cmd, the shell runs the given commands
 * (hex-encoded, so any text survives the boot loader's command line), then
 * halts: status 0 if every command succeeded.
 */
#include <stdlib.h>
#include <string.h>
#include "init.h"

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

static void shell_thread(uint64_t arg)
{
	shell_main(shell_proc_h, arg ? script : NULL);
}

int main(int argc, char **argv)
{
	long ep, shell_h;

	for (int i = 1; i < argc; i++)
		if (!strncmp(argv[i], "--cmd=", 6))
			decode_script(argv[i] + 6);
	ep = sys0(SYS_EP_CREATE);
	if (ep < 0)
		return 1;
	/* The shell is a client of the process server like any other,
	 * with badge 0, which the server takes to mean init itself. */
	shell_h = sys3(SYS_HANDLE_MINT, ep, R_SEND, 0);
	if (shell_h < 0)
		return 1;
	shell_proc_h = (uint64_t)shell_h;
	if (sys6(SYS_THREAD_CREATE, INIT_H_SELF_TASK, INIT_H_MM,
		 (uint64_t)shell_thread,
		 (uint64_t)(shell_stack + SHELL_STACK - 8),
		 script[0] ? 1 : 0, SHELL_PRIO) < 0)
		return 1;
	proc_serve((uint64_t)ep);
}
