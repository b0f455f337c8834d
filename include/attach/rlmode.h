/* rlmode: GNU readline line editing for a pipe-mode container on a
 * terminal. Input is fed to readline by the caller (after the detach-key
 * matcher), one read at a time, through readline's callback interface, so
 * the poll loop stays the only place that waits. Each finished line goes to
 * the send queue with its newline, and goes into the history.
 *
 * Output while a line is being edited: the last, unfinished line of output
 * is held back and shown as readline's prompt, so readline can redraw it
 * together with what the user is typing. Held bytes are always on the
 * screen already (as the prompt) and are written for real once their line
 * is complete, so the bytes the container wrote reach our output in order
 * and unchanged.
 *
 * readline is one per process; so is an active rlmode. */
#ifndef PTYSHIM_ATTACH_RLMODE_H
#define PTYSHIM_ATTACH_RLMODE_H

#include <stdbool.h>
#include <stddef.h>

#include "attach/sendq.h"
#include "attach/sigwatch.h"

#define HELD_MAX 512
#define HELD_SEGS 8

/* Output held back as the prompt, in segments by fd (stdout, stderr). */
struct held_output {
	unsigned char data[HELD_MAX];
	size_t len;
	struct {
		int fd;
		size_t len;
	} seg[HELD_SEGS];
	size_t nseg;
	char prompt[HELD_MAX * 3 + 1];
};

struct rlmode {
	bool active;
	bool interrupted; /* a signal arrived while readline waited for a key */
	const unsigned char *feed; /* borrowed, during rlmode_feed only */
	size_t feed_len, feed_pos;
	struct held_output held;
	struct sigwatch *sigs; /* borrowed */
	struct sendq *sendq;   /* borrowed: where the lines go */
};

/* Takes over the terminal (stdin, stdout) for line editing. */
void rlmode_start(struct rlmode *rl, struct sigwatch *sigs, struct sendq *sendq);
/* Gives the terminal back, ending an unfinished line on the screen. A no-op
 * when not active. */
void rlmode_stop(struct rlmode *rl);
bool rlmode_active(const struct rlmode *rl);

/* Runs input bytes through readline. Returns false when readline saw the
 * end of input (ctrl-d on an empty line): rlmode is then no longer active,
 * and the caller ends the input. */
bool rlmode_feed(struct rlmode *rl, const unsigned char *buf, size_t len);

/* Container output for fd while readline owns the line (see above). 0, or
 * -1 with errno as output_write() sets it. */
int rlmode_show_output(struct rlmode *rl, int fd, const unsigned char *buf, size_t len);

/* Around a stop (SIGTSTP): leave the edited line on the screen before, and
 * take the terminal again and redraw after. No-ops when not active. */
void rlmode_suspend(struct rlmode *rl);
void rlmode_resume(struct rlmode *rl);
/* The window size changed. */
void rlmode_resize(struct rlmode *rl);

#endif
