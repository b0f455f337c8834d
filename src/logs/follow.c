/* follow: the newest file we have, and what became of it. */
#include "logs/follow.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/util.h"
#include "logs/chain.h"
#include "logs/die.h"
#include "logs/logpath.h"

/* Bound on catching up with a log that keeps rotating under us. */
#define CATCH_UP_ATTEMPTS 50

struct follower {
	const char *path;
	struct out *out;
	int ifd;
	int log_wd;
	int dir_fd; /* to notice the directory's removal (see follow_wait) */
	struct endcond end;
	struct k8sread *rd;
	struct chain_file cur; /* the newest file read so far: always one once reading began */
};

/* Every directory gets the same mask: one watched twice (the exit file
 * beside the log) is one watch, whose mask the second call replaces. */
static int watch_dir(int ifd, const char *dir, const char *what)
{
	uint32_t mask = IN_MODIFY | IN_CREATE | IN_MOVED_TO | IN_MOVED_FROM | IN_DELETE | IN_CLOSE_WRITE | IN_ATTRIB |
			IN_DELETE_SELF | IN_MOVE_SELF;
	int wd = inotify_add_watch(ifd, dir, mask);
	if (wd < 0)
		die("%s: %s: inotify: %s", what, dir, strerror(errno));
	return wd;
}

static void follow_set_cur(struct follower *fw, struct chain_file *f)
{
	fw->cur = *f;
	f->fd = -1;
	f->name = NULL;
	k8sread_reset(fw->rd, fw->cur.name);
	chain_read_to_eof(fw->rd, fw->cur.fd, fw->cur.name, fw->out);
}

static void follow_leave_cur(struct follower *fw)
{
	chain_read_to_eof(fw->rd, fw->cur.fd, fw->cur.name, fw->out);
	k8sread_finish(fw->rd);
	close_fd(&fw->cur.fd);
	free(fw->cur.name);
	fw->cur.name = NULL;
}

static bool older_than(const struct timespec *a, const struct timespec *b)
{
	return a->tv_sec < b->tv_sec || (a->tv_sec == b->tv_sec && a->tv_nsec < b->tv_nsec);
}

/* Reads the rest of our file; true while it is still PATH. */
static bool follow_read_cur(struct follower *fw)
{
	struct stat st;
	chain_read_to_eof(fw->rd, fw->cur.fd, fw->cur.name, fw->out);
	if (stat(fw->path, &st) < 0 || !chain_same_file(&st, &fw->cur))
		return false;
	off_t pos = lseek(fw->cur.fd, 0, SEEK_CUR);
	struct stat cst;
	if (pos >= 0 && fstat(fw->cur.fd, &cst) == 0 && cst.st_size < pos) {
		/* Truncated in place (copytruncate): start over. */
		out_warn(fw->out, "%s: truncated; reading it again from the start", fw->path);
		if (lseek(fw->cur.fd, 0, SEEK_SET) < 0)
			die("%s: seek: %s", fw->cur.name, strerror(errno));
		k8sread_reset(fw->rd, fw->cur.name);
		chain_read_to_eof(fw->rd, fw->cur.fd, fw->cur.name, fw->out);
	}
	return true;
}

/* Our file has left the chain (rotated out, or replaced by a rename as
 * conmon's truncation does): what was written after it is in the files
 * modified no earlier than it was. */
static size_t first_newer(struct follower *fw, const struct chain *c)
{
	struct stat cst;
	struct timespec m = fw->cur.mtime;
	if (fstat(fw->cur.fd, &cst) == 0)
		m = cst.st_mtim;
	size_t first = 0;
	while (first < c->n && strcmp(c->f[first].name, fw->path) != 0 && older_than(&c->f[first].mtime, &m))
		first++;
	/* Every rotated file is newer than ours: ours went past PATH.K while
	 * we were away, and maybe others with it. */
	if (first == 0 && c->n > 1 && strcmp(c->f[0].name, fw->path) != 0)
		out_warn(fw->out, "%s: rotated faster than it could be read; records may be missing", fw->path);
	return first;
}

/* Where in c the records we have not read begin. */
static size_t first_unread(struct follower *fw, const struct chain *c)
{
	for (size_t i = 0; i < c->n; i++)
		if (c->f[i].dev == fw->cur.dev && c->f[i].ino == fw->cur.ino)
			return i + 1;
	return first_newer(fw, c);
}

/* Reads everything written since the last call, wherever rotation or
 * truncation has moved it. */
static void follow_catch_up(struct follower *fw)
{
	for (int iter = 0; iter < CATCH_UP_ATTEMPTS; iter++) {
		if (follow_read_cur(fw))
			return;
		struct chain c;
		if (chain_snapshot(fw->path, &c) < 0) {
			out_warn(fw->out, "%s: keeps changing while opened; trying again on the next change", fw->path);
			return;
		}
		size_t first = first_unread(fw, &c);
		if (first >= c.n) {
			chain_close(&c);
			return; /* nothing newer yet: PATH is being recreated */
		}
		follow_leave_cur(fw);
		for (size_t i = first; i + 1 < c.n; i++)
			chain_read_whole(fw->rd, &c.f[i], fw->out);
		follow_set_cur(fw, &c.f[c.n - 1]);
		chain_close(&c);
	}
}

/* Whether the log's directory is still there, after the events waiting. */
static bool dir_survives(struct follower *fw)
{
	char buf[16384] __attribute__((aligned(__alignof__(struct inotify_event))));
	ssize_t n;
	do
		n = read(fw->ifd, buf, sizeof(buf));
	while (n < 0 && errno == EINTR);
	if (n <= 0)
		die("inotify: read: %s", n < 0 ? strerror(errno) : "end of file");
	bool alive = true;
	for (char *p = buf; p < buf + n;) {
		const struct inotify_event *ev = (const struct inotify_event *)p;
		if (ev->wd == fw->log_wd && (ev->mask & (IN_IGNORED | IN_DELETE_SELF | IN_MOVE_SELF)))
			alive = false;
		p += sizeof(*ev) + ev->len;
	}
	/* IN_DELETE_SELF comes only once the directory's dentry is released,
	 * and the deleted log we still hold open pins it: look at the link
	 * count instead, which rmdir sets to 0 at once. */
	struct stat st;
	if (fstat(fw->dir_fd, &st) == 0 && st.st_nlink == 0)
		alive = false;
	return alive;
}

/* Waits for the next change; false once the log's directory is gone. */
static bool follow_wait(struct follower *fw)
{
	out_flush_all(fw->out);
	struct pollfd pfd[2] = {{.fd = fw->ifd, .events = POLLIN}, {.fd = fw->end.monitor_fd, .events = POLLIN}};
	int rc;
	do
		rc = poll(pfd, 2, -1);
	while (rc < 0 && errno == EINTR);
	if (rc < 0)
		die("poll: %s", strerror(errno));
	if (pfd[1].revents) {
		fw->end.monitor_gone = true;
		return true;
	}
	return dir_survives(fw);
}

/* Watches first, then looks: a change in between is never missed. */
static void follow_start(struct follower *fw, const struct endcond_options *opts)
{
	fw->ifd = inotify_init1(IN_CLOEXEC);
	if (fw->ifd < 0)
		die("inotify: %s", strerror(errno));
	char *dir = logpath_dir(fw->path);
	fw->log_wd = watch_dir(fw->ifd, dir, fw->path);
	fw->dir_fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fw->dir_fd < 0)
		die("%s: %s", dir, strerror(errno));
	free(dir);
	endcond_find_exit_file(&fw->end, fw->path, opts);
	if (fw->end.exit_path != NULL) {
		char *exit_dir = logpath_dir(fw->end.exit_path);
		watch_dir(fw->ifd, exit_dir, "exit file");
		free(exit_dir);
	}
	endcond_find_monitor(&fw->end, fw->path, opts);
}

/* Reads the chain as it is now, leaving the newest file open. */
static void follow_read_backlog(struct follower *fw)
{
	struct chain c;
	chain_open(fw->path, &c);
	for (size_t i = 0; i + 1 < c.n; i++)
		chain_read_whole(fw->rd, &c.f[i], fw->out);
	follow_set_cur(fw, &c.f[c.n - 1]);
	chain_close(&c);
	follow_catch_up(fw);
}

void follow_log(const char *path, const struct endcond_options *opts, struct k8sread *rd, struct sink *sink,
		struct out *out)
{
	struct follower fw = {
		.path = path, .out = out, .ifd = -1, .log_wd = -1, .dir_fd = -1, .end = ENDCOND_INIT, .rd = rd};
	follow_start(&fw, opts);
	follow_read_backlog(&fw);
	sink_caught_up(sink);
	for (;;) {
		if (endcond_reached(&fw.end)) {
			follow_catch_up(&fw);
			break;
		}
		if (!follow_wait(&fw)) {
			follow_catch_up(&fw);
			out_warn(out, "%s: the log's directory was removed; stopping", path);
			break;
		}
		follow_catch_up(&fw);
	}
	follow_leave_cur(&fw);
	endcond_free(&fw.end);
	close_fd(&fw.dir_fd);
	close_fd(&fw.ifd);
}
