/* follow: -f. Reads the log's chain, tells the sink it has caught up, then
 * reads what is written as it is written, across rotation (rename to
 * PATH.1 ...), replacement by a rename (conmon's truncation) and truncation
 * in place (copytruncate), until an end condition (endcond) holds or the
 * log's directory is removed; what was written by then is read first.
 *
 * It sleeps in one blocking poll on inotify (the log's and the exit file's
 * directories, watched before anything is read, so no change is missed)
 * and the monitor's pidfd: no timers, no rescans. */
#ifndef PTYSHIM_LOGS_FOLLOW_H
#define PTYSHIM_LOGS_FOLLOW_H

#include "logfmt/k8sread.h"
#include "logs/endcond.h"
#include "logs/out.h"
#include "logs/sink.h"

/* Records go to rd, which feeds the sink; out is flushed before each sleep. */
void follow_log(const char *path, const struct endcond_options *opts, struct k8sread *rd, struct sink *sink,
		struct out *out);

#endif
