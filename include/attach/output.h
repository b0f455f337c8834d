/* output: writes to our own stdout and stderr (the user's terminal or
 * pipe). They may block, but never past a terminating signal: the one wait
 * in the client that is not the poll loop still watches the signalfd. */
#ifndef PTYSHIM_ATTACH_OUTPUT_H
#define PTYSHIM_ATTACH_OUTPUT_H

#include <stddef.h>

#include "attach/sigwatch.h"

/* Writes everything to fd (also a non-blocking one, waiting for POLLOUT).
 * 0; or -1 with errno: the write's, or ECANCELED when a terminating signal
 * arrived meanwhile (then sw->term_signal is set). */
int output_write(struct sigwatch *sw, int fd, const void *buf, size_t len);

#endif
