/* ctl: the control fifos in the bundle. "ctl" takes conmon's lines
 * "1 ROWS COLS" (resize) and "2 X Y" (reopen the log); "winsz" takes
 * "ROWS COLS". Each fifo has its own line buffer, every line of a read is
 * handled exactly once, and a bad line is reported and skipped without
 * touching anything else. The shim keeps a writer of its own open on each
 * fifo so the reader never sees EOF when a manager's writer goes away. */
#ifndef PTYSHIM_CTL_H
#define PTYSHIM_CTL_H

#include <stddef.h>

struct loop;
struct ctl_fifos;

enum ctl_type {
	CTL_RESIZE = 1,
	CTL_REOPEN_LOG = 2,
};

struct ctl_msg {
	int type;
	unsigned a, b; /* resize: rows, cols */
};

#define CTL_LINE_MAX 255

/* Parses one line (without its '\n') as conmon 2.1.6's sscanf("%d %d %d")
 * does: each number after optional blanks and sign, leading zeros allowed,
 * anything after the last number ignored ("1 2 2 3" is a 2x2 resize).
 * fields is 3 for ctl, 2 for winsz (type then implied CTL_RESIZE). The
 * numbers of a reopen are not looked at. One difference on purpose: a
 * size outside 0-65535 is refused (conmon wraps it into a nonsense size).
 * Returns 0, or -1 with *err a static text. */
int ctl_parse_line(const char *line, size_t len, int fields, struct ctl_msg *out, const char **err);

struct ctl_callbacks {
	void (*resize)(void *ctx, unsigned rows, unsigned cols);
	void (*reopen_log)(void *ctx);
	void *ctx;
};

/* Creates (replacing old files) DIR/ctl and DIR/winsz, mode 0660 before umask. */
struct ctl_fifos *ctl_open(struct loop *loop, const char *dir, const struct ctl_callbacks *cb, char **err);
void ctl_free(struct ctl_fifos *ctl);

/* Feeds raw bytes as if read from the fifo (the fifo path uses it; tests too). */
void ctl_feed(struct ctl_fifos *ctl, int which, const char *data, size_t len);
#define CTL_FIFO_CTL 0
#define CTL_FIFO_WINSZ 1

/* A ctl_fifos without files, for feeding in tests. */
struct ctl_fifos *ctl_new_detached(const struct ctl_callbacks *cb);

#endif
