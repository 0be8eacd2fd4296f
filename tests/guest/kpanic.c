/*
 * kpanic.c - asks the kernel to panic (a debug-build system call), so the
 * tests can check that a panic ends QEMU with the panic status.
 */
#include <stdio.h>
#include <ipc/usys.h>

int main(void)
{
	long r = sys0(SYS_DEBUG_PANIC);

	printf("kpanic: the kernel refused (%ld)\n", r);
	return 1;
}
