/* Unit tests for pidfile, the one reader of the pid files a runtime and a
 * shim write: what write_decimal_file writes reads back, a trailing newline
 * or blank is fine, and everything else is told apart by errno: ENOENT for
 * a file not there yet (the shim and ptyshim-logs wait or give up on that),
 * EINVAL for a file that holds no pid, the system's error otherwise. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/pidfile.h"
#include "base/util.h"

struct fixture {
	char dir[64];
	char path[128];
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	assert_non_null(f);
	strcpy(f->dir, "/tmp/test_pidfile.XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->path, sizeof(f->path), "%s/pid", f->dir);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	if (unlink(f->path) < 0)
		rmdir(f->path);
	rmdir(f->dir);
	free(f);
	return 0;
}

/* Writes len bytes of text at path (NULs included) and reads it back. */
static pid_t read_text(const char *path, const char *text, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, len), (ssize_t)len);
	assert_int_equal(close(fd), 0);
	errno = 0;
	return pidfile_read(path);
}

static void test_valid(void **state)
{
	struct fixture *f = *state;
	const struct {
		const char *text;
		pid_t pid;
	} ok[] = {{"1", 1}, {"14149", 14149}, {"2147483647", INT_MAX}, {"0042", 42},
		  /* runc and conmon write no newline; other writers may. */
		  {"14149\n", 14149}, {"14149 ", 14149}, {"14149 \n", 14149}, {"14149\n\n", 14149}};
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		pid_t pid = read_text(f->path, ok[i].text, strlen(ok[i].text));
		if (pid != ok[i].pid)
			fail_msg("\"%s\": got %d (%s), want %d", ok[i].text, (int)pid, strerror(errno), (int)ok[i].pid);
	}
}

/* What ptyshim writes (its --conmon-pidfile, the container pid file without
 * a runtime) is what every reader reads. */
static void test_round_trip_with_writer(void **state)
{
	struct fixture *f = *state;
	const pid_t pids[] = {1, 2, 300, 4194304, INT_MAX};
	for (size_t i = 0; i < sizeof(pids) / sizeof(pids[0]); i++) {
		assert_int_equal(write_decimal_file(f->path, pids[i]), 0);
		assert_int_equal(pidfile_read(f->path), pids[i]);
	}
}

static void test_not_a_pid(void **state)
{
	struct fixture *f = *state;
	const char *bad[] = {/* empty */ "", "\n", " ",
			     /* garbage */ "abc", "12abc", "x12", "0x10", "1e3", "12.0", "12 34", "12\n34",
			     /* blanks other than trailing newlines and spaces */ " 12", "\t12", "12\t", "12\r\n",
			     /* no pid: zero, a sign, negative */ "0", "-0", "+12", "-5", "-1\n", "--5", "-",
			     /* huge */ "2147483648", "4294967297", "9223372036854775808", "99999999999999999999"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		pid_t pid = read_text(f->path, bad[i], strlen(bad[i]));
		if (pid != -1 || errno != EINVAL)
			fail_msg("\"%s\": got %d, errno %d (%s); want -1, EINVAL", bad[i], (int)pid, errno,
				 strerror(errno));
	}
}

/* A pid followed by a NUL and garbage, or by more than 64 bytes of blanks
 * and then garbage, is no pid either: the reader sees the whole file. */
static void test_hidden_garbage(void **state)
{
	struct fixture *f = *state;
	assert_int_equal(read_text(f->path, "12\0garbage", 10), -1);
	assert_int_equal(errno, EINVAL);
	char padded[80];
	memset(padded, ' ', sizeof(padded));
	padded[0] = '7';
	memcpy(padded + 64, "garbage", 7);
	assert_int_equal(read_text(f->path, padded, 71), -1);
	assert_int_equal(errno, EINVAL);
	/* Blanks alone, up to the bound, are fine. */
	assert_int_equal(read_text(f->path, padded, 64), 7);
}

static void test_missing(void **state)
{
	struct fixture *f = *state;
	errno = 0;
	assert_int_equal(pidfile_read(f->path), -1);
	assert_int_equal(errno, ENOENT);
	/* A directory that is not there yet is "not there yet" too. */
	char p[200];
	snprintf(p, sizeof(p), "%s/no/such", f->dir);
	errno = 0;
	assert_int_equal(pidfile_read(p), -1);
	assert_int_equal(errno, ENOENT);
}

/* An unreadable file is neither missing nor garbage: the caller must be able
 * to say which. */
static void test_unreadable(void **state)
{
	struct fixture *f = *state;
	assert_int_equal(mkdir(f->path, 0700), 0);
	errno = 0;
	assert_int_equal(pidfile_read(f->path), -1);
	assert_int_equal(errno, EISDIR);
	char through[200];
	snprintf(through, sizeof(through), "%s/pid/x", f->dir);
	rmdir(f->path);
	assert_int_equal(read_text(f->path, "12", 2), 12);
	errno = 0;
	assert_int_equal(pidfile_read(through), -1);
	assert_int_equal(errno, ENOTDIR);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_valid, setup, teardown),
		cmocka_unit_test_setup_teardown(test_round_trip_with_writer, setup, teardown),
		cmocka_unit_test_setup_teardown(test_not_a_pid, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hidden_garbage, setup, teardown),
		cmocka_unit_test_setup_teardown(test_missing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unreadable, setup, teardown),
	};
	return cmocka_run_group_tests_name("pidfile", tests, NULL, NULL);
}
