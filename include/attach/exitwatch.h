/* exitwatch: the container's exit code, after the shim closed the
 * connection. The shim writes its exit file right after closing its
 * clients, so the client polls for it briefly, and stops early once the
 * shim's process is gone. A file that is already there before we attach
 * belongs to an earlier run of the container (conmon does not remove it),
 * so it only counts once replaced. */
#ifndef PTYSHIM_ATTACH_EXITWATCH_H
#define PTYSHIM_ATTACH_EXITWATCH_H

#include <stdbool.h>
#include <sys/types.h>
#include <time.h>

#include "attach/peer.h"
#include "attach/sigwatch.h"

struct exit_watch {
	char *path; /* owned; NULL: no idea where the exit file is */
	bool stale; /* a file was already there before we attached: this one */
	dev_t dev;
	ino_t ino;
	struct timespec mtime;
	struct timespec t0; /* wall clock just before connecting */
};

/* Just before connecting: a file written from now on is ours. */
void exitwatch_begin(struct exit_watch *w);
/* Takes path (owned, may be NULL) and remembers a file already there. */
void exitwatch_set_path(struct exit_watch *w, char *path);
/* The process exit status to end with: the code's (exitfile_status), or
 * 128+N when signal N ends the wait, or ATTACH_EXIT_UNKNOWN with a warning
 * when there is no file (none known, none within timeout_ms) or no code. */
int exitwatch_wait(const struct exit_watch *w, const struct peer_info *peer, struct sigwatch *sigs,
		   int timeout_ms);
void exitwatch_free(struct exit_watch *w);

#endif
