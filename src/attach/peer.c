/* peer: the shim's pid and command line. */
#include "attach/peer.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "base/conmonopt.h"
#include "base/diag.h"
#include "base/exitfile.h"
#include "base/pidfile.h"
#include "base/procinfo.h"
#include "base/sock.h"
#include "base/util.h"

#define PEER_ARGV_MAX 1024

struct peer_walk {
	struct peer_info *pi;
	char *ctr_pidfile; /* as the shim was given it */
};

static void peer_set(char **field, const char *value)
{
	free(*field);
	*field = xstrdup(value);
}

/* -l VALUE: "k8s-file:PATH" or a bare PATH (conmon's k8s-file); the first
 * one is the log ptyshim-logs reads. */
static void peer_log_option(struct peer_info *pi, const char *value)
{
	static const char k8s[] = "k8s-file:";
	if (pi->log_path)
		return;
	if (strncmp(value, k8s, sizeof(k8s) - 1) == 0 && value[sizeof(k8s) - 1])
		pi->log_path = xstrdup(value + sizeof(k8s) - 1);
	else if (!strchr(value, ':') && value[0] == '/')
		pi->log_path = xstrdup(value);
}

static void peer_option(const struct conmonopt *opt, const char *value, void *ctx)
{
	struct peer_walk *walk = ctx;
	struct peer_info *pi = walk->pi;
	switch (opt->id) {
	case CONMONOPT_CID: peer_set(&pi->cid, value); break;
	case CONMONOPT_EXIT_DIR: peer_set(&pi->exit_dir, value); break;
	case CONMONOPT_PERSIST_DIR: peer_set(&pi->persist_dir, value); break;
	case CONMONOPT_TERMINAL: pi->terminal = 1; break;
	case CONMONOPT_NO_SCREEN: pi->no_screen = true; break;
	case CONMONOPT_LOG_PATH: peer_log_option(pi, value); break;
	case CONMONOPT_CONTAINER_PIDFILE: peer_set(&walk->ctr_pidfile, value); break;
	default: break;
	}
}

/* A pidfd of the pid in the shim's container pid file (a relative path is
 * the shim's own cwd's), or -1: no file yet, not ours to read, no pid. */
static int peer_open_container(const struct peer_info *pi, const char *pidfile)
{
	char *path = pidfile[0] == '/' ? xstrdup(pidfile) : xasprintf("/proc/%d/cwd/%s", (int)pi->pid, pidfile);
	pid_t pid = pidfile_read(path);
	free(path);
	return pid > 0 ? (int)syscall(SYS_pidfd_open, pid, 0) : -1;
}

static void peer_read_cmdline(struct peer_info *pi)
{
	size_t len;
	char *buf = procinfo_cmdline(pi->pid, &len);
	if (!buf)
		return;
	const char *argv[PEER_ARGV_MAX];
	int argc = procinfo_argv(buf, len, argv, PEER_ARGV_MAX);
	/* A command line we can read is conmon's flags; no -t means no PTY. */
	pi->terminal = 0;
	struct peer_walk walk = {.pi = pi};
	conmonopt_walk(argc, argv, peer_option, &walk);
	free(buf);
	if (walk.ctr_pidfile)
		pi->ctr_pid_fd = peer_open_container(pi, walk.ctr_pidfile);
	free(walk.ctr_pidfile);
}

void peer_read(struct peer_info *pi, int sock_fd)
{
	*pi = (struct peer_info){.pid_fd = -1, .terminal = -1, .ctr_pid_fd = -1};
	pid_t pid = sock_peer_pid(sock_fd);
	if (pid <= 0)
		return;
	pi->pid = pid;
	pi->pid_fd = (int)syscall(SYS_pidfd_open, pid, 0);
	peer_read_cmdline(pi);
}

/* 1 while the process of pidfd runs, 0 once it ended, -1 for no pidfd. */
static int pidfd_running(int pidfd)
{
	if (pidfd < 0)
		return -1;
	struct pollfd pfd = {.fd = pidfd, .events = POLLIN};
	int n;
	do
		n = poll(&pfd, 1, 0);
	while (n < 0 && errno == EINTR);
	return n < 0 ? -1 : n == 0;
}

bool peer_running(const struct peer_info *pi)
{
	return pidfd_running(pi->pid_fd) != 0;
}

enum peer_ctr_state peer_container_state(const struct peer_info *pi)
{
	return (enum peer_ctr_state)pidfd_running(pi->ctr_pid_fd);
}

int peer_exit_file(const struct peer_info *pi, const struct attach_opts *o, char **path)
{
	const char *cid = o->cid ? o->cid : pi->cid;
	*path = NULL;
	if (o->exit_file) {
		*path = xstrdup(o->exit_file);
	} else if (o->exit_dir) {
		if (!cid) {
			diag_err("--exit-dir: no container id (give --cid; the shim's command line gave none)");
			return -1;
		}
		*path = exitfile_path(o->exit_dir, cid);
	} else if (pi->exit_dir && cid) {
		*path = exitfile_path(pi->exit_dir, cid);
	} else if (pi->persist_dir) {
		*path = exitfile_path(pi->persist_dir, NULL);
	}
	return 0;
}

void peer_free(struct peer_info *pi)
{
	close_fd(&pi->pid_fd);
	close_fd(&pi->ctr_pid_fd);
	free(pi->log_path);
	pi->log_path = NULL;
	free(pi->cid);
	free(pi->exit_dir);
	free(pi->persist_dir);
	pi->cid = pi->exit_dir = pi->persist_dir = NULL;
}
