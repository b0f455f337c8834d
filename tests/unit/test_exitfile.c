/* Unit tests for exitfile, the exit code on disk that podman reads with
 * Atoi: a bare decimal, written atomically with mode 0644, found at
 * DIR/CID or DIR/exit, read back strictly (a trailing newline or blank is
 * fine, anything else is EINVAL), and mapped to a process exit status. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/exitfile.h"
#include "base/util.h"

struct fixture {
	char dir[64];
	char path[128];
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	assert_non_null(f);
	strcpy(f->dir, "/tmp/test_exitfile.XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->path, sizeof(f->path), "%s/ctr", f->dir);
	*state = f;
	return 0;
}

/* Removes everything in the (flat) directory. */
static int teardown(void **state)
{
	struct fixture *f = *state;
	DIR *d = opendir(f->dir);
	if (d) {
		struct dirent *e;
		while ((e = readdir(d)) != NULL) {
			if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
				continue;
			char p[400];
			snprintf(p, sizeof(p), "%s/%s", f->dir, e->d_name);
			if (unlink(p) < 0)
				rmdir(p);
		}
		closedir(d);
	}
	rmdir(f->dir);
	free(f);
	return 0;
}

static void put(const char *path, const void *data, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	assert_true(fd >= 0);
	assert_int_equal(write_all(fd, data, len), 0);
	close(fd);
}

static char *contents(const char *path, size_t *len)
{
	char *s = read_small_file(path, 4096, len);
	assert_non_null(s);
	return s;
}

static int files_in(const char *dir)
{
	DIR *d = opendir(dir);
	assert_non_null(d);
	int n = 0;
	struct dirent *e;
	while ((e = readdir(d)) != NULL)
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
			n++;
	closedir(d);
	return n;
}

static void test_path_forms(void **state)
{
	(void)state;
	char *p = exitfile_path("/run/libpod/exits", "0123abcd");
	assert_string_equal(p, "/run/libpod/exits/0123abcd");
	free(p);
	p = exitfile_path("/var/lib/persist/ctr", NULL);
	assert_string_equal(p, "/var/lib/persist/ctr/exit");
	free(p);
	p = exitfile_path("rel", "x");
	assert_string_equal(p, "rel/x");
	free(p);
}

/* The bytes podman's Atoi reads: no newline, no padding. */
static void test_write_format(void **state)
{
	struct fixture *f = *state;
	const struct {
		int code;
		const char *text;
	} cases[] = {{0, "0"}, {1, "1"}, {137, "137"}, {255, "255"}, {-1, "-1"}, {INT_MAX, "2147483647"}};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(exitfile_write(f->path, cases[i].code), 0);
		size_t len;
		char *s = contents(f->path, &len);
		assert_int_equal(len, strlen(cases[i].text));
		assert_string_equal(s, cases[i].text);
		free(s);
	}
	struct stat st;
	assert_int_equal(stat(f->path, &st), 0);
	assert_true(S_ISREG(st.st_mode));
	assert_int_equal(st.st_mode & 07777, 0644);
	/* Atomic: no temp file is left next to it. */
	assert_int_equal(files_in(f->dir), 1);
}

static void test_write_mode_ignores_umask(void **state)
{
	struct fixture *f = *state;
	mode_t old = umask(0077);
	int rc = exitfile_write(f->path, 3);
	umask(old);
	assert_int_equal(rc, 0);
	struct stat st;
	assert_int_equal(stat(f->path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0644); /* podman may read it as another user */
}

static void test_write_replaces(void **state)
{
	struct fixture *f = *state;
	put(f->path, "12345678\n", 9);
	assert_int_equal(exitfile_write(f->path, 7), 0);
	size_t len;
	char *s = contents(f->path, &len);
	assert_string_equal(s, "7"); /* not "72345678" */
	free(s);
}

static void test_write_failure(void **state)
{
	struct fixture *f = *state;
	char p[200];
	snprintf(p, sizeof(p), "%s/missing/ctr", f->dir);
	errno = 0;
	assert_int_equal(exitfile_write(p, 0), -1);
	assert_int_equal(errno, ENOENT);
}

static void test_round_trip(void **state)
{
	struct fixture *f = *state;
	const int codes[] = {0, 1, 2, 126, 127, 128, 130, 137, 143, 255, 256, 300, EXITFILE_TIMED_OUT, -2, INT_MAX,
			     INT_MIN};
	for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]); i++) {
		assert_int_equal(exitfile_write(f->path, codes[i]), 0);
		int code = 424242;
		assert_int_equal(exitfile_read(f->path, &code), 1);
		assert_int_equal(code, codes[i]);
	}
}

static int read_text(struct fixture *f, const char *text, size_t len, int *code)
{
	put(f->path, text, len);
	errno = 0;
	return exitfile_read(f->path, code);
}

static void test_read_accepts_trailing_newline_and_blank(void **state)
{
	struct fixture *f = *state;
	const struct {
		const char *text;
		int code;
	} ok[] = {{"0", 0}, {"3\n", 3}, {"3 ", 3}, {"3 \n", 3}, {"3\n\n", 3}, {"-1\n", -1}, {"255", 255},
		  {"0009", 9}, {"-0", 0}};
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		int code = 424242;
		if (read_text(f, ok[i].text, strlen(ok[i].text), &code) != 1)
			fail_msg("\"%s\" rejected: %s", ok[i].text, strerror(errno));
		assert_int_equal(code, ok[i].code);
	}
}

static void test_read_rejects_garbage(void **state)
{
	struct fixture *f = *state;
	const char *bad[] = {"", "\n", " ", "abc", "3x", "x3", " 3", "\t3", "3\t", "3\r\n", "+3", "--3", "-",
			     "3 4", "0x10", "1e2", "3.0", "2147483648", "-2147483649", "99999999999999999999"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int code = 424242;
		int rc = read_text(f, bad[i], strlen(bad[i]), &code);
		if (rc != -1)
			fail_msg("\"%s\" read as %d (rc %d)", bad[i], code, rc);
		assert_int_equal(errno, EINVAL);
		assert_int_equal(code, 424242); /* untouched */
	}
}

static void test_read_missing_is_zero(void **state)
{
	struct fixture *f = *state;
	int code = 424242;
	errno = 0;
	assert_int_equal(exitfile_read(f->path, &code), 0);
	assert_int_equal(code, 424242);
	/* A missing directory is "not there yet" too. */
	char p[200];
	snprintf(p, sizeof(p), "%s/no/such", f->dir);
	assert_int_equal(exitfile_read(p, &code), 0);
}

static void test_read_unreadable_is_error(void **state)
{
	struct fixture *f = *state;
	int code = 424242;
	/* A directory where the file should be. */
	assert_int_equal(mkdir(f->path, 0700), 0);
	errno = 0;
	assert_int_equal(exitfile_read(f->path, &code), -1);
	assert_int_not_equal(errno, 0);
	assert_int_equal(code, 424242);
	/* A path through a regular file: ENOTDIR, not "missing". */
	char file[200], through[240];
	snprintf(file, sizeof(file), "%s/plain", f->dir);
	put(file, "1", 1);
	snprintf(through, sizeof(through), "%s/ctr", file);
	errno = 0;
	assert_int_equal(exitfile_read(through, &code), -1);
	assert_int_equal(errno, ENOTDIR);
}

/* Anything but the code and trailing blanks is refused, also after an
 * embedded NUL or past the first 64 bytes. */
static void test_read_rejects_hidden_garbage(void **state)
{
	struct fixture *f = *state;
	int code = 424242;
	assert_int_equal(read_text(f, "7\0garbage", 9, &code), -1);
	assert_int_equal(errno, EINVAL);
	char padded[80];
	memset(padded, ' ', sizeof(padded));
	padded[0] = '7';
	memcpy(padded + 64, "garbage", 7);
	assert_int_equal(read_text(f, padded, 71, &code), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(code, 424242);
}

static void test_status(void **state)
{
	(void)state;
	assert_int_equal(exitfile_status(0), 0);
	assert_int_equal(exitfile_status(1), 1);
	assert_int_equal(exitfile_status(137), 137);
	assert_int_equal(exitfile_status(255), 255);
	assert_int_equal(exitfile_status(EXITFILE_TIMED_OUT), 255);
	assert_int_equal(exitfile_status(-2), 255);
	assert_int_equal(exitfile_status(256), 255);
	assert_int_equal(exitfile_status(300), 255);
	assert_int_equal(exitfile_status(INT_MAX), 255);
	assert_int_equal(exitfile_status(INT_MIN), 255);
}

static void test_describe(void **state)
{
	(void)state;
	char buf[64];
	assert_string_equal(exitfile_describe(0, buf, sizeof(buf)), "exited (0)");
	assert_ptr_equal(exitfile_describe(3, buf, sizeof(buf)), buf);
	assert_string_equal(buf, "exited (3)");
	assert_string_equal(exitfile_describe(137, buf, sizeof(buf)), "exited (137)");
	assert_string_equal(exitfile_describe(EXITFILE_TIMED_OUT, buf, sizeof(buf)), "timed out (255)");
	assert_string_equal(exitfile_describe(300, buf, sizeof(buf)), "exited (255)");
	/* A short buffer is cut, NUL-terminated, never overrun. */
	char small[8];
	memset(small, 'q', sizeof(small));
	exitfile_describe(137, small, 6);
	assert_string_equal(small, "exite");
	assert_int_equal(small[6], 'q');
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_path_forms),
		cmocka_unit_test_setup_teardown(test_write_format, setup, teardown),
		cmocka_unit_test_setup_teardown(test_write_mode_ignores_umask, setup, teardown),
		cmocka_unit_test_setup_teardown(test_write_replaces, setup, teardown),
		cmocka_unit_test_setup_teardown(test_write_failure, setup, teardown),
		cmocka_unit_test_setup_teardown(test_round_trip, setup, teardown),
		cmocka_unit_test_setup_teardown(test_read_accepts_trailing_newline_and_blank, setup, teardown),
		cmocka_unit_test_setup_teardown(test_read_rejects_garbage, setup, teardown),
		cmocka_unit_test_setup_teardown(test_read_missing_is_zero, setup, teardown),
		cmocka_unit_test_setup_teardown(test_read_unreadable_is_error, setup, teardown),
		cmocka_unit_test_setup_teardown(test_read_rejects_hidden_garbage, setup, teardown),
		cmocka_unit_test(test_status),
		cmocka_unit_test(test_describe),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
