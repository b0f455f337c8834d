/* tail: --tail N. Collects the last N lines of the log, a line being an F
 * record with the P records before it joined in, and prints them (as the
 * print sink would) at the end, or once following has caught up, after which
 * new records are printed as they come. Lines still open at that point
 * (trailing P records) count as lines and are printed without a line end, as
 * podman flushes them. */
#ifndef PTYSHIM_LOGS_TAIL_H
#define PTYSHIM_LOGS_TAIL_H

#include <stdbool.h>
#include <stddef.h>

#include "logs/out.h"
#include "logs/sink.h"

struct sink *tail_sink_new(struct out *out, bool timestamps, size_t lines);

#endif
