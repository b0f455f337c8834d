/* exitwatch: the container's exit code, after the shim closed the
 * connection. The shim writes its exit file right after closing its
 * clients, so the client polls for it briefly, and stops early once the
 * shim's process is gone, or once the container's own process is seen to
 * run on (the shim closed the connection for another reason). A file that
 * is already there before we attach belongs to an earlier run of the
 * container (conmon does not remove it), so it only counts once replaced. */
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
/* How the wait ended. Only the first two give a status; the others leave
 * the explaining to the caller (endnote.h). */
enum exitwatch_end {
	EXITWATCH_CODE,      /* the exit file's code, as exitfile_status */
	EXITWATCH_SIGNAL,    /* signal N ended the wait: 128+N */
	EXITWATCH_NO_PATH,   /* no idea where the exit file is */
	EXITWATCH_NOT_CODE,  /* the file is there but holds no exit code */
	EXITWATCH_CTR_RUNS,  /* the container and its shim both run on */
	EXITWATCH_SHIM_GONE, /* the shim ended without writing the file */
	EXITWATCH_TIMEOUT,   /* the shim runs on, no file within timeout_ms */
};

/* Waits up to timeout_ms for the exit file; *status is set for
 * EXITWATCH_CODE and EXITWATCH_SIGNAL. */
enum exitwatch_end exitwatch_wait(const struct exit_watch *w, const struct peer_info *peer, struct sigwatch *sigs,
				  int timeout_ms, int *status);
void exitwatch_free(struct exit_watch *w);

#endif
