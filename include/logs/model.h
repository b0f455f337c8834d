/* model: a log's records fed into a screen model (screen/screen.h), as the
 * terminal showed them: stdout and stderr records alike, an F record's line
 * end as "\n" (a terminal's own output already holds the "\r"). Every byte
 * is parsed: the model's backlog never overflows, so nothing is lost.
 *
 * The size: an asciicast recording's header, then its resizes as they come;
 * a k8s-file log holds none, so it is --size, else the size of the terminal
 * on stdout (where the screen will be shown), else 80x24. The model is made
 * when it is first needed, at the size known by then. */
#ifndef PTYSHIM_LOGS_MODEL_H
#define PTYSHIM_LOGS_MODEL_H

#include <stdbool.h>

#include "logfmt/acastread.h"
#include "logfmt/k8sread.h"
#include "logs/termsize.h"
#include "screen/screen.h"

struct model {
	struct screen *screen; /* NULL until first needed */
	const char *source;    /* the log's path, for messages; borrowed */
	unsigned cols, rows;   /* the size it has, or will be made with */
	bool from_terminal;    /* that size is stdout's terminal's */
	bool fed;              /* a record went in */
};

/* A terminal's size over the model's limits is refused here: dies, asking
 * for --size (a given --size was checked with the options). */
void model_init(struct model *m, const char *source, const struct termsize *size);
void model_free(struct model *m);

/* The recording's first header, before any record: its size replaces the
 * default. Dies when the model refuses it. */
void model_recording(struct model *m, const struct acast_info *info);
void model_record(struct model *m, const struct k8s_record *rec);
/* NULL, or why the size is refused (the model keeps its size). */
const char *model_resize(struct model *m, unsigned cols, unsigned rows);

/* The model as of the last record, made now if nothing came yet. */
struct screen *model_screen(struct model *m);

#endif
