/* jrnlog: journald driver. The shim's side cuts chunks into entries and
 * queues them; one writer thread takes them off the queue and hands them to
 * sd_journal_sendv.
 *
 * Why a thread: libsystemd has no non-blocking send. Its socket is private
 * and blocking, and a journald that is stopped or behind lets sendmsg wait
 * until it reads again; the shim's loop must never wait like that (attach
 * clients, the control fifos and the container's pipes depend on it). So
 * exactly one thread may block there, and only it. It runs with every
 * signal blocked, so that the signals the shim takes through its signalfd
 * are never delivered to it instead; it may be cancelled only inside
 * sd_journal_sendv, where a stalled journald holds it at exit. */
#include "shim/jrnlog.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <dlfcn.h>
#include <systemd/sd-journal.h>

#include "base/diag.h"
#include "base/util.h"

#define MESSAGE_EQ "MESSAGE="
#define MESSAGE_EQ_LEN (sizeof(MESSAGE_EQ) - 1)
#define JRNLOG_STOP_MS 100 /* destroy without sync: the drain already had its time, or never will */

void jrnlog_ids_init(struct jrnlog_ids *ids, const struct jrnlog_opts *opts)
{
	ids->id_full = xasprintf("CONTAINER_ID_FULL=%s", opts->cid);
	ids->id_short = xasprintf("CONTAINER_ID=%.*s", JRNLOG_SHORT_ID_LEN, opts->cid);
	ids->tag = opts->tag ? xasprintf("CONTAINER_TAG=%s", opts->tag) : NULL;
	ids->name = opts->name ? xasprintf("CONTAINER_NAME=%s", opts->name) : NULL;
	if (opts->tag)
		ids->ident = xasprintf("SYSLOG_IDENTIFIER=%s", opts->tag);
	else if (opts->name)
		ids->ident = xasprintf("SYSLOG_IDENTIFIER=%s", opts->name);
	else
		ids->ident = xasprintf("SYSLOG_IDENTIFIER=%.*s", JRNLOG_SHORT_ID_LEN, opts->cid);
}

void jrnlog_ids_free(struct jrnlog_ids *ids)
{
	free(ids->id_full);
	free(ids->id_short);
	free(ids->tag);
	free(ids->name);
	free(ids->ident);
	*ids = (struct jrnlog_ids){0};
}

static void jrnlog_field(struct iovec *out, int *n, const char *s, size_t len)
{
	out[*n] = (struct iovec){.iov_base = (void *)s, .iov_len = len};
	(*n)++;
}

int jrnlog_fields(const struct jrnlog_ids *ids, enum stream_id stream, const char *message, size_t len,
		  bool partial, struct iovec out[JRNLOG_MAX_FIELDS])
{
	static const char partial_field[] = "CONTAINER_PARTIAL_MESSAGE=true";
	const char *priority = stream == STREAM_STDERR ? "PRIORITY=3" : "PRIORITY=6";
	int n = 0;
	jrnlog_field(out, &n, message, len);
	jrnlog_field(out, &n, ids->id_full, strlen(ids->id_full));
	jrnlog_field(out, &n, priority, strlen(priority));
	jrnlog_field(out, &n, ids->id_short, strlen(ids->id_short));
	if (ids->tag)
		jrnlog_field(out, &n, ids->tag, strlen(ids->tag));
	if (ids->name)
		jrnlog_field(out, &n, ids->name, strlen(ids->name));
	jrnlog_field(out, &n, ids->ident, strlen(ids->ident));
	if (partial)
		jrnlog_field(out, &n, partial_field, sizeof(partial_field) - 1);
	return n;
}

/* One conmon read (at most JRNLOG_LINE_MAX bytes). */
static void jrnlog_split_read(struct jrnlog_hold *hold, const char *data, size_t len, jrnlog_emit_fn *emit,
			      void *ctx)
{
	while (len > 0) {
		const char *nl = memchr(data, '\n', len);
		size_t line = nl ? (size_t)(nl - data) + 1 : len;
		bool partial = nl == NULL;
		if (partial && line < JRNLOG_LINE_MAX - hold->len) {
			memcpy(hold->buf + hold->len, data, line);
			hold->len += line;
			return;
		}
		emit(ctx, hold->buf, hold->len, data, line, partial);
		hold->len = 0;
		data += line;
		len -= line;
	}
}

void jrnlog_split(struct jrnlog_hold *hold, const char *data, size_t len, jrnlog_emit_fn *emit, void *ctx)
{
	while (len > 0) {
		size_t piece = len < JRNLOG_LINE_MAX ? len : JRNLOG_LINE_MAX;
		jrnlog_split_read(hold, data, piece, emit, ctx);
		data += piece;
		len -= piece;
	}
}

void jrnlog_split_end(struct jrnlog_hold *hold, jrnlog_emit_fn *emit, void *ctx)
{
	if (hold->len > 0)
		emit(ctx, hold->buf, hold->len, NULL, 0, true);
	hold->len = 0;
}

/* ---- the queue and its writer ---------------------------------------- */

struct jrnlog_entry {
	struct jrnlog_entry *next;
	enum stream_id stream;
	bool partial;
	size_t len; /* of msg */
	char msg[]; /* "MESSAGE=" and the content */
};

enum jrnlog_cause {
	CAUSE_NONE,
	CAUSE_FULL,      /* the queue was full: journald is slow or stopped */
	CAUSE_NO_SOCKET, /* no journald listening (libsystemd drops such entries silently) */
	CAUSE_SEND,      /* sd_journal_sendv failed */
	CAUSE_THREAD,    /* the writer could not be started */
};

/* Entries that never reached journald. */
struct jrnlog_loss {
	uint64_t entries, bytes; /* bytes: of content */
	enum jrnlog_cause first; /* the cause of the first drop */
	int first_errno;
};

/* What the writer thread and the shim share; mu guards all of it. */
struct jrnlog_queue {
	pthread_mutex_t mu;
	pthread_cond_t wake; /* an entry came to an empty queue, or stop */
	struct jrnlog_entry *head, **tail;
	struct jrnlog_entry *in_flight; /* the writer's, while it sends */
	size_t bytes;
	bool stop; /* the writer ends once the queue is empty */
	struct jrnlog_loss loss;
};

struct jrnlog {
	struct logdrv base;
	struct jrnlog_ids ids; /* read by the writer; never changed while it runs */
	struct jrnlog_hold hold[2]; /* stdout, stderr */
	struct jrnlog_queue q;
	pthread_t writer;
	/* libsystemd is loaded when a journald log is opened, not linked: with
	 * its own libraries (gcrypt, lz4, zstd, lzma, cap) it costs every shim
	 * about 190 kB of private pages, most of the idle daemon. */
	void *libsystemd;
	__typeof__(sd_journal_sendv) *sendv; /* the header's type: a changed signature fails the build */
	bool running;
	bool reported; /* the first drop was said */
};

struct jrnlog_emit_ctx {
	struct jrnlog *j;
	enum stream_id stream;
};

static size_t jrnlog_cost(size_t msg_len)
{
	return sizeof(struct jrnlog_entry) + msg_len;
}

/* Called with mu held. */
static void jrnlog_lose(struct jrnlog_queue *q, size_t content_len, enum jrnlog_cause cause, int err)
{
	if (q->loss.entries == 0) {
		q->loss.first = cause;
		q->loss.first_errno = err;
	}
	q->loss.entries++;
	q->loss.bytes += content_len;
}

static int jrnlog_send(const struct jrnlog *j, const struct jrnlog_entry *e, enum jrnlog_cause *cause)
{
	const struct jrnlog_ids *ids = &j->ids;
	if (access(JRNLOG_SOCKET, F_OK) < 0) {
		*cause = CAUSE_NO_SOCKET;
		return errno;
	}
	struct iovec iov[JRNLOG_MAX_FIELDS];
	int n = jrnlog_fields(ids, e->stream, e->msg, e->len, e->partial, iov);
	int old;
	pthread_setcancelstate(PTHREAD_CANCEL_ENABLE, &old);
	int rc = j->sendv(iov, n);
	pthread_setcancelstate(old, NULL);
	*cause = CAUSE_SEND;
	return rc < 0 ? -rc : 0;
}

static void *jrnlog_writer(void *arg)
{
	struct jrnlog *j = arg;
	struct jrnlog_queue *q = &j->q;
	pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, NULL);
	pthread_mutex_lock(&q->mu);
	for (;;) {
		while (q->head == NULL && !q->stop)
			pthread_cond_wait(&q->wake, &q->mu);
		struct jrnlog_entry *e = q->head;
		if (e == NULL)
			break;
		q->head = e->next;
		if (q->head == NULL)
			q->tail = &q->head;
		q->in_flight = e;
		pthread_mutex_unlock(&q->mu);

		enum jrnlog_cause cause;
		int err = jrnlog_send(j, e, &cause);

		pthread_mutex_lock(&q->mu);
		q->in_flight = NULL;
		q->bytes -= jrnlog_cost(e->len);
		if (err != 0)
			jrnlog_lose(q, e->len - MESSAGE_EQ_LEN, cause, err);
		free(e);
	}
	pthread_mutex_unlock(&q->mu);
	return NULL;
}

static int jrnlog_start(struct jrnlog *j)
{
	sigset_t all, old;
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	int err = pthread_create(&j->writer, NULL, jrnlog_writer, j);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	j->running = err == 0;
	return err;
}

/* With the writer gone: what it had not sent counts as lost. */
static void jrnlog_drop_queued(struct jrnlog_queue *q)
{
	pthread_mutex_lock(&q->mu);
	if (q->in_flight) {
		jrnlog_lose(q, q->in_flight->len - MESSAGE_EQ_LEN, CAUSE_FULL, 0);
		free(q->in_flight);
		q->in_flight = NULL;
	}
	while (q->head) {
		struct jrnlog_entry *e = q->head;
		q->head = e->next;
		jrnlog_lose(q, e->len - MESSAGE_EQ_LEN, CAUSE_FULL, 0);
		free(e);
	}
	q->tail = &q->head;
	q->bytes = 0;
	q->stop = false;
	pthread_mutex_unlock(&q->mu);
}

/* Ends the writer once it has sent what is queued, or at the deadline
 * (then it is in sd_journal_sendv, held by journald, and is cancelled). */
static void jrnlog_stop(struct jrnlog *j, int64_t deadline_ms)
{
	if (!j->running)
		return;
	pthread_mutex_lock(&j->q.mu);
	j->q.stop = true;
	pthread_cond_signal(&j->q.wake);
	pthread_mutex_unlock(&j->q.mu);

	int64_t until_ns = mono_ns() + deadline_ms * 1000000;
	struct timespec until = {.tv_sec = until_ns / 1000000000, .tv_nsec = until_ns % 1000000000};
	if (pthread_clockjoin_np(j->writer, NULL, CLOCK_MONOTONIC, &until) != 0) {
		pthread_cancel(j->writer);
		pthread_join(j->writer, NULL);
	}
	j->running = false;
	jrnlog_drop_queued(&j->q);
}

static void jrnlog_emit(void *ctx, const char *held, size_t held_len, const char *data, size_t len, bool partial)
{
	struct jrnlog_emit_ctx *c = ctx;
	struct jrnlog *j = c->j;
	struct jrnlog_queue *q = &j->q;
	size_t msg_len = MESSAGE_EQ_LEN + held_len + len;
	int start_err = j->running ? 0 : jrnlog_start(j);

	pthread_mutex_lock(&q->mu);
	if (!j->running || q->bytes + jrnlog_cost(msg_len) > JRNLOG_QUEUE_MAX) {
		jrnlog_lose(q, held_len + len, j->running ? CAUSE_FULL : CAUSE_THREAD, start_err);
		pthread_mutex_unlock(&q->mu);
		return;
	}
	struct jrnlog_entry *e = xmalloc(jrnlog_cost(msg_len));
	e->next = NULL;
	e->stream = c->stream;
	e->partial = partial;
	e->len = msg_len;
	memcpy(e->msg, MESSAGE_EQ, MESSAGE_EQ_LEN);
	if (held_len)
		memcpy(e->msg + MESSAGE_EQ_LEN, held, held_len);
	if (len)
		memcpy(e->msg + MESSAGE_EQ_LEN + held_len, data, len);
	bool was_empty = q->head == NULL;
	*q->tail = e;
	q->tail = &e->next;
	q->bytes += jrnlog_cost(msg_len);
	if (was_empty)
		pthread_cond_signal(&q->wake);
	pthread_mutex_unlock(&q->mu);
}

/* ---- the driver ------------------------------------------------------- */

static const struct logdrv_ops jrnlog_ops;

struct logdrv *jrnlog_open(const struct jrnlog_opts *opts, char **err)
{
	void *lib = dlopen("libsystemd.so.0", RTLD_NOW | RTLD_LOCAL);
	void *sendv = lib ? dlsym(lib, "sd_journal_sendv") : NULL;
	if (sendv == NULL) {
		*err = xasprintf("journald: cannot load libsystemd.so.0's sd_journal_sendv: %s", dlerror());
		if (lib)
			dlclose(lib);
		return NULL;
	}
	struct jrnlog *j = xcalloc(1, sizeof(*j));
	j->libsystemd = lib;
	memcpy(&j->sendv, &sendv, sizeof(j->sendv)); /* dlsym's void * to a function pointer */
	j->base.ops = &jrnlog_ops;
	j->base.name = "journald";
	jrnlog_ids_init(&j->ids, opts);
	pthread_mutex_init(&j->q.mu, NULL);
	pthread_cond_init(&j->q.wake, NULL);
	j->q.tail = &j->q.head;
	return &j->base;
}

static void jrnlog_describe(const struct jrnlog_loss *loss, char *out, size_t size)
{
	switch (loss->first) {
	case CAUSE_NO_SOCKET:
		snprintf(out, size, "%s: %s", JRNLOG_SOCKET, strerror(loss->first_errno));
		break;
	case CAUSE_SEND:
		snprintf(out, size, "sd_journal_sendv: %s", strerror(loss->first_errno));
		break;
	case CAUSE_THREAD:
		snprintf(out, size, "cannot start the writer thread: %s", strerror(loss->first_errno));
		break;
	default:
		snprintf(out, size, "journald does not keep up (%u bytes are queued)", JRNLOG_QUEUE_MAX);
		break;
	}
}

static struct jrnlog_loss jrnlog_loss_now(struct jrnlog *j)
{
	pthread_mutex_lock(&j->q.mu);
	struct jrnlog_loss loss = j->q.loss;
	pthread_mutex_unlock(&j->q.mu);
	return loss;
}

/* The first drop, once. */
static void jrnlog_report_first(struct jrnlog *j, const struct jrnlog_loss *loss)
{
	if (j->reported || loss->entries == 0)
		return;
	char cause[256];
	jrnlog_describe(loss, cause, sizeof(cause));
	diag_err("journald: %s; output is being dropped", cause);
	j->reported = true;
}

static void jrnlog_write(struct logdrv *drv, const struct output_chunk *chunk)
{
	struct jrnlog *j = (struct jrnlog *)drv;
	struct jrnlog_emit_ctx ctx = {j, chunk->stream == STREAM_STDERR ? STREAM_STDERR : STREAM_STDOUT};
	jrnlog_split(&j->hold[ctx.stream == STREAM_STDERR], chunk->data, chunk->len, jrnlog_emit, &ctx);
}

static void jrnlog_flush(struct logdrv *drv)
{
	struct jrnlog *j = (struct jrnlog *)drv;
	if (j->reported)
		return;
	struct jrnlog_loss loss = jrnlog_loss_now(j);
	jrnlog_report_first(j, &loss);
}

static void jrnlog_sync(struct logdrv *drv)
{
	struct jrnlog *j = (struct jrnlog *)drv;
	struct jrnlog_emit_ctx out = {j, STREAM_STDOUT}, err = {j, STREAM_STDERR};
	jrnlog_split_end(&j->hold[0], jrnlog_emit, &out);
	jrnlog_split_end(&j->hold[1], jrnlog_emit, &err);
	jrnlog_stop(j, JRNLOG_DRAIN_MS);
	struct jrnlog_loss loss = jrnlog_loss_now(j);
	jrnlog_report_first(j, &loss);
	if (loss.entries > 0)
		diag_err("journald: %llu entries (%llu bytes) of output were dropped", (unsigned long long)loss.entries,
			 (unsigned long long)loss.bytes);
}

static void jrnlog_destroy(struct logdrv *drv)
{
	struct jrnlog *j = (struct jrnlog *)drv;
	jrnlog_stop(j, JRNLOG_STOP_MS);
	pthread_cond_destroy(&j->q.wake);
	pthread_mutex_destroy(&j->q.mu);
	jrnlog_ids_free(&j->ids);
	/* libsystemd stays loaded: a writer cancelled inside sd_journal_sendv
	 * must never find its code unmapped, and the daemon ends right after. */
	free(j);
}

static const struct logdrv_ops jrnlog_ops = {
	.write = jrnlog_write,
	.flush = jrnlog_flush,
	.sync = jrnlog_sync,
	.destroy = jrnlog_destroy,
};
