/* Unit tests for endnote: the one line for each way a connection can end
 * without an exit code, in pipe mode, on a terminal with and without a
 * screen model; and the status, which is always ATTACH_EXIT_UNKNOWN. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "attach/endnote.h"
#include "attach/prog.h"
#include "base/diag.h"

/* endnote_explain's stderr line, without the trailing newline. */
static char *explain(const struct endnote_facts *f)
{
	char path[] = "/tmp/test_endnote.XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	unlink(path);
	fflush(stderr);
	int saved = dup(STDERR_FILENO);
	dup2(fd, STDERR_FILENO);
	assert_int_equal(endnote_explain(f), ATTACH_EXIT_UNKNOWN);
	dup2(saved, STDERR_FILENO);
	close(saved);
	char *buf = calloc(1, 2048);
	assert_non_null(buf);
	ssize_t n = pread(fd, buf, 2047, 0);
	close(fd);
	assert_true(n > 0);
	assert_int_equal(buf[n - 1], '\n');
	buf[n - 1] = '\0';
	assert_null(strchr(buf, '\n'));
	return buf;
}

static struct peer_info no_peer(void)
{
	return (struct peer_info){.pid_fd = -1, .ctr_pid_fd = -1, .terminal = -1};
}

static void expect_line(const struct endnote_facts *f, const char *want)
{
	char *got = explain(f);
	if (strcmp(got, want) != 0)
		print_error("got:  %s\nwant: %s\n", got, want);
	assert_string_equal(got, want);
	free(got);
}

static void test_pipe_cut_off(void **state)
{
	(void)state;
	struct peer_info p = no_peer();
	p.log_path = "/b/ctr.log";
	struct endnote_facts f = {.end = EXITWATCH_CTR_RUNS, .exit_path = "/x/exit", .peer = &p};
	expect_line(&f, "test: the shim cut this client off while the container still runs: it fell more than "
			"--attach-queue-size behind the output, which in pipe mode is never dropped; the log has "
			"every byte (ptyshim-logs /b/ctr.log); attach again to go on");
}

static void test_terminal_closed(void **state)
{
	(void)state;
	struct peer_info p = no_peer();
	struct endnote_facts f = {.end = EXITWATCH_CTR_RUNS, .peer = &p, .tty_container = true};
	expect_line(&f, "test: the shim closed the connection while the container still runs; attach again to go on");
	/* Without a screen model the shim cuts off a terminal client too. */
	p.no_screen = true;
	char *got = explain(&f);
	assert_non_null(strstr(got, "cut this client off"));
	assert_non_null(strstr(got, "--no-screen"));
	assert_non_null(strstr(got, "(ptyshim-logs LOG)"));
	free(got);
}

static void test_timeout(void **state)
{
	(void)state;
	struct peer_info p = no_peer();
	struct endnote_facts f = {
		.end = EXITWATCH_TIMEOUT, .exit_path = "/x/exit", .peer = &p, .tty_container = true,
		.exit_timeout_ms = 5000,
	};
	expect_line(&f, "test: the shim closed the connection but still runs, and no exit code appeared at /x/exit "
			"within 5 s: the container probably still runs; attach again to go on");
	f.tty_container = false;
	char *got = explain(&f);
	assert_non_null(strstr(got, "probably still runs, and this client was cut off: it fell more than"));
	free(got);
}

static void test_shim_gone(void **state)
{
	(void)state;
	struct peer_info p = no_peer();
	struct endnote_facts f = {.end = EXITWATCH_SHIM_GONE, .exit_path = "/x/exit", .peer = &p};
	expect_line(&f, "test: the shim is gone and no exit code appeared at /x/exit: the container's exit code is unknown");
	/* A container process that runs on: ourselves. */
	p.ctr_pid_fd = (int)syscall(SYS_pidfd_open, getpid(), 0);
	if (p.ctr_pid_fd < 0)
		skip();
	expect_line(&f, "test: the shim is gone but the container still runs, without it: no exit code will ever "
			"appear at /x/exit");
	close(p.ctr_pid_fd);
	f.exit_path = NULL;
	p.ctr_pid_fd = -1;
	expect_line(&f, "test: the shim is gone, and where it writes the exit code is unknown (see --exit-file)");
}

static void test_no_path_and_bad_file(void **state)
{
	(void)state;
	struct peer_info p = no_peer();
	struct endnote_facts f = {.end = EXITWATCH_NO_PATH, .peer = &p};
	expect_line(&f, "test: the container's exit code is unknown (no exit file found; see --exit-file)");
	f.end = EXITWATCH_NOT_CODE;
	f.exit_path = "/x/exit";
	expect_line(&f, "test: /x/exit: not an exit code");
}

int main(void)
{
	diag_init("test");
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pipe_cut_off),
		cmocka_unit_test(test_terminal_closed),
		cmocka_unit_test(test_timeout),
		cmocka_unit_test(test_shim_gone),
		cmocka_unit_test(test_no_path_and_bad_file),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
