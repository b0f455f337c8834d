/* prompt: the interactive prompt on GNU readline, in its callback mode so
 * that one poll loop serves the terminal and the signalfd (^C clears the
 * line, a resize redraws it), with history in STATE/history and completion
 * of commands, container names and signals.
 *
 * readline's callbacks (the line handler, the completion function and its
 * generators) get no context, so this module keeps one pointer,
 * prompt_active, to the running prompt's state: set by prompt_loop for as
 * long as it runs, NULL otherwise. Nothing else is module-wide. */
#ifndef PTYMAN_PROMPT_H
#define PTYMAN_PROMPT_H

#include "ptyman.h"

/* Reads STATE/history (at most HISTORY_MAX lines are kept). */
void prompt_history_load(const struct ptyman *pm);
/* Adds a non-blank line that differs from the last one, and appends it to
 * STATE/history when interactive. */
void prompt_history_note(const struct ptyman *pm, const char *line);
/* Reads and runs commands until quit, EOF (^D) or SIGTERM/SIGHUP. Every
 * command runs with readline's terminal settings undone, since it may hand
 * the terminal to ptyshim-attach or ptyshim-logs. */
void prompt_loop(struct ptyman *pm);

#endif
