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

/* One directory for the group; every test leaves it holding only "pid". */
static char dir[] = "/tmp/test_pidfile.XXXXXX";
static char path[sizeof(dir) + 8];

static int group_setup(void **state)
{
	(void)state;
	if (mkdtemp(dir) == NULL)
		return -1;
	snprintf(path, sizeof(path), "%s/pid", dir);
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	if (unlink(path) < 0)
		rmdir(path); /* a failed test_unreadable leaves a directory */
	return rmdir(dir);
}

/* Writes len bytes of text (NULs included) as the pid file and reads it. */
static pid_t read_text(const char *text, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, len), (ssize_t)len);
	assert_int_equal(close(fd), 0);
	errno = 0;
	return pidfile_read(path);
}

#define TEXT(s) s, sizeof(s) - 1 /* a literal with its length, NULs and all */

static void test_valid(void **state)
{
	(void)state;
	const struct {
		const char *text;
		size_t len;
		pid_t pid;
	} ok[] = {{TEXT("1"), 1}, {TEXT("14149"), 14149}, {TEXT("2147483647"), INT_MAX}, {TEXT("0042"), 42},
		  /* runc and conmon write no newline; other writers may. */
		  {TEXT("14149\n"), 14149}, {TEXT("14149 "), 14149}, {TEXT("14149 \n"), 14149},
		  {TEXT("14149\n\n"), 14149},
		  /* Blanks up to the 64-byte bound. */
		  {TEXT("7                                                               "), 7}};
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		pid_t pid = read_text(ok[i].text, ok[i].len);
		if (pid != ok[i].pid)
			fail_msg("\"%s\": got %d (%s), want %d", ok[i].text, (int)pid, strerror(errno), (int)ok[i].pid);
	}
}

/* What ptyshim writes (its --conmon-pidfile, the container pid file without
 * a runtime) is what every reader reads. */
static void test_round_trip_with_writer(void **state)
{
	(void)state;
	const pid_t pids[] = {1, 2, 300, 4194304, INT_MAX};
	for (size_t i = 0; i < sizeof(pids) / sizeof(pids[0]); i++) {
		assert_int_equal(write_decimal_file(path, pids[i]), 0);
		assert_int_equal(pidfile_read(path), pids[i]);
	}
}

static void test_not_a_pid(void **state)
{
	(void)state;
	const struct {
		const char *text;
		size_t len;
	} bad[] = {
		/* empty */
		{TEXT("")}, {TEXT("\n")}, {TEXT(" ")},
		/* garbage */
		{TEXT("abc")}, {TEXT("12abc")}, {TEXT("x12")}, {TEXT("0x10")}, {TEXT("1e3")}, {TEXT("12.0")},
		{TEXT("12 34")}, {TEXT("12\n34")},
		/* blanks other than trailing newlines and spaces */
		{TEXT(" 12")}, {TEXT("\t12")}, {TEXT("12\t")}, {TEXT("12\r\n")},
		/* no pid: zero, a sign, negative */
		{TEXT("0")}, {TEXT("-0")}, {TEXT("+12")}, {TEXT("-5")}, {TEXT("-1\n")}, {TEXT("--5")}, {TEXT("-")},
		/* huge */
		{TEXT("2147483648")}, {TEXT("4294967297")}, {TEXT("9223372036854775808")},
		{TEXT("99999999999999999999")},
		/* garbage the reader must see the whole file to find: after a NUL,
		 * after the 64-byte bound */
		{TEXT("12\0garbage")},
		{TEXT("7                                                               garbage")},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		pid_t pid = read_text(bad[i].text, bad[i].len);
		if (pid != -1 || errno != EINVAL)
			fail_msg("\"%s\": got %d, errno %d (%s); want -1, EINVAL", bad[i].text, (int)pid, errno,
				 strerror(errno));
	}
}

static void test_missing(void **state)
{
	(void)state;
	unlink(path);
	errno = 0;
	assert_int_equal(pidfile_read(path), -1);
	assert_int_equal(errno, ENOENT);
	/* A directory that is not there yet is "not there yet" too. */
	char p[sizeof(dir) + 16];
	snprintf(p, sizeof(p), "%s/no/such", dir);
	errno = 0;
	assert_int_equal(pidfile_read(p), -1);
	assert_int_equal(errno, ENOENT);
}

/* An unreadable file is neither missing nor garbage: the caller must be able
 * to say which. */
static void test_unreadable(void **state)
{
	(void)state;
	unlink(path);
	assert_int_equal(mkdir(path, 0700), 0);
	errno = 0;
	assert_int_equal(pidfile_read(path), -1);
	assert_int_equal(errno, EISDIR);
	assert_int_equal(rmdir(path), 0);
	assert_int_equal(read_text(TEXT("12")), 12);
	char through[sizeof(path) + 8];
	snprintf(through, sizeof(through), "%s/x", path);
	errno = 0;
	assert_int_equal(pidfile_read(through), -1);
	assert_int_equal(errno, ENOTDIR);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid),
		cmocka_unit_test(test_round_trip_with_writer),
		cmocka_unit_test(test_not_a_pid),
		cmocka_unit_test(test_missing),
		cmocka_unit_test(test_unreadable),
	};
	return cmocka_run_group_tests_name("pidfile", tests, group_setup, group_teardown);
}
