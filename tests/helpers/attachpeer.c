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
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
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
	"  steps STEP... one connection, steps in order: expect:TEXT (read until TEXT\n"
	"                appears after the previous match; exit 1 at EOF), send:TEXT\n"
	"                (one datagram, escapes as for send), eof (read to EOF); then\n"
	"                print \"stdout=N stderr=N\"\n"
	"Options: -t SECS  give up after SECS (exit 124); -w FILE  append the\n"
	"output payload to FILE; -r BYTES  read at most BYTES per second (a slow\n"
	"client: it sleeps after each frame for as long as the frame's share).\n";

static const char *sock_path;
static FILE *out_file;
static unsigned long read_rate; /* bytes per second, 0: as fast as possible */
static int64_t rate_start_ns;
static unsigned long long rate_bytes;

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

static int64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* With -r: sleep until the bytes read so far fit the rate since the first. */
static void pace(size_t len)
{
	if (read_rate == 0)
		return;
	if (rate_bytes == 0)
		rate_start_ns = now_ns();
	rate_bytes += len;
	int64_t due = rate_start_ns + (int64_t)(rate_bytes * 1000000000ull / read_rate);
	int64_t left = due - now_ns();
	if (left > 0) {
		struct timespec ts = {left / 1000000000, left % 1000000000};
		while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
			;
	}
}

/* Output read past a match, searched first by the next expect. */
struct carry {
	char *data;
	size_t len;
};

/* Searches window[0..wlen) for want; on a match keeps what follows it in
 * carry and returns true, else keeps the last want_len-1 bytes (a match may
 * span frames) and returns false. */
static bool window_match(char *window, size_t *wlen, const char *want, size_t want_len, struct carry *carry)
{
	char *hit = memmem(window, *wlen, want, want_len);
	if (hit != NULL) {
		if (carry != NULL) {
			size_t rest = *wlen - (size_t)(hit + want_len - window);
			free(carry->data);
			carry->data = xmalloc(rest + 1);
			memcpy(carry->data, hit + want_len, rest);
			carry->len = rest;
		}
		return true;
	}
	if (*wlen >= want_len) {
		memmove(window, window + *wlen - (want_len - 1), want_len - 1);
		*wlen = want_len - 1;
	}
	return false;
}

/* Reads frames to EOF (or until want appears); returns true when want was
 * seen. carry (optional) holds output read past an earlier match. */
static bool read_frames(int fd, const char *want, unsigned long long *counts, struct carry *carry)
{
	static char buf[65536];
	size_t want_len = want ? strlen(want) : 0;
	size_t have = carry != NULL ? carry->len : 0;
	char *window = want_len ? xmalloc(2 * want_len + sizeof(buf) + have) : NULL;
	size_t wlen = 0;
	if (want_len && have > 0) {
		memcpy(window, carry->data, have);
		wlen = have;
		carry->len = 0;
		if (window_match(window, &wlen, want, want_len, carry)) {
			free(window);
			return true;
		}
	}
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
		pace((size_t)n);
		int stream = (unsigned char)buf[0];
		size_t len = (size_t)n - 1;
		if (stream == 2 || stream == 3)
			counts[stream - 2] += len;
		if (out_file != NULL && len > 0 && (fwrite(buf + 1, 1, len, out_file) != len || fflush(out_file) != 0))
			die("write");
		if (want_len) {
			memcpy(window + wlen, buf + 1, len);
			wlen += len;
			if (window_match(window, &wlen, want, want_len, carry)) {
				free(window);
				return true;
			}
		}
	}
	free(window);
	return false;
}

static void send_text(int fd, const char *text)
{
	char *buf = xmalloc(strlen(text) + 1);
	size_t n = unescape(text, buf);
	if (send(fd, buf, n, MSG_NOSIGNAL) < 0)
		die("send");
	free(buf);
}

/* steps STEP...: expect:TEXT, send:TEXT, eof, in order on one connection. */
static int run_steps(char **steps, int n_steps, unsigned long long *counts)
{
	int fd = connect_once(true);
	struct carry carry = {NULL, 0};
	for (int i = 0; i < n_steps; i++) {
		const char *st = steps[i];
		if (strncmp(st, "expect:", 7) == 0 && st[7] != '\0') {
			char *want = xmalloc(strlen(st));
			size_t len = unescape(st + 7, want);
			want[len] = '\0';
			bool seen = read_frames(fd, want, counts, &carry);
			free(want);
			if (!seen) {
				fprintf(stderr, "attachpeer: EOF before '%s'\n", st + 7);
				return 1;
			}
		} else if (strncmp(st, "send:", 5) == 0) {
			send_text(fd, st + 5);
		} else if (strcmp(st, "eof") == 0) {
			read_frames(fd, NULL, counts, NULL);
		} else {
			fprintf(stderr, "attachpeer: unknown step '%s'\n", st);
			return EXIT_USAGE;
		}
	}
	free(carry.data);
	close(fd);
	printf("stdout=%llu stderr=%llu\n", counts[0], counts[1]);
	return 0;
}

int main(int argc, char **argv)
{
	int opt;
	unsigned timeout = 0;
	signal(SIGPIPE, SIG_IGN);
	while ((opt = getopt(argc, argv, "+t:w:r:h")) != -1) {
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
		case 'r': {
			int v;
			if (parse_int(optarg, 1, 1 << 30, &v) < 0) {
				fprintf(stderr, "attachpeer: -r: not a number of bytes per second: '%s'\n", optarg);
				return EXIT_USAGE;
			}
			read_rate = (unsigned long)v;
			break;
		}
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
			send_text(fd, arg);
			shutdown(fd, SHUT_WR);
		}
		read_frames(fd, NULL, counts, NULL);
		printf("stdout=%llu stderr=%llu\n", counts[0], counts[1]);
		return 0;
	}
	if (strcmp(mode, "expect") == 0) {
		if (arg == NULL || arg[0] == '\0') {
			fputs(usage_text, stderr);
			return EXIT_USAGE;
		}
		int fd = connect_once(true);
		bool seen = read_frames(fd, arg, counts, NULL);
		if (!seen)
			fprintf(stderr, "attachpeer: EOF before '%s'\n", arg);
		close(fd);
		return seen ? 0 : 1;
	}
	if (strcmp(mode, "steps") == 0)
		return run_steps(argv + optind + 2, argc - optind - 2, counts);
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
