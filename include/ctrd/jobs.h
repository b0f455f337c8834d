/* jobs: the task service's runc calls. Requests that need runc (create,
 * start, kill, delete, ps, pause, resume) become jobs of a queue (the
 * container's, or an exec's own for its start), run one at a time in the
 * order they came, while the loop goes on: State, Wait, output, input
 * and exits are served while runc runs. A job's begin checks the state its
 * request needs when its turn comes (answering and giving up when it does
 * not hold) and says what runc to run; its end answers from runc's result.
 * A request's deadline (ttrpc's timeout) kills a runc that outlives it.
 *
 * While runc starts a process (create, exec) its pid is known only from
 * the pid file, after runc exits, and the process may be gone already: the
 * exits of pids nobody knows are kept meanwhile, for the job to claim. */
#ifndef PTYSHIM_CTRD_JOBS_H
#define PTYSHIM_CTRD_JOBS_H

#include <limits.h>
#include <protobuf-c/protobuf-c.h>
#include <stdbool.h>

#include "base/loop.h"
#include "ctrd/runc.h"
#include "ctrd/server.h"

struct job;
struct exit_note;

/* What begin asks runc to do. */
struct runc_step {
	const char *args[24];     /* NULL-terminated */
	int stdio[3];             /* -1: /dev/null */
	char pid_file[PATH_MAX];  /* storage for args that need it */
	char signal[16];
};

struct job_result {
	int rc;             /* 0: runc exited 0 */
	enum rpc_code code; /* the answer to give when rc < 0 */
	const char *err;    /* one line, when rc < 0 */
	const char *out;    /* runc's stdout, when the kind captures it */
};

struct job_kind {
	const char *name;
	bool (*begin)(void *ctx, struct job *j, struct runc_step *step);
	void (*end)(void *ctx, struct job *j, const struct job_result *r);
	bool capture; /* runc's stdout is the answer's material */
	bool spawns;  /* runc starts a process (create, exec) */
};

struct job {
	struct job *next;
	const struct job_kind *kind;
	struct rpc_target to; /* conn_id 0: the shim's own job, nobody to answer */
	ProtobufCMessage *msg; /* the request, owned; NULL for the shim's own */
	void *proc;            /* what begin picked, for end */
};

struct job_queue {
	struct loop *loop;
	const struct runc *runc;
	void *ctx;
	struct job *waiting, *waiting_tail;
	struct job *running;
	struct runc_call call;
	struct loop_timer deadline;
	bool timed_out;
	struct exit_note *exits; /* unclaimed, while a spawning job runs */
};

void jobs_init(struct job_queue *q, struct loop *loop, const struct runc *runc, void *ctx);
/* Takes msg. first: ahead of every waiting job (the shim's own clean-up). */
void jobs_submit(struct job_queue *q, const struct job_kind *kind, const struct rpc_target *to,
		 ProtobufCMessage *msg, bool first);
/* A child was reaped: true when it was the running job's runc. */
bool jobs_reaped(struct job_queue *q, pid_t pid, int wait_status);
/* An exit of a pid no process claims: kept while a spawning job runs. */
void jobs_note_exit(struct job_queue *q, pid_t pid, int wait_status);
/* The kept exit of pid, if any (it is forgotten then). */
bool jobs_claim_exit(struct job_queue *q, pid_t pid, int *wait_status);
/* Whether a job is running or waiting. */
bool jobs_busy(const struct job_queue *q);
/* At the shim's end: kills a running runc and waits for it, drops every
 * job unanswered. */
void jobs_free(struct job_queue *q);

#endif
