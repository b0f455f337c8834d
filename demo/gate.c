/* gate: both ends of the runtime-less start gate. */
#include "gate.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/diag.h"
#include "base/util.h"
#include "signals.h"

#define GATE_TIMEOUT_MS (10 * 1000)

/* 0 when cmd (a path, or a name looked up in PATH as execvp does) can be
 * executed, else the errno that says why not. */
static int command_findable(const char *cmd)
{
	if (strchr(cmd, '/'))
		return access(cmd, X_OK) < 0 ? errno : 0;
	const char *path = getenv("PATH");
	int err = ENOENT;
	char *dirs = xstrdup(path && *path ? path : "/usr/local/bin:/usr/bin:/bin");
	for (char *save = NULL, *d = strtok_r(dirs, ":", &save); d && err; d = strtok_r(NULL, ":", &save)) {
		char *p = xasprintf("%s/%s", d, cmd);
		struct stat st;
		if (stat(p, &st) == 0 && S_ISREG(st.st_mode) && access(p, X_OK) == 0)
			err = 0;
		free(p);
	}
	free(dirs);
	return err;
}

int gate_main(int argc, char **argv)
{
	if (argc < 5 || strcmp(argv[3], "--") != 0) {
		dprintf(2, "%s: usage: %s --gate FIFO -- CMD [ARG...]\n", PROG, PROG);
		return 127;
	}
	const char *fifo = argv[2];
	char **cmd = argv + 4;
	unsetenv("_OCI_SYNCPIPE");
	unsetenv("_OCI_STARTPIPE");
	unsetenv("_OCI_ATTACHPIPE");

	int err = command_findable(cmd[0]);
	int fd;
	do
		fd = open(fifo, O_WRONLY | O_CLOEXEC);
	while (fd < 0 && errno == EINTR);
	if (fd < 0) {
		dprintf(2, "%s: gate %s: %s\n", PROG, fifo, strerror(errno));
		return 127;
	}
	char *msg = err ? xasprintf("1%s: %s", cmd[0], strerror(err)) : xstrdup("0");
	write_all(fd, msg, strlen(msg));
	close(fd);
	free(msg);
	if (err)
		return err == ENOENT ? 127 : 126;
	execvp(cmd[0], cmd);
	dprintf(2, "%s: %s: %s\n", PROG, cmd[0], strerror(errno));
	return 127;
}

/* Reads the gate's verdict from fd until EOF, a full buffer or the
 * deadline. 0 for "0", else -1 printed. */
static int gate_verdict(const struct ctr *c, int fd)
{
	char buf[1024];
	size_t len = 0;
	int64_t deadline = now_ms() + GATE_TIMEOUT_MS;
	for (;;) {
		struct pollfd p = {.fd = fd, .events = POLLIN};
		int left = (int)(deadline - now_ms());
		int n = poll(&p, 1, left < 0 ? 0 : left);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			diag_err("run: %s: start: the command did not reach its gate", c->name);
			return -1;
		}
		ssize_t r = read(fd, buf + len, sizeof(buf) - 1 - len);
		if (r < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (r > 0) {
			len += (size_t)r;
			if (len < sizeof(buf) - 1)
				continue;
		}
		buf[len] = '\0';
		if (len > 0 && buf[0] == '0')
			return 0;
		diag_err("run: %s: %s", c->name, len > 1 ? buf + 1 : "the command ended at its gate");
		return -1;
	}
}

int gate_open(const struct ptyman *pm, const struct ctr *c)
{
	char *fifo = state_ctr_path(&pm->state, c->name, "start.fifo");
	int fd = open(fifo, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		diag_err("run: %s: start: %s: %s", c->name, fifo, strerror(errno));
		free(fifo);
		return -1;
	}
	int rc = gate_verdict(c, fd);
	close_fd(&fd);
	unlink(fifo);
	free(fifo);
	return rc;
}
