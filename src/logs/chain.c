/* chain: rotated files as one consistent, ordered set. */
#include "logs/chain.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/util.h"
#include "logs/die.h"

/* Bounds on loops that re-examine a directory that keeps changing. */
#define SNAPSHOT_ATTEMPTS 50
#define MAX_ROTATED 100000

char *chain_name(const char *path, size_t k)
{
	return k == 0 ? xstrdup(path) : xasprintf("%s.%zu", path, k);
}

int chain_probe(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		char *first = chain_name(path, 1);
		bool rotating = errno == ENOENT && access(first, F_OK) == 0;
		int err = errno;
		free(first);
		if (!rotating)
			die("%s: %s", path, strerror(err));
		return -1;
	}
	struct stat st;
	if (fstat(fd, &st) < 0)
		die("%s: stat: %s", path, strerror(errno));
	if (S_ISDIR(st.st_mode))
		die("%s: is a directory", path);
	return fd;
}

void chain_close(struct chain *c)
{
	for (size_t i = 0; i < c->n; i++) {
		close_fd(&c->f[i].fd);
		free(c->f[i].name);
	}
	free(c->f);
	c->f = NULL;
	c->n = 0;
}

bool chain_same_file(const struct stat *st, const struct chain_file *f)
{
	return st->st_dev == f->dev && st->st_ino == f->ino;
}

/* How many rotated files there are now: PATH.1 .. PATH.M all exist. */
static size_t count_rotated(const char *path)
{
	struct stat st;
	size_t m = 0;
	while (m < MAX_ROTATED) {
		char *name = chain_name(path, m + 1);
		int rc = stat(name, &st);
		free(name);
		if (rc < 0)
			break;
		m++;
	}
	return m;
}

/* Takes name and fd into c. */
static void chain_add(struct chain *c, char *name, int fd)
{
	struct stat st;
	if (fstat(fd, &st) < 0)
		die("%s: stat: %s", name, strerror(errno));
	if (S_ISDIR(st.st_mode))
		die("%s: is a directory", name);
	struct chain_file *f = &c->f[c->n++];
	f->name = name;
	f->fd = fd;
	f->dev = st.st_dev;
	f->ino = st.st_ino;
	f->mtime = st.st_mtim;
}

/* Opens PATH.m .. PATH.1, PATH into c; false when a rotated file vanished
 * on the way (try again). */
static bool chain_open_members(const char *path, size_t m, struct chain *c)
{
	for (size_t k = m + 1; k-- > 0;) {
		char *name = chain_name(path, k);
		int fd = open(name, O_RDONLY | O_CLOEXEC | O_NOCTTY);
		if (fd < 0) {
			int err = errno;
			if (err == ENOENT) {
				free(name);
				return k == 0;
			}
			die("%s: %s", name, strerror(err));
		}
		chain_add(c, name, fd);
	}
	return true;
}

/* Did anything move while we opened? */
static bool chain_moved(const char *path, size_t m, const struct chain *c)
{
	struct stat st;
	for (size_t i = 0; i < c->n; i++)
		if (stat(c->f[i].name, &st) < 0 || !chain_same_file(&st, &c->f[i]))
			return true;
	char *next = chain_name(path, m + 1);
	bool grew = stat(next, &st) == 0;
	free(next);
	return grew;
}

int chain_snapshot(const char *path, struct chain *c)
{
	for (int attempt = 0; attempt < SNAPSHOT_ATTEMPTS; attempt++) {
		size_t m = count_rotated(path);
		c->f = xcalloc(m + 1, sizeof(*c->f));
		c->n = 0;
		if (chain_open_members(path, m, c) && !chain_moved(path, m, c))
			return 0;
		chain_close(c);
	}
	errno = EAGAIN;
	return -1;
}

void chain_open(const char *path, struct chain *c)
{
	if (chain_snapshot(path, c) < 0)
		die("%s: keeps rotating while being opened", path);
	if (c->n == 0)
		die("%s: %s", path, strerror(ENOENT));
}

void chain_read_to_eof(struct k8sread *rd, int fd, const char *name, struct out *out)
{
	if (k8sread_read_fd(rd, fd) < 0)
		out_warn(out, "%s: read: %s", name, strerror(errno));
}

void chain_read_whole(struct k8sread *rd, struct chain_file *f, struct out *out)
{
	k8sread_reset(rd, f->name);
	chain_read_to_eof(rd, f->fd, f->name, out);
	k8sread_finish(rd);
}

void chain_read_all(const char *path, struct k8sread *rd, struct out *out)
{
	struct chain c;
	chain_open(path, &c);
	for (size_t i = 0; i < c.n; i++)
		chain_read_whole(rd, &c.f[i], out);
	chain_close(&c);
}
