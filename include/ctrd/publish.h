/* publish: the task events containerd expects from a shim (TaskCreate,
 * TaskStart, TaskExit, TaskExecAdded, TaskExecStarted, TaskDelete), sent
 * the way containerd's own `publish` command takes them:
 *   PUBLISH_BINARY --address ADDR publish --topic TOPIC --namespace NS
 * with the event, a packed google.protobuf.Any, on its stdin. The command
 * runs in the background; the shim's reaper collects it. */
#ifndef PTYSHIM_CTRD_PUBLISH_H
#define PTYSHIM_CTRD_PUBLISH_H

#include <protobuf-c/protobuf-c.h>

struct publisher {
	const char *binary;    /* containerd */
	const char *address;   /* containerd's grpc socket */
	const char *namespace; /* the task's namespace */
};

/* topic e.g. "/tasks/exit"; type_url e.g. "containerd.events.TaskExit".
 * Failures are reported through diag: an event lost is not the task's. */
void publish_event(const struct publisher *pub, const char *topic, const char *type_url,
		   const ProtobufCMessage *event);

#endif
