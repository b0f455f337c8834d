/* Unit tests for loop, the epoll dispatcher under every fd of the shim. The
 * contract checked here: a watch removed during a batch is never called
 * again in that batch (even when its memory is freed at once), loop_again
 * calls a watch once more after the batch without a kernel event,
 * loop_defer_free releases only after the whole batch, loop_mod with the
 * same interest makes no syscall, and a timeout with no event returns 0.
 * The fds are pipes and eventfds; everything that can be made ready before
 * loop_run_once is, so both watches land in the same epoll batch. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "base/loop.h"
#include "base/util.h"

/* One watched fd and what its callback saw. */
struct probe {
	struct watch w;
	struct loop *loop;
	int calls;
	uint32_t last_events;
	int wr; /* the pipe's write end, when the probe owns a pipe */
	/* What the callback does besides counting. */
	struct probe *victim;    /* loop_del this one (then free it when free_victim) */
	bool free_victim;
	bool read_one_again;     /* read one byte, then ask for loop_again */
	int bytes_read;
	struct probe **last_caller; /* set to the probe whose callback ran */
};

static void probe_cb(struct watch *w, uint32_t events)
{
	struct probe *p = w->ctx;
	p->calls++;
	p->last_events = events;
	if (p->last_caller)
		*p->last_caller = p;
	if (p->victim) {
		struct probe *v = p->victim;
		p->victim = NULL;
		loop_del(p->loop, &v->w);
		if (p->free_victim) {
			close_fd(&v->w.fd);
			close_fd(&v->wr);
			free(v); /* at once: loop_del must have made this safe */
		}
	}
	if (p->read_one_again) {
		char c;
		ssize_t n = read(w->fd, &c, 1);
		if (n == 1) {
			p->bytes_read++;
			loop_again(p->loop, w);
		}
	}
}

static struct probe *probe_pipe(struct loop *l, bool with_data, uint32_t events)
{
	struct probe *p = calloc(1, sizeof(*p));
	assert_non_null(p);
	int fds[2];
	assert_int_equal(pipe2(fds, O_NONBLOCK | O_CLOEXEC), 0);
	p->loop = l;
	p->wr = fds[1];
	watch_init(&p->w, fds[0], probe_cb, p);
	if (with_data)
		assert_int_equal(write(p->wr, "x", 1), 1);
	assert_int_equal(loop_add(l, &p->w, events), 0);
	return p;
}

static void probe_free(struct loop *l, struct probe *p)
{
	if (p == NULL)
		return;
	loop_del(l, &p->w);
	close_fd(&p->w.fd);
	close_fd(&p->wr);
	free(p);
}

static int setup(void **state)
{
	struct loop *l = loop_new();
	assert_non_null(l);
	*state = l;
	return 0;
}

static int teardown(void **state)
{
	loop_free(*state);
	return 0;
}

static void test_timeout_no_events_returns_zero(void **state)
{
	struct loop *l = *state;
	/* An empty loop, then one whose only fd stays silent. */
	int64_t t0 = mono_ns();
	assert_int_equal(loop_run_once(l, 30), 0);
	int64_t waited = mono_ns() - t0;
	assert_true(waited >= 25 * 1000000LL);

	struct probe *p = probe_pipe(l, false, EPOLLIN);
	t0 = mono_ns();
	assert_int_equal(loop_run_once(l, 30), 0);
	assert_true(mono_ns() - t0 >= 25 * 1000000LL);
	assert_int_equal(p->calls, 0);
	/* And timeout 0 returns at once. */
	assert_int_equal(loop_run_once(l, 0), 0);
	assert_int_equal(p->calls, 0);
	probe_free(l, p);
}

static void test_ready_fd_is_dispatched(void **state)
{
	struct loop *l = *state;
	struct probe *p = probe_pipe(l, true, EPOLLIN);
	assert_int_equal(loop_run_once(l, 1000), 0);
	assert_int_equal(p->calls, 1);
	assert_true(p->last_events & EPOLLIN);
	assert_ptr_equal(p->w.ctx, p);
	probe_free(l, p);
}

/* EPOLLHUP reaches the callback as it is (the reader then sees EOF). */
static void test_hangup_reaches_callback(void **state)
{
	struct loop *l = *state;
	struct probe *p = probe_pipe(l, false, EPOLLIN);
	close_fd(&p->wr);
	assert_int_equal(loop_run_once(l, 1000), 0);
	assert_int_equal(p->calls, 1);
	assert_true(p->last_events & EPOLLHUP);
	char c;
	assert_int_equal(read(p->w.fd, &c, 1), 0);
	probe_free(l, p);
}

/* Two ready watches, each deleting the other: whichever runs first wins,
 * and the other is not called in this batch nor later. */
static void test_del_during_batch_skips_victim(void **state)
{
	struct loop *l = *state;
	struct probe *a = probe_pipe(l, true, EPOLLIN);
	struct probe *b = probe_pipe(l, true, EPOLLIN);
	a->victim = b;
	b->victim = a;
	assert_int_equal(loop_run_once(l, 1000), 0);
	assert_int_equal(a->calls + b->calls, 1);
	struct probe *survivor = a->calls ? a : b, *removed = a->calls ? b : a;
	assert_false(removed->w.added);
	/* The removed one still has data, but is gone from the loop for good. */
	assert_int_equal(loop_run_once(l, 20), 0);
	assert_int_equal(removed->calls, 0);
	assert_int_equal(survivor->calls, 2); /* level-triggered: data still there */
	probe_free(l, a);
	probe_free(l, b);
}

/* The same, but the victim is freed right after loop_del: a dispatch of its
 * stale batch entry would be a use-after-free (ASan/valgrind see it). */
static void test_del_and_free_during_batch(void **state)
{
	struct loop *l = *state;
	struct probe *a = probe_pipe(l, true, EPOLLIN);
	struct probe *b = probe_pipe(l, true, EPOLLIN);
	struct probe *survivor = NULL;
	a->last_caller = b->last_caller = &survivor;
	a->victim = b;
	b->victim = a;
	a->free_victim = b->free_victim = true;
	assert_int_equal(loop_run_once(l, 1000), 0);
	/* Only the survivor is still allocated (the other one must not be
	 * looked at); it ran once and removed its victim. */
	assert_true(survivor == a || survivor == b);
	assert_int_equal(survivor->calls, 1);
	assert_null(survivor->victim);
	assert_int_equal(loop_run_once(l, 20), 0);
	assert_int_equal(survivor->calls, 2);
	probe_free(l, survivor);
}

/* A callback that removes itself is not called again for a second event
 * type or in the again phase. */
static void test_del_self(void **state)
{
	struct loop *l = *state;
	struct probe *p = probe_pipe(l, true, EPOLLIN | EPOLLET);
	p->read_one_again = true;
	p->victim = p;
	assert_int_equal(loop_run_once(l, 1000), 0);
	assert_int_equal(p->calls, 1);
	/* It asked for loop_again after deleting itself: a deleted watch must
	 * still not be called. */
	assert_int_equal(write(p->wr, "yy", 2), 2);
	assert_int_equal(loop_run_once(l, 20), 0);
	assert_int_equal(p->calls, 1);
	probe_free(l, p);
}

/* An edge-triggered reader that reads one byte per call and asks for
 * loop_again: the loop calls it again after the batch without any new
 * kernel event, without waiting for the timeout, until the data is gone. */
static void test_again_reruns_edge_triggered_reader(void **state)
{
	struct loop *l = *state;
	struct probe *p = probe_pipe(l, false, EPOLLIN | EPOLLET);
	p->read_one_again = true;
	assert_int_equal(write(p->wr, "abcdefghij", 10), 10);

	assert_int_equal(loop_run_once(l, 1000), 0);
	/* Called once in the batch; the again call belongs to the next one. */
	assert_int_equal(p->calls, 1);
	assert_int_equal(p->bytes_read, 1);
	assert_true(p->w.again);

	for (int i = 2; i <= 10; i++) {
		int64_t t0 = mono_ns();
		assert_int_equal(loop_run_once(l, 5000), 0);
		/* A pending again makes the wait non-blocking. */
		assert_true(mono_ns() - t0 < 2000 * 1000000LL);
		assert_int_equal(p->calls, i);
		assert_int_equal(p->bytes_read, i);
		assert_int_equal(p->last_events, EPOLLIN);
	}
	/* The 11th call finds the pipe empty and asks for nothing more. */
	assert_int_equal(loop_run_once(l, 5000), 0);
	assert_int_equal(p->calls, 11);
	assert_int_equal(p->bytes_read, 10);
	assert_false(p->w.again);
	/* Now the loop really waits: no event, no again. */
	int64_t t0 = mono_ns();
	assert_int_equal(loop_run_once(l, 30), 0);
	assert_true(mono_ns() - t0 >= 25 * 1000000LL);
	assert_int_equal(p->calls, 11);
	probe_free(l, p);
}

/* A watch with both a pending again and a new kernel event in the same
 * batch is called once, not twice. */
static void test_again_and_event_call_once(void **state)
{
	struct loop *l = *state;
	struct probe *p = probe_pipe(l, false, EPOLLIN); /* level-triggered */
	p->read_one_again = true;
	assert_int_equal(write(p->wr, "abcd", 4), 4);
	for (int i = 1; i <= 4; i++) {
		assert_int_equal(loop_run_once(l, 1000), 0);
		assert_int_equal(p->calls, i);
	}
	probe_free(l, p);
}

/* A pending again is dropped when the watch is deleted before the batch. */
static void test_again_then_del_is_not_called(void **state)
{
	struct loop *l = *state;
	struct probe *p = probe_pipe(l, false, EPOLLIN | EPOLLET);
	p->read_one_again = true;
	assert_int_equal(write(p->wr, "abc", 3), 3);
	assert_int_equal(loop_run_once(l, 1000), 0);
	assert_int_equal(p->calls, 1);
	loop_del(l, &p->w);
	assert_false(p->w.again);
	assert_int_equal(loop_run_once(l, 20), 0);
	assert_int_equal(p->calls, 1);
	probe_free(l, p);
}

/* A watch waiting for its again call is deleted by another watch's kernel
 * event in the batch that would have run it: it is not called. */
static void test_again_pending_deleted_by_earlier_callback(void **state)
{
	struct loop *l = *state;
	struct probe *victim = probe_pipe(l, false, EPOLLIN | EPOLLET);
	victim->read_one_again = true;
	assert_int_equal(write(victim->wr, "abc", 3), 3);
	assert_int_equal(loop_run_once(l, 1000), 0);
	assert_int_equal(victim->calls, 1);
	assert_true(victim->w.again);

	struct probe *killer = probe_pipe(l, true, EPOLLIN);
	killer->victim = victim;
	assert_int_equal(loop_run_once(l, 1000), 0);
	assert_int_equal(killer->calls, 1);
	assert_int_equal(victim->calls, 1);
	assert_int_equal(loop_run_once(l, 20), 0);
	assert_int_equal(victim->calls, 1);
	probe_free(l, killer);
	probe_free(l, victim);
}

/* A watch waiting for its again call, deleted and freed at once by an
 * earlier callback of the same batch, is not touched again (loop_run_once
 * keeps its due again calls where loop_del can forget them). */
static void test_again_pending_deleted_and_freed(void **state)
{
	struct loop *l = *state;
	struct probe *victim = probe_pipe(l, false, EPOLLIN | EPOLLET);
	victim->read_one_again = true;
	assert_int_equal(write(victim->wr, "abc", 3), 3);
	assert_int_equal(loop_run_once(l, 1000), 0);
	assert_true(victim->w.again);

	struct probe *killer = probe_pipe(l, true, EPOLLIN);
	killer->victim = victim;
	killer->free_victim = true;
	assert_int_equal(loop_run_once(l, 1000), 0);
	assert_int_equal(killer->calls, 1);
	probe_free(l, killer);
}

/* ------------------------------------------------------- loop_defer_free */

struct shared_obj {
	int touched;
	int *freed; /* outside the object: how often it was freed */
	int *calls_at_free;
	const int *calls;
};

struct toucher {
	struct watch w;
	struct loop *loop;
	struct shared_obj *obj; /* may point to memory handed to defer_free */
	int *calls;
	int *freed;
	int freed_seen_in_cb;
};

static void obj_free(void *p)
{
	struct shared_obj *o = p;
	++*o->freed;
	*o->calls_at_free = *o->calls;
	free(o);
}

/* The first toucher of the batch hands the object to loop_defer_free and
 * keeps using it; the second one still reads and writes it. */
static void toucher_cb(struct watch *w, uint32_t events)
{
	(void)events;
	struct toucher *t = w->ctx;
	uint64_t v;
	assert_int_equal(read(w->fd, &v, sizeof(v)), (ssize_t)sizeof(v));
	++*t->calls;
	t->freed_seen_in_cb = *t->freed;
	t->obj->touched++; /* use-after-free if it were already released */
	if (*t->calls == 1)
		loop_defer_free(t->loop, obj_free, t->obj);
}

static void test_defer_free_after_batch(void **state)
{
	struct loop *l = *state;
	int calls = 0, freed = 0, calls_at_free = -1;
	struct shared_obj *obj = calloc(1, sizeof(*obj));
	assert_non_null(obj);
	obj->freed = &freed;
	obj->calls_at_free = &calls_at_free;
	obj->calls = &calls;
	struct toucher t[2];
	for (int i = 0; i < 2; i++) {
		int fd = eventfd(1, EFD_NONBLOCK | EFD_CLOEXEC); /* readable at once */
		assert_true(fd >= 0);
		t[i] = (struct toucher){.loop = l, .obj = obj, .calls = &calls, .freed = &freed};
		watch_init(&t[i].w, fd, toucher_cb, &t[i]);
		assert_int_equal(loop_add(l, &t[i].w, EPOLLIN), 0);
	}
	assert_int_equal(loop_run_once(l, 1000), 0);
	assert_int_equal(calls, 2);
	/* Neither callback saw it freed; it was freed once, after both. */
	assert_int_equal(t[0].freed_seen_in_cb, 0);
	assert_int_equal(t[1].freed_seen_in_cb, 0);
	assert_int_equal(freed, 1);
	assert_int_equal(calls_at_free, 2);
	/* The next batch does not free it again. */
	assert_int_equal(loop_run_once(l, 0), 0);
	assert_int_equal(freed, 1);
	for (int i = 0; i < 2; i++) {
		loop_del(l, &t[i].w);
		close_fd(&t[i].w.fd);
	}
}

struct counted {
	int *freed;
};

static void counted_free(void *p)
{
	struct counted *c = p;
	++*c->freed;
	free(c);
}

static struct counted *counted_new(int *freed)
{
	struct counted *c = malloc(sizeof(*c));
	assert_non_null(c);
	c->freed = freed;
	return c;
}

/* Deferred outside a batch: released at the end of the next batch, even an
 * empty one; pending ones at loop_free (valgrind checks nothing leaks). */
static void test_defer_free_outside_batch_and_at_loop_free(void **state)
{
	(void)state;
	struct loop *l = loop_new();
	assert_non_null(l);
	int freed = 0;
	for (int i = 0; i < 40; i++) /* more than the first allocation of the list */
		loop_defer_free(l, counted_free, counted_new(&freed));
	assert_int_equal(freed, 0);
	assert_int_equal(loop_run_once(l, 0), 0);
	assert_int_equal(freed, 40);
	assert_int_equal(loop_run_once(l, 0), 0);
	assert_int_equal(freed, 40);

	loop_defer_free(l, counted_free, counted_new(&freed));
	loop_defer_free(l, counted_free, counted_new(&freed));
	loop_free(l);
	assert_int_equal(freed, 42);
	loop_free(NULL);
}

/* -------------------------------------------------------------- loop_mod */

static void test_mod_unchanged_is_noop(void **state)
{
	struct loop *l = *state;
	int fds[2];
	assert_int_equal(pipe2(fds, O_NONBLOCK | O_CLOEXEC), 0);
	struct probe p = {.loop = l, .wr = -1};
	watch_init(&p.w, fds[1], probe_cb, &p);
	/* The write end is never readable. */
	assert_int_equal(loop_add(l, &p.w, EPOLLIN), 0);
	assert_int_equal(loop_run_once(l, 0), 0);
	assert_int_equal(p.calls, 0);
	assert_int_equal(loop_mod(l, &p.w, EPOLLOUT), 0);
	assert_int_equal(p.w.events, (uint32_t)EPOLLOUT);
	assert_int_equal(loop_run_once(l, 1000), 0);
	assert_int_equal(p.calls, 1);
	assert_true(p.last_events & EPOLLOUT);

	/* Closing the fd drops it from epoll; a real epoll_ctl now fails with
	 * EBADF, so success proves that the unchanged mod made no syscall. */
	close(fds[1]);
	assert_int_equal(loop_mod(l, &p.w, EPOLLOUT), 0);
	assert_int_equal(p.w.events, (uint32_t)EPOLLOUT);
	errno = 0;
	assert_int_equal(loop_mod(l, &p.w, EPOLLIN), -1);
	assert_int_equal(errno, EBADF);
	assert_int_equal(p.w.events, (uint32_t)EPOLLOUT); /* unchanged on failure */
	loop_del(l, &p.w); /* tolerates the closed fd */
	assert_false(p.w.added);
	close(fds[0]);
}

static void test_mod_adds_a_watch_not_yet_added(void **state)
{
	struct loop *l = *state;
	struct probe p = {.loop = l, .wr = -1};
	int efd = eventfd(1, EFD_NONBLOCK | EFD_CLOEXEC);
	assert_true(efd >= 0);
	watch_init(&p.w, efd, probe_cb, &p);
	assert_false(p.w.added);
	assert_int_equal(loop_mod(l, &p.w, EPOLLIN), 0);
	assert_true(p.w.added);
	assert_int_equal(loop_run_once(l, 1000), 0);
	assert_int_equal(p.calls, 1);
	/* Deleting twice, or a watch never added, is harmless. */
	loop_del(l, &p.w);
	loop_del(l, &p.w);
	assert_int_equal(loop_run_once(l, 0), 0);
	assert_int_equal(p.calls, 1);
	close_fd(&p.w.fd);
}

static void test_add_twice_fails(void **state)
{
	struct loop *l = *state;
	struct probe p = {.loop = l, .wr = -1};
	int efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	assert_true(efd >= 0);
	watch_init(&p.w, efd, probe_cb, &p);
	assert_int_equal(loop_add(l, &p.w, EPOLLIN), 0);
	errno = 0;
	assert_int_equal(loop_add(l, &p.w, EPOLLIN), -1);
	assert_int_equal(errno, EEXIST);
	loop_del(l, &p.w);
	close_fd(&p.w.fd);
}

struct idle_probe {
	int due_ms; /* what due() answers */
	int runs;
};

static int idle_due(void *ctx)
{
	return ((struct idle_probe *)ctx)->due_ms;
}

static void idle_run(void *ctx)
{
	((struct idle_probe *)ctx)->runs++;
}

/* Idle work runs when its time has come and nothing is ready; it bounds the
 * wait of a loop that would sleep forever; an event that is ready goes
 * first; no work, no call. */
static void test_idle_work(void **state)
{
	struct loop *l = *state;
	struct idle_probe ip = {.due_ms = 0};
	struct loop_idle hook = {.due = idle_due, .run = idle_run, .ctx = &ip};
	loop_idle_add(l, &hook);
	assert_int_equal(loop_run_once(l, -1), 0);
	assert_int_equal(ip.runs, 1);

	ip.due_ms = 30;
	int64_t t0 = mono_ns();
	assert_int_equal(loop_run_once(l, -1), 0); /* would sleep forever without idle work */
	int64_t waited_ms = (mono_ns() - t0) / 1000000;
	assert_int_equal(ip.runs, 2);
	assert_true(waited_ms >= 25 && waited_ms < 2000);

	struct probe *p = probe_pipe(l, false, EPOLLIN);
	assert_int_equal(write(p->wr, "x", 1), 1);
	ip.due_ms = 0;
	assert_int_equal(loop_run_once(l, -1), 0);
	assert_int_equal(p->calls, 1);
	assert_int_equal(ip.runs, 2); /* the event went first: no idle moment */

	ip.due_ms = -1;
	assert_int_equal(loop_run_once(l, 10), 0);
	assert_int_equal(ip.runs, 2);
	loop_idle_del(l, &hook);
	probe_free(l, p);
}

/* Several hooks: the loop sleeps no longer than the nearest, and runs only
 * the ones that are due; a removed hook is never called. */
static void test_idle_hooks(void **state)
{
	struct loop *l = *state;
	struct idle_probe soon = {.due_ms = 20}, late = {.due_ms = 5000}, gone = {.due_ms = 0};
	struct loop_idle h1 = {.due = idle_due, .run = idle_run, .ctx = &soon};
	struct loop_idle h2 = {.due = idle_due, .run = idle_run, .ctx = &late};
	struct loop_idle h3 = {.due = idle_due, .run = idle_run, .ctx = &gone};
	loop_idle_add(l, &h1);
	loop_idle_add(l, &h2);
	loop_idle_add(l, &h3);
	loop_idle_del(l, &h3);
	int64_t t0 = mono_ns();
	assert_int_equal(loop_run_once(l, -1), 0);
	int64_t waited_ms = (mono_ns() - t0) / 1000000;
	assert_true(waited_ms >= 15 && waited_ms < 2000);
	assert_int_equal(soon.runs, 1);
	assert_int_equal(late.runs, 0);
	assert_int_equal(gone.runs, 0);
	loop_idle_del(l, &h1);
	loop_idle_del(l, &h2);
}

struct timer_probe {
	struct loop *loop;
	int fired;
	int rearm; /* times the callback arms itself again (0 ms) */
	struct loop_timer *victim; /* disarmed by the callback */
	int64_t fired_ns;
};

static void timer_fired(struct loop_timer *t)
{
	struct timer_probe *p = t->ctx;
	p->fired++;
	p->fired_ns = mono_ns();
	if (p->victim)
		loop_timer_disarm(p->loop, p->victim);
	if (p->rearm > 0) {
		p->rearm--;
		loop_timer_arm(p->loop, t, 0);
	}
}

/* A timer bounds the wait and fires once, in order of due time; re-arming
 * moves it; disarming (also by another timer's callback in the same round)
 * means it never fires; a callback that re-arms itself at 0 ms fires again
 * in the next round, not in a loop within this one. */
static void test_timers(void **state)
{
	struct loop *l = *state;
	struct timer_probe a = {.loop = l}, b = {.loop = l}, c = {.loop = l};
	struct loop_timer ta, tb, tc;
	loop_timer_init(&ta, timer_fired, &a);
	loop_timer_init(&tb, timer_fired, &b);
	loop_timer_init(&tc, timer_fired, &c);

	int64_t t0 = mono_ns();
	loop_timer_arm(l, &tb, 40);
	loop_timer_arm(l, &ta, 20);
	loop_timer_arm(l, &tc, 10000);
	loop_timer_arm(l, &tc, 30); /* re-armed sooner */
	a.victim = &tc;              /* a fires first and disarms c */
	for (int i = 0; i < 10 && b.fired == 0; i++)
		assert_int_equal(loop_run_once(l, -1), 0);
	assert_int_equal(a.fired, 1);
	assert_int_equal(b.fired, 1);
	assert_int_equal(c.fired, 0);
	assert_true(a.fired_ns - t0 >= 19 * 1000000);
	assert_true(b.fired_ns >= a.fired_ns);
	assert_false(ta.armed || tb.armed || tc.armed);

	a.victim = NULL;
	a.rearm = 1;
	loop_timer_arm(l, &ta, 0);
	assert_int_equal(loop_run_once(l, 1000), 0);
	assert_int_equal(a.fired, 2);
	assert_true(ta.armed);
	assert_int_equal(loop_run_once(l, 1000), 0);
	assert_int_equal(a.fired, 3);
	assert_false(ta.armed);

	loop_timer_arm(l, &tb, 10);
	loop_timer_disarm(l, &tb);
	assert_int_equal(loop_run_once(l, 50), 0);
	assert_int_equal(b.fired, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_timeout_no_events_returns_zero, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ready_fd_is_dispatched, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hangup_reaches_callback, setup, teardown),
		cmocka_unit_test_setup_teardown(test_del_during_batch_skips_victim, setup, teardown),
		cmocka_unit_test_setup_teardown(test_del_and_free_during_batch, setup, teardown),
		cmocka_unit_test_setup_teardown(test_del_self, setup, teardown),
		cmocka_unit_test_setup_teardown(test_again_reruns_edge_triggered_reader, setup, teardown),
		cmocka_unit_test_setup_teardown(test_again_and_event_call_once, setup, teardown),
		cmocka_unit_test_setup_teardown(test_again_then_del_is_not_called, setup, teardown),
		cmocka_unit_test_setup_teardown(test_again_pending_deleted_by_earlier_callback, setup, teardown),
		cmocka_unit_test_setup_teardown(test_again_pending_deleted_and_freed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_defer_free_after_batch, setup, teardown),
		cmocka_unit_test(test_defer_free_outside_batch_and_at_loop_free),
		cmocka_unit_test_setup_teardown(test_mod_unchanged_is_noop, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mod_adds_a_watch_not_yet_added, setup, teardown),
		cmocka_unit_test_setup_teardown(test_add_twice_fails, setup, teardown),
		cmocka_unit_test_setup_teardown(test_idle_work, setup, teardown),
		cmocka_unit_test_setup_teardown(test_idle_hooks, setup, teardown),
		cmocka_unit_test_setup_teardown(test_timers, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
