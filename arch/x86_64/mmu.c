/*
 * mmu.c - x86-64 four-level page tables.
 *
 * Every table page is reached through the kernel's direct map.  User
 * address spaces own the page tables of their lower half (entries 0..255 of
 * the root), built from frames their pager donated; the upper half points
 * at the kernel's tables, shared by every root and fixed after boot.
 *
 * The kernel half: the direct map of RAM at PHYSMAP_BASE (2 MiB pages, no
 * execute), the kernel image at KERNEL_VBASE (4 KiB pages: text read-only
 * and executable, everything else no-execute), and an uncached window for
 * device registers at MMIO_BASE.
 */
#include <arch/arch.h>
#include <ipc/sys.h>
#include "x86.h"

#define PTE_P		0x001ull
#define PTE_W		0x002ull
#define PTE_U		0x004ull
#define PTE_PWT		0x008ull
#define PTE_PCD		0x010ull
#define PTE_A		0x020ull
#define PTE_D		0x040ull
#define PTE_PS		0x080ull
#define PTE_G		0x100ull
#define PTE_NX		(1ull << 63)
#define PTE_ADDR	0x000ffffffffff000ull
#define MMIO_BASE	0xffffff0000000000ull
#define KFLAG		(1u << 8)	/* internal: kernel mapping */
#define KFLAG_UC	(1u << 9)	/* internal: uncached */

static paddr_t kernel_root;
static vaddr_t mmio_next = MMIO_BASE;
static pt_alloc_fn boot_alloc;
static void *boot_alloc_ctx;

extern char __text_end[], __kernel_end[], __load_start[];

static pte_t *table(paddr_t pa)
{
	return phys_to_virt(pa);
}

static unsigned idx(vaddr_t va, int level)
{
	return (va >> (12 + 9 * level)) & 511;
}

/* The entry for va at `level` (0 = leaf), creating tables on the way. */
static pte_t *walk(paddr_t root, vaddr_t va, int level, pt_alloc_fn alloc,
		   void *ctx, bool user)
{
	pte_t *t = table(root);

	for (int l = 3; l > level; l--) {
		pte_t *e = &t[idx(va, l)];

		if (!(*e & PTE_P)) {
			paddr_t pa;

			if (!alloc || !alloc(ctx, &pa))
				return NULL;
			__builtin_memset(table(pa), 0, PAGE_SIZE);
			*e = pa | PTE_P | PTE_W | (user ? PTE_U : 0);
		} else if (*e & PTE_PS) {
			return NULL;
		}
		t = table(*e & PTE_ADDR);
	}
	return &t[idx(va, level)];
}

pte_t arch_pte_make(paddr_t pa, unsigned prot)
{
	pte_t pte = (pa & PTE_ADDR) | PTE_P;

	if (prot & KFLAG)
		pte |= PTE_G;
	else
		pte |= PTE_U;
	if (prot & KFLAG_UC)
		pte |= PTE_PCD | PTE_PWT;
	if (prot & AS_PROT_WRITE)
		pte |= PTE_W;
	if (!(prot & AS_PROT_EXEC))
		pte |= PTE_NX;
	return pte;
}

pte_t arch_pte_set_prot(pte_t pte, unsigned prot)
{
	pte &= ~(PTE_W | PTE_NX);
	if (prot & AS_PROT_WRITE)
		pte |= PTE_W;
	if (!(prot & AS_PROT_EXEC))
		pte |= PTE_NX;
	return pte;
}

bool arch_pte_present(pte_t pte) { return pte & PTE_P; }
paddr_t arch_pte_addr(pte_t pte) { return pte & PTE_ADDR; }
bool arch_pte_accessed(pte_t pte) { return pte & PTE_A; }
bool arch_pte_dirty(pte_t pte) { return pte & PTE_D; }
pte_t arch_pte_clear_ad(pte_t pte) { return pte & ~(PTE_A | PTE_D); }

unsigned arch_pte_prot(pte_t pte)
{
	unsigned prot = AS_PROT_READ;

	if (pte & PTE_W)
		prot |= AS_PROT_WRITE;
	if (!(pte & PTE_NX))
		prot |= AS_PROT_EXEC;
	return prot;
}

int arch_pt_map(paddr_t root, vaddr_t va, paddr_t pa, unsigned prot,
		pt_alloc_fn alloc, void *ctx, pte_t *old)
{
	pte_t *e = walk(root, va, 0, alloc, ctx, !(prot & KFLAG));

	if (!e)
		return -12;			/* -ENOMEM */
	if (old)
		*old = *e;
	*e = arch_pte_make(pa, prot);
	return 0;
}

pte_t *arch_pt_lookup(paddr_t root, vaddr_t va)
{
	return walk(root, va, 0, NULL, NULL, true);
}

/*
 * Translate a user address, large pages included: the physical address
 * and protection if mapped present and user-accessible.
 */
bool arch_pt_translate(paddr_t root, vaddr_t va, paddr_t *pa, unsigned *prot)
{
	pte_t *t = table(root), e = 0;

	for (int l = 3; l >= 0; l--) {
		e = t[idx(va, l)];
		if (!(e & PTE_P) || !(e & PTE_U))
			return false;
		if (l == 0 || (l <= 2 && (e & PTE_PS))) {
			uint64_t span = 1ull << (12 + 9 * l);

			*pa = (e & PTE_ADDR & ~(span - 1)) + (va & (span - 1));
			*prot = arch_pte_prot(e);
			return true;
		}
		t = table(e & PTE_ADDR);
	}
	return false;
}

/* Hand every page-table page of the user half, then the root, to fn. */
void arch_pt_free_tables(paddr_t root, void (*fn)(void *ctx, paddr_t),
			 void *ctx)
{
	pte_t *l4 = table(root);

	for (unsigned i = 0; i < 256; i++) {
		if (!(l4[i] & PTE_P))
			continue;
		pte_t *l3 = table(l4[i] & PTE_ADDR);
		for (unsigned j = 0; j < 512; j++) {
			if (!(l3[j] & PTE_P) || (l3[j] & PTE_PS))
				continue;
			pte_t *l2 = table(l3[j] & PTE_ADDR);
			for (unsigned k = 0; k < 512; k++)
				if ((l2[k] & PTE_P) && !(l2[k] & PTE_PS))
					fn(ctx, l2[k] & PTE_ADDR);
			fn(ctx, l3[j] & PTE_ADDR);
		}
		fn(ctx, l4[i] & PTE_ADDR);
	}
	fn(ctx, root);
}

/* A 2 MiB mapping for the boot-time direct maps (kernel and mm's). */
int arch_pt_map_large_kernel(paddr_t root, vaddr_t va, paddr_t pa,
			     unsigned prot, pt_alloc_fn alloc, void *ctx)
{
	pte_t *e = walk(root, va, 1, alloc, ctx, !(prot & KFLAG));

	if (!e)
		return -12;
	*e = arch_pte_make(pa, prot) | PTE_PS;
	return 0;
}

/* Copy the shared kernel half into a fresh root; clear the user half. */
void arch_pt_init_root(paddr_t root)
{
	pte_t *t = table(root), *k = table(kernel_root);

	__builtin_memset(t, 0, 256 * sizeof(pte_t));
	for (unsigned i = 256; i < 512; i++)
		t[i] = k[i];
}

paddr_t arch_kernel_root(void)
{
	return kernel_root;
}

void *arch_map_mmio(paddr_t pa)
{
	vaddr_t va = mmio_next;

	mmio_next += PAGE_SIZE;
	if (arch_pt_map(kernel_root, va, pa, AS_PROT_READ | AS_PROT_WRITE |
			KFLAG | KFLAG_UC, boot_alloc, boot_alloc_ctx, NULL))
		panic("mmu: cannot map device page %#lx", pa);
	return (void *)va;
}

/*
 * Build the kernel's own page tables: the image with per-section rights,
 * the direct map of every 2 MiB chunk for which is_ram() says yes, and
 * the top-level entries of the MMIO window (so that later device mappings
 * are shared by every root).  Then switch to them.
 */
void arch_mmu_init(paddr_t max_paddr, bool (*is_ram)(paddr_t, paddr_t),
		   pt_alloc_fn alloc, void *ctx)
{
	unsigned data = AS_PROT_READ | AS_PROT_WRITE | KFLAG;

	boot_alloc = alloc;
	boot_alloc_ctx = ctx;
	if (!alloc(ctx, &kernel_root))
		panic("mmu: no page for the kernel root");
	__builtin_memset(table(kernel_root), 0, PAGE_SIZE);
	for (vaddr_t va = (vaddr_t)__load_start; va < (vaddr_t)__kernel_end;
	     va += PAGE_SIZE) {
		unsigned prot = va < (vaddr_t)__text_end ?
			AS_PROT_READ | AS_PROT_EXEC | KFLAG : data;
		if (arch_pt_map(kernel_root, va, kimg_to_phys((void *)va), prot,
				alloc, ctx, NULL))
			panic("mmu: out of boot memory");
	}
	for (paddr_t pa = 0; pa < max_paddr; pa += 1ull << 21) {
		if (!is_ram(pa, pa + (1ull << 21)))
			continue;
		if (arch_pt_map_large_kernel(kernel_root, PHYSMAP_BASE + pa,
					     pa, data, alloc, ctx))
			panic("mmu: out of boot memory");
	}
	/* Pre-create the MMIO window's upper levels, then every kernel-half
	 * root entry, so that roots copied later share all of them. */
	if (!walk(kernel_root, MMIO_BASE, 1, alloc, ctx, false))
		panic("mmu: out of boot memory");
	for (unsigned i = 256; i < 512; i++) {
		pte_t *e = &table(kernel_root)[i];
		paddr_t pa;

		if (*e & PTE_P)
			continue;
		if (!alloc(ctx, &pa))
			panic("mmu: out of boot memory");
		__builtin_memset(table(pa), 0, PAGE_SIZE);
		*e = pa | PTE_P | PTE_W;
	}
	write_cr3(kernel_root);
}

void arch_switch_as(paddr_t root, uint16_t pcid, bool flush)
{
	uint64_t cr3 = root;

	if (arch_cpu_features() & CPU_PCID) {
		cr3 |= pcid;
		if (!flush)
			cr3 |= 1ull << 63;	/* keep this PCID's entries */
	}
	write_cr3(cr3);
}

/*
 * Invalidate one page of an address space.  If it is not the current one,
 * a full CR3 reload on the way back to it will do (without PCID every
 * switch flushes; with PCID the caller marks the AS for a flushing switch).
 */
void arch_tlb_flush_page(vaddr_t va, uint16_t pcid, bool current)
{
	(void)pcid;
	if (current)
		__asm__ volatile("invlpg (%0)" :: "r"(va) : "memory");
}

void arch_tlb_flush_as(uint16_t pcid, bool current)
{
	(void)pcid;
	if (current)
		write_cr3(read_cr3() & ~(1ull << 63));
}

vaddr_t arch_fault_addr(void)
{
	uint64_t v;

	__asm__ volatile("mov %%cr2, %0" : "=r"(v));
	return v;
}
