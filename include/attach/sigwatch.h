/* sigwatch: the signals the attach client handles, taken through a signalfd
 * so the poll loop sees them like any other input: SIGWINCH (resize),
 * SIGTSTP (suspend), and SIGTERM, SIGHUP, SIGINT, SIGQUIT (the end). A
 * terminating signal ignored on entry (nohup, a background job of a shell
 * without job control) stays ignored, as in any shell. Draining records what
 * came; the loop acts on it and clears got_winch and got_tstp. */
#ifndef PTYSHIM_ATTACH_SIGWATCH_H
#define PTYSHIM_ATTACH_SIGWATCH_H

#include <stdbool.h>

struct sigwatch {
	int fd; /* the signalfd, owned; -1 when closed */
	bool got_winch;
	bool got_tstp;
	int term_signal; /* the first terminating signal, 0 while none */
};

/* Blocks the signals and opens the signalfd. 0, or -1 with errno. */
int sigwatch_open(struct sigwatch *sw);
/* Reads every pending signal. */
void sigwatch_drain(struct sigwatch *sw);
void sigwatch_close(struct sigwatch *sw);

#endif
