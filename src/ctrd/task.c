#include "ctrd/task.h"

#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/diag.h"
#include "base/util.h"
#include "ctrd/cgstats.h"
#include "ctrd/mounts.h"
#include "ctrd/pbmsg.h"
#include "ctrd/taskproc.h"
#include "github.com/containerd/containerd/api/events/task.pb-c.h"
#include "github.com/containerd/containerd/runtime/v2/task/shim.pb-c.h"
#include "google/protobuf/any.pb-c.h"
#include "base/pidfile.h"

#define TASK_SERVICE "containerd.task.v2.Task"
#define ERR_LEN 512

struct waiter {
	struct waiter *next;
	struct rpc_target to;
	char *exec_id;
};

/* Answers at once, or hands msg to a job (then returns true: the job owns it). */
typedef bool (*method_fn)(struct task_service *ts, const struct rpc_target *to, ProtobufCMessage *msg);

struct method {
	const char *name;
	const ProtobufCMessageDescriptor *request;
	method_fn fn;
};

static void reply_msg(struct task_service *ts, const struct rpc_target *to, const ProtobufCMessage *m)
{
	size_t n;
	uint8_t *b = pbmsg_pack(m, &n);
	server_reply(ts->srv, to, RPC_OK, NULL, b, n);
	free(b);
}

static void reply_empty(struct task_service *ts, const struct rpc_target *to)
{
	server_reply(ts->srv, to, RPC_OK, NULL, NULL, 0);
}

__attribute__((format(printf, 4, 5))) static void reply_err(struct task_service *ts, const struct rpc_target *to,
							  enum rpc_code code, const char *fmt, ...)
{
	char msg[ERR_LEN];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	server_reply(ts->srv, to, code, msg, NULL, 0);
}

static const char *proc_name(const struct task_service *ts, const struct taskproc *p)
{
	return p->exec_id[0] ? p->exec_id : ts->id;
}

static struct taskproc *find_proc(struct task_service *ts, const char *exec_id)
{
	for (struct taskproc *p = ts->procs; p; p = p->next)
		if (strcmp(p->exec_id, exec_id ? exec_id : "") == 0)
			return p;
	return NULL;
}

/* The process a request names, or a NOT_FOUND answer and NULL. */
static struct taskproc *need_proc(struct task_service *ts, const struct rpc_target *to, const char *exec_id)
{
	struct taskproc *p = find_proc(ts, exec_id);
	if (!p)
		reply_err(ts, to, RPC_NOT_FOUND, "process %s does not exist", exec_id && exec_id[0] ? exec_id : ts->id);
	return p;
}

/* need_proc, and the process must be in a state that allows the call:
 * in_state true (want is the one state allowed) or false (want is the one
 * refused); otherwise FAILED_PRECONDITION with "process ID why". */
static struct taskproc *need_proc_state(struct task_service *ts, const struct rpc_target *to, const char *exec_id,
					bool in_state, enum taskproc_state want, const char *why)
{
	struct taskproc *p = need_proc(ts, to, exec_id);
	if (p && (p->state == want) != in_state) {
		reply_err(ts, to, RPC_FAILED_PRECONDITION, "process %s %s", proc_name(ts, p), why);
		return NULL;
	}
	return p;
}

static void remove_proc(struct task_service *ts, struct taskproc *p)
{
	struct taskproc **pp = &ts->procs;
	while (*pp && *pp != p)
		pp = &(*pp)->next;
	if (*pp)
		*pp = p->next;
	taskproc_free(p);
}

static char *bundle_file(const struct task_service *ts, const char *name)
{
	return xasprintf("%s/%s", ts->bundle, name);
}

/* ------------------------------------------------------------ exits */

static void answer_waiters(struct task_service *ts, const struct taskproc *p);

static void publish_exit(struct task_service *ts, const struct taskproc *p)
{
	Containerd__Events__TaskExit ev = CONTAINERD__EVENTS__TASK_EXIT__INIT;
	Google__Protobuf__Timestamp at = pbmsg_timestamp(&p->exited_at);
	ev.container_id = (char *)ts->id;
	ev.id = (char *)proc_name(ts, p);
	ev.pid = (uint32_t)p->pid;
	ev.exit_status = (uint32_t)p->exit_code;
	ev.exited_at = &at;
	publish_event(ts->pub, "/tasks/exit", "containerd.events.TaskExit", &ev.base);
}

static void process_exited(struct task_service *ts, struct taskproc *p, int wait_status)
{
	taskproc_exited(p, wait_status);
	publish_exit(ts, p);
	answer_waiters(ts, p);
}

/* An exit that came while the process was being started is reported
 * right after its start. */
static void deliver_pending_exit(struct task_service *ts, struct taskproc *p)
{
	if (!p->exit_pending)
		return;
	p->exit_pending = false;
	process_exited(ts, p, p->pending_status);
}

/* The runc calls of the container, and those of an exec (its start): an
 * exec starts while the container's runc is busy, as under the Go shim. */
static struct job_queue *jobs_of(struct task_service *ts, struct taskproc *p)
{
	return p->exec_id[0] ? &p->jobs : &ts->jobs;
}

/* Where runc writes the process's pid: BUNDLE/init.pid, BUNDLE/EXEC.pid. */
static void pid_file_path(const struct task_service *ts, const struct taskproc *p, char *buf, size_t len)
{
	snprintf(buf, len, "%s/%s.pid", ts->bundle, p->exec_id[0] ? p->exec_id : "init");
}

/* The pid runc wrote; an exit of it that came meanwhile is kept pending. */
static int read_pid(struct task_service *ts, struct taskproc *p, char *err)
{
	char path[PATH_MAX];
	pid_file_path(ts, p, path, sizeof(path));
	p->pid = pidfile_read(path);
	if (p->pid <= 0) {
		snprintf(err, ERR_LEN, "read %.400s: %s", path, strerror(errno));
		return -1;
	}
	if (jobs_claim_exit(jobs_of(ts, p), p->pid, &p->pending_status))
		p->exit_pending = true;
	return 0;
}

/* Fills the arguments every create and exec shares, after the first n. */
static void spawn_args(struct task_service *ts, struct taskproc *p, struct runc_step *step, size_t n)
{
	pid_file_path(ts, p, step->pid_file, sizeof(step->pid_file));
	step->args[n++] = "--pid-file";
	step->args[n++] = step->pid_file;
	if (p->terminal) {
		step->args[n++] = "--console-socket";
		step->args[n++] = p->console_path;
	}
	step->args[n++] = ts->id;
	step->args[n] = NULL;
	for (int i = 0; i < 3; i++)
		step->stdio[i] = p->child_fds[i];
}

/* ------------------------------------------------------------ Create */

static int mount_rootfs(struct task_service *ts, const Containerd__Task__V2__CreateTaskRequest *req, char *err)
{
	if (req->n_rootfs == 0)
		return 0;
	char *rootfs = bundle_file(ts, "rootfs");
	if (mkdir(rootfs, 0711) < 0 && errno != EEXIST) {
		snprintf(err, ERR_LEN, "mkdir %s: %s", rootfs, strerror(errno));
		free(rootfs);
		return -1;
	}
	if (mounts_apply(req->rootfs, req->n_rootfs, rootfs, err, ERR_LEN) < 0) {
		free(rootfs);
		return -1;
	}
	ts->rootfs = rootfs;
	return 0;
}

static void unmount_rootfs(struct task_service *ts)
{
	if (!ts->rootfs)
		return;
	if (mounts_remove(ts->rootfs) < 0)
		diag_warn("unmount %s: %s", ts->rootfs, strerror(errno));
	free(ts->rootfs);
	ts->rootfs = NULL;
}

static void publish_create(struct task_service *ts, const Containerd__Task__V2__CreateTaskRequest *req,
			   const struct taskproc *p)
{
	Containerd__Events__TaskCreate ev = CONTAINERD__EVENTS__TASK_CREATE__INIT;
	Containerd__Events__TaskIO io = CONTAINERD__EVENTS__TASK_IO__INIT;
	io.stdin = req->stdin;
	io.stdout = req->stdout;
	io.stderr = req->stderr;
	io.terminal = req->terminal;
	ev.container_id = (char *)ts->id;
	ev.bundle = req->bundle;
	ev.n_rootfs = req->n_rootfs;
	ev.rootfs = req->rootfs;
	ev.io = &io;
	ev.pid = (uint32_t)p->pid;
	publish_event(ts->pub, "/tasks/create", "containerd.events.TaskCreate", &ev.base);
}

/* After a failed create that runc itself got through: the container runc
 * made goes, the rootfs with it. Nobody waits for the answer. */
static bool begin_cleanup(void *ctx, struct job *j, struct runc_step *step)
{
	struct task_service *ts = ctx;
	(void)j;
	const char *args[] = {"delete", "--force", ts->id, NULL};
	memcpy(step->args, args, sizeof(args));
	return true;
}

static void end_cleanup(void *ctx, struct job *j, const struct job_result *r)
{
	struct task_service *ts = ctx;
	(void)j;
	if (r->rc < 0)
		diag_warn("delete %s after a failed create: %s", ts->id, r->err);
	unmount_rootfs(ts);
}

static const struct job_kind cleanup_job = {"delete", begin_cleanup, end_cleanup, false, false};

static bool begin_create(void *ctx, struct job *j, struct runc_step *step)
{
	struct task_service *ts = ctx;
	const Containerd__Task__V2__CreateTaskRequest *req = (const void *)j->msg;
	char err[ERR_LEN];
	ts->creating = false; /* again true below, once runc has its turn */
	free(ts->bundle);
	ts->bundle = xstrdup(req->bundle);
	if (mount_rootfs(ts, req, err) < 0) {
		reply_err(ts, &j->to, RPC_INTERNAL, "%s", err);
		return false;
	}
	struct taskproc *p =
		taskproc_new(ts->loop, "", req->terminal, req->stdin, req->stdout, req->stderr, &ts->runc, ts);
	char *screen = bundle_file(ts, "screen");
	int rc = taskproc_prepare_stdio(p, screen, err, sizeof(err));
	free(screen);
	if (rc < 0) {
		taskproc_free(p);
		unmount_rootfs(ts);
		reply_err(ts, &j->to, RPC_UNKNOWN, "create %s: %s", ts->id, err);
		return false;
	}
	j->proc = p;
	ts->creating = true;
	step->args[0] = "create";
	step->args[1] = "--bundle";
	step->args[2] = ts->bundle;
	spawn_args(ts, p, step, 3);
	return true;
}

static void end_create(void *ctx, struct job *j, const struct job_result *r)
{
	struct task_service *ts = ctx;
	const Containerd__Task__V2__CreateTaskRequest *req = (const void *)j->msg;
	struct taskproc *p = j->proc;
	char err[ERR_LEN];
	ts->creating = false;
	int rc = r->rc;
	snprintf(err, sizeof(err), "%s", r->err ? r->err : "");
	if (rc == 0 && (read_pid(ts, p, err) < 0 || taskproc_connect_stdio(p, err, sizeof(err)) < 0))
		rc = -1;
	if (rc < 0) {
		if (r->rc == 0) { /* runc made the container: it goes */
			if (p->pid > 0)
				kill(p->pid, SIGKILL);
			struct rpc_target nobody = {0};
			jobs_submit(&ts->jobs, &cleanup_job, &nobody, NULL, true);
		} else {
			unmount_rootfs(ts);
		}
		taskproc_free(p);
		reply_err(ts, &j->to, r->rc < 0 ? r->code : RPC_UNKNOWN, "create %s: %s", ts->id, err);
		return;
	}
	p->next = ts->procs;
	ts->procs = p;
	publish_create(ts, req, p);
	Containerd__Task__V2__CreateTaskResponse resp = CONTAINERD__TASK__V2__CREATE_TASK_RESPONSE__INIT;
	resp.pid = (uint32_t)p->pid;
	reply_msg(ts, &j->to, &resp.base);
	deliver_pending_exit(ts, p);
}

static const struct job_kind create_job = {"create", begin_create, end_create, false, true};

static bool m_create(struct task_service *ts, const struct rpc_target *to, ProtobufCMessage *msg)
{
	if (find_proc(ts, "") || ts->creating) {
		reply_err(ts, to, RPC_ALREADY_EXISTS, "task %s already exists", ts->id);
		return false;
	}
	/* Taken now, so a second Create while this one waits is refused. */
	ts->creating = true;
	jobs_submit(&ts->jobs, &create_job, to, msg, false);
	return true;
}

/* ------------------------------------------------------------ Start */

static void publish_started(struct task_service *ts, const struct taskproc *p)
{
	if (p->exec_id[0]) {
		Containerd__Events__TaskExecStarted ev = CONTAINERD__EVENTS__TASK_EXEC_STARTED__INIT;
		ev.container_id = (char *)ts->id;
		ev.exec_id = p->exec_id;
		ev.pid = (uint32_t)p->pid;
		publish_event(ts->pub, "/tasks/exec-started", "containerd.events.TaskExecStarted", &ev.base);
		return;
	}
	Containerd__Events__TaskStart ev = CONTAINERD__EVENTS__TASK_START__INIT;
	ev.container_id = (char *)ts->id;
	ev.pid = (uint32_t)p->pid;
	publish_event(ts->pub, "/tasks/start", "containerd.events.TaskStart", &ev.base);
}

static bool begin_start(void *ctx, struct job *j, struct runc_step *step)
{
	struct task_service *ts = ctx;
	const Containerd__Task__V2__StartRequest *req = (const void *)j->msg;
	struct taskproc *p =
		need_proc_state(ts, &j->to, req->exec_id, true, TASKPROC_CREATED, "is not in the created state");
	if (!p)
		return false;
	if (!p->exec_id[0]) {
		step->args[0] = "start";
		step->args[1] = ts->id;
		step->args[2] = NULL;
	} else {
		char err[ERR_LEN];
		char *name = xasprintf("%s.screen", p->exec_id);
		char *screen = bundle_file(ts, name);
		int rc = taskproc_prepare_stdio(p, screen, err, sizeof(err));
		free(screen);
		free(name);
		if (rc < 0) {
			reply_err(ts, &j->to, RPC_UNKNOWN, "start %s: %s", p->exec_id, err);
			return false;
		}
		const char *args[] = {"exec", "--process", p->spec_path, "--detach"};
		memcpy(step->args, args, sizeof(args));
		spawn_args(ts, p, step, ARRAY_SIZE(args));
	}
	p->starting = true;
	j->proc = p;
	return true;
}

static void end_start(void *ctx, struct job *j, const struct job_result *r)
{
	struct task_service *ts = ctx;
	struct taskproc *p = j->proc;
	char err[ERR_LEN];
	p->starting = false;
	int rc = r->rc;
	snprintf(err, sizeof(err), "%s", r->err ? r->err : "");
	if (rc == 0 && p->exec_id[0] && (read_pid(ts, p, err) < 0 || taskproc_connect_stdio(p, err, sizeof(err)) < 0)) {
		if (p->pid > 0)
			kill(p->pid, SIGKILL);
		rc = -1;
	}
	if (rc < 0) {
		reply_err(ts, &j->to, r->rc < 0 ? r->code : RPC_UNKNOWN, "start %s: %s", proc_name(ts, p), err);
		deliver_pending_exit(ts, p);
		return;
	}
	p->state = TASKPROC_RUNNING;
	publish_started(ts, p);
	Containerd__Task__V2__StartResponse resp = CONTAINERD__TASK__V2__START_RESPONSE__INIT;
	resp.pid = (uint32_t)p->pid;
	reply_msg(ts, &j->to, &resp.base);
	deliver_pending_exit(ts, p);
}

static const struct job_kind start_job = {"start", begin_start, end_start, false, true};

static bool m_start(struct task_service *ts, const struct rpc_target *to, ProtobufCMessage *msg)
{
	const Containerd__Task__V2__StartRequest *req = (const void *)msg;
	struct taskproc *p = req->exec_id && req->exec_id[0] ? need_proc(ts, to, req->exec_id) : NULL;
	if (req->exec_id && req->exec_id[0] && !p)
		return false;
	jobs_submit(p ? &p->jobs : &ts->jobs, &start_job, to, msg, false);
	return true;
}

/* ------------------------------------------------------------ State, Wait */

static Containerd__V1__Types__Status status_of(const struct task_service *ts, const struct taskproc *p)
{
	switch (p->state) {
	case TASKPROC_CREATED:
		return CONTAINERD__V1__TYPES__STATUS__CREATED;
	case TASKPROC_RUNNING:
		if (ts->paused)
			return CONTAINERD__V1__TYPES__STATUS__PAUSED;
		return CONTAINERD__V1__TYPES__STATUS__RUNNING;
	case TASKPROC_STOPPED:
		return CONTAINERD__V1__TYPES__STATUS__STOPPED;
	}
	return CONTAINERD__V1__TYPES__STATUS__UNKNOWN;
}

static bool m_state(struct task_service *ts, const struct rpc_target *to, ProtobufCMessage *msg)
{
	const Containerd__Task__V2__StateRequest *req = (const void *)msg;
	struct taskproc *p = need_proc(ts, to, req->exec_id);
	if (!p)
		return false;
	Containerd__Task__V2__StateResponse resp = CONTAINERD__TASK__V2__STATE_RESPONSE__INIT;
	Google__Protobuf__Timestamp at = pbmsg_timestamp(&p->exited_at);
	resp.id = (char *)proc_name(ts, p);
	resp.bundle = ts->bundle ? ts->bundle : "";
	resp.pid = p->pid > 0 ? (uint32_t)p->pid : 0;
	resp.status = status_of(ts, p);
	resp.stdin = p->stdin_path;
	resp.stdout = p->stdout_path;
	resp.stderr = p->stderr_path;
	resp.terminal = p->terminal;
	resp.exec_id = p->exec_id;
	if (p->state == TASKPROC_STOPPED) {
		resp.exit_status = (uint32_t)p->exit_code;
		resp.exited_at = &at;
	}
	reply_msg(ts, to, &resp.base);
	return false;
}

static void reply_wait(struct task_service *ts, const struct rpc_target *to, const struct taskproc *p)
{
	Containerd__Task__V2__WaitResponse resp = CONTAINERD__TASK__V2__WAIT_RESPONSE__INIT;
	Google__Protobuf__Timestamp at = pbmsg_timestamp(&p->exited_at);
	resp.exit_status = (uint32_t)p->exit_code;
	resp.exited_at = &at;
	reply_msg(ts, to, &resp.base);
}

/* Wait is what every client that (re)attaches asks first (`ctr task
 * attach`, containerd's CRI plugin after a restart): a terminal process
 * then repaints its screen for it. */
static bool m_wait(struct task_service *ts, const struct rpc_target *to, ProtobufCMessage *msg)
{
	const Containerd__Task__V2__WaitRequest *req = (const void *)msg;
	struct taskproc *p = need_proc(ts, to, req->exec_id);
	if (!p)
		return false;
	if (p->state == TASKPROC_STOPPED) {
		reply_wait(ts, to, p);
		return false;
	}
	taskproc_attached(p);
	struct waiter *w = xcalloc(1, sizeof(*w));
	w->to = *to;
	w->exec_id = xstrdup(p->exec_id);
	w->next = ts->waiters;
	ts->waiters = w;
	return false;
}

static void answer_waiters(struct task_service *ts, const struct taskproc *p)
{
	struct waiter **pp = &ts->waiters;
	while (*pp) {
		struct waiter *w = *pp;
		if (strcmp(w->exec_id, p->exec_id) != 0) {
			pp = &w->next;
			continue;
		}
		*pp = w->next;
		reply_wait(ts, &w->to, p);
		free(w->exec_id);
		free(w);
	}
}

/* ------------------------------------------------------------ Kill */

static bool begin_kill(void *ctx, struct job *j, struct runc_step *step)
{
	struct task_service *ts = ctx;
	const Containerd__Task__V2__KillRequest *req = (const void *)j->msg;
	struct taskproc *p = need_proc(ts, &j->to, "");
	if (!p)
		return false;
	if (p->state == TASKPROC_STOPPED) {
		reply_err(ts, &j->to, RPC_NOT_FOUND, "process already finished");
		return false;
	}
	snprintf(step->signal, sizeof(step->signal), "%u", req->signal);
	size_t n = 0;
	step->args[n++] = "kill";
	if (req->all)
		step->args[n++] = "--all";
	step->args[n++] = ts->id;
	step->args[n++] = step->signal;
	step->args[n] = NULL;
	j->proc = p;
	return true;
}

static void end_kill(void *ctx, struct job *j, const struct job_result *r)
{
	struct task_service *ts = ctx;
	struct taskproc *p = j->proc;
	if (r->rc == 0)
		reply_empty(ts, &j->to);
	else if (p->state == TASKPROC_STOPPED) /* it ended meanwhile, as the Go shim says it */
		reply_err(ts, &j->to, RPC_NOT_FOUND, "process already finished");
	else
		reply_err(ts, &j->to, r->code, "kill %s: %s", ts->id, r->err);
}

static const struct job_kind kill_job = {"kill", begin_kill, end_kill, false, false};

/* An exec is signalled at once; the container's init through runc (which
 * knows its cgroup for --all). */
static bool m_kill(struct task_service *ts, const struct rpc_target *to, ProtobufCMessage *msg)
{
	const Containerd__Task__V2__KillRequest *req = (const void *)msg;
	if (!req->exec_id || !req->exec_id[0]) {
		jobs_submit(&ts->jobs, &kill_job, to, msg, false);
		return true;
	}
	struct taskproc *p = need_proc(ts, to, req->exec_id);
	if (!p)
		return false;
	if (p->state == TASKPROC_STOPPED)
		reply_err(ts, to, RPC_NOT_FOUND, "process already finished");
	else if (p->state == TASKPROC_CREATED || p->starting)
		reply_err(ts, to, RPC_FAILED_PRECONDITION, "process %s is not running", p->exec_id);
	else if (kill(p->pid, (int)req->signal) < 0)
		reply_err(ts, to, RPC_UNKNOWN, "kill %d: %s", p->pid, strerror(errno));
	else
		reply_empty(ts, to);
	return false;
}

/* ------------------------------------------------------------ Delete */

static void publish_delete(struct task_service *ts, const struct taskproc *p)
{
	Containerd__Events__TaskDelete ev = CONTAINERD__EVENTS__TASK_DELETE__INIT;
	Google__Protobuf__Timestamp at = pbmsg_timestamp(&p->exited_at);
	ev.container_id = (char *)ts->id;
	ev.pid = (uint32_t)p->pid;
	ev.exit_status = (uint32_t)p->exit_code;
	ev.exited_at = &at;
	publish_event(ts->pub, "/tasks/delete", "containerd.events.TaskDelete", &ev.base);
}

static void reply_delete(struct task_service *ts, const struct rpc_target *to, struct taskproc *p)
{
	Containerd__Task__V2__DeleteResponse resp = CONTAINERD__TASK__V2__DELETE_RESPONSE__INIT;
	Google__Protobuf__Timestamp at = pbmsg_timestamp(&p->exited_at);
	resp.pid = p->pid > 0 ? (uint32_t)p->pid : 0;
	resp.exit_status = (uint32_t)p->exit_code;
	resp.exited_at = &at;
	reply_msg(ts, to, &resp.base);
	remove_proc(ts, p);
}

static bool begin_delete(void *ctx, struct job *j, struct runc_step *step)
{
	struct task_service *ts = ctx;
	struct taskproc *p = need_proc_state(ts, &j->to, "", false, TASKPROC_RUNNING, "is still running");
	if (!p)
		return false;
	const char *args[] = {"delete", "--force", ts->id, NULL};
	memcpy(step->args, args, sizeof(args));
	j->proc = p;
	return true;
}

static void end_delete(void *ctx, struct job *j, const struct job_result *r)
{
	struct task_service *ts = ctx;
	struct taskproc *p = j->proc;
	if (r->rc < 0)
		diag_warn("delete %s: %s", ts->id, r->err);
	unmount_rootfs(ts);
	publish_delete(ts, p);
	reply_delete(ts, &j->to, p);
}

static const struct job_kind delete_job = {"delete", begin_delete, end_delete, false, false};

static bool m_delete(struct task_service *ts, const struct rpc_target *to, ProtobufCMessage *msg)
{
	const Containerd__Task__V2__DeleteRequest *req = (const void *)msg;
	if (!req->exec_id || !req->exec_id[0]) {
		jobs_submit(&ts->jobs, &delete_job, to, msg, false);
		return true;
	}
	struct taskproc *p = need_proc_state(ts, to, req->exec_id, false, TASKPROC_RUNNING, "is still running");
	if (p && jobs_busy(&p->jobs))
		reply_err(ts, to, RPC_FAILED_PRECONDITION, "process %s is being started", p->exec_id);
	else if (p)
		reply_delete(ts, to, p);
	return false;
}

/* ------------------------------------------------------------ Pids */

/* The pids of `runc ps --format json` ("[1,2,3]"), at most cap of them. */
static size_t parse_pid_list(const char *json, uint32_t *pids, size_t cap)
{
	size_t n = 0;
	for (const char *p = json; *p && n < cap;) {
		if (*p < '0' || *p > '9') {
			p++;
			continue;
		}
		char *end;
		unsigned long v = strtoul(p, &end, 10);
		if (v > 0 && v < (1ul << 31))
			pids[n++] = (uint32_t)v;
		p = end;
	}
	return n;
}

static bool begin_pids(void *ctx, struct job *j, struct runc_step *step)
{
	struct task_service *ts = ctx;
	(void)j;
	const char *args[] = {"ps", "--format", "json", ts->id, NULL};
	memcpy(step->args, args, sizeof(args));
	return true;
}

static void end_pids(void *ctx, struct job *j, const struct job_result *r)
{
	struct task_service *ts = ctx;
	enum { MAX_PIDS = 4096 };
	if (r->rc < 0) {
		reply_err(ts, &j->to, r->code, "ps %s: %s", ts->id, r->err);
		return;
	}
	uint32_t *pids = xcalloc(MAX_PIDS, sizeof(*pids));
	size_t n = parse_pid_list(r->out ? r->out : "", pids, MAX_PIDS);
	Containerd__V1__Types__ProcessInfo *infos = xcalloc(n ? n : 1, sizeof(*infos));
	Containerd__V1__Types__ProcessInfo **list = xcalloc(n ? n : 1, sizeof(*list));
	for (size_t i = 0; i < n; i++) {
		containerd__v1__types__process_info__init(&infos[i]);
		infos[i].pid = pids[i];
		list[i] = &infos[i];
	}
	Containerd__Task__V2__PidsResponse resp = CONTAINERD__TASK__V2__PIDS_RESPONSE__INIT;
	resp.n_processes = n;
	resp.processes = list;
	reply_msg(ts, &j->to, &resp.base);
	free(list);
	free(infos);
	free(pids);
}

static const struct job_kind pids_job = {"ps", begin_pids, end_pids, true, false};

static bool m_pids(struct task_service *ts, const struct rpc_target *to, ProtobufCMessage *msg)
{
	jobs_submit(&ts->jobs, &pids_job, to, msg, false);
	return true;
}

/* ------------------------------------------------------------ Pause, Resume */

/* One pair for both: the job's kind says which. */
static bool begin_freeze(void *ctx, struct job *j, struct runc_step *step)
{
	struct task_service *ts = ctx;
	struct taskproc *init = need_proc(ts, &j->to, "");
	if (!init)
		return false;
	if (init->state != TASKPROC_RUNNING) {
		reply_err(ts, &j->to, RPC_FAILED_PRECONDITION, "task %s is not running", ts->id);
		return false;
	}
	step->args[0] = j->kind->name;
	step->args[1] = ts->id;
	step->args[2] = NULL;
	return true;
}

static const struct job_kind pause_job;

static void end_freeze(void *ctx, struct job *j, const struct job_result *r)
{
	struct task_service *ts = ctx;
	bool pause = j->kind == &pause_job;
	if (r->rc < 0) {
		reply_err(ts, &j->to, r->code, "%s %s: %s", j->kind->name, ts->id, r->err);
		return;
	}
	ts->paused = pause;
	if (pause) {
		Containerd__Events__TaskPaused ev = CONTAINERD__EVENTS__TASK_PAUSED__INIT;
		ev.container_id = (char *)ts->id;
		publish_event(ts->pub, "/tasks/paused", "containerd.events.TaskPaused", &ev.base);
	} else {
		Containerd__Events__TaskResumed ev = CONTAINERD__EVENTS__TASK_RESUMED__INIT;
		ev.container_id = (char *)ts->id;
		publish_event(ts->pub, "/tasks/resumed", "containerd.events.TaskResumed", &ev.base);
	}
	reply_empty(ts, &j->to);
}

/* runc's subcommands are the kinds' names. */
static const struct job_kind pause_job = {"pause", begin_freeze, end_freeze, false, false};
static const struct job_kind resume_job = {"resume", begin_freeze, end_freeze, false, false};

static bool m_pause(struct task_service *ts, const struct rpc_target *to, ProtobufCMessage *msg)
{
	jobs_submit(&ts->jobs, &pause_job, to, msg, false);
	return true;
}

static bool m_resume(struct task_service *ts, const struct rpc_target *to, ProtobufCMessage *msg)
{
	jobs_submit(&ts->jobs, &resume_job, to, msg, false);
	return true;
}

/* ------------------------------------------------------------ the rest */

static bool m_close_io(struct task_service *ts, const struct rpc_target *to, ProtobufCMessage *msg)
{
	const Containerd__Task__V2__CloseIORequest *req = (const void *)msg;
	struct taskproc *p = need_proc(ts, to, req->exec_id);
	if (!p)
		return false;
	if (req->stdin)
		taskproc_close_stdin(p);
	reply_empty(ts, to);
	return false;
}

static bool m_resize_pty(struct task_service *ts, const struct rpc_target *to, ProtobufCMessage *msg)
{
	const Containerd__Task__V2__ResizePtyRequest *req = (const void *)msg;
	struct taskproc *p = need_proc(ts, to, req->exec_id);
	if (!p)
		return false;
	taskproc_resize(p, req->height, req->width);
	reply_empty(ts, to);
	return false;
}

/* An exec id names a file in the bundle: no separators, no dot names. */
static bool exec_id_ok(const char *id)
{
	size_t n = strlen(id);
	if (n == 0 || n > 76 || id[0] == '.')
		return false;
	return strspn(id, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") == n;
}

static bool m_exec(struct task_service *ts, const struct rpc_target *to, ProtobufCMessage *msg)
{
	const Containerd__Task__V2__ExecProcessRequest *req = (const void *)msg;
	if (!exec_id_ok(req->exec_id) || !req->spec || !ts->bundle) {
		reply_err(ts, to, RPC_INVALID_ARGUMENT, "exec %s: an exec id and a process spec are needed",
			  req->exec_id);
		return false;
	}
	if (find_proc(ts, req->exec_id)) {
		reply_err(ts, to, RPC_ALREADY_EXISTS, "id %s: already exists", req->exec_id);
		return false;
	}
	char *name = xasprintf("%s.json", req->exec_id);
	char *path = bundle_file(ts, name);
	free(name);
	if (write_file_atomic(path, req->spec->value.data, req->spec->value.len, 0600) < 0) {
		reply_err(ts, to, RPC_INTERNAL, "write %s: %s", path, strerror(errno));
		free(path);
		return false;
	}
	struct taskproc *p = taskproc_new(ts->loop, req->exec_id, req->terminal, req->stdin, req->stdout, req->stderr,
					  &ts->runc, ts);
	p->spec_path = path;
	p->next = ts->procs;
	ts->procs = p;
	Containerd__Events__TaskExecAdded ev = CONTAINERD__EVENTS__TASK_EXEC_ADDED__INIT;
	ev.container_id = (char *)ts->id;
	ev.exec_id = p->exec_id;
	publish_event(ts->pub, "/tasks/exec-added", "containerd.events.TaskExecAdded", &ev.base);
	reply_empty(ts, to);
	return false;
}

/* The container's cgroup figures, read from its init's cgroups (no runc
 * needed: kubelet asks every few seconds). */
static bool m_stats(struct task_service *ts, const struct rpc_target *to, ProtobufCMessage *msg)
{
	(void)msg;
	struct taskproc *init = need_proc(ts, to, "");
	if (!init)
		return false;
	if (init->state != TASKPROC_RUNNING || init->pid <= 0) {
		reply_err(ts, to, RPC_NOT_FOUND, "task %s is not running", ts->id);
		return false;
	}
	struct cgstats st;
	char err[ERR_LEN];
	if (cgstats_collect("/proc", init->pid, cgstats_unified(), &st, err, sizeof(err)) < 0) {
		reply_err(ts, to, RPC_NOT_FOUND, "stats %s: %s", ts->id, err);
		return false;
	}
	Google__Protobuf__Any any = GOOGLE__PROTOBUF__ANY__INIT;
	any.type_url = (char *)st.type_url;
	any.value.data = st.data;
	any.value.len = st.len;
	Containerd__Task__V2__StatsResponse resp = CONTAINERD__TASK__V2__STATS_RESPONSE__INIT;
	resp.stats = &any;
	reply_msg(ts, to, &resp.base);
	cgstats_free(&st);
	return false;
}

static bool m_connect(struct task_service *ts, const struct rpc_target *to, ProtobufCMessage *msg)
{
	(void)msg;
	struct taskproc *init = find_proc(ts, "");
	Containerd__Task__V2__ConnectResponse resp = CONTAINERD__TASK__V2__CONNECT_RESPONSE__INIT;
	resp.shim_pid = (uint32_t)getpid();
	resp.task_pid = init && init->pid > 0 ? (uint32_t)init->pid : 0;
	reply_msg(ts, to, &resp.base);
	return false;
}

static bool m_shutdown(struct task_service *ts, const struct rpc_target *to, ProtobufCMessage *msg)
{
	const Containerd__Task__V2__ShutdownRequest *req = (const void *)msg;
	/* A shim whose container is still there (or on its way) stays, unless
	 * told to go now; exec processes left behind die with the container. */
	if ((!find_proc(ts, "") && !ts->creating && !jobs_busy(&ts->jobs)) || req->now)
		ts->shutdown = true;
	reply_empty(ts, to);
	return false;
}

static const struct method methods[] = {
	{"Create", &containerd__task__v2__create_task_request__descriptor, m_create},
	{"Start", &containerd__task__v2__start_request__descriptor, m_start},
	{"State", &containerd__task__v2__state_request__descriptor, m_state},
	{"Wait", &containerd__task__v2__wait_request__descriptor, m_wait},
	{"Kill", &containerd__task__v2__kill_request__descriptor, m_kill},
	{"Delete", &containerd__task__v2__delete_request__descriptor, m_delete},
	{"Pids", &containerd__task__v2__pids_request__descriptor, m_pids},
	{"CloseIO", &containerd__task__v2__close_iorequest__descriptor, m_close_io},
	{"ResizePty", &containerd__task__v2__resize_pty_request__descriptor, m_resize_pty},
	{"Exec", &containerd__task__v2__exec_process_request__descriptor, m_exec},
	{"Connect", &containerd__task__v2__connect_request__descriptor, m_connect},
	{"Shutdown", &containerd__task__v2__shutdown_request__descriptor, m_shutdown},
	{"Pause", &containerd__task__v2__pause_request__descriptor, m_pause},
	{"Resume", &containerd__task__v2__resume_request__descriptor, m_resume},
	{"Stats", &containerd__task__v2__stats_request__descriptor, m_stats},
};

void task_handle(void *ctx, const struct rpc_target *to, const Ttrpc__Request *req)
{
	struct task_service *ts = ctx;
	if (strcmp(req->service, TASK_SERVICE) != 0) {
		reply_err(ts, to, RPC_UNIMPLEMENTED, "service %s: unknown", req->service);
		return;
	}
	const struct method *m = NULL;
	for (size_t i = 0; i < ARRAY_SIZE(methods) && !m; i++)
		if (strcmp(methods[i].name, req->method) == 0)
			m = &methods[i];
	if (!m) {
		reply_err(ts, to, RPC_UNIMPLEMENTED, "%s: method %s: not implemented", req->service, req->method);
		return;
	}
	ProtobufCMessage *msg = protobuf_c_message_unpack(m->request, NULL, req->payload.len, req->payload.data);
	if (!msg) {
		reply_err(ts, to, RPC_INVALID_ARGUMENT, "%s: malformed %s", req->method, m->request->name);
		return;
	}
	diag_debug("ttrpc: %s", req->method);
	if (!m->fn(ts, to, msg))
		protobuf_c_message_free_unpacked(msg, NULL);
}

/* runc of one of the queues; a job's end may change the process list. */
static bool runc_reaped(struct task_service *ts, pid_t pid, int wait_status)
{
	if (jobs_reaped(&ts->jobs, pid, wait_status))
		return true;
	for (struct taskproc *p = ts->procs; p; p = p->next)
		if (jobs_reaped(&p->jobs, pid, wait_status))
			return true;
	return false;
}

bool task_reaped(struct task_service *ts, pid_t pid, int wait_status)
{
	if (runc_reaped(ts, pid, wait_status))
		return true;
	struct taskproc *p = ts->procs;
	while (p && !(p->pid == pid && p->state != TASKPROC_STOPPED))
		p = p->next;
	if (!p) {
		jobs_note_exit(&ts->jobs, pid, wait_status);
		for (p = ts->procs; p; p = p->next)
			jobs_note_exit(&p->jobs, pid, wait_status);
		return false;
	}
	if (p->starting) {
		p->exit_pending = true;
		p->pending_status = wait_status;
		return true;
	}
	process_exited(ts, p, wait_status);
	return true;
}

void task_teardown(struct task_service *ts)
{
	jobs_free(&ts->jobs);
	while (ts->procs)
		remove_proc(ts, ts->procs);
	while (ts->waiters) {
		struct waiter *w = ts->waiters;
		ts->waiters = w->next;
		free(w->exec_id);
		free(w);
	}
	unmount_rootfs(ts);
	free(ts->bundle);
	ts->bundle = NULL;
}
