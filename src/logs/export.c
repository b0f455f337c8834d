/* export: k8s-file records to asciicast v2 events. */
#include "logs/export.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/util.h"
#include "logfmt/asciicast.h"
#include "logfmt/logtime.h"
#include "logs/die.h"

struct export_sink {
	struct sink sink;
	struct out *out;
	struct outbuf *file;
	unsigned cols, rows;
	bool header_done;
	int64_t base_ns, last_t;
	struct acast_utf8 utf8[2]; /* per sink_stream_slot */
	struct acast_text text;
	char *scratch;
	size_t scratch_cap;
};

static void export_header(struct export_sink *e, int64_t first_ns)
{
	struct acast_header h = {
		.width = e->cols,
		.height = e->rows,
		.timestamp = first_ns >= 0 ? first_ns / LOGTIME_NS_PER_SEC : 0,
	};
	e->base_ns = h.timestamp * LOGTIME_NS_PER_SEC;
	e->text.len = 0;
	acast_header_line(&e->text, &h);
	out_write(e->out, e->file, e->text.data, e->text.len);
	e->header_done = true;
}

static void export_record(struct sink *s, const struct k8s_record *rec)
{
	struct export_sink *e = (struct export_sink *)s;
	if (!e->header_done)
		export_header(e, rec->ts_ns);
	int64_t t = rec->ts_ns - e->base_ns;
	if (t < e->last_t)
		t = e->last_t;
	e->last_t = t;
	size_t len = rec->len + (rec->partial ? 0 : 1);
	if (len > e->scratch_cap) {
		e->scratch_cap = len;
		e->scratch = xrealloc(e->scratch, len);
	}
	if (rec->len > 0)
		memcpy(e->scratch, rec->data, rec->len);
	if (!rec->partial)
		e->scratch[rec->len] = '\n';
	e->text.len = 0;
	if (acast_output_line(&e->text, &e->utf8[sink_stream_slot(rec->stream)], t, e->scratch, len))
		out_write(e->out, e->file, e->text.data, e->text.len);
}

static void export_end(struct sink *s)
{
	struct export_sink *e = (struct export_sink *)s;
	if (!e->header_done)
		export_header(e, logtime_now());
	e->text.len = 0;
	for (int i = 0; i < 2; i++)
		acast_flush_line(&e->text, &e->utf8[i], e->last_t);
	out_write(e->out, e->file, e->text.data, e->text.len);
	out_flush(e->file);
	if (e->file->fd != STDOUT_FILENO && close(e->file->fd) < 0)
		die("%s: close: %s", e->file->name, strerror(errno));
	e->file->fd = -1;
	out_flush_all(e->out);
}

static void export_destroy(struct sink *s)
{
	struct export_sink *e = (struct export_sink *)s;
	acast_text_free(&e->text);
	free(e->scratch);
	free(e);
}

static const struct sink_ops export_ops = {
	.record = export_record, .end = export_end, .destroy = export_destroy};

struct sink *export_sink_new(struct out *out, const char *path, const struct termsize *size)
{
	static const int terminals[] = {STDOUT_FILENO, STDIN_FILENO, STDERR_FILENO};
	struct export_sink *e = xcalloc(1, sizeof(*e));
	e->sink.ops = &export_ops;
	e->out = out;
	bool from_terminal;
	termsize_resolve(size, terminals, ARRAY_SIZE(terminals), &e->cols, &e->rows, &from_terminal);
	if (strcmp(path, "-") == 0) {
		e->file = out_add_file(out, STDOUT_FILENO, "stdout");
	} else {
		int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOCTTY, 0600);
		if (fd < 0)
			die("%s: %s", path, strerror(errno));
		e->file = out_add_file(out, fd, path);
	}
	return &e->sink;
}
