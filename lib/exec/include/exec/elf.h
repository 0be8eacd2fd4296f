/*
 * exec/elf.h - the parts of the x86-64 ELF format that loading a program
 * needs: the file header and the program headers.  Shared by the kernel
 * (it loads mm from its boot module) and every pager (lib/exec).
 */
#ifndef EXEC_ELF_H
#define EXEC_ELF_H

#include <stdint.h>

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

#endif
