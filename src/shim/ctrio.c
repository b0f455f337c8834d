/* ctrio: the container's stdio. Output is read in large chunks (one
 * timestamp per read) and handed to one callback; input goes through one
 * bounded queue. The PTY master is read edge-triggered through a dup of its
 * own: a master without a slave reports HUP/EIO for as long as that lasts,
 * and level-triggered polling would spin on it. */
#include "shim/ctrio.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/diag.h"
#include "base/loop.h"
#include "base/util.h"

#define CTRIO_READ_SIZE (64 * 1024)
/* Reads per wake-up before yielding to other fds, so one fast producer
 * cannot starve attach clients or signals. */
#define CTRIO_READS_PER_WAKE 32
/* A read into less room than this starts a new burst (a PTY read is at
 * most a few KiB). */
#define CTRIO_MIN_READ 4096
#define CTRIO_INPUT_CAP (4 * CTRIO_INPUT_CHUNK)

struct out_src {
	struct watch w;
	struct ctr_stdio *st;
	enum stream_id stream;
	bool is_pty;
	bool ended; /* EOF on a pipe (final), EIO on a PTY (until the next data) */
	bool paused; /* the consumer has no room: not read until resumed */
};

struct ctr_stdio {
	struct loop *loop;
	struct ctrio_callbacks cb;
	struct out_src out[2];
	bool output_started;
	int pty_fd; /* owned; also the input fd in terminal mode */
	struct watch in_w;
	bool in_is_pty;
	struct buf inq;
	bool input_closed;
	bool close_when_drained;
	bool have_size;
	unsigned rows, cols;
	char *rbuf;
};

static void ctrio_out_cb(struct watch *w, uint32_t events);
static void ctrio_in_cb(struct watch *w, uint32_t events);
static void ctrio_input_failed(struct ctr_stdio *st);

struct ctr_stdio *ctrio_new(struct loop *loop, const struct ctrio_callbacks *cb)
{
	struct ctr_stdio *st = xcalloc(1, sizeof(*st));
	st->loop = loop;
	st->cb = *cb;
	st->pty_fd = -1;
	for (size_t i = 0; i < ARRAY_SIZE(st->out); i++) {
		watch_init(&st->out[i].w, -1, ctrio_out_cb, &st->out[i]);
		st->out[i].st = st;
		st->out[i].ended = true;
	}
	watch_init(&st->in_w, -1, ctrio_in_cb, st);
	buf_init(&st->inq, CTRIO_INPUT_CAP);
	return st;
}

static void ctrio_close_out(struct ctr_stdio *st, struct out_src *o)
{
	loop_del(st->loop, &o->w);
	close_fd(&o->w.fd);
	o->ended = true;
}

static void ctrio_close_in(struct ctr_stdio *st)
{
	loop_del(st->loop, &st->in_w);
	if (!st->in_is_pty)
		close_fd(&st->in_w.fd);
	st->in_w.fd = -1;
}

void ctrio_free(struct ctr_stdio *st)
{
	if (st == NULL)
		return;
	for (size_t i = 0; i < ARRAY_SIZE(st->out); i++)
		ctrio_close_out(st, &st->out[i]);
	ctrio_close_in(st);
	close_fd(&st->pty_fd);
	buf_free(&st->inq);
	free(st->rbuf);
	free(st);
}

static void ctrio_update_in_interest(struct ctr_stdio *st)
{
	if (st->in_w.fd < 0)
		return;
	/* Registered only while input waits: HUP/ERR (a PTY without a slave,
	 * a stdin pipe whose reader left) are reported even without interest
	 * and would wake the loop for nothing. */
	if (buf_len(&st->inq) == 0) {
		loop_del(st->loop, &st->in_w);
		return;
	}
	if (loop_mod(st->loop, &st->in_w, EPOLLOUT) < 0)
		diag_warn("stdio: epoll: %s", strerror(errno));
}

/* Watches o while output is on and o is not paused. An edge-triggered PTY
 * added again is reported at once if it has data: nothing is missed. */
static void ctrio_watch_out(struct ctr_stdio *st, struct out_src *o)
{
	if (!st->output_started || o->paused || o->w.fd < 0 || o->w.added)
		return;
	if (loop_add(st->loop, &o->w, EPOLLIN | (o->is_pty ? EPOLLET : 0)) < 0)
		diag_err("stdio: epoll: %s", strerror(errno));
}

static void ctrio_add_out(struct ctr_stdio *st, int idx, int fd, enum stream_id stream, bool is_pty)
{
	struct out_src *o = &st->out[idx];
	o->w.fd = fd;
	o->stream = stream;
	o->is_pty = is_pty;
	o->ended = false;
	set_nonblock(fd, true);
	ctrio_watch_out(st, o);
}

int ctrio_set_pty(struct ctr_stdio *st, int master_fd)
{
	int read_fd = fcntl(master_fd, F_DUPFD_CLOEXEC, 3);
	if (read_fd < 0)
		return -1;
	st->pty_fd = master_fd;
	set_nonblock(master_fd, true);
	ctrio_add_out(st, 0, read_fd, STREAM_STDOUT, true);
	st->in_w.fd = master_fd;
	st->in_is_pty = true;
	if (st->have_size)
		ctrio_resize(st, st->rows, st->cols);
	ctrio_update_in_interest(st);
	return 0;
}

void ctrio_set_pipes(struct ctr_stdio *st, int stdout_fd, int stderr_fd, int stdin_fd)
{
	if (stdout_fd >= 0)
		ctrio_add_out(st, 0, stdout_fd, STREAM_STDOUT, false);
	if (stderr_fd >= 0)
		ctrio_add_out(st, 1, stderr_fd, STREAM_STDERR, false);
	if (stdin_fd >= 0) {
		set_nonblock(stdin_fd, true);
		st->in_w.fd = stdin_fd;
		st->in_is_pty = false;
		ctrio_update_in_interest(st);
	} else {
		/* Nothing will ever read it: accept and drop, as conmon does in effect. */
		st->input_closed = true;
	}
}

void ctrio_set_stderr(struct ctr_stdio *st, int stderr_fd)
{
	ctrio_add_out(st, 1, stderr_fd, STREAM_STDERR, false);
}

void ctrio_start_output(struct ctr_stdio *st)
{
	if (st->output_started)
		return;
	st->output_started = true;
	for (size_t i = 0; i < ARRAY_SIZE(st->out); i++)
		ctrio_watch_out(st, &st->out[i]);
}

static struct out_src *ctrio_src(struct ctr_stdio *st, enum stream_id stream)
{
	for (size_t i = 0; i < ARRAY_SIZE(st->out); i++)
		if (st->out[i].w.fd >= 0 && st->out[i].stream == stream)
			return &st->out[i];
	return NULL;
}

void ctrio_pause_output(struct ctr_stdio *st, enum stream_id stream, bool paused)
{
	struct out_src *o = ctrio_src(st, stream);
	if (o == NULL || o->paused == paused)
		return;
	o->paused = paused;
	if (paused)
		loop_del(st->loop, &o->w);
	else
		ctrio_watch_out(st, o);
}

bool ctrio_stream_open(struct ctr_stdio *st, enum stream_id stream)
{
	struct out_src *o = ctrio_src(st, stream);
	return o != NULL && !o->ended;
}

size_t ctrio_read_stderr_now(struct ctr_stdio *st, char *out, size_t cap)
{
	struct out_src *o = &st->out[1];
	size_t got = 0;
	while (o->w.fd >= 0 && got < cap) {
		ssize_t n = read(o->w.fd, out + got, cap - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	return got;
}

/* Reads one chunk from o into the read buffer at off. Returns >0 bytes
 * delivered, 0 when nothing more is available now (EAGAIN), -1 when the
 * source ended. */
static ssize_t ctrio_read_at(struct ctr_stdio *st, struct out_src *o, size_t off)
{
	if (st->rbuf == NULL)
		st->rbuf = xmalloc(CTRIO_READ_SIZE);
	ssize_t n;
	do
		n = read(o->w.fd, st->rbuf + off, CTRIO_READ_SIZE - off);
	while (n < 0 && errno == EINTR);
	if (n > 0) {
		o->ended = false;
		struct output_chunk chunk = {.stream = o->stream, .data = st->rbuf + off, .len = (size_t)n};
		clock_gettime(CLOCK_REALTIME, &chunk.when);
		st->cb.output(st->cb.ctx, &chunk);
		return n;
	}
	if (n < 0 && errno == EAGAIN)
		return 0;
	if (o->is_pty && (n == 0 || errno == EIO)) {
		/* No slave open now. The edge-triggered watch stays, so output from
		 * a slave opened later is still seen. */
		o->ended = true;
		return -1;
	}
	if (n < 0)
		diag_warn("stdio: read %s: %s", o->stream == STREAM_STDOUT ? "stdout" : "stderr",
			  strerror(errno));
	ctrio_close_out(st, o);
	return -1;
}

static void ctrio_burst_done(struct ctr_stdio *st)
{
	if (st->cb.output_done)
		st->cb.output_done(st->cb.ctx);
}

/* One wake-up's reads. A PTY hands out at most a few KiB per read, so its
 * reads fill the buffer one after another (each its own chunk and
 * timestamp) and the log writes them out together; a pipe's single large
 * read is a burst of its own. */
static void ctrio_out_cb(struct watch *w, uint32_t events)
{
	(void)events;
	struct out_src *o = w->ctx;
	struct ctr_stdio *st = o->st;
	size_t off = 0;
	bool more = false;
	for (int i = 0; i < CTRIO_READS_PER_WAKE; i++) {
		if (CTRIO_READ_SIZE - off < CTRIO_MIN_READ) {
			ctrio_burst_done(st);
			off = 0;
		}
		ssize_t n = ctrio_read_at(st, o, off);
		if (n <= 0) {
			more = false;
			break;
		}
		off += (size_t)n;
		more = true;
		if (o->paused)
			break; /* the consumer took this chunk and wants no more now */
		if (!o->is_pty && (size_t)n < CTRIO_READ_SIZE)
			break; /* level-triggered pipes are reported again if more comes */
	}
	ctrio_burst_done(st);
	/* Stopped early to stay fair: an edge-triggered source must be resumed. */
	if (more && o->is_pty && o->w.fd >= 0 && !o->paused)
		loop_again(st->loop, &o->w);
}

static void ctrio_input_dropped(struct ctr_stdio *st)
{
	bool had_room = ctrio_input_has_room(st);
	buf_consume(&st->inq, buf_len(&st->inq));
	ctrio_update_in_interest(st);
	if (!had_room && st->cb.input_room)
		st->cb.input_room(st->cb.ctx);
}

/* A write to the container's stdin failed (not EAGAIN). EPIPE: the
 * container closed its stdin; EIO: no PTY slave. Either way nobody will
 * read what is queued. */
static void ctrio_input_failed(struct ctr_stdio *st)
{
	diag_info("stdio: write to container stdin: %s", strerror(errno));
	if (!st->in_is_pty) {
		st->input_closed = true;
		ctrio_close_in(st);
	}
	ctrio_input_dropped(st);
}

static void ctrio_in_cb(struct watch *w, uint32_t events)
{
	struct ctr_stdio *st = w->ctx;
	if ((events & EPOLLERR) && !st->in_is_pty) {
		/* The container closed its stdin: nobody will read this input. */
		st->input_closed = true;
		ctrio_close_in(st);
		ctrio_input_dropped(st);
		return;
	}
	bool had_room = ctrio_input_has_room(st);
	while (buf_len(&st->inq) > 0) {
		struct iovec iov[2];
		int cnt = buf_peek(&st->inq, iov);
		ssize_t n = writev(st->in_w.fd, iov, cnt);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN)
				break;
			ctrio_input_failed(st);
			return;
		}
		buf_consume(&st->inq, (size_t)n);
	}
	if (buf_len(&st->inq) == 0 && st->close_when_drained)
		ctrio_close_in(st);
	else
		ctrio_update_in_interest(st);
	if (!had_room && ctrio_input_has_room(st) && st->cb.input_room)
		st->cb.input_room(st->cb.ctx);
}

bool ctrio_input_has_room(const struct ctr_stdio *st)
{
	return st->input_closed || buf_space(&st->inq) >= CTRIO_INPUT_CHUNK;
}

size_t ctrio_push_input(struct ctr_stdio *st, const void *data, size_t len)
{
	if (st->input_closed)
		return len;
	size_t done = 0;
	if (buf_len(&st->inq) == 0 && st->in_w.fd >= 0) {
		/* Nothing queued: write at once. A keystroke then costs one write
		 * instead of an epoll round trip, and only a remainder is queued. */
		ssize_t n;
		do
			n = write(st->in_w.fd, data, len);
		while (n < 0 && errno == EINTR);
		if (n < 0 && errno != EAGAIN) {
			ctrio_input_failed(st);
			return len;
		}
		done = n > 0 ? (size_t)n : 0;
		if (done == len)
			return len;
	}
	done += buf_append(&st->inq, (const char *)data + done, len - done);
	ctrio_update_in_interest(st);
	return done;
}

void ctrio_close_input(struct ctr_stdio *st)
{
	if (st->in_is_pty || st->input_closed)
		return;
	st->input_closed = true;
	if (buf_len(&st->inq) == 0)
		ctrio_close_in(st);
	else
		st->close_when_drained = true;
}

void ctrio_resize(struct ctr_stdio *st, unsigned rows, unsigned cols)
{
	st->have_size = true;
	st->rows = rows;
	st->cols = cols;
	if (st->pty_fd < 0)
		return;
	struct winsize ws = {.ws_row = (unsigned short)rows, .ws_col = (unsigned short)cols};
	if (ioctl(st->pty_fd, TIOCSWINSZ, &ws) < 0)
		diag_warn("stdio: resize to %ux%u: %s", cols, rows, strerror(errno));
}

bool ctrio_get_size(struct ctr_stdio *st, unsigned *rows, unsigned *cols)
{
	if (st->pty_fd >= 0) {
		struct winsize ws;
		if (ioctl(st->pty_fd, TIOCGWINSZ, &ws) == 0) {
			*rows = ws.ws_row;
			*cols = ws.ws_col;
			return true;
		}
	}
	if (!st->have_size)
		return false;
	*rows = st->rows;
	*cols = st->cols;
	return true;
}

void ctrio_nudge_redraw(struct ctr_stdio *st)
{
	if (st->pty_fd < 0)
		return;
	pid_t pgrp;
	if (ioctl(st->pty_fd, TIOCGPGRP, &pgrp) == 0 && pgrp > 0)
		kill(-pgrp, SIGWINCH);
}

bool ctrio_drain(struct ctr_stdio *st)
{
	for (size_t i = 0; i < ARRAY_SIZE(st->out); i++) {
		struct out_src *o = &st->out[i];
		/* Bounded: a writer that never stops must not keep the shim here;
		 * a paused source waits for its consumer. */
		for (int reads = 0; o->w.fd >= 0 && !o->paused && reads < 4096; reads++) {
			ssize_t n = ctrio_read_at(st, o, 0);
			ctrio_burst_done(st);
			if (n <= 0)
				break;
		}
	}
	return !ctrio_output_open(st);
}

bool ctrio_output_open(const struct ctr_stdio *st)
{
	for (size_t i = 0; i < ARRAY_SIZE(st->out); i++)
		if (st->out[i].w.fd >= 0 && !st->out[i].ended)
			return true;
	return false;
}
