/* pidfile: reading a pid file, the contract between a process and whoever
 * watches it: the container's (the runtime's --pid-file, conmon's -p,
 * written by runc or crun, or by ptyshim itself without a runtime) and the
 * shim's own (--conmon-pidfile). The format is write_decimal_file's: a bare
 * decimal pid, no newline; a trailing newline or blank that another writer
 * adds is accepted, anything else is not. Every program reads pid files
 * through here, so "not there yet" and "not a pid" mean the same
 * everywhere. */
#ifndef PTYSHIM_PIDFILE_H
#define PTYSHIM_PIDFILE_H

#include <sys/types.h>

/* The pid in the file at path (1 to INT_MAX), or -1 with errno:
 *   ENOENT  no file (yet), or no directory;
 *   EINVAL  the file holds no pid: empty, garbage, 0, negative, out of
 *           range, a blank in front, over 64 bytes, an embedded NUL;
 *   other   open or read failed (EACCES, EISDIR, ENOTDIR, …).
 * It says nothing about whether the process still runs. */
pid_t pidfile_read(const char *path);

#endif
