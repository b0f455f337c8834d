/* term: raw mode for the client tools and the promise to undo it; the
 * output is followed by screen/termmodes so that a container that dies (or
 * is detached from) in vi's alternate screen with the mouse on does not
 * leave the user's terminal that way. */
#include "client/term.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#include "base/util.h"

static struct {
	int in_fd, out_fd;
	bool have_tty;     /* in_fd is a terminal and orig holds its settings */
	bool out_tty;      /* out_fd is a terminal: track modes, send resets */
	bool changed;      /* we changed in_fd's settings since the last restore */
	bool atexit_done;
	struct termios orig;
	struct term_modes modes;
} term = {.in_fd = -1, .out_fd = -1};

static void term_atexit(void)
{
	term_restore();
}

int term_init(int in_fd, int out_fd)
{
	term.in_fd = in_fd;
	term.out_fd = out_fd;
	term.have_tty = false;
	term.out_tty = isatty(out_fd) == 1;
	term_modes_init(&term.modes);
	if (!term.atexit_done) {
		atexit(term_atexit);
		term.atexit_done = true;
	}
	if (isatty(in_fd) != 1)
		return 0;
	if (tcgetattr(in_fd, &term.orig) < 0)
		return -1;
	term.have_tty = true;
	return 0;
}

bool term_have_tty(void)
{
	return term.have_tty;
}

/* The saved settings with one key at a time: raw (cfmakeraw), or with only
 * line editing and echo off. */
static int term_take(bool raw)
{
	if (!term.have_tty) {
		errno = ENOTTY;
		return -1;
	}
	struct termios t = term.orig;
	if (raw)
		cfmakeraw(&t);
	else
		t.c_lflag &= ~(tcflag_t)(ICANON | ECHO);
	t.c_cc[VMIN] = 1;
	t.c_cc[VTIME] = 0;
	/* Mark first: a signal path that restores between the two lines must not skip. */
	term.changed = true;
	if (tcsetattr(term.in_fd, TCSANOW, &t) < 0)
		return -1;
	return 0;
}

int term_raw(void)
{
	return term_take(true);
}

int term_keys(void)
{
	return term_take(false);
}

bool term_changed(void)
{
	return term.changed;
}

int term_no_flow_control(void)
{
	if (!term.have_tty) {
		errno = ENOTTY;
		return -1;
	}
	struct termios t;
	if (tcgetattr(term.in_fd, &t) < 0)
		return -1;
	if (!(t.c_iflag & IXON))
		return 0;
	t.c_iflag &= ~(tcflag_t)IXON;
	term.changed = true;
	return tcsetattr(term.in_fd, TCSANOW, &t);
}

void term_will_change(void)
{
	if (term.have_tty)
		term.changed = true;
}

void term_track_output(const void *buf, size_t len)
{
	if (term.out_tty)
		term_modes_feed(&term.modes, buf, len);
}

/* 20 waits of 50 ms in all, then no more tries. */
static int wait_briefly(int fd, void *ctx)
{
	int *tries = ctx;
	struct pollfd pfd = {.fd = fd, .events = POLLOUT};
	poll(&pfd, 1, 50);
	return ++*tries < 20 ? 0 : -1;
}

/* A few bytes to a terminal; never waits long, since a terminal that does
 * not take them (hung up, flow-controlled) must not keep us from exiting. */
static void term_write_resets(const char *s, size_t len)
{
	int tries = 0;
	write_all_waiting(term.out_fd, s, len, wait_briefly, &tries);
}

void term_restore(void)
{
	int saved_errno = errno;
	if (term.have_tty && term.changed) {
		/* TCSANOW: draining first could wait forever on a stuck terminal. */
		tcsetattr(term.in_fd, TCSANOW, &term.orig);
		term.changed = false;
	}
	if (term.out_tty && term.modes.on) {
		char seq[256];
		size_t n = term_modes_reset_seq(&term.modes, seq, sizeof(seq));
		term_write_resets(seq, n);
	}
	term_modes_init(&term.modes);
	errno = saved_errno;
}

int term_winsize(int fd, unsigned short *rows, unsigned short *cols)
{
	struct winsize ws;
	if (ioctl(fd, TIOCGWINSZ, &ws) < 0)
		return -1;
	if (ws.ws_row == 0 || ws.ws_col == 0) {
		errno = ERANGE;
		return -1;
	}
	*rows = ws.ws_row;
	*cols = ws.ws_col;
	return 0;
}
