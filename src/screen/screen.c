/* screen: the model, its backlog and its size. The painting is paint.c's. */
#include "screen/screen.h"

#include <errno.h>
#include <libtsm.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/util.h"
#include "screen/paint.h"

#define BACKLOG_MIN (256u << 10)
#define BACKLOG_PER_CELL 16u

struct screen {
	struct tsm_screen *tsm;
	struct tsm_vte *vte;
	unsigned rows, cols;
	struct term_modes modes; /* as of the last queued byte */
	struct buf backlog;
	bool restart; /* the backlog overflowed: the model starts over from it */
	bool written; /* anything was ever queued */
	/* Bytes since the last line start (\n or \r) as of the backlog's first
	 * byte: where a start-over after an overflow puts the cursor, so that a
	 * flood of one long line keeps its columns. */
	size_t front_col;
	/* Asleep (screen_sleep): no parser, the screen kept as its repaint. */
	char *frozen;
	size_t frozen_len;
};

const char *screen_size_error(unsigned rows, unsigned cols)
{
	if (rows == 0 || cols == 0)
		return "is not a terminal size";
	if (rows > SCREEN_MAX_ROWS || cols > SCREEN_MAX_COLS || (unsigned long)rows * cols > SCREEN_MAX_CELLS)
		return "is over the screen model's limit (" SCREEN_LIMIT_TEXT ")";
	return NULL;
}

static size_t backlog_cap(unsigned rows, unsigned cols)
{
	size_t per_cells = (size_t)rows * cols * BACKLOG_PER_CELL;
	return per_cells > BACKLOG_MIN ? per_cells : BACKLOG_MIN;
}

/* The model answers nothing: the client's own terminal answers queries. */
static void ignore_answer(struct tsm_vte *vte, const char *u8, size_t len, void *data)
{
	(void)vte;
	(void)u8;
	(void)len;
	(void)data;
}

static void parser_close(struct screen *s)
{
	if (s->vte)
		tsm_vte_unref(s->vte);
	if (s->tsm)
		tsm_screen_unref(s->tsm);
	s->vte = NULL;
	s->tsm = NULL;
}

/* libtsm's screen and parser at s's size. -1 (errno ENOMEM) on failure. */
static int parser_open(struct screen *s)
{
	if (tsm_screen_new(&s->tsm, NULL, NULL) < 0)
		goto fail;
	tsm_screen_set_max_sb(s->tsm, 0); /* a repaint shows the screen, not history */
	if (tsm_screen_resize(s->tsm, s->cols, s->rows) < 0)
		goto fail;
	if (tsm_vte_new(&s->vte, s->tsm, ignore_answer, NULL, NULL, NULL) < 0)
		goto fail;
	return 0;
fail:
	parser_close(s);
	errno = ENOMEM;
	return -1;
}

/* Before anything that needs the cells: rebuild a sleeping model from its
 * repaint. Like any allocation failure in the daemon, libtsm's is fatal. */
static void wake(struct screen *s)
{
	if (s->frozen == NULL)
		return;
	if (parser_open(s) < 0)
		out_of_memory();
	tsm_vte_input(s->vte, s->frozen, s->frozen_len);
	free(s->frozen);
	s->frozen = NULL;
}

struct screen *screen_new(unsigned rows, unsigned cols)
{
	if (screen_size_error(rows, cols)) {
		errno = EINVAL;
		return NULL;
	}
	struct screen *s = xcalloc(1, sizeof(*s));
	s->rows = rows;
	s->cols = cols;
	if (parser_open(s) < 0) {
		free(s);
		return NULL;
	}
	term_modes_init(&s->modes);
	buf_init(&s->backlog, backlog_cap(rows, cols));
	return s;
}

void screen_free(struct screen *s)
{
	if (s == NULL)
		return;
	parser_close(s);
	free(s->frozen);
	buf_free(&s->backlog);
	free(s);
}

bool screen_sleep(struct screen *s)
{
	if (s->frozen || buf_len(&s->backlog) > 0 || (s->modes.on & TERM_MODE_ALTSCREEN))
		return false;
	s->frozen = paint_repaint(s->tsm, &s->modes, s->cols, &s->frozen_len);
	parser_close(s);
	/* The backlog's storage too: kept while awake, since freeing it at every
	 * catch-up made each keystroke's echo allocate (and fault in) it again. */
	buf_free(&s->backlog);
	malloc_trim(0); /* libtsm's lines are small blocks: give their pages back */
	return true;
}

bool screen_asleep(const struct screen *s)
{
	return s->frozen != NULL;
}

void screen_get_size(const struct screen *s, unsigned *rows, unsigned *cols)
{
	*rows = s->rows;
	*cols = s->cols;
}

const struct term_modes *screen_modes(const struct screen *s)
{
	return &s->modes;
}

size_t screen_backlog(const struct screen *s)
{
	return buf_len(&s->backlog);
}

/* n bytes leave the front of the stream the backlog holds (parsed or dropped). */
static void front_advance(struct screen *s, const char *p, size_t n)
{
	for (size_t i = n; i > 0; i--)
		if (p[i - 1] == '\n' || p[i - 1] == '\r') {
			s->front_col = n - i;
			return;
		}
	s->front_col += n;
}

/* Drops (or, parsed, consumes) the backlog's first n bytes. */
static void backlog_consume(struct screen *s, size_t n)
{
	struct iovec iov[2];
	int k = buf_peek(&s->backlog, iov);
	for (int i = 0; i < k && n > 0; i++) {
		size_t take = iov[i].iov_len < n ? iov[i].iov_len : n;
		front_advance(s, iov[i].iov_base, take);
		n -= take;
		buf_consume(&s->backlog, take);
	}
}

bool screen_written(const struct screen *s)
{
	return s->written;
}

void screen_queue(struct screen *s, const void *data, size_t len)
{
	if (len > 0)
		s->written = true;
	term_modes_feed(&s->modes, data, len);
	const char *p = data;
	size_t cap = s->backlog.cap;
	if (len >= cap) {
		/* Only the newest backlog's worth can matter. */
		backlog_consume(s, buf_len(&s->backlog));
		front_advance(s, p, len - cap);
		p += len - cap;
		len = cap;
		s->restart = true;
	}
	if (len > buf_space(&s->backlog)) {
		backlog_consume(s, len - buf_space(&s->backlog));
		s->restart = true;
	}
	buf_append(&s->backlog, p, len);
}

/* After an overflow: a clean model, in the alternate screen if the program
 * is there now, its cursor in the column the first kept byte was written to
 * (rows scroll into place once a screenful is parsed), and no UTF-8
 * continuation byte to begin with. An escape sequence cut at the front
 * shows as a few characters, which the screenfuls after it scroll away. */
static void restart_model(struct screen *s)
{
	tsm_vte_hard_reset(s->vte);
	if (s->modes.on & TERM_MODE_ALTSCREEN)
		tsm_vte_input(s->vte, "\033[?1049h", 8);
	char move[32];
	int n = snprintf(move, sizeof(move), "\033[%zuG", s->front_col % s->cols + 1);
	tsm_vte_input(s->vte, move, (size_t)n);
	struct iovec iov[2];
	while (buf_peek(&s->backlog, iov) > 0 && (((const unsigned char *)iov[0].iov_base)[0] & 0xc0) == 0x80)
		backlog_consume(s, 1);
	s->restart = false;
}

void screen_catch_up(struct screen *s, size_t budget)
{
	if (buf_len(&s->backlog) == 0 && !s->restart)
		return;
	wake(s);
	if (s->restart)
		restart_model(s);
	while (budget > 0 && buf_len(&s->backlog) > 0) {
		struct iovec iov[2];
		buf_peek(&s->backlog, iov);
		size_t n = iov[0].iov_len < budget ? iov[0].iov_len : budget;
		tsm_vte_input(s->vte, iov[0].iov_base, n);
		backlog_consume(s, n);
		budget -= n;
	}
}

/* libtsm drops the top lines when a screen gets shorter, wherever the
 * cursor is; a terminal drops only what it must to keep the cursor on the
 * screen (xterm, tmux). So the lines that may stay are pushed down first,
 * making libtsm drop blank ones, and the cursor is put back. */
static int shrink_rows(struct screen *s, unsigned rows, unsigned cols)
{
	if (rows >= s->rows)
		return 0;
	unsigned cx = tsm_screen_get_cursor_x(s->tsm), cy = tsm_screen_get_cursor_y(s->tsm);
	unsigned must_drop = cy + 1 > rows ? cy + 1 - rows : 0;
	unsigned blank = s->rows - rows - must_drop;
	tsm_screen_set_margins(s->tsm, 0, 0); /* a resize drops the region anyway */
	if (blank > 0)
		tsm_screen_scroll_down(s->tsm, blank);
	if (tsm_screen_resize(s->tsm, cols, rows) < 0)
		return -1;
	tsm_screen_move_to(s->tsm, cx < cols ? cx : cols - 1, cy - must_drop);
	return 0;
}

int screen_resize(struct screen *s, unsigned rows, unsigned cols)
{
	if (screen_size_error(rows, cols)) {
		errno = EINVAL;
		return -1;
	}
	screen_catch_up(s, SIZE_MAX);
	wake(s);
	if (shrink_rows(s, rows, cols) < 0 || tsm_screen_resize(s->tsm, cols, rows) < 0) {
		errno = ENOMEM;
		return -1;
	}
	s->rows = rows;
	s->cols = cols;
	term_modes_resized(&s->modes);
	buf_free(&s->backlog);
	buf_init(&s->backlog, backlog_cap(rows, cols));
	return 0;
}

char *screen_repaint(struct screen *s, size_t *len)
{
	screen_catch_up(s, SIZE_MAX);
	wake(s);
	return paint_repaint(s->tsm, &s->modes, s->cols, len);
}

char *screen_text(struct screen *s, bool colours, size_t *len)
{
	screen_catch_up(s, SIZE_MAX);
	wake(s);
	return paint_text(s->tsm, s->cols, colours, len);
}
