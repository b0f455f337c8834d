/* Unit tests for ctrio, the container's stdio endpoints, over real pipes
 * and a real PTY (openpty) with the real loop: output chunks carry their
 * stream, nothing is read before ctrio_start_output, a PTY without a slave
 * (EIO) is not the end of output, input goes through a bounded queue that
 * says when it has room again, input and a size that arrive before the PTY
 * are applied when it comes, and an idle shim does not spin. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <pty.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "shim/ctrio.h"
#include "base/diag.h"
#include "base/loop.h"
#include "base/util.h"

struct rec {
	char out[2][1 << 20]; /* [0] stdout, [1] stderr */
	size_t len[2];
	int chunks;
	int rooms;
	struct ctr_stdio *st;
	size_t pause_at; /* pause stdout once this much has come (0: never) */
};

static void on_output(void *ctx, const struct output_chunk *c)
{
	struct rec *r = ctx;
	assert_true(c->stream == STREAM_STDOUT || c->stream == STREAM_STDERR);
	assert_true(c->len > 0);
	assert_true(c->when.tv_sec > 0);
	int i = c->stream == STREAM_STDERR;
	assert_true(r->len[i] + c->len <= sizeof(r->out[i]));
	memcpy(r->out[i] + r->len[i], c->data, c->len);
	r->len[i] += c->len;
	r->chunks++;
	if (r->pause_at > 0 && i == 0 && r->len[0] >= r->pause_at)
		ctrio_pause_output(r->st, STREAM_STDOUT, true);
}

static void on_room(void *ctx)
{
	struct rec *r = ctx;
	r->rooms++;
}

struct fx {
	struct loop *loop;
	struct rec *rec;
	struct ctr_stdio *st;
};

static int setup(void **state)
{
	signal(SIGPIPE, SIG_IGN);
	struct fx *f = calloc(1, sizeof(*f));
	f->loop = loop_new();
	f->rec = calloc(1, sizeof(*f->rec));
	if (f->loop == NULL || f->rec == NULL)
		return -1;
	struct ctrio_callbacks cb = {.output = on_output, .input_room = on_room, .ctx = f->rec};
	f->st = ctrio_new(f->loop, &cb);
	f->rec->st = f->st;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	ctrio_free(f->st);
	loop_free(f->loop);
	free(f->rec);
	free(f);
	return 0;
}

static void pump(struct fx *f, int rounds)
{
	for (int i = 0; i < rounds; i++)
		assert_int_equal(loop_run_once(f->loop, 0), 0);
}

static void pump_until_len(struct fx *f, int stream_idx, size_t want)
{
	for (int i = 0; i < 500 && f->rec->len[stream_idx] < want; i++)
		assert_int_equal(loop_run_once(f->loop, 10), 0);
	if (f->rec->len[stream_idx] < want)
		fail_msg("waited for %zu bytes of output, got %zu", want, f->rec->len[stream_idx]);
}

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* How many of n waits of timeout_ms came back early. With nothing to
 * report, epoll_wait sleeps its whole timeout, so an early return always
 * means an event (this measures wake-ups, it does not race the clock). */
static int early_wakeups(struct fx *f, int n, int timeout_ms)
{
	int early = 0;
	for (int i = 0; i < n; i++) {
		int64_t t0 = now_ms();
		assert_int_equal(loop_run_once(f->loop, timeout_ms), 0);
		if (now_ms() - t0 < timeout_ms / 2)
			early++;
	}
	return early;
}

/* ------------------------------------------------------------ pipes */

static void test_pipe_output(void **state)
{
	struct fx *f = *state;
	int o[2], e[2];
	assert_int_equal(pipe2(o, O_CLOEXEC), 0);
	assert_int_equal(pipe2(e, O_CLOEXEC), 0);
	ctrio_set_pipes(f->st, o[0], e[0], -1);
	unsigned rows, cols;
	assert_false(ctrio_get_size(f->st, &rows, &cols)); /* pipes have no terminal size */
	assert_true(ctrio_output_open(f->st));

	assert_int_equal(write(o[1], "out1\n", 5), 5);
	assert_int_equal(write(e[1], "err1\n", 5), 5);
	/* Held back until the runtime is done. */
	pump(f, 3);
	assert_int_equal(f->rec->chunks, 0);
	ctrio_start_output(f->st);
	pump_until_len(f, 0, 5);
	pump_until_len(f, 1, 5);
	assert_memory_equal(f->rec->out[0], "out1\n", 5);
	assert_memory_equal(f->rec->out[1], "err1\n", 5);

	/* A lot of output, all of it, in order. */
	static char big[300000];
	for (size_t i = 0; i < sizeof(big); i++)
		big[i] = (char)(i * 7);
	size_t w = 0;
	set_nonblock(o[1], true);
	while (w < sizeof(big)) {
		ssize_t n = write(o[1], big + w, sizeof(big) - w);
		if (n > 0)
			w += (size_t)n;
		pump(f, 1);
	}
	pump_until_len(f, 0, 5 + sizeof(big));
	assert_memory_equal(f->rec->out[0] + 5, big, sizeof(big));

	/* EOF on both: output is over. */
	close(o[1]);
	close(e[1]);
	for (int i = 0; i < 100 && ctrio_output_open(f->st); i++)
		assert_int_equal(loop_run_once(f->loop, 10), 0);
	assert_false(ctrio_output_open(f->st));
	assert_true(ctrio_drain(f->st));
}

static void test_drain(void **state)
{
	struct fx *f = *state;
	int o[2];
	assert_int_equal(pipe2(o, O_CLOEXEC), 0);
	ctrio_set_pipes(f->st, o[0], -1, -1);
	ctrio_start_output(f->st);
	assert_int_equal(write(o[1], "last words", 10), 10);
	/* Drain reads what is there now, without the loop. */
	assert_false(ctrio_drain(f->st));
	assert_int_equal(f->rec->len[0], 10);
	close(o[1]);
	assert_true(ctrio_drain(f->st));
	assert_false(ctrio_output_open(f->st));
}

static void test_read_stderr_now(void **state)
{
	struct fx *f = *state;
	int e[2];
	assert_int_equal(pipe2(e, O_CLOEXEC), 0);
	ctrio_set_stderr(f->st, e[0]);
	const char *msg = "runc create failed: boom\n";
	assert_int_equal(write(e[1], msg, strlen(msg)), (ssize_t)strlen(msg));
	char buf[8192];
	size_t n = ctrio_read_stderr_now(f->st, buf, sizeof(buf));
	assert_int_equal(n, strlen(msg));
	assert_memory_equal(buf, msg, n);
	/* Nothing more: returns at once. */
	assert_int_equal(ctrio_read_stderr_now(f->st, buf, sizeof(buf)), 0);
	close(e[1]);
}

static void test_pipe_input(void **state)
{
	struct fx *f = *state;
	int in[2];
	assert_int_equal(pipe2(in, O_CLOEXEC), 0);
	ctrio_set_pipes(f->st, -1, -1, in[1]);
	ctrio_start_output(f->st);
	assert_true(ctrio_input_has_room(f->st));
	assert_int_equal(ctrio_push_input(f->st, "hello\n", 6), 6);
	pump(f, 3);
	char buf[64];
	assert_int_equal(read(in[0], buf, sizeof(buf)), 6);
	assert_memory_equal(buf, "hello\n", 6);

	/* Nobody reads: the pipe fills, then the queue; room runs out. */
	static char chunk[CTRIO_INPUT_CHUNK];
	memset(chunk, 'i', sizeof(chunk));
	size_t pushed = 0;
	int i;
	for (i = 0; i < 100 && ctrio_input_has_room(f->st); i++) {
		size_t n = ctrio_push_input(f->st, chunk, sizeof(chunk));
		/* With room, a whole chunk is always taken. */
		assert_int_equal(n, sizeof(chunk));
		pushed += n;
		pump(f, 2);
	}
	assert_false(ctrio_input_has_room(f->st));
	int rooms = f->rec->rooms;
	/* The container reads: room comes back, and the callback says so. */
	static char sink[1 << 20];
	size_t got = 0;
	set_nonblock(in[0], true);
	for (int k = 0; k < 1000 && got < pushed; k++) {
		ssize_t n = read(in[0], sink, sizeof(sink));
		if (n > 0)
			got += (size_t)n;
		assert_int_equal(loop_run_once(f->loop, 5), 0);
	}
	assert_int_equal(got, pushed);
	assert_true(ctrio_input_has_room(f->st));
	assert_true(f->rec->rooms > rooms);
	close(in[0]);
}

static void test_close_input_after_queue(void **state)
{
	struct fx *f = *state;
	int in[2];
	assert_int_equal(pipe2(in, O_CLOEXEC), 0);
	ctrio_set_pipes(f->st, -1, -1, in[1]);
	ctrio_start_output(f->st);
	assert_int_equal(ctrio_push_input(f->st, "line1\nline2-no-newline", 22), 22);
	/* stdin EOF from the client: what is queued still goes first. */
	ctrio_close_input(f->st);
	/* Closed: later input is taken and dropped, after what was queued. */
	assert_int_equal(ctrio_push_input(f->st, "dropped", 7), 7);
	char buf[64];
	size_t got = 0;
	ssize_t n = -1;
	set_nonblock(in[0], true);
	for (int i = 0; i < 500; i++) {
		n = read(in[0], buf + got, sizeof(buf) - got);
		if (n > 0)
			got += (size_t)n;
		else if (n == 0)
			break;
		assert_int_equal(loop_run_once(f->loop, 5), 0);
	}
	assert_int_equal(n, 0); /* EOF: the shim's end is closed */
	assert_int_equal(got, 22);
	assert_memory_equal(buf, "line1\nline2-no-newline", 22);
	/* Input after the close is accepted and dropped. */
	assert_int_equal(ctrio_push_input(f->st, "late", 4), 4);
	close(in[0]);
}

static void test_no_stdin(void **state)
{
	struct fx *f = *state;
	int o[2];
	assert_int_equal(pipe2(o, O_CLOEXEC), 0);
	ctrio_set_pipes(f->st, o[0], -1, -1);
	/* No stdin pipe (no -i): input is taken and dropped, never blocks. */
	assert_true(ctrio_input_has_room(f->st));
	for (int i = 0; i < 100; i++)
		assert_int_equal(ctrio_push_input(f->st, "x", 1), 1);
	assert_true(ctrio_input_has_room(f->st));
	close(o[1]);
}

/* A container that closes its stdin while running must not make the shim
 * spin. */
static void test_no_spin_after_stdin_closed(void **state)
{
	struct fx *f = *state;
	int in[2];
	assert_int_equal(pipe2(in, O_CLOEXEC), 0);
	ctrio_set_pipes(f->st, -1, -1, in[1]);
	ctrio_start_output(f->st);
	/* Before any input, an idle loop sleeps. */
	assert_int_equal(early_wakeups(f, 3, 40), 0);
	assert_int_equal(ctrio_push_input(f->st, "x\n", 2), 2);
	pump(f, 3);
	char buf[8];
	assert_int_equal(read(in[0], buf, sizeof(buf)), 2);
	close(in[0]); /* e.g. `exec 0<&-` in the container */
	diag_set_stderr(false);
	int early = early_wakeups(f, 5, 40);
	diag_set_stderr(true);
	/* BUG (reported to the lead, keep failing until fixed): after the first
	 * input, ctrio_update_in_interest (ctrio.c:100-109) keeps the stdin
	 * watch in the epoll set with no events; EPOLLERR is reported anyway
	 * when the reader goes, ctrio_in_cb has nothing to do, and the
	 * level-triggered error wakes the loop again at once: 100% CPU. */
	if (early > 1)
		fail_msg("the loop woke up %d times out of 5 with nothing to do (busy spin)", early);
}

/* A paused stream is not read, by the loop or by a drain, until it is
 * resumed; the chunk that was being read when the consumer paused is still
 * delivered; the other stream goes on meanwhile; nothing is lost. */
static void test_pause_output(void **state)
{
	struct fx *f = *state;
	int o[2], e[2];
	assert_int_equal(pipe2(o, O_CLOEXEC), 0);
	assert_int_equal(pipe2(e, O_CLOEXEC), 0);
	ctrio_set_pipes(f->st, o[0], e[0], -1);
	ctrio_start_output(f->st);
	f->rec->pause_at = 1;
	assert_int_equal(write(o[1], "first", 5), 5);
	pump_until_len(f, 0, 5);
	assert_int_equal(write(o[1], "second", 6), 6);
	assert_int_equal(write(e[1], "err", 3), 3);
	pump_until_len(f, 1, 3);
	pump(f, 5);
	assert_false(ctrio_drain(f->st));
	assert_int_equal(f->rec->len[0], 5);
	assert_true(ctrio_stream_open(f->st, STREAM_STDOUT));

	f->rec->pause_at = 0;
	ctrio_pause_output(f->st, STREAM_STDOUT, false);
	pump_until_len(f, 0, 11);
	assert_memory_equal(f->rec->out[0], "firstsecond", 11);
	close(o[1]);
	for (int i = 0; i < 100 && ctrio_stream_open(f->st, STREAM_STDOUT); i++)
		assert_int_equal(loop_run_once(f->loop, 10), 0);
	assert_false(ctrio_stream_open(f->st, STREAM_STDOUT));
	assert_true(ctrio_stream_open(f->st, STREAM_STDERR));
	close(e[1]);
}

/* ------------------------------------------------------------ PTY */

/* A PTY whose slave is raw: no ONLCR/echo games, the bytes are the test's. */
static void open_raw_pty(int *m, int *s)
{
	assert_int_equal(openpty(m, s, NULL, NULL, NULL), 0);
	struct termios t;
	assert_int_equal(tcgetattr(*s, &t), 0);
	cfmakeraw(&t);
	assert_int_equal(tcsetattr(*s, TCSANOW, &t), 0);
}

/* An edge-triggered PTY paused with data waiting, and more written while it
 * is paused: resuming delivers all of it without a new edge. */
static void test_pty_pause_resume(void **state)
{
	struct fx *f = *state;
	int m, s;
	open_raw_pty(&m, &s);
	assert_int_equal(ctrio_set_pty(f->st, m), 0);
	ctrio_start_output(f->st);
	ctrio_pause_output(f->st, STREAM_STDOUT, true);
	assert_int_equal(write(s, "held", 4), 4);
	pump(f, 5);
	assert_int_equal(f->rec->len[0], 0);
	ctrio_pause_output(f->st, STREAM_STDOUT, false);
	pump_until_len(f, 0, 4);
	assert_memory_equal(f->rec->out[0], "held", 4);
	close(s);
}

static void test_pty_output_and_hup(void **state)
{
	struct fx *f = *state;
	int m, s;
	open_raw_pty(&m, &s);
	char slave_name[128];
	assert_int_equal(ptsname_r(m, slave_name, sizeof(slave_name)), 0);

	assert_int_equal(ctrio_set_pty(f->st, m), 0);
	unsigned rows, cols;
	assert_true(ctrio_get_size(f->st, &rows, &cols)); /* the PTY's own size */
	ctrio_start_output(f->st);
	assert_int_equal(write(s, "from the container", 18), 18);
	pump_until_len(f, 0, 18);
	assert_memory_equal(f->rec->out[0], "from the container", 18);
	assert_int_equal(f->rec->len[1], 0); /* a terminal is all stdout */

	/* The slave closes (exec session over, or between processes): EIO on
	 * the master. That is not the end: a later slave's output still comes. */
	close(s);
	for (int i = 0; i < 20; i++)
		assert_int_equal(loop_run_once(f->loop, 5), 0);
	assert_false(ctrio_output_open(f->st));
	/* And an idle master without a slave does not wake the loop. */
	assert_int_equal(early_wakeups(f, 3, 40), 0);
	s = open(slave_name, O_RDWR | O_NOCTTY | O_CLOEXEC);
	assert_true(s >= 0);
	assert_int_equal(write(s, "again", 5), 5);
	pump_until_len(f, 0, 23);
	assert_memory_equal(f->rec->out[0] + 18, "again", 5);
	close(s);
}

static void test_pty_input_and_size_before_pty(void **state)
{
	struct fx *f = *state;
	/* podman exec -it: a resize and keystrokes may come before the PTY. */
	ctrio_resize(f->st, 30, 100);
	unsigned rows = 0, cols = 0;
	assert_true(ctrio_get_size(f->st, &rows, &cols));
	assert_int_equal(rows, 30);
	assert_int_equal(cols, 100);
	assert_int_equal(ctrio_push_input(f->st, "typed early\r", 12), 12);
	pump(f, 2);

	int m, s;
	open_raw_pty(&m, &s);
	assert_int_equal(ctrio_set_pty(f->st, m), 0);
	ctrio_start_output(f->st);

	struct winsize ws;
	assert_int_equal(ioctl(s, TIOCGWINSZ, &ws), 0);
	assert_int_equal(ws.ws_row, 30);
	assert_int_equal(ws.ws_col, 100);
	char buf[64];
	size_t got = 0;
	set_nonblock(s, true);
	for (int i = 0; i < 200 && got < 12; i++) {
		ssize_t n = read(s, buf + got, sizeof(buf) - got);
		if (n > 0)
			got += (size_t)n;
		assert_int_equal(loop_run_once(f->loop, 5), 0);
	}
	assert_int_equal(got, 12);
	assert_memory_equal(buf, "typed early\r", 12);

	/* A resize now goes straight to the terminal. */
	ctrio_resize(f->st, 40, 120);
	assert_int_equal(ioctl(s, TIOCGWINSZ, &ws), 0);
	assert_int_equal(ws.ws_row, 40);
	assert_int_equal(ws.ws_col, 120);
	assert_true(ctrio_get_size(f->st, &rows, &cols));
	assert_int_equal(rows, 40);
	assert_int_equal(cols, 120);
	/* Closing input on a terminal does not close the terminal. */
	ctrio_close_input(f->st);
	assert_int_equal(ctrio_push_input(f->st, "k", 1), 1);
	close(s);
}

static void test_no_spin_after_pty_slave_closed(void **state)
{
	struct fx *f = *state;
	int m, s;
	assert_int_equal(openpty(&m, &s, NULL, NULL, NULL), 0);
	assert_int_equal(ctrio_set_pty(f->st, m), 0);
	ctrio_start_output(f->st);
	/* Some input first: it registers the master for writing. */
	assert_int_equal(ctrio_push_input(f->st, "x\r", 2), 2);
	pump(f, 3);
	close(s);
	for (int i = 0; i < 5; i++)
		assert_int_equal(loop_run_once(f->loop, 5), 0);
	int early = early_wakeups(f, 5, 40);
	/* BUG (reported to the lead, keep failing until fixed): the input
	 * watch on the master (ctrio.c:100-109) stays in the epoll set with no
	 * events after the first input; a master without a slave reports
	 * EPOLLHUP regardless, level-triggered, and ctrio_in_cb ignores it:
	 * the loop spins for as long as no slave is open. */
	if (early > 1)
		fail_msg("the loop woke up %d times out of 5 with nothing to do (busy spin)", early);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_pipe_output, setup, teardown),
		cmocka_unit_test_setup_teardown(test_drain, setup, teardown),
		cmocka_unit_test_setup_teardown(test_read_stderr_now, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pipe_input, setup, teardown),
		cmocka_unit_test_setup_teardown(test_close_input_after_queue, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_stdin, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_spin_after_stdin_closed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pause_output, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pty_pause_resume, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pty_output_and_hup, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pty_input_and_size_before_pty, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_spin_after_pty_slave_closed, setup, teardown),
	};
	return cmocka_run_group_tests_name("ctrio", tests, NULL, NULL);
}
