/* paint: libtsm's cells to bytes. libtsm draws the cursor by inverting its
 * cell, so the cursor is hidden while the cells are read. */
#include "screen/paint.h"

#include <libtsm.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/util.h"

#define CELL_CHARS 4 /* a base character and up to three combining ones */

struct cell {
	uint32_t ch[CELL_CHARS];
	uint8_t n;     /* characters in ch; 0 is a blank */
	uint8_t width; /* 0 for the second half of a wide character */
	struct tsm_screen_attr attr;
};

struct out {
	char *p;
	size_t len, cap;
};

static void out_add(struct out *o, const char *s, size_t n)
{
	o->p = xgrow(o->p, &o->cap, o->len + n + 1, 4096);
	memcpy(o->p + o->len, s, n);
	o->len += n;
	o->p[o->len] = '\0';
}

static void out_str(struct out *o, const char *s)
{
	out_add(o, s, strlen(s));
}

__attribute__((format(printf, 2, 3))) static void out_fmt(struct out *o, const char *fmt, ...)
{
	char tmp[128];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (n > 0)
		out_add(o, tmp, (size_t)n < sizeof(tmp) ? (size_t)n : sizeof(tmp) - 1);
}

static bool colour_is_default(int8_t code)
{
	return code == TSM_COLOR_FOREGROUND || code == TSM_COLOR_BACKGROUND;
}

static bool attr_is_default(const struct tsm_screen_attr *a)
{
	return colour_is_default(a->fccode) && colour_is_default(a->bccode) && !a->bold && !a->italic &&
	       !a->underline && !a->inverse && !a->blink;
}

static bool attr_same(const struct tsm_screen_attr *a, const struct tsm_screen_attr *b)
{
	if (attr_is_default(a) && attr_is_default(b))
		return true;
	return a->fccode == b->fccode && a->bccode == b->bccode && a->bold == b->bold &&
	       a->italic == b->italic && a->underline == b->underline && a->inverse == b->inverse &&
	       a->blink == b->blink && (a->fccode >= 0 || (a->fr == b->fr && a->fg == b->fg && a->fb == b->fb)) &&
	       (a->bccode >= 0 || (a->br == b->br && a->bg == b->bg && a->bb == b->bb));
}

/* base 30 (foreground) or 40 (background); bright colours are 90/100. */
static void sgr_colour(struct out *o, int8_t code, uint8_t r, uint8_t g, uint8_t b, int base)
{
	if (code >= 0 && code < 8)
		out_fmt(o, ";%d", base + code);
	else if (code >= 8 && code < 16)
		out_fmt(o, ";%d", base + 60 + code - 8);
	else if (code < 0)
		out_fmt(o, ";%d;2;%u;%u;%u", base + 8, r, g, b);
}

static void sgr(struct out *o, const struct tsm_screen_attr *a)
{
	out_str(o, "\033[0");
	if (a->bold)
		out_str(o, ";1");
	if (a->italic)
		out_str(o, ";3");
	if (a->underline)
		out_str(o, ";4");
	if (a->blink)
		out_str(o, ";5");
	if (a->inverse)
		out_str(o, ";7");
	sgr_colour(o, a->fccode, a->fr, a->fg, a->fb, 30);
	sgr_colour(o, a->bccode, a->br, a->bg, a->bb, 40);
	out_str(o, "m");
}

static void put_cell(struct out *o, const struct cell *c)
{
	if (c->n == 0) {
		out_add(o, " ", 1);
		return;
	}
	for (unsigned i = 0; i < c->n; i++) {
		char u8[8];
		size_t n = tsm_ucs4_to_utf8(c->ch[i], u8);
		/* libtsm's decoder lets a UTF-8 encoded surrogate through, but its
		 * encoder has no bytes for it: painting nothing would leave the
		 * cell's text off the repaint. A terminal shows U+FFFD there. */
		if (n == 0)
			out_str(o, "\xef\xbf\xbd");
		else
			out_add(o, u8, n);
	}
}

/* The last column of the row that shows anything (-1: none). A blank with
 * default attributes shows nothing; with a colour or inverse it does, when
 * the attributes count (repaint, colours). */
static int row_end(const struct cell *row, unsigned cols, bool attrs_count)
{
	for (int x = (int)cols - 1; x >= 0; x--) {
		const struct cell *c = &row[x];
		if (c->n > 0 && !(c->n == 1 && c->ch[0] == ' ' && (!attrs_count || attr_is_default(&c->attr))))
			return x;
		if (c->n == 0 && attrs_count && !attr_is_default(&c->attr))
			return x;
	}
	return -1;
}

/* The row's cells up to end, with SGR changes when colours; *cur is the pen. */
static void put_row(struct out *o, const struct cell *row, int end, bool colours, struct tsm_screen_attr *cur)
{
	for (int x = 0; x <= end; x++) {
		const struct cell *c = &row[x];
		if (c->width == 0)
			continue;
		if (colours && !attr_same(cur, &c->attr)) {
			sgr(o, &c->attr);
			*cur = c->attr;
		}
		put_cell(o, c);
		if (c->width == 2)
			x++;
	}
}

static const struct tsm_screen_attr default_attr = {
	.fccode = TSM_COLOR_FOREGROUND,
	.bccode = TSM_COLOR_BACKGROUND,
};

/* libtsm hands the cells over row by row, left to right; one row is kept
 * at a time, so painting costs a row of memory, not a screen of it. */
struct painter {
	struct out out;
	struct cell *row;
	unsigned cols;
	unsigned y;    /* the row being gathered */
	bool have_row; /* a cell of row y was seen */
	bool repaint;  /* for a terminal (positions, pen carried on); else text */
	bool colours;
	struct tsm_screen_attr pen;
	size_t kept; /* text: the length up to the last line that showed anything */
};

static void row_clear(struct painter *p)
{
	for (unsigned x = 0; x < p->cols; x++)
		p->row[x] = (struct cell){.width = 1, .attr = default_attr};
}

static void row_flush(struct painter *p)
{
	if (!p->have_row)
		return;
	int end = row_end(p->row, p->cols, p->colours);
	if (p->repaint) {
		if (end >= 0) {
			out_fmt(&p->out, "\033[%u;1H", p->y + 1);
			put_row(&p->out, p->row, end, true, &p->pen);
		}
	} else {
		struct tsm_screen_attr cur = default_attr;
		put_row(&p->out, p->row, end, p->colours, &cur);
		if (p->colours && !attr_is_default(&cur))
			out_str(&p->out, "\033[0m");
		out_add(&p->out, "\n", 1);
		if (end >= 0)
			p->kept = p->out.len;
	}
	row_clear(p);
	p->have_row = false;
}

static int grab_cell(struct tsm_screen *con, uint64_t id, const uint32_t *ch, size_t len, unsigned width,
		     unsigned x, unsigned y, const struct tsm_screen_attr *attr, tsm_age_t age, void *data)
{
	(void)con;
	(void)id;
	(void)age;
	struct painter *p = data;
	if (x >= p->cols)
		return 0;
	if (y != p->y) {
		row_flush(p);
		/* rows libtsm skipped are blank: text still needs their newlines */
		while (!p->repaint && ++p->y < y) {
			p->have_row = true;
			row_flush(p);
		}
		p->y = y;
	}
	struct cell *c = &p->row[x];
	c->n = (uint8_t)(len < CELL_CHARS ? len : CELL_CHARS);
	memcpy(c->ch, ch, c->n * sizeof(*ch));
	c->width = (uint8_t)width;
	c->attr = *attr;
	p->have_row = true;
	return 0;
}

/* Draws every cell through grab_cell, with the cursor hidden: libtsm draws
 * the cursor by inverting its cell. */
static void paint_cells(struct tsm_screen *tsm, struct painter *p, unsigned cols)
{
	p->cols = cols;
	p->row = xmalloc(cols * sizeof(*p->row));
	row_clear(p);
	p->pen = default_attr;
	unsigned flags = tsm_screen_get_flags(tsm);
	tsm_screen_set_flags(tsm, TSM_SCREEN_HIDE_CURSOR);
	tsm_screen_draw(tsm, grab_cell, p);
	if (!(flags & TSM_SCREEN_HIDE_CURSOR))
		tsm_screen_reset_flags(tsm, TSM_SCREEN_HIDE_CURSOR);
	row_flush(p);
	free(p->row);
}

/* After the cells: what the terminal keeps besides them. */
static void put_state(struct out *o, struct tsm_screen *tsm, const struct term_modes *modes, unsigned cols)
{
	out_str(o, "\033[0m");
	if (modes->g0_graphics)
		out_str(o, "\033(0");
	if (modes->scroll_top || modes->scroll_bottom) {
		if (modes->scroll_bottom)
			out_fmt(o, "\033[%u;%ur", modes->scroll_top, modes->scroll_bottom);
		else
			out_fmt(o, "\033[%ur", modes->scroll_top);
	}
	unsigned x = tsm_screen_get_cursor_x(tsm), y = tsm_screen_get_cursor_y(tsm);
	out_fmt(o, "\033[%u;%uH", y + 1, (x < cols ? x : cols - 1) + 1);
	char seq[512];
	out_add(o, seq, term_modes_set_seq(modes, seq, sizeof(seq)));
	if (tsm_screen_get_flags(tsm) & TSM_SCREEN_INSERT_MODE)
		out_str(o, "\033[4h");
	if (!(modes->on & TERM_MODE_HIDDEN))
		out_str(o, "\033[?25h");
	if (modes->title[0]) {
		out_str(o, "\033]2;");
		out_str(o, modes->title);
		out_str(o, "\007");
	}
}

char *paint_repaint(struct tsm_screen *tsm, const struct term_modes *modes, unsigned cols, size_t *len)
{
	struct painter p = {.repaint = true, .colours = true};
	/* Hidden while painting; the alternate screen first, so the cells land there. */
	out_str(&p.out, "\033[?25l");
	if (modes->on & TERM_MODE_ALT1049)
		out_str(&p.out, "\033[?1049h");
	else if (modes->on & TERM_MODE_ALTSCREEN)
		out_str(&p.out, modes->on & TERM_MODE_ALT1047 ? "\033[?1047h" : "\033[?47h");
	out_str(&p.out, "\033[0m\033(B\033[r\033[H\033[2J");
	paint_cells(tsm, &p, cols);
	put_state(&p.out, tsm, modes, cols);
	*len = p.out.len;
	return p.out.p;
}

char *paint_text(struct tsm_screen *tsm, unsigned cols, bool colours, size_t *len)
{
	struct painter p = {.colours = colours};
	out_add(&p.out, "", 0);
	paint_cells(tsm, &p, cols);
	p.out.len = p.kept;
	p.out.p[p.kept] = '\0';
	*len = p.kept;
	return p.out.p;
}
