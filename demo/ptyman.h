/* ptyman: a small container manager with a GNU readline prompt, built on the
 * three ptyshim programs (see ptyman.c for the whole picture).
 *
 * struct ptyman is the one session context: made by main, passed by pointer
 * to every module, never copied into file-level state. It holds what was
 * decided at startup (the state directory, the programs found, the mode)
 * and the little that changes while ptyman runs (quit, the signal fd). */
#ifndef PTYMAN_PTYMAN_H
#define PTYMAN_PTYMAN_H

#include <signal.h>
#include <stdbool.h>

#include "ptyman_words.h"
#include "state.h"

#define PROG "ptyman"
#define PROMPT "ptyman> "

/* The programs ptyman drives; NULL when not found (only the commands that
 * need one fail). All allocated. */
struct tools {
	char *shim, *attach, *logs;
	char *runtime; /* the OCI runtime (runc) */
	char *self;    /* this executable, re-run as the runtime-less gate */
};

struct ptyman {
	struct state state;
	struct tools tools;
	bool host;          /* runtime-less mode: commands run on this host */
	bool interactive;   /* readline on a terminal */
	bool echo;          /* print "ptyman> LINE" for lines read without readline */
	bool quit;          /* set by quit, SIGTERM, SIGHUP */
	struct words start; /* --start lines */
	int sig_fd;         /* signalfd of sigs; -1 before signals_setup */
	sigset_t sigs;      /* blocked in ptyman, read from sig_fd */
};

#endif
