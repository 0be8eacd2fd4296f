/*
 * exec.c - a program's address space from a boot module, built whole.
 *
 * The module's bytes are at BOOT_PHYSMAP_BASE + paddr in our own space
 * (the kernel's physmap as the first pager; mm's read-only copy side by
 * side).  The ELF file is checked whole first: header, program headers
 * inside the file, every PT_LOAD inside the user range and the file, and
 * no two segments sharing a page.  Each segment becomes a region whose
 * frames are allocated and filled now; the heap starts after the highest
 * segment; the stack is a grows-down region of STACK_MAX whose top
 * STACK_EAGER bytes are populated now, the top page holding argc, argv and
 * envp in the SysV layout.
 */
#include <string.h>
#include "eager.h"

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
	size_t k = strlen(name);

	for (unsigned i = 0; i < ep_boot.nmodules && i < BOOT_MAX_MODULES;
	     i++) {
		const char *n = ep_boot.modules[i].name;

		if (!strncmp(n, name, k) && (n[k] == 0 || n[k] == ' '))
			return &ep_boot.modules[i];
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
		    ph->filesz > size - ph->offset || ph->vaddr < MMAP_MIN ||
		    ph->memsz > MMAP_TOP || ph->vaddr > MMAP_TOP - ph->memsz ||
		    (ph->vaddr - ph->offset) % PAGE_SIZE)
			return -ENOEXEC;
	}
	return 0;
}

static unsigned seg_prot(uint32_t pf)
{
	return (pf & PF_R ? PROT_READ : 0) | (pf & PF_W ? PROT_WRITE : 0) |
	       (pf & PF_X ? PROT_EXEC : 0);
}

/* Copy the file bytes of ph into the segment's (zeroed) frames. */
static void seg_fill(struct ctx *c, const uint8_t *img,
		     const struct elf_phdr *ph)
{
	for (uint64_t off = 0; off < ph->filesz;) {
		vaddr_t va = ph->vaddr + off;
		uint64_t in_page = PAGE_SIZE - (va & (PAGE_SIZE - 1));
		uint64_t n = ph->filesz - off < in_page ? ph->filesz - off :
			     in_page;
		uint64_t *e = pmap_slot(c, va & PAGE_MASK, false);

		memcpy((uint8_t *)frame_va(*e >> PAGE_SHIFT) +
		       (va & (PAGE_SIZE - 1)), img + ph->offset + off, n);
		off += n;
	}
}

static int load_segments(struct ctx *c, const struct boot_module *mod,
			 vaddr_t *entry)
{
	const uint8_t *img = (const void *)(BOOT_PHYSMAP_BASE + mod->paddr);
	const struct elf_ehdr *eh = (const void *)img;
	vaddr_t top = 0;
	int err = elf_check(img, mod->size);

	for (unsigned i = 0; !err && i < eh->phnum; i++) {
		const struct elf_phdr *ph = (const void *)(img + eh->phoff +
					    i * sizeof(*ph));
		vaddr_t s = ph->vaddr & PAGE_MASK;
		vaddr_t e = ALIGN_UP(ph->vaddr + ph->memsz);

		if (ph->type != PT_LOAD || ph->memsz == 0)
			continue;
		if (region_add(c, s, e, seg_prot(ph->flags), 0))
			return -ENOEXEC;	/* overlapping segments */
		/* Fill first, map with the segment's protection after. */
		err = range_populate(c, s, e, 0);
		if (!err) {
			seg_fill(c, img, ph);
			err = kmap_range(c, s, e, seg_prot(ph->flags));
		}
		if (e > top)
			top = e;
	}
	if (err)
		return err;
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

/* The initial stack image, written into the populated top pages. */
static int build_stack(struct ctx *c, const char *const *argv, int argc,
		       const char *const *envp, int envc, vaddr_t *sp_out)
{
	static uint8_t buf[STACK_ARGS_MAX];
	vaddr_t top = STACK_TOP, base = top - STACK_ARGS_MAX, str = top, sp;
	uint64_t ptrs[2 * MAX_ARGS + 3];
	int n = 0;

	memset(buf, 0, sizeof(buf));
	ptrs[n++] = (uint64_t)argc;
	for (int pass = 0; pass < 2; pass++) {
		const char *const *v = pass ? envp : argv;
		int cnt = pass ? envc : argc;

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
	sp = (str - n * 8) & ~0xfull;
	if (sp < base + 64)
		return -E2BIG;
	memcpy(buf + (sp - base), ptrs, n * 8);
	for (vaddr_t va = base; va < top; va += PAGE_SIZE) {
		uint64_t *e = pmap_slot(c, va, false);

		memcpy(frame_va(*e >> PAGE_SHIFT), buf + (va - base), PAGE_SIZE);
	}
	*sp_out = sp;
	return 0;
}

/*
 * Load "prog\0arg1\0...\0\0env1\0...\0\0" into the empty context c.
 * On failure the caller destroys c, which frees whatever was made.
 */
int exec_load(struct ctx *c, const char *args, size_t len, vaddr_t *entry,
	      vaddr_t *sp)
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
	if (!err)
		err = region_add(c, STACK_TOP - STACK_MAX, STACK_TOP,
				 PROT_READ | PROT_WRITE, REG_STACK);
	if (!err)
		err = range_populate(c, STACK_TOP - STACK_EAGER, STACK_TOP,
				     PROT_READ | PROT_WRITE);
	if (err)
		return err;
	c->stack_low = STACK_TOP - STACK_EAGER;
	for (size_t i = 0; argv[0][i] && i < sizeof(c->name) - 1; i++)
		c->name[i] = argv[0][i];
	return build_stack(c, argv, argc, envp, envc, sp);
}
