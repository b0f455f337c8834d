/* peer: the shim's pid and command line. */
#include "attach/peer.h"

#include <poll.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "base/conmonopt.h"
#include "base/diag.h"
#include "base/exitfile.h"
#include "base/procinfo.h"
#include "base/sock.h"
#include "base/util.h"

#define PEER_ARGV_MAX 1024

static void peer_set(char **field, const char *value)
{
	free(*field);
	*field = xstrdup(value);
}

static void peer_option(const struct conmonopt *opt, const char *value, void *ctx)
{
	struct peer_info *pi = ctx;
	switch (opt->id) {
	case CONMONOPT_CID:
		peer_set(&pi->cid, value);
		break;
	case CONMONOPT_EXIT_DIR:
		peer_set(&pi->exit_dir, value);
		break;
	case CONMONOPT_PERSIST_DIR:
		peer_set(&pi->persist_dir, value);
		break;
	case CONMONOPT_TERMINAL:
		pi->terminal = 1;
		break;
	default:
		break;
	}
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
	conmonopt_walk(argc, argv, peer_option, pi);
	free(buf);
}

void peer_read(struct peer_info *pi, int sock_fd)
{
	*pi = (struct peer_info){.pid_fd = -1, .terminal = -1};
	pid_t pid = sock_peer_pid(sock_fd);
	if (pid <= 0)
		return;
	pi->pid = pid;
	pi->pid_fd = (int)syscall(SYS_pidfd_open, pid, 0);
	peer_read_cmdline(pi);
}

bool peer_running(const struct peer_info *pi)
{
	if (pi->pid_fd < 0)
		return true;
	struct pollfd pfd = {.fd = pi->pid_fd, .events = POLLIN};
	return poll(&pfd, 1, 0) == 0;
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
	free(pi->cid);
	free(pi->exit_dir);
	free(pi->persist_dir);
	pi->cid = pi->exit_dir = pi->persist_dir = NULL;
}
