/* termmodes: a small scanner that follows, in a terminal's output, the state
 * a terminal keeps besides its cells: the DEC private modes (alternate
 * screen, cursor visibility and keys, mouse and focus reporting, bracketed
 * paste), the application keypad, the scroll region, the G0 character set
 * and the window title. Sequences may be split anywhere across calls.
 *
 * Two users: the attach client turns off, on every way out, exactly the
 * modes a container left on; the shim's screen model (screen.h) turns them
 * on again in a repaint, since its parser keeps them to itself. It costs a
 * byte-wise switch and no allocation, so it may run on the output path. */
#ifndef PTYSHIM_TERMMODES_H
#define PTYSHIM_TERMMODES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TERM_TITLE_MAX 256

struct term_modes {
	uint32_t on;           /* TERM_MODE_* bits currently set by the output */
	unsigned scroll_top;   /* DECSTBM, 1-based; 0 when no region is set */
	unsigned scroll_bottom;
	bool g0_graphics;      /* ESC ( 0: G0 is DEC line drawing */
	char title[TERM_TITLE_MAX]; /* the last OSC 0/2 title, NUL-terminated */
	/* parser state */
	int state;
	bool osc_title;        /* the current OSC sets the title */
	unsigned osc_num;
	unsigned osc_len;
	char osc_buf[TERM_TITLE_MAX];
	unsigned params[16];   /* parameters of the current CSI */
	unsigned nparams;
	bool csi_private;      /* "?" after CSI */
	bool csi_other;        /* any other prefix or intermediate: not ours */
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

#define TERM_MODE_ALTSCREEN (TERM_MODE_ALT47 | TERM_MODE_ALT1047 | TERM_MODE_ALT1049)

void term_modes_init(struct term_modes *m);
/* Follows output bytes. */
void term_modes_feed(struct term_modes *m, const void *buf, size_t len);
/* The terminal was resized: xterm drops the scroll region then. */
void term_modes_resized(struct term_modes *m);

/* Writes the sequence that turns every mode in m->on off (NUL-terminated,
 * truncated to cap). Returns its length; 0 when nothing is on. */
size_t term_modes_reset_seq(const struct term_modes *m, char *buf, size_t cap);
/* Writes the sequence that turns the modes in m->on (except the alternate
 * screen and the cursor's visibility, which a repaint orders itself) on, on
 * a terminal in its default state. Same conventions. */
size_t term_modes_set_seq(const struct term_modes *m, char *buf, size_t cap);

#endif
