/* endnote: the one line a user reads when a session ended without the
 * container's exit code, saying what happened and what to do, from what
 * the client can know: whether the container's process and the shim still
 * run, where the exit file was expected, and whether the output could have
 * been cut off for lag (pipe mode, or a terminal without a screen model:
 * output that is never dropped, so a client too slow for it is cut off;
 * a terminal client of a shim with a screen model is repainted instead). */
#ifndef PTYSHIM_ATTACH_ENDNOTE_H
#define PTYSHIM_ATTACH_ENDNOTE_H

#include <stdbool.h>

#include "attach/exitwatch.h"
#include "attach/peer.h"

struct endnote_facts {
	enum exitwatch_end end;   /* not EXITWATCH_CODE or EXITWATCH_SIGNAL */
	const char *exit_path;    /* NULL: unknown */
	const struct peer_info *peer;
	bool tty_container;
	int exit_timeout_ms;
};

/* Prints the line (a warning) and returns ATTACH_EXIT_UNKNOWN. */
int endnote_explain(const struct endnote_facts *f);

#endif
