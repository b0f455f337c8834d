/* logcheck: verify that a log holds exactly the producer's stream.
 *
 * Reads a k8s-file log (conmon's format: "TS STREAM P|F content") or a raw
 * file (the bare reader's output), rebuilds the stdout payload (F records
 * end in their '\n', P records do not), and compares it with the pattern
 * (pattern.h) without keeping a copy. With -c the payload came through a
 * tty's ONLCR: every '\r' is dropped and there must be exactly one per '\n'.
 * With -W it follows the file until the payload is complete (the memory
 * benchmark waits for a burst to reach the log this way).
 *
 * usage: logcheck [-f k8s|raw] [-l LINELEN] [-c] [-W SECONDS] -t TOTAL FILE
 * prints "payload=N records=N stderr_records=N" and exits 0 when the payload
 * is exactly TOTAL bytes of the pattern, 1 otherwise. */
#include "pattern.h"
#include "base/util.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define CHUNK (1 << 20)

enum field { F_TS, F_STREAM, F_TAG, F_CONTENT };

struct check {
	/* expected stream */
	const char *pat;
	size_t period;
	uint64_t total;
	bool crlf;
	/* progress */
	uint64_t payload; /* bytes of payload compared so far */
	uint64_t cr, lf;
	uint64_t records, stderr_records;
	bool mismatch;
	uint64_t mismatch_at;
	const char *format_error;
	/* k8s-file parser state */
	enum field field;
	size_t field_len;
	char stream[8];
	char tag;
	bool is_stderr;
	char *tmp;
};

/* Compare a run of payload bytes with the pattern at the current offset. */
static void check_payload(struct check *c, const char *p, size_t n)
{
	while (n > 0 && !c->mismatch) {
		size_t off = (size_t)(c->payload % c->period);
		size_t k = n < CHUNK ? n : CHUNK;

		if (c->payload + k > c->total) {
			/* more payload than was written: report where it overflows */
			c->mismatch = true;
			c->mismatch_at = c->total;
			c->payload += k;
			return;
		}
		if (memcmp(p, c->pat + off, k) != 0) {
			size_t i = 0;

			while (p[i] == c->pat[off + i])
				i++;
			c->mismatch = true;
			c->mismatch_at = c->payload + i;
		}
		c->payload += k;
		p += k;
		n -= k;
	}
	if (c->mismatch)
		c->payload += n;
}

static void feed_payload(struct check *c, const char *p, size_t n)
{
	size_t m = 0;

	if (!c->crlf) {
		check_payload(c, p, n);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		if (p[i] == '\r') {
			c->cr++;
			continue;
		}
		if (p[i] == '\n')
			c->lf++;
		c->tmp[m++] = p[i];
	}
	check_payload(c, c->tmp, m);
}

static void parse_k8s(struct check *c, const char *p, size_t n)
{
	size_t i = 0;

	while (i < n && !c->format_error) {
		if (c->field == F_CONTENT) {
			const char *nl = memchr(p + i, '\n', n - i);
			size_t len = nl ? (size_t)(nl - (p + i)) : n - i;

			/* F records end with the line's own '\n'; P records had one
			 * added by the writer, which is not payload. */
			if (!c->is_stderr)
				feed_payload(c, p + i, len + (nl && c->tag == 'F'));
			i += len;
			if (nl) {
				i++;
				c->records++;
				c->field = F_TS;
				c->field_len = 0;
			}
			continue;
		}
		char ch = p[i++];

		if (ch == '\n') {
			c->format_error = "record ends before its content";
			return;
		}
		if (ch != ' ') {
			if (c->field == F_STREAM && c->field_len < sizeof(c->stream) - 1)
				c->stream[c->field_len] = ch;
			if (c->field == F_TAG)
				c->tag = ch;
			c->field_len++;
			continue;
		}
		switch (c->field) {
		case F_TS:
			/* 2006-01-02T15:04:05.000000000+07:00 is 35 characters */
			if (c->field_len != 35)
				c->format_error = "timestamp is not 35 characters";
			break;
		case F_STREAM:
			c->stream[c->field_len < sizeof(c->stream) ? c->field_len : sizeof(c->stream) - 1] = '\0';
			if (strcmp(c->stream, "stdout") == 0)
				c->is_stderr = false;
			else if (strcmp(c->stream, "stderr") == 0)
				c->is_stderr = true, c->stderr_records++;
			else
				c->format_error = "stream is neither stdout nor stderr";
			break;
		case F_TAG:
			if (c->field_len != 1 || (c->tag != 'P' && c->tag != 'F'))
				c->format_error = "tag is neither P nor F";
			break;
		case F_CONTENT:
			break;
		}
		c->field++;
		c->field_len = 0;
	}
}

static int usage(void)
{
	fprintf(stderr, "usage: logcheck [-f k8s|raw] [-l LINELEN] [-c] [-W SECONDS] -t TOTAL FILE\n");
	return 2;
}

int main(int argc, char **argv)
{
	struct check c = {0};
	bool raw = false;
	int64_t line_len = 1024, total = -1, wait_s = 0, deadline;
	int opt, fd;
	char *buf;

	while ((opt = getopt(argc, argv, "f:l:ct:W:")) != -1) {
		switch (opt) {
		case 'f':
			if (strcmp(optarg, "raw") == 0)
				raw = true;
			else if (strcmp(optarg, "k8s") != 0)
				return usage();
			break;
		case 'l':
			if (parse_i64(optarg, 2, 1 << 20, &line_len) < 0)
				return usage();
			break;
		case 'c':
			c.crlf = true;
			break;
		case 't':
			if (parse_i64(optarg, 0, INT64_MAX, &total) < 0)
				return usage();
			break;
		case 'W':
			if (parse_i64(optarg, 0, 3600, &wait_s) < 0)
				return usage();
			break;
		default:
			return usage();
		}
	}
	if (optind != argc - 1 || total < 0)
		return usage();

	c.period = pattern_period((size_t)line_len);
	c.pat = pattern_buffer((size_t)line_len, CHUNK);
	c.total = (uint64_t)total;
	c.tmp = xmalloc(CHUNK);
	buf = xmalloc(CHUNK);
	if (!c.pat) {
		fprintf(stderr, "logcheck: out of memory\n");
		return 1;
	}
	fd = open(argv[optind], O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "logcheck: %s: %s\n", argv[optind], strerror(errno));
		return 1;
	}
	deadline = mono_ns() + wait_s * 1000000000;
	for (;;) {
		ssize_t n = read(fd, buf, CHUNK);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			fprintf(stderr, "logcheck: %s: %s\n", argv[optind], strerror(errno));
			return 1;
		}
		if (n == 0) {
			/* Follow mode stops at the first complete record boundary
			 * that holds the whole payload, or at the deadline. */
			bool complete = c.payload >= c.total && (raw || c.field == F_TS);

			if (complete || c.mismatch || c.format_error || mono_ns() >= deadline)
				break;
			struct timespec ts = {0, 20 * 1000 * 1000};
			nanosleep(&ts, NULL);
			continue;
		}
		if (raw)
			feed_payload(&c, buf, (size_t)n);
		else
			parse_k8s(&c, buf, (size_t)n);
		if (c.format_error)
			break;
	}
	close(fd);

	printf("payload=%" PRIu64 " records=%" PRIu64 " stderr_records=%" PRIu64 "\n", c.payload, c.records,
	       c.stderr_records);
	if (c.format_error) {
		fprintf(stderr, "logcheck: %s: record %" PRIu64 ": %s\n", argv[optind], c.records + 1, c.format_error);
		return 1;
	}
	if (!raw && c.field != F_TS) {
		fprintf(stderr, "logcheck: %s: last record is incomplete\n", argv[optind]);
		return 1;
	}
	if (c.mismatch) {
		fprintf(stderr, "logcheck: %s: payload differs from the pattern at byte %" PRIu64 "\n", argv[optind],
			c.mismatch_at);
		return 1;
	}
	if (c.payload != c.total) {
		fprintf(stderr, "logcheck: %s: payload is %" PRIu64 " bytes, expected %" PRIu64 "\n", argv[optind],
			c.payload, c.total);
		return 1;
	}
	if (c.crlf && c.cr != c.lf) {
		fprintf(stderr, "logcheck: %s: %" PRIu64 " CR for %" PRIu64 " LF (expected one CR per LF)\n",
			argv[optind], c.cr, c.lf);
		return 1;
	}
	if (c.stderr_records) {
		fprintf(stderr, "logcheck: %s: %" PRIu64 " stderr records (the producer writes none)\n", argv[optind],
			c.stderr_records);
		return 1;
	}
	return 0;
}
