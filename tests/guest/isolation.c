/*
 * isolation.c - a task that misbehaves is killed with the right signal and
 * nothing else is disturbed.
 *
 * `isolation` runs each case in a child (`isolation case NAME`) and checks
 * that the child was killed by the expected signal; the child prints
 * nothing if it is killed as it should be.
 */
#include <stdint.h>
#include <stdlib.h>
#include <sys/wait.h>
#include "guest.h"

struct iso_case {
	const char *name;
	int signal;
	void (*fn)(void);
};

static void kernel_read(void)
{
	(void)*(volatile uint64_t *)0xffffffff80100000ull;
}

static void kernel_write(void)
{
	*(volatile uint64_t *)0xffff800000100000ull = 1;
}

static void text_write(void)
{
	*(volatile uint8_t *)(uintptr_t)&kernel_read = 0xc3;
}

static void priv_cli(void)
{
	__asm__ volatile("cli");
}

static void priv_hlt(void)
{
	__asm__ volatile("hlt");
}

static void priv_cr3(void)
{
	__asm__ volatile("mov %0, %%cr3" :: "r"(0ull));
}

static void div_zero(void)
{
	volatile int num = 7, zero = 0, result;

	result = num / zero;	/* not 1 / x: gcc turns that into compares */
	(void)result;
}

static void jump_unmapped(void)
{
	void (*fn)(void) = (void (*)(void))0x0000500000000000ull;

	fn();
}

static void null_read(void)
{
	(void)*(volatile int *)0;
}

static void noncanonical(void)
{
	(void)*(volatile int *)0x8000000000000000ull;
}

static void exec_stack(void)
{
	uint8_t code[16] = { 0xc3 };		/* ret */
	void (*fn)(void) = (void (*)(void))code;

	fn();
}

static void bad_opcode(void)
{
	__asm__ volatile("ud2");
}

static const struct iso_case cases[] = {
	{ "kernel_read", 11, kernel_read },
	{ "kernel_write", 11, kernel_write },
	{ "text_write", 11, text_write },
	{ "priv_cli", 11, priv_cli },
	{ "priv_hlt", 11, priv_hlt },
	{ "priv_cr3", 11, priv_cr3 },
	{ "div_zero", 8, div_zero },
	{ "jump_unmapped", 11, jump_unmapped },
	{ "null_read", 11, null_read },
	{ "noncanonical", 11, noncanonical },
	{ "exec_stack", 11, exec_stack },
	{ "bad_opcode", 4, bad_opcode },
};
#define NCASES (sizeof(cases) / sizeof(cases[0]))

int main(int argc, char **argv)
{
	char id[64];

	if (argc > 2 && !strcmp(argv[1], "case")) {
		for (unsigned i = 0; i < NCASES; i++)
			if (!strcmp(cases[i].name, argv[2]))
				cases[i].fn();
		return 0;			/* survived: the parent fails it */
	}
	for (unsigned i = 0; i < NCASES; i++) {
		const char *cargv[] = { "isolation", "case", cases[i].name,
					NULL };
		long pid = guest_spawn(cargv);
		int status = 0;

		snprintf(id, sizeof(id), "isolation.%s", cases[i].name);
		if (pid < 0) {
			FAIL(id, "spawn failed (%ld)", pid);
			continue;
		}
		if (waitpid((pid_t)pid, &status, 0) != pid)
			FAIL(id, "waitpid failed");
		else if (!WIFSIGNALED(status))
			FAIL(id, "not killed (status %#x)", status);
		else if (WTERMSIG(status) != cases[i].signal)
			FAIL(id, "killed by signal %d, expected %d",
			     WTERMSIG(status), cases[i].signal);
		else
			PASS(id);
	}
	return guest_failures ? 1 : 0;
}
