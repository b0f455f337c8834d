/* exitwatch: waiting for this run's exit file. */
#include "attach/exitwatch.h"

#include <poll.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "attach/prog.h"
#include "base/diag.h"
#include "base/exitfile.h"
#include "base/util.h"

#define EXIT_POLL_MS 20

void exitwatch_begin(struct exit_watch *w)
{
	*w = (struct exit_watch){0};
	clock_gettime(CLOCK_REALTIME, &w->t0);
}

static bool timespec_before(const struct timespec *a, const struct timespec *b)
{
	return a->tv_sec < b->tv_sec || (a->tv_sec == b->tv_sec && a->tv_nsec < b->tv_nsec);
}

static bool timespec_equal(const struct timespec *a, const struct timespec *b)
{
	return a->tv_sec == b->tv_sec && a->tv_nsec == b->tv_nsec;
}

void exitwatch_set_path(struct exit_watch *w, char *path)
{
	w->path = path;
	struct stat st;
	if (!w->path || stat(w->path, &st) < 0)
		return;
	if (!timespec_before(&st.st_mtim, &w->t0))
		return; /* written after we started connecting: it is ours */
	w->stale = true;
	w->dev = st.st_dev;
	w->ino = st.st_ino;
	w->mtime = st.st_mtim;
}

/* exitfile_read, but the stale file reads as not there yet. */
static int exitwatch_read(const struct exit_watch *w, int *code)
{
	struct stat st;
	if (stat(w->path, &st) < 0)
		return 0;
	if (w->stale && st.st_dev == w->dev && st.st_ino == w->ino && timespec_equal(&st.st_mtim, &w->mtime))
		return 0;
	return exitfile_read(w->path, code);
}

int exitwatch_wait(const struct exit_watch *w, const struct peer_info *peer, struct sigwatch *sigs,
		   int timeout_ms)
{
	if (!w->path) {
		diag_warn("the container's exit code is unknown (no exit file found; see --exit-file)");
		return ATTACH_EXIT_UNKNOWN;
	}
	int64_t deadline = mono_ns() + (int64_t)timeout_ms * 1000000;
	for (;;) {
		int code;
		bool alive = peer_running(peer);
		int rc = exitwatch_read(w, &code);
		if (rc == 1)
			return exitfile_status(code);
		if (rc < 0) {
			diag_warn("%s: not an exit code", w->path);
			return ATTACH_EXIT_UNKNOWN;
		}
		if (!alive || mono_ns() >= deadline)
			break;
		struct pollfd pfd = {.fd = sigs->fd, .events = POLLIN};
		if (poll(&pfd, 1, EXIT_POLL_MS) > 0) {
			sigwatch_drain(sigs);
			if (sigs->term_signal)
				return 128 + sigs->term_signal;
		}
	}
	diag_warn("%s: no exit code (the connection closed, but the container may still run)", w->path);
	return ATTACH_EXIT_UNKNOWN;
}

void exitwatch_free(struct exit_watch *w)
{
	free(w->path);
	w->path = NULL;
}
