/* proc: process plumbing for the shim: the daemonizing fork, the clean
 * signal state children start from, inherited-fd bookkeeping, and the exit
 * command. */
#ifndef PTYSHIM_PROC_H
#define PTYSHIM_PROC_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* The daemonizing fork (none when fork_off is false, --sync: then the pid
 * file gets our own pid and -1 is returned). The parent writes the daemon's
 * pid to pidfile (when not NULL); without wait_ready it exits 0 at once (the manager's sync pipe
 * carries the news), and -1 is returned in the daemon. With wait_ready it
 * stays until the daemon's word on a pipe, whose close-on-exec write end is
 * returned in the daemon: "ok" makes it exit 0, a reason makes it print that
 * reason (one line on its stderr) and exit 1, and a daemon that ends without
 * a word is said so, exit 1: the readiness pattern of daemon(7), so that a
 * start-up failure is never silent for a person at a shell. The parent never
 * returns. -2 (reported) when the fork itself failed. */
int proc_daemonize(bool fork_off, bool wait_ready, const char *pidfile);

/* The daemon's word to the waiting parent: reason NULL for "ok", else the
 * reason (len bytes). Closes *ready_fd; nothing when it is -1. */
void proc_report_ready(int *ready_fd, const char *reason, size_t len);

/* Signals the monitor handles through its signalfd. */
void proc_handled_signals(sigset_t *set);

/* The fds open now, other than 0-2 and those in keep (count n_keep).
 * Returns an allocated array. */
int *proc_list_fds(const int *keep, size_t n_keep, size_t *n_out);

/* Runs path with args (argv[0] = path) after delay seconds, with /dev/null
 * stdio, in a child with no signal state and no fds beyond 0-2; waits for
 * it, reaping anything else on the way. Returns its exit status (0-255),
 * 255 when it could not run. */
int proc_run_exit_command(const char *path, const char *const *args, size_t n_args, int delay);

#endif
