/* exitfile: writing, finding and reading the exit code file. */
#include "base/exitfile.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/util.h"

/* "-2147483648" and a few blanks or newlines; conmon writes no more. */
#define EXITFILE_TEXT_MAX 64

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
	size_t len;
	/* One byte more than any code with its blanks: to see the file ends. */
	char *buf = read_small_file(path, EXITFILE_TEXT_MAX + 1, &len);
	if (buf == NULL)
		return errno == ENOENT ? 0 : -1;
	if (len > EXITFILE_TEXT_MAX || strlen(buf) != len) {
		free(buf);
		errno = EINVAL;
		return -1;
	}
	while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == ' '))
		buf[--len] = '\0';
	bool neg = buf[0] == '-';
	int v;
	int rc = parse_int(neg ? buf + 1 : buf, 0, INT_MAX, &v);
	free(buf);
	if (rc < 0) {
		errno = EINVAL;
		return -1;
	}
	*code = neg ? -v : v;
	return 1;
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
