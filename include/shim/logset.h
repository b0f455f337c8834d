/* logset: the container-log drivers the shim writes to, as one. It owns the
 * drivers added to it and hands every call on to each of them, in the order
 * they were added; an operation a driver does not implement is skipped.
 *
 * "Log first", exactly: the output path calls logset_write for a chunk
 * before any attach client is sent that chunk, so every driver is handed the
 * bytes first, in the order they were read. That is an order of handing
 * over, not of reaching the file: a driver may hold the chunk until
 * logset_flush, at the end of the burst of reads (ctrio's output_done),
 * which comes after the burst's chunks went to the attach clients.
 *   asciicast writes each chunk's event in its write op, before the clients
 *     get the chunk (unless the disk refuses it: then it waits in memory);
 *   k8s-file gathers a burst's records and writes them with one writev at
 *     flush (earlier only when its batch fills up, a rotation is due or
 *     --log-global-size-max is reached), so a client may receive a chunk
 *     before its k8s-file records are in the file.
 * The chunk's data stays valid until logset_flush returns (logdrv.h). */
#ifndef PTYSHIM_LOGSET_H
#define PTYSHIM_LOGSET_H

#include <stddef.h>
#include <time.h>

#include "base/stream.h"
#include "shim/logdrv.h"

struct logset {
	struct logdrv **drivers;
	size_t n;
};

/* An empty set (logging nothing is a set too). */
void logset_init(struct logset *set);
/* Takes ownership of drv. */
void logset_add(struct logset *set, struct logdrv *drv);

void logset_write(struct logset *set, const struct output_chunk *chunk);
void logset_flush(struct logset *set);
/* when: the time of the change, or NULL for "now" as each driver sees it. */
void logset_resize(struct logset *set, unsigned rows, unsigned cols, const struct timespec *when);
/* Every driver is reopened even when one fails (each reports its own failure). */
void logset_reopen(struct logset *set);
void logset_sync(struct logset *set);
/* Destroys every driver and empties the set. */
void logset_destroy(struct logset *set);

#endif
