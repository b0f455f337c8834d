/* acastlog: the `-l asciicast:PATH` log driver. It records the session as
 * asciicast v2: a header with the terminal size, `o` events for output
 * (stdout and stderr alike; asciicast has no stderr), `r` events for
 * resizes. Event times are relative to the header's "timestamp" (whole
 * seconds), so header timestamp + event time is the wall-clock time of the
 * read.
 *
 * File: O_WRONLY-ish append (O_RDWR|O_APPEND|O_CREAT|O_CLOEXEC, 0600).
 * An existing recording (header line in the asciicast v2 form that this
 * driver and asciinema write) is continued: no second header, an `r` event
 * with the new size, event times still counted from the old header, so the
 * file stays one valid recording across container restarts. Any other
 * non-empty file gets a new header appended (a warning says so); ptyshim-logs
 * replays such concatenated recordings, asciinema only the first.
 *
 * Writes: formatted events wait in memory until the file takes them, so a
 * short write or a full disk never tears or loses an event; the backlog is
 * retried on every later call. Past ACASTLOG_MAX_BACKLOG the output is not
 * recorded (counted, reported once through diag) until the disk accepts
 * writes again. */
#ifndef PTYSHIM_ACASTLOG_H
#define PTYSHIM_ACASTLOG_H

#include "shim/logdrv.h"

#define ACASTLOG_MAX_BACKLOG (4u * 1024 * 1024)

/* rows/cols: the PTY size now; 0 means unknown and writes 80x24 (a later
 * resize records the real size). command: the container's command line for
 * the header, or NULL. On failure returns NULL and, if err is not NULL,
 * sets *err to a malloc'd one-line message "asciicast: PATH: what". */
struct logdrv *acastlog_open(const char *path, unsigned rows, unsigned cols, const char *command, char **err);

#endif
