/*
 * os.h - the few services lib/c's portable code takes from the OS layer:
 * sbrk, mmap, munmap, write and abort.
 *
 * The OS layer (lib/c/sys) implements them and the public headers
 * <unistd.h>, <sys/mman.h> and <stdlib.h> declare them; this file
 * includes those headers for the prototypes and the PROT_ and MAP_
 * constants.
 *
 * Host unit tests link no OS layer: they provide fakes named lc_sbrk,
 * lc_mmap, lc_munmap, lc_write and lc_abort, so nothing here collides
 * with glibc or with ASan's interceptors.  The headers may already have
 * been included under the plain names, so the fakes are declared here
 * rather than by re-including them after the renames.
 */
#ifndef LIBC_OS_H
#define LIBC_OS_H

#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#ifdef LIBC_HOST_TEST
#define sbrk lc_sbrk
#define mmap lc_mmap
#define munmap lc_munmap
#define write lc_write
#define abort lc_abort

void *lc_sbrk(intptr_t inc);
void *lc_mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off);
int lc_munmap(void *addr, size_t len);
ssize_t lc_write(int fd, const void *buf, size_t n);
_Noreturn void lc_abort(void);
#endif

#endif /* LIBC_OS_H */
