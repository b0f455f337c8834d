/* sendq: the user's input on its way to the container. Bytes are queued and
 * sent as datagrams of at most STREAM_ATTACH_MAX_INPUT whenever the socket
 * takes them, never waited for. The end of the input is a SHUT_WR (with -i
 * the shim closes the container's stdin on it), sent once the queue is
 * empty. When the shim stops taking input, the queue is dropped with one
 * warning and takes nothing more. */
#ifndef PTYSHIM_ATTACH_SENDQ_H
#define PTYSHIM_ATTACH_SENDQ_H

#include <stdbool.h>
#include <stddef.h>

struct sendq {
	int sock_fd; /* borrowed */
	unsigned char *buf; /* owned */
	size_t len, cap;
	bool want_shut; /* SHUT_WR once the queue is empty */
	bool shut_done;
	bool dead;      /* the shim no longer takes input */
};

void sendq_init(struct sendq *q, int sock_fd);
void sendq_push(struct sendq *q, const void *buf, size_t len);
/* Sends until EAGAIN, then the pending SHUT_WR once the queue is empty. */
void sendq_flush(struct sendq *q);
/* The input ended: SHUT_WR after what is queued. */
void sendq_end_input(struct sendq *q);
/* Whether more input should be read: the shim takes it and the queue is not
 * so long that the user should feel the push back. */
bool sendq_wants_input(const struct sendq *q);
void sendq_free(struct sendq *q);

#endif
