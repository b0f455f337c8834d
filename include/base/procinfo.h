/* procinfo: what /proc tells about another process: whether it still runs
 * and its command line (how the clients find a shim's exit file). */
#ifndef PTYSHIM_PROCINFO_H
#define PTYSHIM_PROCINFO_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* The NUL-separated argv of pid (/proc/PID/cmdline), at most 256 KiB,
 * allocated and NUL-terminated; *len counts the bytes read. NULL with errno
 * when it cannot be read (gone, or not ours to read). */
char *procinfo_cmdline(pid_t pid, size_t *len);

/* Splits a cmdline buffer into an argv (pointers into buf) of at most max
 * entries; returns the count. */
int procinfo_argv(const char *buf, size_t len, const char **argv, int max);

/* True when pid exists and is neither a zombie nor dead. */
bool procinfo_alive(pid_t pid);

#endif
