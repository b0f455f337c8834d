/* sendq: a growing byte queue toward the attach socket. */
#include "attach/sendq.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "base/diag.h"
#include "base/stream.h"
#include "base/util.h"

/* Input queued beyond this stops reading stdin, so a shim that does not take
 * input pushes back to the user instead of growing us. */
#define SENDQ_HIGH (256 * 1024)
#define SENDQ_FIRST_CAP 65536

void sendq_init(struct sendq *q, int sock_fd)
{
	*q = (struct sendq){.sock_fd = sock_fd};
}

void sendq_push(struct sendq *q, const void *buf, size_t len)
{
	if (q->dead || q->shut_done || len == 0)
		return;
	q->buf = xgrow(q->buf, &q->cap, q->len + len, SENDQ_FIRST_CAP);
	memcpy(q->buf + q->len, buf, len);
	q->len += len;
}

static void sendq_die(struct sendq *q, int err)
{
	if (!q->dead)
		diag_warn("attach: the container takes no more input: %s", strerror(err));
	q->dead = true;
	q->len = 0;
}

void sendq_flush(struct sendq *q)
{
	size_t off = 0;
	while (off < q->len && !q->dead) {
		size_t n = q->len - off;
		if (n > STREAM_ATTACH_MAX_INPUT)
			n = STREAM_ATTACH_MAX_INPUT;
		ssize_t w = send(q->sock_fd, q->buf + off, n, MSG_NOSIGNAL);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN)
				break;
			sendq_die(q, errno);
			return;
		}
		off += (size_t)w; /* SEQPACKET: a datagram goes whole */
	}
	if (off > 0) {
		memmove(q->buf, q->buf + off, q->len - off);
		q->len -= off;
	}
	if (q->want_shut && q->len == 0 && !q->shut_done) {
		if (shutdown(q->sock_fd, SHUT_WR) < 0 && errno != ENOTCONN)
			diag_warn("attach: shutdown: %s", strerror(errno));
		q->shut_done = true;
	}
}

void sendq_end_input(struct sendq *q)
{
	q->want_shut = true;
	sendq_flush(q);
}

bool sendq_wants_input(const struct sendq *q)
{
	return !q->dead && q->len < SENDQ_HIGH;
}

void sendq_free(struct sendq *q)
{
	free(q->buf);
	q->buf = NULL;
	q->len = q->cap = 0;
}
