/* proc: process plumbing for the shim: the daemonizing fork, the clean
 * signal state children start from, inherited-fd bookkeeping, and the exit
 * command. */
#ifndef PTYSHIM_PROC_H
#define PTYSHIM_PROC_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

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
