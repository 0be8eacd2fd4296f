/*
 * exec.c - building a new program's address space from a boot module.
 *
 * The ELF file is checked whole before anything is created: header,
 * program headers inside the file, every PT_LOAD segment inside the user
 * half and inside the file.  Each PT_LOAD becomes one VMA backed by the
 * module's bytes (demand-paged by pagefault.c); the heap starts after the
 * highest segment; the stack is a VMA of MM_STACK_MAX bytes below the
 * context's (randomised) stack top, with a guard gap beneath, and its top page is filled now
 * with argc, argv and envp in the SysV layout.
 */
#include <string.h>
#include "mm.h"

struct elf_ehdr {
	uint8_t ident[16];
	uint16_t type, machine;
	uint32_t version;
	uint64_t entry, phoff, shoff;
	uint32_t flags;
	uint16_t ehsize, phentsize, phnum, shentsize, shnum, shstrndx;
};

struct elf_phdr {
	uint32_t type, flags;
	uint64_t offset, vaddr, paddr, filesz, memsz, align;
};

#define PT_LOAD		1
#define PF_X		1
#define PF_W		2
#define PF_R		4
#define MAX_ARGS	64
#define STACK_ARGS_MAX	(3 * PAGE_SIZE)

static const struct boot_module *module_find(const char *name)
{
	for (unsigned i = 0; i < mm_boot.nmodules; i++) {
		const char *n = mm_boot.modules[i].name;
		size_t k = strlen(name);

		if (!strncmp(n, name, k) && (n[k] == 0 || n[k] == ' '))
			return &mm_boot.modules[i];
	}
	return NULL;
}

static int elf_check(const uint8_t *img, uint64_t size)
{
	const struct elf_ehdr *eh = (const void *)img;

	if (size < sizeof(*eh) || memcmp(img, "\x7f" "ELF", 4) ||
	    img[4] != 2 || eh->machine != 62 || eh->type != 2 ||
	    eh->phentsize != sizeof(struct elf_phdr) || eh->phnum == 0 ||
	    eh->phoff > size ||
	    eh->phnum > (size - eh->phoff) / sizeof(struct elf_phdr))
		return -ENOEXEC;
	for (unsigned i = 0; i < eh->phnum; i++) {
		const struct elf_phdr *ph = (const void *)(img + eh->phoff +
					    i * sizeof(*ph));
		if (ph->type != PT_LOAD)
			continue;
		if (ph->filesz > ph->memsz || ph->offset > size ||
		    ph->filesz > size - ph->offset || ph->vaddr < MM_MMAP_MIN ||
		    ph->memsz > MM_MMAP_TOP || ph->vaddr > MM_MMAP_TOP -
		    ph->memsz || (ph->vaddr - ph->offset) % PAGE_SIZE)
			return -ENOEXEC;
	}
	return 0;
}

static unsigned long seg_flags(uint32_t pf)
{
	unsigned long f = VMA_MAYREAD | VMA_MAYWRITE | VMA_MAYEXEC;

	if (pf & PF_R)
		f |= VMA_READ;
	if (pf & PF_W)
		f |= VMA_WRITE;
	if (pf & PF_X)
		f |= VMA_EXEC;
	return f;
}

static int load_segments(struct mm_ctx *c, const struct boot_module *mod,
			 vaddr_t *entry)
{
	const uint8_t *img = (const void *)(mm_physmap_base + mod->paddr);
	const struct elf_ehdr *eh = (const void *)img;
	vaddr_t top = 0;
	int err = elf_check(img, mod->size);

	if (err)
		return err;
	for (unsigned i = 0; i < eh->phnum; i++) {
		const struct elf_phdr *ph = (const void *)(img + eh->phoff +
					    i * sizeof(*ph));
		vaddr_t s = ph->vaddr & PAGE_MASK;
		vaddr_t e = MM_ALIGN_UP(ph->vaddr + ph->memsz, PAGE_SIZE);
		struct mm_object *o;

		if (ph->type != PT_LOAD || ph->memsz == 0)
			continue;
		o = obj_module_new(img + ph->offset, ph->filesz, ph->vaddr);
		if (!o)
			return -ENOMEM;
		if (!ctx_vma_new(c, s, e, seg_flags(ph->flags), o)) {
			obj_get(o);
			obj_put(o);		/* no VMA took it */
			return -ENOEXEC;
		}
		top = MM_MAX(top, e);
	}
	c->brk_start = c->brk = top;
	*entry = eh->entry;
	return 0;
}

/* Count NUL-terminated strings up to an empty one; -E2BIG if unterminated. */
static int split_strings(const char *s, size_t len, const char **v,
			 int max, size_t *used)
{
	size_t off = 0;
	int n = 0;

	while (off < len && s[off]) {
		size_t l = strnlen(s + off, len - off);

		if (off + l >= len || n == max)
			return -E2BIG;
		v[n++] = s + off;
		off += l + 1;
	}
	*used = off + 1;
	return off < len ? n : -E2BIG;
}

/* Write the initial stack into fresh frames at the top of the stack VMA. */
static int build_stack(struct mm_ctx *c, const char *const *argv, int argc,
		       const char *const *envp, int envc, vaddr_t *sp_out)
{
	static uint8_t buf[STACK_ARGS_MAX];
	vaddr_t top = c->stack_top, base = top - STACK_ARGS_MAX, str = top;
	uint64_t ptrs[2 * MAX_ARGS + 3];
	int n = 0;

	memset(buf, 0, sizeof(buf));
	ptrs[n++] = (uint64_t)argc;
	for (int pass = 0; pass < 2; pass++) {
		const char *const *v = pass ? envp : argv;
		int cnt = pass ? envc : argc;

		for (int i = 0; i < cnt; i++) {
			size_t l = strlen(v[i]) + 1;

			str -= l;
			memcpy(buf + (str - base), v[i], l);
			ptrs[n++] = str;
		}
		ptrs[n++] = 0;
	}
	vaddr_t sp = (str - n * 8) & ~0xfull;

	if (sp < base + 64)
		return -E2BIG;
	memcpy(buf + (sp - base), ptrs, n * 8);
	for (vaddr_t va = base; va < top; va += PAGE_SIZE) {
		struct page *p = frame_alloc();
		uint64_t *e = pagemap_slot(&c->pm, va, true);

		if (!p || !e) {
			if (p)
				frame_put(p);
			return -ENOMEM;
		}
		memcpy(page_address(p), buf + (va - base), PAGE_SIZE);
		if (anon_install(c, va, e, p, 0))
			return -ENOMEM;
	}
	*sp_out = sp;
	return 0;
}

/*
 * Load "prog\0arg1\0...\0\0env1\0...\0\0" into the empty context c.
 * On failure the caller destroys c, which frees whatever was made.
 */
int exec_load(struct mm_ctx *c, const char *args, size_t len,
	      vaddr_t *entry, vaddr_t *sp)
{
	const char *argv[MAX_ARGS], *envp[MAX_ARGS];
	const struct boot_module *mod;
	size_t used = 0, used2 = 0;
	int argc, envc, err;

	argc = split_strings(args, len, argv, MAX_ARGS, &used);
	if (argc <= 0)
		return argc < 0 ? argc : -EINVAL;
	envc = used < len ? split_strings(args + used, len - used, envp,
					  MAX_ARGS, &used2) : 0;
	if (envc < 0)
		return envc;
	mod = module_find(argv[0]);
	if (!mod)
		return -ENOENT;
	err = load_segments(c, mod, entry);
	if (err)
		return err;
	if (!ctx_vma_new(c, c->stack_top - MM_STACK_MAX, c->stack_top,
			 VMA_READ | VMA_WRITE | VMA_MAYREAD | VMA_MAYWRITE |
			 VMA_GROWSDOWN, NULL))
		return -ENOMEM;
	return build_stack(c, argv, argc, envp, envc, sp);
}
