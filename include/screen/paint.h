/* paint: the screen model's cells turned into bytes, for a terminal
 * (repaint) or for people (text). screen.h is the interface; this is its
 * renderer, apart because it knows libtsm's cells and nothing of backlogs. */
#ifndef PTYSHIM_PAINT_H
#define PTYSHIM_PAINT_H

#include <stdbool.h>
#include <stddef.h>

#include "screen/termmodes.h"

struct tsm_screen;

char *paint_repaint(struct tsm_screen *tsm, const struct term_modes *modes, unsigned cols, size_t *len);
char *paint_text(struct tsm_screen *tsm, unsigned cols, bool colours, size_t *len);

#endif
