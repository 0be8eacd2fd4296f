/*
 * boot.c - from the multiboot hand-off to the first pager running.
 *
 * 1. Copy what we need out of the multiboot information (memory map,
 *    modules, command line) while the boot page tables still map it.
 * 2. A bump allocator takes pages for the kernel's reservation: its page
 *    tables, the frame-ownership table and the object pools.  These come
 *    from below 1 GiB, which the boot tables already map.
 * 3. Load the first pager (module `pager=NAME`, default "mm") eagerly: its
 *    segments, stack and page tables from the same allocator, now in the
 *    pager's phase, so they are counted as the pager's own image.
 * 4. Every other page of RAM, boot modules included, is given to the
 *    first pager and mapped into its address space at BOOT_PHYSMAP_BASE.
 *
 * Memory never given to anyone: the first MiB (firmware areas) and the
 * kernel image; both are reported to mm as BOOT_RANGE_KERNEL.
 */
#include <ipc/bootinfo.h>
#include <exec/elf.h>
#include "kernel.h"

struct mb_info {
	uint32_t flags, mem_lower, mem_upper, boot_device, cmdline;
	uint32_t mods_count, mods_addr, syms[4], mmap_length, mmap_addr;
} __attribute__((packed));

struct mb_mod {
	uint32_t start, end, string, reserved;
} __attribute__((packed));

struct mb_mmap {
	uint32_t size;
	uint64_t addr, len;
	uint32_t type;
} __attribute__((packed));

#define MB_BOOT_MAGIC	0x2badb002
#define MAX_RAM		64
#define MAX_USED	64
#define LOW_LIMIT	(1ull << 30)	/* boot tables map this much */
#define MM_STACK_TOP	0x0000700000000000ull
#define MM_STACK_PAGES	32
#define MM_PRIO		20

enum phase { PHASE_KERNEL, PHASE_MM };

struct used {
	paddr_t start, end;
	enum phase phase;
};

struct bootinfo boot_info;
static struct boot_range ram[MAX_RAM];	/* usable RAM, in pages */
static unsigned nram;
static struct used used[MAX_USED];	/* allocated or reserved ranges */
static unsigned nused;
static enum phase phase;
static paddr_t max_paddr;
static struct task *mm_task;

extern char __kernel_end[];

static void used_add(paddr_t start, paddr_t end, enum phase ph)
{
	if (nused && used[nused - 1].end == start &&
	    used[nused - 1].phase == ph) {
		used[nused - 1].end = end;
		return;
	}
	if (nused == MAX_USED)
		panic("boot: too many reserved ranges");
	used[nused++] = (struct used){ start, end, ph };
}

static bool is_used(paddr_t pa, enum phase *ph)
{
	for (unsigned i = 0; i < nused; i++)
		if (pa >= used[i].start && pa < used[i].end) {
			if (ph)
				*ph = used[i].phase;
			return true;
		}
	return false;
}

/* One page, zeroed, below `limit`; the search restarts after the last. */
static paddr_t boot_page(paddr_t limit)
{
	static paddr_t next = 1ull << 20;

	for (unsigned i = 0; i < nram; i++) {
		paddr_t s = ram[i].start_pfn << PAGE_SHIFT;
		paddr_t e = (ram[i].start_pfn + ram[i].npages) << PAGE_SHIFT;

		if (next > s)
			s = next;
		for (paddr_t pa = s; pa < e && pa + PAGE_SIZE <= limit;
		     pa += PAGE_SIZE) {
			if (is_used(pa, NULL))
				continue;
			used_add(pa, pa + PAGE_SIZE, phase);
			next = pa + PAGE_SIZE;
			__builtin_memset(phys_to_virt(pa), 0, PAGE_SIZE);
			return pa;
		}
	}
	panic("boot: out of memory for the kernel's reservation");
}

/* n contiguous pages for a table (object pools, frame owners). */
static paddr_t boot_pages(size_t n)
{
	paddr_t first = boot_page(LOW_LIMIT), prev = first;

	for (size_t i = 1; i < n; i++) {
		paddr_t pa = boot_page(LOW_LIMIT);

		if (pa != prev + PAGE_SIZE) {	/* a hole: start again */
			first = pa;
			i = 0;
		}
		prev = pa;
	}
	return first;
}

static bool boot_pt_alloc(void *ctx, paddr_t *out)
{
	(void)ctx;
	*out = boot_page(phase == PHASE_KERNEL ? LOW_LIMIT : ~0ull);
	return true;
}

static bool range_is_ram(paddr_t s, paddr_t e)
{
	for (unsigned i = 0; i < nram; i++)
		if (s < (ram[i].start_pfn + ram[i].npages) << PAGE_SHIFT &&
		    e > ram[i].start_pfn << PAGE_SHIFT)
			return true;
	return false;
}

static void copy_str(char *dst, const char *src, size_t max)
{
	size_t i = 0;

	for (; src && src[i] && i + 1 < max; i++)
		dst[i] = src[i];
	dst[i] = 0;
}

static const char *basename(const char *s)
{
	const char *b = s;

	for (; *s && *s != ' '; s++)
		if (*s == '/')
			b = s + 1;
	return b;
}

static void parse_multiboot(uint32_t magic, paddr_t mbi_pa)
{
	const struct mb_info *mbi = phys_to_virt(mbi_pa);

	if (magic != MB_BOOT_MAGIC)
		panic("boot: not started by a multiboot loader (%#x)", magic);
	if (!(mbi->flags & (1u << 6)))
		panic("boot: no memory map from the loader");
	for (uint32_t off = 0; off < mbi->mmap_length;) {
		const struct mb_mmap *m = phys_to_virt(mbi->mmap_addr + off);
		pfn_t s = (m->addr + PAGE_SIZE - 1) >> PAGE_SHIFT;
		pfn_t e = (m->addr + m->len) >> PAGE_SHIFT;

		off += m->size + 4;
		if (m->type != 1 || e <= s || nram == MAX_RAM)
			continue;
		if (s < 256)
			s = 256;		/* keep the first MiB out */
		if (e <= s)
			continue;
		ram[nram++] = (struct boot_range){ s, e - s };
		if (e << PAGE_SHIFT > max_paddr)
			max_paddr = e << PAGE_SHIFT;
	}
	if (mbi->flags & (1u << 2))
		copy_str(boot_info.cmdline, phys_to_virt(mbi->cmdline),
			 BOOT_CMDLINE_MAX);
	for (uint32_t i = 0; (mbi->flags & (1u << 3)) && i < mbi->mods_count &&
	     i < BOOT_MAX_MODULES; i++) {
		const struct mb_mod *m = phys_to_virt(mbi->mods_addr +
						      i * sizeof(*m));
		struct boot_module *bm = &boot_info.modules[i];

		bm->paddr = m->start;
		bm->size = m->end - m->start;
		copy_str(bm->name, m->string ?
			 basename(phys_to_virt(m->string)) : "",
			 BOOT_MODNAME_MAX);
		used_add(m->start & ~(paddr_t)(PAGE_SIZE - 1),
			 (m->end + PAGE_SIZE - 1) & ~(paddr_t)(PAGE_SIZE - 1),
			 PHASE_MM);
		boot_info.nmodules++;
	}
}

static bool cmdline_has(const char *word, char *value, size_t vlen)
{
	const char *s = boot_info.cmdline;
	size_t wl = 0;

	while (word[wl])
		wl++;
	while (*s) {
		while (*s == ' ')
			s++;
		size_t i = 0;

		while (i < wl && s[i] == word[i])
			i++;
		if (i == wl && (s[i] == ' ' || s[i] == 0 || s[i] == '=')) {
			if (value) {
				size_t n = 0;

				if (s[i] == '=')
					for (i++; s[i] && s[i] != ' ' &&
					     n + 1 < vlen; i++)
						value[n++] = s[i];
				value[n] = 0;
			}
			return true;
		}
		while (*s && *s != ' ')
			s++;
	}
	return false;
}

void boot_init(uint32_t magic, paddr_t mbi)
{
	pfn_t max_pfn;

	parse_multiboot(magic, mbi);
	/* The debug-only system calls need both the build (meson option
	 * kernel_debug) and "debug" on the command line. */
	kernel_debug = KERNEL_DEBUG && cmdline_has("debug", NULL, 0);
	used_add(1ull << 20, kimg_to_phys(__kernel_end), PHASE_KERNEL);
	arch_mmu_init(max_paddr, range_is_ram, boot_pt_alloc, NULL);
	max_pfn = max_paddr >> PAGE_SHIFT;
	frame_init(max_pfn, phys_to_virt(boot_pages(
		(max_pfn * sizeof(uint16_t) + PAGE_SIZE - 1) / PAGE_SIZE)));
	kmem_init(boot_pages);
	boot_info.max_pfn = max_pfn;
	boot_info.tsc_hz = 0;
}

/* Keep the first pager's page-table pool stocked while we build its space. */
static void mm_pool_refill(void)
{
	while (mm_task->pt_free_count < 4) {
		paddr_t pa = boot_page(~0ull);

		frame_set_owner(pa >> PAGE_SHIFT, mm_task->id);
		pt_donate(mm_task, mm_task, pa >> PAGE_SHIFT, false);
	}
}

static void mm_map(struct as *a, vaddr_t va, paddr_t pa, unsigned prot)
{
	struct as_map_op op = { va | prot, pa >> PAGE_SHIFT };

	mm_pool_refill();
	if (as_map(a, mm_task, &op))
		panic("boot: cannot map the first pager at %#lx", va);
}

static paddr_t mm_page(void)
{
	paddr_t pa = boot_page(~0ull);

	frame_set_owner(pa >> PAGE_SHIFT, mm_task->id);
	return pa;
}

static uint64_t load_elf(struct as *a, const struct boot_module *m)
{
	const uint8_t *img = phys_to_virt(m->paddr);
	const struct elf_ehdr *eh = (const void *)img;

	if (m->size < sizeof(*eh) || img[0] != 0x7f || img[1] != 'E' ||
	    eh->machine != 62 || eh->phoff + eh->phnum * sizeof(struct
	    elf_phdr) > m->size)
		panic("boot: module %s is not an x86-64 ELF", m->name);
	for (unsigned i = 0; i < eh->phnum; i++) {
		const struct elf_phdr *ph = (const void *)(img + eh->phoff +
					      i * sizeof(*ph));
		unsigned prot = AS_PROT_READ;

		if (ph->type != PT_LOAD)
			continue;
		if (ph->offset + ph->filesz > m->size ||
		    ph->vaddr + ph->memsz >= USER_TOP)
			panic("boot: module %s: bad segment", m->name);
		if (ph->flags & 2)
			prot |= AS_PROT_WRITE;
		if (ph->flags & 1)
			prot |= AS_PROT_EXEC;
		for (vaddr_t va = ph->vaddr & ~(vaddr_t)(PAGE_SIZE - 1);
		     va < ph->vaddr + ph->memsz; va += PAGE_SIZE) {
			paddr_t pa = mm_page();
			uint8_t *dst = phys_to_virt(pa);

			for (unsigned b = 0; b < PAGE_SIZE; b++) {
				vaddr_t v = va + b;

				if (v >= ph->vaddr && v < ph->vaddr + ph->filesz)
					dst[b] = img[ph->offset + v - ph->vaddr];
			}
			mm_map(a, va, pa, prot);
		}
	}
	return eh->entry;
}

/* All RAM mm owns, at BOOT_PHYSMAP_BASE + paddr: 2 MiB pages where a whole
 * aligned chunk is mm's, 4 KiB pages at the edges. */
static void map_mm_physmap(struct as *a)
{
	const unsigned prot = AS_PROT_READ | AS_PROT_WRITE;
	const uint64_t big = 1ull << 21;

	for (paddr_t chunk = 0; chunk < max_paddr; chunk += big) {
		bool all = true, any = false;

		for (paddr_t pa = chunk; pa < chunk + big; pa += PAGE_SIZE) {
			bool mine = frame_owner(pa >> PAGE_SHIFT) == mm_task->id;

			all &= mine;
			any |= mine;
		}
		if (all) {
			mm_pool_refill();
			if (as_map_large(a, BOOT_PHYSMAP_BASE + chunk, chunk,
					 prot))
				panic("boot: cannot map mm's physmap");
			continue;
		}
		for (paddr_t pa = chunk; any && pa < chunk + big;
		     pa += PAGE_SIZE)
			if (frame_owner(pa >> PAGE_SHIFT) == mm_task->id)
				mm_map(a, BOOT_PHYSMAP_BASE + pa, pa, prot);
	}
}

static void bootinfo_add(pfn_t s, pfn_t n, enum boot_range_kind kind)
{
	unsigned i = boot_info.nranges;

	if (i && boot_info.ranges[i - 1].kind == kind &&
	    boot_info.ranges[i - 1].r.start_pfn +
	    boot_info.ranges[i - 1].r.npages == s) {
		boot_info.ranges[i - 1].r.npages += n;
		return;
	}
	if (i == BOOT_MAX_RANGES)
		panic("boot: memory map too fragmented");
	boot_info.ranges[i].r = (struct boot_range){ s, n };
	boot_info.ranges[i].kind = kind;
	boot_info.nranges++;
}

static enum boot_range_kind page_kind(paddr_t pa)
{
	enum phase ph;

	if (!is_used(pa, &ph))
		return BOOT_RANGE_FREE;
	if (ph == PHASE_KERNEL)
		return BOOT_RANGE_KERNEL;
	for (unsigned i = 0; i < boot_info.nmodules; i++) {
		const struct boot_module *m = &boot_info.modules[i];

		if (pa + PAGE_SIZE > m->paddr && pa < m->paddr + m->size)
			return BOOT_RANGE_MODULE;
	}
	return BOOT_RANGE_MM_IMAGE;
}

/* Give mm every RAM page not in the kernel's phase; describe them all. */
static void give_ram_to_mm(void)
{
	for (unsigned i = 0; i < nram; i++) {
		pfn_t e = ram[i].start_pfn + ram[i].npages;

		for (pfn_t p = ram[i].start_pfn; p < e; p++) {
			enum boot_range_kind k = page_kind(p << PAGE_SHIFT);

			bootinfo_add(p, 1, k);
			boot_info.total_pages++;
			if (k == BOOT_RANGE_KERNEL)
				boot_info.kernel_pages++;
			else if (frame_owner(p) == FRAME_NONE)
				frame_set_owner(p, mm_task->id);
		}
	}
}

void boot_start_first_pager(void)
{
	char name[BOOT_MODNAME_MAX] = "mm";
	const struct boot_module *mod = NULL;
	struct endpoint *ep;
	struct thread *th;
	struct as *a;
	uint64_t entry;

	cmdline_has("pager", name, sizeof(name));
	for (unsigned i = 0; i < boot_info.nmodules; i++) {
		const char *n = boot_info.modules[i].name;
		size_t k = 0;

		while (name[k] && n[k] == name[k])
			k++;
		if (!name[k] && (n[k] == 0 || n[k] == ' '))
			mod = &boot_info.modules[i];
	}
	if (!mod)
		panic("boot: no module named '%s' for the first pager", name);
	phase = PHASE_MM;
	mm_task = task_create(name, NULL);
	sys_root_task = mm_task;
	give_ram_to_mm();
	mm_pool_refill();
	a = as_create(mm_task, 0);
	if (!a)
		panic("boot: cannot create the first address space");
	a->refs++;
	mm_task->as = a;
	entry = load_elf(a, mod);
	for (int i = 1; i <= MM_STACK_PAGES; i++)
		mm_map(a, MM_STACK_TOP - i * PAGE_SIZE, mm_page(),
		       AS_PROT_READ | AS_PROT_WRITE);
	map_mm_physmap(a);
	/* Re-describe: image pages were taken after the first description. */
	boot_info.nranges = 0;
	boot_info.total_pages = boot_info.kernel_pages = 0;
	give_ram_to_mm();
	ep = endpoint_create();
	if (handle_install(mm_task, HT_TASK, mm_task, R_ALL, 0) !=
	    BOOT_H_SELF_TASK ||
	    handle_install(mm_task, HT_AS, a, R_ALL, 0) != BOOT_H_SELF_AS ||
	    handle_install(mm_task, HT_ENDPOINT, ep, R_ALL, 0) !=
	    BOOT_H_FAULT_EP ||
	    handle_install(mm_task, HT_SYS, mm_task, R_ALL, 0) != BOOT_H_SYS)
		panic("boot: cannot give the first pager its handles");
	boot_info.magic = BOOTINFO_MAGIC;
	boot_info.tsc_hz = arch_tsc_hz();
	boot_info.cpu_features = arch_cpu_features();
	/* sp points at argc = 0, argv = { NULL }, envp = { NULL }: the
	 * stack pages are zeroed, so that is already there. */
	th = thread_create(mm_task, NULL, entry, MM_STACK_TOP - 32, 0, MM_PRIO);
	if (!th)
		panic("boot: cannot create the first pager's thread");
	pr_info("kernel: %lu MiB RAM, %lu KiB kept by the kernel; "
	       "first pager '%s' started\n",
	       boot_info.total_pages >> 8, boot_info.kernel_pages * 4, name);
}
