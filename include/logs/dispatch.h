/* dispatch: what a log reader's callbacks lead to. Each record passes the
 * filter (--stream, --since, --until) on its way to the sink; each warning
 * about a corrupt record is counted and, up to a bound, printed as
 * FILE:LINE: what, after the output that came before it. */
#ifndef PTYSHIM_LOGS_DISPATCH_H
#define PTYSHIM_LOGS_DISPATCH_H

#include <stdbool.h>
#include <stdint.h>

#include "base/stream.h"
#include "logfmt/k8sread.h"
#include "logs/out.h"
#include "logs/sink.h"

struct record_filter {
	enum stream_id stream; /* 0: both */
	bool has_since, has_until;
	int64_t since, until;  /* inclusive, UTC nanoseconds */
};

struct dispatch {
	const struct record_filter *filter; /* borrowed */
	struct sink *sink;                  /* borrowed */
	struct out *out;                    /* borrowed */
	unsigned long warnings;
};

/* A k8sread_record_cb; arg is the struct dispatch. */
void dispatch_record(const struct k8s_record *rec, void *dispatch);
/* A k8sread_warn_cb (and acastread_warn_cb); arg is the struct dispatch. */
void dispatch_warning(const char *file, unsigned long line, const char *what, void *dispatch);
/* The count of warnings that were not printed, if any were left out. */
void dispatch_report(const struct dispatch *d);

#endif
