/* loop: epoll dispatch with safe removal during a batch. */
#include "base/loop.h"

#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#include "base/util.h"

#define LOOP_BATCH 64
#define LOOP_MAX_AGAIN 64

struct deferred {
	void (*fn)(void *);
	void *p;
};

struct loop {
	int epfd;
	struct watch *again[LOOP_MAX_AGAIN];
	int n_again;
	struct deferred *deferred;
	size_t n_deferred, cap_deferred;
	/* The batch being dispatched and the again calls due after it, so
	 * loop_del can neutralise their entries. */
	struct epoll_event *batch;
	int batch_len;
	struct watch **due_again;
	int n_due_again;
	/* Work for when nothing else is ready (loop_set_idle). */
	int (*idle_due)(void *ctx);
	void (*idle_run)(void *ctx);
	void *idle_ctx;
};

struct loop *loop_new(void)
{
	struct loop *l = xcalloc(1, sizeof(*l));
	l->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (l->epfd < 0) {
		free(l);
		return NULL;
	}
	return l;
}

static void loop_run_deferred(struct loop *l)
{
	for (size_t i = 0; i < l->n_deferred; i++)
		l->deferred[i].fn(l->deferred[i].p);
	l->n_deferred = 0;
}

void loop_free(struct loop *l)
{
	if (l == NULL)
		return;
	loop_run_deferred(l);
	free(l->deferred);
	close_fd(&l->epfd);
	free(l);
}

void watch_init(struct watch *w, int fd, watch_cb cb, void *ctx)
{
	w->fd = fd;
	w->events = 0;
	w->cb = cb;
	w->ctx = ctx;
	w->added = false;
	w->again = false;
}

int loop_add(struct loop *l, struct watch *w, uint32_t events)
{
	struct epoll_event ev = {.events = events, .data.ptr = w};
	if (epoll_ctl(l->epfd, EPOLL_CTL_ADD, w->fd, &ev) < 0)
		return -1;
	w->events = events;
	w->added = true;
	return 0;
}

int loop_mod(struct loop *l, struct watch *w, uint32_t events)
{
	if (!w->added)
		return loop_add(l, w, events);
	if (events == w->events)
		return 0;
	struct epoll_event ev = {.events = events, .data.ptr = w};
	if (epoll_ctl(l->epfd, EPOLL_CTL_MOD, w->fd, &ev) < 0)
		return -1;
	w->events = events;
	return 0;
}

static void loop_forget(struct loop *l, struct watch *w)
{
	for (int i = 0; i < l->batch_len; i++)
		if (l->batch[i].data.ptr == w)
			l->batch[i].data.ptr = NULL;
	for (int i = 0; i < l->n_again; i++)
		if (l->again[i] == w)
			l->again[i] = NULL;
	for (int i = 0; i < l->n_due_again; i++)
		if (l->due_again[i] == w)
			l->due_again[i] = NULL;
	w->again = false;
}

void loop_del(struct loop *l, struct watch *w)
{
	if (w->added) {
		/* The fd may already be closed by a peer path; ENOENT/EBADF are fine. */
		epoll_ctl(l->epfd, EPOLL_CTL_DEL, w->fd, NULL);
		w->added = false;
	}
	w->events = 0;
	loop_forget(l, w);
}

void loop_again(struct loop *l, struct watch *w)
{
	if (w->again)
		return;
	if (l->n_again == LOOP_MAX_AGAIN)
		return; /* the caller keeps its state; it will be called on the next event */
	w->again = true;
	l->again[l->n_again++] = w;
}

void loop_defer_free(struct loop *l, void (*fn)(void *), void *p)
{
	if (l->n_deferred == l->cap_deferred) {
		l->cap_deferred = l->cap_deferred ? l->cap_deferred * 2 : 16;
		l->deferred = xrealloc(l->deferred, l->cap_deferred * sizeof(*l->deferred));
	}
	l->deferred[l->n_deferred++] = (struct deferred){fn, p};
}

void loop_set_idle(struct loop *l, int (*due)(void *ctx), void (*run)(void *ctx), void *ctx)
{
	l->idle_due = due;
	l->idle_run = run;
	l->idle_ctx = ctx;
}

static void loop_dispatch(struct loop *l, struct epoll_event *events, int n, struct watch **again, int n_again)
{
	l->batch = events;
	l->batch_len = n;
	l->due_again = again;
	l->n_due_again = n_again;
	for (int i = 0; i < n; i++) {
		struct watch *w = events[i].data.ptr;
		if (w == NULL)
			continue;
		/* A watch with a kernel event needs no extra "again" call. */
		for (int j = 0; j < n_again; j++)
			if (again[j] == w)
				again[j] = NULL;
		w->again = false;
		w->cb(w, events[i].events);
	}
	l->batch = NULL;
	l->batch_len = 0;
	for (int i = 0; i < n_again; i++) {
		struct watch *w = again[i];
		if (w == NULL || !w->again || !w->added)
			continue;
		w->again = false;
		w->cb(w, EPOLLIN);
	}
	l->due_again = NULL;
	l->n_due_again = 0;
}

int loop_run_once(struct loop *l, int timeout_ms)
{
	struct epoll_event events[LOOP_BATCH];
	struct watch *again[LOOP_MAX_AGAIN];
	int n_again = l->n_again;

	for (int i = 0; i < n_again; i++)
		again[i] = l->again[i];
	l->n_again = 0;
	int idle_ms = l->idle_due ? l->idle_due(l->idle_ctx) : -1;
	bool idle_work = idle_ms >= 0;
	if (n_again > 0)
		timeout_ms = 0;
	else if (idle_work && (timeout_ms < 0 || idle_ms < timeout_ms))
		timeout_ms = idle_ms;

	int n = epoll_wait(l->epfd, events, LOOP_BATCH, timeout_ms);
	if (n < 0) {
		if (errno != EINTR)
			return -1;
		n = 0;
	}
	loop_dispatch(l, events, n, again, n_again);
	if (n == 0 && n_again == 0 && idle_work)
		l->idle_run(l->idle_ctx);
	loop_run_deferred(l);
	return 0;
}
