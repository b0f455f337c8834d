/* sock: unix sockets at paths of any length. sun_path holds 108 bytes and
 * podman's bundle paths come close; a longer path goes through a
 * /proc/self/fd entry, which keeps the address short. */
#ifndef PTYSHIM_SOCK_H
#define PTYSHIM_SOCK_H

#include <sys/types.h>

/* bind() to path, through the parent directory's fd when it is too long. */
int sock_bind(int sock_fd, const char *path);
/* sock_bind under a umask that leaves the new socket reachable by its owner
 * only from the first moment (a chmod after bind leaves a window). */
int sock_bind_private(int sock_fd, const char *path);

/* connect() to the socket at path (EINTR retried), through the socket file's
 * own O_PATH fd when the path is too long; refuses a path that is not a
 * socket (ENOTSOCK). While the listener's backlog is full (EAGAIN) it tries
 * again for up to timeout_ms, then fails with ETIMEDOUT. 0 or -1 with errno. */
int sock_connect(int sock_fd, const char *path, int timeout_ms);

/* The peer's pid (SO_PEERCRED), or -1. */
pid_t sock_peer_pid(int sock_fd);

#endif
