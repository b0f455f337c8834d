/* signals: how ptyman waits. SIGINT, SIGQUIT, SIGTERM, SIGHUP and SIGWINCH
 * are blocked and read from a signalfd, so that the prompt's poll loop and
 * every nap inside a command see them: SIGTERM and SIGHUP mean quit, ^C
 * ends a wait (and clears the prompt's line), a resize redraws the prompt.
 * Children start with them unblocked (spawn.h). */
#ifndef PTYMAN_SIGNALS_H
#define PTYMAN_SIGNALS_H

#include <stdbool.h>
#include <stdint.h>

#include "ptyman.h"

/* Blocks the signals and opens pm->sig_fd. 0, or -1 with the error printed. */
int signals_setup(struct ptyman *pm);
/* Reads every pending signal; sets pm->quit, and *interrupted (when not
 * NULL) for ^C or ^\. Returns whether there was any. */
bool signals_drain(struct ptyman *pm, bool *interrupted);
/* Sleeps ms, or less: false when ^C came or ptyman should quit. */
bool signals_nap(struct ptyman *pm, int ms);

/* ms since an arbitrary start, for deadlines. */
int64_t now_ms(void);

#endif
