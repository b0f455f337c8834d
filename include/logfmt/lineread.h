/* lineread: split a byte stream pushed in arbitrary pieces into lines, for
 * the log readers. A line whole inside one piece is handed out in place; a
 * line split across pieces is copied, up to a maximum length. A longer line
 * is reported once and its bytes are dropped up to its newline, so memory
 * stays bounded on any input. Line numbers are 1-based. */
#ifndef PTYSHIM_LINEREAD_H
#define PTYSHIM_LINEREAD_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* line excludes its \n; it is valid only during the call. */
typedef void (*lineread_line_cb)(const char *line, size_t len, unsigned long lineno, void *arg);
/* Something wrong with line lineno, in a short phrase ("line too long, skipped"). */
typedef void (*lineread_warn_cb)(unsigned long lineno, const char *what, void *arg);

struct lineread {
	char *buf; /* the pending unterminated line */
	size_t len, cap, max;
	bool skipping; /* inside an overlong line */
	unsigned long line; /* number of the line being assembled */
	lineread_line_cb line_cb;
	lineread_warn_cb warn_cb;
	void *arg;
};

/* Every complete line goes to line_cb; a line longer than max to warn_cb. */
void lineread_init(struct lineread *lr, size_t max, lineread_line_cb line_cb, lineread_warn_cb warn_cb, void *arg);
void lineread_free(struct lineread *lr);
/* Forget any pending line and start numbering at 1 again. */
void lineread_reset(struct lineread *lr);

/* Reads fd until EOF or EAGAIN, splitting every piece into lines. Returns
 * the bytes read, or -1 on a read error. */
ssize_t lineread_read_fd(struct lineread *lr, int fd);

/* At the end of the input: hands out the unterminated last line, if there
 * is one (true), and clears it. An overlong last line was already reported
 * and gives false. */
bool lineread_take_last(struct lineread *lr, const char **line, size_t *len, unsigned long *lineno);
/* The same for a reader to which the last line is a line like any other:
 * it goes to line_cb. */
void lineread_finish(struct lineread *lr);

#endif
