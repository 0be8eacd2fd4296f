/*
 * ipc/bootinfo.h - what the kernel tells the first pager at boot.
 *
 * The kernel keeps a small fixed reservation for its own objects and gives
 * every other page of RAM to the first pager (mm).  mm's own image was
 * loaded eagerly by the kernel into frames that mm owns; all RAM mm owns is
 * also mapped into mm's address space at BOOT_PHYSMAP_BASE + paddr, so mm
 * can zero and copy frames without further system calls.
 *
 * The first pager reads it with SYS_BOOTINFO (it holds the system handle).
 */
#ifndef IPC_BOOTINFO_H
#define IPC_BOOTINFO_H

#include <stdint.h>

#define BOOT_PHYSMAP_BASE	0x0000400000000000ull
#define BOOT_MAX_RANGES		64
#define BOOT_MAX_MODULES	32
#define BOOT_MODNAME_MAX	1024
#define BOOT_CMDLINE_MAX	256

/* Initial handle slots of the first pager. */
enum {
	BOOT_H_SELF_TASK = 1,	/* mm's own task */
	BOOT_H_SELF_AS,		/* mm's own address space */
	BOOT_H_FAULT_EP,	/* endpoint mm serves: faults and requests */
	BOOT_H_SYS,		/* system handle: halt, IRQs, I/O ports */
	BOOT_H_COUNT
};

/* Handle slots init starts with (given by the first pager). */
enum {
	INIT_H_SYS = 1,		/* system handle */
	INIT_H_MM,		/* its own pager handle (= H_MM) */
	INIT_H_MM_PROC,		/* the pager, as the process server */
	INIT_H_SELF_TASK,	/* its own task (to add threads) */
};

struct boot_range {
	uint64_t start_pfn;
	uint64_t npages;
};

enum boot_range_kind {
	BOOT_RANGE_FREE,	/* owned by mm, free */
	BOOT_RANGE_MM_IMAGE,	/* owned by mm, holds its image and stack */
	BOOT_RANGE_MODULE,	/* owned by mm, holds a boot module */
	BOOT_RANGE_KERNEL,	/* kernel image and reservation (not mm's) */
};

struct boot_module {
	uint64_t paddr;
	uint64_t size;
	char name[BOOT_MODNAME_MAX];	/* basename, then args */
};

struct bootinfo {
	uint64_t magic;
#define BOOTINFO_MAGIC 0x6f666e69746f6f62ull
	uint64_t total_pages;		/* all usable RAM */
	uint64_t kernel_pages;		/* the kernel's reservation */
	uint64_t max_pfn;
	uint32_t nranges;
	uint32_t nmodules;
	struct {
		struct boot_range r;
		uint32_t kind;
		uint32_t pad;
	} ranges[BOOT_MAX_RANGES];
	struct boot_module modules[BOOT_MAX_MODULES];
	char cmdline[BOOT_CMDLINE_MAX];
	uint64_t tsc_hz;
	uint32_t cpu_features;		/* BOOT_CPU_* */
	uint32_t pad;
};
#define BOOT_CPU_PCID	0x1
#define BOOT_CPU_SMEP	0x2
#define BOOT_CPU_SMAP	0x4
#define BOOT_CPU_NX	0x8
#define BOOT_CPU_INVPCID 0x10

#endif
