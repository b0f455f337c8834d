/* print: podman logs' output, and the sink that is nothing more. */
#include "logs/print.h"

#include <stdlib.h>

#include "base/util.h"

void printer_init(struct printer *p, struct out *out, bool timestamps)
{
	*p = (struct printer){.out = out, .timestamps = timestamps, .at_line_start = {true, true}};
}

void printer_piece(struct printer *p, enum stream_id stream, const char *ts, size_t ts_len, const char *data,
		   size_t len, bool line_end)
{
	struct outbuf *b = out_for_stream(p->out, stream);
	bool *at_start = &p->at_line_start[sink_stream_slot(stream)];
	if (p->timestamps && *at_start) {
		out_write(p->out, b, ts, ts_len);
		out_write(p->out, b, " ", 1);
	}
	out_write(p->out, b, data, len);
	if (line_end)
		out_write(p->out, b, "\n", 1);
	*at_start = line_end;
}

void printer_record(struct printer *p, const struct k8s_record *rec)
{
	printer_piece(p, rec->stream, rec->ts_text, rec->ts_len, rec->data, rec->len, !rec->partial);
}

struct print_sink {
	struct sink sink;
	struct printer printer;
};

static void print_record(struct sink *s, const struct k8s_record *rec)
{
	printer_record(&((struct print_sink *)s)->printer, rec);
}

static void print_end(struct sink *s)
{
	out_flush_all(((struct print_sink *)s)->printer.out);
}

static void print_destroy(struct sink *s)
{
	free(s);
}

static const struct sink_ops print_ops = {.record = print_record, .end = print_end, .destroy = print_destroy};

struct sink *print_sink_new(struct out *out, bool timestamps)
{
	struct print_sink *p = xcalloc(1, sizeof(*p));
	p->sink.ops = &print_ops;
	printer_init(&p->printer, out, timestamps);
	return &p->sink;
}
