/* export: --asciicast OUT. Writes the records as an asciicast v2
 * recording: a header (the terminal size, and the first record's second as
 * its timestamp), then one output event per record, its line end included,
 * timed from the header and never backwards. stdout and stderr records both
 * become output. OUT is created 0600 (it holds everything the log does);
 * "-" is stdout. */
#ifndef PTYSHIM_LOGS_EXPORT_H
#define PTYSHIM_LOGS_EXPORT_H

#include <stdbool.h>

#include "logs/out.h"
#include "logs/sink.h"

struct export_options {
	const char *path;  /* NULL: no export */
	bool has_size;     /* else the size of the terminal on stdout, stdin or stderr, or 80x24 */
	unsigned cols, rows;
};

/* Opens (creates) the file; dies when it cannot. */
struct sink *export_sink_new(struct out *out, const struct export_options *opts);

#endif
