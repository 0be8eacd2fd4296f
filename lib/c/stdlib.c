/*
 * stdlib.c - small stdlib.h functions: atoi family, abs family, rand.
 *
 * rand() is a 64-bit linear congruential generator (Knuth's MMIX
 * constants) returning the top 31 bits of its state, whose low bits
 * are the weak ones.  Programs are single-threaded, so the state is a
 * plain static.
 */
#include <stdint.h>
#include <stdlib.h>

#include "lc.h"

#define RAND_MUL	6364136223846793005ULL
#define RAND_INC	1442695040888963407ULL

static uint64_t rand_state = 1;

int LC(atoi)(const char *s)
{
	return (int)strtol(s, NULL, 10);
}

long LC(atol)(const char *s)
{
	return strtol(s, NULL, 10);
}

long long LC(atoll)(const char *s)
{
	return strtoll(s, NULL, 10);
}

int LC(abs)(int x)
{
	return x < 0 ? -x : x;
}

long LC(labs)(long x)
{
	return x < 0 ? -x : x;
}

long long LC(llabs)(long long x)
{
	return x < 0 ? -x : x;
}

int LC(rand)(void)
{
	rand_state = rand_state * RAND_MUL + RAND_INC;
	return (int)(rand_state >> 33);
}

void LC(srand)(unsigned int seed)
{
	rand_state = seed;
}
