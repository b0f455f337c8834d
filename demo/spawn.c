/* spawn: fork, exec, wait and capture. */
#include "spawn.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/child.h"
#include "base/diag.h"
#include "base/util.h"
#include "ptyman.h"

pid_t spawn_fork(void)
{
	fflush(stdout);
	fflush(stderr);
	return fork();
}

int spawn_wait(pid_t pid)
{
	int st;
	while (waitpid(pid, &st, 0) < 0) {
		if (errno != EINTR) {
			diag_err("waitpid %d: %s", (int)pid, strerror(errno));
			return 255;
		}
	}
	return child_exit_code(st);
}

bool spawn_exited(pid_t pid)
{
	siginfo_t si = {0};
	return waitid(P_PID, (id_t)pid, &si, WEXITED | WNOHANG | WNOWAIT) == 0 && si.si_pid == pid;
}

void spawn_stop(pid_t *pid)
{
	if (*pid > 0) {
		kill(*pid, SIGTERM);
		spawn_wait(*pid);
	}
	*pid = -1;
}

int spawn_fg(char *const argv[])
{
	pid_t pid = spawn_fork();
	if (pid < 0) {
		diag_err("fork: %s", strerror(errno));
		return 255;
	}
	if (pid == 0) {
		child_reset_signals();
		execvp(argv[0], argv);
		dprintf(STDERR_FILENO, "%s: %s: %s\n", PROG, argv[0], strerror(errno));
		_exit(127);
	}
	return spawn_wait(pid);
}

struct capture {
	int fd;
	char *buf;
	size_t len;
};

/* One read into c; at EOF or on an error the fd is closed. */
static void capture_read(struct capture *c)
{
	char tmp[8192];
	ssize_t r = read(c->fd, tmp, sizeof(tmp));
	if (r < 0 && errno == EINTR)
		return;
	if (r <= 0) {
		close_fd(&c->fd);
		return;
	}
	size_t keep = (size_t)r;
	if (c->len + keep > CAPTURE_MAX)
		keep = CAPTURE_MAX - c->len;
	c->buf = xrealloc(c->buf, c->len + keep + 1);
	memcpy(c->buf + c->len, tmp, keep);
	c->len += keep;
}

static void capture_finish(struct capture *c, char **out)
{
	c->buf[c->len] = '\0';
	close_fd(&c->fd);
	if (out)
		*out = c->buf;
	else
		free(c->buf);
}

void capture_two(int fd1, char **out1, int fd2, char **out2)
{
	struct capture s[2] = {{fd1, xmalloc(1), 0}, {fd2, xmalloc(1), 0}};
	for (;;) {
		struct pollfd p[2];
		int n = 0;
		int idx[2];
		for (int i = 0; i < 2; i++)
			if (s[i].fd >= 0) {
				p[n] = (struct pollfd){.fd = s[i].fd, .events = POLLIN};
				idx[n++] = i;
			}
		if (n == 0)
			break;
		if (poll(p, (nfds_t)n, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		for (int k = 0; k < n; k++)
			if (p[k].revents)
				capture_read(&s[idx[k]]);
	}
	capture_finish(&s[0], out1);
	capture_finish(&s[1], out2);
}

int spawn_capture(char *const argv[], char **out, char **err)
{
	int po[2], pe[2];
	if (pipe2(po, O_CLOEXEC) < 0)
		goto fail;
	if (pipe2(pe, O_CLOEXEC) < 0) {
		close(po[0]);
		close(po[1]);
		goto fail;
	}
	pid_t pid = spawn_fork();
	if (pid < 0) {
		close(po[0]);
		close(po[1]);
		close(pe[0]);
		close(pe[1]);
		goto fail;
	}
	if (pid == 0) {
		child_reset_signals();
		int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
		if (null < 0 || dup2(null, 0) < 0 || dup2(po[1], 1) < 0 || dup2(pe[1], 2) < 0)
			_exit(127);
		execvp(argv[0], argv);
		dprintf(2, "%s: %s", argv[0], strerror(errno));
		_exit(127);
	}
	close(po[1]);
	close(pe[1]);
	capture_two(po[0], out, pe[0], err);
	return spawn_wait(pid);
fail:
	if (out)
		*out = xstrdup("");
	if (err)
		*err = xasprintf("%s: %s", argv[0], strerror(errno));
	return 255;
}

char *last_line(const char *text)
{
	const char *end = text + strlen(text);
	while (end > text && (end[-1] == '\n' || end[-1] == '\r' || end[-1] == ' '))
		end--;
	const char *start = end;
	while (start > text && start[-1] != '\n')
		start--;
	return xasprintf("%.*s", (int)(end - start), start);
}

void diag_last_line(enum diag_level level, const char *prefix, const char *text)
{
	char *line = last_line(text);
	diag(level, "%s: %s", prefix, line);
	free(line);
}
