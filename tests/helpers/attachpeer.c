/* attachpeer: a scriptable attach-socket client for the fault and security
 * tests, playing the clients a shim must survive: one that never reads, one
 * that is stopped, one that connects and leaves a thousand times. It speaks
 * conmon's protocol (SOCK_SEQPACKET, one stream byte then the payload) and
 * reaches sockets at any path length through the library's
 * sock_connect. */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "base/sock.h"
#include "base/util.h"

#define EXIT_TIMEOUT 124
#define EXIT_USAGE 2

static const char usage_text[] =
	"usage: attachpeer [-t SECS] [-w FILE] SOCKET MODE [ARG]\n"
	"Connect to an attach socket (any path length) and act out MODE:\n"
	"  connect       connect, then close; exit 0, or 1 with the error\n"
	"  stall         connect, print \"connected\", never read; when the shim\n"
	"                closes the connection print \"hup\" and exit 0\n"
	"  count         read to EOF; print \"stdout=N stderr=N\"\n"
	"  expect TEXT   read until TEXT appears in the output (exit 0) or EOF (exit 1)\n"
	"  send TEXT     send TEXT as one datagram (escapes \\n \\r \\t \\\\ \\xHH), shut\n"
	"                down the sending side, then read as count\n"
	"  cycles N      N times: connect and close; print N\n"
	"Options: -t SECS  give up after SECS (exit 124); -w FILE  append the\n"
	"output payload to FILE.\n";

static const char *sock_path;
static FILE *out_file;

static void die(const char *what)
{
	fprintf(stderr, "attachpeer: %s: %s\n", what, strerror(errno));
	exit(1);
}

static void on_alarm(int sig)
{
	(void)sig;
	static const char msg[] = "attachpeer: timed out\n";
	ssize_t ignored = write(2, msg, sizeof(msg) - 1);
	(void)ignored;
	_exit(EXIT_TIMEOUT);
}

static int connect_once(bool fatal)
{
	int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (fd < 0)
		die("socket");
	if (sock_connect(fd, sock_path, 10000) < 0) {
		if (fatal) {
			fprintf(stderr, "attachpeer: connect %s: %s\n", sock_path, strerror(errno));
			exit(1);
		}
		close(fd);
		return -1;
	}
	return fd;
}

static size_t unescape(const char *s, char *out)
{
	size_t n = 0;
	while (*s) {
		if (*s != '\\' || s[1] == '\0') {
			out[n++] = *s++;
			continue;
		}
		s++;
		switch (*s) {
		case 'n': out[n++] = '\n'; s++; break;
		case 'r': out[n++] = '\r'; s++; break;
		case 't': out[n++] = '\t'; s++; break;
		case 'x': {
			unsigned v = 0;
			int k = 0;
			s++;
			while (k < 2 && ((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'f') || (*s >= 'A' && *s <= 'F'))) {
				v = v * 16 + (unsigned)(*s <= '9' ? *s - '0' : (*s | 0x20) - 'a' + 10);
				s++;
				k++;
			}
			out[n++] = (char)v;
			break;
		}
		default: out[n++] = *s++; break;
		}
	}
	return n;
}

/* Reads frames to EOF (or until want appears); returns true when want was seen. */
static bool read_frames(int fd, const char *want, unsigned long long *counts)
{
	static char buf[65536];
	size_t want_len = want ? strlen(want) : 0;
	char *window = want_len ? xmalloc(2 * want_len + sizeof(buf)) : NULL;
	size_t wlen = 0;
	for (;;) {
		ssize_t n = recv(fd, buf, sizeof(buf), 0);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == ECONNRESET)
				break;
			die("recv");
		}
		if (n == 0)
			break;
		if (n < 1)
			continue;
		int stream = (unsigned char)buf[0];
		size_t len = (size_t)n - 1;
		if (stream == 2 || stream == 3)
			counts[stream - 2] += len;
		if (out_file != NULL && len > 0 && fwrite(buf + 1, 1, len, out_file) != len)
			die("write");
		if (want_len) {
			/* Keep the last want_len-1 bytes so a match across frames counts. */
			memcpy(window + wlen, buf + 1, len);
			wlen += len;
			if (memmem(window, wlen, want, want_len) != NULL) {
				free(window);
				return true;
			}
			if (wlen >= want_len) {
				memmove(window, window + wlen - (want_len - 1), want_len - 1);
				wlen = want_len - 1;
			}
		}
	}
	free(window);
	return false;
}

int main(int argc, char **argv)
{
	int opt;
	unsigned timeout = 0;
	signal(SIGPIPE, SIG_IGN);
	while ((opt = getopt(argc, argv, "+t:w:h")) != -1) {
		switch (opt) {
		case 't': {
			int v;
			if (parse_int(optarg, 1, 86400, &v) < 0) {
				fprintf(stderr, "attachpeer: -t: not a number of seconds: '%s'\n", optarg);
				return EXIT_USAGE;
			}
			timeout = (unsigned)v;
			break;
		}
		case 'w':
			out_file = fopen(optarg, "ae");
			if (out_file == NULL)
				die(optarg);
			break;
		case 'h': fputs(usage_text, stdout); return 0;
		default: fputs(usage_text, stderr); return EXIT_USAGE;
		}
	}
	if (argc - optind < 2) {
		fputs(usage_text, stderr);
		return EXIT_USAGE;
	}
	sock_path = argv[optind];
	const char *mode = argv[optind + 1];
	const char *arg = argc - optind > 2 ? argv[optind + 2] : NULL;
	if (timeout > 0) {
		signal(SIGALRM, on_alarm);
		alarm(timeout);
	}
	unsigned long long counts[2] = {0, 0};

	if (strcmp(mode, "connect") == 0) {
		close(connect_once(true));
		return 0;
	}
	if (strcmp(mode, "stall") == 0) {
		int fd = connect_once(true);
		printf("connected\n");
		fflush(stdout);
		/* No POLLIN: only the hang-up the shim causes by closing us. */
		struct pollfd p = {.fd = fd, .events = 0};
		for (;;) {
			int n = poll(&p, 1, -1);
			if (n < 0 && errno == EINTR)
				continue;
			if (n < 0)
				die("poll");
			if (p.revents & (POLLHUP | POLLERR)) {
				printf("hup\n");
				return 0;
			}
		}
	}
	if (strcmp(mode, "count") == 0 || strcmp(mode, "send") == 0) {
		int fd = connect_once(true);
		if (strcmp(mode, "send") == 0) {
			if (arg == NULL) {
				fputs(usage_text, stderr);
				return EXIT_USAGE;
			}
			char *buf = xmalloc(strlen(arg) + 1);
			size_t n = unescape(arg, buf);
			if (send(fd, buf, n, MSG_NOSIGNAL) < 0)
				die("send");
			free(buf);
			shutdown(fd, SHUT_WR);
		}
		read_frames(fd, NULL, counts);
		printf("stdout=%llu stderr=%llu\n", counts[0], counts[1]);
		return 0;
	}
	if (strcmp(mode, "expect") == 0) {
		if (arg == NULL || arg[0] == '\0') {
			fputs(usage_text, stderr);
			return EXIT_USAGE;
		}
		int fd = connect_once(true);
		bool seen = read_frames(fd, arg, counts);
		if (!seen)
			fprintf(stderr, "attachpeer: EOF before '%s'\n", arg);
		close(fd);
		return seen ? 0 : 1;
	}
	if (strcmp(mode, "cycles") == 0) {
		int n;
		if (arg == NULL || parse_int(arg, 1, 10000000, &n) < 0) {
			fputs(usage_text, stderr);
			return EXIT_USAGE;
		}
		for (int i = 0; i < n; i++)
			close(connect_once(true));
		printf("%d\n", n);
		return 0;
	}
	fprintf(stderr, "attachpeer: unknown mode '%s'\n", mode);
	fputs(usage_text, stderr);
	return EXIT_USAGE;
}
