#include "ctrd/publish.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "base/diag.h"
#include "base/loop.h"
#include "base/sock.h"
#include "base/util.h"
#include "ctrd/pbmsg.h"
#include "ctrd/ttrpc.h"
#include "github.com/containerd/containerd/api/services/ttrpc/events/v1/events.pb-c.h"
#include "google/protobuf/any.pb-c.h"

#define EVENTS_SERVICE "containerd.services.events.ttrpc.v1.Events"
#define RETRY_MIN_MS 1000
#define RETRY_MAX_MS 5000
/* containerd's own publisher gives up on an answer after 5 s. */
#define ANSWER_TIMEOUT_MS 5000

struct pending_event {
	struct pending_event *next;
	char *topic;
	uint8_t *request; /* a packed ForwardRequest */
	size_t len;
	int attempts; /* answered with an error, or not in time */
};

struct publisher {
	struct loop *loop;
	char *path; /* containerd's ttrpc socket; NULL: nowhere */
	char *namespace;
	struct pending_event *queue, *queue_tail;
	size_t queued;
	unsigned long long dropped;
	struct watch w; /* the connection, fd -1 while there is none */
	uint32_t stream_id; /* of the request in flight; 0: none */
	uint32_t last_stream;
	uint8_t *out;       /* the part of the request frame not written yet */
	size_t out_off, out_len;
	uint8_t *in;        /* answer bytes */
	size_t in_len, in_cap;
	struct loop_timer timer; /* the next connection attempt, or the answer's deadline */
	int connect_failures;
};

static void kick(struct publisher *pub);

static void event_free(struct pending_event *ev)
{
	free(ev->topic);
	free(ev->request);
	free(ev);
}

static void drop_head(struct publisher *pub)
{
	struct pending_event *ev = pub->queue;
	pub->queue = ev->next;
	if (!pub->queue)
		pub->queue_tail = NULL;
	pub->queued--;
	event_free(ev);
}

static void disconnect(struct publisher *pub)
{
	loop_del(pub->loop, &pub->w);
	close_fd(&pub->w.fd);
	free(pub->out);
	pub->out = NULL;
	pub->out_off = pub->out_len = 0;
	free(pub->in);
	pub->in = NULL;
	pub->in_len = pub->in_cap = 0;
	pub->stream_id = 0;
	loop_timer_disarm(pub->loop, &pub->timer);
}

/* The connection failed or containerd is not there: try again later,
 * sooner at first. */
static void retry_later(struct publisher *pub)
{
	disconnect(pub);
	pub->connect_failures++;
	int64_t ms = (int64_t)RETRY_MIN_MS * pub->connect_failures;
	loop_timer_arm(pub->loop, &pub->timer, ms < RETRY_MAX_MS ? ms : RETRY_MAX_MS);
}

/* The head event was refused or not answered in time. */
static void head_failed(struct publisher *pub, const char *why)
{
	struct pending_event *ev = pub->queue;
	if (++ev->attempts >= PUBLISH_ATTEMPTS) {
		diag_warn("publish %s: %s; dropped after %d attempts", ev->topic, why, ev->attempts);
		drop_head(pub);
	} else {
		diag_debug("publish %s: %s; trying again", ev->topic, why);
	}
}

static void on_timer(struct loop_timer *t)
{
	struct publisher *pub = t->ctx;
	if (pub->stream_id != 0) {
		head_failed(pub, "no answer");
		retry_later(pub);
		return;
	}
	kick(pub);
}

/* Writes what is left of the request; false when the connection failed. */
static bool send_pending(struct publisher *pub)
{
	while (pub->out_off < pub->out_len) {
		ssize_t n = send(pub->w.fd, pub->out + pub->out_off, pub->out_len - pub->out_off, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			break;
		if (n < 0)
			return false;
		pub->out_off += (size_t)n;
	}
	uint32_t want = EPOLLIN | (pub->out_off < pub->out_len ? EPOLLOUT : 0);
	return loop_mod(pub->loop, &pub->w, want) == 0;
}

/* The answer to the request in flight: the event is taken, or refused. */
static void take_answer(struct publisher *pub, const struct ttrpc_frame *f)
{
	char msg[128];
	int code = ttrpc_response_status(f->payload, f->length, msg, sizeof(msg));
	pub->stream_id = 0;
	loop_timer_disarm(pub->loop, &pub->timer);
	if (code == RPC_OK) {
		drop_head(pub);
		return;
	}
	char why[160];
	snprintf(why, sizeof(why), "containerd answered %s", code < 0 ? "garbage" : msg);
	head_failed(pub, why);
}

/* Reads answers; false when the connection ended or sent nonsense. */
static bool read_answers(struct publisher *pub)
{
	for (;;) {
		pub->in = xgrow(pub->in, &pub->in_cap, pub->in_len + 4096, 4096);
		ssize_t n = recv(pub->w.fd, pub->in + pub->in_len, pub->in_cap - pub->in_len, MSG_DONTWAIT);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			break;
		if (n <= 0)
			return false;
		pub->in_len += (size_t)n;
	}
	struct ttrpc_frame f;
	size_t used;
	enum ttrpc_scan_result r;
	while ((r = ttrpc_scan(pub->in, pub->in_len, &f, &used)) == TTRPC_SCAN_FRAME) {
		if (f.type == TTRPC_TYPE_RESPONSE && f.stream_id == pub->stream_id && pub->stream_id != 0)
			take_answer(pub, &f);
		memmove(pub->in, pub->in + used, pub->in_len - used);
		pub->in_len -= used;
	}
	return r != TTRPC_SCAN_TOO_BIG;
}

static void on_connection(struct watch *w, uint32_t events)
{
	struct publisher *pub = w->ctx;
	bool ok = true;
	if (events & EPOLLOUT)
		ok = send_pending(pub);
	if (ok && (events & (EPOLLIN | EPOLLHUP | EPOLLERR)))
		ok = read_answers(pub);
	if (!ok) {
		/* The request in flight may or may not have arrived: it is sent
		 * again (containerd takes a duplicate as one more event, the Go
		 * shim's publisher does the same). */
		retry_later(pub);
		return;
	}
	if (pub->stream_id == 0)
		kick(pub);
}

static bool connect_now(struct publisher *pub)
{
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return false;
	if (sock_connect(fd, pub->path, 0) < 0) {
		if (pub->connect_failures == 0)
			diag_info("publish: %s: %s; trying again", pub->path, strerror(errno));
		close_fd(&fd);
		return false;
	}
	watch_init(&pub->w, fd, on_connection, pub);
	if (loop_add(pub->loop, &pub->w, EPOLLIN) < 0) {
		close_fd(&pub->w.fd);
		return false;
	}
	return true;
}

/* Sends the head event when nothing is in flight. */
static void kick(struct publisher *pub)
{
	if (!pub->queue || pub->stream_id != 0 || pub->timer.armed)
		return;
	if (pub->w.fd < 0 && !connect_now(pub)) {
		retry_later(pub);
		return;
	}
	/* ttrpc clients number their streams with odd ids. */
	pub->last_stream = pub->last_stream == 0 || pub->last_stream >= UINT32_MAX - 2 ? 1 : pub->last_stream + 2;
	pub->stream_id = pub->last_stream;
	free(pub->out);
	pub->out = ttrpc_request_frame(pub->stream_id, EVENTS_SERVICE, "Forward", pub->queue->request,
				       pub->queue->len, &pub->out_len);
	pub->out_off = 0;
	loop_timer_arm(pub->loop, &pub->timer, ANSWER_TIMEOUT_MS);
	if (!send_pending(pub))
		retry_later(pub);
	else
		pub->connect_failures = 0;
}

struct publisher *publisher_new(struct loop *loop, const char *address, const char *namespace)
{
	struct publisher *pub = xcalloc(1, sizeof(*pub));
	pub->loop = loop;
	if (address && strncmp(address, "unix://", 7) == 0)
		address += 7;
	pub->path = address && address[0] ? xstrdup(address) : NULL;
	pub->namespace = xstrdup(namespace ? namespace : "");
	watch_init(&pub->w, -1, on_connection, pub);
	loop_timer_init(&pub->timer, on_timer, pub);
	return pub;
}

void publisher_free(struct publisher *pub)
{
	if (!pub)
		return;
	disconnect(pub);
	if (pub->queued > 0)
		diag_warn("publish: %zu events not delivered", pub->queued);
	while (pub->queue)
		drop_head(pub);
	free(pub->path);
	free(pub->namespace);
	free(pub);
}

/* A ForwardRequest for the event, stamped now. */
static uint8_t *forward_request(const struct publisher *pub, const char *topic, const char *type_url,
				const ProtobufCMessage *event, size_t *len)
{
	Google__Protobuf__Timestamp at = pbmsg_now();
	Google__Protobuf__Any any = GOOGLE__PROTOBUF__ANY__INIT;
	any.type_url = (char *)type_url;
	any.value.data = pbmsg_pack(event, &any.value.len);
	Containerd__Services__Events__Ttrpc__V1__Envelope env = CONTAINERD__SERVICES__EVENTS__TTRPC__V1__ENVELOPE__INIT;
	env.timestamp = &at;
	env.namespace_ = pub->namespace;
	env.topic = (char *)topic;
	env.event = &any;
	Containerd__Services__Events__Ttrpc__V1__ForwardRequest req =
		CONTAINERD__SERVICES__EVENTS__TTRPC__V1__FORWARD_REQUEST__INIT;
	req.envelope = &env;
	uint8_t *out = pbmsg_pack(&req.base, len);
	free(any.value.data);
	return out;
}

void publish_event(struct publisher *pub, const char *topic, const char *type_url, const ProtobufCMessage *event)
{
	if (!pub->path)
		return;
	if (pub->queued >= PUBLISH_QUEUE_MAX) {
		if (pub->dropped++ == 0)
			diag_warn("publish: containerd takes no events; the oldest are dropped");
		/* The head may be in flight: the next oldest goes instead. */
		struct pending_event *victim = pub->queue->next;
		pub->queue->next = victim->next;
		if (pub->queue_tail == victim)
			pub->queue_tail = pub->queue;
		pub->queued--;
		event_free(victim);
	}
	struct pending_event *ev = xcalloc(1, sizeof(*ev));
	ev->topic = xstrdup(topic);
	ev->request = forward_request(pub, topic, type_url, event, &ev->len);
	if (pub->queue_tail)
		pub->queue_tail->next = ev;
	else
		pub->queue = ev;
	pub->queue_tail = ev;
	pub->queued++;
	kick(pub);
}

size_t publisher_pending(const struct publisher *pub)
{
	return pub->queued;
}

void publisher_flush(struct publisher *pub, int timeout_ms)
{
	int64_t until = mono_ns() + (int64_t)timeout_ms * 1000000;
	for (;;) {
		int64_t left_ms = (until - mono_ns()) / 1000000;
		if (pub->queued == 0 || left_ms <= 0)
			return;
		if (loop_run_once(pub->loop, (int)left_ms) < 0)
			return;
	}
}
