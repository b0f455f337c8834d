/* session: the relay loop and the way out of it. */
#include "attach/session.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "attach/endnote.h"
#include "attach/output.h"
#include "attach/prog.h"
#include "base/diag.h"
#include "base/stream.h"
#include "base/util.h"
#include "client/term.h"

/* Frames handled per wakeup before input gets its turn again. */
#define RECV_BATCH 64
#define STDIN_READ_SIZE 16384

void session_init(struct session *s)
{
	memset(s, 0, sizeof(*s));
	s->sock_fd = -1;
	s->tty_in_fd = -1;
	s->sigs.fd = -1;
	s->peer.pid_fd = -1;
	s->peer.ctr_pid_fd = -1;
	s->peer.terminal = -1;
	resize_init(&s->resize);
	sendq_init(&s->sendq, -1);
}

/* ---- from the container ---- */

enum recv_result { RECV_FRAME, RECV_NOTHING, RECV_STOP };

/* One datagram into s->recv_buf; *len is its size for RECV_FRAME. RECV_STOP
 * when there is no more for now or the session ended. */
static enum recv_result recv_frame(struct session *s, size_t *len)
{
	struct iovec iov = {.iov_base = s->recv_buf, .iov_len = sizeof(s->recv_buf)};
	struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1};
	ssize_t n = recvmsg(s->sock_fd, &msg, MSG_CMSG_CLOEXEC);
	if (n < 0) {
		if (errno == EINTR)
			return RECV_NOTHING;
		if (errno == EAGAIN)
			return RECV_STOP;
		if (errno == ECONNRESET) {
			s->end = END_EOF;
			return RECV_STOP;
		}
		diag_err("attach: read: %s", strerror(errno));
		s->end = END_ERROR;
		return RECV_STOP;
	}
	if (n == 0) {
		/* SEQPACKET reports EOF and an empty datagram alike; only a peer
		 * that has shut down is the end. Shims never send empty frames
		 * (every frame has its stream byte), so this only keeps a broken
		 * one from ending the session early. */
		struct pollfd pfd = {.fd = s->sock_fd, .events = POLLIN | POLLRDHUP};
		if (poll(&pfd, 1, 0) < 0 || (pfd.revents & (POLLRDHUP | POLLHUP | POLLERR))) {
			s->end = END_EOF;
			return RECV_STOP;
		}
		return RECV_NOTHING;
	}
	if ((msg.msg_flags & MSG_TRUNC) && !s->warned_trunc) {
		diag_warn("attach: a frame larger than %d bytes was cut", SESSION_RECV_SIZE);
		s->warned_trunc = true;
	}
	*len = (size_t)n;
	return RECV_FRAME;
}

/* Where a frame's stream goes: our stdout or stderr, or -1 to drop it. */
static int stream_fd(struct session *s, unsigned char stream)
{
	if (stream == STREAM_STDOUT)
		return STDOUT_FILENO;
	if (stream == STREAM_STDERR)
		return s->stderr_dead ? -1 : STDERR_FILENO;
	if (!s->warned_stream)
		diag_warn("attach: ignoring frames for unknown stream %u", stream);
	s->warned_stream = true;
	return -1;
}

/* A write to fd failed: a stderr that is gone is only dropped; a stdout
 * that is gone ends the session. False when the batch must stop. */
static bool output_failed(struct session *s, int fd)
{
	if (errno == ECANCELED)
		return false; /* a terminating signal: the loop handles it */
	if (fd == STDERR_FILENO) {
		s->stderr_dead = true;
		return true;
	}
	if (errno == EPIPE) {
		s->end = END_STDOUT_GONE;
	} else if (errno == EIO) {
		s->end = END_HANGUP;
	} else {
		diag_err("stdout: %s", strerror(errno));
		s->end = END_ERROR;
	}
	return false;
}

/* Writes the frame of len bytes in s->recv_buf out; false when the batch
 * must stop. */
static bool deliver_frame(struct session *s, size_t len)
{
	int fd = stream_fd(s, s->recv_buf[0]);
	const unsigned char *payload = s->recv_buf + 1;
	size_t payload_len = len - 1;
	if (fd < 0 || payload_len == 0)
		return true;
	if (fd == STDOUT_FILENO)
		term_track_output(payload, payload_len);
	bool on_screen = fd == STDOUT_FILENO || s->err_tty;
	int rc = rlmode_active(&s->rl) && on_screen ? rlmode_show_output(&s->rl, fd, payload, payload_len)
						     : output_write(&s->sigs, fd, payload, payload_len);
	return rc == 0 || output_failed(s, fd);
}

static void handle_output(struct session *s)
{
	for (int i = 0; i < RECV_BATCH && s->end == END_NONE; i++) {
		size_t len;
		enum recv_result r = recv_frame(s, &len);
		if (r == RECV_STOP)
			return;
		if (r == RECV_FRAME && !deliver_frame(s, len))
			return;
	}
}

/* ---- from the user ---- */

/* End of the user's input: give back held detach-key bytes, then SHUT_WR. */
static void input_eof(struct session *s)
{
	if (s->use_detach) {
		unsigned char held[DETACH_KEYS_MAX];
		size_t n = detach_matcher_flush(&s->matcher, held);
		sendq_push(&s->sendq, held, n);
	}
	s->stdin_open = false;
	sendq_end_input(&s->sendq);
}

static void input_error(struct session *s)
{
	if (errno == EINTR || errno == EAGAIN)
		return;
	if (errno == EIO && isatty(STDIN_FILENO)) {
		s->end = END_HANGUP;
		return;
	}
	diag_err("stdin: %s", strerror(errno));
	s->end = END_ERROR;
}

/* A read of a terminal stdin must never block: a ctrl-c between the loop's
 * poll and the read flushes the input (isig, no noflsh) and raises a SIGINT
 * that is blocked for our signalfd, and a blocking read would then wait for
 * a key forever. stdin's own file description is shared with the user's
 * shell, which must not find it non-blocking, so the terminal is opened
 * again, as our own description, non-blocking. */
static int stdin_read_fd(struct session *s)
{
	if (s->tty_in_fd < 0 && isatty(STDIN_FILENO))
		s->tty_in_fd = open("/proc/self/fd/0", O_RDONLY | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
	return s->tty_in_fd >= 0 ? s->tty_in_fd : STDIN_FILENO;
}

static void handle_input(struct session *s)
{
	unsigned char in[STDIN_READ_SIZE];
	unsigned char out[STDIN_READ_SIZE + DETACH_FEED_EXTRA];
	ssize_t n = read(stdin_read_fd(s), in, sizeof(in));
	if (n < 0 && errno == EAGAIN)
		return;
	if (n < 0) {
		input_error(s);
		return;
	}
	if (n == 0) {
		/* The terminal itself ended (readline reads no EOF key from it). */
		rlmode_stop(&s->rl);
		input_eof(s);
		return;
	}
	size_t len = (size_t)n;
	bool detached = false;
	const unsigned char *pass = in;
	if (s->use_detach) {
		len = detach_matcher_feed(&s->matcher, in, len, out, &detached);
		pass = out;
	}
	if (!rlmode_active(&s->rl))
		sendq_push(&s->sendq, pass, len);
	else if (!rlmode_feed(&s->rl, pass, len))
		input_eof(s);
	sendq_flush(&s->sendq);
	if (detached)
		s->end = END_DETACH;
}

/* ---- the loop ---- */

/* Ctrl-Z in readline mode, or a SIGTSTP from outside: give the terminal
 * back, stop for real, and take it again when continued. */
static void suspend_self(struct session *s)
{
	rlmode_suspend(&s->rl);
	term_restore();
	kill(getpid(), SIGSTOP);
	/* Continued. */
	if (s->mode == INPUT_RAW && term_raw() < 0)
		diag_warn("stdin: cannot set raw mode again: %s", strerror(errno));
	rlmode_resume(&s->rl);
	/* The window may have changed while we were stopped. */
	resize_request(&s->resize);
	rlmode_resize(&s->rl);
}

/* Acts on the signals seen so far. False when this round's other events
 * must wait: the session ended, or we were stopped and continued. */
static bool handle_signals(struct session *s)
{
	if (s->sigs.term_signal) {
		s->end = END_SIGNAL;
		return false;
	}
	if (s->sigs.got_tstp) {
		s->sigs.got_tstp = false;
		suspend_self(s);
		return false;
	}
	if (s->sigs.got_winch) {
		s->sigs.got_winch = false;
		resize_request(&s->resize);
		rlmode_resize(&s->rl);
	}
	return true;
}

enum { PFD_SIG, PFD_SOCK, PFD_STDIN };

/* The fds to wait for; stdin only while input is wanted. */
static nfds_t poll_set(const struct session *s, struct pollfd pfd[3])
{
	pfd[PFD_SIG] = (struct pollfd){.fd = s->sigs.fd, .events = POLLIN};
	pfd[PFD_SOCK] = (struct pollfd){
		.fd = s->sock_fd,
		.events = (short)(POLLIN | (s->sendq.len > 0 ? POLLOUT : 0)),
	};
	if (!s->stdin_open || !sendq_wants_input(&s->sendq))
		return PFD_STDIN;
	pfd[PFD_STDIN] = (struct pollfd){.fd = STDIN_FILENO, .events = POLLIN};
	return PFD_STDIN + 1;
}

void session_run(struct session *s)
{
	while (s->end == END_NONE) {
		struct pollfd pfd[3];
		nfds_t nfds = poll_set(s, pfd);
		if (poll(pfd, nfds, resize_timeout_ms(&s->resize)) < 0) {
			if (errno == EINTR)
				continue;
			diag_err("poll: %s", strerror(errno));
			s->end = END_ERROR;
			return;
		}
		if (pfd[PFD_SIG].revents & POLLIN)
			sigwatch_drain(&s->sigs);
		if (!handle_signals(s))
			continue;
		resize_tick(&s->resize);
		short sr = pfd[PFD_SOCK].revents;
		if (sr & (POLLIN | POLLHUP | POLLERR))
			handle_output(s);
		if (s->sigs.term_signal)
			s->end = END_SIGNAL;
		if (s->end != END_NONE)
			return;
		if ((sr & POLLOUT) && s->sendq.len > 0)
			sendq_flush(&s->sendq);
		if (nfds > PFD_STDIN && (pfd[PFD_STDIN].revents & (POLLIN | POLLHUP | POLLERR)))
			handle_input(s);
	}
}

/* ---- the way out ---- */

static void notice(const char *msg)
{
	dprintf(STDERR_FILENO, "%s: %s\n", ATTACH_PROG, msg);
}

/* The shim closed the connection: the exit code, or why there is none. */
static int connection_ended(struct session *s, int exit_timeout_ms)
{
	int status;
	enum exitwatch_end end = exitwatch_wait(&s->exitw, &s->peer, &s->sigs, exit_timeout_ms, &status);
	if (end == EXITWATCH_CODE || end == EXITWATCH_SIGNAL)
		return status;
	struct endnote_facts f = {
		.end = end,
		.exit_path = s->exitw.path,
		.peer = &s->peer,
		.tty_container = s->tty_container,
		.exit_timeout_ms = exit_timeout_ms,
	};
	return endnote_explain(&f);
}

/* Every way out: readline first (it has its own terminal state), then our
 * saved settings, then a message, then the exit status. */
int session_finish(struct session *s, int exit_timeout_ms)
{
	rlmode_stop(&s->rl);
	if (s->end == END_DETACH) {
		sendq_flush(&s->sendq);
		if (shutdown(s->sock_fd, SHUT_WR) < 0 && errno != ENOTCONN)
			diag_warn("attach: shutdown: %s", strerror(errno));
	}
	close_fd(&s->sock_fd);
	term_restore();
	switch (s->end) {
	case END_DETACH:
		if (s->mode == INPUT_RAW)
			output_write(&s->sigs, STDERR_FILENO, "\n", 1);
		notice("detached");
		return 0;
	case END_EOF:
		return connection_ended(s, exit_timeout_ms);
	case END_SIGNAL:
		return 128 + s->sigs.term_signal;
	case END_STDOUT_GONE:
		return ATTACH_EXIT_STDOUT_GONE;
	case END_HANGUP:
		return 128 + SIGHUP;
	case END_ERROR:
	case END_NONE:
	default:
		return ATTACH_EXIT_UNKNOWN;
	}
}

void session_free(struct session *s)
{
	close_fd(&s->sock_fd);
	close_fd(&s->tty_in_fd);
	sigwatch_close(&s->sigs);
	peer_free(&s->peer);
	exitwatch_free(&s->exitw);
	resize_free(&s->resize);
	sendq_free(&s->sendq);
	bundle_free(&s->bundle);
}
