/* loop: epoll dispatch with safe removal during a batch. */
#include "base/loop.h"

#include <errno.h>
#include <stdint.h>
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
	struct loop_idle *idle;
	/* Armed timers, soonest first, and those being fired now (taken off
	 * the armed list together, so a callback that re-arms its own timer
	 * at once waits for the next round). */
	struct loop_timer *timers;
	struct loop_timer *firing;
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

void loop_idle_add(struct loop *l, struct loop_idle *h)
{
	if (h->added)
		return;
	h->next = l->idle;
	l->idle = h;
	h->added = true;
}

void loop_idle_del(struct loop *l, struct loop_idle *h)
{
	for (struct loop_idle **pp = &l->idle; *pp; pp = &(*pp)->next)
		if (*pp == h) {
			*pp = h->next;
			break;
		}
	h->added = false;
}

/* The wait before the nearest idle work, or -1 when there is none; each
 * hook remembers its own. */
static int loop_idle_wait(struct loop *l)
{
	int wait = -1;
	for (struct loop_idle *h = l->idle; h; h = h->next) {
		h->wait_ms = h->due(h->ctx);
		if (h->wait_ms >= 0 && (wait < 0 || h->wait_ms < wait))
			wait = h->wait_ms;
	}
	return wait;
}

/* After a wait of waited_ms with no event: the hooks whose time has come. */
static void loop_idle_run(struct loop *l, int waited_ms)
{
	for (struct loop_idle *h = l->idle, *next; h; h = next) {
		next = h->next;
		if (h->wait_ms >= 0 && h->wait_ms <= waited_ms)
			h->run(h->ctx);
	}
}

void loop_timer_init(struct loop_timer *t, void (*fire)(struct loop_timer *t), void *ctx)
{
	t->fire = fire;
	t->ctx = ctx;
	t->due_ns = 0;
	t->next = NULL;
	t->armed = false;
}

static void loop_timer_unlink(struct loop_timer **list, struct loop_timer *t)
{
	for (struct loop_timer **pp = list; *pp; pp = &(*pp)->next)
		if (*pp == t) {
			*pp = t->next;
			return;
		}
}

void loop_timer_disarm(struct loop *l, struct loop_timer *t)
{
	if (!t->armed)
		return;
	loop_timer_unlink(&l->timers, t);
	loop_timer_unlink(&l->firing, t);
	t->armed = false;
	t->next = NULL;
}

void loop_timer_arm(struct loop *l, struct loop_timer *t, int64_t delay_ms)
{
	loop_timer_disarm(l, t);
	t->due_ns = mono_ns() + (delay_ms > 0 ? delay_ms : 0) * 1000000;
	struct loop_timer **pp = &l->timers;
	while (*pp && (*pp)->due_ns <= t->due_ns)
		pp = &(*pp)->next;
	t->next = *pp;
	*pp = t;
	t->armed = true;
}

/* Milliseconds to the nearest timer (rounded up), or -1. */
static int loop_timer_wait(const struct loop *l)
{
	if (!l->timers)
		return -1;
	int64_t left = l->timers->due_ns - mono_ns();
	if (left <= 0)
		return 0;
	int64_t ms = (left + 999999) / 1000000;
	return ms > INT32_MAX ? INT32_MAX : (int)ms;
}

static void loop_timers_fire(struct loop *l)
{
	if (!l->timers)
		return; /* no clock read on the output path while nothing is armed */
	int64_t now = mono_ns();
	struct loop_timer **tail = &l->firing;
	while (l->timers && l->timers->due_ns <= now) {
		struct loop_timer *t = l->timers;
		l->timers = t->next;
		t->next = NULL;
		*tail = t;
		tail = &t->next;
	}
	while (l->firing) {
		struct loop_timer *t = l->firing;
		l->firing = t->next;
		t->next = NULL;
		t->armed = false;
		t->fire(t);
	}
}

static int min_wait(int a, int b)
{
	if (a < 0)
		return b;
	if (b < 0)
		return a;
	return a < b ? a : b;
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
	int idle_ms = loop_idle_wait(l);
	if (n_again > 0)
		timeout_ms = 0;
	else
		timeout_ms = min_wait(min_wait(timeout_ms, idle_ms), loop_timer_wait(l));

	int n = epoll_wait(l->epfd, events, LOOP_BATCH, timeout_ms);
	if (n < 0) {
		if (errno != EINTR)
			return -1;
		n = 0;
	}
	loop_dispatch(l, events, n, again, n_again);
	loop_timers_fire(l);
	if (n == 0 && n_again == 0 && idle_ms >= 0)
		loop_idle_run(l, timeout_ms);
	loop_run_deferred(l);
	return 0;
}
