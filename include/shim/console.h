/* console: the console socket handed to the runtime with --console-socket.
 * One connection is accepted; the PTY master arrives over SCM_RIGHTS. */
#ifndef PTYSHIM_CONSOLE_H
#define PTYSHIM_CONSOLE_H

/* Creates a listening AF_UNIX stream socket at a fresh path under $TMPDIR
 * (or /tmp), mode 0700. Returns the fd (non-blocking, cloexec) and sets
 * *path_out (allocated), or -1 with errno. */
int console_listen(char **path_out);

/* Receives exactly one fd from a connected peer and checks that it is a
 * terminal. Returns the fd (cloexec), 0 is never returned; on failure -1
 * with *err set to a static message (errno EAGAIN: nothing yet). */
int console_recv_master(int conn_fd, const char **err);

/* Sets ONLCR on the master, as conmon does "to match kube settings", so
 * terminal sessions end lines with \r\n. */
int console_setup_master(int master_fd);

#endif
