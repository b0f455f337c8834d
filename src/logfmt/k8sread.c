/* k8sread: record parsing for k8s-file logs on top of lineread, which
 * keeps memory bounded by K8SREAD_MAX_LINE whatever the input. */
#include "logfmt/k8sread.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "logfmt/lineread.h"
#include "logfmt/logtime.h"
#include "base/util.h"

struct k8sread {
	char *file;
	k8sread_record_cb record_cb;
	k8sread_warn_cb warn_cb;
	void *arg;
	struct lineread lines;
};

static void line_cb(const char *line, size_t len, unsigned long lineno, void *arg);
static void lines_warn(unsigned long lineno, const char *what, void *arg);

struct k8sread *k8sread_new(const char *file, k8sread_record_cb record_cb, k8sread_warn_cb warn_cb, void *arg)
{
	struct k8sread *r = xcalloc(1, sizeof(*r));
	r->file = xstrdup(file);
	r->record_cb = record_cb;
	r->warn_cb = warn_cb;
	r->arg = arg;
	lineread_init(&r->lines, K8SREAD_MAX_LINE, line_cb, lines_warn, r);
	return r;
}

void k8sread_free(struct k8sread *r)
{
	if (r == NULL)
		return;
	free(r->file);
	lineread_free(&r->lines);
	free(r);
}

void k8sread_reset(struct k8sread *r, const char *file)
{
	if (file != NULL && file != r->file) {
		char *copy = xstrdup(file);
		free(r->file);
		r->file = copy;
	}
	lineread_reset(&r->lines);
}

/* One line (without its \n). Returns 0, or -1 with *why set. The record
 * points into line. */
static int k8sread_parse_line(const char *line, size_t len, struct k8s_record *rec, const char **why)
{
	/* The timestamp is 35 bytes with an offset, 30 with "Z"; look a little
	 * further so a slightly wrong one is reported as a bad timestamp. */
	if (len == 0) {
		*why = "empty line";
		return -1;
	}
	const char *sp = memchr(line, ' ', len < 64 ? len : 64);
	if (sp == NULL) {
		*why = "no record header";
		return -1;
	}
	size_t ts_len = (size_t)(sp - line);
	if (logtime_parse_k8s(line, ts_len, &rec->ts_ns) < 0) {
		*why = "bad timestamp";
		return -1;
	}
	const char *p = sp + 1;
	size_t left = len - ts_len - 1;
	if (left >= 7 && memcmp(p, "stdout ", 7) == 0) {
		rec->stream = STREAM_STDOUT;
	} else if (left >= 7 && memcmp(p, "stderr ", 7) == 0) {
		rec->stream = STREAM_STDERR;
	} else {
		*why = "bad stream (not stdout or stderr)";
		return -1;
	}
	p += 7;
	left -= 7;
	if (left < 1 || (p[0] != 'F' && p[0] != 'P')) {
		*why = "bad tag (not F or P)";
		return -1;
	}
	/* podman rejects a line with fewer than four space-separated fields,
	 * so "<ts> stdout F" without the separator is not an empty line. */
	if (left < 2 || p[1] != ' ') {
		*why = "missing content separator";
		return -1;
	}
	rec->partial = p[0] == 'P';
	rec->truncated = false;
	rec->ts_text = line;
	rec->ts_len = ts_len;
	rec->data = p + 2;
	rec->len = left - 2;
	return 0;
}

static void warn(struct k8sread *r, unsigned long line, const char *what)
{
	if (r->warn_cb)
		r->warn_cb(r->file, line, what, r->arg);
}

/* lineread's warnings (overlong lines) are the reader's. */
static void lines_warn(unsigned long lineno, const char *what, void *arg)
{
	warn(arg, lineno, what);
}

static void line_cb(const char *line, size_t len, unsigned long lineno, void *arg)
{
	struct k8sread *r = arg;
	struct k8s_record rec;
	const char *why;
	if (k8sread_parse_line(line, len, &rec, &why) < 0) {
		warn(r, lineno, why);
		return;
	}
	rec.line = lineno;
	if (r->record_cb)
		r->record_cb(&rec, r->arg);
}

ssize_t k8sread_read_fd(struct k8sread *r, int fd)
{
	return lineread_read_fd(&r->lines, fd);
}

void k8sread_finish(struct k8sread *r)
{
	const char *line;
	size_t n;
	unsigned long lineno;
	if (!lineread_take_last(&r->lines, &line, &n, &lineno))
		return;
	struct k8s_record rec;
	const char *why;
	if (k8sread_parse_line(line, n, &rec, &why) < 0) {
		char *what = xasprintf("unterminated last line: %s", why);
		warn(r, lineno, what);
		free(what);
		return;
	}
	warn(r, lineno, "record cut short at end of file (no newline)");
	rec.line = lineno;
	rec.partial = true;
	rec.truncated = true;
	if (r->record_cb)
		r->record_cb(&rec, r->arg);
}
