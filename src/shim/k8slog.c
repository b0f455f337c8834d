/* k8slog: k8s-file writer. A chunk's records are gathered into iovecs (short
 * contents copied next to their header, long ones referenced in place) and
 * written with one writev. A batch that fails part-way is cut back off the
 * file, so a reader never sees half a record; the loss is counted and said
 * once, and writing resumes as soon as the file system accepts data again. */
#include "shim/k8slog.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/diag.h"
#include "base/util.h"
#include "logfmt/logtime.h"

#define K8S_HDR_LEN (LOGTIME_K8S_LEN + 10) /* "TS stdout F " */
#define K8S_COPY_MAX 256                     /* contents up to this are copied, not referenced */
#define K8S_IOV_MAX 1024
#define K8S_STAGE_SIZE (K8S_IOV_MAX / 2 * (K8S_HDR_LEN + K8S_COPY_MAX + 1))

struct k8slog {
	struct logdrv base;
	struct k8slog_opts opts;
	char *path;
	int fd;
	int64_t size;  /* bytes in the current file that count against size_max */
	int64_t total; /* bytes written over the driver's life (global max) */
	off_t file_end; /* where the next append lands, to cut back a failed batch */
	bool global_stopped;
	struct logtime_local clock; /* the date-time part changes once a second */
	/* The batch being built. */
	struct iovec iov[K8S_IOV_MAX];
	int n_iov;
	char *stage;
	size_t stage_used;
	size_t batch_bytes;
	/* Loss accounting. */
	uint64_t lost;
	bool failing;
	/* Per stream (stdout, stderr): a line whose P records are written but
	 * whose end has not come yet. Rotation waits for it, and when a batch
	 * fails the line's beginning is cut off too and its rest skipped, so
	 * every file holds whole lines only (conmon#563). "committed" is the
	 * state as of file_end, "open" includes the batch being built. */
	struct {
		bool open, committed_open;
		off_t start, committed_start;
		bool skipping;
	} lines[2];
};

static const struct logdrv_ops k8slog_ops;

/* "TIMESTAMP stdout F " for a chunk read at ts; hdr holds K8S_HDR_LEN + 1. */
static void k8slog_header(struct k8slog *k, const struct output_chunk *chunk, char *hdr)
{
	int64_t ns = (int64_t)chunk->when.tv_sec * LOGTIME_NS_PER_SEC + chunk->when.tv_nsec;
	if (logtime_format_local(&k->clock, ns, hdr, K8S_HDR_LEN + 1) == 0)
		memcpy(hdr, "0000-01-01T00:00:00.000000000+00:00", LOGTIME_K8S_LEN); /* a clock past 9999 */
	memcpy(hdr + LOGTIME_K8S_LEN, chunk->stream == STREAM_STDERR ? " stderr F " : " stdout F ", 10);
}

static int k8slog_open_file(struct k8slog *k, int extra_flags)
{
	int fd = open_log_file(k->path, O_WRONLY | extra_flags);
	if (fd < 0)
		return -1;
	struct stat sb;
	if (fstat(fd, &sb) < 0) {
		close_fd(&fd);
		return -1;
	}
	close_fd(&k->fd);
	k->fd = fd;
	/* conmon 2.1.6 starts its count at 0 whatever the file holds; rotation
	 * counts what is there, or a restarted shim would let the file grow
	 * past its limit. */
	k->size = k->opts.rotate ? sb.st_size : 0;
	k->file_end = sb.st_size;
	return 0;
}

struct logdrv *k8slog_open(const struct k8slog_opts *opts, char **err)
{
	struct k8slog *k = xcalloc(1, sizeof(*k));
	k->base.ops = &k8slog_ops;
	k->base.name = "k8s-file";
	k->opts = *opts;
	k->path = xstrdup(opts->path);
	k->opts.path = k->path;
	k->fd = -1;
	if (k8slog_open_file(k, 0) < 0) {
		*err = xasprintf("Failed to open log file %s: %s", opts->path, strerror(errno));
		free(k->path);
		free(k);
		return NULL;
	}
	k->stage = xmalloc(K8S_STAGE_SIZE);
	return &k->base;
}

static void k8slog_report_loss(struct k8slog *k, size_t bytes, int errnum)
{
	k->lost += bytes;
	if (!k->failing) {
		diag_err("log %s: write failed: %s; output is being lost until it works again", k->path,
			 strerror(errnum));
		k->failing = true;
	}
}

static void k8slog_switch_file(struct k8slog *k);

/* Writes the batch; the batch's iovecs are left as they were, so a failed
 * batch can be tried again. */
static int k8slog_write_batch(struct k8slog *k)
{
	ssize_t n;
	do
		n = writev(k->fd, k->iov, k->n_iov);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -1;
	if ((size_t)n == k->batch_bytes)
		return 0;
	/* A short write: go on from a copy. */
	struct iovec *rest = xmalloc((size_t)k->n_iov * sizeof(*rest));
	memcpy(rest, k->iov, (size_t)k->n_iov * sizeof(*rest));
	int cnt = k->n_iov;
	struct iovec *p = rest;
	while (cnt > 0 && (size_t)n >= p->iov_len) {
		n -= (ssize_t)p->iov_len;
		p++;
		cnt--;
	}
	if (cnt > 0) {
		p->iov_base = (char *)p->iov_base + n;
		p->iov_len -= (size_t)n;
	}
	int rc = writev_all(k->fd, p, cnt);
	int saved = errno;
	free(rest);
	errno = saved;
	return rc;
}

/* A full disk with rotation on: dropping the oldest file may be all it
 * takes. The batch holds whole lines' beginnings, so it can go to the new
 * file as it is. Returns the retried write's result. */
static int k8slog_rotate_and_retry(struct k8slog *k)
{
	off_t old_end = k->file_end;
	if (ftruncate(k->fd, k->file_end) < 0)
		diag_warn("log %s: cannot remove a partial record: %s", k->path, strerror(errno));
	k8slog_switch_file(k);
	for (int i = 0; i < 2; i++)
		if (k->lines[i].open)
			k->lines[i].start -= old_end;
	int rc = k->fd >= 0 ? k8slog_write_batch(k) : -1;
	if (rc < 0 && k->fd < 0)
		errno = EBADF;
	return rc;
}

/* Cuts the batch off, and the beginnings of lines it would have finished,
 * so no torn record or line stays in the file. */
static void k8slog_batch_failed(struct k8slog *k, size_t bytes, int errnum)
{
	off_t cut = k->file_end;
	for (int i = 0; i < 2; i++)
		if (k->lines[i].committed_open && k->lines[i].committed_start < cut)
			cut = k->lines[i].committed_start;
	if (ftruncate(k->fd, cut) < 0)
		diag_warn("log %s: cannot remove a partial record: %s", k->path, strerror(errno));
	k8slog_report_loss(k, bytes + (size_t)(k->file_end - cut), errnum);
	k->size -= (int64_t)(k->file_end - cut);
	k->file_end = cut;
	for (int i = 0; i < 2; i++) {
		k->lines[i].skipping = k->lines[i].open;
		k->lines[i].open = k->lines[i].committed_open = false;
	}
}

static void k8slog_batch_written(struct k8slog *k, size_t bytes)
{
	if (k->failing) {
		diag_warn("log %s: writing again; %llu bytes were lost", k->path, (unsigned long long)k->lost);
		k->failing = false;
	}
	k->size += (int64_t)bytes;
	k->total += (int64_t)bytes;
	k->file_end += (off_t)bytes;
	for (int i = 0; i < 2; i++) {
		k->lines[i].committed_open = k->lines[i].open;
		k->lines[i].committed_start = k->lines[i].start;
	}
}

static void k8slog_flush(struct k8slog *k)
{
	if (k->n_iov == 0)
		return;
	size_t bytes = k->batch_bytes;
	if (k->fd < 0) {
		k8slog_report_loss(k, bytes, EBADF);
	} else {
		int rc = k8slog_write_batch(k);
		if (rc < 0 && errno == ENOSPC && k->opts.rotate && k->file_end > 0 && !k->lines[0].committed_open &&
		    !k->lines[1].committed_open)
			rc = k8slog_rotate_and_retry(k);
		if (rc < 0)
			k8slog_batch_failed(k, bytes, errno);
		else
			k8slog_batch_written(k, bytes);
	}
	k->n_iov = 0;
	k->stage_used = 0;
	k->batch_bytes = 0;
}

/* Moves on to a new file: renames in rotation mode, starts PATH over
 * otherwise (conmon 2.1.6). Line state is the caller's business. */
static void k8slog_switch_file(struct k8slog *k)
{
	if (k->fd >= 0 && fsync(k->fd) < 0)
		diag_warn("log %s: fsync: %s", k->path, strerror(errno));
	if (k->opts.rotate) {
		size_t plen = strlen(k->path);
		char *from = xmalloc(plen + 16), *to = xmalloc(plen + 16);
		for (int i = k->opts.max_files - 1; i >= 0; i--) {
			if (i == 0)
				snprintf(from, plen + 16, "%s", k->path);
			else
				snprintf(from, plen + 16, "%s.%d", k->path, i);
			snprintf(to, plen + 16, "%s.%d", k->path, i + 1);
			if (rename(from, to) < 0 && errno != ENOENT)
				diag_warn("log rotate %s -> %s: %s", from, to, strerror(errno));
		}
		free(from);
		free(to);
		if (k8slog_open_file(k, 0) < 0) {
			diag_err("log %s: reopen after rotation: %s", k->path, strerror(errno));
			close_fd(&k->fd);
		}
	} else {
		/* conmon 2.1.6: start the file over through a temp file and rename. */
		char *tmp = xasprintf("%s.tmp", k->path);
		int fd = open_log_file(tmp, O_WRONLY | O_TRUNC);
		if (fd < 0 || rename(tmp, k->path) < 0) {
			diag_err("log %s: truncate: %s", k->path, strerror(errno));
			close_fd(&fd);
		} else {
			close_fd(&k->fd);
			k->fd = fd;
			k->file_end = 0;
		}
		free(tmp);
	}
	k->size = 0;
}

static void k8slog_rotate(struct k8slog *k)
{
	k8slog_flush(k);
	/* Offsets of the old file mean nothing in the new one. */
	for (int i = 0; i < 2; i++)
		k->lines[i].open = k->lines[i].committed_open = false;
	k8slog_switch_file(k);
}

/* Whether a record of rec_len bytes on stream si is to be written, and
 * a rotation first when it would take the file past its limit. */
static bool k8slog_admit(struct k8slog *k, int si, size_t rec_len, bool partial)
{
	if (k->global_stopped)
		return false;
	if (k->lines[si].skipping) {
		/* The rest of a line whose beginning was lost. */
		k->lost += rec_len;
		k->lines[si].skipping = partial;
		return false;
	}
	if (k->opts.global_size_max > 0 && k->total + (int64_t)(k->batch_bytes + rec_len) > k->opts.global_size_max) {
		k8slog_flush(k);
		diag_warn("log %s: --log-global-size-max reached; logging stops", k->path);
		k->global_stopped = true;
		return false;
	}
	/* An empty file is never rotated away: a record bigger than the limit
	 * goes into it, rather than pushing the oldest kept file out for nothing. */
	int64_t would_be = k->size + (int64_t)(k->batch_bytes + rec_len);
	bool line_open = k->lines[0].open || k->lines[1].open;
	/* A line still being written is finished first, unless it keeps the
	 * file growing well past its limit. */
	if (k->opts.size_max > 0 && k->size + (int64_t)k->batch_bytes > 0 && would_be > k->opts.size_max &&
	    (!line_open || would_be > 2 * k->opts.size_max))
		k8slog_rotate(k);
	return true;
}

/* Adds the record's iovecs to the batch: the header (and a short content)
 * copied into the stage, a long content referenced where it is. */
static void k8slog_stage(struct k8slog *k, const char *hdr, const char *data, size_t len, bool partial)
{
	bool copy = len <= K8S_COPY_MAX;
	size_t stage_need = K8S_HDR_LEN + (copy ? len + 1 : 0);
	if (k->n_iov + 3 > K8S_IOV_MAX || k->stage_used + stage_need > K8S_STAGE_SIZE)
		k8slog_flush(k);

	char *h = k->stage + k->stage_used;
	memcpy(h, hdr, K8S_HDR_LEN);
	if (partial)
		h[LOGTIME_K8S_LEN + 8] = 'P';
	size_t used = K8S_HDR_LEN;
	if (copy) {
		memcpy(h + used, data, len);
		used += len;
		if (partial)
			h[used++] = '\n';
	}
	/* Merge with the previous iovec when it ends right where this begins. */
	struct iovec *last = k->n_iov > 0 ? &k->iov[k->n_iov - 1] : NULL;
	if (last != NULL && (char *)last->iov_base + last->iov_len == h)
		last->iov_len += used;
	else
		k->iov[k->n_iov++] = (struct iovec){h, used};
	k->stage_used += used;
	if (!copy) {
		k->iov[k->n_iov++] = (struct iovec){(void *)data, len};
		if (partial)
			k->iov[k->n_iov++] = (struct iovec){"\n", 1};
	}
}

/* hdr: the chunk's "TIMESTAMP STREAM F " header, built once per chunk. */
static void k8slog_add_record(struct k8slog *k, const char *hdr, int si, const char *data, size_t len,
			      bool partial)
{
	size_t rec_len = K8S_HDR_LEN + len + (partial ? 1 : 0);
	if (!k8slog_admit(k, si, rec_len, partial))
		return;
	k8slog_stage(k, hdr, data, len, partial);
	if (!k->lines[si].open)
		k->lines[si].start = k->file_end + (off_t)k->batch_bytes;
	k->lines[si].open = partial;
	k->batch_bytes += rec_len;
}

static void k8slog_write(struct logdrv *drv, const struct output_chunk *chunk)
{
	struct k8slog *k = (struct k8slog *)drv;
	char ts[K8S_HDR_LEN + 1];
	k8slog_header(k, chunk, ts);
	int si = chunk->stream == STREAM_STDERR ? 1 : 0;
	const char *p = chunk->data, *end = chunk->data + chunk->len;
	while (p < end) {
		size_t avail = (size_t)(end - p);
		size_t lim = avail < K8S_MAX_RECORD ? avail : K8S_MAX_RECORD;
		const char *nl = memchr(p, '\n', lim);
		if (nl != NULL) {
			k8slog_add_record(k, ts, si, p, (size_t)(nl - p) + 1, false);
			p = nl + 1;
		} else {
			k8slog_add_record(k, ts, si, p, lim, true);
			p += lim;
		}
	}
}

static void k8slog_flush_op(struct logdrv *drv)
{
	k8slog_flush((struct k8slog *)drv);
}

static int k8slog_reopen(struct logdrv *drv)
{
	struct k8slog *k = (struct k8slog *)drv;
	k8slog_flush(k);
	/* Non-destructive: if the file was moved away (log rotation by the
	 * manager) a new one starts; otherwise writing simply goes on. */
	if (k8slog_open_file(k, 0) < 0) {
		diag_err("log %s: reopen: %s", k->path, strerror(errno));
		return -1;
	}
	return 0;
}

static void k8slog_sync(struct logdrv *drv)
{
	struct k8slog *k = (struct k8slog *)drv;
	k8slog_flush(k);
	if (!k->opts.no_sync && k->fd >= 0 && fsync(k->fd) < 0)
		diag_warn("log %s: fsync: %s", k->path, strerror(errno));
	if (k->lost > 0)
		diag_err("log %s: %llu bytes of output could not be written", k->path,
			 (unsigned long long)k->lost);
}

static void k8slog_destroy(struct logdrv *drv)
{
	struct k8slog *k = (struct k8slog *)drv;
	k8slog_flush(k);
	close_fd(&k->fd);
	free(k->stage);
	free(k->path);
	free(k);
}

static const struct logdrv_ops k8slog_ops = {.write = k8slog_write, .flush = k8slog_flush_op,
					   .reopen = k8slog_reopen, .sync = k8slog_sync, .destroy = k8slog_destroy};
