/*
 * mm_client.c - client stubs for ipc/mm.h: each sends one request struct
 * and copies the reply struct back (ipc_request_struct in ipc/usys.h).
 */
#include <ipc/mm.h>
#include <ipc/usys.h>

long mm_req_mmap(uint64_t h, const struct mm_mmap_req *rq,
		 struct mm_mmap_rep *rp)
{
	struct ipc_msg m;
	long err = ipc_request_struct(h, MM_MMAP, &m, rq, sizeof(*rq), NULL, 0);

	*rp = *IPC_REP(&m, struct mm_mmap_rep);
	return err;
}

long mm_req_munmap(uint64_t h, const struct mm_munmap_req *rq)
{
	struct ipc_msg m;

	return ipc_request_struct(h, MM_MUNMAP, &m, rq, sizeof(*rq), NULL, 0);
}

long mm_req_mprotect(uint64_t h, const struct mm_mprotect_req *rq)
{
	struct ipc_msg m;

	return ipc_request_struct(h, MM_MPROTECT, &m, rq, sizeof(*rq), NULL,
				  0);
}

long mm_req_brk(uint64_t h, const struct mm_brk_req *rq,
		struct mm_brk_rep *rp)
{
	struct ipc_msg m;
	long err = ipc_request_struct(h, MM_BRK, &m, rq, sizeof(*rq), NULL, 0);

	*rp = *IPC_REP(&m, struct mm_brk_rep);
	return err;
}

long mm_req_madvise(uint64_t h, const struct mm_madvise_req *rq)
{
	struct ipc_msg m;

	return ipc_request_struct(h, MM_MADVISE, &m, rq, sizeof(*rq), NULL,
				  0);
}

long mm_req_mincore(uint64_t h, const struct mm_mincore_req *rq,
		    struct mm_mincore_rep *rp)
{
	struct ipc_msg m;
	long err = ipc_request_struct(h, MM_MINCORE, &m, rq, sizeof(*rq), NULL,
				      0);

	*rp = *IPC_REP(&m, struct mm_mincore_rep);
	return err;
}

long mm_req_msync(uint64_t h, const struct mm_msync_req *rq)
{
	struct ipc_msg m;

	return ipc_request_struct(h, MM_MSYNC, &m, rq, sizeof(*rq), NULL, 0);
}

long mm_req_info(uint64_t h, const struct mm_info_req *rq,
		 struct mm_info_rep *rp, uint64_t *rtag)
{
	struct ipc_msg m;
	long err = ipc_request_struct(h, MM_INFO, &m, rq, sizeof(*rq), NULL, 0);

	*rp = *IPC_REP(&m, struct mm_info_rep);
	if (rtag)
		*rtag = m.tag;
	return err;
}

long mm_req_check(uint64_t h)
{
	struct ipc_msg m;

	return ipc_request_struct(h, MM_CHECK, &m, NULL, 0, NULL, 0);
}

long mm_req_spawn(uint64_t h, const struct mm_spawn_req *rq,
		  const void *args, unsigned len, struct mm_spawn_rep *rp,
		  uint64_t *rtag)
{
	struct ipc_msg m;
	long err = ipc_request_struct(h, MM_SPAWN, &m, rq, sizeof(*rq), args,
				      len);

	*rp = *IPC_REP(&m, struct mm_spawn_rep);
	if (rtag)
		*rtag = m.tag;
	return err;
}

long mm_req_fork(uint64_t h, const struct mm_fork_req *rq,
		 struct mm_spawn_rep *rp, uint64_t *rtag)
{
	struct ipc_msg m;
	long err = ipc_request_struct(h, MM_FORK, &m, rq, sizeof(*rq), NULL, 0);

	*rp = *IPC_REP(&m, struct mm_spawn_rep);
	if (rtag)
		*rtag = m.tag;
	return err;
}

long mm_req_exit(uint64_t h, const struct mm_exit_req *rq)
{
	struct ipc_msg m;

	return ipc_request_struct(h, MM_EXIT, &m, rq, sizeof(*rq), NULL, 0);
}

long mm_req_set_oom_adj(uint64_t h, const struct mm_set_oom_adj_req *rq)
{
	struct ipc_msg m;

	return ipc_request_struct(h, MM_SET_OOM_ADJ, &m, rq, sizeof(*rq), NULL,
				  0);
}
