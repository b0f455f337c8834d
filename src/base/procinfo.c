/* procinfo: reading /proc/PID. */
#include "base/procinfo.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/util.h"

char *procinfo_cmdline(pid_t pid, size_t *len)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/cmdline", (int)pid);
	return read_small_file(path, 256 * 1024, len);
}

int procinfo_argv(const char *buf, size_t len, const char **argv, int max)
{
	int argc = 0;
	for (size_t off = 0; off < len && argc < max;) {
		argv[argc++] = buf + off;
		off += strnlen(buf + off, len - off) + 1;
	}
	return argc;
}

bool procinfo_alive(pid_t pid)
{
	if (pid <= 0)
		return false;
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	char *st = read_small_file(path, 4096, NULL);
	if (st == NULL)
		return false;
	/* The state follows the command name, which may itself hold ") ". */
	char *rp = strrchr(st, ')');
	bool alive = rp && rp[1] == ' ' && rp[2] != 'Z' && rp[2] != 'X';
	free(st);
	return alive;
}
