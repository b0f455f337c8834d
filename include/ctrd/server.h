/* server: the ttrpc server on the shim's listening socket. Accepts any
 * number of connections, reads frames off each with ttrpc_scan and hands
 * every request to one handler. A reply names its connection by id, so a
 * reply that comes later (Wait answers when the process exits) to a
 * connection that has gone away is simply dropped. A frame over the size
 * limit gets a RESOURCE_EXHAUSTED answer and its connection is closed, as
 * is one that is not a request, or whose bytes are not a Request. */
#ifndef PTYSHIM_CTRD_SERVER_H
#define PTYSHIM_CTRD_SERVER_H

#include <stddef.h>
#include <stdint.h>

#include "ctrd/ttrpc.h"

struct loop;
struct ttrpc_server;

/* Where a reply goes, and by when (the request's ttrpc timeout, from its
 * arrival on CLOCK_MONOTONIC; 0: none). */
struct rpc_target {
	uint64_t conn_id;
	uint32_t stream_id;
	int64_t deadline_ns;
};

typedef void (*rpc_handler)(void *ctx, const struct rpc_target *to, const Ttrpc__Request *req);

/* Takes ownership of listen_fd (a listening unix stream socket). */
struct ttrpc_server *server_new(struct loop *loop, int listen_fd, rpc_handler handler, void *ctx);
void server_free(struct ttrpc_server *srv);

/* Sends a reply; returns 0, or -1 when the connection is gone or failed
 * (it is closed then). */
int server_reply(struct ttrpc_server *srv, const struct rpc_target *to, enum rpc_code code, const char *message,
		 const uint8_t *payload, size_t payload_len);

/* Connections open now. */
size_t server_connections(const struct ttrpc_server *srv);

#endif
