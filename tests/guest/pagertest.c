/*
 * pagertest.c - a client for the pager tests (tests/integration/
 * test_pagers.py): what it does depends on argv[1].
 *
 *   grow     recurse through 1 MiB of stack, past what exec populated, so
 *            that the pager must serve a fault; prints PASS pager.grow
 *   segv     read a page that was just unmapped: the pager must refuse
 *            (the shell reports SIGSEGV); prints the line before it
 *   sleep N  print "pagertest: sleeping", sleep N seconds, then exit 0
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>

static unsigned long recurse(int depth)
{
	volatile unsigned char frame[4096];

	frame[0] = (unsigned char)depth;
	frame[4095] = (unsigned char)(depth >> 8);
	if (depth == 0)
		return frame[0];
	return recurse(depth - 1) + frame[0] + frame[4095];
}

static int grow(void)
{
	const int depth = 256;		/* 1 MiB */
	unsigned long want = 0;

	for (int d = 1; d <= depth; d++)
		want += (unsigned char)d + (unsigned char)(d >> 8);
	if (recurse(depth) != want) {
		printf("FAIL pager.grow: stack frames lost their contents\n");
		return 1;
	}
	printf("PASS pager.grow\n");
	return 0;
}

static int segv(void)
{
	volatile unsigned char *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
					 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED || munmap((void *)p, 4096)) {
		printf("FAIL pager.segv: mmap/munmap failed\n");
		return 1;
	}
	printf("pagertest: touching an unmapped page\n");
	fflush(stdout);
	return p[0] == 0 ? 2 : 3;	/* never gets here */
}

int main(int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "grow"))
		return grow();
	if (argc > 1 && !strcmp(argv[1], "segv"))
		return segv();
	if (argc > 2 && !strcmp(argv[1], "sleep")) {
		printf("pagertest: sleeping\n");
		fflush(stdout);
		sleep((unsigned)atoi(argv[2]));
		printf("pagertest: woke\n");
		return 0;
	}
	printf("usage: pagertest grow | segv | sleep N\n");
	return 2;
}
