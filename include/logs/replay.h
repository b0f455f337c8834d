/* replay: --replay. Writes each record's content to stdout when it is due
 * by its timestamp (scaled by the speed, pauses capped by the idle limit),
 * counted from the first record. stderr records go to stdout too: a replay
 * is what the terminal showed.
 *
 * With --from TIME, records stamped before TIME only go into a screen model
 * (logs/model, which also sets the size), and the first one at or after it
 * is preceded by one repaint of that screen (screen_repaint: right on a
 * terminal of the model's size): the replay starts from the screen at TIME,
 * its timeline at TIME (at the first record when none came before).
 *
 * When stdin is a terminal, it reads single keys there (client/term): space
 * pauses and resumes, q quits at once (exit 0). The terminal is given back
 * on every way out: the end, q, exit() (atexit), a terminating signal
 * (restored, then the default action) and ^Z (restored while stopped, taken
 * again on continue). */
#ifndef PTYSHIM_LOGS_REPLAY_H
#define PTYSHIM_LOGS_REPLAY_H

#include <stdbool.h>
#include <stdint.h>

#include "logs/out.h"
#include "logs/sink.h"
#include "logs/termsize.h"

struct replay_options {
	double speed;      /* > 0; 1: as recorded */
	double idle_limit; /* seconds; < 0: none given (a recording's own applies) */
	bool has_from;     /* --from */
	int64_t from;      /* UTC nanoseconds */
};

/* source names the log in messages; size is --size (see logs/model). */
struct sink *replay_sink_new(struct out *out, const struct replay_options *opts, const char *source,
			     const struct termsize *size);

#endif
