/* snapclient: one request to the screen socket, its answer to stdout. */
#include "attach/snapclient.h"

#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "attach/bundle.h"
#include "attach/prog.h"
#include "base/diag.h"
#include "base/snapshot.h"
#include "base/sock.h"
#include "base/util.h"

#define SNAP_CONNECT_TIMEOUT_MS 10000
/* A shim answers at once from memory; one that does not is stuck. */
#define SNAP_ANSWER_TIMEOUT_MS 10000
/* Far more than any screen the model allows, in SGR and all. */
#define SNAP_ANSWER_MAX (64u << 20)
#define SNAP_ERROR_PREFIX "error: "

struct answer {
	char *data; /* owned */
	size_t len, cap;
};

/* Why there is no screen socket, from what is beside it. */
static void explain_missing(const struct bundle *b, const char *path)
{
	struct stat st;
	if (stat(b->sock_path, &st) < 0)
		diag_err("%s: no screen socket, and no attach socket beside it (%s): no container's shim is there",
			 path, b->sock_path);
	else if (bundle_terminal(b) == 0)
		diag_err("%s: no screen socket: the container has no terminal (pipe mode), so it has no screen; "
			 "its output is in its log (ptyshim-logs)",
			 path);
	else
		diag_err("%s: no screen socket: its shim keeps no screen model (a ptyshim started with "
			 "--no-screen, conmon, which has none, or a container without a terminal)",
			 path);
}

static int connect_screen(const struct bundle *b, const char *path)
{
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd >= 0 && sock_connect(fd, path, SNAP_CONNECT_TIMEOUT_MS) == 0)
		return fd;
	if (errno == ENOENT)
		explain_missing(b, path);
	else if (errno == ECONNREFUSED)
		diag_err("%s: connection refused: the shim is gone (the container ended, or its shim was killed)", path);
	else
		diag_err("%s: %s", path, strerror(errno));
	close_fd(&fd);
	return -1;
}

/* Reads to EOF, waiting at most SNAP_ANSWER_TIMEOUT_MS for each part. */
static int read_answer(int fd, const char *path, struct answer *a)
{
	int64_t deadline = mono_ns() + (int64_t)SNAP_ANSWER_TIMEOUT_MS * 1000000;
	for (;;) {
		a->data = xgrow(a->data, &a->cap, a->len + 4096, 65536);
		int left_ms = (int)((deadline - mono_ns()) / 1000000);
		struct pollfd pfd = {.fd = fd, .events = POLLIN};
		int n = left_ms > 0 ? poll(&pfd, 1, left_ms) : 0;
		if (n < 0 && errno == EINTR)
			continue;
		if (n == 0) {
			diag_err("%s: no answer within %d s (is the shim stuck?)", path, SNAP_ANSWER_TIMEOUT_MS / 1000);
			return -1;
		}
		ssize_t got = n < 0 ? -1 : read(fd, a->data + a->len, a->cap - a->len);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			diag_err("%s: read: %s", path, strerror(errno));
			return -1;
		}
		if (got == 0)
			return 0;
		a->len += (size_t)got;
		if (a->len > SNAP_ANSWER_MAX) {
			diag_err("%s: the answer is larger than %u MiB; not a screen", path, SNAP_ANSWER_MAX >> 20);
			return -1;
		}
	}
}

/* The shim's "error: ..." line: say so. (An empty answer is a blank
 * screen: the text has no trailing blank lines.) */
static bool answer_refused(const struct answer *a, const char *path)
{
	size_t plen = sizeof(SNAP_ERROR_PREFIX) - 1;
	if (a->len < plen || memcmp(a->data, SNAP_ERROR_PREFIX, plen) != 0)
		return false;
	size_t end = a->len;
	while (end > plen && (a->data[end - 1] == '\n' || a->data[end - 1] == '\r'))
		end--;
	diag_err("%s: the shim says: %.*s", path, (int)(end - plen), a->data + plen);
	return true;
}

static int ask_screen(int fd, const char *path, enum snapshot_kind kind)
{
	const char *req = snapshot_request(kind);
	struct answer a = {0};
	int rc = ATTACH_EXIT_SETUP;
	if (write_all(fd, req, strlen(req)) < 0)
		diag_err("%s: write: %s", path, strerror(errno));
	else if (read_answer(fd, path, &a) == 0 && !answer_refused(&a, path)) {
		if (write_all(STDOUT_FILENO, a.data, a.len) == 0)
			rc = 0;
		else if (errno == EPIPE)
			rc = ATTACH_EXIT_STDOUT_GONE;
		else
			diag_err("stdout: %s", strerror(errno));
	}
	free(a.data);
	return rc;
}

int snapclient_run(const struct attach_opts *o)
{
	struct bundle b = {0};
	if (bundle_resolve(o->target, &b) < 0)
		return ATTACH_EXIT_SETUP;
	char *path = xasprintf("%s/%s", b.dir, SNAPSHOT_SOCKET_NAME);
	int rc = ATTACH_EXIT_SETUP;
	int fd = connect_screen(&b, path);
	if (fd >= 0)
		rc = ask_screen(fd, path, o->snapshot_colours ? SNAPSHOT_ANSI : SNAPSHOT_TEXT);
	close_fd(&fd);
	free(path);
	bundle_free(&b);
	return rc;
}
