/* die: how ptyshim-logs gives up. One line "ptyshim-logs: <message>" on
 * stderr and exit status 1 (bad usage or a fatal I/O error); buffered
 * output is not flushed, so nothing half-done is printed after the message.
 * Every module of the tool fails through here, so the status means one
 * thing. */
#ifndef PTYSHIM_LOGS_DIE_H
#define PTYSHIM_LOGS_DIE_H

#define LOGS_EXIT_BAD 1
/* --strict, and a record was corrupt. */
#define LOGS_EXIT_CORRUPT 2

void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

#endif
