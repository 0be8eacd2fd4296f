/*
 * hog - allocates and dirties memory without bound, 1 MiB at a time, for
 * the OOM killer to find (tests/guest/swaptest.c oom).  It never exits on
 * its own: the only good end is SIGKILL.
 */
#include <stdint.h>
#include <stdio.h>
#include <sys/mman.h>

int main(void)
{
	for (unsigned long mb = 0;; mb++) {
		uint64_t *p = mmap(NULL, 1 << 20, PROT_READ | PROT_WRITE,
				   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		if (p == MAP_FAILED) {
			printf("hog: mmap failed after %lu MiB\n", mb);
			return 1;
		}
		for (unsigned i = 0; i < (1 << 20) / 8; i += 512)
			p[i] = mb << 32 | i;
	}
}
