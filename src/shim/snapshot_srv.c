/* snapshot_srv: one request, one answer, close. */
#include "shim/snapshot_srv.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/diag.h"
#include "base/loop.h"
#include "base/sock.h"
#include "base/util.h"

struct snapshot_conn {
	struct watch w;
	struct snapshot_server *srv;
	struct snapshot_conn *next;
	char req[SNAPSHOT_REQUEST_MAX];
	size_t req_len;
	char *answer; /* once the request is read */
	size_t answer_len, sent;
};

struct snapshot_server {
	struct loop *loop;
	struct snapshot_callbacks cb;
	struct watch listen_w;
	char *path;
	struct snapshot_conn *conns; /* newest first */
	size_t n_conns;
};

static void conn_free(void *p)
{
	struct snapshot_conn *c = p;
	free(c->answer);
	free(c);
}

static void conn_close(struct snapshot_conn *c)
{
	struct snapshot_server *srv = c->srv;
	loop_del(srv->loop, &c->w);
	close_fd(&c->w.fd);
	for (struct snapshot_conn **pp = &srv->conns; *pp; pp = &(*pp)->next)
		if (*pp == c) {
			*pp = c->next;
			break;
		}
	srv->n_conns--;
	loop_defer_free(srv->loop, conn_free, c);
}

static void conn_answer(struct snapshot_conn *c, const char *line)
{
	int kind = snapshot_parse_request(line);
	if (kind < 0) {
		c->answer = xasprintf("error: unknown request '%.*s' (text, ansi, repaint or size)\n",
				      SNAPSHOT_REQUEST_MAX, line);
		c->answer_len = strlen(c->answer);
	} else {
		c->answer = c->srv->cb.render(c->srv->cb.ctx, (enum snapshot_kind)kind, &c->answer_len);
	}
	if (loop_mod(c->srv->loop, &c->w, EPOLLOUT) < 0)
		conn_close(c);
}

/* Reads what has come of the request line; true once it is complete. */
static bool conn_read(struct snapshot_conn *c)
{
	for (;;) {
		size_t room = sizeof(c->req) - 1 - c->req_len;
		ssize_t n = read(c->w.fd, c->req + c->req_len, room);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return false;
		if (n == 0 && c->req_len > 0) {
			c->req[c->req_len] = '\0'; /* a last line without its newline */
			return true;
		}
		if (n <= 0) {
			conn_close(c); /* gone before asking, or an error */
			return false;
		}
		char *nl = memchr(c->req + c->req_len, '\n', (size_t)n);
		c->req_len += (size_t)n;
		if (nl) {
			*nl = '\0';
			return true;
		}
		if (c->req_len == sizeof(c->req) - 1) {
			c->req[c->req_len] = '\0';
			return true; /* too long for any request: answered as unknown */
		}
	}
}

static void conn_write(struct snapshot_conn *c)
{
	while (c->sent < c->answer_len) {
		ssize_t n = send(c->w.fd, c->answer + c->sent, c->answer_len - c->sent, MSG_DONTWAIT | MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return;
		if (n < 0)
			break;
		c->sent += (size_t)n;
	}
	conn_close(c);
}

static void conn_cb(struct watch *w, uint32_t events)
{
	struct snapshot_conn *c = w->ctx;
	if (c->answer != NULL) {
		conn_write(c);
		return;
	}
	if ((events & (EPOLLIN | EPOLLHUP | EPOLLERR)) && conn_read(c))
		conn_answer(c, c->req);
}

static void take_conn(int fd, void *ctx)
{
	struct snapshot_server *srv = ctx;
	if (srv->n_conns == SNAPSHOT_CONNS_MAX) {
		struct snapshot_conn *oldest = srv->conns;
		while (oldest->next)
			oldest = oldest->next;
		conn_close(oldest);
	}
	struct snapshot_conn *c = xcalloc(1, sizeof(*c));
	c->srv = srv;
	watch_init(&c->w, fd, conn_cb, c);
	if (loop_add(srv->loop, &c->w, EPOLLIN) < 0) {
		close_fd(&c->w.fd);
		free(c);
		return;
	}
	c->next = srv->conns;
	srv->conns = c;
	srv->n_conns++;
}

static void listen_cb(struct watch *w, uint32_t events)
{
	(void)events;
	int err = sock_accept_all(w->fd, take_conn, w->ctx);
	if (err != 0)
		diag_warn("screen socket: accept: %s", strerror(err));
}

struct snapshot_server *snapshot_listen(struct loop *loop, const char *path, const struct snapshot_callbacks *cb,
					char **err)
{
	enum sock_listen_step failed;
	int fd = sock_listen_private(SOCK_STREAM, path, 16, &failed);
	if (fd < 0) {
		*err = failed == SOCK_LISTEN_SOCKET ? xasprintf("screen socket: %s", strerror(errno))
						    : xasprintf("screen socket %s: %s", path, strerror(errno));
		return NULL;
	}
	struct snapshot_server *srv = xmalloc(sizeof(*srv));
	*srv = (struct snapshot_server){.loop = loop, .cb = *cb, .path = xstrdup(path)};
	watch_init(&srv->listen_w, fd, listen_cb, srv);
	if (loop_add(loop, &srv->listen_w, EPOLLIN) < 0) {
		*err = xasprintf("screen socket: epoll: %s", strerror(errno));
		snapshot_free(srv); /* which removes the socket */
		return NULL;
	}
	return srv;
}

void snapshot_free(struct snapshot_server *srv)
{
	if (srv == NULL)
		return;
	while (srv->conns)
		conn_close(srv->conns);
	loop_del(srv->loop, &srv->listen_w);
	if (srv->listen_w.fd >= 0)
		unlink(srv->path);
	close_fd(&srv->listen_w.fd);
	free(srv->path);
	free(srv);
}
