/* setup: from the options to a session ready to relay, in an order that
 * matters: the clock for the exit file's age before connecting; the shim's
 * command line through the connected socket; the window size sent before
 * any input, so the first command already runs at the right size; and the
 * --ready-fd newline last, once everything is in place. */
#ifndef PTYSHIM_ATTACH_SETUP_H
#define PTYSHIM_ATTACH_SETUP_H

#include "attach/opts.h"
#include "attach/session.h"

/* 0, or ATTACH_EXIT_SETUP after a one-line message. s must be initialized
 * (session_init) and is freed by the caller either way. */
int setup_session(struct session *s, const struct attach_opts *o);

#endif
