/* console: console socket and PTY master reception, plus the unix socket
 * path helpers shared with the attach socket. */
#include "shim/console.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <termios.h>
#include <unistd.h>

#include "base/sock.h"
#include "base/util.h"

int console_listen(char **path_out)
{
	const char *tmpdir = getenv("TMPDIR");
	if (tmpdir == NULL || *tmpdir == '\0')
		tmpdir = "/tmp";
	char *path = xasprintf("%s/ptyshim-term.XXXXXX", tmpdir);
	/* mkstemp gives a unique name; the socket takes its place. */
	int tmp_fd = mkostemp(path, O_CLOEXEC);
	if (tmp_fd < 0) {
		free(path);
		return -1;
	}
	close_fd(&tmp_fd);
	enum sock_listen_step failed;
	int fd = sock_listen_private(SOCK_STREAM, path, 128, &failed);
	if (fd < 0) {
		int saved = errno;
		unlink(path);
		free(path);
		errno = saved;
		return -1;
	}
	*path_out = path;
	return fd;
}

int console_recv_master(int conn_fd, const char **err)
{
	char data[4096];
	struct iovec iov = {data, sizeof(data)};
	/* Room for a few fds, so a peer that sends more is noticed, not truncated. */
	union {
		char buf[CMSG_SPACE(sizeof(int) * 4)];
		struct cmsghdr align;
	} control;
	struct msghdr msg = {
		.msg_iov = &iov,
		.msg_iovlen = 1,
		.msg_control = control.buf,
		.msg_controllen = sizeof(control.buf),
	};
	ssize_t n;
	do
		n = recvmsg(conn_fd, &msg, MSG_CMSG_CLOEXEC | MSG_DONTWAIT);
	while (n < 0 && errno == EINTR);
	if (n < 0) {
		*err = errno == EAGAIN ? "nothing received yet" : "recvmsg failed";
		return -1;
	}
	if (n == 0) {
		errno = EPROTO;
		*err = "runtime closed the console socket without sending a terminal";
		return -1;
	}
	int fds[4], n_fds = 0;
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c != NULL; c = CMSG_NXTHDR(&msg, c)) {
		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS || c->cmsg_len < CMSG_LEN(0))
			continue;
		size_t count = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (size_t i = 0; i < count && n_fds < 4; i++)
			memcpy(&fds[n_fds++], CMSG_DATA(c) + i * sizeof(int), sizeof(int));
	}
	if ((msg.msg_flags & MSG_CTRUNC) || n_fds != 1) {
		for (int i = 0; i < n_fds; i++)
			close(fds[i]);
		errno = EPROTO;
		*err = n_fds == 0 ? "console socket message carried no file descriptor"
				  : "console socket message carried more than one file descriptor";
		return -1;
	}
	if (!isatty(fds[0])) {
		close(fds[0]);
		errno = ENOTTY;
		*err = "the file descriptor received on the console socket is not a terminal";
		return -1;
	}
	return fds[0];
}

int console_setup_master(int master_fd)
{
	struct termios tio;
	if (tcgetattr(master_fd, &tio) < 0)
		return -1;
	tio.c_oflag |= ONLCR;
	return tcsetattr(master_fd, TCSANOW, &tio);
}
