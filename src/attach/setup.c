/* setup: connecting, and choosing how to relay. */
#include "attach/setup.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "attach/prog.h"
#include "base/diag.h"
#include "base/sock.h"
#include "base/util.h"
#include "client/term.h"

/* How long a shim whose listen backlog is full may keep us waiting. */
#define CONNECT_TIMEOUT_MS 10000

static int connect_shim(struct session *s)
{
	const char *path = s->bundle.sock_path;
	s->sock_fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (s->sock_fd < 0 || sock_connect(s->sock_fd, path, CONNECT_TIMEOUT_MS) < 0) {
		if (errno == ECONNREFUSED)
			diag_err("%s: connection refused (is the container running?)", path);
		else
			diag_err("%s: %s", path, strerror(errno));
		close_fd(&s->sock_fd);
		return -1;
	}
	sendq_init(&s->sendq, s->sock_fd);
	return 0;
}

/* -t/-T, else the bundle's config.json, else the shim's own -t. */
static bool container_has_tty(const struct session *s, const struct attach_opts *o)
{
	if (o->tty != TTY_AUTO)
		return o->tty == TTY_YES;
	int t = bundle_terminal(&s->bundle);
	if (t < 0)
		t = s->peer.terminal;
	return t == 1;
}

static void choose_input(struct session *s, const struct attach_opts *o, bool in_tty, bool out_tty)
{
	if (o->no_stdin)
		s->mode = INPUT_NONE;
	else if (s->tty_container && in_tty)
		s->mode = INPUT_RAW;
	else if (!s->tty_container && in_tty && out_tty && !o->no_readline)
		s->mode = INPUT_READLINE;
	else
		s->mode = INPUT_COPY;
	s->stdin_open = s->mode != INPUT_NONE;
	/* Detach keys are for people at a keyboard; piped input goes through
	 * untouched, whatever bytes it holds. */
	s->use_detach = o->detach_keys.len > 0 && (s->mode == INPUT_RAW || s->mode == INPUT_READLINE);
	detach_matcher_init(&s->matcher, &o->detach_keys);
}

static int setup_terminal(struct session *s, const struct attach_opts *o, bool in_tty, bool out_tty)
{
	if (term_init(STDIN_FILENO, STDOUT_FILENO) < 0) {
		diag_err("stdin: cannot read the terminal settings: %s", strerror(errno));
		return -1;
	}
	/* The size goes out before any input, so the first command the user
	 * types already runs at the right size. */
	if (s->tty_container) {
		s->resize.ctl_path = o->ctl_path ? xstrdup(o->ctl_path) : bundle_ctl_path(&s->bundle);
		s->resize.size_fd = in_tty ? STDIN_FILENO : (out_tty ? STDOUT_FILENO : -1);
		resize_request(&s->resize);
	}
	if (s->mode == INPUT_RAW && term_raw() < 0) {
		diag_err("stdin: cannot set raw mode: %s", strerror(errno));
		return -1;
	}
	if (s->mode == INPUT_READLINE)
		rlmode_start(&s->rl, &s->sigs, &s->sendq);
	return 0;
}

/* Tells a manager that it may start the container now: without this it
 * could only poll /proc for our connection (podman connects, then starts). */
static void ready_signal(int fd)
{
	if (fd < 0)
		return;
	ssize_t n;
	do
		n = write(fd, "\n", 1);
	while (n < 0 && errno == EINTR);
	if (n != 1)
		diag_warn("--ready-fd %d: %s", fd, n < 0 ? strerror(errno) : "short write");
	close_fd(&fd);
}

int setup_session(struct session *s, const struct attach_opts *o)
{
	if (bundle_resolve(o->target, &s->bundle) < 0)
		return ATTACH_EXIT_SETUP;
	if (sigwatch_open(&s->sigs) < 0) {
		diag_err("signalfd: %s", strerror(errno));
		return ATTACH_EXIT_SETUP;
	}
	exitwatch_begin(&s->exitw);
	if (connect_shim(s) < 0)
		return ATTACH_EXIT_SETUP;
	peer_read(&s->peer, s->sock_fd);
	s->tty_container = container_has_tty(s, o);
	char *exit_path;
	if (peer_exit_file(&s->peer, o, &exit_path) < 0)
		return ATTACH_EXIT_SETUP;
	exitwatch_set_path(&s->exitw, exit_path);
	bool in_tty = isatty(STDIN_FILENO) == 1;
	bool out_tty = isatty(STDOUT_FILENO) == 1;
	s->err_tty = isatty(STDERR_FILENO) == 1;
	choose_input(s, o, in_tty, out_tty);
	if (setup_terminal(s, o, in_tty, out_tty) < 0)
		return ATTACH_EXIT_SETUP;
	ready_signal(o->ready_fd);
	return 0;
}
