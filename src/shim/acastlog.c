/* acastlog: asciicast v2 recording driver for the shim's output path.
 * Invariant: `backlog` holds whole event lines (the first possibly already
 * partly written), so the file only ever ends in the middle of a line while
 * the disk refuses the rest of it. */
#include "shim/acastlog.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "logfmt/asciicast.h"
#include "base/diag.h"
#include "logfmt/logtime.h"
#include "base/util.h"

struct acastlog {
	struct logdrv drv; /* first: the shim holds a struct logdrv * */
	char *path;
	char *command;
	int fd;
	int64_t base_ns;  /* wall-clock time of t = 0 (the header's timestamp) */
	int64_t last_t;   /* event times never go backwards, even if the clock does */
	unsigned rows, cols;
	struct acast_utf8 utf8[2]; /* per stream: a sequence may span reads */
	struct acast_text backlog;
	bool failing;     /* the last write failed; reported once per episode */
	unsigned long long lost_episode;
};

static struct acastlog *to_acastlog(struct logdrv *drv)
{
	return (struct acastlog *)drv;
}

static int64_t ts_ns(const struct timespec *ts)
{
	return (int64_t)ts->tv_sec * LOGTIME_NS_PER_SEC + ts->tv_nsec;
}

static int64_t rel_time(struct acastlog *a, int64_t when)
{
	int64_t t = when - a->base_ns;
	if (t < a->last_t)
		t = a->last_t;
	a->last_t = t;
	return t;
}

/* Write as much of the backlog as the file takes now. */
static void flush_backlog(struct acastlog *a)
{
	size_t done = 0;
	while (done < a->backlog.len) {
		ssize_t n = write(a->fd, a->backlog.data + done, a->backlog.len - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (!a->failing)
				diag_warn("asciicast: %s: write: %s (kept in memory, retried on the next output)", a->path,
					  n < 0 ? strerror(errno) : "no progress");
			a->failing = true;
			break;
		}
		done += (size_t)n;
	}
	acast_text_consume(&a->backlog, done);
	if (a->failing && a->backlog.len == 0) {
		a->failing = false;
		if (a->lost_episode > 0)
			diag_warn("asciicast: %s: writing again; %llu bytes of output were not recorded", a->path,
				  a->lost_episode);
		else
			diag_info("asciicast: %s: writing again, nothing lost", a->path);
		a->lost_episode = 0;
	}
}

static bool backlog_full(const struct acastlog *a)
{
	return a->backlog.len >= ACASTLOG_MAX_BACKLOG;
}

static void acastlog_write(struct logdrv *drv, const struct output_chunk *chunk)
{
	struct acastlog *a = to_acastlog(drv);
	if (chunk->len == 0)
		return;
	if (a->failing)
		flush_backlog(a);
	if (backlog_full(a)) {
		if (a->lost_episode == 0)
			diag_warn("asciicast: %s: backlog full, output is not recorded until the file takes writes",
				  a->path);
		a->lost_episode += chunk->len;
		return;
	}
	struct acast_utf8 *st = &a->utf8[chunk->stream == STREAM_STDERR ? 1 : 0];
	acast_output_line(&a->backlog, st, rel_time(a, ts_ns(&chunk->when)), chunk->data, chunk->len);
	flush_backlog(a);
}

static void acastlog_resize(struct logdrv *drv, unsigned rows, unsigned cols, const struct timespec *when)
{
	struct acastlog *a = to_acastlog(drv);
	if (rows == 0 || cols == 0 || (rows == a->rows && cols == a->cols))
		return;
	a->rows = rows;
	a->cols = cols;
	if (backlog_full(a))
		return;
	struct timespec now;
	if (when == NULL) {
		clock_gettime(CLOCK_REALTIME, &now);
		when = &now;
	}
	acast_resize_line(&a->backlog, rel_time(a, ts_ns(when)), cols, rows);
	flush_backlog(a);
}

static void start_recording(struct acastlog *a)
{
	int64_t now = logtime_now();
	char term[256];
	const char *t = getenv("TERM");
	/* The shim runs without a terminal of its own; podman gives terminal
	 * containers TERM=xterm, which is what a player should emulate. */
	snprintf(term, sizeof(term), "TERM=%s", t && *t ? t : "xterm");
	const char *env[] = {term, NULL};
	struct acast_header h = {
		.width = a->cols,
		.height = a->rows,
		.timestamp = now / LOGTIME_NS_PER_SEC,
		.command = a->command,
		.env = env,
	};
	a->base_ns = h.timestamp * LOGTIME_NS_PER_SEC;
	a->last_t = 0;
	acast_header_line(&a->backlog, &h);
}

/* The timestamp of an existing recording's header, if it has the exact
 * form this driver (and asciinema's json.dumps) writes. Anything else is
 * not trusted to be continued. */
static bool existing_header(int fd, int64_t *timestamp)
{
	char buf[512];
	ssize_t n;
	do
		n = pread(fd, buf, sizeof(buf) - 1, 0);
	while (n < 0 && errno == EINTR);
	if (n <= 0)
		return false;
	buf[n] = '\0';
	unsigned w, h;
	long long ts;
	int end = 0;
	if (sscanf(buf, "{\"version\": 2, \"width\": %u, \"height\": %u, \"timestamp\": %lld%n", &w, &h, &ts, &end) != 3 ||
	    end == 0 || (buf[end] != ',' && buf[end] != '}') || ts < 0 || ts > INT64_MAX / LOGTIME_NS_PER_SEC)
		return false;
	*timestamp = ts;
	return true;
}

static bool ends_with_newline(int fd, off_t size)
{
	char c;
	ssize_t n;
	do
		n = pread(fd, &c, 1, size - 1);
	while (n < 0 && errno == EINTR);
	return n == 1 && c == '\n';
}

/* Open (or reopen) the file and queue whatever must precede the events. */
static int open_file(struct acastlog *a, char **err)
{
	/* Read-write: an existing recording's header is read to continue it. */
	int fd = open_log_file(a->path, O_RDWR);
	if (fd < 0) {
		if (err)
			*err = xasprintf("asciicast: %s: open: %s", a->path, strerror(errno));
		return -1;
	}
	struct stat st;
	if (fstat(fd, &st) < 0) {
		if (err)
			*err = xasprintf("asciicast: %s: stat: %s", a->path, strerror(errno));
		close_fd(&fd);
		return -1;
	}
	int64_t ts;
	if (st.st_size == 0) {
		start_recording(a);
	} else if (existing_header(fd, &ts)) {
		/* A torn last line (crash mid-write) must not swallow our first event. */
		if (!ends_with_newline(fd, st.st_size))
			acast_text_append(&a->backlog, "\n", 1);
		/* Reopening our own recording keeps its clock; another one
		 * (an earlier run's) starts with its own. */
		if (a->base_ns != ts * LOGTIME_NS_PER_SEC) {
			a->base_ns = ts * LOGTIME_NS_PER_SEC;
			a->last_t = 0;
		}
		acast_resize_line(&a->backlog, rel_time(a, logtime_now()), a->cols, a->rows);
		} else {
		diag_warn("asciicast: %s: not an asciicast v2 recording; appending a new one after it", a->path);
		if (!ends_with_newline(fd, st.st_size))
			acast_text_append(&a->backlog, "\n", 1);
		start_recording(a);
	}
	a->fd = fd;
	return 0;
}

static int acastlog_reopen(struct logdrv *drv)
{
	struct acastlog *a = to_acastlog(drv);
	flush_backlog(a);
	if (a->backlog.len > 0) {
		/* The old file still owes these bytes; they are part of its events. */
		errno = EAGAIN;
		diag_warn("asciicast: %s: reopen: old file still has unwritten events; not reopened", a->path);
		return -1;
	}
	int old = take_fd(&a->fd);
	char *err = NULL;
	if (open_file(a, &err) < 0) {
		diag_warn("%s", err);
		free(err);
		a->fd = old;
		return -1;
	}
	close_fd(&old);
	flush_backlog(a);
	return 0;
}

static void acastlog_sync(struct logdrv *drv)
{
	struct acastlog *a = to_acastlog(drv);
	flush_backlog(a);
	if (fsync(a->fd) < 0 && errno != EINVAL)
		diag_warn("asciicast: %s: fsync: %s", a->path, strerror(errno));
}

/* Everything the driver owns; the fd may be -1 (an open that failed). */
static void acastlog_free(struct acastlog *a)
{
	close_fd(&a->fd);
	acast_text_free(&a->backlog);
	free(a->path);
	free(a->command);
	free(a);
}

static void acastlog_destroy(struct logdrv *drv)
{
	struct acastlog *a = to_acastlog(drv);
	int64_t t = rel_time(a, logtime_now());
	for (size_t i = 0; i < ARRAY_SIZE(a->utf8); i++)
		if (!backlog_full(a))
			acast_flush_line(&a->backlog, &a->utf8[i], t);
	flush_backlog(a);
	if (a->backlog.len > 0)
		diag_warn("asciicast: %s: %zu bytes of events could not be written", a->path, a->backlog.len);
	acastlog_free(a);
}

static const struct logdrv_ops acastlog_ops = {.write = acastlog_write, .resize = acastlog_resize,
					     .reopen = acastlog_reopen, .sync = acastlog_sync, .destroy = acastlog_destroy};

struct logdrv *acastlog_open(const char *path, unsigned rows, unsigned cols, const char *command, char **err)
{
	if (err)
		*err = NULL;
	struct acastlog *a = xcalloc(1, sizeof(*a));
	a->drv.ops = &acastlog_ops;
	a->drv.name = "asciicast";
	a->path = xstrdup(path);
	a->command = command ? xstrdup(command) : NULL;
	a->fd = -1;
	a->rows = rows && cols ? rows : 24;
	a->cols = rows && cols ? cols : 80;
	if (open_file(a, err) < 0) {
		acastlog_free(a);
		return NULL;
	}
	flush_backlog(a);
	return &a->drv;
}
