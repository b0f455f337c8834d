/* snapclient: `ptyshim-attach --snapshot [-e]`, the current screen of a
 * running terminal container for scripts and monitoring. It asks the shim's
 * screen socket (base/snapshot.h), which sits beside the attach socket, for
 * "text" (or "ansi" with -e) and copies the answer to stdout. It needs no
 * terminal and never touches one; it does not attach, so the container and
 * its attached clients see nothing of it. */
#ifndef PTYSHIM_ATTACH_SNAPCLIENT_H
#define PTYSHIM_ATTACH_SNAPCLIENT_H

#include "attach/opts.h"

/* 0 once the screen is on stdout (nothing for a blank one);
 * ATTACH_EXIT_SETUP after a one-line message (no screen socket, no shim, an
 * "error: " answer, none in time);
 * ATTACH_EXIT_STDOUT_GONE when stdout went away. */
int snapclient_run(const struct attach_opts *o);

#endif
