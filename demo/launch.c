/* launch: ptyshim as podman starts conmon, and the attach client. */
#include "launch.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#include "base/child.h"
#include "base/diag.h"
#include "base/exitfile.h"
#include "base/util.h"
#include "signals.h"
#include "spawn.h"

#define CONNECT_TIMEOUT_MS (10 * 1000)

/* Move fd to at least 10 so that the dup2 onto 3, 4, 5 cannot clobber it. */
static int fd_high(int fd)
{
	return fcntl(fd, F_DUPFD_CLOEXEC, 10);
}

/* In the forked child: the pairs' far ends on 3, 4 (5), then exec. */
static _Noreturn void shim_child(char *const argv[], int sp[][2], int npairs, int err_fd, const char *cwd,
				 const char *const *env)
{
	child_reset_signals();
	setpgid(0, 0);
	int hi[3];
	for (int i = 0; i < npairs; i++)
		if ((hi[i] = fd_high(sp[i][1])) < 0)
			_exit(127);
	int null = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (null < 0 || dup2(null, 0) < 0 || dup2(null, 1) < 0 || dup2(err_fd, 2) < 0)
		_exit(127);
	for (int i = 0; i < npairs; i++)
		if (dup2(hi[i], 3 + i) < 0)
			_exit(127);
	setenv("_OCI_SYNCPIPE", "3", 1);
	setenv("_OCI_STARTPIPE", "4", 1);
	if (npairs == 3)
		setenv("_OCI_ATTACHPIPE", "5", 1);
	for (size_t i = 0; env && env[i]; i++)
		putenv((char *)env[i]);
	if (cwd && chdir(cwd) < 0) {
		dprintf(2, "chdir %s: %s\n", cwd, strerror(errno));
		_exit(127);
	}
	execv(argv[0], argv);
	dprintf(2, "%s: %s\n", argv[0], strerror(errno));
	_exit(127);
}

/* Our side after the fork: keep our ends, give the start byte, and wait
 * for the first process. The monitor points its stderr at /dev/null, so the
 * stderr pipe ends when the first process does. */
static int shim_parent(pid_t pid, int sp[][2], int npairs, int err_fd, struct launch *l)
{
	for (int i = 0; i < npairs; i++)
		close_fd(&sp[i][1]);
	l->sync_fd = take_fd(&sp[0][0]);
	l->start_fd = take_fd(&sp[1][0]);
	if (npairs == 3)
		l->attach_fd = take_fd(&sp[2][0]);

	/* The start byte: podman writes it after moving the shim into a cgroup;
	 * we have nothing to do in between. */
	if (write_all(l->start_fd, "", 1) < 0)
		diag_warn("start pipe: %s", strerror(errno));
	if (npairs != 3)
		close_fd(&l->start_fd);

	capture_two(err_fd, &l->stderr_text, -1, NULL);
	int st = spawn_wait(pid);
	if (st != 0) {
		char *line = last_line(l->stderr_text);
		diag_err("ptyshim failed (status %d): %s", st, line[0] ? line : "no message");
		free(line);
		return -1;
	}
	return 0;
}

int shim_launch(char *const argv[], bool exec_attach, const char *cwd, const char *const *env, struct launch *l)
{
	int sp[3][2] = {{-1, -1}, {-1, -1}, {-1, -1}};
	int ep[2] = {-1, -1};
	int npairs = exec_attach ? 3 : 2;
	*l = (struct launch)LAUNCH_INIT;
	for (int i = 0; i < npairs; i++)
		if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp[i]) < 0) {
			diag_err("socketpair: %s", strerror(errno));
			goto fail;
		}
	if (pipe2(ep, O_CLOEXEC) < 0) {
		diag_err("pipe: %s", strerror(errno));
		goto fail;
	}
	pid_t pid = spawn_fork();
	if (pid < 0) {
		diag_err("fork: %s", strerror(errno));
		goto fail;
	}
	if (pid == 0)
		shim_child(argv, sp, npairs, ep[1], cwd, env);
	close_fd(&ep[1]);
	return shim_parent(pid, sp, npairs, take_fd(&ep[0]), l);
fail:
	for (int i = 0; i < 3; i++) {
		close_fd(&sp[i][0]);
		close_fd(&sp[i][1]);
	}
	close_fd(&ep[0]);
	close_fd(&ep[1]);
	return -1;
}

void launch_close(struct launch *l)
{
	close_fd(&l->sync_fd);
	close_fd(&l->start_fd);
	close_fd(&l->attach_fd);
	free(l->stderr_text);
	l->stderr_text = NULL;
}

/* Waits for fd to be readable: 0, or -1 printed (poll failure, timeout). */
static int sync_wait(int fd, const char *what, int timeout_ms)
{
	struct pollfd p = {.fd = fd, .events = POLLIN};
	int64_t deadline = now_ms() + timeout_ms;
	for (;;) {
		int left = (int)(deadline - now_ms());
		if (left < 0)
			left = 0;
		int n = poll(&p, 1, left);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			diag_err("%s: poll: %s", what, strerror(errno));
			return -1;
		}
		if (n == 0) {
			diag_err("%s: no answer from ptyshim within %d s", what, timeout_ms / 1000);
			return -1;
		}
		return 0;
	}
}

static int sync_parse(const char *buf, const char *what, long long *data, char **message)
{
	json_object *o = json_tokener_parse(buf);
	json_object *d = NULL, *m = NULL;
	if (!o || !json_object_object_get_ex(o, "data", &d) || !json_object_is_type(d, json_type_int)) {
		char *prefix = xasprintf("%s: unexpected message", what);
		diag_last_line(DIAG_ERROR, prefix, buf);
		free(prefix);
		json_object_put(o);
		return -1;
	}
	*data = json_object_get_int64(d);
	if (json_object_object_get_ex(o, "message", &m) && json_object_is_type(m, json_type_string))
		*message = xstrdup(json_object_get_string(m));
	json_object_put(o);
	return 0;
}

int sync_read(int fd, const char *what, int timeout_ms, long long *data, char **message)
{
	*message = NULL;
	if (sync_wait(fd, what, timeout_ms) < 0)
		return -1;
	char buf[8192];
	ssize_t len;
	do
		len = recv(fd, buf, sizeof(buf) - 1, 0);
	while (len < 0 && errno == EINTR);
	if (len < 0) {
		diag_err("%s: %s", what, strerror(errno));
		return -1;
	}
	if (len == 0) {
		diag_err("%s: ptyshim ended without an answer", what);
		return -1;
	}
	buf[len] = '\0';
	return sync_parse(buf, what, data, message);
}

/* The msg of an {"level": "error", "msg": …} line of runc's JSON log, or NULL. */
static char *oci_log_error(const char *line)
{
	json_object *o = json_tokener_parse(line);
	json_object *lv, *msg;
	char *found = NULL;
	if (o && json_object_object_get_ex(o, "level", &lv) && json_object_is_type(lv, json_type_string) &&
	    strcmp(json_object_get_string(lv), "error") == 0 && json_object_object_get_ex(o, "msg", &msg) &&
	    json_object_is_type(msg, json_type_string))
		found = xstrdup(json_object_get_string(msg));
	json_object_put(o);
	return found;
}

char *runtime_error(const char *oci_log, const char *message)
{
	char *best = NULL;
	char *text = oci_log ? read_small_file(oci_log, CAPTURE_MAX, NULL) : NULL;
	for (char *save = NULL, *line = text ? strtok_r(text, "\n", &save) : NULL; line;
	     line = strtok_r(NULL, "\n", &save)) {
		char *err = oci_log_error(line);
		if (err) {
			free(best);
			best = err;
		}
	}
	free(text);
	if (!best)
		best = last_line(message ? message : "");
	if (!best[0]) {
		free(best);
		best = xstrdup("the runtime failed without a message");
	}
	return best;
}

void shim_argv_common(const struct ptyman *pm, struct words *a, const char *cid, const char *uid,
		      const char *bundle, const char *exit_dir)
{
	*a = words_new();
	const char *fixed[] = {pm->tools.shim, "--api-version", "1", "-c", cid, "-u", uid, "-b", bundle, "-n", cid,
			       "--exit-dir", exit_dir, "--full-attach", "--log-level", "warning"};
	for (size_t i = 0; i < ARRAY_SIZE(fixed); i++)
		words_push(a, xstrdup(fixed[i]));
}

void shim_argv_runc(const struct ptyman *pm, struct words *a, const char *bundle, const char *pidfile)
{
	const char *fixed[] = {"-r", pm->tools.runtime, "-p", pidfile, "--runtime-arg", "--root", "--runtime-arg",
			       pm->state.rt_root, "--runtime-arg", "--log-format=json", "--runtime-arg", "--log"};
	for (size_t i = 0; i < ARRAY_SIZE(fixed); i++)
		words_push(a, xstrdup(fixed[i]));
	words_push(a, xasprintf("--runtime-arg=%s/oci-log", bundle));
}

struct words attach_argv(const struct ptyman *pm, const struct ctr *c, const char *target, const char *exit_file,
			 bool with_stdin)
{
	struct words a = words_new();
	words_push(&a, xstrdup(pm->tools.attach));
	words_push(&a, xstrdup(c->tty ? "--tty" : "--no-tty"));
	if (!with_stdin)
		words_push(&a, xstrdup("--no-stdin"));
	words_push(&a, xstrdup("--exit-file"));
	words_push(&a, xstrdup(exit_file));
	words_push(&a, xstrdup(target));
	return a;
}

/* The inodes of pid's sockets, at most max. */
static size_t socket_inodes(pid_t pid, unsigned long *inodes, size_t max)
{
	char *fddir = xasprintf("/proc/%d/fd", (int)pid);
	DIR *d = opendir(fddir);
	free(fddir);
	if (!d)
		return 0;
	size_t n = 0;
	struct dirent *e;
	while ((e = readdir(d)) && n < max) {
		char target[64];
		ssize_t len = readlinkat(dirfd(d), e->d_name, target, sizeof(target) - 1);
		if (len <= 0)
			continue;
		target[len] = '\0';
		unsigned long ino;
		if (sscanf(target, "socket:[%lu]", &ino) == 1)
			inodes[n++] = ino;
	}
	closedir(d);
	return n;
}

/* Whether pid has a connected SOCK_SEQPACKET unix socket: the attach client
 * is connected to the shim. ptyshim-attach has no readiness signal. */
static bool pid_connected(pid_t pid)
{
	unsigned long inodes[64];
	size_t n = socket_inodes(pid, inodes, ARRAY_SIZE(inodes));
	if (n == 0)
		return false;
	char *netpath = xasprintf("/proc/%d/net/unix", (int)pid);
	FILE *f = fopen(netpath, "re");
	free(netpath);
	if (!f)
		return false;
	char line[512];
	bool found = false;
	while (!found && fgets(line, sizeof(line), f)) {
		unsigned type, st;
		unsigned long ino;
		if (sscanf(line, "%*s %*s %*s %*s %x %x %lu", &type, &st, &ino) != 3)
			continue;
		if (type != SOCK_SEQPACKET || st != 3 /* SS_CONNECTED */)
			continue;
		for (size_t i = 0; i < n; i++)
			if (inodes[i] == ino)
				found = true;
	}
	fclose(f);
	return found;
}

pid_t attach_spawn(char *const argv[])
{
	pid_t pid = spawn_fork();
	if (pid < 0) {
		diag_err("fork: %s", strerror(errno));
		return -1;
	}
	if (pid == 0) {
		child_reset_signals();
		execv(argv[0], argv);
		dprintf(2, "%s: %s: %s\n", PROG, argv[0], strerror(errno));
		_exit(127);
	}
	int64_t deadline = now_ms() + CONNECT_TIMEOUT_MS;
	int nap = 2;
	while (!pid_connected(pid)) {
		if (spawn_exited(pid))
			break; /* its status tells the rest */
		if (now_ms() > deadline) {
			diag_warn("ptyshim-attach is not connected after %d s; going on", CONNECT_TIMEOUT_MS / 1000);
			break;
		}
		struct timespec ts = {0, nap * 1000000L};
		nanosleep(&ts, NULL);
		if (nap < 20)
			nap *= 2;
	}
	return pid;
}

int attach_report(const struct ptyman *pm, const struct ctr *c, int status)
{
	int code;
	if (ctr_exit_code(pm, c, &code)) {
		char what[32];
		fprintf(stderr, "[%s %s]\n", c->name, exitfile_describe(code, what, sizeof(what)));
		return exitfile_status(code);
	}
	if (status == 0)
		fprintf(stderr, "[detached from %s; `attach %s` to go back]\n", c->name, c->name);
	return status;
}
