/* screen: a model of one terminal's screen, fed with the same output chunks
 * that go to the log, so that a client that attaches, or that fell too far
 * behind, can be given the current screen instead of the whole history.
 *
 * Parsing is libtsm's (Debian libtsm-dev: 47-52 MB/s here against libvterm's
 * 12-16 at 200x50), which is still slower than a PTY can move bytes, so it
 * stays off the output path: screen_queue() only copies the bytes into a
 * bounded backlog and follows the modes (termmodes.h, a cheap scanner), and
 * the backlog is parsed when the loop has time (screen_catch_up) or when
 * someone needs the screen. A backlog that overflows keeps its newest bytes
 * and the model starts over from them (from the first line start in them):
 * what scrolled away unseen is not needed to paint the screen, except what
 * a full-screen program drew long ago and never redrew; that much may be
 * lost under a flood, and the next redraw of the program mends it.
 *
 * Memory: libtsm keeps about 65 bytes a cell (both screens); the model is
 * refused for more than SCREEN_MAX_CELLS cells (about 16 MB), and the
 * backlog holds at most max(256 KiB, 16 bytes a cell); both are freed while
 * the model sleeps (screen_sleep). */
#ifndef PTYSHIM_SCREEN_H
#define PTYSHIM_SCREEN_H

#include <stdbool.h>
#include <stddef.h>

#include "screen/termmodes.h"

#define SCREEN_MAX_ROWS 1000
#define SCREEN_MAX_COLS 1000
#define SCREEN_MAX_CELLS 250000
#define SCREEN_LIMIT_TEXT "1000 rows, 1000 columns, 250000 cells"

struct screen;

/* NULL with errno EINVAL when the size is 0 or over the limits above
 * (screen_size_error says why, for a message), ENOMEM when libtsm fails. */
struct screen *screen_new(unsigned rows, unsigned cols);
void screen_free(struct screen *s);

/* Why a size is refused, to follow "ROWSxCOLS " in a message ("is over the
 * screen model's limit (…)"), or NULL when the size is fine. */
const char *screen_size_error(unsigned rows, unsigned cols);

/* The terminal was resized. Parses the backlog first: bytes written before a
 * resize were drawn at the old size. -1 with errno EINVAL (size refused: the
 * model keeps its old size) or ENOMEM. */
int screen_resize(struct screen *s, unsigned rows, unsigned cols);
void screen_get_size(const struct screen *s, unsigned *rows, unsigned *cols);

/* Output bytes: copied into the backlog, modes followed. Never parses. */
void screen_queue(struct screen *s, const void *buf, size_t len);
/* Whether any output was ever queued: a screen nothing was written to needs
 * no repaint (painting it would only clear the client's terminal). */
bool screen_written(const struct screen *s);
/* Bytes queued and not parsed yet. */
size_t screen_backlog(const struct screen *s);
/* Parses up to budget bytes of the backlog (all of it: SIZE_MAX). */
void screen_catch_up(struct screen *s, size_t budget);

/* What a terminal of the same size needs, from any state a shell leaves it
 * in, to show the current screen: the alternate screen if one is on, every
 * cell with its attributes, the scroll region, the cursor and its visibility,
 * the modes, the title. Parses the whole backlog first. Allocated; *len set. */
char *screen_repaint(struct screen *s, size_t *len);

/* The screen as lines of text, like `tmux capture-pane -p` (trailing blanks
 * and blank lines at the end left out); with colours, SGR sequences as
 * `capture-pane -e` gives them. Parses the backlog first. Allocated. */
char *screen_text(struct screen *s, bool colours, size_t *len);

/* An idle model may sleep: libtsm's cells (about 65 bytes each, both
 * screens) are freed and the screen kept as its repaint, a few kilobytes;
 * the next parse, resize, repaint or text rebuilds it from that repaint
 * (which the tests check paints the same screen). Refused (false) while
 * bytes wait in the backlog or the alternate screen is on: a repaint holds
 * only the screen shown, and the main one would be lost. */
bool screen_sleep(struct screen *s);
bool screen_asleep(const struct screen *s);

/* The modes as of the last queued byte. */
const struct term_modes *screen_modes(const struct screen *s);

#endif
