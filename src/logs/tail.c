/* tail: a ring of the last N lines, printed through the printer. */
#include "logs/tail.h"

#include <stdlib.h>
#include <string.h>

#include "base/util.h"
#include "logs/print.h"

struct tail_line {
	char *data;
	size_t len, cap;
	bool complete;
	enum stream_id stream;
	char ts[64];
	size_t ts_len;
	unsigned long long seq; /* order in which lines started */
};

struct tail_sink {
	struct sink sink;
	struct printer printer;
	size_t limit;
	struct tail_line *ring;
	size_t alloc, count, head;
	struct tail_line pending[2]; /* per sink_stream_slot */
	bool has_pending[2];
	unsigned long long seq;
	bool live; /* printed what was collected: pass records straight on */
};

/* Keeps line (taking its data) as the newest, dropping the oldest when full. */
static void tail_push(struct tail_sink *t, struct tail_line *line)
{
	if (t->limit == 0) {
		free(line->data);
		return;
	}
	if (t->count < t->limit) {
		if (t->count == t->alloc) {
			t->alloc = t->alloc ? t->alloc * 2 : 64;
			if (t->alloc > t->limit)
				t->alloc = t->limit;
			t->ring = xrealloc(t->ring, t->alloc * sizeof(*t->ring));
		}
		t->ring[t->count++] = *line;
		return;
	}
	/* Full: the ring has exactly `limit` entries; replace the oldest. */
	free(t->ring[t->head].data);
	t->ring[t->head] = *line;
	t->head = (t->head + 1) % t->count;
}

static struct tail_line *tail_open_line(struct tail_sink *t, const struct k8s_record *rec)
{
	int i = sink_stream_slot(rec->stream);
	struct tail_line *p = &t->pending[i];
	if (!t->has_pending[i]) {
		memset(p, 0, sizeof(*p));
		p->stream = rec->stream;
		p->seq = t->seq++;
		p->ts_len = rec->ts_len < sizeof(p->ts) ? rec->ts_len : sizeof(p->ts);
		memcpy(p->ts, rec->ts_text, p->ts_len);
		t->has_pending[i] = true;
	}
	return p;
}

static void tail_collect(struct tail_sink *t, const struct k8s_record *rec)
{
	struct tail_line *p = tail_open_line(t, rec);
	if (p->len + rec->len > p->cap) {
		size_t cap = p->cap ? p->cap : 256;
		while (cap < p->len + rec->len)
			cap *= 2;
		p->data = xrealloc(p->data, cap);
		p->cap = cap;
	}
	if (rec->len > 0)
		memcpy(p->data + p->len, rec->data, rec->len);
	p->len += rec->len;
	if (!rec->partial) {
		p->complete = true;
		tail_push(t, p);
		t->has_pending[sink_stream_slot(rec->stream)] = false;
	}
}

static void tail_record(struct sink *s, const struct k8s_record *rec)
{
	struct tail_sink *t = (struct tail_sink *)s;
	if (t->live)
		printer_record(&t->printer, rec);
	else
		tail_collect(t, rec);
}

/* Open lines join the ring in the order they started, then all is printed. */
static void tail_print_collected(struct tail_sink *t)
{
	int order[2] = {0, 1};
	if (t->has_pending[0] && t->has_pending[1] && t->pending[1].seq < t->pending[0].seq) {
		order[0] = 1;
		order[1] = 0;
	}
	for (int k = 0; k < 2; k++) {
		int i = order[k];
		if (t->has_pending[i]) {
			tail_push(t, &t->pending[i]);
			t->has_pending[i] = false;
		}
	}
	for (size_t k = 0; k < t->count; k++) {
		struct tail_line *l = &t->ring[(t->head + k) % t->count];
		printer_piece(&t->printer, l->stream, l->ts, l->ts_len, l->data, l->len, l->complete);
		free(l->data);
	}
	free(t->ring);
	t->ring = NULL;
	t->count = t->alloc = t->head = 0;
	t->live = true;
}

static void tail_caught_up(struct sink *s)
{
	tail_print_collected((struct tail_sink *)s);
}

static void tail_end(struct sink *s)
{
	struct tail_sink *t = (struct tail_sink *)s;
	if (!t->live)
		tail_print_collected(t);
	out_flush_all(t->printer.out);
}

static void tail_destroy(struct sink *s)
{
	struct tail_sink *t = (struct tail_sink *)s;
	for (size_t k = 0; k < t->count; k++)
		free(t->ring[k].data);
	free(t->ring);
	for (int i = 0; i < 2; i++)
		if (t->has_pending[i])
			free(t->pending[i].data);
	free(t);
}

static const struct sink_ops tail_ops = {
	.record = tail_record, .caught_up = tail_caught_up, .end = tail_end, .destroy = tail_destroy};

struct sink *tail_sink_new(struct out *out, bool timestamps, size_t lines)
{
	struct tail_sink *t = xcalloc(1, sizeof(*t));
	t->sink.ops = &tail_ops;
	printer_init(&t->printer, out, timestamps);
	t->limit = lines;
	return &t->sink;
}
