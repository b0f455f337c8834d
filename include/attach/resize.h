/* resize: the terminal's size, sent to the shim as "1 ROWS COLS\n" lines in
 * the ctl fifo. A fifo without a reader (ENXIO: the shim is starting or
 * restarting it) or a full one is retried for a while from the poll loop,
 * never waited on; a resize that cannot be sent is warned about once. */
#ifndef PTYSHIM_ATTACH_RESIZE_H
#define PTYSHIM_ATTACH_RESIZE_H

#include <stdbool.h>
#include <stdint.h>

struct resize_state {
	char *ctl_path; /* owned */
	int size_fd;    /* borrowed: the terminal whose size we send; -1 = no resizing */
	bool pending;
	int tries;
	int64_t next_ns; /* mono_ns() of the next try */
	bool warned;
};

/* Sets up r without resizing (size_fd -1). */
void resize_init(struct resize_state *r);
/* The size may have changed: send it now (or retry later). */
void resize_request(struct resize_state *r);
/* Retries a pending resize whose time has come. */
void resize_tick(struct resize_state *r);
/* A poll timeout until the next retry: -1 when none is pending. */
int resize_timeout_ms(const struct resize_state *r);
void resize_free(struct resize_state *r);

#endif
