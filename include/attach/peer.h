/* peer: the shim at the other end of the attach socket, found through the
 * socket's peer credentials (SO_PEERCRED) and its command line in
 * /proc/PID/cmdline, which needs no cooperation from the shim. Whatever the
 * shim is (conmon or ptyshim), its flags are conmon's, walked with
 * conmonopt's table. From them the client learns whether the container has
 * a terminal, where the shim writes the exit file, where the log is, and
 * (through the container pid file) whether the container still runs once
 * the connection has ended. */
#ifndef PTYSHIM_ATTACH_PEER_H
#define PTYSHIM_ATTACH_PEER_H

#include <stdbool.h>
#include <sys/types.h>

#include "attach/opts.h"

/* Every field is optional. */
struct peer_info {
	pid_t pid;    /* 0: unknown */
	int pid_fd;   /* a pidfd of pid, or -1 (no pid, or no pidfd_open) */
	char *cid;    /* -c/--cid */
	char *exit_dir;
	char *persist_dir;
	int terminal; /* -1 unknown, else whether -t/--terminal was given */
	bool no_screen; /* --no-screen: a ptyshim without a screen model */
	char *log_path; /* the first k8s-file log of -l/--log-path, or NULL */
	int ctr_pid_fd; /* a pidfd of the container's process (from the
			 * -p/--container-pidfile file, read at attach time), or -1 */
};

/* Fills pi from the peer of sock_fd (pi is overwritten). */
void peer_read(struct peer_info *pi, int sock_fd);

/* Whether the shim's process may still run: true unless its pidfd says it
 * ended (only a pidfd tells reliably: no pid reuse). */
bool peer_running(const struct peer_info *pi);

enum peer_ctr_state { PEER_CTR_UNKNOWN = -1, PEER_CTR_ENDED = 0, PEER_CTR_RUNS = 1 };
/* Whether the container's process still runs, by its pidfd. */
enum peer_ctr_state peer_container_state(const struct peer_info *pi);

/* Where the container's exit code will appear, in order of preference:
 *   --exit-file PATH;
 *   --exit-dir DIR + "/" + CID (CID from --cid, else from the shim's argv);
 *   the shim's own --exit-dir + "/" + -c (conmon and ptyshim write it there,
 *   also for exec sessions, where the file is named after the container);
 *   the shim's --persist-dir + "/exit".
 * Sets *path (allocated, or NULL when nothing is known) and returns 0; -1
 * with a one-line message when --exit-dir is given but no container id is
 * known. */
int peer_exit_file(const struct peer_info *pi, const struct attach_opts *o, char **path);

void peer_free(struct peer_info *pi);

#endif
