/* ctrio: the container's stdio endpoints, a PTY master or pipes. Reads
 * output in large chunks and hands each one to a single output callback;
 * queues input for the container with a bounded buffer and says when it has
 * room again. A PTY master without any slave open returns EIO and reports
 * HUP: that means "nobody writes right now", never an end, so the master is
 * read edge-triggered and idles without wake-ups. */
#ifndef PTYSHIM_CTRIO_H
#define PTYSHIM_CTRIO_H

#include <stdbool.h>
#include <stddef.h>

#include "shim/logdrv.h"

struct loop;
struct ctr_stdio;

struct ctrio_callbacks {
	/* One chunk of output; data stays valid until the next output_done. */
	void (*output)(void *ctx, const struct output_chunk *chunk);
	/* The end of a burst of reads: whatever still points into the chunks
	 * of this burst must be written out now. */
	void (*output_done)(void *ctx);
	/* The input queue went from "no room for a datagram" to having room. */
	void (*input_room)(void *ctx);
	void *ctx;
};

/* Bytes a caller may push at once without losing any (one attach datagram). */
#define CTRIO_INPUT_CHUNK 32768

struct ctr_stdio *ctrio_new(struct loop *loop, const struct ctrio_callbacks *cb);
void ctrio_free(struct ctr_stdio *st);

/* Takes ownership of master_fd; applies a pending size and flushes queued input. */
int ctrio_set_pty(struct ctr_stdio *st, int master_fd);
/* Takes ownership of the shim's pipe ends; any may be -1. */
void ctrio_set_pipes(struct ctr_stdio *st, int stdout_fd, int stderr_fd, int stdin_fd);
/* A pipe carrying runtime stderr in terminal mode. Takes ownership. */
void ctrio_set_stderr(struct ctr_stdio *st, int stderr_fd);

/* Start/stop reading output (output is held back while the runtime creates). */
void ctrio_start_output(struct ctr_stdio *st);

/* Stops reading one output stream (STREAM_STDOUT is the PTY on a terminal)
 * until it is resumed: the consumer's queue is full, and the container is
 * held back by its own pipe or PTY filling up, while the loop and the other
 * streams go on. Output already being read when the callback pauses is
 * still delivered. */
void ctrio_pause_output(struct ctr_stdio *st, enum stream_id stream, bool paused);
/* Whether the stream may still deliver output (not at EOF, nor at EIO on a
 * PTY without a slave for now). */
bool ctrio_stream_open(struct ctr_stdio *st, enum stream_id stream);

/* Non-blocking read of whatever the stderr pipe holds now, up to cap bytes
 * (the runtime's error text after a failed create). */
size_t ctrio_read_stderr_now(struct ctr_stdio *st, char *out, size_t cap);

bool ctrio_input_has_room(const struct ctr_stdio *st);
/* Appends input; returns bytes taken (all of it when input_has_room was true
 * and len <= CTRIO_INPUT_CHUNK). Input to a closed stdin is dropped. */
size_t ctrio_push_input(struct ctr_stdio *st, const void *data, size_t len);
/* Close the container's stdin once queued input is written (pipe mode);
 * on a PTY, input simply stops being accepted. */
void ctrio_close_input(struct ctr_stdio *st);

/* Window size: applied now on a PTY, or kept until the PTY arrives. */
void ctrio_resize(struct ctr_stdio *st, unsigned rows, unsigned cols);
bool ctrio_get_size(struct ctr_stdio *st, unsigned *rows, unsigned *cols);
/* SIGWINCH to the PTY's foreground process group, so programs redraw. */
void ctrio_nudge_redraw(struct ctr_stdio *st);

/* Read everything available now from every output fd, until EAGAIN,
 * EOF or EIO. Returns true when every output fd has ended (EOF/EIO). */
bool ctrio_drain(struct ctr_stdio *st);
/* True while some output fd has not reached EOF/EIO. */
bool ctrio_output_open(const struct ctr_stdio *st);

#endif
