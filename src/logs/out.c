/* out: buffered, order-keeping writes to stdout, stderr and a file. */
#include "logs/out.h"

#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/diag.h"
#include "base/util.h"
#include "logs/die.h"

struct out *out_new(void)
{
	struct out *o = xcalloc(1, sizeof(*o));
	o->std_out.fd = STDOUT_FILENO;
	o->std_out.name = "stdout";
	o->std_err.fd = STDERR_FILENO;
	o->std_err.name = "stderr";
	return o;
}

void out_free(struct out *o)
{
	if (o == NULL)
		return;
	free(o->file);
	free(o);
}

struct outbuf *out_add_file(struct out *o, int fd, const char *name)
{
	free(o->file);
	o->file = xcalloc(1, sizeof(*o->file));
	o->file->fd = fd;
	o->file->name = name;
	return o->file;
}

struct outbuf *out_for_stream(struct out *o, enum stream_id stream)
{
	return stream == STREAM_STDERR ? &o->std_err : &o->std_out;
}

static void out_raw(struct outbuf *b, const char *data, size_t len)
{
	while (len > 0) {
		ssize_t n = write(b->fd, data, len);
		if (n >= 0) {
			data += n;
			len -= (size_t)n;
			continue;
		}
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN || errno == EWOULDBLOCK) {
			struct pollfd pfd = {.fd = b->fd, .events = POLLOUT};
			if (poll(&pfd, 1, -1) >= 0 || errno == EINTR)
				continue;
		}
		/* Nobody is left to read a message about it. */
		if (errno == EPIPE)
			exit(LOGS_EXIT_BAD);
		die("%s: write: %s", b->name, strerror(errno));
	}
}

void out_flush(struct outbuf *b)
{
	if (b == NULL || b->len == 0)
		return;
	size_t len = b->len;
	b->len = 0;
	out_raw(b, b->buf, len);
}

void out_flush_all(struct out *o)
{
	out_flush(o->last);
	out_flush(&o->std_out);
	out_flush(&o->std_err);
	out_flush(o->file);
}

void out_write(struct out *o, struct outbuf *b, const void *data, size_t len)
{
	if (len == 0)
		return;
	if (b != o->last) {
		out_flush(o->last);
		o->last = b;
	}
	if (b->len + len > sizeof(b->buf))
		out_flush(b);
	if (len >= sizeof(b->buf)) {
		out_raw(b, data, len);
		return;
	}
	memcpy(b->buf + b->len, data, len);
	b->len += len;
}

void out_warn(struct out *o, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	out_flush_all(o);
	diag_warn("%s", msg);
}
