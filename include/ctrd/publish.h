/* publish: the task events containerd expects from a shim (TaskCreate,
 * TaskStart, TaskExit, TaskExecAdded, TaskExecStarted, TaskDelete), sent
 * the way containerd's own `publish` command takes them:
 *   PUBLISH_BINARY --address ADDR publish --topic TOPIC --namespace NS
 * with the event, a packed google.protobuf.Any, on its stdin. One command
 * runs at a time, in the background, so events arrive in the order they
 * happened (a TaskExit never before its TaskStart); the shim's reaper hands
 * each one's exit back here. */
#ifndef PTYSHIM_CTRD_PUBLISH_H
#define PTYSHIM_CTRD_PUBLISH_H

#include <protobuf-c/protobuf-c.h>
#include <stdbool.h>
#include <sys/types.h>

struct pending_event;

struct publisher {
	const char *binary;    /* containerd */
	const char *address;   /* containerd's grpc socket */
	const char *namespace; /* the task's namespace */
	pid_t running;         /* the publish command under way, or 0 */
	struct pending_event *queue, *queue_tail;
};

/* topic e.g. "/tasks/exit"; type_url e.g. "containerd.events.TaskExit".
 * Failures are reported through diag: an event lost is not the task's. */
void publish_event(struct publisher *pub, const char *topic, const char *type_url, const ProtobufCMessage *event);

/* A child was reaped: true when it was the publish command (the next
 * event goes out then). */
bool publish_reaped(struct publisher *pub, pid_t pid);

/* Sends every queued event, waiting for each command (at the shim's end). */
void publish_flush(struct publisher *pub);

#endif
