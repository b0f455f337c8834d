/* sock: bind and connect for long unix socket paths. */
#include "base/sock.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "base/util.h"

int sock_bind(int sock_fd, const char *path)
{
	struct sockaddr_un addr = {.sun_family = AF_UNIX};
	int dir_fd = -1;
	if (strlen(path) < sizeof(addr.sun_path)) {
		strcpy(addr.sun_path, path);
	} else {
		/* The socket does not exist yet: name it through its directory. */
		const char *slash = strrchr(path, '/');
		if (slash == NULL || strlen(slash) > 64) {
			errno = ENAMETOOLONG;
			return -1;
		}
		char *dir = slash == path ? xstrdup("/") : xstrndup(path, (size_t)(slash - path));
		dir_fd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
		free(dir);
		if (dir_fd < 0)
			return -1;
		snprintf(addr.sun_path, sizeof(addr.sun_path), "/proc/self/fd/%d%s", dir_fd, slash);
	}
	int rc = bind(sock_fd, (struct sockaddr *)&addr, sizeof(addr));
	close_fd(&dir_fd);
	return rc;
}

int sock_bind_private(int sock_fd, const char *path)
{
	mode_t old = umask(0077);
	int rc = sock_bind(sock_fd, path);
	int saved = errno;
	umask(old);
	errno = saved;
	return rc;
}

/* A unix connect completes or fails at once, except EAGAIN when the
 * listener's backlog is full. Unlike TCP's EINPROGRESS nothing is then in
 * progress (poll would say "writable" on the unconnected socket): the
 * connect itself is tried again until the deadline. */
static int connect_retry(int sock_fd, const struct sockaddr_un *addr, int timeout_ms)
{
	int64_t deadline = mono_ns() + (int64_t)timeout_ms * 1000000;
	for (;;) {
		int rc = connect(sock_fd, (const struct sockaddr *)addr, sizeof(*addr));
		if (rc == 0 || (errno != EAGAIN && errno != EINTR))
			return rc;
		if (errno == EAGAIN && mono_ns() >= deadline) {
			errno = ETIMEDOUT;
			return -1;
		}
		if (errno == EAGAIN)
			poll(NULL, 0, 5);
	}
}

int sock_connect(int sock_fd, const char *path, int timeout_ms)
{
	int path_fd = open(path, O_PATH | O_CLOEXEC);
	if (path_fd < 0)
		return -1;
	struct stat st;
	int err = fstat(path_fd, &st) < 0 ? errno : !S_ISSOCK(st.st_mode) ? ENOTSOCK : 0;
	if (err != 0) {
		close_fd(&path_fd);
		errno = err;
		return -1;
	}
	struct sockaddr_un addr = {.sun_family = AF_UNIX};
	if (strlen(path) < sizeof(addr.sun_path))
		snprintf(addr.sun_path, sizeof(addr.sun_path), "%s", path);
	else
		snprintf(addr.sun_path, sizeof(addr.sun_path), "/proc/self/fd/%d", path_fd);
	int rc = connect_retry(sock_fd, &addr, timeout_ms);
	int saved = errno;
	close_fd(&path_fd);
	errno = saved;
	return rc;
}

int sock_listen_private(int type, const char *path, int backlog, enum sock_listen_step *failed)
{
	int fd = socket(AF_UNIX, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		*failed = SOCK_LISTEN_SOCKET;
		return -1;
	}
	if (unlink(path) < 0 && errno != ENOENT)
		*failed = SOCK_LISTEN_REMOVE;
	else if (sock_bind_private(fd, path) < 0 || chmod(path, 0700) < 0 || listen(fd, backlog) < 0)
		*failed = SOCK_LISTEN_BIND;
	else
		return fd;
	close_fd(&fd);
	return -1;
}

int sock_accept(int listen_fd)
{
	for (;;) {
		int fd = accept4(listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd >= 0 || (errno != EINTR && errno != ECONNABORTED))
			return fd;
	}
}

int sock_accept_all(int listen_fd, void (*take)(int fd, void *ctx), void *ctx)
{
	for (;;) {
		int fd = sock_accept(listen_fd);
		if (fd < 0)
			return errno == EAGAIN ? 0 : errno;
		take(fd, ctx);
	}
}

pid_t sock_peer_pid(int sock_fd)
{
	struct ucred cred;
	socklen_t clen = sizeof(cred);
	if (getsockopt(sock_fd, SOL_SOCKET, SO_PEERCRED, &cred, &clen) < 0 || cred.pid <= 0)
		return -1;
	return cred.pid;
}
