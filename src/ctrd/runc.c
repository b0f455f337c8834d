#include "ctrd/runc.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/child.h"
#include "base/util.h"

#define MAX_ARGS 32
/* runc's log says little; a call that writes more is cut to its end. */
#define LOG_MAX (1u << 20)

/* In the child: stdio in place, cloexec cleared on it; never returns. */
static void exec_runc(const char *const *argv, const int stdio[3])
{
	child_reset_signals();
	int devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
	int src[3];
	/* Move the sources above 2 first, so one dup2 cannot clobber another. */
	for (int i = 0; i < 3; i++) {
		int fd = stdio[i] >= 0 ? stdio[i] : devnull;
		src[i] = fd >= 0 ? fcntl(fd, F_DUPFD_CLOEXEC, 3) : -1;
	}
	for (int i = 0; i < 3; i++)
		if (src[i] >= 0)
			dup2(src[i], i);
	execvp(argv[0], (char *const *)argv);
	dprintf(2, "exec %s: %s\n", argv[0], strerror(errno));
	_exit(127);
}

/* The memfd's bytes (at most max, its end), NUL-terminated, or NULL. */
static char *memfd_text(int fd, size_t max)
{
	struct stat st;
	if (fd < 0 || fstat(fd, &st) < 0)
		return NULL;
	size_t len = (size_t)st.st_size;
	off_t from = len > max ? (off_t)(len - max) : 0;
	len -= (size_t)from;
	char *s = xmalloc(len + 1);
	ssize_t n = pread(fd, s, len, from);
	s[n > 0 ? n : 0] = '\0';
	return s;
}

/* The "msg" of the last JSON line in runc's log, or its raw last line. */
static void last_log_message(int log_fd, char *out, size_t cap)
{
	char *s = memfd_text(log_fd, LOG_MAX);
	if (!s || cap == 0)
		goto done;
	size_t len = strlen(s);
	while (len > 0 && s[len - 1] == '\n')
		s[--len] = '\0';
	char *line = strrchr(s, '\n');
	line = line ? line + 1 : s;
	char *msg = strstr(line, "\"msg\":\"");
	if (msg) {
		size_t o = 0;
		for (char *p = msg + 7; *p && *p != '"' && o + 1 < cap; p++) {
			if (*p == '\\' && p[1])
				p++;
			out[o++] = *p;
		}
		out[o] = '\0';
	} else if (line[0]) {
		snprintf(out, cap, "%s", line);
	}
done:
	free(s);
}

static void call_release(struct runc_call *call)
{
	close_fd(&call->log_fd);
	close_fd(&call->out_fd);
	call->pid = 0;
}

static int call_fail(struct runc_call *call, char *err, size_t errlen, const char *what)
{
	snprintf(err, errlen, "%s: %s", what, strerror(errno));
	call_release(call);
	return -1;
}

int runc_start(const struct runc *rc, const char *const *args, const int stdio[3], bool capture,
	       struct runc_call *call, char *err, size_t errlen)
{
	*call = (struct runc_call){.log_fd = -1, .out_fd = -1};
	snprintf(call->what, sizeof(call->what), "%s", args[0]);
	call->log_fd = memfd_create("runc-log", MFD_CLOEXEC);
	if (call->log_fd < 0)
		return call_fail(call, err, errlen, "runc log: memfd");
	if (capture && (call->out_fd = memfd_create("runc-output", MFD_CLOEXEC)) < 0)
		return call_fail(call, err, errlen, "runc output: memfd");
	/* runc opens its log by name: the memfd through our /proc entry. */
	char log_path[64];
	snprintf(log_path, sizeof(log_path), "/proc/%d/fd/%d", (int)getpid(), call->log_fd);
	const char *argv[MAX_ARGS] = {rc->binary, "--root", rc->root, "--log", log_path, "--log-format", "json"};
	size_t n = 7;
	for (size_t i = 0; args[i]; i++) {
		if (n + 1 >= MAX_ARGS) {
			errno = E2BIG;
			return call_fail(call, err, errlen, "runc");
		}
		argv[n++] = args[i];
	}
	argv[n] = NULL;
	int fds[3] = {stdio[0], capture ? call->out_fd : stdio[1], stdio[2]};
	call->pid = fork();
	if (call->pid < 0)
		return call_fail(call, err, errlen, "fork runc");
	if (call->pid == 0)
		exec_runc(argv, fds);
	return 0;
}

int runc_finish(struct runc_call *call, int wait_status, char **out, char *err, size_t errlen)
{
	int rc = 0;
	if (!WIFEXITED(wait_status) || WEXITSTATUS(wait_status) != 0) {
		err[0] = '\0';
		last_log_message(call->log_fd, err, errlen);
		if (!err[0])
			snprintf(err, errlen, "runc %s failed with status %d", call->what,
				 child_exit_code(wait_status));
		rc = -1;
	}
	if (out)
		*out = rc == 0 ? memfd_text(call->out_fd, SIZE_MAX - 1) : NULL;
	call_release(call);
	return rc;
}

int runc_run(const struct runc *rc, const char *const *args, char *err, size_t errlen)
{
	struct runc_call call;
	if (runc_start(rc, args, (int[3]){-1, -1, -1}, false, &call, err, errlen) < 0)
		return -1;
	int status;
	while (waitpid(call.pid, &status, 0) < 0)
		if (errno != EINTR)
			return call_fail(&call, err, errlen, "wait for runc");
	return runc_finish(&call, status, NULL, err, errlen);
}
