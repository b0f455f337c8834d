/* out: ptyshim-logs' buffered output. Three buffers (stdout, stderr and an
 * export file) behind one writer that keeps the order of the bytes: before
 * writing to one buffer, the one written most recently is flushed, so stdout
 * and stderr records that end up in one place stay in log order. Our own
 * warnings go straight to fd 2, so out_warn flushes everything first.
 *
 * Writes are complete or the process ends: EAGAIN (a pipe someone made
 * non-blocking) is waited out, EPIPE (the reader went away, as with | head)
 * exits 1 without a message, any other error dies with one. */
#ifndef PTYSHIM_LOGS_OUT_H
#define PTYSHIM_LOGS_OUT_H

#include <stddef.h>

#include "base/stream.h"

struct outbuf {
	int fd;           /* borrowed: closing it is the owner's business */
	const char *name; /* for messages: "stdout", or the file's path */
	size_t len;
	char buf[65536];
};

struct out {
	struct outbuf std_out, std_err;
	struct outbuf *file; /* an export file, or NULL */
	struct outbuf *last; /* written most recently: flushed before another */
};

/* Buffers for fds 1 and 2. Free with out_free. */
struct out *out_new(void);
/* Flushes nothing (see out_flush_all) and frees every buffer. */
void out_free(struct out *o);

/* A third buffer, for fd (named name, which is borrowed), owned by o. */
struct outbuf *out_add_file(struct out *o, int fd, const char *name);

/* stdout's buffer for STREAM_STDOUT, stderr's for STREAM_STDERR. */
struct outbuf *out_for_stream(struct out *o, enum stream_id stream);

void out_write(struct out *o, struct outbuf *b, const void *data, size_t len);
void out_flush(struct outbuf *b);
void out_flush_all(struct out *o);

/* Flushes everything, then warns through diag. */
void out_warn(struct out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
