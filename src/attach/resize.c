/* resize: window size lines into the ctl fifo. */
#include "attach/resize.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/diag.h"
#include "base/util.h"
#include "client/term.h"

/* A resize is worth about RESIZE_TRIES * RESIZE_RETRY_MS of patience. */
#define RESIZE_RETRY_MS 50
#define RESIZE_TRIES 40

void resize_init(struct resize_state *r)
{
	*r = (struct resize_state){.size_fd = -1};
}

static void resize_try(struct resize_state *r)
{
	unsigned short rows, cols;
	if (term_winsize(r->size_fd, &rows, &cols) < 0) {
		r->pending = false; /* no size to send (0x0 or not a terminal) */
		return;
	}
	char line[32];
	int len = snprintf(line, sizeof(line), "1 %u %u\n", rows, cols);
	int fd = open(r->ctl_path, O_WRONLY | O_NONBLOCK | O_CLOEXEC);
	int err = errno;
	if (fd >= 0) {
		/* One line is far below PIPE_BUF: it goes in whole or not at all. */
		ssize_t n = write(fd, line, (size_t)len);
		err = errno;
		close_fd(&fd);
		if (n == len) {
			r->pending = false;
			return;
		}
	}
	bool transient = err == ENXIO || err == EAGAIN || err == EINTR || err == EPIPE;
	if (transient && ++r->tries < RESIZE_TRIES) {
		r->next_ns = mono_ns() + (int64_t)RESIZE_RETRY_MS * 1000000;
		return;
	}
	r->pending = false;
	if (!r->warned) {
		diag_warn("%s: cannot send the window size: %s", r->ctl_path, strerror(err));
		r->warned = true;
	}
}

void resize_request(struct resize_state *r)
{
	if (r->size_fd < 0)
		return;
	r->pending = true;
	r->tries = 0;
	resize_try(r);
}

void resize_tick(struct resize_state *r)
{
	if (r->pending && mono_ns() >= r->next_ns)
		resize_try(r);
}

int resize_timeout_ms(const struct resize_state *r)
{
	if (!r->pending)
		return -1;
	int64_t left = r->next_ns - mono_ns();
	return left <= 0 ? 0 : (int)(left / 1000000) + 1;
}

void resize_free(struct resize_state *r)
{
	free(r->ctl_path);
	r->ctl_path = NULL;
}
