/* replay: a timeline of its own, scaled and capped, and the keyboard. */
#include "logs/replay.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/util.h"
#include "client/term.h"
#include "logs/die.h"
#include "logs/model.h"

struct replay_sink {
	struct sink sink;
	struct out *out;
	double speed;
	bool idle_given;     /* --idle-limit: a recording's own does not apply */
	int64_t idle_ns;     /* < 0: no cap */
	bool started;
	int64_t start_mono;  /* monotonic time of the first item */
	int64_t virt;        /* the replay's timeline, scaled and capped, since the first item */
	int64_t prev_abs;
	int64_t paused_total;
	bool keys;           /* the terminal on stdin controls the replay */
	bool has_from;       /* --from: records before it only go into the model */
	int64_t from;
	bool from_painted;   /* the model's repaint is out; records play from now */
	struct model model;
};

/* The handlers find the terminal's state in client/term, the one place
 * that keeps it, so nothing here needs to be reachable from them. */
static void on_fatal_signal(int sig)
{
	term_restore();
	signal(sig, SIG_DFL);
	raise(sig);
}

static void on_stop_signal(int sig)
{
	int saved = errno;
	bool was_ours = term_changed();
	term_restore();
	/* Stop for real: default action, and unblocked, or the raise would
	 * only be pending until this handler returns and run it again. */
	signal(sig, SIG_DFL);
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, sig);
	sigprocmask(SIG_UNBLOCK, &set, NULL);
	raise(sig);
	/* Continued: take the terminal back. */
	signal(sig, on_stop_signal);
	if (was_ours)
		term_keys();
	errno = saved;
}

static void route_signals_to_term(void)
{
	struct sigaction sa = {.sa_handler = on_fatal_signal}, old;
	sigemptyset(&sa.sa_mask);
	static const int fatal[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT};
	for (size_t i = 0; i < ARRAY_SIZE(fatal); i++) {
		/* A signal ignored by whoever started us stays ignored. */
		if (sigaction(fatal[i], NULL, &old) == 0 && old.sa_handler == SIG_IGN)
			continue;
		sigaction(fatal[i], &sa, NULL);
	}
	sa.sa_handler = on_stop_signal;
	sa.sa_flags = SA_RESTART;
	if (sigaction(SIGTSTP, NULL, &old) == 0 && old.sa_handler != SIG_IGN)
		sigaction(SIGTSTP, &sa, NULL);
}

/* Single keys from the terminal on stdin, if there is one; whether we have
 * them. term_init registers the restore with atexit. */
static bool take_keyboard(void)
{
	if (term_init(STDIN_FILENO, STDOUT_FILENO) < 0 || !term_have_tty())
		return false;
	route_signals_to_term();
	return term_keys() == 0;
}

static void replay_quit(struct replay_sink *r)
{
	out_flush_all(r->out);
	term_restore();
	exit(0);
}

/* Handles the keys that are waiting; false when the user asked to quit. */
static bool replay_keys(struct replay_sink *r, bool *paused, int64_t *pause_start)
{
	char keys[64];
	ssize_t n = read(STDIN_FILENO, keys, sizeof(keys));
	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return true;
	if (n <= 0) {
		r->keys = false; /* the terminal went away */
		return true;
	}
	for (ssize_t i = 0; i < n; i++) {
		if (keys[i] == 'q' || keys[i] == 'Q')
			return false;
		if (keys[i] == ' ') {
			int64_t now = mono_ns();
			if (*paused)
				r->paused_total += now - *pause_start;
			else
				*pause_start = now;
			*paused = !*paused;
		}
	}
	return true;
}

/* Moves the timeline to the item stamped abs; false for the first item,
 * which is due at once. */
static bool replay_advance(struct replay_sink *r, int64_t abs)
{
	if (!r->started) {
		r->started = true;
		r->start_mono = mono_ns();
		r->prev_abs = abs;
		return false;
	}
	int64_t gap = abs - r->prev_abs;
	if (gap < 0)
		gap = 0; /* clock stepped back, or interleaved streams */
	if (r->idle_ns >= 0 && gap > r->idle_ns)
		gap = r->idle_ns;
	r->prev_abs = abs > r->prev_abs ? abs : r->prev_abs;
	r->virt += (int64_t)((double)gap / r->speed);
	return true;
}

/* Sleeps until the item stamped abs is due, serving the keyboard. */
static void replay_wait(struct replay_sink *r, int64_t abs)
{
	if (!replay_advance(r, abs))
		return;
	out_flush_all(r->out);
	bool paused = false;
	int64_t pause_start = 0;
	for (;;) {
		int64_t now = mono_ns();
		int64_t due = r->start_mono + r->virt + r->paused_total;
		if (!paused && now >= due)
			return;
		struct timespec ts, *tsp = NULL;
		if (!paused) {
			ts.tv_sec = (time_t)((due - now) / 1000000000);
			ts.tv_nsec = (long)((due - now) % 1000000000);
			tsp = &ts;
		}
		struct pollfd pfd = {.fd = r->keys ? STDIN_FILENO : -1, .events = POLLIN};
		int rc = ppoll(&pfd, 1, tsp, NULL);
		if (rc < 0 && errno != EINTR)
			die("replay: poll: %s", strerror(errno));
		if (rc > 0 && (pfd.revents & (POLLIN | POLLHUP | POLLERR)) && !replay_keys(r, &paused, &pause_start))
			replay_quit(r);
		if (paused && !r->keys)
			paused = false; /* no way left to resume */
	}
}

/* The screen at --from, at once; the replay's timeline starts at --from,
 * or at the first record when none came before it. */
static void replay_paint_from(struct replay_sink *r)
{
	size_t len;
	char *paint = screen_repaint(model_screen(&r->model), &len);
	out_write(r->out, &r->out->std_out, paint, len);
	free(paint);
	r->from_painted = true;
	if (r->model.fed) {
		r->started = true;
		r->start_mono = mono_ns();
		r->prev_abs = r->from;
	}
	model_free(&r->model);
}

/* Whether something stamped ts_ns comes before --from, and so only shapes
 * the screen the replay starts from. */
static bool replay_before_from(struct replay_sink *r, int64_t ts_ns)
{
	if (!r->has_from || r->from_painted)
		return false;
	if (ts_ns < r->from)
		return true;
	replay_paint_from(r);
	return false;
}

static void replay_record(struct sink *s, const struct k8s_record *rec)
{
	struct replay_sink *r = (struct replay_sink *)s;
	if (replay_before_from(r, rec->ts_ns)) {
		model_record(&r->model, rec);
		return;
	}
	replay_wait(r, rec->ts_ns);
	out_write(r->out, &r->out->std_out, rec->data, rec->len);
	if (!rec->partial)
		out_write(r->out, &r->out->std_out, "\n", 1);
}

/* A terminal being replayed onto cannot be resized: only the model before
 * --from follows the recording's size. */
static const char *replay_resize(struct sink *s, unsigned cols, unsigned rows, int64_t ts_ns)
{
	struct replay_sink *r = (struct replay_sink *)s;
	return replay_before_from(r, ts_ns) ? model_resize(&r->model, cols, rows) : NULL;
}

static void replay_recording(struct sink *s, const struct acast_info *info)
{
	struct replay_sink *r = (struct replay_sink *)s;
	if (!r->idle_given && info->idle_time_limit > 0)
		r->idle_ns = (int64_t)(info->idle_time_limit * 1e9);
	if (r->has_from)
		model_recording(&r->model, info);
}

static void replay_end(struct sink *s)
{
	struct replay_sink *r = (struct replay_sink *)s;
	if (r->has_from && !r->from_painted)
		replay_paint_from(r);
	out_flush_all(r->out);
}

static void replay_destroy(struct sink *s)
{
	struct replay_sink *r = (struct replay_sink *)s;
	term_restore();
	model_free(&r->model);
	free(r);
}

static const struct sink_ops replay_ops = {
	.record = replay_record, .recording = replay_recording, .end = replay_end, .destroy = replay_destroy};

/* With --from, the model follows the recording's resizes too. */
static const struct sink_ops replay_from_ops = {
	.record = replay_record, .recording = replay_recording, .resize = replay_resize,
	.end = replay_end, .destroy = replay_destroy};

struct sink *replay_sink_new(struct out *out, const struct replay_options *opts, const char *source,
			     const struct termsize *size)
{
	struct replay_sink *r = xcalloc(1, sizeof(*r));
	r->sink.ops = opts->has_from ? &replay_from_ops : &replay_ops;
	r->has_from = opts->has_from;
	r->from = opts->from;
	model_init(&r->model, source, size);
	r->out = out;
	r->speed = opts->speed;
	r->idle_given = opts->idle_limit >= 0;
	r->idle_ns = r->idle_given ? (int64_t)(opts->idle_limit * 1e9) : -1;
	r->keys = take_keyboard();
	return &r->sink;
}
