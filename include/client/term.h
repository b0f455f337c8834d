/* term: a client tool's own terminal. Saves the termios of stdin once,
 * switches to raw mode, and puts everything back on every way out: the
 * caller's normal paths, exit() (atexit), and signal paths that the caller
 * routes here. Output written to the terminal is watched for the DEC private
 * modes a container may leave on (alternate screen, hidden cursor, bracketed
 * paste, mouse and focus reporting, application keys), and restoring turns
 * off exactly the ones that are still on.
 *
 * The terminal is a process-wide resource, so the saved state is module-wide
 * too: term_restore() must be callable from an atexit handler. */
#ifndef PTYSHIM_TERM_H
#define PTYSHIM_TERM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Output mode tracker; pure logic, usable on its own (tests do). */
struct term_modes {
	uint32_t on;           /* TERM_MODE_* bits currently set by the output */
	int state;             /* escape-sequence parser state */
	unsigned params[16];   /* DEC private parameters of the current CSI ? */
	unsigned nparams;
};

#define TERM_MODE_CKM       (1u << 0)  /* ?1: application cursor keys */
#define TERM_MODE_NOWRAP    (1u << 1)  /* ?7 reset: autowrap off */
#define TERM_MODE_HIDDEN    (1u << 2)  /* ?25 reset: cursor hidden */
#define TERM_MODE_ALT47     (1u << 3)  /* ?47: alternate screen */
#define TERM_MODE_ALT1047   (1u << 4)  /* ?1047: alternate screen */
#define TERM_MODE_ALT1049   (1u << 5)  /* ?1049: alternate screen + saved cursor */
#define TERM_MODE_MOUSE9    (1u << 6)  /* ?9: X10 mouse */
#define TERM_MODE_MOUSE1000 (1u << 7)  /* ?1000: button events */
#define TERM_MODE_MOUSE1001 (1u << 8)  /* ?1001: highlight tracking */
#define TERM_MODE_MOUSE1002 (1u << 9)  /* ?1002: button-motion events */
#define TERM_MODE_MOUSE1003 (1u << 10) /* ?1003: all-motion events */
#define TERM_MODE_MOUSE1005 (1u << 11) /* ?1005: UTF-8 coordinates */
#define TERM_MODE_MOUSE1006 (1u << 12) /* ?1006: SGR coordinates */
#define TERM_MODE_MOUSE1015 (1u << 13) /* ?1015: urxvt coordinates */
#define TERM_MODE_MOUSE1016 (1u << 14) /* ?1016: SGR pixel coordinates */
#define TERM_MODE_FOCUS     (1u << 15) /* ?1004: focus in/out events */
#define TERM_MODE_PASTE     (1u << 16) /* ?2004: bracketed paste */
#define TERM_MODE_KEYPAD    (1u << 17) /* ESC =: application keypad */

void term_modes_init(struct term_modes *m);
/* Follows output bytes; sequences may be split across calls. */
void term_modes_feed(struct term_modes *m, const void *buf, size_t len);
/* Writes the sequence that turns every mode in m->on off (NUL-terminated,
 * truncated to cap). Returns its length; 0 when nothing is on. */
size_t term_modes_reset_seq(const struct term_modes *m, char *buf, size_t cap);

/* Remembers in_fd's settings if it is a terminal (and whether out_fd is
 * one, to send mode resets there), and registers term_restore with atexit
 * (once). Returns 0, or -1 with errno when in_fd is a terminal that cannot
 * be read. Borrows both fds for the life of the process. */
int term_init(int in_fd, int out_fd);
/* Whether term_init found a terminal on in_fd. */
bool term_have_tty(void);
/* Raw mode (cfmakeraw) on in_fd. 0 or -1 with errno. */
int term_raw(void);
/* Keys one at a time without echo, and nothing else changed: ^C and ^Z
 * still signal and output is still processed (a viewer that only reads
 * single keys, such as ptyshim-logs --replay). 0 or -1 with errno. */
int term_keys(void);
/* Whether in_fd's settings are ours now (changed and not restored since):
 * what a SIGTSTP handler asks before it gives the terminal back, to know
 * whether to take it again on SIGCONT. Async-signal-safe. */
bool term_changed(void);
/* Turns off XON/XOFF flow control on in_fd (readline keeps it, and it would
 * swallow ctrl-q and ctrl-s before we read them). 0 or -1 with errno. */
int term_no_flow_control(void);
/* Someone else (readline) is about to change in_fd's settings: restore them
 * too when the time comes. */
void term_will_change(void);
/* Follows what is written to out_fd (see term_modes_feed). */
void term_track_output(const void *buf, size_t len);
/* Puts in_fd's saved settings back and resets the modes the output left on.
 * Idempotent and safe to call at any time, also before term_init. */
void term_restore(void);

/* The window size of fd; 0, or -1 with errno (also when it is 0x0). */
int term_winsize(int fd, unsigned short *rows, unsigned short *cols);

#endif
