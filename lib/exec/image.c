/*
 * image.c - module lookup, ELF checks, argument splitting and the initial
 * stack, shared by every pager server (exec/image.h).
 */
#include <errno.h>
#include <string.h>
#include <exec/image.h>

#define PAGE		4096ull

const struct boot_module *exec_module_find(const struct bootinfo *boot,
					   const char *name)
{
	size_t k = strlen(name);

	for (unsigned i = 0; i < boot->nmodules && i < BOOT_MAX_MODULES; i++) {
		const char *n = boot->modules[i].name;

		if (!strncmp(n, name, k) && (n[k] == 0 || n[k] == ' '))
			return &boot->modules[i];
	}
	return NULL;
}

size_t exec_module_args(const struct bootinfo *boot, const char *name,
			char *buf, size_t len)
{
	const struct boot_module *mod = exec_module_find(boot, name);
	const char *src;
	size_t n = 0;

	if (!mod || len < 3)
		return 0;
	for (src = mod->name; *src && n + 2 < len; src++) {
		if (*src != ' ')
			buf[n++] = *src;
		else if (n && buf[n - 1])
			buf[n++] = 0;
	}
	if (n && buf[n - 1])
		buf[n++] = 0;
	buf[n++] = 0;
	return n;
}

int exec_elf_check(const uint8_t *img, uint64_t size, uint64_t va_min,
		   uint64_t va_max)
{
	const struct elf_ehdr *eh = (const void *)img;

	if (size < sizeof(*eh) || memcmp(img, "\x7f" "ELF", 4) ||
	    img[4] != 2 || eh->machine != 62 || eh->type != 2 ||
	    eh->phentsize != sizeof(struct elf_phdr) || eh->phnum == 0 ||
	    eh->phoff > size ||
	    eh->phnum > (size - eh->phoff) / sizeof(struct elf_phdr))
		return -ENOEXEC;
	for (unsigned i = 0; i < eh->phnum; i++) {
		const struct elf_phdr *ph = exec_phdr(img, i);

		if (ph->type != PT_LOAD)
			continue;
		if (ph->filesz > ph->memsz || ph->offset > size ||
		    ph->filesz > size - ph->offset || ph->vaddr < va_min ||
		    ph->memsz > va_max || ph->vaddr > va_max - ph->memsz ||
		    (ph->vaddr - ph->offset) % PAGE)
			return -ENOEXEC;
	}
	return 0;
}

/* Strings up to an empty one: how many, or -E2BIG if unterminated. */
static int split_strings(const char *s, size_t len, const char **v,
			 size_t *used)
{
	size_t off = 0;
	int n = 0;

	while (off < len && s[off]) {
		size_t l = strnlen(s + off, len - off);

		if (off + l >= len || n == EXEC_MAX_ARGS)
			return -E2BIG;
		v[n++] = s + off;
		off += l + 1;
	}
	*used = off + 1;
	return off < len ? n : -E2BIG;
}

int exec_args_split(const char *buf, size_t len, struct exec_args *a)
{
	size_t used = 0, used2 = 0;

	a->argc = split_strings(buf, len, a->argv, &used);
	if (a->argc <= 0)
		return a->argc < 0 ? a->argc : -EINVAL;
	a->envc = used < len ? split_strings(buf + used, len - used, a->envp,
					     &used2) : 0;
	return a->envc < 0 ? a->envc : 0;
}

int exec_stack_image(const struct exec_args *a, uint64_t top,
		     uint8_t buf[EXEC_STACK_ARGS], uint64_t *sp_out)
{
	uint64_t base = top - EXEC_STACK_ARGS, str = top, sp;
	uint64_t ptrs[2 * EXEC_MAX_ARGS + 3];
	int n = 0;

	memset(buf, 0, EXEC_STACK_ARGS);
	ptrs[n++] = (uint64_t)a->argc;
	for (int pass = 0; pass < 2; pass++) {
		const char *const *v = pass ? a->envp : a->argv;
		int cnt = pass ? a->envc : a->argc;

		for (int i = 0; i < cnt; i++) {
			size_t l = strlen(v[i]) + 1;

			if (str - base < l + 64)
				return -E2BIG;
			str -= l;
			memcpy(buf + (str - base), v[i], l);
			ptrs[n++] = str;
		}
		ptrs[n++] = 0;
	}
	sp = (str - (uint64_t)n * 8) & ~0xfull;
	if (sp < base + 64)
		return -E2BIG;
	memcpy(buf + (sp - base), ptrs, (size_t)n * 8);
	*sp_out = sp;
	return 0;
}
