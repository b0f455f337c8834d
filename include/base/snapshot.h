/* snapshot: the protocol of the screen socket, which the shim keeps beside
 * the attach socket of a terminal container with a screen model, so that a
 * script or `ptyshim-attach --snapshot` can read the current screen without
 * attaching (conmon's attach protocol stays as it is).
 *
 * SOCK_STREAM, owner-only like the attach socket. The client sends one
 * request line and reads the answer up to EOF:
 *   "text\n"     the screen as text (like tmux capture-pane -p)
 *   "ansi\n"     the same with SGR colours (capture-pane -e)
 *   "repaint\n"  the bytes that paint it on a terminal of the same size
 *   "size\n"     "ROWS COLS\n"
 * Anything else is answered with one line starting "error: " and closed. */
#ifndef PTYSHIM_SNAPSHOT_H
#define PTYSHIM_SNAPSHOT_H

#define SNAPSHOT_SOCKET_NAME "screen"
#define SNAPSHOT_REQUEST_MAX 64

enum snapshot_kind {
	SNAPSHOT_TEXT,
	SNAPSHOT_ANSI,
	SNAPSHOT_REPAINT,
	SNAPSHOT_SIZE,
};

/* The kind a request line names (without its newline), or -1. */
int snapshot_parse_request(const char *line);
/* The request line for a kind, newline included. */
const char *snapshot_request(enum snapshot_kind kind);

#endif
