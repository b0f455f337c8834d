/* Unit tests for util's mkdir_p: every missing parent is made, an existing
 * directory is fine, a file in the way is ENOTDIR, trailing slashes are
 * nothing special. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/util.h"

static bool is_dir(const char *path, mode_t mode)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISDIR(st.st_mode) && (st.st_mode & 07777) == mode;
}

static void test_mkdir_p(void **state)
{
	(void)state;
	char dir[] = "/tmp/test_util.XXXXXX";
	assert_non_null(mkdtemp(dir));
	umask(022);
	char *deep = xasprintf("%s/a/b/c", dir);
	assert_int_equal(mkdir_p(deep, 0750), 0);
	assert_true(is_dir(deep, 0750));
	char *mid = xasprintf("%s/a/b", dir);
	assert_true(is_dir(mid, 0750));
	/* Again: nothing to do. With trailing slashes too. */
	assert_int_equal(mkdir_p(deep, 0700), 0);
	char *slashed = xasprintf("%s/x/y//", dir);
	assert_int_equal(mkdir_p(slashed, 0755), 0);
	char *y = xasprintf("%s/x/y", dir);
	assert_true(is_dir(y, 0755));

	/* A file in the way, as the path or as a parent. */
	char *file = xasprintf("%s/file", dir);
	int fd = open(file, O_CREAT | O_WRONLY, 0600);
	assert_true(fd >= 0);
	close(fd);
	errno = 0;
	assert_int_equal(mkdir_p(file, 0755), -1);
	assert_int_equal(errno, ENOTDIR);
	char *under = xasprintf("%s/file/sub", dir);
	errno = 0;
	assert_int_equal(mkdir_p(under, 0755), -1);
	assert_int_equal(errno, ENOTDIR);

	char *cmd = xasprintf("rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
	free(cmd);
	free(under);
	free(file);
	free(y);
	free(slashed);
	free(mid);
	free(deep);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mkdir_p),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
