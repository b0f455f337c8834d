/* opts: ptyshim-attach's command line and its --help. Parsing either fills
 * the options or ends the process: --help prints the usage and exits 0, and
 * a bad option, value or detach-key spec prints one line and exits
 * ATTACH_EXIT_SETUP. The strings point into argv. */
#ifndef PTYSHIM_ATTACH_OPTS_H
#define PTYSHIM_ATTACH_OPTS_H

#include <stdbool.h>

#include "attach/detach.h"

enum tty_choice { TTY_AUTO = -1, TTY_NO = 0, TTY_YES = 1 };

struct attach_opts {
	const char *target; /* BUNDLE_DIR or SOCKET_PATH */
	enum tty_choice tty;
	struct detach_keys detach_keys;
	bool no_stdin;
	bool no_readline;
	const char *ctl_path;  /* NULL: the bundle's */
	const char *exit_file; /* NULL: found as peer_exit_file() says */
	const char *exit_dir;
	const char *cid;
	int exit_timeout_ms;
	int ready_fd; /* -1: none */
	bool snapshot;         /* --snapshot: print the screen and exit */
	bool snapshot_colours; /* -e: with its colours */
};

void opts_parse(int argc, char **argv, struct attach_opts *o);

#endif
