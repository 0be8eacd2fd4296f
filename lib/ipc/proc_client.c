/*
 * proc_client.c - client stubs for ipc/proc.h: each sends one request
 * struct and copies the reply struct back (ipc_request_struct in
 * ipc/usys.h).
 */
#include <string.h>
#include <ipc/proc.h>
#include <ipc/usys.h>

long proc_req_spawn(uint64_t h, const struct proc_spawn_req *rq,
		    const void *buf, unsigned len, struct proc_spawn_rep *rp)
{
	struct ipc_msg m;
	long err = ipc_request_struct(h, PROC_SPAWN, &m, rq, sizeof(*rq), buf,
				      len);

	*rp = *IPC_REP(&m, struct proc_spawn_rep);
	return err;
}

long proc_req_wait(uint64_t h, const struct proc_wait_req *rq,
		   struct proc_wait_rep *rp)
{
	struct ipc_msg m;
	long err = ipc_request_struct(h, PROC_WAIT, &m, rq, sizeof(*rq), NULL,
				      0);

	*rp = *IPC_REP(&m, struct proc_wait_rep);
	return err;
}

long proc_req_exit(uint64_t h, const struct proc_exit_req *rq)
{
	struct ipc_msg m;

	return ipc_request_struct(h, PROC_EXIT, &m, rq, sizeof(*rq), NULL, 0);
}

long proc_req_fork(uint64_t h, const struct proc_fork_req *rq,
		   struct proc_fork_rep *rp)
{
	struct ipc_msg m;
	long err = ipc_request_struct(h, PROC_FORK, &m, rq, sizeof(*rq), NULL,
				      0);

	*rp = *IPC_REP(&m, struct proc_fork_rep);
	return err;
}

long proc_req_kill(uint64_t h, const struct proc_kill_req *rq)
{
	struct ipc_msg m;

	return ipc_request_struct(h, PROC_KILL, &m, rq, sizeof(*rq), NULL, 0);
}

long proc_req_getpid(uint64_t h, struct proc_getpid_rep *rp)
{
	struct ipc_msg m;
	long err = ipc_request_struct(h, PROC_GETPID, &m, NULL, 0, NULL, 0);

	*rp = *IPC_REP(&m, struct proc_getpid_rep);
	return err;
}

long proc_req_ps(uint64_t h, uint64_t *rtag)
{
	struct ipc_msg m;
	long err = ipc_request_struct(h, PROC_PS, &m, NULL, 0, NULL, 0);

	if (rtag)
		*rtag = m.tag;
	return err;
}

long proc_req_halt(uint64_t h, const struct proc_halt_req *rq)
{
	struct ipc_msg m;

	return ipc_request_struct(h, PROC_HALT, &m, rq, sizeof(*rq), NULL, 0);
}

long proc_req_exec(uint64_t h, const void *buf, unsigned len)
{
	struct ipc_msg m;

	return ipc_request_struct(h, PROC_EXEC, &m, NULL, 0, buf, len);
}

/* The one request that carries a handle: built by hand for its tag. */
long proc_req_register(uint64_t h, const struct proc_register_req *rq,
		       const char *name)
{
	struct ipc_msg m = { 0 };
	long err;

	*IPC_REQ(&m, struct proc_register_req) = *rq;
	m.tag = IPC_TAG(PROC_REGISTER, IPC_MSG_NWORDS(*rq)) |
		IPC_TAG_HANDLES(1) | IPC_TAG_BUF(strlen(name) + 1);
	m.buf = name;
	err = ipc_call(h, &m);
	return err ? err : IPC_REPLY_STATUS(&m);
}

long proc_req_lookup(uint64_t h, const char *name,
		     struct proc_lookup_rep *rp)
{
	struct ipc_msg m;
	long err = ipc_request_struct(h, PROC_LOOKUP, &m, NULL, 0, name,
				      (unsigned)strlen(name) + 1);

	*rp = *IPC_REP(&m, struct proc_lookup_rep);
	return err;
}
