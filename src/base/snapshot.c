/* snapshot: the screen socket's request words, shared by the shim and its clients. */
#include "base/snapshot.h"

#include <string.h>

#include "base/util.h"

static const char *const requests[] = {
	[SNAPSHOT_TEXT] = "text",
	[SNAPSHOT_ANSI] = "ansi",
	[SNAPSHOT_REPAINT] = "repaint",
	[SNAPSHOT_SIZE] = "size",
};

static const char *const request_lines[] = {
	[SNAPSHOT_TEXT] = "text\n",
	[SNAPSHOT_ANSI] = "ansi\n",
	[SNAPSHOT_REPAINT] = "repaint\n",
	[SNAPSHOT_SIZE] = "size\n",
};

int snapshot_parse_request(const char *line)
{
	for (size_t i = 0; i < ARRAY_SIZE(requests); i++)
		if (strcmp(line, requests[i]) == 0)
			return (int)i;
	return -1;
}

const char *snapshot_request(enum snapshot_kind kind)
{
	return request_lines[kind];
}
