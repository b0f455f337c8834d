/* endcond: what ends --follow. The container's exit file appearing
 * (--exit-file, --exit-dir DIR/ID, podman's /run/libpod/exits/ID for a log
 * in its .../ID/userdata/, else a file "exit" beside the log, as ptyshim's
 * --persist-dir writes it), or the shim's monitor being gone (--pidfile, or
 * podman's conmon.pid for a log in its layout; with a container id, a
 * process whose command line has not that --cid counts as gone: the pid was
 * reused). Where nothing applies, following goes on until interrupted.
 *
 * The follower watches the exit file's directory itself (one inotify mask
 * for every directory it watches) and polls monitor_fd, which becomes
 * readable when the monitor exits. */
#ifndef PTYSHIM_LOGS_ENDCOND_H
#define PTYSHIM_LOGS_ENDCOND_H

#include <stdbool.h>

struct endcond_options {
	const char *exit_file, *exit_dir, *cid, *pidfile; /* NULL when not given */
};

struct endcond {
	char *exit_path;   /* NULL: no exit file ends following */
	int monitor_fd;    /* pidfd of the shim's monitor, or -1 */
	bool monitor_gone; /* known not to run (or never found where required) */
};

#define ENDCOND_INIT {.exit_path = NULL, .monitor_fd = -1, .monitor_gone = false}

/* Sets e->exit_path: the exit file for the log at log_path, when its
 * directory exists. Dies when the file was asked for (--exit-file,
 * --exit-dir) and its directory is missing, or when --exit-dir has no
 * usable container id. */
void endcond_find_exit_file(struct endcond *e, const char *log_path, const struct endcond_options *o);
/* Sets e->monitor_fd or e->monitor_gone from the monitor's pid file. Dies
 * when the pid file cannot be read (other than missing) or holds no pid. */
void endcond_find_monitor(struct endcond *e, const char *log_path, const struct endcond_options *o);
/* Whether following should end now. */
bool endcond_reached(const struct endcond *e);
void endcond_free(struct endcond *e);

#endif
