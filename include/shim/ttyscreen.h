/* ttyscreen: the daemon's screen model of the container's terminal: fed with
 * every output chunk (after the log drivers, before the attach clients),
 * resized with the PTY, parsed when the loop is idle, and the source of the
 * attach server's repaints and of the screen socket's answers.
 *
 * How far an attach client may fall behind before its backlog is replaced
 * by a repaint: 8 bytes a screen cell, as tmux allows a client, and at least
 * 64 KiB, so that a small screen does not repaint at every burst. */
#ifndef PTYSHIM_TTYSCREEN_H
#define PTYSHIM_TTYSCREEN_H

#include <stddef.h>

#include "base/stream.h"

struct loop;
struct ttyscreen;

/* A model of rows x cols (24x80 when the PTY has no size yet) and the screen
 * socket at socket_path (none when NULL). NULL with *err (allocated) when the
 * size is refused or the socket cannot be made. */
struct ttyscreen *ttyscreen_new(struct loop *loop, unsigned rows, unsigned cols, const char *socket_path,
				char **err);
void ttyscreen_free(struct ttyscreen *ts);

void ttyscreen_output(struct ttyscreen *ts, const struct output_chunk *chunk);
/* The PTY was resized; a size over the model's limits is refused with one
 * warning, and the model keeps its size. */
void ttyscreen_resize(struct ttyscreen *ts, unsigned rows, unsigned cols);

/* For the attach server (attach_callbacks.repaint and .lag_max). */
char *ttyscreen_repaint(struct ttyscreen *ts, size_t *len);
size_t ttyscreen_lag_max(struct ttyscreen *ts);

#endif
