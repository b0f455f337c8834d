/* lineread: bounded line assembly shared by the k8s-file and asciicast
 * readers. */
#include "logfmt/lineread.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/util.h"

void lineread_init(struct lineread *lr, size_t max, lineread_line_cb line_cb, lineread_warn_cb warn_cb, void *arg)
{
	memset(lr, 0, sizeof(*lr));
	lr->max = max;
	lr->line = 1;
	lr->line_cb = line_cb;
	lr->warn_cb = warn_cb;
	lr->arg = arg;
}

void lineread_free(struct lineread *lr)
{
	free(lr->buf);
	lr->buf = NULL;
	lr->len = lr->cap = 0;
}

void lineread_reset(struct lineread *lr)
{
	lr->len = 0;
	lr->skipping = false;
	lr->line = 1;
}

static void append(struct lineread *lr, const char *data, size_t len)
{
	if (lr->len + len > lr->cap) {
		size_t cap = grow_capacity(lr->cap, lr->len + len, 4096);
		if (cap > lr->max)
			cap = lr->max;
		lr->buf = xrealloc(lr->buf, cap);
		lr->cap = cap;
	}
	memcpy(lr->buf + lr->len, data, len);
	lr->len += len;
}

static void lineread_feed(struct lineread *lr, const void *data, size_t len)
{
	const char *p = data;
	while (len > 0) {
		const char *nl = memchr(p, '\n', len);
		size_t chunk = nl ? (size_t)(nl - p) : len;
		size_t step = chunk + (nl ? 1 : 0);
		unsigned long lineno = lr->line;
		if (nl)
			lr->line++;
		if (lr->skipping) {
			if (nl)
				lr->skipping = false;
		} else if (lr->len + chunk > lr->max) {
			lr->len = 0;
			lr->skipping = nl == NULL;
			if (lr->warn_cb)
				lr->warn_cb(lineno, "line too long, skipped", lr->arg);
		} else if (nl && lr->len == 0) {
			lr->line_cb(p, chunk, lineno, lr->arg);
		} else {
			append(lr, p, chunk);
			if (nl) {
				/* Cleared before the call, so the state is consistent
				 * whatever the callback does. */
				size_t n = lr->len;
				lr->len = 0;
				lr->line_cb(lr->buf, n, lineno, lr->arg);
			}
		}
		p += step;
		len -= step;
	}
}

bool lineread_take_last(struct lineread *lr, const char **line, size_t *len, unsigned long *lineno)
{
	if (lr->skipping) {
		lr->skipping = false;
		return false;
	}
	if (lr->len == 0)
		return false;
	*line = lr->buf;
	*len = lr->len;
	*lineno = lr->line;
	lr->len = 0;
	return true;
}

void lineread_finish(struct lineread *lr)
{
	const char *line;
	size_t len;
	unsigned long lineno;
	if (lineread_take_last(lr, &line, &len, &lineno))
		lr->line_cb(line, len, lineno, lr->arg);
}

ssize_t lineread_read_fd(struct lineread *lr, int fd)
{
	char chunk[65536];
	size_t total = 0;
	for (;;) {
		ssize_t n = read(fd, chunk, sizeof(chunk));
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				break;
			return -1;
		}
		if (n == 0)
			break;
		lineread_feed(lr, chunk, (size_t)n);
		total += (size_t)n;
	}
	return (ssize_t)total;
}
