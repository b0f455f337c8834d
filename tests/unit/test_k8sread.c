/* Unit tests of the k8s-file reader (k8sread), its line splitter (lineread)
 * and the timestamp parsing it relies on (logtime). */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "logfmt/k8sread.h"
#include "logfmt/lineread.h"
#include "logfmt/logtime.h"
#include "base/util.h"

#define NS LOGTIME_NS_PER_SEC

struct got_record {
	int64_t ts_ns;
	enum stream_id stream;
	bool partial, truncated;
	char *data;
	size_t len;
	unsigned long line;
};

struct got_warning {
	char *file;
	unsigned long line;
	char *what;
};

struct collect {
	struct got_record rec[64];
	size_t nrec;
	struct got_warning warn[64];
	size_t nwarn;
	/* Concatenated output as podman logs prints stdout (F adds \n). */
	struct {
		char *data;
		size_t len;
	} out;
};

static void record_cb(const struct k8s_record *rec, void *arg)
{
	struct collect *c = arg;
	assert_true(c->nrec < ARRAY_SIZE(c->rec));
	struct got_record *g = &c->rec[c->nrec++];
	g->ts_ns = rec->ts_ns;
	g->stream = rec->stream;
	g->partial = rec->partial;
	g->truncated = rec->truncated;
	g->data = xmalloc(rec->len + 1);
	memcpy(g->data, rec->data, rec->len);
	g->data[rec->len] = '\0';
	g->len = rec->len;
	g->line = rec->line;
	assert_int_equal(rec->ts_len == LOGTIME_K8S_LEN || rec->ts_len == 30, 1);
	if (rec->stream == STREAM_STDOUT) {
		size_t add = rec->len + (rec->partial ? 0 : 1);
		c->out.data = xrealloc(c->out.data, c->out.len + add);
		memcpy(c->out.data + c->out.len, rec->data, rec->len);
		if (!rec->partial)
			c->out.data[c->out.len + rec->len] = '\n';
		c->out.len += add;
	}
}

static void warn_cb(const char *file, unsigned long line, const char *what, void *arg)
{
	struct collect *c = arg;
	assert_true(c->nwarn < ARRAY_SIZE(c->warn));
	c->warn[c->nwarn].file = xstrdup(file);
	c->warn[c->nwarn].line = line;
	c->warn[c->nwarn].what = xstrdup(what);
	c->nwarn++;
}

static void collect_free(struct collect *c)
{
	for (size_t i = 0; i < c->nrec; i++)
		free(c->rec[i].data);
	for (size_t i = 0; i < c->nwarn; i++) {
		free(c->warn[i].file);
		free(c->warn[i].what);
	}
	free(c->out.data);
	memset(c, 0, sizeof(*c));
}

static struct collect *collect_new(void)
{
	return xcalloc(1, sizeof(struct collect));
}

#define TS "2026-11-28T19:24:22.352014613+00:00"
#define TS_NS (INT64_C(1795893862) * NS + 352014613)

/* An fd whose whole content is data: what a reader sees of one write. */
static int fd_holding(const void *data, size_t len)
{
	int fd = memfd_create("k8sread-test", MFD_CLOEXEC);
	assert_true(fd >= 0);
	assert_int_equal(write_all(fd, data, len), 0);
	assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
	return fd;
}

/* Hands data to the reader as one more piece of the file. */
static void feed(struct k8sread *r, const void *data, size_t len)
{
	int fd = fd_holding(data, len);
	assert_int_equal(k8sread_read_fd(r, fd), (ssize_t)len);
	close(fd);
}

/* Feed all of text, in pieces of `piece` bytes (0 = at once), then finish. */
static void read_text(struct collect *c, const char *text, size_t len, size_t piece)
{
	struct k8sread *r = k8sread_new("ctr.log", record_cb, warn_cb, c);
	if (piece == 0)
		piece = len ? len : 1;
	for (size_t off = 0; off < len; off += piece)
		feed(r, text + off, len - off < piece ? len - off : piece);
	k8sread_finish(r);
	k8sread_free(r);
}

static void test_good_records(void **state)
{
	(void)state;
	static const char log[] = TS " stdout F out1\n" TS " stdout P partial\n" TS " stderr F err1\n" TS
				  " stdout F  two  spaces \r\n" TS " stdout F \n";
	struct collect *c = collect_new();
	read_text(c, log, sizeof(log) - 1, 0);
	assert_int_equal(c->nwarn, 0);
	assert_int_equal(c->nrec, 5);
	assert_int_equal(c->rec[0].ts_ns, TS_NS);
	assert_int_equal(c->rec[0].stream, STREAM_STDOUT);
	assert_false(c->rec[0].partial);
	assert_string_equal(c->rec[0].data, "out1");
	assert_int_equal(c->rec[0].line, 1);
	assert_true(c->rec[1].partial);
	assert_string_equal(c->rec[1].data, "partial");
	assert_int_equal(c->rec[2].stream, STREAM_STDERR);
	assert_string_equal(c->rec[2].data, "err1");
	assert_int_equal(c->rec[2].line, 3);
	/* Spaces inside and \r at the end are content, kept as they are. */
	assert_string_equal(c->rec[3].data, " two  spaces \r");
	/* An empty line from the container: F with empty content. */
	assert_int_equal(c->rec[4].len, 0);
	assert_false(c->rec[4].truncated);
	static const char want[] = "out1\npartial two  spaces \r\n\n";
	assert_int_equal(c->out.len, sizeof(want) - 1);
	assert_memory_equal(c->out.data, want, sizeof(want) - 1);
	collect_free(c);
	free(c);
}

static void test_binary_content(void **state)
{
	(void)state;
	static const char log[] = TS " stdout P a\0b\xff\x01\t\r\n" TS " stdout F end\n";
	struct collect *c = collect_new();
	read_text(c, log, sizeof(log) - 1, 0);
	assert_int_equal(c->nwarn, 0);
	assert_int_equal(c->nrec, 2);
	assert_int_equal(c->rec[0].len, 7);
	assert_memory_equal(c->rec[0].data, "a\0b\xff\x01\t\r", 7);
	assert_true(c->rec[0].partial);
	collect_free(c);
	free(c);
}

/* However the bytes are split, the records are the same. */
static void test_split_feeds(void **state)
{
	(void)state;
	static const char log[] = TS " stdout F out1\n" TS " stdout P part\n" TS " stderr F err1\n"
				  "garbage\n" TS " stdout F last\n";
	struct collect *whole = collect_new();
	read_text(whole, log, sizeof(log) - 1, 0);
	assert_int_equal(whole->nrec, 4);
	assert_int_equal(whole->nwarn, 1);
	for (size_t piece = 1; piece < 50; piece += 7) {
		struct collect *c = collect_new();
		read_text(c, log, sizeof(log) - 1, piece);
		assert_int_equal(c->nrec, whole->nrec);
		assert_int_equal(c->nwarn, whole->nwarn);
		for (size_t i = 0; i < c->nrec; i++) {
			assert_string_equal(c->rec[i].data, whole->rec[i].data);
			assert_int_equal(c->rec[i].line, whole->rec[i].line);
			assert_int_equal(c->rec[i].partial, whole->rec[i].partial);
			assert_int_equal(c->rec[i].stream, whole->rec[i].stream);
		}
		assert_int_equal(c->warn[0].line, 4);
		collect_free(c);
		free(c);
	}
	collect_free(whole);
	free(whole);
}

static void test_timestamps_with_offsets(void **state)
{
	(void)state;
	/* One instant written in four zones. */
	static const char log[] = "2026-11-28T19:24:22.000000001+00:00 stdout F a\n"
				  "2026-11-29T00:54:22.000000001+05:30 stdout F b\n"
				  "2026-11-28T11:24:22.000000001-08:00 stdout F c\n"
				  "2026-11-28T19:24:22.000000001Z stdout F d\n"
				  "1969-12-31T23:59:59.999999999-08:00 stdout F e\n"
				  "2000-02-29T23:59:59.500000000+05:30 stdout F f\n";
	struct collect *c = collect_new();
	read_text(c, log, sizeof(log) - 1, 0);
	assert_int_equal(c->nwarn, 0);
	assert_int_equal(c->nrec, 6);
	for (int i = 0; i < 4; i++)
		assert_int_equal(c->rec[i].ts_ns, INT64_C(1795893862) * NS + 1);
	assert_int_equal(c->rec[4].ts_ns, INT64_C(28799) * NS + 999999999);
	assert_int_equal(c->rec[5].ts_ns, INT64_C(951848999) * NS + 500000000);
	collect_free(c);
	free(c);
}

static void test_corrupt_lines(void **state)
{
	(void)state;
	static const char log[] = TS " stdout F one\n"                                  /* 1 ok */
				  "2026-11-28T19:24:22.35201461+00:00 stdout F 8digits\n" /* 2 */
				  "2026-13-28T19:24:22.352014613+00:00 stdout F month\n"  /* 3 */
				  "2026-02-29T19:24:22.352014613+00:00 stdout F leap\n"   /* 4 */
				  TS " stdin F stream\n"                                   /* 5 */
				  TS " stdout X tag\n"                                     /* 6 */
				  TS " stdout F\n"                                         /* 7 */
				  "\n"                                                     /* 8 */
				  "just some text\n"                                       /* 9 */
				  "2026-11-28T19:24:22.352014613+24:00 stdout F zone\n"   /* 10 */
				  TS " stdoutF x\n"                                        /* 11 */
				  TS " stderr P two\n";                                    /* 12 ok */
	struct collect *c = collect_new();
	read_text(c, log, sizeof(log) - 1, 0);
	assert_int_equal(c->nrec, 2);
	assert_string_equal(c->rec[0].data, "one");
	assert_string_equal(c->rec[1].data, "two");
	assert_int_equal(c->rec[1].line, 12);
	assert_int_equal(c->nwarn, 10);
	for (size_t i = 0; i < c->nwarn; i++) {
		assert_string_equal(c->warn[i].file, "ctr.log");
		assert_int_equal(c->warn[i].line, i + 2);
	}
	assert_string_equal(c->warn[0].what, "bad timestamp");
	assert_string_equal(c->warn[3].what, "bad stream (not stdout or stderr)");
	assert_string_equal(c->warn[4].what, "bad tag (not F or P)");
	assert_string_equal(c->warn[5].what, "missing content separator");
	assert_string_equal(c->warn[6].what, "empty line");
	collect_free(c);
	free(c);
}

static void test_truncated_final_line(void **state)
{
	(void)state;
	struct collect *c = collect_new();
	struct k8sread *r = k8sread_new("ctr.log", record_cb, warn_cb, c);
	static const char part1[] = TS " stdout F done\n" TS " stdout F hal";
	feed(r, part1, sizeof(part1) - 1);
	/* A record being written: nothing yet, no warning yet. */
	assert_int_equal(c->nrec, 1);
	assert_int_equal(c->nwarn, 0);
	/* ... and then the writer completes it. */
	feed(r, "f\n", 2);
	assert_int_equal(c->nrec, 2);
	assert_string_equal(c->rec[1].data, "half");
	assert_false(c->rec[1].truncated);
	/* A record cut for good: warned, but what reached the disk is kept. */
	static const char part2[] = TS " stdout F cut sh";
	feed(r, part2, sizeof(part2) - 1);
	k8sread_finish(r);
	assert_int_equal(c->nrec, 3);
	assert_string_equal(c->rec[2].data, "cut sh");
	assert_true(c->rec[2].partial);
	assert_true(c->rec[2].truncated);
	assert_int_equal(c->rec[2].line, 3);
	assert_int_equal(c->nwarn, 1);
	assert_int_equal(c->warn[0].line, 3);
	/* A cut header cannot be delivered. */
	feed(r, "2026-11-28T19:2", 15);
	k8sread_finish(r);
	assert_int_equal(c->nrec, 3);
	assert_int_equal(c->nwarn, 2);
	assert_non_null(strstr(c->warn[1].what, "unterminated"));
	assert_int_equal(c->warn[1].line, 3);
	k8sread_free(r);
	collect_free(c);
	free(c);
}

static void test_huge_lines(void **state)
{
	(void)state;
	/* A valid 100 KB record (bigger than conmon writes) is read whole. */
	size_t big = 100 * 1024;
	size_t hdr = strlen(TS " stdout F ");
	char *line = xmalloc(hdr + big + 1);
	memcpy(line, TS " stdout F ", hdr);
	memset(line + hdr, 'x', big);
	line[hdr + big] = '\n';
	struct collect *c = collect_new();
	struct k8sread *r = k8sread_new("big.log", record_cb, warn_cb, c);
	for (size_t off = 0; off < hdr + big + 1; off += 8192)
		feed(r, line + off, hdr + big + 1 - off < 8192 ? hdr + big + 1 - off : 8192);
	assert_int_equal(c->nrec, 1);
	assert_int_equal(c->rec[0].len, big);
	free(line);

	/* 3 MB of garbage without a newline: one warning, bounded memory, and
	 * the record after it still arrives with the right line number. */
	char junk[65536];
	memset(junk, 'j', sizeof(junk));
	for (int i = 0; i < 48; i++)
		feed(r, junk, sizeof(junk));
	assert_int_equal(c->nwarn, 1);
	assert_int_equal(c->warn[0].line, 2);
	assert_string_equal(c->warn[0].what, "line too long, skipped");
	feed(r, "\n" TS " stderr F after\n", 1 + strlen(TS " stderr F after\n"));
	assert_int_equal(c->nrec, 2);
	assert_string_equal(c->rec[1].data, "after");
	assert_int_equal(c->rec[1].line, 3);
	/* An overlong last line at end of file is not reported twice. */
	for (int i = 0; i < 17; i++)
		feed(r, junk, sizeof(junk));
	k8sread_finish(r);
	assert_int_equal(c->nwarn, 2);
	k8sread_free(r);
	collect_free(c);
	free(c);
}

static void test_read_fd_and_reset(void **state)
{
	(void)state;
	int fds[2];
	assert_int_equal(pipe(fds), 0);
	static const char log[] = TS " stdout F a\n" TS " stdout F b\n" TS " stdout P c";
	assert_int_equal(write_all(fds[1], log, sizeof(log) - 1), 0);
	close(fds[1]);
	struct collect *c = collect_new();
	struct k8sread *r = k8sread_new("one.log", record_cb, warn_cb, c);
	assert_int_equal(k8sread_read_fd(r, fds[0]), (ssize_t)(sizeof(log) - 1));
	close(fds[0]);
	assert_int_equal(c->nrec, 2);
	/* A rotated-in file starts clean: the old pending line is dropped,
	 * so the end of the file delivers and warns nothing. */
	k8sread_reset(r, "two.log");
	k8sread_finish(r);
	assert_int_equal(c->nrec, 2);
	assert_int_equal(c->nwarn, 0);
	feed(r, "bad\n", 4);
	assert_int_equal(c->nwarn, 1);
	assert_string_equal(c->warn[0].file, "two.log");
	assert_int_equal(c->warn[0].line, 1);
	k8sread_free(r);
	collect_free(c);
	free(c);
}

struct lines {
	int n;
	unsigned long lineno[8];
	size_t len[8];
	int longs;
};

static void lines_cb(const char *line, size_t len, unsigned long lineno, void *arg)
{
	(void)line;
	struct lines *l = arg;
	l->lineno[l->n] = lineno;
	l->len[l->n] = len;
	l->n++;
}

static void long_cb(unsigned long lineno, const char *what, void *arg)
{
	(void)lineno;
	assert_string_equal(what, "line too long, skipped");
	((struct lines *)arg)->longs++;
}

static void lineread_piece(struct lineread *lr, const char *data, size_t len)
{
	int fd = fd_holding(data, len);
	assert_int_equal(lineread_read_fd(lr, fd), (ssize_t)len);
	close(fd);
}

static void test_lineread_bounds(void **state)
{
	(void)state;
	struct lineread lr;
	struct lines l = {0};
	lineread_init(&lr, 8, lines_cb, long_cb, &l);
	lineread_piece(&lr, "12345678\n123456789\nab", 21);
	/* Exactly max is fine, max+1 is not, even in one piece. */
	assert_int_equal(l.n, 1);
	assert_int_equal(l.len[0], 8);
	assert_int_equal(l.longs, 1);
	lineread_piece(&lr, "cd", 2);
	const char *last;
	size_t len;
	unsigned long lineno;
	assert_true(lineread_take_last(&lr, &last, &len, &lineno));
	assert_int_equal(len, 4);
	assert_memory_equal(last, "abcd", 4);
	assert_int_equal(lineno, 3);
	assert_false(lineread_take_last(&lr, &last, &len, &lineno));
	lineread_free(&lr);
}

static void test_logtime_parse_k8s(void **state)
{
	(void)state;
	int64_t ns;
	assert_int_equal(logtime_parse_k8s(TS, strlen(TS), &ns), 0);
	assert_int_equal(ns, TS_NS);
	static const char *bad[] = {
		"2026-11-28T19:24:22.352014613",        /* no zone */
		"2026-11-28T19:24:22.352014613+0000",   /* offset without colon */
		"2026-11-28 19:24:22.352014613+00:00",  /* space */
		"2026-11-28T19:24:22,352014613+00:00",  /* comma */
		"2026-11-28T19:24:60.352014613+00:00",  /* second 60 */
		"2026-11-28T24:00:00.000000000+00:00",  /* hour 24 */
		"2026-11-31T00:00:00.000000000+00:00",  /* Nov 31 */
		"2026-11-28T19:24:22.3520146130+00:00", /* 10 digits */
		"2026-11-28T19:24:22.352014613+00:0x",
		"2026-11-28T19:24:22.352014613Zjunk",
		"9999-11-28T19:24:22.352014613+00:00",  /* beyond int64 ns */
		"",
	};
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		errno = 0;
		assert_int_equal(logtime_parse_k8s(bad[i], strlen(bad[i]), &ns), -1);
		assert_true(errno == EINVAL || errno == ERANGE);
	}
}

static void test_logtime_parse_arg(void **state)
{
	(void)state;
	int64_t now = INT64_C(1795893862) * NS, ns;
	assert_int_equal(logtime_parse_arg("10m", now, &ns), 0);
	assert_int_equal(ns, now - 600 * NS);
	assert_int_equal(logtime_parse_arg("1h30m", now, &ns), 0);
	assert_int_equal(ns, now - 5400 * NS);
	assert_int_equal(logtime_parse_arg("2.5s", now, &ns), 0);
	assert_int_equal(ns, now - 2500000000);
	assert_int_equal(logtime_parse_arg("250ms", now, &ns), 0);
	assert_int_equal(ns, now - 250000000);
	assert_int_equal(logtime_parse_arg("2d", now, &ns), 0);
	assert_int_equal(ns, now - 2 * 86400 * NS);
	assert_int_equal(logtime_parse_arg("2026-11-28T19:24:22Z", now, &ns), 0);
	assert_int_equal(ns, now);
	assert_int_equal(logtime_parse_arg("2026-11-28T20:24:22.5+01:00", now, &ns), 0);
	assert_int_equal(ns, now + 500000000);
	assert_int_equal(logtime_parse_arg(TS, now, &ns), 0);
	assert_int_equal(ns, TS_NS);
	assert_int_equal(logtime_parse_arg("1795893862", now, &ns), 0);
	assert_int_equal(ns, now);
	assert_int_equal(logtime_parse_arg("1795893862.25", now, &ns), 0);
	assert_int_equal(ns, now + 250000000);
	/* Without a zone: local time. */
	setenv("TZ", "IST-5:30", 1);
	tzset();
	assert_int_equal(logtime_parse_arg("2026-11-29T00:54:22", now, &ns), 0);
	assert_int_equal(ns, now);
	assert_int_equal(logtime_parse_arg("2026-11-29", now, &ns), 0);
	assert_int_equal(ns, now - (54 * 60 + 22) * NS);
	static const char *bad[] = {"", "x", "10x", "m", "-5m", "1.m", "2026-11-28T", "2026-11-28T19",
				    "2026-11-28T19:24:22+5", "2026-02-30", "3 days", "10m ", "1e3"};
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
		assert_int_equal(logtime_parse_arg(bad[i], now, &ns), -1);
	assert_int_equal(logtime_parse_arg("99999999999999999999h", now, &ns), -1);
	assert_int_equal(errno, ERANGE);
}

static void test_logtime_format_local(void **state)
{
	(void)state;
	char buf[64];
	struct logtime_local c = {0};
	setenv("TZ", "IST-5:30", 1);
	tzset();
	const int64_t t = INT64_C(1795893862) * NS;
	assert_int_equal(logtime_format_local(&c, t + 1, buf, sizeof(buf)), LOGTIME_K8S_LEN);
	assert_string_equal(buf, "2026-11-29T00:54:22.000000001+05:30");
	/* The same cache within the second, into the next one, and back. */
	assert_int_equal(logtime_format_local(&c, t + 999999999, buf, sizeof(buf)), LOGTIME_K8S_LEN);
	assert_string_equal(buf, "2026-11-29T00:54:22.999999999+05:30");
	assert_int_equal(logtime_format_local(&c, t + NS, buf, sizeof(buf)), LOGTIME_K8S_LEN);
	assert_string_equal(buf, "2026-11-29T00:54:23.000000000+05:30");
	assert_int_equal(logtime_format_local(&c, t + 2, buf, sizeof(buf)), LOGTIME_K8S_LEN);
	assert_string_equal(buf, "2026-11-29T00:54:22.000000002+05:30");
	setenv("TZ", "PST8", 1);
	tzset();
	c = (struct logtime_local){0}; /* a cache holds one zone's offset */
	assert_int_equal(logtime_format_local(&c, -1, buf, sizeof(buf)), LOGTIME_K8S_LEN);
	assert_string_equal(buf, "1969-12-31T15:59:59.999999999-08:00");
	int64_t back;
	assert_int_equal(logtime_parse_k8s(buf, strlen(buf), &back), 0);
	assert_int_equal(back, -1);
	assert_int_equal(logtime_format_local(&c, 0, buf, LOGTIME_K8S_LEN), 0);
	unsetenv("TZ");
	tzset();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good_records),
		cmocka_unit_test(test_binary_content),
		cmocka_unit_test(test_split_feeds),
		cmocka_unit_test(test_timestamps_with_offsets),
		cmocka_unit_test(test_corrupt_lines),
		cmocka_unit_test(test_truncated_final_line),
		cmocka_unit_test(test_huge_lines),
		cmocka_unit_test(test_read_fd_and_reset),
		cmocka_unit_test(test_lineread_bounds),
		cmocka_unit_test(test_logtime_parse_k8s),
		cmocka_unit_test(test_logtime_parse_arg),
		cmocka_unit_test(test_logtime_format_local),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
