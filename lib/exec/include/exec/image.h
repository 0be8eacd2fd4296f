/*
 * exec/image.h - what every pager needs to start a program from a boot
 * module, whatever its policy: find the module, check its ELF headers,
 * split the "prog\0args...\0\0env...\0\0" buffer of MM_SPAWN, and lay out
 * the initial stack (argc, argv, envp in the SysV x86-64 layout).
 *
 * Nothing here allocates or maps: a pager decides how segments and the
 * stack become memory (servers/mm demand-pages them, servers/eagerpager
 * fills them at once) and copies the stack image this builds.
 */
#ifndef EXEC_IMAGE_H
#define EXEC_IMAGE_H

#include <stddef.h>
#include <stdint.h>
#include <ipc/bootinfo.h>
#include <exec/elf.h>

#define PF_X		1
#define PF_W		2
#define PF_R		4

#define EXEC_MAX_ARGS	64		/* argv and envp strings, each */
#define EXEC_STACK_ARGS	(3 * 4096)	/* the stack image: top 3 pages */

/* The boot module whose name (first word of its command line) is name. */
const struct boot_module *exec_module_find(const struct bootinfo *boot,
					   const char *name);

/*
 * The command line of the module named name as an MM_SPAWN argument
 * buffer ("name\0arg\0...\0\0"; no environment) in buf: its length, or
 * 0 if there is no such module.  How a pager starts init.
 */
size_t exec_module_args(const struct bootinfo *boot, const char *name,
			char *buf, size_t len);

/*
 * Check an ELF image of size bytes whole: an x86-64 executable, program
 * headers inside the file, every PT_LOAD inside the file and inside
 * [va_min, va_max), file and memory offsets congruent modulo the page.
 * 0 or -ENOEXEC.  After it, exec_phdr() is safe for every index.
 */
int exec_elf_check(const uint8_t *img, uint64_t size, uint64_t va_min,
		   uint64_t va_max);

static inline const struct elf_phdr *exec_phdr(const uint8_t *img,
					       unsigned i)
{
	const struct elf_ehdr *eh = (const void *)img;

	return (const void *)(img + eh->phoff + i * sizeof(struct elf_phdr));
}

struct exec_args {
	const char *argv[EXEC_MAX_ARGS], *envp[EXEC_MAX_ARGS];
	int argc, envc;
};

/*
 * Split "prog\0arg1\0...\0\0env1\0...\0\0" (len bytes; the environment
 * part may be missing) into a.  0; -EINVAL without a program name;
 * -E2BIG for an unterminated list or more than EXEC_MAX_ARGS strings.
 * The strings stay in buf.
 */
int exec_args_split(const char *buf, size_t len, struct exec_args *a);

/*
 * Build the initial stack for a stack ending at top: buf receives the
 * EXEC_STACK_ARGS bytes that belong at [top - EXEC_STACK_ARGS, top), and
 * *sp the 16-byte aligned stack pointer (pointing at argc).  0, or -E2BIG
 * if the strings do not fit.
 */
int exec_stack_image(const struct exec_args *a, uint64_t top,
		     uint8_t buf[EXEC_STACK_ARGS], uint64_t *sp);

#endif
