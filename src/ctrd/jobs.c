#include "ctrd/jobs.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "base/diag.h"
#include "base/util.h"

#define ERR_LEN 512
/* Exits kept for a spawning job: its own process's among the orphans a
 * subreaper collects meanwhile. */
#define EXITS_MAX 64

struct exit_note {
	struct exit_note *next;
	pid_t pid;
	int status;
};

static void run_next(struct job_queue *q);

static void on_deadline(struct loop_timer *t)
{
	struct job_queue *q = t->ctx;
	if (q->call.pid <= 0)
		return;
	diag_warn("runc %s: past the request's deadline; killing it", q->call.what);
	q->timed_out = true;
	kill(q->call.pid, SIGKILL);
}

void jobs_init(struct job_queue *q, struct loop *loop, const struct runc *runc, void *ctx)
{
	*q = (struct job_queue){.loop = loop, .runc = runc, .ctx = ctx};
	q->call.log_fd = q->call.out_fd = -1;
	loop_timer_init(&q->deadline, on_deadline, q);
}

static void job_free(struct job *j)
{
	if (j->msg)
		protobuf_c_message_free_unpacked(j->msg, NULL);
	free(j);
}

static void forget_exits(struct job_queue *q)
{
	while (q->exits) {
		struct exit_note *e = q->exits;
		q->exits = e->next;
		free(e);
	}
}

void jobs_submit(struct job_queue *q, const struct job_kind *kind, const struct rpc_target *to,
		 ProtobufCMessage *msg, bool first)
{
	struct job *j = xcalloc(1, sizeof(*j));
	j->kind = kind;
	j->to = *to;
	j->msg = msg;
	if (first) {
		j->next = q->waiting;
		q->waiting = j;
		if (!q->waiting_tail)
			q->waiting_tail = j;
	} else {
		if (q->waiting_tail)
			q->waiting_tail->next = j;
		else
			q->waiting = j;
		q->waiting_tail = j;
	}
	run_next(q);
}

static struct job *pop_waiting(struct job_queue *q)
{
	struct job *j = q->waiting;
	q->waiting = j->next;
	if (!q->waiting)
		q->waiting_tail = NULL;
	j->next = NULL;
	return j;
}

/* Starts the job's runc; false when the job is over already (its begin
 * answered, or runc could not start). */
static bool start_job(struct job_queue *q, struct job *j)
{
	struct runc_step step = {.stdio = {-1, -1, -1}};
	if (!j->kind->begin(q->ctx, j, &step))
		return false;
	char err[ERR_LEN];
	if (runc_start(q->runc, step.args, step.stdio, j->kind->capture, &q->call, err, sizeof(err)) < 0) {
		struct job_result r = {.rc = -1, .code = RPC_UNKNOWN, .err = err};
		j->kind->end(q->ctx, j, &r);
		return false;
	}
	q->timed_out = false;
	if (j->to.deadline_ns > 0) {
		int64_t left_ms = (j->to.deadline_ns - mono_ns()) / 1000000;
		loop_timer_arm(q->loop, &q->deadline, left_ms > 0 ? left_ms : 0);
	}
	return true;
}

static void run_next(struct job_queue *q)
{
	while (!q->running && q->waiting) {
		struct job *j = pop_waiting(q);
		if (start_job(q, j)) {
			q->running = j;
			return;
		}
		job_free(j);
	}
	if (!q->running)
		forget_exits(q);
}

bool jobs_reaped(struct job_queue *q, pid_t pid, int wait_status)
{
	if (!q->running || pid != q->call.pid)
		return false;
	struct job *j = q->running;
	loop_timer_disarm(q->loop, &q->deadline);
	char err[ERR_LEN] = "";
	char *out = NULL;
	struct job_result r = {.code = RPC_UNKNOWN, .err = err};
	r.rc = runc_finish(&q->call, wait_status, j->kind->capture ? &out : NULL, err, sizeof(err));
	if (q->timed_out) {
		snprintf(err, sizeof(err), "runc %s: timed out", j->kind->name);
		r.rc = -1;
		r.code = RPC_DEADLINE_EXCEEDED;
	}
	r.out = out;
	/* The next job may start from within end (the running slot is free),
	 * but only after this one has answered. */
	q->running = NULL;
	j->kind->end(q->ctx, j, &r);
	free(out);
	job_free(j);
	run_next(q);
	return true;
}

void jobs_note_exit(struct job_queue *q, pid_t pid, int wait_status)
{
	if (!q->running || !q->running->kind->spawns)
		return;
	size_t n = 0;
	struct exit_note **pp = &q->exits;
	for (; *pp; pp = &(*pp)->next)
		n++;
	if (n >= EXITS_MAX) { /* the oldest goes: a job's own exit is a recent one */
		struct exit_note *old = q->exits;
		q->exits = old->next;
		free(old);
	}
	struct exit_note *e = xcalloc(1, sizeof(*e));
	e->pid = pid;
	e->status = wait_status;
	for (pp = &q->exits; *pp; pp = &(*pp)->next)
		;
	*pp = e;
}

bool jobs_claim_exit(struct job_queue *q, pid_t pid, int *wait_status)
{
	for (struct exit_note **pp = &q->exits; *pp; pp = &(*pp)->next) {
		struct exit_note *e = *pp;
		if (e->pid != pid)
			continue;
		*wait_status = e->status;
		*pp = e->next;
		free(e);
		return true;
	}
	return false;
}

bool jobs_busy(const struct job_queue *q)
{
	return q->running || q->waiting;
}

void jobs_free(struct job_queue *q)
{
	loop_timer_disarm(q->loop, &q->deadline);
	if (q->running) {
		kill(q->call.pid, SIGKILL);
		int status = 0;
		while (waitpid(q->call.pid, &status, 0) < 0 && errno == EINTR)
			;
		char err[ERR_LEN];
		runc_finish(&q->call, status, NULL, err, sizeof(err));
		job_free(q->running);
		q->running = NULL;
	}
	while (q->waiting)
		job_free(pop_waiting(q));
	forget_exits(q);
}
