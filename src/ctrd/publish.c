#include "ctrd/publish.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/child.h"
#include "base/diag.h"
#include "base/util.h"
#include "google/protobuf/any.pb-c.h"

struct pending_event {
	struct pending_event *next;
	char *topic;
	uint8_t *data;
	size_t len;
};

static uint8_t *pack_any(const char *type_url, const ProtobufCMessage *event, size_t *len)
{
	size_t n = protobuf_c_message_get_packed_size(event);
	uint8_t *value = xmalloc(n ? n : 1);
	protobuf_c_message_pack(event, value);
	Google__Protobuf__Any any = GOOGLE__PROTOBUF__ANY__INIT;
	any.type_url = (char *)type_url;
	any.value.data = value;
	any.value.len = n;
	*len = google__protobuf__any__get_packed_size(&any);
	uint8_t *out = xmalloc(*len ? *len : 1);
	google__protobuf__any__pack(&any, out);
	free(value);
	return out;
}

static pid_t spawn_publish(const struct publisher *pub, const struct pending_event *ev)
{
	int fds[2];
	if (pipe2(fds, O_CLOEXEC) < 0) {
		diag_warn("publish %s: pipe: %s", ev->topic, strerror(errno));
		return -1;
	}
	pid_t pid = fork();
	if (pid == 0) {
		child_reset_signals();
		dup2(fds[0], 0);
		int devnull = open("/dev/null", O_WRONLY);
		if (devnull >= 0)
			dup2(devnull, 1);
		execlp(pub->binary, pub->binary, "--address", pub->address, "publish", "--topic", ev->topic,
		       "--namespace", pub->namespace, (char *)NULL);
		_exit(127);
	}
	close_fd(&fds[0]);
	if (pid < 0)
		diag_warn("publish %s: fork: %s", ev->topic, strerror(errno));
	/* An event is a few hundred bytes: the pipe takes it whole at once. */
	else if (write_all(fds[1], ev->data, ev->len) < 0)
		diag_warn("publish %s: %s", ev->topic, strerror(errno));
	close_fd(&fds[1]);
	return pid;
}

/* Starts the next queued event while none is under way. */
static void publish_next(struct publisher *pub)
{
	while (!pub->running && pub->queue) {
		struct pending_event *ev = pub->queue;
		pub->queue = ev->next;
		if (!pub->queue)
			pub->queue_tail = NULL;
		pid_t pid = spawn_publish(pub, ev);
		pub->running = pid > 0 ? pid : 0;
		free(ev->topic);
		free(ev->data);
		free(ev);
	}
}

void publish_event(struct publisher *pub, const char *topic, const char *type_url, const ProtobufCMessage *event)
{
	if (!pub->binary || !pub->binary[0] || !pub->address || !pub->address[0])
		return;
	struct pending_event *ev = xcalloc(1, sizeof(*ev));
	ev->topic = xstrdup(topic);
	ev->data = pack_any(type_url, event, &ev->len);
	if (pub->queue_tail)
		pub->queue_tail->next = ev;
	else
		pub->queue = ev;
	pub->queue_tail = ev;
	publish_next(pub);
}

bool publish_reaped(struct publisher *pub, pid_t pid)
{
	if (pid <= 0 || pid != pub->running)
		return false;
	pub->running = 0;
	publish_next(pub);
	return true;
}

void publish_flush(struct publisher *pub)
{
	while (pub->running) {
		int status;
		pid_t pid = waitpid(pub->running, &status, 0);
		if (pid < 0 && errno == EINTR)
			continue;
		pub->running = 0;
		publish_next(pub);
	}
}
