/*
 * shell_fs.c - the shell's file commands: ls, cat and sync, as a client of
 * the file server (ipc/fs.h).  They run on the shell thread, whose receive
 * buffer (IPC_BUF_MAX bytes at rbuf) takes FS_READ's and FS_READDIR's
 * bytes.  The server is looked up under "fs" on each command, waiting a
 * little while it may still be mounting at boot.
 */
#include <stdio.h>
#include <string.h>
#include <ipc/fs.h>
#include "init.h"

#define FS_WAIT_TRIES	40
#define FS_WAIT_NS	(50ull * 1000 * 1000)

/* A handle to the file server (the caller closes it), or -errno. */
static long fs_lookup(uint64_t proc_h)
{
	struct proc_lookup_rep rp;
	long err = -2;

	for (int i = 0; i < FS_WAIT_TRIES && err; i++) {
		err = proc_req_lookup(proc_h, "fs", &rp);
		if (err)
			sys1(SYS_SLEEP, FS_WAIT_NS);
	}
	return err ? err : (long)rp.handle;
}

static void print_err(const char *cmd, const char *path, long err)
{
	printf("%s: %s: %s\n", cmd, path, strerror((int)-err));
}

static long list_entry(uint64_t h, const char *dir, const struct fs_dirent *e)
{
	char path[FS_PATH_MAX];
	struct fs_stat_rep st;
	long err;

	if (snprintf(path, sizeof(path), "%s/%s", strcmp(dir, "/") ? dir : "",
		     e->name) >= (int)sizeof(path))
		return -36;
	err = fs_req_open(h, &(struct fs_open_req){ 0, 0 }, path, &st);
	if (err)
		return err;
	printf("%c%04o %3u %10llu %s%s\n",
	       (FS_STAT_MODE(&st) & 0170000) == 0040000 ? 'd' : '-',
	       FS_STAT_MODE(&st) & 07777, FS_STAT_NLINK(&st),
	       (unsigned long long)st.size, e->name,
	       (FS_STAT_MODE(&st) & 0170000) == 0040000 ? "/" : "");
	return 0;
}

/* Lists directory (ino, gen) at path, one line per entry. */
static long list_dir(uint64_t h, char *rbuf, const char *path,
		     const struct fs_stat_rep *dir)
{
	struct fs_readdir_req rq = { dir->ino, dir->gen, 0 };
	char names[IPC_BUF_MAX];

	for (;;) {
		struct fs_readdir_rep rp;
		uint64_t rtag, used = 0;
		long err = fs_req_readdir(h, &rq, &rp, &rtag);
		unsigned len = IPC_TAG_BUFLEN(rtag);

		if (err)
			return err;
		if (rp.count == 0)
			return 0;
		memcpy(names, rbuf, len);	/* the next request reuses rbuf */
		for (uint64_t i = 0; i < rp.count && used < len; i++) {
			const struct fs_dirent *e =
				(const struct fs_dirent *)(names + used);

			if (e->reclen == 0 || used + e->reclen > len)
				return -5;
			used += e->reclen;
			if (e->name[0] == '.')
				continue;	/* ".", "..", hidden */
			err = list_entry(h, path, e);
			if (err)
				print_err("ls", e->name, err);
		}
		rq.pos = rp.next;
	}
}

int shell_ls(uint64_t proc_h, char *rbuf, int argc, char **argv)
{
	long h = fs_lookup(proc_h);
	int bad = 0;

	if (h < 0) {
		printf("ls: no file system\n");
		return 1;
	}
	for (int i = argc > 1 ? 1 : 0; i < argc; i++) {
		const char *path = argc > 1 ? argv[i] : "/";
		struct fs_stat_rep st;
		long err = fs_req_open((uint64_t)h, &(struct fs_open_req){ 0, 0 },
				       path, &st);

		if (!err && (FS_STAT_MODE(&st) & 0170000) == 0040000)
			err = list_dir((uint64_t)h, rbuf, path, &st);
		else if (!err)
			printf("-%04o %3u %10llu %s\n", FS_STAT_MODE(&st) & 07777,
			       FS_STAT_NLINK(&st), (unsigned long long)st.size,
			       path);
		if (err) {
			print_err("ls", path, err);
			bad = 1;
		}
	}
	sys1(SYS_HANDLE_CLOSE, h);
	return bad;
}

static long cat_one(uint64_t h, char *rbuf, const char *path)
{
	struct fs_stat_rep st;
	struct fs_read_req rq = { 0 };
	long err = fs_req_open(h, &(struct fs_open_req){ 0, 0 }, path, &st);

	if (err)
		return err;
	if ((FS_STAT_MODE(&st) & 0170000) == 0040000)
		return -21;			/* EISDIR */
	rq = (struct fs_read_req){ st.ino, st.gen, 0, IPC_BUF_MAX };
	for (;;) {
		/* Through the pager's page cache, which has the newest data
		 * (dirty pages not yet written back); the server if the pager
		 * has none. */
		struct ipc_msg m = { .w = { st.ino, st.gen, rq.off,
					    IPC_BUF_MAX } };
		struct fs_read_rep rp;
		uint64_t rtag;
		uint64_t n;

		err = ipc_request(INIT_H_MM_PROC, MM_FILE_READ, 4, &m, NULL, 0);
		n = m.w[1];
		if (err == -38 || err == -95 || err == -19) {	/* no cache */
			err = fs_req_read(h, &rq, &rp, &rtag);
			n = rp.n;
		}
		if (err || n == 0)
			return err;
		fwrite(rbuf, 1, n, stdout);
		rq.off += n;
	}
}

int shell_cat(uint64_t proc_h, char *rbuf, int argc, char **argv)
{
	long h = fs_lookup(proc_h);
	int bad = 0;

	if (h < 0) {
		printf("cat: no file system\n");
		return 1;
	}
	if (argc < 2) {
		printf("usage: cat PATH...\n");
		bad = 1;
	}
	for (int i = 1; i < argc; i++) {
		long err = cat_one((uint64_t)h, rbuf, argv[i]);

		if (err) {
			fflush(stdout);
			print_err("cat", argv[i], err);
			bad = 1;
		}
	}
	fflush(stdout);
	sys1(SYS_HANDLE_CLOSE, h);
	return bad;
}

int shell_sync(uint64_t proc_h)
{
	long h = fs_lookup(proc_h), err;

	if (h < 0) {
		printf("sync: no file system\n");
		return 1;
	}
	{
		/* the pager writes its dirty pages back and syncs the server */
		struct ipc_msg m = { 0 };

		err = ipc_request(INIT_H_MM_PROC, MM_SYNC, 0, &m, NULL, 0);
	}
	if (err == -38 || err == -95)
		err = fs_req_sync((uint64_t)h);
	sys1(SYS_HANDLE_CLOSE, h);
	if (err)
		printf("sync: %s\n", strerror((int)-err));
	return err != 0;
}
