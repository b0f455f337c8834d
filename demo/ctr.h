/* ctr: one container as its files tell it: the record ptyman keeps in
 * STATE/ctr/NAME/ptyman.json (what was asked for, and the pid the shim
 * reported), and its status, read from the exit file and the shim's pid
 * file every time, never remembered. */
#ifndef PTYMAN_CTR_H
#define PTYMAN_CTR_H

#include <stdbool.h>

#include "ptyman.h"
#include "ptyman_words.h"

/* What ptyman.json records about one container. */
struct ctr {
	char *name;
	char *dir;
	bool host; /* runtime-less: run on this host by ptyshim --no-runtime */
	bool tty;
	bool stdin_open;
	bool started;
	int pid; /* from the sync message */
	struct words cmd;
};

/* How long a stopping container's shim may take to end. */
#define STOP_TIMEOUT_MS (10 * 1000)

enum ctr_status { ST_CREATED, ST_RUNNING, ST_EXITED, ST_GONE };

void ctr_free(struct ctr *c);

/* Writes c's record atomically. 0, or -1 with the error printed. */
int ctr_record_write(const struct ptyman *pm, const struct ctr *c);
/* 0, or -1 when the container does not exist or its record is unreadable
 * (quiet when it does not exist and quiet is set). */
int ctr_record_read(const struct ptyman *pm, const char *name, struct ctr *c, bool quiet);

/* The exit file says exited (*code set, EXITFILE_TIMED_OUT included); a live
 * shim (its pid file, checked against its command line) says running or
 * created; neither says gone. */
enum ctr_status ctr_status(const struct ptyman *pm, const struct ctr *c, int *code);
/* "running", "exited (3)", "timed out (255)", …; allocated. */
char *ctr_status_text(enum ctr_status st, int code);
/* Whether the exit file holds a code, in *code. */
bool ctr_exit_code(const struct ptyman *pm, const struct ctr *c, int *code);
/* The shim's pid from its pid file (conmon.pid), or 0. */
int ctr_shim_pid(const struct ptyman *pm, const struct ctr *c);
/* Whether pid is still c's shim: alive, not a zombie (this machine's init
 * does not reap orphans, so a dead shim can linger as one), and naming c's
 * directory in its command line (against pid reuse). */
bool ctr_shim_alive(const struct ctr *c, int pid);

/* A container that exists and runs (for attach, exec and kill); otherwise
 * -1 with "CMD: NAME is not running: STATUS" printed. */
int ctr_get_running(const struct ptyman *pm, const char *cmd, const char *name, struct ctr *c);
/* Waits for the exit file, at most cap_ms (-1: no limit), napping so that
 * ^C ends the wait. 0 with *code, or -1 (gone, interrupted, timed out). */
int ctr_wait_exit(struct ptyman *pm, const struct ctr *c, int cap_ms, int *code);
/* kill(2) for a host command, runc kill for a container. 0 or 1 (printed). */
int ctr_signal(const struct ptyman *pm, const struct ctr *c, int sig);
/* Removes the container's directory and exit file. */
void ctr_remove_files(const struct ptyman *pm, const struct ctr *c);

#endif
