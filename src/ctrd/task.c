#include "ctrd/task.h"

#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/diag.h"
#include "base/util.h"
#include "ctrd/mounts.h"
#include "ctrd/taskproc.h"
#include "github.com/containerd/containerd/api/events/task.pb-c.h"
#include "github.com/containerd/containerd/runtime/v2/task/shim.pb-c.h"
#include "shim/runtime.h"

#define TASK_SERVICE "containerd.task.v2.Task"
#define ERR_LEN 512

struct waiter {
	struct waiter *next;
	struct rpc_target to;
	char *exec_id;
};

typedef void (*method_fn)(struct task_service *ts, const struct rpc_target *to, const ProtobufCMessage *msg);

struct method {
	const char *name;
	const ProtobufCMessageDescriptor *request;
	method_fn fn;
};

static void reply_msg(struct task_service *ts, const struct rpc_target *to, const ProtobufCMessage *m)
{
	size_t n = protobuf_c_message_get_packed_size(m);
	uint8_t *b = xmalloc(n ? n : 1);
	protobuf_c_message_pack(m, b);
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

static struct taskproc *find_proc(struct task_service *ts, const char *exec_id)
{
	for (struct taskproc *p = ts->procs; p; p = p->next)
		if (strcmp(p->exec_id, exec_id) == 0)
			return p;
	return NULL;
}

/* The process a request names, or a NOT_FOUND answer and NULL. */
static struct taskproc *need_proc(struct task_service *ts, const struct rpc_target *to, const char *exec_id)
{
	struct taskproc *p = find_proc(ts, exec_id ? exec_id : "");
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
		reply_err(ts, to, RPC_FAILED_PRECONDITION, "process %s %s", p->exec_id[0] ? p->exec_id : ts->id, why);
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

static Google__Protobuf__Timestamp timestamp_of(const struct timespec *t)
{
	Google__Protobuf__Timestamp ts = GOOGLE__PROTOBUF__TIMESTAMP__INIT;
	ts.seconds = t->tv_sec;
	ts.nanos = (int32_t)t->tv_nsec;
	return ts;
}

static char *bundle_file(const struct task_service *ts, const char *name)
{
	return xasprintf("%s/%s", ts->bundle, name);
}

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

/* runc create or exec with the process's stdio; sets p->pid. */
static int runc_spawn(struct task_service *ts, struct taskproc *p, const char **args, size_t n, char *err)
{
	char *pid_file = xasprintf("%s/%s.pid", ts->bundle, p->exec_id[0] ? p->exec_id : "init");
	args[n++] = "--pid-file";
	args[n++] = pid_file;
	if (p->terminal) {
		args[n++] = "--console-socket";
		args[n++] = p->console_path;
	}
	args[n++] = ts->id;
	args[n] = NULL;
	int rc = runc_call(&ts->runc, args, p->child_fds, err, ERR_LEN);
	if (rc == 0) {
		p->pid = runtime_read_pid(pid_file);
		if (p->pid < 0) {
			snprintf(err, ERR_LEN, "read %s: %s", pid_file, strerror(errno));
			rc = -1;
		}
	}
	if (rc == 0)
		rc = taskproc_connect_stdio(p, err, ERR_LEN);
	free(pid_file);
	return rc;
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
	publish_event(&ts->pub, "/tasks/create", "containerd.events.TaskCreate", &ev.base);
}

static void m_create(struct task_service *ts, const struct rpc_target *to, const ProtobufCMessage *msg)
{
	const Containerd__Task__V2__CreateTaskRequest *req = (const void *)msg;
	char err[ERR_LEN];
	if (find_proc(ts, "")) {
		reply_err(ts, to, RPC_ALREADY_EXISTS, "task %s already exists", ts->id);
		return;
	}
	free(ts->bundle);
	ts->bundle = xstrdup(req->bundle);
	if (mount_rootfs(ts, req, err) < 0) {
		reply_err(ts, to, RPC_INTERNAL, "%s", err);
		return;
	}
	struct taskproc *p = taskproc_new(ts->loop, "", req->terminal, req->stdin, req->stdout, req->stderr);
	const char *args[16] = { "create", "--bundle", ts->bundle };
	if (taskproc_prepare_stdio(p, err, sizeof(err)) < 0 || runc_spawn(ts, p, args, 3, err) < 0) {
		taskproc_free(p);
		unmount_rootfs(ts);
		reply_err(ts, to, RPC_UNKNOWN, "create %s: %s", ts->id, err);
		return;
	}
	p->next = ts->procs;
	ts->procs = p;
	publish_create(ts, req, p);
	Containerd__Task__V2__CreateTaskResponse resp = CONTAINERD__TASK__V2__CREATE_TASK_RESPONSE__INIT;
	resp.pid = (uint32_t)p->pid;
	reply_msg(ts, to, &resp.base);
}

static int start_exec(struct task_service *ts, struct taskproc *p, char *err)
{
	const char *args[16] = { "exec", "--process", p->spec_path, "--detach" };
	if (taskproc_prepare_stdio(p, err, ERR_LEN) < 0)
		return -1;
	return runc_spawn(ts, p, args, 4, err);
}

static void publish_started(struct task_service *ts, const struct taskproc *p)
{
	if (p->exec_id[0]) {
		Containerd__Events__TaskExecStarted ev = CONTAINERD__EVENTS__TASK_EXEC_STARTED__INIT;
		ev.container_id = (char *)ts->id;
		ev.exec_id = p->exec_id;
		ev.pid = (uint32_t)p->pid;
		publish_event(&ts->pub, "/tasks/exec-started", "containerd.events.TaskExecStarted", &ev.base);
		return;
	}
	Containerd__Events__TaskStart ev = CONTAINERD__EVENTS__TASK_START__INIT;
	ev.container_id = (char *)ts->id;
	ev.pid = (uint32_t)p->pid;
	publish_event(&ts->pub, "/tasks/start", "containerd.events.TaskStart", &ev.base);
}

static void m_start(struct task_service *ts, const struct rpc_target *to, const ProtobufCMessage *msg)
{
	const Containerd__Task__V2__StartRequest *req = (const void *)msg;
	struct taskproc *p =
		need_proc_state(ts, to, req->exec_id, true, TASKPROC_CREATED, "is not in the created state");
	char err[ERR_LEN];
	if (!p)
		return;
	const char *args[] = { "start", ts->id, NULL };
	int rc = p->exec_id[0] ? start_exec(ts, p, err) : runc_call(&ts->runc, args, (int[3]){ -1, -1, -1 }, err, ERR_LEN);
	if (rc < 0) {
		reply_err(ts, to, RPC_UNKNOWN, "start %s: %s", ts->id, err);
		return;
	}
	p->state = TASKPROC_RUNNING;
	publish_started(ts, p);
	Containerd__Task__V2__StartResponse resp = CONTAINERD__TASK__V2__START_RESPONSE__INIT;
	resp.pid = (uint32_t)p->pid;
	reply_msg(ts, to, &resp.base);
}

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

static void m_state(struct task_service *ts, const struct rpc_target *to, const ProtobufCMessage *msg)
{
	const Containerd__Task__V2__StateRequest *req = (const void *)msg;
	struct taskproc *p = need_proc(ts, to, req->exec_id);
	if (!p)
		return;
	Containerd__Task__V2__StateResponse resp = CONTAINERD__TASK__V2__STATE_RESPONSE__INIT;
	Google__Protobuf__Timestamp at = timestamp_of(&p->exited_at);
	resp.id = p->exec_id[0] ? p->exec_id : (char *)ts->id;
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
}

static void reply_wait(struct task_service *ts, const struct rpc_target *to, const struct taskproc *p)
{
	Containerd__Task__V2__WaitResponse resp = CONTAINERD__TASK__V2__WAIT_RESPONSE__INIT;
	Google__Protobuf__Timestamp at = timestamp_of(&p->exited_at);
	resp.exit_status = (uint32_t)p->exit_code;
	resp.exited_at = &at;
	reply_msg(ts, to, &resp.base);
}

static void m_wait(struct task_service *ts, const struct rpc_target *to, const ProtobufCMessage *msg)
{
	const Containerd__Task__V2__WaitRequest *req = (const void *)msg;
	struct taskproc *p = need_proc(ts, to, req->exec_id);
	if (!p)
		return;
	if (p->state == TASKPROC_STOPPED) {
		reply_wait(ts, to, p);
		return;
	}
	struct waiter *w = xcalloc(1, sizeof(*w));
	w->to = *to;
	w->exec_id = xstrdup(p->exec_id);
	w->next = ts->waiters;
	ts->waiters = w;
}

static void m_kill(struct task_service *ts, const struct rpc_target *to, const ProtobufCMessage *msg)
{
	const Containerd__Task__V2__KillRequest *req = (const void *)msg;
	struct taskproc *p = need_proc(ts, to, req->exec_id);
	char err[ERR_LEN], sig[16];
	if (!p)
		return;
	if (p->state == TASKPROC_STOPPED) {
		reply_err(ts, to, RPC_NOT_FOUND, "process already finished");
		return;
	}
	if (p->exec_id[0]) {
		if (kill(p->pid, (int)req->signal) < 0) {
			reply_err(ts, to, RPC_UNKNOWN, "kill %d: %s", p->pid, strerror(errno));
			return;
		}
		reply_empty(ts, to);
		return;
	}
	snprintf(sig, sizeof(sig), "%u", req->signal);
	const char *args[] = { "kill", req->all ? "--all" : ts->id, req->all ? ts->id : sig, req->all ? sig : NULL,
			       NULL };
	if (runc_call(&ts->runc, args, (int[3]){ -1, -1, -1 }, err, ERR_LEN) < 0) {
		reply_err(ts, to, RPC_UNKNOWN, "kill %s: %s", ts->id, err);
		return;
	}
	reply_empty(ts, to);
}

static void publish_delete(struct task_service *ts, const struct taskproc *p)
{
	Containerd__Events__TaskDelete ev = CONTAINERD__EVENTS__TASK_DELETE__INIT;
	Google__Protobuf__Timestamp at = timestamp_of(&p->exited_at);
	ev.container_id = (char *)ts->id;
	ev.pid = (uint32_t)p->pid;
	ev.exit_status = (uint32_t)p->exit_code;
	ev.exited_at = &at;
	publish_event(&ts->pub, "/tasks/delete", "containerd.events.TaskDelete", &ev.base);
}

static void m_delete(struct task_service *ts, const struct rpc_target *to, const ProtobufCMessage *msg)
{
	const Containerd__Task__V2__DeleteRequest *req = (const void *)msg;
	struct taskproc *p = need_proc_state(ts, to, req->exec_id, false, TASKPROC_RUNNING, "is still running");
	char err[ERR_LEN];
	if (!p)
		return;
	if (!p->exec_id[0]) {
		const char *args[] = { "delete", "--force", ts->id, NULL };
		if (runc_call(&ts->runc, args, (int[3]){ -1, -1, -1 }, err, ERR_LEN) < 0)
			diag_warn("delete %s: %s", ts->id, err);
		unmount_rootfs(ts);
		publish_delete(ts, p);
	}
	Containerd__Task__V2__DeleteResponse resp = CONTAINERD__TASK__V2__DELETE_RESPONSE__INIT;
	Google__Protobuf__Timestamp at = timestamp_of(&p->exited_at);
	resp.pid = p->pid > 0 ? (uint32_t)p->pid : 0;
	resp.exit_status = (uint32_t)p->exit_code;
	resp.exited_at = &at;
	reply_msg(ts, to, &resp.base);
	remove_proc(ts, p);
}

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

static void m_pids(struct task_service *ts, const struct rpc_target *to, const ProtobufCMessage *msg)
{
	(void)msg;
	enum { MAX_PIDS = 4096 };
	char err[ERR_LEN], *json;
	const char *args[] = { "ps", "--format", "json", ts->id, NULL };
	if (runc_output(&ts->runc, args, &json, err, ERR_LEN) < 0) {
		reply_err(ts, to, RPC_UNKNOWN, "ps %s: %s", ts->id, err);
		return;
	}
	uint32_t *pids = xcalloc(MAX_PIDS, sizeof(*pids));
	size_t n = parse_pid_list(json, pids, MAX_PIDS);
	free(json);
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
	reply_msg(ts, to, &resp.base);
	free(list);
	free(infos);
	free(pids);
}

static void m_close_io(struct task_service *ts, const struct rpc_target *to, const ProtobufCMessage *msg)
{
	const Containerd__Task__V2__CloseIORequest *req = (const void *)msg;
	struct taskproc *p = need_proc(ts, to, req->exec_id);
	if (!p)
		return;
	if (req->stdin)
		taskproc_close_stdin(p);
	reply_empty(ts, to);
}

static void m_resize_pty(struct task_service *ts, const struct rpc_target *to, const ProtobufCMessage *msg)
{
	const Containerd__Task__V2__ResizePtyRequest *req = (const void *)msg;
	struct taskproc *p = need_proc(ts, to, req->exec_id);
	if (!p)
		return;
	taskproc_resize(p, req->height, req->width);
	reply_empty(ts, to);
}

/* An exec id names a file in the bundle: no separators, no dot names. */
static bool exec_id_ok(const char *id)
{
	size_t n = strlen(id);
	if (n == 0 || n > 76 || id[0] == '.')
		return false;
	return strspn(id, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") == n;
}

static void m_exec(struct task_service *ts, const struct rpc_target *to, const ProtobufCMessage *msg)
{
	const Containerd__Task__V2__ExecProcessRequest *req = (const void *)msg;
	if (!exec_id_ok(req->exec_id) || !req->spec || !ts->bundle) {
		reply_err(ts, to, RPC_INVALID_ARGUMENT, "exec %s: an exec id and a process spec are needed",
			  req->exec_id);
		return;
	}
	if (find_proc(ts, req->exec_id)) {
		reply_err(ts, to, RPC_ALREADY_EXISTS, "id %s: already exists", req->exec_id);
		return;
	}
	char *name = xasprintf("%s.json", req->exec_id);
	char *path = bundle_file(ts, name);
	free(name);
	if (write_file_atomic(path, req->spec->value.data, req->spec->value.len, 0600) < 0) {
		reply_err(ts, to, RPC_INTERNAL, "write %s: %s", path, strerror(errno));
		free(path);
		return;
	}
	struct taskproc *p = taskproc_new(ts->loop, req->exec_id, req->terminal, req->stdin, req->stdout, req->stderr);
	p->spec_path = path;
	p->next = ts->procs;
	ts->procs = p;
	Containerd__Events__TaskExecAdded ev = CONTAINERD__EVENTS__TASK_EXEC_ADDED__INIT;
	ev.container_id = (char *)ts->id;
	ev.exec_id = p->exec_id;
	publish_event(&ts->pub, "/tasks/exec-added", "containerd.events.TaskExecAdded", &ev.base);
	reply_empty(ts, to);
}

static void m_connect(struct task_service *ts, const struct rpc_target *to, const ProtobufCMessage *msg)
{
	(void)msg;
	struct taskproc *init = find_proc(ts, "");
	Containerd__Task__V2__ConnectResponse resp = CONTAINERD__TASK__V2__CONNECT_RESPONSE__INIT;
	resp.shim_pid = (uint32_t)getpid();
	resp.task_pid = init && init->pid > 0 ? (uint32_t)init->pid : 0;
	reply_msg(ts, to, &resp.base);
}

static void m_shutdown(struct task_service *ts, const struct rpc_target *to, const ProtobufCMessage *msg)
{
	const Containerd__Task__V2__ShutdownRequest *req = (const void *)msg;
	/* A shim whose container is still there stays, unless told to go now;
	 * exec processes left behind die with the container. */
	if (!find_proc(ts, "") || req->now)
		ts->shutdown = true;
	reply_empty(ts, to);
}

/* Pause and Resume: runc freezes or thaws the whole container. */
static void pause_or_resume(struct task_service *ts, const struct rpc_target *to, bool pause)
{
	struct taskproc *init = need_proc(ts, to, "");
	char err[ERR_LEN];
	if (!init)
		return;
	if (init->state != TASKPROC_RUNNING) {
		reply_err(ts, to, RPC_FAILED_PRECONDITION, "task %s is not running", ts->id);
		return;
	}
	const char *args[] = { pause ? "pause" : "resume", ts->id, NULL };
	if (runc_call(&ts->runc, args, (int[3]){ -1, -1, -1 }, err, ERR_LEN) < 0) {
		reply_err(ts, to, RPC_UNKNOWN, "%s %s: %s", args[0], ts->id, err);
		return;
	}
	ts->paused = pause;
	if (pause) {
		Containerd__Events__TaskPaused ev = CONTAINERD__EVENTS__TASK_PAUSED__INIT;
		ev.container_id = (char *)ts->id;
		publish_event(&ts->pub, "/tasks/paused", "containerd.events.TaskPaused", &ev.base);
	} else {
		Containerd__Events__TaskResumed ev = CONTAINERD__EVENTS__TASK_RESUMED__INIT;
		ev.container_id = (char *)ts->id;
		publish_event(&ts->pub, "/tasks/resumed", "containerd.events.TaskResumed", &ev.base);
	}
	reply_empty(ts, to);
}

static void m_pause(struct task_service *ts, const struct rpc_target *to, const ProtobufCMessage *msg)
{
	(void)msg;
	pause_or_resume(ts, to, true);
}

static void m_resume(struct task_service *ts, const struct rpc_target *to, const ProtobufCMessage *msg)
{
	(void)msg;
	pause_or_resume(ts, to, false);
}

static const struct method methods[] = {
	{ "Create", &containerd__task__v2__create_task_request__descriptor, m_create },
	{ "Start", &containerd__task__v2__start_request__descriptor, m_start },
	{ "State", &containerd__task__v2__state_request__descriptor, m_state },
	{ "Wait", &containerd__task__v2__wait_request__descriptor, m_wait },
	{ "Kill", &containerd__task__v2__kill_request__descriptor, m_kill },
	{ "Delete", &containerd__task__v2__delete_request__descriptor, m_delete },
	{ "Pids", &containerd__task__v2__pids_request__descriptor, m_pids },
	{ "CloseIO", &containerd__task__v2__close_iorequest__descriptor, m_close_io },
	{ "ResizePty", &containerd__task__v2__resize_pty_request__descriptor, m_resize_pty },
	{ "Exec", &containerd__task__v2__exec_process_request__descriptor, m_exec },
	{ "Connect", &containerd__task__v2__connect_request__descriptor, m_connect },
	{ "Shutdown", &containerd__task__v2__shutdown_request__descriptor, m_shutdown },
	{ "Pause", &containerd__task__v2__pause_request__descriptor, m_pause },
	{ "Resume", &containerd__task__v2__resume_request__descriptor, m_resume },
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
	m->fn(ts, to, msg);
	protobuf_c_message_free_unpacked(msg, NULL);
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

bool task_reaped(struct task_service *ts, pid_t pid, int wait_status)
{
	struct taskproc *p = ts->procs;
	while (p && !(p->pid == pid && p->state != TASKPROC_STOPPED))
		p = p->next;
	if (!p)
		return false;
	taskproc_exited(p, wait_status);
	Containerd__Events__TaskExit ev = CONTAINERD__EVENTS__TASK_EXIT__INIT;
	Google__Protobuf__Timestamp at = timestamp_of(&p->exited_at);
	ev.container_id = (char *)ts->id;
	ev.id = p->exec_id[0] ? p->exec_id : (char *)ts->id;
	ev.pid = (uint32_t)pid;
	ev.exit_status = (uint32_t)p->exit_code;
	ev.exited_at = &at;
	publish_event(&ts->pub, "/tasks/exit", "containerd.events.TaskExit", &ev.base);
	answer_waiters(ts, p);
	return true;
}

void task_teardown(struct task_service *ts)
{
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
