/* exitfile: writing, finding and reading the exit code file. */
#include "base/exitfile.h"

#include <limits.h>
#include <stdint.h>
#include <stdio.h>

#include "base/util.h"

char *exitfile_path(const char *dir, const char *cid)
{
	return cid ? xasprintf("%s/%s", dir, cid) : xasprintf("%s/exit", dir);
}

int exitfile_write(const char *path, int code)
{
	return write_decimal_file(path, code);
}

int exitfile_read(const char *path, int *code)
{
	int64_t v;
	int rc = read_decimal_file(path, INT_MIN, INT_MAX, &v);
	if (rc == 1)
		*code = (int)v;
	return rc;
}

int exitfile_status(int code)
{
	return code >= 0 && code <= 255 ? code : 255;
}

const char *exitfile_describe(int code, char *buf, unsigned size)
{
	if (code == EXITFILE_TIMED_OUT)
		snprintf(buf, size, "timed out (%d)", exitfile_status(code));
	else
		snprintf(buf, size, "exited (%d)", exitfile_status(code));
	return buf;
}
