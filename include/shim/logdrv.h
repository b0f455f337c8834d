/* logdrv: the interface every container-log driver implements (k8s-file,
 * asciicast, ...). The shim's output path hands each chunk it reads from the
 * container to every driver, in order, before any attach client is sent it;
 * when the bytes reach the file is each driver's business (shim/logset.h). */
#ifndef PTYSHIM_LOGDRV_H
#define PTYSHIM_LOGDRV_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "base/stream.h"

struct logdrv;

struct logdrv_ops {
	/* Must not drop bytes while the file system accepts them; on failure
	 * it counts what was lost and reports it (once) through diag. A driver
	 * with a flush op may keep pointers into chunk->data until flush: the
	 * caller keeps the data intact until then. */
	void (*write)(struct logdrv *drv, const struct output_chunk *chunk);
	/* The end of a burst of chunks: write out what write() held. Optional. */
	void (*flush)(struct logdrv *drv);
	/* Terminal size changed (rows, cols); optional. */
	void (*resize)(struct logdrv *drv, unsigned rows, unsigned cols, const struct timespec *when);
	/* ctl "2 X Y": reopen / start the file over; optional. Returns 0 or -1. */
	int (*reopen)(struct logdrv *drv);
	/* Make everything written durable (fsync); called at exit. Optional. */
	void (*sync)(struct logdrv *drv);
	/* Free the driver and close its files. */
	void (*destroy)(struct logdrv *drv);
};

struct logdrv {
	const struct logdrv_ops *ops;
	const char *name; /* for diagnostics: "k8s-file", "asciicast" */
};

#endif
