/* sink: where ptyshim-logs' records go, one interface for the five outputs
 * (print, tail, replay, export, capture), as the shim's log drivers share
 * logdrv.
 * The caller hands every record that passed the filter to record(), in log
 * order, then calls end() once, then destroy(). A sink writes through the
 * struct out it was made with and fails through die(). */
#ifndef PTYSHIM_LOGS_SINK_H
#define PTYSHIM_LOGS_SINK_H

#include <stdbool.h>
#include <stdint.h>

#include "base/stream.h"
#include "logfmt/acastread.h"
#include "logfmt/k8sread.h"

struct sink;

struct sink_ops {
	/* One record; rec and its data are valid only during the call. */
	void (*record)(struct sink *s, const struct k8s_record *rec);
	/* The input is an asciicast recording and this is its first header.
	 * Optional. */
	void (*recording)(struct sink *s, const struct acast_info *info);
	/* The terminal was resized to cols x rows at ts_ns (an asciicast 'r'
	 * event, or a later segment's header), in order with the records.
	 * NULL, or why the size is refused (the caller warns). Optional: a
	 * sink without it is not told, and bad resize events are not checked. */
	const char *(*resize)(struct sink *s, unsigned cols, unsigned rows, int64_t ts_ns);
	/* Everything the log held when following began has been passed on;
	 * records from now on are new. Optional. */
	void (*caught_up)(struct sink *s);
	/* No more records: write out what is held back, and flush. */
	void (*end)(struct sink *s);
	/* Free the sink, closing what it opened. */
	void (*destroy)(struct sink *s);
};

struct sink {
	const struct sink_ops *ops;
};

static inline void sink_record(struct sink *s, const struct k8s_record *rec)
{
	s->ops->record(s, rec);
}

static inline void sink_recording(struct sink *s, const struct acast_info *info)
{
	if (s->ops->recording)
		s->ops->recording(s, info);
}

static inline bool sink_follows_size(const struct sink *s)
{
	return s->ops->resize != NULL;
}

static inline const char *sink_resize(struct sink *s, unsigned cols, unsigned rows, int64_t ts_ns)
{
	return s->ops->resize ? s->ops->resize(s, cols, rows, ts_ns) : NULL;
}

static inline void sink_caught_up(struct sink *s)
{
	if (s->ops->caught_up)
		s->ops->caught_up(s);
}

static inline void sink_end(struct sink *s)
{
	s->ops->end(s);
}

static inline void sink_destroy(struct sink *s)
{
	if (s)
		s->ops->destroy(s);
}

/* Sinks keep per-stream state (an open line, a cut UTF-8 sequence) in two
 * slots: 0 for stdout, 1 for stderr. */
static inline int sink_stream_slot(enum stream_id stream)
{
	return stream == STREAM_STDERR ? 1 : 0;
}

#endif
