/* bundle: where the attach client finds the container's files. A target
 * that is a directory is the bundle (DIR/attach, DIR/ctl, DIR/config.json);
 * anything else is the attach socket itself, whose directory holds ctl and
 * config.json (conmon puts them side by side). */
#ifndef PTYSHIM_ATTACH_BUNDLE_H
#define PTYSHIM_ATTACH_BUNDLE_H

struct bundle {
	char *dir;       /* owned */
	char *sock_path; /* owned */
};

/* Fills b from target; -1 with a one-line message when target is not there. */
int bundle_resolve(const char *target, struct bundle *b);

/* 1 or 0 from DIR/config.json's process.terminal, -1 when unknown (no file,
 * or one that does not say; a broken file is warned about). */
int bundle_terminal(const struct bundle *b);

/* DIR/ctl, the control fifo. Allocated. */
char *bundle_ctl_path(const struct bundle *b);

void bundle_free(struct bundle *b);

#endif
