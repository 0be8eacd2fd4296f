/*
 * hello.c - the smallest program: prints its arguments and exits with the
 * number given as its first argument (default 0).
 */
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv)
{
	printf("hello from pid-less world:");
	for (int i = 0; i < argc; i++)
		printf(" %s", argv[i]);
	printf("\n");
	return argc > 1 ? atoi(argv[1]) : 0;
}
