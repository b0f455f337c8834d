/* producer: the benchmark's container workload. Writes TOTAL bytes of the
 * shared pattern (pattern.h) to stdout in writes of exactly WSIZE bytes, and
 * records CLOCK_MONOTONIC before the first and after the last write, so the
 * driver can time the output path without the container's start-up.
 *
 * run.sh builds it with -static into the busybox root filesystem (busybox
 * alone cannot make writes of a chosen size); it uses libc only, so it does
 * not depend on libptyshim. The monotonic clock is shared with the host
 * because runc's default spec creates no time namespace.
 *
 * usage: producer [-s STAMPFILE] [-w WSIZE] [-l LINELEN] [-p] TOTAL
 *   -p  pause after writing (keeps an idle container alive, e.g. after a burst) */
#include "pattern.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int parse_size(const char *s, size_t min, size_t max, size_t *out)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || end == s || *s == '-')
		return -1;
	if (*end == 'K' || *end == 'k')
		v <<= 10, end++;
	else if (*end == 'M' || *end == 'm')
		v <<= 20, end++;
	if (*end || v < min || v > max)
		return -1;
	*out = (size_t)v;
	return 0;
}

/* Each write() is issued with exactly the chosen size: the shape of the
 * writes is what the benchmark controls, so short writes are completed
 * rather than merged into the next one. */
static int write_exact(int fd, const char *p, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, p, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static void write_stamp(const char *path, int64_t start, int64_t end)
{
	char buf[64];
	int len = snprintf(buf, sizeof(buf), "%" PRId64 " %" PRId64 "\n", start, end);
	char tmp[4096];
	int fd;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp)) {
		fprintf(stderr, "producer: %s: path too long\n", path);
		exit(1);
	}
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0 || write_exact(fd, buf, (size_t)len) < 0 || close(fd) < 0 || rename(tmp, path) < 0) {
		fprintf(stderr, "producer: %s: %s\n", path, strerror(errno));
		exit(1);
	}
}

int main(int argc, char **argv)
{
	const char *stamp = NULL;
	size_t wsize = 65536, line_len = 1024, total, period, off = 0, done = 0;
	int opt, pause_after = 0;
	int64_t start, end;
	char *buf;

	while ((opt = getopt(argc, argv, "s:w:l:p")) != -1) {
		switch (opt) {
		case 's':
			stamp = optarg;
			break;
		case 'w':
			if (parse_size(optarg, 1, 64 << 20, &wsize) < 0)
				goto usage;
			break;
		case 'l':
			if (parse_size(optarg, 2, 1 << 20, &line_len) < 0)
				goto usage;
			break;
		case 'p':
			pause_after = 1;
			break;
		default:
			goto usage;
		}
	}
	if (optind != argc - 1 || parse_size(argv[optind], 0, SIZE_MAX >> 1, &total) < 0)
		goto usage;

	signal(SIGPIPE, SIG_IGN);
	period = pattern_period(line_len);
	buf = pattern_buffer(line_len, wsize);
	if (!buf) {
		fprintf(stderr, "producer: out of memory\n");
		return 1;
	}
	start = now_ns();
	while (done < total) {
		size_t n = total - done < wsize ? total - done : wsize;

		if (write_exact(1, buf + off, n) < 0) {
			fprintf(stderr, "producer: write: %s\n", strerror(errno));
			return 1;
		}
		done += n;
		off = (off + n) % period;
	}
	end = now_ns();
	if (stamp)
		write_stamp(stamp, start, end);
	free(buf);
	while (pause_after)
		pause();
	return 0;

usage:
	fprintf(stderr, "usage: producer [-s STAMPFILE] [-w WSIZE] [-l LINELEN] [-p] TOTAL\n");
	return 2;
}
