/*
 * syscall.c - out-of-line wrappers for the few system calls that take
 * structures (the rest are inline in ipc/usys.h).
 */
#include <ipc/usys.h>

long sys_handle_info(uint64_t h, uint64_t *rights, uint64_t *badge)
{
	struct ipc_msg m = { 0 };
	long type;

	m.tag = 0;
	type = sys_msg(SYS_HANDLE_INFO, h, &m);
	/* SYS_HANDLE_INFO takes its handle in the first argument register,
	 * which is also the message handle register. */
	if (rights)
		*rights = m.w[0];
	if (badge)
		*badge = m.w[1];
	return type;
}
