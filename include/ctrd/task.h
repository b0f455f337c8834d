/* task: containerd's Task service v2 (containerd.task.v2.Task) for one
 * container: Create (rootfs mounts, runc create), Start, State, Wait, Kill,
 * Delete, Pids, CloseIO, ResizePty, Exec, Connect, Shutdown, Pause, Resume,
 * Stats.
 * What needs runc runs as a job (ctrd/jobs.h) and is answered when runc is
 * done; Wait answers when the process exits; the rest answer at once. Other
 * methods (and other services) answer UNIMPLEMENTED, a message that does
 * not unpack answers INVALID_ARGUMENT. */
#ifndef PTYSHIM_CTRD_TASK_H
#define PTYSHIM_CTRD_TASK_H

#include <stdbool.h>
#include <sys/types.h>

#include "ctrd/jobs.h"
#include "ctrd/publish.h"
#include "ctrd/runc.h"
#include "ctrd/server.h"

struct loop;
struct taskproc;
struct waiter;

struct task_service {
	struct loop *loop;
	struct ttrpc_server *srv;
	struct runc runc;
	struct job_queue jobs;
	struct publisher *pub;
	const char *id;     /* the container's id (-id) */
	char *bundle;       /* from Create */
	char *rootfs;       /* BUNDLE/rootfs while mounted by us */
	struct taskproc *procs;
	struct waiter *waiters;
	bool creating;      /* runc create is under way */
	bool paused;        /* runc pause'd the container */
	bool shutdown;      /* Shutdown was asked and nothing is left */
};

/* The server's request handler (ctx is the struct task_service). */
void task_handle(void *ctx, const struct rpc_target *to, const Ttrpc__Request *req);

/* A child was reaped: true when it was runc or one of the task's processes. */
bool task_reaped(struct task_service *ts, pid_t pid, int wait_status);

/* Kills what is left and unmounts, as at the shim's end. */
void task_teardown(struct task_service *ts);

#endif
