#include "ctrd/taskproc.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "base/child.h"
#include "base/diag.h"
#include "base/util.h"
#include "ctrd/outfifo.h"
#include "shim/console.h"
#include "shim/ctrio.h"
#include "shim/ttyscreen.h"

static struct outfifo *fifo_of(const struct taskproc *p, enum stream_id stream)
{
	return stream == STREAM_STDERR ? p->err : p->out;
}

static void write_output(void *ctx, const struct output_chunk *chunk)
{
	struct taskproc *p = ctx;
	if (p->screen)
		ttyscreen_output(p->screen, chunk);
	struct outfifo *f = fifo_of(p, chunk->stream);
	if (f)
		outfifo_write(f, chunk->data, chunk->len);
}

/* A fifo whose every source has ended is closed (once its queue is out),
 * so its reader sees the end: ctr waits for that before it deletes. A PTY
 * reads EIO whenever no slave is open, which is the end only once the
 * process has exited. */
static void finish_ended(struct taskproc *p)
{
	if (p->terminal && p->state != TASKPROC_STOPPED)
		return;
	bool out_open = ctrio_stream_open(p->io, STREAM_STDOUT);
	bool err_open = !p->terminal && ctrio_stream_open(p->io, STREAM_STDERR);
	if (p->out && !out_open && !(p->err == p->out && err_open))
		outfifo_finish(p->out);
	if (p->err && p->err != p->out && !err_open)
		outfifo_finish(p->err);
}

static void output_done(void *ctx)
{
	finish_ended(ctx);
}

/* Byte-exact fifos: a stream is read only while its fifo has room. */
static void fifo_backpressure(void *ctx, bool full)
{
	struct taskproc *p = ctx;
	(void)full;
	ctrio_pause_output(p->io, STREAM_STDOUT, p->out && outfifo_full(p->out));
	ctrio_pause_output(p->io, STREAM_STDERR, p->err && outfifo_full(p->err));
}

static char *fifo_repaint(void *ctx, size_t *len)
{
	struct taskproc *p = ctx;
	return ttyscreen_repaint(p->screen, len);
}

static size_t fifo_lag_max(void *ctx)
{
	struct taskproc *p = ctx;
	return ttyscreen_lag_max(p->screen);
}

static void stop_stdin(struct taskproc *p)
{
	close_fd(&p->in_hold);
	if (p->in_fifo < 0)
		return;
	loop_del(p->loop, &p->in_w);
	close_fd(&p->in_fifo);
}

static void read_stdin(struct watch *w, uint32_t events)
{
	struct taskproc *p = w->ctx;
	(void)events;
	if (!ctrio_input_has_room(p->io)) {
		/* Out of the set until input_room: a hang-up (the last writer
		 * gone after CloseIO) is reported without interest and would spin. */
		loop_del(p->loop, &p->in_w);
		return;
	}
	char buf[CTRIO_INPUT_CHUNK];
	ssize_t n = read(p->in_fifo, buf, sizeof(buf));
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n > 0) {
		ctrio_push_input(p->io, buf, (size_t)n);
		return;
	}
	/* CloseIO let go of our write end, and every client has closed the
	 * fifo: the end of the input. */
	stop_stdin(p);
	ctrio_close_input(p->io);
}

static void input_room(void *ctx)
{
	struct taskproc *p = ctx;
	if (p->in_fifo >= 0)
		loop_mod(p->loop, &p->in_w, EPOLLIN);
}

struct taskproc *taskproc_new(struct loop *loop, const char *exec_id, bool terminal, const char *in,
			      const char *out, const char *err, const struct runc *runc, void *ctx)
{
	struct taskproc *p = xcalloc(1, sizeof(*p));
	p->loop = loop;
	p->exec_id = xstrdup(exec_id);
	p->terminal = terminal;
	p->stdin_path = xstrdup(in ? in : "");
	p->stdout_path = xstrdup(out ? out : "");
	p->stderr_path = xstrdup(err ? err : "");
	p->in_fifo = p->in_hold = p->console_fd = -1;
	for (int i = 0; i < 3; i++)
		p->child_fds[i] = -1;
	struct ctrio_callbacks cb = {
		.output = write_output, .output_done = output_done, .input_room = input_room, .ctx = p};
	p->io = ctrio_new(loop, &cb);
	jobs_init(&p->jobs, loop, runc, ctx);
	return p;
}

void taskproc_free(struct taskproc *p)
{
	if (!p)
		return;
	jobs_free(&p->jobs);
	stop_stdin(p);
	ctrio_free(p->io);
	if (p->err != p->out)
		outfifo_free(p->err);
	outfifo_free(p->out);
	ttyscreen_free(p->screen);
	close_fd(&p->console_fd);
	for (int i = 0; i < 3; i++)
		close_fd(&p->child_fds[i]);
	if (p->console_path) {
		unlink(p->console_path);
		free(p->console_path);
	}
	if (p->spec_path) {
		unlink(p->spec_path);
		free(p->spec_path);
	}
	free(p->exec_id);
	free(p->stdin_path);
	free(p->stdout_path);
	free(p->stderr_path);
	free(p);
}

/* A terminal's model: its size follows ResizePty (24x80 until then). A
 * model refused (or its socket) leaves the terminal byte-exact, with a
 * warning. */
static void make_screen(struct taskproc *p, const char *socket)
{
	char *why = NULL;
	p->screen = ttyscreen_new(p->loop, 0, 0, socket, &why);
	if (p->screen == NULL) {
		diag_warn("process %s: %s", p->exec_id[0] ? p->exec_id : "init", why);
		free(why);
	}
}

static int open_outputs(struct taskproc *p, char *err, size_t errlen)
{
	struct outfifo_callbacks cb = {.backpressure = fifo_backpressure, .ctx = p};
	if (p->terminal && p->screen)
		cb = (struct outfifo_callbacks){.repaint = fifo_repaint, .lag_max = fifo_lag_max, .ctx = p};
	if (p->stdout_path[0] && !(p->out = outfifo_open(p->loop, p->stdout_path, &cb, err, errlen)))
		return -1;
	/* A terminal is all stdout; one path for both (ctr's file:// log
	 * URI names it twice) is one file written in order. */
	if (p->terminal || !p->stderr_path[0])
		return 0;
	if (strcmp(p->stderr_path, p->stdout_path) == 0) {
		p->err = p->out;
		return 0;
	}
	p->err = outfifo_open(p->loop, p->stderr_path, &cb, err, errlen);
	return p->err ? 0 : -1;
}

/* The stdin fifo, and a write end of our own: its clients come and go
 * (ctr attach, containerd restarting) and none of them leaving is the end
 * of the input; CloseIO is, as under the Go shim: our write end goes, and
 * the input ends once the fifo is read empty. */
static int open_stdin(struct taskproc *p, char *err, size_t errlen)
{
	if (!p->stdin_path[0])
		return 0;
	p->in_fifo = open(p->stdin_path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (p->in_fifo >= 0)
		p->in_hold = open(p->stdin_path, O_WRONLY | O_NONBLOCK | O_CLOEXEC);
	if (p->in_fifo < 0 || p->in_hold < 0) {
		snprintf(err, errlen, "open %s: %s", p->stdin_path, strerror(errno));
		return -1;
	}
	watch_init(&p->in_w, p->in_fifo, read_stdin, p);
	if (loop_add(p->loop, &p->in_w, EPOLLIN) < 0) {
		snprintf(err, errlen, "watch %s: %s", p->stdin_path, strerror(errno));
		return -1;
	}
	return 0;
}

/* Pipes between the shim and the container: child_fds get the container's
 * ends (stdin, stdout, stderr), the shim keeps the others for ctrio. */
static int make_pipes(struct taskproc *p, int shim_fds[3])
{
	for (int i = 0; i < 3; i++) {
		bool wanted = i == 0 ? p->in_fifo >= 0 : i == 1 ? p->out != NULL : p->err != NULL;
		if (!wanted)
			continue;
		int fds[2];
		if (pipe2(fds, O_CLOEXEC) < 0)
			return -1;
		p->child_fds[i] = i == 0 ? fds[0] : fds[1];
		shim_fds[i] = i == 0 ? fds[1] : fds[0];
	}
	return 0;
}

int taskproc_prepare_stdio(struct taskproc *p, const char *screen_socket, char *err, size_t errlen)
{
	if (p->terminal)
		make_screen(p, screen_socket);
	if (open_outputs(p, err, errlen) < 0 || open_stdin(p, err, errlen) < 0)
		return -1;
	if (p->terminal) {
		p->console_fd = console_listen(&p->console_path);
		if (p->console_fd < 0) {
			snprintf(err, errlen, "console socket: %s", strerror(errno));
			return -1;
		}
		return 0;
	}
	int shim_fds[3] = {-1, -1, -1};
	if (make_pipes(p, shim_fds) < 0) {
		snprintf(err, errlen, "pipe: %s", strerror(errno));
		for (int i = 0; i < 3; i++)
			close_fd(&shim_fds[i]);
		return -1;
	}
	ctrio_set_pipes(p->io, shim_fds[1], shim_fds[2], shim_fds[0]);
	return 0;
}

/* runc has exited: its connection, if it made one, is waiting. */
static int take_master(struct taskproc *p, char *err, size_t errlen)
{
	int conn = accept4(p->console_fd, NULL, NULL, SOCK_CLOEXEC);
	if (conn < 0) {
		snprintf(err, errlen, "console socket: %s",
			 errno == EAGAIN ? "runc sent no terminal" : strerror(errno));
		return -1;
	}
	const char *why = NULL;
	int master = console_recv_master(conn, &why);
	close_fd(&conn);
	if (master < 0) {
		snprintf(err, errlen, "console socket: %s", why ? why : "no terminal received");
		return -1;
	}
	console_setup_master(master);
	if (ctrio_set_pty(p->io, master) < 0) {
		snprintf(err, errlen, "terminal: %s", strerror(errno));
		return -1;
	}
	close_fd(&p->console_fd);
	unlink(p->console_path);
	return 0;
}

int taskproc_connect_stdio(struct taskproc *p, char *err, size_t errlen)
{
	for (int i = 0; i < 3; i++)
		close_fd(&p->child_fds[i]);
	if (p->terminal && take_master(p, err, errlen) < 0)
		return -1;
	ctrio_start_output(p->io);
	return 0;
}

void taskproc_exited(struct taskproc *p, int wait_status)
{
	p->state = TASKPROC_STOPPED;
	p->exit_code = child_exit_code(wait_status);
	clock_gettime(CLOCK_REALTIME, &p->exited_at);
	/* What the process wrote before it ended goes out before the exit is
	 * reported, as far as the fifos take it (a paused stream follows as
	 * its reader reads); a background child still holding the pipes keeps
	 * them open until the process is deleted. */
	ctrio_drain(p->io);
	finish_ended(p);
}

void taskproc_close_stdin(struct taskproc *p)
{
	if (p->in_fifo < 0) {
		ctrio_close_input(p->io);
		return;
	}
	/* What the client wrote before it asked is still read: the end comes
	 * when the fifo is empty and has no writer left (read_stdin). */
	close_fd(&p->in_hold);
}

void taskproc_resize(struct taskproc *p, unsigned rows, unsigned cols)
{
	ctrio_resize(p->io, rows, cols);
	if (p->screen)
		ttyscreen_resize(p->screen, rows, cols);
}

void taskproc_attached(struct taskproc *p)
{
	if (p->screen && p->out && p->state == TASKPROC_RUNNING)
		outfifo_repaint(p->out);
}
