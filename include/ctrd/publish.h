/* publish: the task events containerd expects from a shim (TaskCreate,
 * TaskStart, TaskExit, TaskExecAdded, TaskExecStarted, TaskDelete,
 * TaskPaused, TaskResumed), forwarded as containerd 1.6's own shims do:
 * containerd.services.events.ttrpc.v1.Events/Forward on containerd's ttrpc
 * socket (TTRPC_ADDRESS), one Envelope each (when it happened, namespace,
 * topic, the event as a google.protobuf.Any).
 *
 * One event at a time, in the order they happened, so a TaskExit never
 * comes before its TaskStart. While containerd is away (restarting) the
 * socket is tried again after 1, 2, … at most 5 s and the events wait, so
 * an exit during a restart still reaches it; at most PUBLISH_QUEUE_MAX
 * wait (past that the oldest go, said once). An event containerd answers
 * with an error, or not at all, is tried PUBLISH_ATTEMPTS times, then
 * dropped with a warning. Nothing of this ever blocks the loop. */
#ifndef PTYSHIM_CTRD_PUBLISH_H
#define PTYSHIM_CTRD_PUBLISH_H

#include <protobuf-c/protobuf-c.h>
#include <stddef.h>

#define PUBLISH_QUEUE_MAX 1024
#define PUBLISH_ATTEMPTS 5

struct loop;
struct publisher;

/* address: a unix socket path, or unix://PATH; NULL or "": events are
 * dropped (a shim run by hand). */
struct publisher *publisher_new(struct loop *loop, const char *address, const char *namespace);
void publisher_free(struct publisher *pub);

/* topic e.g. "/tasks/exit"; type_url e.g. "containerd.events.TaskExit". */
void publish_event(struct publisher *pub, const char *topic, const char *type_url, const ProtobufCMessage *event);

/* Events not yet taken by containerd. */
size_t publisher_pending(const struct publisher *pub);

/* Runs the loop until every event is taken, or for at most timeout_ms (the
 * shim's end: the last TaskDelete should not be lost). */
void publisher_flush(struct publisher *pub, int timeout_ms);

#endif
