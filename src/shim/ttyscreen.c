/* ttyscreen: the screen model as the daemon keeps it. */
#include "shim/ttyscreen.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/diag.h"
#include "base/loop.h"
#include "base/util.h"
#include "screen/screen.h"
#include "shim/snapshot_srv.h"

/* Parsing done in one idle moment: about a millisecond at libtsm's speed,
 * so a keystroke that arrives meanwhile waits no longer than that. And only
 * once output has paused this long: during a flood the loop often finds no
 * event ready between two reads, and parsing there would put libtsm's speed
 * on the output path (a screen is parsed anyway when someone needs it). */
#define IDLE_SLICE (48u << 10)
#define IDLE_QUIET_MS 30
/* A model idle this long sleeps (screen_sleep): an idle shim keeps its
 * screen in a few kilobytes instead of libtsm's 65 bytes a cell. */
#define SLEEP_QUIET_MS 2000
#define LAG_PER_CELL 8u
#define LAG_MIN (64u << 10)

struct ttyscreen {
	struct loop *loop;
	struct screen *screen;
	struct snapshot_server *snapshots;
	struct loop_idle idle;
	int64_t last_output_ns; /* or the last use of the model */
	bool sleep_tried;       /* since then; refused in the alternate screen */
	unsigned refused_rows, refused_cols; /* the last size refused, to warn once */
};

static int idle_due(void *ctx)
{
	struct ttyscreen *ts = ctx;
	int64_t wait_ms;
	if (screen_backlog(ts->screen) > 0)
		wait_ms = IDLE_QUIET_MS;
	else if (!ts->sleep_tried && !screen_asleep(ts->screen))
		wait_ms = SLEEP_QUIET_MS;
	else
		return -1;
	int64_t quiet_ms = (mono_ns() - ts->last_output_ns) / 1000000;
	return quiet_ms >= wait_ms ? 0 : (int)(wait_ms - quiet_ms);
}

static void idle_run(void *ctx)
{
	struct ttyscreen *ts = ctx;
	if (screen_backlog(ts->screen) > 0) {
		screen_catch_up(ts->screen, IDLE_SLICE);
		return;
	}
	screen_sleep(ts->screen);
	ts->sleep_tried = true;
}

/* The model was used (and woken): it may sleep again once idle. */
static void used(struct ttyscreen *ts)
{
	ts->last_output_ns = mono_ns();
	ts->sleep_tried = false;
}

static char *render_size(struct ttyscreen *ts, size_t *len)
{
	unsigned rows, cols;
	screen_get_size(ts->screen, &rows, &cols);
	char *s = xasprintf("%u %u\n", rows, cols);
	*len = strlen(s);
	return s;
}

static char *render(void *ctx, enum snapshot_kind kind, size_t *len)
{
	struct ttyscreen *ts = ctx;
	used(ts);
	switch (kind) {
	case SNAPSHOT_TEXT:
		return screen_text(ts->screen, false, len);
	case SNAPSHOT_ANSI:
		return screen_text(ts->screen, true, len);
	case SNAPSHOT_REPAINT:
		return screen_repaint(ts->screen, len);
	case SNAPSHOT_SIZE:
		break;
	}
	return render_size(ts, len);
}

struct ttyscreen *ttyscreen_new(struct loop *loop, unsigned rows, unsigned cols, const char *socket_path,
				char **err)
{
	if (rows == 0 || cols == 0) {
		rows = 24;
		cols = 80;
	}
	const char *why = screen_size_error(rows, cols);
	if (why) {
		*err = xasprintf("screen model: %ux%u %s; it is off", rows, cols, why);
		return NULL;
	}
	struct ttyscreen *ts = xcalloc(1, sizeof(*ts));
	ts->loop = loop;
	ts->screen = screen_new(rows, cols);
	if (ts->screen == NULL) {
		*err = xasprintf("screen model: %s; it is off", strerror(errno));
		free(ts);
		return NULL;
	}
	if (socket_path) {
		struct snapshot_callbacks cb = {.render = render, .ctx = ts};
		ts->snapshots = snapshot_listen(loop, socket_path, &cb, err);
		if (ts->snapshots == NULL) {
			ttyscreen_free(ts);
			return NULL;
		}
	}
	used(ts);
	ts->idle = (struct loop_idle){.due = idle_due, .run = idle_run, .ctx = ts};
	loop_idle_add(loop, &ts->idle);
	return ts;
}

void ttyscreen_free(struct ttyscreen *ts)
{
	if (ts == NULL)
		return;
	loop_idle_del(ts->loop, &ts->idle);
	snapshot_free(ts->snapshots);
	screen_free(ts->screen);
	free(ts);
}

void ttyscreen_output(struct ttyscreen *ts, const struct output_chunk *chunk)
{
	screen_queue(ts->screen, chunk->data, chunk->len);
	used(ts);
}

void ttyscreen_resize(struct ttyscreen *ts, unsigned rows, unsigned cols)
{
	used(ts);
	if (screen_resize(ts->screen, rows, cols) == 0 || errno != EINVAL)
		return;
	if (rows != ts->refused_rows || cols != ts->refused_cols) {
		unsigned r, c;
		screen_get_size(ts->screen, &r, &c);
		diag_warn("screen model: %ux%u %s; repaints stay at %ux%u", rows, cols,
			  screen_size_error(rows, cols), r, c);
	}
	ts->refused_rows = rows;
	ts->refused_cols = cols;
}

char *ttyscreen_repaint(struct ttyscreen *ts, size_t *len)
{
	/* `podman run -t` attaches before the container starts: nothing to
	 * show yet, and a repaint would clear the user's terminal. */
	if (!screen_written(ts->screen))
		return NULL;
	used(ts);
	return screen_repaint(ts->screen, len);
}

size_t ttyscreen_lag_max(struct ttyscreen *ts)
{
	unsigned rows, cols;
	screen_get_size(ts->screen, &rows, &cols);
	size_t lag = (size_t)rows * cols * LAG_PER_CELL;
	return lag > LAG_MIN ? lag : LAG_MIN;
}
