/*
 * pipe_client.c - client stubs for ipc/pipe.h: each sends one request
 * struct and copies the reply struct back (ipc_request_struct in
 * ipc/usys.h).
 */
#include <ipc/pipe.h>
#include <ipc/usys.h>

long pipe_req_create(uint64_t h, struct pipe_create_rep *rp)
{
	struct ipc_msg m;
	long err = ipc_request_struct(h, PIPE_CREATE, &m, NULL, 0, NULL, 0);

	*rp = *IPC_REP(&m, struct pipe_create_rep);
	return err;
}

long pipe_req_read(uint64_t h, const struct pipe_read_req *rq,
		   struct pipe_read_rep *rp, uint64_t *rtag)
{
	struct ipc_msg m;
	long err = ipc_request_struct(h, PIPE_READ, &m, rq, sizeof(*rq), NULL,
				      0);

	*rp = *IPC_REP(&m, struct pipe_read_rep);
	if (rtag)
		*rtag = m.tag;
	return err;
}

long pipe_req_write(uint64_t h, const struct pipe_write_req *rq,
		    const void *buf, unsigned len, struct pipe_write_rep *rp)
{
	struct ipc_msg m;
	long err = ipc_request_struct(h, PIPE_WRITE, &m, rq, sizeof(*rq), buf,
				      len);

	*rp = *IPC_REP(&m, struct pipe_write_rep);
	return err;
}

long pipe_req_close(uint64_t h, const struct pipe_close_req *rq)
{
	struct ipc_msg m;

	return ipc_request_struct(h, PIPE_CLOSE, &m, rq, sizeof(*rq), NULL, 0);
}

long pipe_req_dup(uint64_t h, const struct pipe_dup_req *rq)
{
	struct ipc_msg m;

	return ipc_request_struct(h, PIPE_DUP, &m, rq, sizeof(*rq), NULL, 0);
}

long pipe_req_stat(uint64_t h, const struct pipe_stat_req *rq,
		   struct pipe_stat_rep *rp)
{
	struct ipc_msg m;
	long err = ipc_request_struct(h, PIPE_STAT, &m, rq, sizeof(*rq), NULL,
				      0);

	*rp = *IPC_REP(&m, struct pipe_stat_rep);
	return err;
}
