/* attach: the attach socket server. Broadcasts output to every client
 * through a bounded per-client queue and feeds client input to the
 * container while the input queue has room (clients are simply not read
 * while it is full).
 *
 * With a screen model (a terminal container, callbacks.repaint set), every
 * new client first receives one repaint of the current screen, then live
 * output; and a client that falls more than lag_max bytes behind is never
 * cut off: its backlog is dropped and it gets one repaint of the latest
 * screen as soon as it can take it (tmux's policy). Without one (pipes, or
 * the model turned off) output is byte-exact and a client that falls
 * queue_max bytes behind is cut off, never waited for. */
#ifndef PTYSHIM_ATTACH_H
#define PTYSHIM_ATTACH_H

#include <stdbool.h>
#include <stddef.h>

#include "shim/logdrv.h"

struct loop;
struct attach_server;

struct attach_callbacks {
	/* Input for the container; returns bytes taken. */
	size_t (*input)(void *ctx, const void *data, size_t len);
	/* Is there room for one more datagram of input? */
	bool (*input_room)(void *ctx);
	/* A client closed its sending side. */
	void (*input_eof)(void *ctx);
	/* A client connected (after its repaint, if any, was queued). */
	void (*attached)(void *ctx);
	/* The current screen as bytes that paint it (allocated), or NULL when
	 * there is no screen model. Optional. */
	char *(*repaint)(void *ctx, size_t *len);
	/* How far a client may fall behind before its backlog is replaced by a
	 * repaint; 0 while there is no screen to repaint (then queue_max and
	 * the cut-off apply). Optional. */
	size_t (*lag_max)(void *ctx);
	void *ctx;
};

/* Binds path (any length; an existing file there is replaced), mode 0700. */
struct attach_server *attach_listen(struct loop *loop, const char *path, size_t queue_max,
				    const struct attach_callbacks *cb, char **err);
void attach_broadcast(struct attach_server *srv, const struct output_chunk *chunk);
/* The input queue has room again: read clients again. */
void attach_resume_input(struct attach_server *srv);
/* Some client still has queued output. */
bool attach_has_pending(const struct attach_server *srv);
/* Closes every client and the listener (what makes a manager's attach return). */
void attach_close_all(struct attach_server *srv);
/* Closes everything that is left and unlinks the socket path. */
void attach_free(struct attach_server *srv);

#endif
