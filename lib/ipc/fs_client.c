/*
 * fs_client.c - client stubs for ipc/fs.h: each sends one request struct
 * (and a path or the bytes of a write in the buffer) and copies the reply
 * struct back (ipc_request_struct in ipc/usys.h).
 */
#include <ipc/fs.h>
#include <ipc/usys.h>

#define ENAMETOOLONG	36

/* A path's length with its NUL, or 0 if it is longer than FS_PATH_MAX. */
static unsigned path_len(const char *path)
{
	unsigned n = 0;

	while (n < FS_PATH_MAX && path[n])
		n++;
	return n < FS_PATH_MAX ? n + 1 : 0;
}

/* A request whose buffer is one path. */
static long path_request(uint64_t h, unsigned label, struct ipc_msg *m,
			 const void *rq, size_t rq_size, const char *path)
{
	unsigned len = path_len(path);

	if (!len)
		return -ENAMETOOLONG;
	return ipc_request_struct(h, label, m, rq, rq_size, path, len);
}

long fs_req_open(uint64_t h, const struct fs_open_req *rq, const char *path,
		 struct fs_stat_rep *rp)
{
	struct ipc_msg m;
	long err = path_request(h, FS_OPEN, &m, rq, sizeof(*rq), path);

	if (!err)
		*rp = *IPC_REP(&m, struct fs_stat_rep);
	return err;
}

long fs_req_stat(uint64_t h, const struct fs_file_req *rq,
		 struct fs_stat_rep *rp)
{
	struct ipc_msg m;
	long err = ipc_request_struct(h, FS_STAT, &m, rq, sizeof(*rq), NULL,
				      0);

	if (!err)
		*rp = *IPC_REP(&m, struct fs_stat_rep);
	return err;
}

long fs_req_read(uint64_t h, const struct fs_read_req *rq,
		 struct fs_read_rep *rp, uint64_t *rtag)
{
	struct ipc_msg m;
	long err = ipc_request_struct(h, FS_READ, &m, rq, sizeof(*rq), NULL,
				      0);

	*rp = *IPC_REP(&m, struct fs_read_rep);
	if (rtag)
		*rtag = m.tag;
	return err;
}

long fs_req_write(uint64_t h, const struct fs_write_req *rq, const void *buf,
		  unsigned len, struct fs_write_rep *rp)
{
	struct ipc_msg m;
	long err = ipc_request_struct(h, FS_WRITE, &m, rq, sizeof(*rq), buf,
				      len);

	*rp = *IPC_REP(&m, struct fs_write_rep);
	return err;
}

long fs_req_truncate(uint64_t h, const struct fs_truncate_req *rq)
{
	struct ipc_msg m;

	return ipc_request_struct(h, FS_TRUNCATE, &m, rq, sizeof(*rq), NULL,
				  0);
}

long fs_req_readdir(uint64_t h, const struct fs_readdir_req *rq,
		    struct fs_readdir_rep *rp, uint64_t *rtag)
{
	struct ipc_msg m;
	long err = ipc_request_struct(h, FS_READDIR, &m, rq, sizeof(*rq),
				      NULL, 0);

	*rp = *IPC_REP(&m, struct fs_readdir_rep);
	if (rtag)
		*rtag = m.tag;
	return err;
}

long fs_req_mkdir(uint64_t h, const struct fs_mkdir_req *rq,
		  const char *path)
{
	struct ipc_msg m;

	return path_request(h, FS_MKDIR, &m, rq, sizeof(*rq), path);
}

long fs_req_unlink(uint64_t h, const char *path)
{
	struct ipc_msg m;

	return path_request(h, FS_UNLINK, &m, NULL, 0, path);
}

long fs_req_rmdir(uint64_t h, const char *path)
{
	struct ipc_msg m;

	return path_request(h, FS_RMDIR, &m, NULL, 0, path);
}

long fs_req_rename(uint64_t h, const char *from, const char *to)
{
	char buf[2 * FS_PATH_MAX];
	unsigned a = path_len(from), b = path_len(to);
	struct ipc_msg m;

	if (!a || !b)
		return -ENAMETOOLONG;
	for (unsigned i = 0; i < a; i++)
		buf[i] = from[i];
	for (unsigned i = 0; i < b; i++)
		buf[a + i] = to[i];
	return ipc_request_struct(h, FS_RENAME, &m, NULL, 0, buf, a + b);
}

long fs_req_fsync(uint64_t h, const struct fs_file_req *rq)
{
	struct ipc_msg m;

	return ipc_request_struct(h, FS_FSYNC, &m, rq, sizeof(*rq), NULL, 0);
}

long fs_req_sync(uint64_t h)
{
	struct ipc_msg m;

	return ipc_request_struct(h, FS_SYNC, &m, NULL, 0, NULL, 0);
}

long fs_req_bmap(uint64_t h, const struct fs_bmap_req *rq,
		 struct fs_bmap_rep *rp)
{
	struct ipc_msg m;
	long err = ipc_request_struct(h, FS_BMAP, &m, rq, sizeof(*rq), NULL,
				      0);

	*rp = *IPC_REP(&m, struct fs_bmap_rep);
	return err;
}

long fs_req_statfs(uint64_t h, struct fs_statfs_rep *rp)
{
	struct ipc_msg m;
	long err = ipc_request_struct(h, FS_STATFS, &m, NULL, 0, NULL, 0);

	*rp = *IPC_REP(&m, struct fs_statfs_rep);
	return err;
}
