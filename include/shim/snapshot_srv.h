/* snapshot_srv: the shim's end of the screen socket (base/snapshot.h has
 * the protocol). Each connection is read up to its request line (at most
 * SNAPSHOT_REQUEST_MAX bytes), answered without blocking the loop, and
 * closed; at most SNAPSHOT_CONNS_MAX are open at once, and a new one pushes
 * out the oldest, so clients that never send cannot pile up. */
#ifndef PTYSHIM_SNAPSHOT_SRV_H
#define PTYSHIM_SNAPSHOT_SRV_H

#include <stddef.h>

#include "base/snapshot.h"

#define SNAPSHOT_CONNS_MAX 16

struct loop;
struct snapshot_server;

struct snapshot_callbacks {
	/* The answer for a request (allocated; *len set). */
	char *(*render)(void *ctx, enum snapshot_kind kind, size_t *len);
	void *ctx;
};

/* Binds path (an old file there is replaced) owner-only and listens. NULL
 * with *err (allocated) on failure. */
struct snapshot_server *snapshot_listen(struct loop *loop, const char *path, const struct snapshot_callbacks *cb,
					char **err);
/* Closes every connection and the listener, and unlinks the path. */
void snapshot_free(struct snapshot_server *srv);

#endif
