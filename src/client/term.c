/* term: raw mode for the attach client and the promise to undo it, plus a
 * small parser that follows the DEC private modes in the output so that a
 * container that dies (or is detached from) in vi's alternate screen with
 * the mouse on does not leave the user's terminal that way. Only modes seen
 * turned on are turned off: an unconditional "leave alternate screen" would
 * move the cursor on terminals that restore a saved cursor with it. */
#include "client/term.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

enum {
	TM_GROUND = 0,
	TM_ESC,      /* after ESC */
	TM_CSI,      /* after ESC [ , before any parameter byte */
	TM_CSI_PRIV, /* after ESC [ ? : collecting DEC private parameters */
	TM_CSI_SKIP, /* another CSI: skipped up to its final byte */
	TM_STRING,   /* OSC/DCS/APC/PM/SOS: skipped up to BEL or ST */
	TM_STRING_ESC,
};

#define TM_PARAM_MAX 100000u

static const struct {
	unsigned num;
	uint32_t bit;
	bool on_when_set; /* false: the mode counts as "on" when reset (?7l, ?25l) */
} term_mode_table[] = {
	{1, TERM_MODE_CKM, true},         {7, TERM_MODE_NOWRAP, false},
	{25, TERM_MODE_HIDDEN, false},    {47, TERM_MODE_ALT47, true},
	{1047, TERM_MODE_ALT1047, true},  {1049, TERM_MODE_ALT1049, true},
	{9, TERM_MODE_MOUSE9, true},      {1000, TERM_MODE_MOUSE1000, true},
	{1001, TERM_MODE_MOUSE1001, true}, {1002, TERM_MODE_MOUSE1002, true},
	{1003, TERM_MODE_MOUSE1003, true}, {1005, TERM_MODE_MOUSE1005, true},
	{1006, TERM_MODE_MOUSE1006, true}, {1015, TERM_MODE_MOUSE1015, true},
	{1016, TERM_MODE_MOUSE1016, true}, {1004, TERM_MODE_FOCUS, true},
	{2004, TERM_MODE_PASTE, true},
};

void term_modes_init(struct term_modes *m)
{
	memset(m, 0, sizeof(*m));
	m->state = TM_GROUND;
}

static void term_modes_apply(struct term_modes *m, bool set)
{
	for (unsigned i = 0; i < m->nparams; i++)
		for (size_t j = 0; j < sizeof(term_mode_table) / sizeof(term_mode_table[0]); j++) {
			if (term_mode_table[j].num != m->params[i])
				continue;
			if (set == term_mode_table[j].on_when_set)
				m->on |= term_mode_table[j].bit;
			else
				m->on &= ~term_mode_table[j].bit;
		}
}

void term_modes_feed(struct term_modes *m, const void *buf, size_t len)
{
	const unsigned char *p = buf;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = p[i];
		switch (m->state) {
		case TM_GROUND:
			if (c == 0x1b)
				m->state = TM_ESC;
			break;
		case TM_ESC:
			m->state = TM_GROUND;
			if (c == '[') {
				m->state = TM_CSI;
				m->nparams = 0;
			} else if (c == ']' || c == 'P' || c == '_' || c == '^' || c == 'X') {
				m->state = TM_STRING;
			} else if (c == '=') {
				m->on |= TERM_MODE_KEYPAD;
			} else if (c == '>') {
				m->on &= ~TERM_MODE_KEYPAD;
			} else if (c == 'c') {
				/* RIS: the terminal resets everything itself. */
				m->on = 0;
			} else if (c == 0x1b) {
				m->state = TM_ESC;
			}
			break;
		case TM_CSI:
			if (c == '?') {
				m->state = TM_CSI_PRIV;
				m->nparams = 1;
				m->params[0] = 0;
				break;
			}
			m->state = TM_CSI_SKIP;
			/* fall through */
		case TM_CSI_SKIP:
			if (c >= 0x40 && c <= 0x7e)
				m->state = TM_GROUND;
			else if (c == 0x1b)
				m->state = TM_ESC;
			else if (c == 0x18 || c == 0x1a)
				m->state = TM_GROUND; /* CAN/SUB abort a sequence */
			break;
		case TM_CSI_PRIV:
			if (c >= '0' && c <= '9') {
				unsigned *v = &m->params[m->nparams - 1];
				if (*v < TM_PARAM_MAX)
					*v = *v * 10 + (unsigned)(c - '0');
			} else if (c == ';') {
				if (m->nparams < sizeof(m->params) / sizeof(m->params[0]))
					m->params[m->nparams++] = 0;
				else
					m->state = TM_CSI_SKIP; /* absurdly long: ignore it */
			} else if (c == 'h' || c == 'l') {
				term_modes_apply(m, c == 'h');
				m->state = TM_GROUND;
			} else if (c == 0x1b) {
				m->state = TM_ESC;
			} else if (c >= 0x40 && c <= 0x7e) {
				m->state = TM_GROUND; /* ?..s, ?..r (save/restore) etc.: not tracked */
			} else if (c == 0x18 || c == 0x1a) {
				m->state = TM_GROUND;
			} else {
				m->state = TM_CSI_SKIP;
			}
			break;
		case TM_STRING:
			if (c == 0x07 || c == 0x18 || c == 0x1a)
				m->state = TM_GROUND;
			else if (c == 0x1b)
				m->state = TM_STRING_ESC;
			break;
		case TM_STRING_ESC:
			/* ESC \ is the string terminator; any other ESC starts a new sequence. */
			m->state = c == '\\' ? TM_GROUND : TM_STRING;
			if (c == '[') {
				m->state = TM_CSI;
				m->nparams = 0;
			}
			break;
		default:
			m->state = TM_GROUND;
			break;
		}
	}
}

size_t term_modes_reset_seq(const struct term_modes *m, char *buf, size_t cap)
{
	/* Leave the alternate screen first so the rest lands on the user's screen. */
	static const struct {
		uint32_t bit;
		const char *seq;
	} resets[] = {
		{TERM_MODE_ALT1049, "\033[?1049l"}, {TERM_MODE_ALT1047, "\033[?1047l"},
		{TERM_MODE_ALT47, "\033[?47l"},     {TERM_MODE_MOUSE9, "\033[?9l"},
		{TERM_MODE_MOUSE1000, "\033[?1000l"}, {TERM_MODE_MOUSE1001, "\033[?1001l"},
		{TERM_MODE_MOUSE1002, "\033[?1002l"}, {TERM_MODE_MOUSE1003, "\033[?1003l"},
		{TERM_MODE_MOUSE1005, "\033[?1005l"}, {TERM_MODE_MOUSE1006, "\033[?1006l"},
		{TERM_MODE_MOUSE1015, "\033[?1015l"}, {TERM_MODE_MOUSE1016, "\033[?1016l"},
		{TERM_MODE_FOCUS, "\033[?1004l"},   {TERM_MODE_PASTE, "\033[?2004l"},
		{TERM_MODE_CKM, "\033[?1l"},        {TERM_MODE_KEYPAD, "\033>"},
		{TERM_MODE_NOWRAP, "\033[?7h"},     {TERM_MODE_HIDDEN, "\033[?25h"},
	};
	size_t len = 0;
	if (cap > 0)
		buf[0] = '\0';
	for (size_t i = 0; i < sizeof(resets) / sizeof(resets[0]); i++) {
		if (!(m->on & resets[i].bit))
			continue;
		size_t n = strlen(resets[i].seq);
		if (len + n + 1 > cap)
			break;
		memcpy(buf + len, resets[i].seq, n + 1);
		len += n;
	}
	return len;
}

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

/* A few bytes to a terminal; never waits long, since a terminal that does
 * not take them (hung up, flow-controlled) must not keep us from exiting. */
static void term_write_resets(const char *s, size_t len)
{
	int tries = 0;
	while (len > 0 && tries < 20) {
		ssize_t n = write(term.out_fd, s, len);
		if (n > 0) {
			s += n;
			len -= (size_t)n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN) {
			struct pollfd pfd = {.fd = term.out_fd, .events = POLLOUT};
			poll(&pfd, 1, 50);
			tries++;
			continue;
		}
		break;
	}
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
