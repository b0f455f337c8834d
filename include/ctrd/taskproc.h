/* taskproc: one process of the task, the container's init (exec id "") or
 * an exec. Owns its stdio: containerd's fifos on one side and, on the
 * other, pipes or the PTY master (shim/ctrio) between them and the
 * container. Output goes out through outfifo (never waiting for a reader);
 * a terminal's output also feeds a screen model (shim/ttyscreen), so a
 * reader that fell behind, or a client that attaches (`ctr task attach`),
 * gets the current screen. The stdin fifo is held open for writing by the
 * shim too, as the Go shim holds it, so a client leaving (ctr exits,
 * containerd restarts) is never the end of the input: CloseIO is. */
#ifndef PTYSHIM_CTRD_TASKPROC_H
#define PTYSHIM_CTRD_TASKPROC_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include <time.h>

#include "base/loop.h"
#include "ctrd/jobs.h"

struct ctr_stdio;
struct outfifo;
struct ttyscreen;

enum taskproc_state {
	TASKPROC_CREATED,
	TASKPROC_RUNNING,
	TASKPROC_STOPPED,
};

struct taskproc {
	struct taskproc *next;
	struct loop *loop;
	char *exec_id; /* "" for init */
	bool terminal;
	char *stdin_path, *stdout_path, *stderr_path; /* "" when absent */
	char *spec_path;                              /* an exec's process.json */
	pid_t pid;
	enum taskproc_state state;
	int exit_code;
	struct timespec exited_at;
	bool starting;         /* a start is under way: an exit waits for it */
	bool exit_pending;     /* … and one came: its wait status */
	int pending_status;
	struct ctr_stdio *io;
	struct outfifo *out, *err; /* err may be out (one file for both) */
	struct ttyscreen *screen;
	char *screen_socket; /* where the screen answers snapshots (terminals) */
	int in_fifo;
	int in_hold; /* our write end of the stdin fifo, until CloseIO */
	struct watch in_w;
	int console_fd; /* listening; the PTY master arrives on it */
	char *console_path;
	int child_fds[3]; /* the container's ends of the pipes, until runc has them */
	struct job_queue jobs; /* an exec's own runc calls (its start) */
};

/* runc and ctx: for the process's own jobs. */
struct taskproc *taskproc_new(struct loop *loop, const char *exec_id, bool terminal, const char *in,
			      const char *out, const char *err, const struct runc *runc, void *ctx);
void taskproc_free(struct taskproc *p);

/* Before runc create/exec: opens the fifos, makes the pipes or the console
 * socket, and for a terminal its screen model, answering snapshots at
 * screen_socket (`ptyshim-attach --snapshot`; none when NULL). 0, or -1
 * with err set. */
int taskproc_prepare_stdio(struct taskproc *p, const char *screen_socket, char *err, size_t errlen);
/* After runc succeeded: takes the PTY master (terminal) or closes the
 * container's pipe ends, and starts copying. 0, or -1 with err set. */
int taskproc_connect_stdio(struct taskproc *p, char *err, size_t errlen);

/* The process ended with a waitpid status. Its output keeps flowing until
 * the container's side of its stdio ends; each fifo is closed then, once
 * what is queued for it is out. */
void taskproc_exited(struct taskproc *p, int wait_status);

/* CloseIO: the input ends once what the clients wrote is read. */
void taskproc_close_stdin(struct taskproc *p);
void taskproc_resize(struct taskproc *p, unsigned rows, unsigned cols);
/* A client may have (re)attached to a terminal: it gets the current screen
 * after what is already on its way. */
void taskproc_attached(struct taskproc *p);

#endif
