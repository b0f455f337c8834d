#include "ctrd/server.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "base/diag.h"
#include "base/loop.h"
#include "base/util.h"

/* The most a read adds at once: enough for any ordinary request in one go,
 * while a connection's buffer grows only as far as a frame needs. */
#define READ_STEP 65536

struct conn {
	struct ttrpc_server *srv;
	struct conn *next;
	uint64_t id;
	int fd;
	struct watch w;
	uint8_t *in;
	size_t in_len;
	size_t in_cap;
};

struct ttrpc_server {
	struct loop *loop;
	int listen_fd;
	struct watch listen_w;
	rpc_handler handler;
	void *ctx;
	struct conn *conns;
	uint64_t next_id;
};

static void conn_free(void *p)
{
	struct conn *c = p;
	free(c->in);
	free(c);
}

static void conn_close(struct conn *c)
{
	struct conn **pp = &c->srv->conns;
	while (*pp && *pp != c)
		pp = &(*pp)->next;
	if (*pp)
		*pp = c->next;
	loop_del(c->srv->loop, &c->w);
	close_fd(&c->fd);
	loop_defer_free(c->srv->loop, conn_free, c);
}

static struct conn *conn_find(struct ttrpc_server *srv, uint64_t id)
{
	for (struct conn *c = srv->conns; c; c = c->next)
		if (c->id == id)
			return c;
	return NULL;
}

static int conn_send(struct conn *c, const uint8_t *data, size_t len)
{
	while (len > 0) {
		ssize_t n = send(c->fd, data, len, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		data += n;
		len -= (size_t)n;
	}
	return 0;
}

static int send_reply(struct conn *c, uint32_t stream_id, enum rpc_code code, const char *message,
		      const uint8_t *payload, size_t payload_len)
{
	size_t len;
	uint8_t *frame = ttrpc_response_frame(stream_id, code, message, payload, payload_len, &len);
	int rc = conn_send(c, frame, len);
	free(frame);
	return rc;
}

int server_reply(struct ttrpc_server *srv, const struct rpc_target *to, enum rpc_code code, const char *message,
		 const uint8_t *payload, size_t payload_len)
{
	struct conn *c = conn_find(srv, to->conn_id);
	if (!c)
		return -1;
	if (send_reply(c, to->stream_id, code, message, payload, payload_len) < 0) {
		diag_warn("ttrpc: reply on connection %llu: %s", (unsigned long long)c->id, strerror(errno));
		conn_close(c);
		return -1;
	}
	return 0;
}

/* Handles one whole frame; false when the connection must close. */
static bool conn_handle_frame(struct conn *c, const struct ttrpc_frame *f)
{
	if (f->type != TTRPC_TYPE_REQUEST) {
		diag_warn("ttrpc: frame of type %u on stream %u is not a request", f->type, f->stream_id);
		return false;
	}
	Ttrpc__Request *req = ttrpc_request_decode(f->payload, f->length);
	if (!req) {
		send_reply(c, f->stream_id, RPC_INVALID_ARGUMENT, "ttrpc: malformed request", NULL, 0);
		return false;
	}
	struct rpc_target to = {.conn_id = c->id, .stream_id = f->stream_id};
	int64_t now = mono_ns();
	if (req->timeout_nano > 0 && req->timeout_nano < INT64_MAX - now)
		to.deadline_ns = now + req->timeout_nano;
	uint64_t id = c->id;
	struct ttrpc_server *srv = c->srv;
	srv->handler(srv->ctx, &to, req);
	ttrpc__request__free_unpacked(req, NULL);
	return conn_find(srv, id) != NULL;
}

/* Handles every whole frame buffered; false when the connection closed. */
static bool conn_handle_input(struct conn *c)
{
	size_t off = 0;
	for (;;) {
		struct ttrpc_frame f;
		size_t used = 0;
		enum ttrpc_scan_result r = ttrpc_scan(c->in + off, c->in_len - off, &f, &used);
		if (r == TTRPC_SCAN_MORE)
			break;
		if (r == TTRPC_SCAN_TOO_BIG) {
			char msg[96];
			snprintf(msg, sizeof(msg), "message length %u exceed maximum message size of %u", f.length,
				 TTRPC_MESSAGE_MAX);
			send_reply(c, f.stream_id, RPC_RESOURCE_EXHAUSTED, msg, NULL, 0);
			conn_close(c);
			return false;
		}
		uint64_t id = c->id;
		struct ttrpc_server *srv = c->srv;
		bool keep = conn_handle_frame(c, &f);
		if (!conn_find(srv, id))
			return false;
		if (!keep) {
			conn_close(c);
			return false;
		}
		off += used;
	}
	memmove(c->in, c->in + off, c->in_len - off);
	c->in_len -= off;
	return true;
}

static void conn_readable(struct watch *w, uint32_t events)
{
	struct conn *c = w->ctx;
	(void)events;
	if (c->in_cap - c->in_len < READ_STEP) {
		c->in_cap = c->in_len + READ_STEP;
		c->in = xrealloc(c->in, c->in_cap);
	}
	ssize_t n = recv(c->fd, c->in + c->in_len, c->in_cap - c->in_len, MSG_DONTWAIT);
	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	if (n <= 0) {
		if (n < 0)
			diag_debug("ttrpc: connection %llu: %s", (unsigned long long)c->id, strerror(errno));
		conn_close(c);
		return;
	}
	c->in_len += (size_t)n;
	conn_handle_input(c);
}

static void server_acceptable(struct watch *w, uint32_t events)
{
	struct ttrpc_server *srv = w->ctx;
	(void)events;
	int fd = accept4(srv->listen_fd, NULL, NULL, SOCK_CLOEXEC);
	if (fd < 0) {
		if (errno != EAGAIN && errno != EINTR && errno != ECONNABORTED)
			diag_warn("ttrpc: accept: %s", strerror(errno));
		return;
	}
	struct conn *c = xcalloc(1, sizeof(*c));
	c->srv = srv;
	c->fd = fd;
	c->id = ++srv->next_id;
	watch_init(&c->w, fd, conn_readable, c);
	if (loop_add(srv->loop, &c->w, EPOLLIN) < 0) {
		diag_warn("ttrpc: watch connection: %s", strerror(errno));
		close_fd(&c->fd);
		free(c);
		return;
	}
	c->next = srv->conns;
	srv->conns = c;
}

struct ttrpc_server *server_new(struct loop *loop, int listen_fd, rpc_handler handler, void *ctx)
{
	struct ttrpc_server *srv = xcalloc(1, sizeof(*srv));
	srv->loop = loop;
	srv->listen_fd = listen_fd;
	srv->handler = handler;
	srv->ctx = ctx;
	set_nonblock(listen_fd, true);
	watch_init(&srv->listen_w, listen_fd, server_acceptable, srv);
	if (loop_add(loop, &srv->listen_w, EPOLLIN) < 0) {
		int e = errno;
		close_fd(&srv->listen_fd);
		free(srv);
		errno = e;
		return NULL;
	}
	return srv;
}

void server_free(struct ttrpc_server *srv)
{
	if (!srv)
		return;
	while (srv->conns)
		conn_close(srv->conns);
	loop_del(srv->loop, &srv->listen_w);
	close_fd(&srv->listen_fd);
	free(srv);
}

size_t server_connections(const struct ttrpc_server *srv)
{
	size_t n = 0;
	for (const struct conn *c = srv->conns; c; c = c->next)
		n++;
	return n;
}
