/* sync: the manager's pipes (_OCI_SYNCPIPE, _OCI_STARTPIPE,
 * _OCI_ATTACHPIPE). Messages are conmon's newline-terminated JSON, each in
 * one write (the pipes are SOCK_SEQPACKET: one write, one datagram), and
 * under 4096 bytes because podman reads one datagram with a 4096-byte
 * buffer. A manager that went away (EPIPE) is not an error for the shim. */
#ifndef PTYSHIM_SYNC_H
#define PTYSHIM_SYNC_H

#include <stdbool.h>
#include <stddef.h>

#define SYNC_MSG_MAX 4095

/* fd number from the environment variable, or -1 when unset/invalid. */
int sync_fd_from_env(const char *var);

/* Writes one message, {"KEY": DATA[, "message": "..."]}\n, the message
 * escaped as conmon does and cut short so the whole stays under the limit.
 * On EPIPE/ECONNRESET closes *fdp and sets it to -1. Returns 0, or -1
 * (errno) when not delivered. */
int sync_send(int *fdp, const char *key, long long data, const char *message, size_t message_len);

/* Blocking read of one start byte; EOF counts as the byte (conmon). */
int sync_wait_start(int fd);

#endif
