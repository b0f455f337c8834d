/* buf: a fixed-capacity byte ring. Bytes go in with buf_append and out
 * through buf_peek/buf_consume as iovecs, so a non-blocking writer consumes
 * only what the kernel took. */
#ifndef PTYSHIM_BUF_H
#define PTYSHIM_BUF_H

#include <stddef.h>
#include <sys/uio.h>

struct buf {
	char *data;
	size_t cap;
	size_t head; /* offset of the first byte */
	size_t len;  /* bytes stored */
};

/* Storage is allocated on first use, so idle buffers cost nothing. */
void buf_init(struct buf *b, size_t cap);
void buf_free(struct buf *b);

static inline size_t buf_len(const struct buf *b) { return b->len; }
static inline size_t buf_space(const struct buf *b) { return b->cap - b->len; }

/* Up to two iovecs covering the stored bytes; returns how many. */
int buf_peek(const struct buf *b, struct iovec iov[2]);
void buf_consume(struct buf *b, size_t n);

/* Append as much of data as fits; returns the bytes taken. */
size_t buf_append(struct buf *b, const void *data, size_t len);

#endif
