/* endnote: why there is no exit code, in one line. */
#include "attach/endnote.h"

#include <stdio.h>

#include "attach/prog.h"
#include "base/diag.h"

/* Whether the shim drops nothing of this output, so that it cuts off a
 * client too slow for it; and how to say so. NULL when it repaints one. */
static const char *never_dropped(const struct endnote_facts *f)
{
	if (!f->tty_container)
		return "which in pipe mode is never dropped";
	if (f->peer->no_screen)
		return "which a shim without a screen model (--no-screen) never drops";
	return NULL;
}

/* The shim closed the connection and runs on: the container does too
 * (EXITWATCH_CTR_RUNS), or probably does (no exit file in time). */
static void closed_early(const struct endnote_facts *f, const char *log)
{
	const char *kept = never_dropped(f);
	char lag[512] = "";
	if (kept)
		snprintf(lag, sizeof(lag), "it fell more than --attach-queue-size behind the output, %s; "
			 "the log has every byte (ptyshim-logs %s); ", kept, log);
	if (f->end == EXITWATCH_CTR_RUNS && kept)
		diag_warn("the shim cut this client off while the container still runs: %sattach again to go on", lag);
	else if (f->end == EXITWATCH_CTR_RUNS)
		diag_warn("the shim closed the connection while the container still runs; attach again to go on");
	else
		diag_warn("the shim closed the connection but still runs, and no exit code appeared at %s within %d s: "
			  "the container probably still runs%s %sattach again to go on",
			  f->exit_path ? f->exit_path : "its exit file", f->exit_timeout_ms / 1000,
			  kept ? ", and this client was cut off:" : ";", lag);
}

int endnote_explain(const struct endnote_facts *f)
{
	const char *log = f->peer->log_path ? f->peer->log_path : "LOG";
	switch (f->end) {
	case EXITWATCH_CTR_RUNS:
	case EXITWATCH_TIMEOUT:
		closed_early(f, log);
		break;
	case EXITWATCH_SHIM_GONE:
		if (!f->exit_path)
			diag_warn("the shim is gone, and where it writes the exit code is unknown (see --exit-file)");
		else if (peer_container_state(f->peer) == PEER_CTR_RUNS)
			diag_warn("the shim is gone but the container still runs, without it: no exit code will ever "
				  "appear at %s",
				  f->exit_path);
		else
			diag_warn("the shim is gone and no exit code appeared at %s: the container's exit code is unknown",
				  f->exit_path);
		break;
	case EXITWATCH_NOT_CODE:
		diag_warn("%s: not an exit code", f->exit_path);
		break;
	case EXITWATCH_NO_PATH:
	case EXITWATCH_CODE:
	case EXITWATCH_SIGNAL:
	default:
		diag_warn("the container's exit code is unknown (no exit file found; see --exit-file)");
		break;
	}
	return ATTACH_EXIT_UNKNOWN;
}
