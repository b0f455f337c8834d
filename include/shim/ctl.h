/* ctl: the control fifos in the bundle. "ctl" takes conmon's lines
 * "1 ROWS COLS" (resize) and "2 X Y" (reopen the log); "winsz" takes
 * "ROWS COLS". A line is read as conmon 2.1.6's sscanf("%d %d %d") reads
 * it: each number after optional blanks and sign, leading zeros allowed,
 * anything after the last number ignored ("1 2 2 3" is a 2x2 resize), the
 * numbers of a reopen not looked at. One difference on purpose: a size
 * outside 0-65535 is refused (conmon wraps it into a nonsense size).
 * Each fifo has its own line buffer, every line of a read is handled
 * exactly once, and a bad line is reported and skipped without touching
 * anything else. The shim keeps a writer of its own open on each fifo so
 * the reader never sees EOF when a manager's writer goes away. */
#ifndef PTYSHIM_CTL_H
#define PTYSHIM_CTL_H

#include <stddef.h>

struct loop;
struct ctl_fifos;

enum ctl_type {
	CTL_RESIZE = 1,
	CTL_REOPEN_LOG = 2,
};

#define CTL_LINE_MAX 255

struct ctl_callbacks {
	void (*resize)(void *ctx, unsigned rows, unsigned cols);
	void (*reopen_log)(void *ctx);
	void *ctx;
};

/* Creates (replacing old files) DIR/ctl and DIR/winsz, mode 0600 whatever
 * the umask, and reads them in loop. NULL with *err (allocated) on failure. */
struct ctl_fifos *ctl_open(struct loop *loop, const char *dir, const struct ctl_callbacks *cb, char **err);
void ctl_free(struct ctl_fifos *ctl);

#endif
