/* Unit tests for outfifo, a task process's output on its way to
 * containerd's fifo (or a file), over real fifos with the real loop: the
 * shim never waits for a reader and a missing reader is never an error
 * (the bytes wait in the pipe for the next one); byte-exact, a stalled
 * reader makes it ask the source to stop above OUTFIFO_HIGH and to resume
 * at OUTFIFO_LOW, and every byte arrives in order; with a screen model, a
 * reader too far behind gets CAN and one repaint instead of its backlog,
 * and a repaint asked for follows what is queued; the fifo closes once its
 * queue is out; file:// and plain files are appended to; a file that
 * fails drops bytes without holding the source back. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/loop.h"
#include "base/util.h"
#include "ctrd/outfifo.h"

struct fx {
	struct loop *loop;
	char dir[64];
	char *path;
	int fulls, resumes;
	bool full;
	int repaints;
	size_t lag_max;
};

static void on_backpressure(void *ctx, bool full)
{
	struct fx *f = ctx;
	assert_true(full != f->full); /* only changes are reported */
	f->full = full;
	if (full)
		f->fulls++;
	else
		f->resumes++;
}

static char *on_repaint(void *ctx, size_t *len)
{
	struct fx *f = ctx;
	f->repaints++;
	char *s = xasprintf("<screen %d>", f->repaints);
	*len = strlen(s);
	return s;
}

static size_t on_lag_max(void *ctx)
{
	return ((struct fx *)ctx)->lag_max;
}

static int setup(void **state)
{
	signal(SIGPIPE, SIG_DFL); /* an EPIPE would kill the test: it must not happen */
	struct fx *f = calloc(1, sizeof(*f));
	f->loop = loop_new();
	strcpy(f->dir, "/tmp/test_outfifo.XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	f->path = xasprintf("%s/stdout", f->dir);
	assert_int_equal(mkfifo(f->path, 0600), 0);
	f->lag_max = 64 << 10;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	char *cmd = xasprintf("rm -rf '%s'", f->dir);
	assert_int_equal(system(cmd), 0);
	free(cmd);
	loop_free(f->loop);
	free(f->path);
	free(f);
	return 0;
}

static struct outfifo *open_exact(struct fx *f, const char *path)
{
	struct outfifo_callbacks cb = {.backpressure = on_backpressure, .ctx = f};
	char err[256];
	struct outfifo *o = outfifo_open(f->loop, path, &cb, err, sizeof(err));
	if (o == NULL)
		fail_msg("%s", err);
	return o;
}

static struct outfifo *open_screen(struct fx *f)
{
	struct outfifo_callbacks cb = {.repaint = on_repaint, .lag_max = on_lag_max, .ctx = f};
	char err[256];
	struct outfifo *o = outfifo_open(f->loop, f->path, &cb, err, sizeof(err));
	assert_non_null(o);
	return o;
}

static int open_reader(struct fx *f)
{
	int fd = open(f->path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	assert_true(fd >= 0);
	return fd;
}

/* Reads what is there now (non-blocking), appending to buf. */
static size_t read_some(int fd, char *buf, size_t len, size_t cap)
{
	for (;;) {
		ssize_t n = read(fd, buf + len, cap - len);
		if (n <= 0)
			return len;
		len += (size_t)n;
	}
}

static void pump(struct fx *f, int rounds)
{
	for (int i = 0; i < rounds; i++)
		assert_int_equal(loop_run_once(f->loop, 0), 0);
}

static void test_no_reader_yet(void **state)
{
	struct fx *f = *state;
	struct outfifo *o = open_exact(f, f->path); /* nobody reads: no wait, no ENXIO */
	outfifo_write(o, "before the reader\n", 18);
	assert_int_equal(outfifo_queued(o), 0);
	int r = open_reader(f);
	char buf[64];
	assert_int_equal(read_some(r, buf, 0, sizeof(buf)), 18);
	assert_memory_equal(buf, "before the reader\n", 18);
	/* The reader goes away and another comes: no EPIPE, nothing lost. */
	close(r);
	outfifo_write(o, "between readers\n", 16);
	r = open_reader(f);
	assert_int_equal(read_some(r, buf, 0, sizeof(buf)), 16);
	assert_true(outfifo_finish(o));
	assert_true(outfifo_closed(o));
	assert_int_equal(read(r, buf, sizeof(buf)), 0); /* the end */
	close(r);
	outfifo_free(o);
}

static void test_stalled_reader_byte_exact(void **state)
{
	struct fx *f = *state;
	struct outfifo *o = open_exact(f, f->path);
	int r = open_reader(f);
	size_t total = 4u << 20, written = 0;
	char *data = xmalloc(total), *got = xmalloc(total + 1);
	for (size_t i = 0; i < total; i++)
		data[i] = (char)('a' + i % 23);
	/* Write as a source that honours backpressure would. */
	while (written < total && !f->full) {
		size_t n = total - written < 8192 ? total - written : 8192;
		outfifo_write(o, data + written, n);
		written += n;
	}
	assert_true(f->full);
	assert_int_equal(f->fulls, 1);
	assert_true(outfifo_queued(o) >= OUTFIFO_HIGH);
	assert_true(outfifo_queued(o) < OUTFIFO_HIGH + 8192);
	size_t got_len = 0;
	while (got_len < total) {
		got_len = read_some(r, got, got_len, total + 1);
		pump(f, 1);
		while (written < total && !f->full) {
			size_t n = total - written < 8192 ? total - written : 8192;
			outfifo_write(o, data + written, n);
			written += n;
		}
	}
	assert_int_equal(got_len, total);
	assert_memory_equal(got, data, total);
	assert_false(f->full);
	assert_true(f->resumes >= 1);
	assert_int_equal(f->fulls, f->resumes);
	outfifo_free(o);
	close(r);
	free(data);
	free(got);
}

static void test_screen_lag_repaint(void **state)
{
	struct fx *f = *state;
	struct outfifo *o = open_screen(f);
	int r = open_reader(f);
	char chunk[4096];
	memset(chunk, 'x', sizeof(chunk));
	/* Far more than the pipe and lag_max: never held back, never blocks. */
	for (int i = 0; i < 200; i++)
		outfifo_write(o, chunk, sizeof(chunk));
	assert_true(outfifo_queued(o) <= f->lag_max);
	assert_int_equal(f->repaints, 0);
	static char got[1 << 20];
	size_t len = read_some(r, got, 0, sizeof(got));
	pump(f, 3);
	len = read_some(r, got, len, sizeof(got));
	assert_int_equal(f->repaints, 1);
	/* Some x's (what the pipe held), then CAN and the screen at the end. */
	const char *tail = "\030<screen 1>";
	assert_true(len > strlen(tail));
	assert_memory_equal(got + len - strlen(tail), tail, strlen(tail));
	for (size_t i = 0; i < len - strlen(tail); i++)
		assert_int_equal(got[i], 'x');
	/* Live output goes on after the repaint. */
	outfifo_write(o, "live", 4);
	assert_int_equal(read_some(r, got, 0, sizeof(got)), 4);
	assert_memory_equal(got, "live", 4);
	outfifo_free(o);
	close(r);
}

static void test_repaint_on_request(void **state)
{
	struct fx *f = *state;
	struct outfifo *o = open_screen(f);
	int r = open_reader(f);
	outfifo_write(o, "old", 3);
	outfifo_repaint(o);
	char got[64];
	size_t len = read_some(r, got, 0, sizeof(got));
	assert_int_equal(len, 3 + 1 + strlen("<screen 1>"));
	assert_memory_equal(got, "old\030<screen 1>", len);
	/* Byte-exact streams have no screen: nothing happens. */
	struct outfifo *plain = open_exact(f, f->path);
	outfifo_repaint(plain);
	assert_int_equal(f->repaints, 1);
	outfifo_free(plain);
	outfifo_free(o);
	close(r);
}

static void test_finish_after_flush(void **state)
{
	struct fx *f = *state;
	struct outfifo *o = open_exact(f, f->path);
	int r = open_reader(f);
	static char big[200000];
	memset(big, 'y', sizeof(big));
	outfifo_write(o, big, sizeof(big));
	assert_true(outfifo_queued(o) > 0);
	assert_false(outfifo_finish(o));
	outfifo_write(o, "ignored", 7); /* after the end */
	static char got[sizeof(big) + 16];
	size_t len = 0;
	for (int i = 0; i < 1000 && !outfifo_closed(o); i++) {
		len = read_some(r, got, len, sizeof(got));
		pump(f, 1);
	}
	assert_true(outfifo_closed(o));
	len = read_some(r, got, len, sizeof(got));
	assert_int_equal(len, sizeof(big));
	assert_int_equal(read(r, got, 1), 0);
	outfifo_free(o);
	close(r);
}

static void test_files(void **state)
{
	struct fx *f = *state;
	char *uri = xasprintf("file://%s/logs/deep/ctr.log", f->dir);
	struct outfifo *o = open_exact(f, uri);
	outfifo_write(o, "one\n", 4);
	outfifo_free(o);
	o = open_exact(f, uri);
	outfifo_write(o, "two\n", 4);
	assert_true(outfifo_finish(o));
	outfifo_free(o);
	char *path = xasprintf("%s/logs/deep/ctr.log", f->dir);
	size_t len;
	char *s = read_small_file(path, 100, &len);
	assert_non_null(s);
	assert_string_equal(s, "one\ntwo\n");
	free(s);

	/* A plain path that is a file is appended to, never created. */
	o = open_exact(f, path);
	outfifo_write(o, "three\n", 6);
	outfifo_free(o);
	s = read_small_file(path, 100, &len);
	assert_string_equal(s, "one\ntwo\nthree\n");
	free(s);
	char err[256];
	struct outfifo_callbacks cb = {.ctx = f};
	char *missing = xasprintf("%s/missing", f->dir);
	assert_null(outfifo_open(f->loop, missing, &cb, err, sizeof(err)));
	assert_non_null(strstr(err, "No such file"));
	assert_null(outfifo_open(f->loop, "file://relative/path", &cb, err, sizeof(err)));
	assert_null(outfifo_open(f->loop, "binary:///usr/bin/logger?a=b", &cb, err, sizeof(err)));
	assert_non_null(strstr(err, "only fifos, files and file:// URIs"));
	free(missing);
	free(path);
	free(uri);
}

/* /dev/full fails every write with ENOSPC: the bytes are dropped, and the
 * source is never told to stop for them. */
static void test_failing_file(void **state)
{
	struct fx *f = *state;
	struct outfifo *o = open_exact(f, "/dev/full");
	static char big[OUTFIFO_HIGH * 2];
	memset(big, 'z', sizeof(big));
	outfifo_write(o, big, sizeof(big));
	outfifo_write(o, "more", 4);
	assert_int_equal(outfifo_queued(o), 0);
	assert_false(f->full);
	assert_int_equal(f->fulls, 0);
	assert_true(outfifo_finish(o));
	outfifo_free(o);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_no_reader_yet, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stalled_reader_byte_exact, setup, teardown),
		cmocka_unit_test_setup_teardown(test_screen_lag_repaint, setup, teardown),
		cmocka_unit_test_setup_teardown(test_repaint_on_request, setup, teardown),
		cmocka_unit_test_setup_teardown(test_finish_after_flush, setup, teardown),
		cmocka_unit_test_setup_teardown(test_files, setup, teardown),
		cmocka_unit_test_setup_teardown(test_failing_file, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
