/* replay: --replay. Writes each record's content to stdout when it is due
 * by its timestamp (scaled by the speed, pauses capped by the idle limit),
 * counted from the first record. stderr records go to stdout too: a replay
 * is what the terminal showed.
 *
 * When stdin is a terminal, it reads single keys there (client/term): space
 * pauses and resumes, q quits at once (exit 0). The terminal is given back
 * on every way out: the end, q, exit() (atexit), a terminating signal
 * (restored, then the default action) and ^Z (restored while stopped, taken
 * again on continue). */
#ifndef PTYSHIM_LOGS_REPLAY_H
#define PTYSHIM_LOGS_REPLAY_H

#include "logs/out.h"
#include "logs/sink.h"

struct replay_options {
	double speed;      /* > 0; 1: as recorded */
	double idle_limit; /* seconds; < 0: none given (a recording's own applies) */
};

struct sink *replay_sink_new(struct out *out, const struct replay_options *opts);

#endif
