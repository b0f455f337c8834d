/* capture: --screen. Feeds the records into a screen model (logs/model)
 * and prints the screen once, as text like `tmux capture-pane -p`, or with
 * its colours and attributes as SGR sequences like `capture-pane -e`: at the
 * end of the log, or with --at TIME as the screen was at TIME (records and
 * resizes stamped up to and including TIME count; the first one after it
 * prints the screen, and the rest of the log is only read for warnings). */
#ifndef PTYSHIM_LOGS_CAPTURE_H
#define PTYSHIM_LOGS_CAPTURE_H

#include <stdbool.h>
#include <stdint.h>

#include "logs/out.h"
#include "logs/sink.h"
#include "logs/termsize.h"

struct capture_options {
	bool on;      /* --screen */
	bool colours; /* -e, --escapes */
	bool has_at;  /* --at */
	int64_t at;   /* UTC nanoseconds */
};

/* source names the log in messages; size is --size (see logs/model). */
struct sink *capture_sink_new(struct out *out, const struct capture_options *opts, const char *source,
			      const struct termsize *size);

#endif
