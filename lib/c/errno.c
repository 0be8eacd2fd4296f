/*
 * errno.c - the errno variable.
 *
 * Processes are single-threaded, so one global serves; <errno.h> gives
 * it another name in host tests, where glibc owns the real one.
 */
#include <errno.h>

int errno;
