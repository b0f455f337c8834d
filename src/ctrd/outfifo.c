#include "ctrd/outfifo.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/diag.h"
#include "base/loop.h"
#include "base/util.h"

#define FILE_SCHEME "file://"

struct outfifo {
	struct loop *loop;
	struct outfifo_callbacks cb;
	struct watch w; /* the write end; watched for EPOLLOUT while bytes wait */
	int read_fd;    /* a fifo's read end, held so no reader is never EPIPE */
	bool is_fifo;   /* else a file: it takes every write whole, or fails */
	char *path;     /* for messages */
	char *q;        /* bytes the fifo did not take yet: q[q_off .. q_off+q_len) */
	size_t q_off, q_len, q_cap;
	size_t slack; /* bytes of the repaint queued last: they are not lag */
	unsigned long long lost; /* bytes a write error threw away */
	bool needs_repaint;
	bool full; /* byte-exact and told the caller so */
	bool finishing, closed;
};

static bool screen_policy(const struct outfifo *f)
{
	return f->cb.repaint != NULL;
}

static void q_drop(struct outfifo *f)
{
	free(f->q);
	f->q = NULL;
	f->q_off = f->q_len = f->q_cap = 0;
	f->slack = 0;
}

static void q_append(struct outfifo *f, const void *data, size_t len)
{
	if (f->q_off + f->q_len + len > f->q_cap) {
		/* Move the waiting bytes to the front before growing. */
		if (f->q_len > 0)
			memmove(f->q, f->q + f->q_off, f->q_len);
		f->q_off = 0;
		f->q = xgrow(f->q, &f->q_cap, f->q_len + len, 64u << 10);
	}
	memcpy(f->q + f->q_off + f->q_len, data, len);
	f->q_len += len;
}

static void q_consume(struct outfifo *f, size_t n)
{
	f->q_off += n;
	f->q_len -= n;
	f->slack = f->slack > n ? f->slack - n : 0;
	if (f->q_len == 0)
		q_drop(f); /* an idle stream keeps no buffer */
}

static void set_full(struct outfifo *f, bool full)
{
	if (f->full == full)
		return;
	f->full = full;
	if (f->cb.backpressure)
		f->cb.backpressure(f->cb.ctx, full);
}

/* A write failed for good (a file system error; a fifo has our reader, so
 * never EPIPE): the queue and the unqueued bytes are lost, said once, and
 * the source is never held back for them. */
static void write_failed(struct outfifo *f, size_t unqueued)
{
	if (f->lost == 0)
		diag_warn("output %s: %s; its output is dropped while this lasts", f->path, strerror(errno));
	f->lost += unqueued + f->q_len;
	q_drop(f);
	set_full(f, false);
}

/* Writes what it can now; the bytes taken, or -1 (errno set) when the
 * write failed for good. */
static ssize_t write_now(struct outfifo *f, const char *data, size_t len)
{
	if (!f->is_fifo)
		return write_all(f->w.fd, data, len) == 0 ? (ssize_t)len : -1;
	ssize_t n;
	do
		n = write(f->w.fd, data, len);
	while (n < 0 && errno == EINTR);
	if (n < 0 && errno == EAGAIN)
		return 0;
	return n;
}

static void update_watch(struct outfifo *f)
{
	if (f->closed)
		return;
	if (f->q_len == 0 && !f->needs_repaint) {
		loop_del(f->loop, &f->w);
		return;
	}
	if (loop_mod(f->loop, &f->w, EPOLLOUT) < 0) {
		write_failed(f, 0);
		f->needs_repaint = false;
	}
}

static void close_now(struct outfifo *f)
{
	loop_del(f->loop, &f->w);
	close_fd(&f->w.fd);
	close_fd(&f->read_fd);
	q_drop(f);
	f->closed = true;
	set_full(f, false);
}

/* CAN first: the reader's terminal may be inside a sequence that dropped
 * (or stale) bytes began. */
static void queue_repaint(struct outfifo *f)
{
	f->needs_repaint = false;
	size_t len;
	char *paint = f->cb.repaint(f->cb.ctx, &len);
	if (paint == NULL)
		return;
	q_append(f, "\030", 1);
	q_append(f, paint, len);
	f->slack = len + 1;
	free(paint);
}

static void flush(struct outfifo *f)
{
	for (;;) {
		if (f->q_len == 0 && f->needs_repaint)
			queue_repaint(f);
		if (f->q_len == 0)
			break;
		ssize_t n = write_now(f, f->q + f->q_off, f->q_len);
		if (n < 0)
			write_failed(f, 0);
		if (n <= 0)
			break;
		q_consume(f, (size_t)n);
	}
	if (f->full && f->q_len <= OUTFIFO_LOW)
		set_full(f, false);
	if (f->finishing && f->q_len == 0 && !f->needs_repaint)
		close_now(f);
	else
		update_watch(f);
}

static void on_writable(struct watch *w, uint32_t events)
{
	(void)events;
	flush(w->ctx);
}

/* The fifo's read end first: opening the write end then never fails for
 * want of a reader, and never waits for one. */
static int open_fifo(struct outfifo *f, const char *path)
{
	f->read_fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (f->read_fd < 0)
		return -1;
	return open(path, O_WRONLY | O_NONBLOCK | O_CLOEXEC);
}

/* file://PATH: made with its directory, appended to (as the Go shim does). */
static int open_file_uri(const char *uri)
{
	const char *path = uri + strlen(FILE_SCHEME);
	if (path[0] != '/') {
		errno = EINVAL;
		return -1;
	}
	char *dir = xstrdup(path);
	mkdir_p(dirname(dir), 0755);
	free(dir);
	return open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
}

static int open_target(struct outfifo *f, const char *path)
{
	if (strncmp(path, FILE_SCHEME, strlen(FILE_SCHEME)) == 0)
		return open_file_uri(path);
	struct stat st;
	f->is_fifo = stat(path, &st) == 0 && S_ISFIFO(st.st_mode);
	if (f->is_fifo)
		return open_fifo(f, path);
	return open(path, O_WRONLY | O_APPEND | O_CLOEXEC);
}

struct outfifo *outfifo_open(struct loop *loop, const char *path, const struct outfifo_callbacks *cb, char *err,
			     size_t errlen)
{
	if (strstr(path, "://") && strncmp(path, FILE_SCHEME, strlen(FILE_SCHEME)) != 0) {
		snprintf(err, errlen, "%s: only fifos, files and file:// URIs are supported", path);
		return NULL;
	}
	struct outfifo *f = xcalloc(1, sizeof(*f));
	f->loop = loop;
	f->cb = *cb;
	f->read_fd = -1;
	f->path = xstrdup(path);
	int fd = open_target(f, path);
	if (fd < 0) {
		snprintf(err, errlen, "open %s: %s", path, strerror(errno));
		close_fd(&f->read_fd);
		free(f->path);
		free(f);
		return NULL;
	}
	watch_init(&f->w, fd, on_writable, f);
	return f;
}

void outfifo_free(struct outfifo *f)
{
	if (f == NULL)
		return;
	if (!f->closed) {
		loop_del(f->loop, &f->w);
		close_fd(&f->w.fd);
		close_fd(&f->read_fd);
	}
	if (f->lost > 0)
		diag_warn("output %s: %llu bytes lost in all", f->path, f->lost);
	free(f->q);
	free(f->path);
	free(f);
}

/* Too far behind: with a screen model the backlog gives way to a repaint;
 * byte-exact, the source is held back. */
static void check_lag(struct outfifo *f)
{
	if (screen_policy(f)) {
		size_t lag_max = f->cb.lag_max ? f->cb.lag_max(f->cb.ctx) : OUTFIFO_HIGH;
		if (f->q_len <= lag_max + f->slack)
			return;
		diag_debug("output %s: %zu bytes behind; a repaint instead", f->path, f->q_len);
		q_drop(f);
		f->needs_repaint = true;
		return;
	}
	if (f->q_len >= OUTFIFO_HIGH)
		set_full(f, true);
}

void outfifo_write(struct outfifo *f, const void *data, size_t len)
{
	if (f->closed || f->finishing || f->needs_repaint || len == 0)
		return;
	if (f->q_len == 0) {
		ssize_t n = write_now(f, data, len);
		if (n < 0)
			write_failed(f, len);
		if (n < 0 || (size_t)n == len)
			return;
		data = (const char *)data + n;
		len -= (size_t)n;
	}
	q_append(f, data, len);
	check_lag(f);
	update_watch(f);
}

void outfifo_repaint(struct outfifo *f)
{
	if (f->closed || f->finishing || !screen_policy(f))
		return;
	f->needs_repaint = true;
	flush(f);
}

bool outfifo_finish(struct outfifo *f)
{
	if (!f->closed) {
		f->finishing = true;
		f->needs_repaint = false;
		flush(f);
	}
	return f->closed;
}

bool outfifo_full(const struct outfifo *f)
{
	return f->full;
}

size_t outfifo_queued(const struct outfifo *f)
{
	return f->q_len;
}

bool outfifo_closed(const struct outfifo *f)
{
	return f->closed;
}
