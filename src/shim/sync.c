/* sync: messages to and from the manager over the inherited pipes. */
#include "shim/sync.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/util.h"

int sync_fd_from_env(const char *var)
{
	const char *v = getenv(var);
	int fd;
	if (v == NULL || parse_int(v, 0, 1 << 20, &fd) < 0)
		return -1;
	return fd;
}

/* Escapes one byte the way conmon does; returns the bytes appended or 0
 * when it does not fit in the room left. */
static size_t sync_escape_byte(unsigned char ch, char *out, size_t room)
{
	char tmp[8];
	size_t n;
	switch (ch) {
	case '\\': n = 2; memcpy(tmp, "\\\\", 2); break;
	case '"': n = 2; memcpy(tmp, "\\\"", 2); break;
	case '\n': n = 2; memcpy(tmp, "\\n", 2); break;
	case '\t': n = 2; memcpy(tmp, "\\t", 2); break;
	default:
		if (ch < 0x20 || ch == 0x7f) {
			n = (size_t)snprintf(tmp, sizeof(tmp), "\\u%04x", ch);
		} else {
			tmp[0] = (char)ch;
			n = 1;
		}
	}
	if (n > room)
		return 0;
	memcpy(out, tmp, n);
	return n;
}

/* Formats into out (SYNC_MSG_MAX + 1 bytes); returns the length. */
static size_t sync_format(char *out, const char *key, long long data, const char *message, size_t message_len)
{
	int n = snprintf(out, SYNC_MSG_MAX + 1, "{\"%s\": %lld", key, data);
	size_t len = (size_t)n;
	if (message != NULL) {
		static const char open_msg[] = ", \"message\": \"";
		memcpy(out + len, open_msg, sizeof(open_msg) - 1);
		len += sizeof(open_msg) - 1;
		const size_t tail = 3; /* "}\n */
		for (size_t i = 0; i < message_len; i++) {
			size_t room = SYNC_MSG_MAX - tail - len;
			size_t k = sync_escape_byte((unsigned char)message[i], out + len, room);
			if (k == 0)
				break;
			len += k;
		}
		out[len++] = '"';
	}
	out[len++] = '}';
	out[len++] = '\n';
	out[len] = '\0';
	return len;
}

int sync_send(int *fdp, const char *key, long long data, const char *message, size_t message_len)
{
	if (*fdp < 0) {
		errno = EBADF;
		return -1;
	}
	char msg[SYNC_MSG_MAX + 1];
	size_t len = sync_format(msg, key, data, message, message_len);
	ssize_t n;
	do
		n = write(*fdp, msg, len);
	while (n < 0 && errno == EINTR);
	if (n < 0) {
		if (errno == EPIPE || errno == ECONNRESET || errno == ENOTCONN)
			close_fd(fdp);
		return -1;
	}
	return 0;
}

int sync_wait_start(int fd)
{
	char byte;
	ssize_t n;
	do
		n = read(fd, &byte, 1);
	while (n < 0 && errno == EINTR);
	return n < 0 ? -1 : 0;
}
