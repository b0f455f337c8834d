/* launch: starting the programs a container session needs, in the order
 * podman keeps. ptyshim is started exactly the way podman starts conmon
 * (conmon-interface.md §2, §8): SOCK_SEQPACKET socketpairs on fds 3 (sync)
 * and 4 (start), and 5 (attach) for an exec session, its own process group,
 * stdin and stdout /dev/null, stderr a pipe whose text is shown if it fails
 * before its sync message; then the start byte, and the sync message
 * {"data": PID} or the runtime's error. ptyshim-attach is started and
 * connected before the container is (runc start, the exec start byte), or
 * the first output would never reach it. */
#ifndef PTYMAN_LAUNCH_H
#define PTYMAN_LAUNCH_H

#include <stdbool.h>
#include <sys/types.h>

#include "ctr.h"
#include "ptyman.h"
#include "ptyman_words.h"

/* How long the shim may take to answer with its sync message. Podman waits
 * 240 s; runc create normally takes tens of milliseconds. */
#define SYNC_TIMEOUT_MS (120 * 1000)

struct launch {
	int sync_fd, start_fd, attach_fd; /* our ends; -1 when unused */
	char *stderr_text;
};

#define LAUNCH_INIT {.sync_fd = -1, .start_fd = -1, .attach_fd = -1}

/* Starts ptyshim (argv[0], in cwd when not NULL, with env's NAME=VALUE
 * added), writes the first start byte (and closes the start pipe unless
 * exec_attach: an exec session gets a second one) and waits for ptyshim's
 * first process, which forks the monitor and exits. 0, or -1 with the
 * error printed; launch_close either way. */
int shim_launch(char *const argv[], bool exec_attach, const char *cwd, const char *const *env, struct launch *l);
void launch_close(struct launch *l);

/* One datagram of a sync channel, {"data": N[, "message": "…"]}: 0 with
 * *data (and *message, allocated or NULL), -1 with a reason printed. */
int sync_read(int fd, const char *what, int timeout_ms, long long *data, char **message);
/* The runtime's own words, as podman prefers them: the last error in its
 * JSON log (oci_log, may be NULL), else the message on the sync pipe.
 * Allocated. */
char *runtime_error(const char *oci_log, const char *message);

/* ptyshim's options as podman passes them to conmon (§1.3): the ones every
 * session has, and those of a runc session (bundle/oci-log, pidfile). */
void shim_argv_common(const struct ptyman *pm, struct words *a, const char *cid, const char *uid,
		      const char *bundle, const char *exit_dir);
void shim_argv_runc(const struct ptyman *pm, struct words *a, const char *bundle, const char *pidfile);

/* ptyshim-attach's command line for c's session at target (its bundle or
 * exec directory), exit_file telling when it has ended. */
struct words attach_argv(const struct ptyman *pm, const struct ctr *c, const char *target, const char *exit_file,
			 bool with_stdin);
/* Starts ptyshim-attach on our terminal and waits until it is connected
 * (or has ended, or 10 s passed). The pid, or -1 printed. */
pid_t attach_spawn(char *const argv[]);
/* After an attach client ended with status: "[NAME exited (3)]" and the
 * container's status (as an exit status), or "[detached from NAME …]". */
int attach_report(const struct ptyman *pm, const struct ctr *c, int status);

#endif
