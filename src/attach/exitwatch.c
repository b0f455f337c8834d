/* exitwatch: waiting for this run's exit file. */
#include "attach/exitwatch.h"

#include <poll.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/stat.h>

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

/* The shim closes its clients after reaping the container, so a container
 * process still there once this long has passed means the shim closed the
 * connection while the container runs (the grace covers a shim that is
 * being killed: its socket closes a moment before its pidfd says so). */
#define CTR_RUNS_GRACE_MS 200

enum exitwatch_end exitwatch_wait(const struct exit_watch *w, const struct peer_info *peer, struct sigwatch *sigs,
				  int timeout_ms, int *status)
{
	int64_t start = mono_ns();
	int64_t deadline = start + (int64_t)timeout_ms * 1000000;
	for (;;) {
		bool alive = peer_running(peer);
		int code;
		int rc = w->path ? exitwatch_read(w, &code) : 0;
		if (rc == 1) {
			*status = exitfile_status(code);
			return EXITWATCH_CODE;
		}
		if (rc < 0)
			return EXITWATCH_NOT_CODE;
		if (!alive)
			return EXITWATCH_SHIM_GONE;
		bool ctr_runs = peer_container_state(peer) == PEER_CTR_RUNS;
		int64_t now = mono_ns();
		if (ctr_runs && now - start >= (int64_t)CTR_RUNS_GRACE_MS * 1000000)
			return EXITWATCH_CTR_RUNS;
		if (!w->path && !ctr_runs)
			return EXITWATCH_NO_PATH;
		if (now >= deadline)
			return EXITWATCH_TIMEOUT;
		struct pollfd pfd = {.fd = sigs->fd, .events = POLLIN};
		if (poll(&pfd, 1, EXIT_POLL_MS) > 0) {
			sigwatch_drain(sigs);
			if (sigs->term_signal) {
				*status = 128 + sigs->term_signal;
				return EXITWATCH_SIGNAL;
			}
		}
	}
}

void exitwatch_free(struct exit_watch *w)
{
	free(w->path);
	w->path = NULL;
}
