/* loop: the single epoll event loop. Each fd is a struct watch whose callback
 * is called with the ready events; EPOLLHUP/EPOLLERR reach the callback as
 * they are, so its own read sees EOF/EIO. Watches removed during a batch
 * are never called again in that batch, and memory handed to
 * loop_defer_free is released only after the batch, so a later event of the
 * same batch cannot touch freed memory. */
#ifndef PTYSHIM_LOOP_H
#define PTYSHIM_LOOP_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/epoll.h>

struct loop;
struct watch;

typedef void (*watch_cb)(struct watch *w, uint32_t events);

struct watch {
	int fd;          /* borrowed: the owner closes it after loop_del */
	uint32_t events; /* current interest */
	watch_cb cb;
	void *ctx;
	bool added;
	bool again; /* callback asked to be called again without a new event */
};

struct loop *loop_new(void);
void loop_free(struct loop *l);

void watch_init(struct watch *w, int fd, watch_cb cb, void *ctx);
int loop_add(struct loop *l, struct watch *w, uint32_t events);
/* Changes the interest; a no-op when unchanged. */
int loop_mod(struct loop *l, struct watch *w, uint32_t events);
void loop_del(struct loop *l, struct watch *w);
/* Call w again after this batch even without a new kernel event (used by
 * edge-triggered readers that stopped early to stay fair). */
void loop_again(struct loop *l, struct watch *w);

void loop_defer_free(struct loop *l, void (*fn)(void *), void *p);

/* Work for the moments the loop has nothing else to do. due(ctx) says in
 * how many ms the work may run (0: now; -1: there is none); loop_run_once
 * then sleeps no longer than the nearest, and when no event came meanwhile
 * it calls run(ctx) of each hook that is due (run should do a bounded
 * slice). Any number of hooks; the owner embeds one and keeps it alive
 * while it is added. */
struct loop_idle {
	int (*due)(void *ctx);
	void (*run)(void *ctx);
	void *ctx;
	struct loop_idle *next;
	int wait_ms; /* its due() before the current wait */
	bool added;
};
void loop_idle_add(struct loop *l, struct loop_idle *h);
void loop_idle_del(struct loop *l, struct loop_idle *h);

/* One-shot timers on CLOCK_MONOTONIC, fired after the batch of events in
 * which they fall due. A fired timer is disarmed before its callback, which
 * may arm it again. The owner embeds one and disarms it before freeing it. */
struct loop_timer {
	void (*fire)(struct loop_timer *t);
	void *ctx;
	int64_t due_ns;
	struct loop_timer *next;
	bool armed;
};
void loop_timer_init(struct loop_timer *t, void (*fire)(struct loop_timer *t), void *ctx);
/* Arms (or re-arms) t to fire in delay_ms. */
void loop_timer_arm(struct loop *l, struct loop_timer *t, int64_t delay_ms);
void loop_timer_disarm(struct loop *l, struct loop_timer *t);

/* Waits at most timeout_ms (-1 = forever) and dispatches one batch.
 * Returns 0, or -1 on an epoll failure other than EINTR. */
int loop_run_once(struct loop *l, int timeout_ms);

#endif
