/*
 * exec.c - a program's address space from a boot module, built whole.
 *
 * The module's bytes are at BOOT_PHYSMAP_BASE + paddr in our own space
 * (the kernel's physmap as the first pager; mm's read-only copy side by
 * side).  The ELF file is checked whole first (exec_elf_check, lib/exec:
 * header, program headers inside the file, every PT_LOAD inside the user
 * range and the file); two segments sharing a page are refused as they
 * are added.  Each segment becomes a region whose
 * frames are allocated and filled now; the heap starts after the highest
 * segment; the stack is a grows-down region of STACK_MAX whose top
 * STACK_EAGER bytes are populated now, the top page holding argc, argv and
 * envp in the SysV layout.
 */
#include <string.h>
#include <exec/image.h>
#include "eager.h"

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
	int err = exec_elf_check(img, mod->size, MMAP_MIN, MMAP_TOP);

	for (unsigned i = 0; !err && i < eh->phnum; i++) {
		const struct elf_phdr *ph = exec_phdr(img, i);
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

/* Copy the initial stack into the populated top pages of the stack. */
static int build_stack(struct ctx *c, const struct exec_args *a,
		       vaddr_t *sp)
{
	static uint8_t buf[EXEC_STACK_ARGS];
	vaddr_t top = STACK_TOP, base = top - EXEC_STACK_ARGS;
	int err = exec_stack_image(a, top, buf, sp);

	if (err)
		return err;
	for (vaddr_t va = base; va < top; va += PAGE_SIZE) {
		uint64_t *e = pmap_slot(c, va, false);

		memcpy(frame_va(*e >> PAGE_SHIFT), buf + (va - base), PAGE_SIZE);
	}
	return 0;
}

/*
 * Load "prog\0arg1\0...\0\0env1\0...\0\0" into the empty context c.
 * On failure the caller destroys c, which frees whatever was made.
 */
int exec_load(struct ctx *c, const char *args, size_t len, vaddr_t *entry,
	      vaddr_t *sp)
{
	static struct exec_args a;
	const struct boot_module *mod;
	int err = exec_args_split(args, len, &a);

	if (err)
		return err;
	mod = exec_module_find(&ep_boot, a.argv[0]);
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
	for (size_t i = 0; a.argv[0][i] && i < sizeof(c->name) - 1; i++)
		c->name[i] = a.argv[0][i];
	return build_stack(c, &a, sp);
}
