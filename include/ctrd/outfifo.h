/* outfifo: one output stream of a task process (stdout or stderr) on its
 * way to what containerd named for it: a fifo its client reads (ctr, the
 * CRI plugin), or a file (`file://PATH`, or a plain file path).
 *
 * The loop never waits for the reader. The shim keeps a read end of a fifo
 * open for as long as it writes, as containerd's Go shim does, so a reader
 * that goes away (ctr exits, containerd restarts) is never an EPIPE: the
 * bytes wait in the pipe for the next reader. Past the pipe they wait in a
 * queue of our own, and what happens when the queue is full is the
 * caller's policy:
 *  - byte-exact (pipes): above OUTFIFO_HIGH the caller is told to stop the
 *    source (the container is held back by its own pipe, as under the Go
 *    shim), and below OUTFIFO_LOW to resume it; nothing is ever dropped;
 *  - a screen model (a terminal): past lag_max the queue is dropped and,
 *    once the reader can take it, replaced by CAN and one repaint of the
 *    current screen (tmux's policy): the container is never held back, the
 *    reader never cut off. A repaint can also be asked for (a client may
 *    have attached): it follows what is queued. */
#ifndef PTYSHIM_CTRD_OUTFIFO_H
#define PTYSHIM_CTRD_OUTFIFO_H

#include <stdbool.h>
#include <stddef.h>

struct loop;
struct outfifo;

#define OUTFIFO_HIGH (256u << 10)
#define OUTFIFO_LOW (64u << 10)

struct outfifo_callbacks {
	/* Byte-exact: the queue went above OUTFIFO_HIGH (full) or down to
	 * OUTFIFO_LOW (!full). */
	void (*backpressure)(void *ctx, bool full);
	/* Screen model: the current screen as bytes that paint it (allocated),
	 * or NULL when there is nothing to paint. NULL: byte-exact. */
	char *(*repaint)(void *ctx, size_t *len);
	/* Screen model: how far the reader may fall behind. */
	size_t (*lag_max)(void *ctx);
	void *ctx;
};

/* path: a fifo, a file, or file://PATH (made, with its directory, when
 * missing); other URIs (binary://, a logging program) are refused. NULL
 * with err set (errlen bytes) when it cannot be opened. */
struct outfifo *outfifo_open(struct loop *loop, const char *path, const struct outfifo_callbacks *cb, char *err,
			     size_t errlen);
/* Closes at once, dropping what is queued. NULL is fine. */
void outfifo_free(struct outfifo *f);

void outfifo_write(struct outfifo *f, const void *data, size_t len);
/* Screen model: a repaint follows what is queued now; output meanwhile is
 * dropped (the repaint shows it). */
void outfifo_repaint(struct outfifo *f);
/* The source ended: the fifo is closed (its reader sees the end) once the
 * queue is written. True when it is closed already. */
bool outfifo_finish(struct outfifo *f);
/* Byte-exact and above its high mark (until it is down to the low one). */
bool outfifo_full(const struct outfifo *f);
/* Bytes waiting in our queue (not those in the pipe). */
size_t outfifo_queued(const struct outfifo *f);
/* Closed (finished and flushed). */
bool outfifo_closed(const struct outfifo *f);

#endif
