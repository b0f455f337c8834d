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

/* The "msg" of the last JSON line in runc's log, or its raw last line. */
static void last_log_message(const char *path, char *out, size_t cap)
{
	size_t len;
	char *s = read_small_file(path, 1 << 20, &len);
	if (!s || cap == 0)
		goto done;
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

int runc_call(const struct runc *rc, const char *const *args, const int stdio[3], char *err, size_t errlen)
{
	const char *argv[MAX_ARGS] = { rc->binary, "--root", rc->root, "--log", rc->log, "--log-format", "json" };
	size_t n = 7;
	for (size_t i = 0; args[i]; i++) {
		if (n + 1 >= MAX_ARGS) {
			snprintf(err, errlen, "runc: too many arguments");
			return -1;
		}
		argv[n++] = args[i];
	}
	argv[n] = NULL;
	/* Only this call's messages, so a failure is described by its own. */
	if (truncate(rc->log, 0) < 0 && errno != ENOENT) {
		snprintf(err, errlen, "runc log %s: %s", rc->log, strerror(errno));
		return -1;
	}
	pid_t pid = fork();
	if (pid < 0) {
		snprintf(err, errlen, "fork runc: %s", strerror(errno));
		return -1;
	}
	if (pid == 0)
		exec_runc(argv, stdio);
	int status;
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR) {
			snprintf(err, errlen, "wait for runc: %s", strerror(errno));
			return -1;
		}
	}
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	err[0] = '\0';
	last_log_message(rc->log, err, errlen);
	if (!err[0])
		snprintf(err, errlen, "runc %s failed with status %d", args[0], child_exit_code(status));
	return -1;
}

int runc_output(const struct runc *rc, const char *const *args, char **out, char *err, size_t errlen)
{
	*out = NULL;
	int fd = memfd_create("runc-output", MFD_CLOEXEC);
	if (fd < 0) {
		snprintf(err, errlen, "memfd: %s", strerror(errno));
		return -1;
	}
	int status = runc_call(rc, args, (int[3]){ -1, fd, -1 }, err, errlen);
	struct stat st;
	if (status == 0 && fstat(fd, &st) == 0) {
		size_t len = (size_t)st.st_size;
		*out = xmalloc(len + 1);
		ssize_t n = pread(fd, *out, len, 0);
		(*out)[n > 0 ? n : 0] = '\0';
	}
	close_fd(&fd);
	return status;
}
