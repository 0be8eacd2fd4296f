/*
 * exec.c - building a new program's address space from a boot module.
 *
 * The ELF file is checked whole before anything is created
 * (exec_elf_check, lib/exec: header, program headers inside the file,
 * every PT_LOAD inside the user half and the file).  Each PT_LOAD becomes
 * one VMA backed by the module's bytes (demand-paged by pagefault.c); the
 * heap starts after the highest segment; the stack is a VMA of
 * MM_STACK_MAX bytes below the context's (randomised) stack top, with a
 * guard gap beneath, and its top pages are filled now with argc, argv and
 * envp in the SysV layout (exec_stack_image).
 */
#include <string.h>
#include <exec/image.h>
#include "mm.h"

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

/*
 * A program on the file system: each PT_LOAD maps the file's pages from
 * the page cache, privately (text shared by every instance until written,
 * which it never is; data copied on first write), and the part past the
 * file data (the bss) is anonymous memory.  The page where the file data
 * ends is copied now with its tail zeroed, since the file has other bytes
 * there.
 */
static int load_file(struct mm_ctx *c, const char *path, vaddr_t *entry)
{
	uint64_t size;
	uint32_t mode;
	int err;
	struct mm_object *o = file_obj_open(path, &size, &mode, &err);
	const struct elf_ehdr *eh;
	struct page *hdr;
	const uint8_t *img;
	vaddr_t top = 0;

	if (!o)
		return err;
	obj_get(o);			/* ours while we build */
	err = (mode & 0170000) != 0100000 ? -EACCES :
	      !(mode & 0111) ? -EACCES : 0;
	hdr = err ? NULL : file_page(o, 0, &err);
	img = hdr ? page_address(hdr) : NULL;
	eh = (const void *)img;
	if (img && (eh->phoff > PAGE_SIZE || eh->phnum > (PAGE_SIZE -
		    eh->phoff) / sizeof(struct elf_phdr)))
		err = -ENOEXEC;		/* headers beyond the first page */
	if (!err)
		err = exec_elf_check(img, size, MM_MMAP_MIN, MM_MMAP_TOP);
	for (unsigned i = 0; !err && i < eh->phnum; i++) {
		const struct elf_phdr *ph = exec_phdr(img, i);
		vaddr_t s = ph->vaddr & PAGE_MASK;
		vaddr_t fe = MM_ALIGN_UP(ph->vaddr + ph->filesz, PAGE_SIZE);
		vaddr_t e = MM_ALIGN_UP(ph->vaddr + ph->memsz, PAGE_SIZE);
		vaddr_t tail = ph->vaddr + ph->filesz;
		struct vma *v;

		if (ph->type != PT_LOAD || ph->memsz == 0)
			continue;
		top = MM_MAX(top, e);
		if (fe > s) {
			v = ctx_vma_new(c, s, fe, seg_flags(ph->flags), o);
			if (!v) {
				err = -ENOEXEC;
				break;
			}
			v->pgoff = (ph->offset & PAGE_MASK) >> PAGE_SHIFT;
		}
		if (e > fe && !ctx_vma_new(c, fe, e, seg_flags(ph->flags),
					   NULL)) {
			err = -ENOEXEC;
			break;
		}
		if (ph->memsz > ph->filesz && (tail & (PAGE_SIZE - 1))) {
			/* a private copy of the last file page, tail zeroed */
			struct page *src = file_page(o, (ph->offset +
					ph->filesz) >> PAGE_SHIFT, &err);
			struct page *p = src ? frame_alloc() : NULL;
			uint64_t *pe = pagemap_slot(&c->pm, tail & PAGE_MASK,
						    true);

			if (!p || !pe) {
				if (p)
					frame_put(p);
				err = err ? err : -ENOMEM;
				break;
			}
			memcpy(page_address(p), page_address(src),
			       tail & (PAGE_SIZE - 1));
			memset((uint8_t *)page_address(p) +
			       (tail & (PAGE_SIZE - 1)), 0,
			       PAGE_SIZE - (tail & (PAGE_SIZE - 1)));
			err = anon_install(c, tail & PAGE_MASK, pe, p, 0);
		}
	}
	if (!err) {
		c->brk_start = c->brk = top;
		*entry = eh->entry;
	}
	obj_put(o);			/* the VMAs hold it now, or nobody */
	return err;
}

static int load_segments(struct mm_ctx *c, const struct boot_module *mod,
			 vaddr_t *entry)
{
	const uint8_t *img = (const void *)(mm_physmap_base + mod->paddr);
	const struct elf_ehdr *eh = (const void *)img;
	vaddr_t top = 0;
	int err = exec_elf_check(img, mod->size, MM_MMAP_MIN, MM_MMAP_TOP);

	if (err)
		return err;
	for (unsigned i = 0; i < eh->phnum; i++) {
		const struct elf_phdr *ph = exec_phdr(img, i);
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

/* Copy the initial stack into fresh frames at the top of the stack VMA. */
static int build_stack(struct mm_ctx *c, const struct exec_args *a,
		       vaddr_t *sp)
{
	static uint8_t buf[EXEC_STACK_ARGS];
	vaddr_t top = c->stack_top, base = top - EXEC_STACK_ARGS;
	int err = exec_stack_image(a, top, buf, sp);

	if (err)
		return err;
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
	return 0;
}

/*
 * Load "prog\0arg1\0...\0\0env1\0...\0\0" into the empty context c.
 * On failure the caller destroys c, which frees whatever was made.
 */
int exec_load(struct mm_ctx *c, const char *args, size_t len,
	      vaddr_t *entry, vaddr_t *sp)
{
	static char copy[IPC_BUF_MAX];	/* file I/O may reuse the buffer */
	static struct exec_args a;
	const struct boot_module *mod;
	int err;

	if (len > sizeof(copy))
		return -E2BIG;
	memcpy(copy, args, len);
	err = exec_args_split(copy, len, &a);
	if (err)
		return err;
	if (a.argv[0][0] == '/') {	/* a path: from the file system */
		err = load_file(c, a.argv[0], entry);
	} else {
		mod = exec_module_find(&mm_boot, a.argv[0]);
		err = mod ? load_segments(c, mod, entry) : -ENOENT;
	}
	if (err)
		return err;
	if (!ctx_vma_new(c, c->stack_top - MM_STACK_MAX, c->stack_top,
			 VMA_READ | VMA_WRITE | VMA_MAYREAD | VMA_MAYWRITE |
			 VMA_GROWSDOWN, NULL))
		return -ENOMEM;
	return build_stack(c, &a, sp);
}
