/* pidfile: the one reader of pid files. */
#include "base/pidfile.h"

#include <errno.h>
#include <limits.h>
#include <stdint.h>

#include "base/util.h"

pid_t pidfile_read(const char *path)
{
	int64_t pid;
	int rc = read_decimal_file(path, 1, INT_MAX, &pid);
	if (rc == 1)
		return (pid_t)pid;
	if (rc == 0)
		errno = ENOENT;
	return -1;
}
