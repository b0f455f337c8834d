/* endcond: the exit file and the monitor's pidfd. */
#include "logs/endcond.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/pidfd.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/conmonopt.h"
#include "base/diag.h"
#include "base/exitfile.h"
#include "base/pidfile.h"
#include "base/procinfo.h"
#include "base/util.h"
#include "logs/die.h"
#include "logs/logpath.h"

#define PODMAN_EXIT_DIR "/run/libpod/exits"
#define PODMAN_MONITOR_PIDFILE "/run/containers/storage/overlay-containers/%s/userdata/conmon.pid"

static bool is_dir(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static bool usable_cid(const char *cid)
{
	return *cid != '\0' && strchr(cid, '/') == NULL && strcmp(cid, ".") != 0 && strcmp(cid, "..") != 0;
}

static char *exit_file_of(const char *log_path, const struct endcond_options *o)
{
	if (o->exit_file)
		return xstrdup(o->exit_file);
	if (o->exit_dir) {
		char *cid = o->cid ? xstrdup(o->cid) : logpath_cid(log_path);
		if (!usable_cid(cid))
			die("--exit-dir: cannot tell the container id from %s; give --cid", log_path);
		char *p = exitfile_path(o->exit_dir, cid);
		free(cid);
		return p;
	}
	char *dir = logpath_real_dir(log_path);
	char *p;
	if (strcmp(logpath_base(dir), "userdata") == 0 && is_dir(PODMAN_EXIT_DIR)) {
		char *cid = logpath_cid(log_path);
		p = exitfile_path(PODMAN_EXIT_DIR, cid);
		free(cid);
	} else {
		p = exitfile_path(dir, NULL);
	}
	free(dir);
	return p;
}

void endcond_find_exit_file(struct endcond *e, const char *log_path, const struct endcond_options *o)
{
	e->exit_path = exit_file_of(log_path, o);
	char *exit_dir = logpath_dir(e->exit_path);
	if (!is_dir(exit_dir)) {
		if (o->exit_file || o->exit_dir)
			die("%s: exit file directory does not exist", exit_dir);
		free(e->exit_path);
		e->exit_path = NULL;
	}
	free(exit_dir);
}

/* The monitor's pid file: --pidfile, or podman's for a log in its layout,
 * or NULL. *cid: the container id the monitor must have, or NULL. */
static char *pidfile_of(const char *log_path, const struct endcond_options *o, char **cid)
{
	*cid = o->cid ? xstrdup(o->cid) : NULL;
	if (o->pidfile)
		return xstrdup(o->pidfile);
	if (o->exit_file || o->exit_dir || !logpath_in_userdata(log_path))
		return NULL;
	char *id = logpath_cid(log_path);
	char *p = xasprintf(PODMAN_MONITOR_PIDFILE, id);
	if (access(p, F_OK) != 0) {
		free(p);
		free(id);
		return NULL;
	}
	if (*cid == NULL)
		*cid = id;
	else
		free(id);
	return p;
}

struct cid_search {
	const char *cid;
	bool found;
};

static void match_cid(const struct conmonopt *opt, const char *value, void *search)
{
	struct cid_search *s = search;
	if (opt->id == CONMONOPT_CID && strcmp(value, s->cid) == 0)
		s->found = true;
}

/* Whether pid's argv has conmon's --cid (-c) with this id. */
static bool runs_container(pid_t pid, const char *cid)
{
	size_t len;
	char *cmdline = procinfo_cmdline(pid, &len);
	if (cmdline == NULL)
		return false;
	/* Every argument takes at least its NUL. */
	const char **argv = xcalloc(len + 1, sizeof(*argv));
	int argc = procinfo_argv(cmdline, len, argv, (int)len + 1);
	struct cid_search search = {.cid = cid};
	conmonopt_walk(argc, argv, match_cid, &search);
	free(argv);
	free(cmdline);
	return search.found;
}

/* A pidfd for the monitor named in pidfile, or -1. *gone: known not to run
 * (no such file, no such process, a zombie, or a pid reused by something
 * else). */
static int open_monitor(const char *pidfile, const char *cid, bool *gone)
{
	pid_t pid = pidfile_read(pidfile);
	if (pid < 0 && errno == ENOENT) {
		*gone = true;
		return -1;
	}
	if (pid < 0)
		die("%s: %s", pidfile, errno == EINVAL ? "not a pid file" : strerror(errno));
	int fd = pidfd_open(pid, 0);
	if (fd < 0) {
		if (errno == ESRCH)
			*gone = true;
		else
			diag_warn("%s: pidfd_open: %s; only the exit file ends --follow", pidfile, strerror(errno));
		return -1;
	}
	struct pollfd pfd = {.fd = fd, .events = POLLIN};
	if (poll(&pfd, 1, 0) > 0 || (cid != NULL && !runs_container(pid, cid))) {
		close_fd(&fd);
		*gone = true;
	}
	return fd;
}

void endcond_find_monitor(struct endcond *e, const char *log_path, const struct endcond_options *o)
{
	char *cid;
	char *pidfile = pidfile_of(log_path, o, &cid);
	if (pidfile != NULL)
		e->monitor_fd = open_monitor(pidfile, cid, &e->monitor_gone);
	free(pidfile);
	free(cid);
}

bool endcond_reached(const struct endcond *e)
{
	/* The file's presence is what counts: what it holds is for the manager. */
	return e->monitor_gone || (e->exit_path != NULL && access(e->exit_path, F_OK) == 0);
}

void endcond_free(struct endcond *e)
{
	free(e->exit_path);
	e->exit_path = NULL;
	close_fd(&e->monitor_fd);
}
