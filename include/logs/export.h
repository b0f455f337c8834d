/* export: --asciicast OUT. Writes the records as an asciicast v2
 * recording: a header (the terminal size, and the first record's second as
 * its timestamp), then one output event per record, its line end included,
 * timed from the header and never backwards. stdout and stderr records both
 * become output. OUT is created 0600 (it holds everything the log does);
 * "-" is stdout. */
#ifndef PTYSHIM_LOGS_EXPORT_H
#define PTYSHIM_LOGS_EXPORT_H

#include "logs/out.h"
#include "logs/sink.h"
#include "logs/termsize.h"

/* Opens (creates) path; dies when it cannot. The size: --size, else the
 * size of the terminal on stdout, stdin or stderr, else 80x24. */
struct sink *export_sink_new(struct out *out, const char *path, const struct termsize *size);

#endif
