/* print: records as podman logs prints them. F records end a line, P
 * records do not; stdout records go to stdout and stderr records to stderr;
 * with timestamps, each line starts with the timestamp of its first record,
 * as logged, and a space. The printer is the part the tail sink shares. */
#ifndef PTYSHIM_LOGS_PRINT_H
#define PTYSHIM_LOGS_PRINT_H

#include <stdbool.h>
#include <stddef.h>

#include "base/stream.h"
#include "logfmt/k8sread.h"
#include "logs/out.h"
#include "logs/sink.h"

struct printer {
	struct out *out; /* borrowed */
	bool timestamps;
	bool at_line_start[2]; /* per sink_stream_slot */
};

void printer_init(struct printer *p, struct out *out, bool timestamps);
/* One piece of a line: ts is its record's timestamp text, printed when the
 * piece starts a line; line_end says whether the line ends after it. */
void printer_piece(struct printer *p, enum stream_id stream, const char *ts, size_t ts_len, const char *data,
		   size_t len, bool line_end);
void printer_record(struct printer *p, const struct k8s_record *rec);

/* The print sink: every record as it comes. */
struct sink *print_sink_new(struct out *out, bool timestamps);

#endif
