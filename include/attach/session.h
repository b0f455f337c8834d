/* session: one attach session, relayed by one poll loop over the socket,
 * stdin and the signalfd; nothing in it waits on the socket, and only writes
 * to our own stdout/stderr may block (with signals still honoured).
 *   in:  stdin bytes -> (detach-key matcher) -> [readline] -> send queue;
 *   out: datagrams "[stream][payload]", stream 2 -> stdout, 3 -> stderr;
 *   SIGWINCH -> a resize through the ctl fifo, SIGTSTP -> stop and resume.
 * The session ends on detach, on the shim's end of the connection, on a
 * terminating signal, or when our output or terminal goes away; finishing
 * it puts the terminal back and turns the reason into the exit status. */
#ifndef PTYSHIM_ATTACH_SESSION_H
#define PTYSHIM_ATTACH_SESSION_H

#include <stdbool.h>

#include "attach/bundle.h"
#include "attach/detach.h"
#include "attach/exitwatch.h"
#include "attach/peer.h"
#include "attach/resize.h"
#include "attach/rlmode.h"
#include "attach/sendq.h"
#include "attach/sigwatch.h"

/* Larger than any frame a conforming shim sends (1 + 8192), so that a
 * too-large frame is noticed (MSG_TRUNC) instead of silently cut. */
#define SESSION_RECV_SIZE (64 * 1024)

enum input_mode {
	INPUT_NONE,     /* --no-stdin: watch only, never send, never shut down */
	INPUT_RAW,      /* terminal container, terminal on stdin: raw mode, detach keys */
	INPUT_READLINE, /* pipe-mode container, terminals on stdin and stdout: line
			 * editing and history, detach keys, ctrl-d = end of input */
	INPUT_COPY,     /* anything else: bytes as they come, end of input = SHUT_WR */
};

enum end_reason {
	END_NONE = 0,
	END_DETACH,      /* the user typed the detach keys */
	END_EOF,         /* the shim closed the connection (the container ended, or not: endnote.h) */
	END_SIGNAL,      /* SIGTERM, SIGHUP, SIGINT or SIGQUIT */
	END_STDOUT_GONE, /* EPIPE on stdout */
	END_HANGUP,      /* our terminal went away (EIO) */
	END_ERROR,       /* already reported */
};

struct session {
	int sock_fd; /* owned */
	int tty_in_fd; /* owned: a non-blocking description of a terminal stdin, or -1 */
	struct bundle bundle;
	struct sigwatch sigs;
	struct peer_info peer;
	struct exit_watch exitw;
	bool tty_container;
	enum input_mode mode;
	bool err_tty;
	bool stdin_open;
	bool use_detach;
	struct detach_matcher matcher;
	struct sendq sendq;
	struct resize_state resize;
	struct rlmode rl;
	bool stderr_dead;
	bool warned_trunc;
	bool warned_stream;
	enum end_reason end;
	unsigned char recv_buf[SESSION_RECV_SIZE];
};

/* An empty session: nothing open, safe to free. */
void session_init(struct session *s);
/* Relays until the session ends (s->end is set). */
void session_run(struct session *s);
/* Puts the terminal back and returns the exit status for s->end (for an
 * ended connection, after waiting up to exit_timeout_ms for the exit file). */
int session_finish(struct session *s, int exit_timeout_ms);
void session_free(struct session *s);

#endif
