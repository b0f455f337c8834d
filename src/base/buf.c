/* buf: fixed-capacity byte ring; no I/O policy inside. */
#include "base/buf.h"

#include <stdlib.h>
#include <string.h>

#include "base/util.h"

void buf_init(struct buf *b, size_t cap)
{
	b->data = NULL;
	b->cap = cap;
	b->head = 0;
	b->len = 0;
}

void buf_free(struct buf *b)
{
	free(b->data);
	b->data = NULL;
	b->head = 0;
	b->len = 0;
}

static void buf_ensure(struct buf *b)
{
	if (b->data == NULL)
		b->data = xmalloc(b->cap);
}

int buf_peek(const struct buf *b, struct iovec iov[2])
{
	if (b->len == 0)
		return 0;
	size_t first = b->cap - b->head;
	if (first >= b->len) {
		iov[0] = (struct iovec){b->data + b->head, b->len};
		return 1;
	}
	iov[0] = (struct iovec){b->data + b->head, first};
	iov[1] = (struct iovec){b->data, b->len - first};
	return 2;
}

void buf_consume(struct buf *b, size_t n)
{
	if (n > b->len)
		n = b->len;
	b->len -= n;
	/* An empty ring starts over at 0 so the next reserve is one iovec. */
	b->head = b->len == 0 ? 0 : (b->head + n) % b->cap;
}

/* Up to two iovecs covering the free space; returns how many. */
static int buf_reserve(struct buf *b, struct iovec iov[2])
{
	if (b->len == b->cap)
		return 0;
	buf_ensure(b);
	size_t tail = (b->head + b->len) % b->cap;
	size_t space = b->cap - b->len;
	size_t first = b->cap - tail;
	if (first >= space) {
		iov[0] = (struct iovec){b->data + tail, space};
		return 1;
	}
	iov[0] = (struct iovec){b->data + tail, first};
	iov[1] = (struct iovec){b->data, space - first};
	return 2;
}

size_t buf_append(struct buf *b, const void *data, size_t len)
{
	struct iovec iov[2];
	int cnt = buf_reserve(b, iov);
	size_t done = 0;
	for (int i = 0; i < cnt && done < len; i++) {
		size_t n = len - done < iov[i].iov_len ? len - done : iov[i].iov_len;
		memcpy(iov[i].iov_base, (const char *)data + done, n);
		done += n;
	}
	b->len += done;
	return done;
}
