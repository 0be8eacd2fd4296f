/*
 * dir.c - directory streams over the file server: a DIR is a descriptor
 * open on a directory plus one FS_READDIR reply's worth of records
 * (ipc/fs.h: struct fs_dirent, packed), read in as the stream needs them.
 * The server's position is a byte offset into the directory, so a stream
 * survives entries being added and removed under it (each entry is seen
 * at most once; one added behind the position is not seen).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <ipc/fs.h>
#include <ipc/usys.h>

#include "oslayer.h"

struct __dirstream {
	int fd;
	uint64_t pos;			/* the server's position after buf */
	unsigned used, len;		/* bytes of buf consumed, filled */
	unsigned count;			/* records left in buf */
	bool end;
	struct dirent ent;
	char buf[IPC_BUF_MAX] __attribute__((aligned(8)));
};

DIR *fdopendir(int fd)
{
	uint64_t ino, gen;
	DIR *d;

	if (os_file_ident(fd, &ino, &gen)) {
		errno = EBADF;
		return NULL;
	}
	d = calloc(1, sizeof(*d));
	if (!d)
		return NULL;
	d->fd = fd;
	return d;
}

DIR *opendir(const char *path)
{
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d;

	if (fd < 0)
		return NULL;
	d = fdopendir(fd);
	if (!d)
		close(fd);
	return d;
}

/* The next batch of records: 0, or -errno. */
static long dir_fill(DIR *d)
{
	struct fs_readdir_rep rp = { 0 };
	uint64_t ino, gen, h, rtag = 0;
	long err = os_file_ident(d->fd, &ino, &gen) ?: os_fs_handle(&h);

	if (err)
		return err;
	err = os_recvbuf_use(d->buf, sizeof(d->buf));
	if (!err)
		err = fs_req_readdir(h, &(struct fs_readdir_req){
					     ino, gen, d->pos }, &rp, &rtag);
	os_recvbuf_register();
	if (err)
		return err;
	d->len = IPC_TAG_BUFLEN(rtag);
	d->used = 0;
	d->count = (unsigned)rp.count;
	d->end = rp.count == 0;
	d->pos = rp.next;
	return 0;
}

struct dirent *readdir(DIR *d)
{
	const struct fs_dirent *e;
	long err;

	if (!d->count && !d->end) {
		err = dir_fill(d);
		if (err) {
			errno = (int)-err;
			return NULL;
		}
	}
	if (!d->count)
		return NULL;		/* the end: errno untouched */
	e = (const struct fs_dirent *)(d->buf + d->used);
	if (d->used + sizeof(*e) > d->len || e->reclen < sizeof(*e) ||
	    d->used + e->reclen > d->len || e->namelen >= e->reclen) {
		errno = EIO;
		return NULL;
	}
	d->ent.d_ino = e->ino;
	d->ent.d_off = 0;
	d->ent.d_reclen = sizeof(d->ent);
	d->ent.d_type = e->type;
	memcpy(d->ent.d_name, e->name, e->namelen);
	d->ent.d_name[e->namelen] = 0;
	d->used += e->reclen;
	d->count--;
	return &d->ent;
}

void rewinddir(DIR *d)
{
	d->pos = 0;
	d->count = 0;
	d->end = false;
}

int closedir(DIR *d)
{
	int err = close(d->fd);

	free(d);
	return err;
}

int dirfd(DIR *d)
{
	return d->fd;
}
