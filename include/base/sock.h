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

/* Which step of sock_listen_private failed. */
enum sock_listen_step {
	SOCK_LISTEN_SOCKET, /* socket() */
	SOCK_LISTEN_REMOVE, /* removing what was at path */
	SOCK_LISTEN_BIND,   /* bind, chmod or listen */
};

/* A listening unix socket of type (SOCK_STREAM, SOCK_SEQPACKET) at path,
 * non-blocking and close-on-exec, that only its owner can reach
 * (sock_bind_private, then mode 0700). Whatever was at path is removed
 * first: a restarted container finds its old socket still there. The fd,
 * or -1 with errno and *failed set. */
int sock_listen_private(int type, const char *path, int backlog, enum sock_listen_step *failed);

/* The next connection waiting on a listening socket, non-blocking and
 * close-on-exec. EINTR and ECONNABORTED (a client that gave up while
 * queued) are retried; -1 with errno EAGAIN when none is waiting, or with
 * the failure's errno (EMFILE, ...). */
int sock_accept(int listen_fd);
/* sock_accept until no connection is left, handing each to take(fd, ctx),
 * which owns it from then on. 0 when all were taken (EAGAIN), else the
 * errno that stopped it. */
int sock_accept_all(int listen_fd, void (*take)(int fd, void *ctx), void *ctx);

/* The peer's pid (SO_PEERCRED), or -1. */
pid_t sock_peer_pid(int sock_fd);

#endif
