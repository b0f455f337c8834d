/* model: records into the screen model, parsed as they come. */
#include "logs/model.h"

#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include "logs/die.h"

/* Queued and parsed in pieces well under the model's smallest backlog, so
 * that the backlog never overflows (an asciicast event may be megabytes). */
#define FEED_PIECE (64u << 10)

static void check_size(const struct model *m, unsigned cols, unsigned rows)
{
	const char *why = screen_size_error(rows, cols);
	if (why && m->from_terminal)
		die("the terminal's size %ux%u %s: give --size COLSxROWS", cols, rows, why);
	if (why)
		die("%s: size %ux%u %s", m->source, cols, rows, why);
}

void model_init(struct model *m, const char *source, const struct termsize *size)
{
	static const int stdout_only[] = {STDOUT_FILENO};
	*m = (struct model){.source = source};
	termsize_resolve(size, stdout_only, 1, &m->cols, &m->rows, &m->from_terminal);
}

void model_free(struct model *m)
{
	screen_free(m->screen);
	m->screen = NULL;
}

void model_recording(struct model *m, const struct acast_info *info)
{
	m->cols = info->width;
	m->rows = info->height;
	m->from_terminal = false;
	check_size(m, m->cols, m->rows);
}

struct screen *model_screen(struct model *m)
{
	if (m->screen)
		return m->screen;
	check_size(m, m->cols, m->rows);
	m->screen = screen_new(m->rows, m->cols);
	if (m->screen == NULL)
		die("screen model: %s", strerror(errno));
	return m->screen;
}

static void feed(struct screen *s, const char *data, size_t len)
{
	while (len > 0) {
		size_t n = len < FEED_PIECE ? len : FEED_PIECE;
		screen_queue(s, data, n);
		screen_catch_up(s, SIZE_MAX);
		data += n;
		len -= n;
	}
}

void model_record(struct model *m, const struct k8s_record *rec)
{
	struct screen *s = model_screen(m);
	feed(s, rec->data, rec->len);
	if (!rec->partial)
		feed(s, "\n", 1);
	m->fed = true;
}

const char *model_resize(struct model *m, unsigned cols, unsigned rows)
{
	const char *why = screen_size_error(rows, cols);
	if (why)
		return why;
	if (m->screen && screen_resize(m->screen, rows, cols) < 0)
		die("screen model: %s", strerror(errno));
	m->cols = cols;
	m->rows = rows;
	m->from_terminal = false;
	return NULL;
}
