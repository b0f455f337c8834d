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
#include "shim/console.h"
#include "shim/ctrio.h"

static void write_output(void *ctx, const struct output_chunk *chunk)
{
	struct taskproc *p = ctx;
	int *fd = chunk->stream == STREAM_STDERR ? &p->err_fifo : &p->out_fifo;
	if (*fd < 0)
		return;
	if (write_all(*fd, chunk->data, chunk->len) < 0) {
		/* The reader went away (EPIPE): nobody wants the rest. */
		diag_debug("task %s: output fifo: %s", p->exec_id, strerror(errno));
		close_fd(fd);
	}
}

static void output_done(void *ctx)
{
	(void)ctx;
}

static void read_stdin(struct watch *w, uint32_t events);

static void input_room(void *ctx)
{
	struct taskproc *p = ctx;
	if (p->in_fifo >= 0)
		loop_mod(p->loop, &p->in_w, EPOLLIN);
}

static void stop_stdin(struct taskproc *p)
{
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
		loop_mod(p->loop, &p->in_w, 0);
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
	/* Every writer has closed the fifo: the end of the input. */
	stop_stdin(p);
	if (!p->terminal)
		ctrio_close_input(p->io);
}

struct taskproc *taskproc_new(struct loop *loop, const char *exec_id, bool terminal, const char *in,
			      const char *out, const char *err)
{
	struct taskproc *p = xcalloc(1, sizeof(*p));
	p->loop = loop;
	p->exec_id = xstrdup(exec_id);
	p->terminal = terminal;
	p->stdin_path = xstrdup(in ? in : "");
	p->stdout_path = xstrdup(out ? out : "");
	p->stderr_path = xstrdup(err ? err : "");
	p->out_fifo = p->err_fifo = p->in_fifo = p->console_fd = -1;
	for (int i = 0; i < 3; i++)
		p->child_fds[i] = -1;
	struct ctrio_callbacks cb = {
		.output = write_output, .output_done = output_done, .input_room = input_room, .ctx = p
	};
	p->io = ctrio_new(loop, &cb);
	return p;
}

void taskproc_free(struct taskproc *p)
{
	if (!p)
		return;
	stop_stdin(p);
	ctrio_free(p->io);
	close_fd(&p->out_fifo);
	close_fd(&p->err_fifo);
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

/* The write end of an output fifo. Its reader (containerd's client) opened
 * it already; if it has not, O_RDWR opens without waiting for one. Writes
 * block: the output is copied in order and nothing is dropped. */
static int open_output_fifo(const char *path)
{
	int fd = open(path, O_WRONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0 && errno == ENXIO)
		fd = open(path, O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (fd >= 0)
		set_nonblock(fd, false);
	return fd;
}

static int open_fifos(struct taskproc *p, char *err, size_t errlen)
{
	const char *what = p->stdout_path;
	if (p->stdout_path[0] && (p->out_fifo = open_output_fifo(p->stdout_path)) < 0)
		goto fail;
	what = p->stderr_path;
	if (p->stderr_path[0] && (p->err_fifo = open_output_fifo(p->stderr_path)) < 0)
		goto fail;
	what = p->stdin_path;
	if (p->stdin_path[0]) {
		p->in_fifo = open(p->stdin_path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
		if (p->in_fifo < 0)
			goto fail;
		watch_init(&p->in_w, p->in_fifo, read_stdin, p);
		if (loop_add(p->loop, &p->in_w, EPOLLIN) < 0)
			goto fail;
	}
	return 0;
fail:
	snprintf(err, errlen, "open %s: %s", what, strerror(errno));
	return -1;
}

/* Pipes between the shim and the container: child_fds get the container's
 * ends (stdin, stdout, stderr), the shim keeps the others for ctrio. */
static int make_pipes(struct taskproc *p, int shim_fds[3])
{
	for (int i = 0; i < 3; i++) {
		bool wanted = i == 0 ? p->stdin_path[0] : i == 1 ? p->stdout_path[0] : p->stderr_path[0];
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

int taskproc_prepare_stdio(struct taskproc *p, char *err, size_t errlen)
{
	if (open_fifos(p, err, errlen) < 0)
		return -1;
	if (p->terminal) {
		p->console_fd = console_listen(&p->console_path);
		if (p->console_fd < 0) {
			snprintf(err, errlen, "console socket: %s", strerror(errno));
			return -1;
		}
		return 0;
	}
	int shim_fds[3] = { -1, -1, -1 };
	if (make_pipes(p, shim_fds) < 0) {
		snprintf(err, errlen, "pipe: %s", strerror(errno));
		for (int i = 0; i < 3; i++)
			close_fd(&shim_fds[i]);
		return -1;
	}
	ctrio_set_pipes(p->io, shim_fds[1], shim_fds[2], shim_fds[0]);
	return 0;
}

static int take_master(struct taskproc *p, char *err, size_t errlen)
{
	int conn = accept4(p->console_fd, NULL, NULL, SOCK_CLOEXEC);
	if (conn < 0) {
		snprintf(err, errlen, "console socket: accept: %s", strerror(errno));
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
	/* What the process wrote before it ended reaches the fifos before the
	 * exit is reported; a background child still holding the pipes keeps
	 * them open until the process is deleted. */
	if (ctrio_drain(p->io)) {
		close_fd(&p->out_fifo);
		close_fd(&p->err_fifo);
	}
}

void taskproc_close_stdin(struct taskproc *p)
{
	stop_stdin(p);
	ctrio_close_input(p->io);
}

void taskproc_resize(struct taskproc *p, unsigned rows, unsigned cols)
{
	ctrio_resize(p->io, rows, cols);
}
