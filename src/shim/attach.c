/* attach: attach socket server. Output goes to a client directly while its
 * queue is empty and is queued (copied) only when the client's socket is
 * full; the queue is bounded: an overflowing client gets a repaint instead
 * of its backlog when there is a screen model, and is disconnected when
 * there is none. */
#include "shim/attach.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/stream.h"
#include "base/sock.h"
#include "base/diag.h"
#include "base/loop.h"
#include "base/util.h"

struct frame {
	struct frame *next;
	size_t len;
	char data[];
};

struct attach_client {
	struct watch w;
	struct attach_server *srv;
	struct attach_client *next;
	struct frame *qhead, *qtail;
	size_t qbytes;
	size_t slack; /* bytes of the last repaint: they do not count as lag */
	unsigned id;
	bool rd_closed, wr_closed, dead;
	bool needs_repaint; /* its backlog was dropped: live output waits for a repaint */
};

struct attach_server {
	struct loop *loop;
	struct attach_callbacks cb;
	struct watch listen_w;
	char *path;
	size_t queue_max;
	struct attach_client *clients;
	unsigned next_id;
	bool input_paused;
	char *rbuf;
};

static void attach_listen_cb(struct watch *w, uint32_t events);
static void attach_client_cb(struct watch *w, uint32_t events);
static void attach_send(struct attach_client *c, enum stream_id stream, const char *data, size_t len);

struct attach_server *attach_listen(struct loop *loop, const char *path, size_t queue_max,
				    const struct attach_callbacks *cb, char **err)
{
	enum sock_listen_step failed;
	int fd = sock_listen_private(SOCK_SEQPACKET, path, 10, &failed);
	if (fd < 0) {
		*err = failed == SOCK_LISTEN_SOCKET   ? xasprintf("attach socket: %s", strerror(errno))
		       : failed == SOCK_LISTEN_REMOVE ? xasprintf("attach socket %s: remove old: %s", path, strerror(errno))
						      : xasprintf("attach socket %s: %s", path, strerror(errno));
		return NULL;
	}
	struct attach_server *srv = xcalloc(1, sizeof(*srv));
	srv->loop = loop;
	srv->cb = *cb;
	srv->path = xstrdup(path);
	srv->queue_max = queue_max;
	watch_init(&srv->listen_w, fd, attach_listen_cb, srv);
	if (loop_add(loop, &srv->listen_w, EPOLLIN) < 0) {
		*err = xasprintf("attach socket: epoll: %s", strerror(errno));
		close_fd(&srv->listen_w.fd);
		free(srv->path);
		free(srv);
		return NULL;
	}
	return srv;
}

static void attach_free_queue(struct attach_client *c)
{
	while (c->qhead) {
		struct frame *f = c->qhead;
		c->qhead = f->next;
		free(f);
	}
	c->qtail = NULL;
	c->qbytes = 0;
}

static void attach_client_free(void *p)
{
	free(p);
}

static void attach_remove(struct attach_client *c)
{
	struct attach_server *srv = c->srv;
	if (c->dead)
		return;
	c->dead = true;
	loop_del(srv->loop, &c->w);
	close_fd(&c->w.fd);
	attach_free_queue(c);
	for (struct attach_client **pp = &srv->clients; *pp; pp = &(*pp)->next)
		if (*pp == c) {
			*pp = c->next;
			break;
		}
	/* A later event of this batch may still name this client. */
	loop_defer_free(srv->loop, attach_client_free, c);
	if (!srv->listen_w.added && srv->listen_w.fd >= 0)
		loop_add(srv->loop, &srv->listen_w, EPOLLIN);
}

static void attach_update(struct attach_client *c)
{
	if (c->dead)
		return;
	if (c->rd_closed && c->wr_closed) {
		attach_remove(c);
		return;
	}
	uint32_t want = 0;
	if (!c->rd_closed && !c->srv->input_paused)
		want |= EPOLLIN;
	if (c->qhead != NULL || c->needs_repaint)
		want |= EPOLLOUT;
	/* HUP and ERR are reported even without interest. A client that only
	 * waits to hang up stays registered so its hang-up frees it; one that
	 * must not be read now (input paused) leaves the set, or a hang-up
	 * would spin until input resumes. */
	if (want == 0 && !c->rd_closed) {
		loop_del(c->srv->loop, &c->w);
		return;
	}
	if (loop_mod(c->srv->loop, &c->w, want) < 0) {
		diag_warn("attach: client %u: epoll: %s", c->id, strerror(errno));
		attach_remove(c);
	}
}

/* One repaint of the current screen, ahead of any live output. After a
 * dropped backlog the client's terminal may be inside a sequence that the
 * dropped bytes would have ended: CAN aborts it first. */
static void attach_send_repaint(struct attach_client *c, bool after_drop)
{
	struct attach_server *srv = c->srv;
	c->needs_repaint = false;
	if (srv->cb.repaint == NULL)
		return;
	size_t len;
	char *paint = srv->cb.repaint(srv->cb.ctx, &len);
	if (paint == NULL)
		return;
	if (after_drop)
		attach_send(c, STREAM_STDOUT, "\030", 1);
	attach_send(c, STREAM_STDOUT, paint, len);
	c->slack = len;
	free(paint);
}

static void attach_take_client(int fd, void *ctx)
{
	struct attach_server *srv = ctx;
	struct attach_client *c = xcalloc(1, sizeof(*c));
	c->srv = srv;
	c->id = ++srv->next_id;
	watch_init(&c->w, fd, attach_client_cb, c);
	c->next = srv->clients;
	srv->clients = c;
	diag_debug("attach: client %u connected", c->id);
	attach_send_repaint(c, false);
	attach_update(c);
	if (srv->cb.attached)
		srv->cb.attached(srv->cb.ctx);
}

static void attach_listen_cb(struct watch *w, uint32_t events)
{
	(void)events;
	struct attach_server *srv = w->ctx;
	int err = sock_accept_all(w->fd, attach_take_client, srv);
	if (err != 0)
		diag_warn("attach: accept: %s", strerror(err));
	/* Accept again once a client leaves, instead of spinning. */
	if (err == EMFILE || err == ENFILE)
		loop_del(srv->loop, w);
}

static void attach_pause(struct attach_server *srv, bool paused)
{
	if (srv->input_paused == paused)
		return;
	srv->input_paused = paused;
	for (struct attach_client *c = srv->clients, *next; c; c = next) {
		next = c->next;
		attach_update(c);
	}
}

static void attach_read(struct attach_client *c)
{
	struct attach_server *srv = c->srv;
	if (srv->rbuf == NULL)
		srv->rbuf = xmalloc(STREAM_ATTACH_MAX_INPUT);
	/* A few datagrams per wake-up keep one typing client from starving others. */
	for (int i = 0; i < 8 && !c->rd_closed; i++) {
		if (!srv->cb.input_room(srv->cb.ctx)) {
			attach_pause(srv, true);
			return;
		}
		ssize_t n = recv(c->w.fd, srv->rbuf, STREAM_ATTACH_MAX_INPUT, MSG_DONTWAIT | MSG_TRUNC);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN)
				return;
			/* ECONNRESET and the like: the client is gone both ways. */
			c->rd_closed = c->wr_closed = true;
			break;
		}
		if (n == 0) {
			/* SEQPACKET reads an empty datagram and the end alike; only the
			 * end reads as 0 again. */
			char probe;
			ssize_t again = recv(c->w.fd, &probe, 1, MSG_PEEK | MSG_DONTWAIT);
			if (again != 0)
				continue;
			c->rd_closed = true;
			shutdown(c->w.fd, SHUT_RD);
			diag_debug("attach: client %u closed its input", c->id);
			if (srv->cb.input_eof)
				srv->cb.input_eof(srv->cb.ctx);
			break;
		}
		if ((size_t)n > STREAM_ATTACH_MAX_INPUT) {
			diag_warn("attach: client %u sent a %zd-byte datagram; only %d bytes kept", c->id, n,
				  STREAM_ATTACH_MAX_INPUT);
			n = STREAM_ATTACH_MAX_INPUT;
		}
		srv->cb.input(srv->cb.ctx, srv->rbuf, (size_t)n);
	}
}

/* Sends queued frames until the socket is full. */
static void attach_flush(struct attach_client *c)
{
	while (c->qhead && !c->wr_closed) {
		struct frame *f = c->qhead;
		ssize_t n = send(c->w.fd, f->data, f->len, MSG_DONTWAIT | MSG_NOSIGNAL);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN)
				return;
			c->wr_closed = true;
			attach_free_queue(c);
			return;
		}
		c->qhead = f->next;
		if (c->qhead == NULL)
			c->qtail = NULL;
		c->qbytes -= f->len;
		free(f);
	}
}

static void attach_client_cb(struct watch *w, uint32_t events)
{
	struct attach_client *c = w->ctx;
	bool hup = events & (EPOLLHUP | EPOLLERR);
	if (events & EPOLLOUT || hup)
		attach_flush(c);
	if (c->needs_repaint && c->qhead == NULL && !c->wr_closed && !hup)
		attach_send_repaint(c, true);
	if ((events & EPOLLIN || hup) && !c->rd_closed && !c->srv->input_paused)
		attach_read(c);
	/* A hung-up peer takes no more output; what it sent before hanging up
	 * is still read (now, or when input is resumed). */
	if (hup)
		c->wr_closed = true;
	attach_update(c);
}

static void attach_enqueue(struct attach_client *c, enum stream_id stream, const char *data, size_t len)
{
	struct frame *f = xmalloc(sizeof(*f) + len + 1);
	f->next = NULL;
	f->len = len + 1;
	f->data[0] = (char)stream;
	memcpy(f->data + 1, data, len);
	if (c->qtail)
		c->qtail->next = f;
	else
		c->qhead = f;
	c->qtail = f;
	c->qbytes += f->len;
}

static void attach_send_frame(struct attach_client *c, enum stream_id stream, const char *data, size_t len)
{
	if (c->qhead == NULL) {
		char sid = (char)stream;
		struct iovec iov[2] = {{&sid, 1}, {(void *)data, len}};
		struct msghdr msg = {.msg_iov = iov, .msg_iovlen = 2};
		ssize_t n;
		do
			n = sendmsg(c->w.fd, &msg, MSG_DONTWAIT | MSG_NOSIGNAL);
		while (n < 0 && errno == EINTR);
		if (n >= 0)
			return;
		if (errno != EAGAIN) {
			c->wr_closed = true;
			return;
		}
	}
	attach_enqueue(c, stream, data, len);
}

/* A chunk in frames of at most the protocol's payload. */
static void attach_send(struct attach_client *c, enum stream_id stream, const char *data, size_t len)
{
	for (size_t off = 0; off < len && !c->wr_closed; off += STREAM_ATTACH_MAX_PAYLOAD) {
		size_t n = len - off < STREAM_ATTACH_MAX_PAYLOAD ? len - off : STREAM_ATTACH_MAX_PAYLOAD;
		attach_send_frame(c, stream, data + off, n);
	}
}

/* A client too far behind: with a screen model, forget its backlog and
 * repaint it when it can take it; without one, cut it off. Returns false
 * when the client is gone. */
static bool attach_check_lag(struct attach_client *c)
{
	struct attach_server *srv = c->srv;
	size_t lag_max = srv->cb.lag_max ? srv->cb.lag_max(srv->cb.ctx) : 0;
	if (lag_max > 0) {
		if (c->qbytes <= lag_max + c->slack)
			return true;
		diag_debug("attach: client %u fell %zu bytes behind; it gets a repaint instead", c->id,
			   c->qbytes);
		attach_free_queue(c);
		c->needs_repaint = true;
		return true;
	}
	if (c->qbytes <= srv->queue_max)
		return true;
	diag_warn("attach: client %u fell more than %zu bytes behind; disconnecting it", c->id, srv->queue_max);
	attach_remove(c);
	return false;
}

void attach_broadcast(struct attach_server *srv, const struct output_chunk *chunk)
{
	for (struct attach_client *c = srv->clients, *next; c; c = next) {
		next = c->next;
		if (c->wr_closed || c->needs_repaint)
			continue;
		bool was_empty = c->qhead == NULL;
		attach_send(c, chunk->stream, chunk->data, chunk->len);
		if (!attach_check_lag(c))
			continue;
		if (c->wr_closed || c->needs_repaint || was_empty != (c->qhead == NULL))
			attach_update(c);
	}
}

void attach_resume_input(struct attach_server *srv)
{
	attach_pause(srv, false);
}

bool attach_has_pending(const struct attach_server *srv)
{
	for (const struct attach_client *c = srv->clients; c; c = c->next)
		if ((c->qhead != NULL || c->needs_repaint) && !c->wr_closed)
			return true;
	return false;
}

void attach_close_all(struct attach_server *srv)
{
	while (srv->clients) {
		attach_flush(srv->clients);
		attach_remove(srv->clients);
	}
	loop_del(srv->loop, &srv->listen_w);
	close_fd(&srv->listen_w.fd);
}

void attach_free(struct attach_server *srv)
{
	if (srv == NULL)
		return;
	attach_close_all(srv);
	unlink(srv->path);
	free(srv->path);
	free(srv->rbuf);
	free(srv);
}
