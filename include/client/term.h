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

#include "screen/termmodes.h"

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
