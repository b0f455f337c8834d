/* Unit tests of the asciicast v2 encoder (asciicast), the shim's asciicast
 * log driver (acastlog) and the replay reader (acastread). Every line the
 * encoder produces is checked with json-c in strict, UTF-8-validating mode. */
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/resource.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "shim/acastlog.h"
#include "logfmt/acastread.h"
#include "logfmt/asciicast.h"
#include "base/diag.h"
#include "base/util.h"

/* Parse one JSON text strictly, rejecting invalid UTF-8. */
static struct json_object *parse_json(const char *s, size_t len)
{
	struct json_tokener *tok = json_tokener_new();
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
	struct json_object *o = json_tokener_parse_ex(tok, s, (int)len);
	if (json_tokener_get_error(tok) != json_tokener_success || json_tokener_get_parse_end(tok) != len) {
		json_object_put(o);
		o = NULL;
	}
	json_tokener_free(tok);
	return o;
}

/* Moves the string body of the `o` event in line (exactly one) to t. */
static void append_body(struct acast_text *t, struct acast_text *line)
{
	static const char start[] = "[0.000000, \"o\", \"", end[] = "\"]\n";
	size_t head = sizeof(start) - 1, tail = sizeof(end) - 1;
	assert_true(line->len > head + tail);
	assert_memory_equal(line->data, start, head);
	assert_memory_equal(line->data + line->len - tail, end, tail);
	acast_text_append(t, line->data + head, line->len - head - tail);
	line->len = 0;
}

/* Escape data as output lines (in pieces of `piece` bytes, 0 = at once),
 * end the stream, and
 * return the decoded JSON string as a malloc'd buffer. */
static char *escape_decode(const void *data, size_t len, size_t piece, size_t *out_len, char **escaped)
{
	struct acast_text t = {0}, line = {0};
	struct acast_utf8 st = {0};
	acast_text_append(&t, "\"", 1);
	if (piece == 0)
		piece = len ? len : 1;
	for (size_t off = 0; off < len; off += piece)
		if (acast_output_line(&line, &st, 0, (const char *)data + off, len - off < piece ? len - off : piece))
			append_body(&t, &line);
	if (acast_flush_line(&line, &st, 0))
		append_body(&t, &line);
	acast_text_free(&line);
	acast_text_append(&t, "\"", 1);
	struct json_object *o = parse_json(t.data, t.len);
	if (o == NULL)
		fail_msg("not valid JSON: %.*s", (int)t.len, t.data);
	assert_true(json_object_is_type(o, json_type_string));
	*out_len = (size_t)json_object_get_string_len(o);
	char *res = xmalloc(*out_len + 1);
	memcpy(res, json_object_get_string(o), *out_len + 1);
	json_object_put(o);
	if (escaped) {
		*escaped = xmalloc(t.len + 1);
		memcpy(*escaped, t.data, t.len);
		(*escaped)[t.len] = '\0';
	}
	acast_text_free(&t);
	return res;
}

static void check_escape(const char *in, size_t in_len, const char *want_decoded, size_t want_len,
			 const char *want_escaped)
{
	for (size_t piece = 0; piece <= in_len; piece++) {
		size_t len;
		char *esc = NULL;
		char *got = escape_decode(in, in_len, piece, &len, want_escaped ? &esc : NULL);
		if (len != want_len || memcmp(got, want_decoded, len) != 0)
			fail_msg("piece %zu: decoded %zu bytes, want %zu", piece, len, want_len);
		if (want_escaped)
			assert_string_equal(esc, want_escaped);
		free(esc);
		free(got);
	}
}

#define CHECK(in, want, esc) check_escape(in, sizeof(in) - 1, want, sizeof(want) - 1, esc)
#define FFFD "\xef\xbf\xbd"

static void test_escape_ascii(void **state)
{
	(void)state;
	CHECK("plain text", "plain text", "\"plain text\"");
	CHECK("say \"hi\" \\o/", "say \"hi\" \\o/", "\"say \\\"hi\\\" \\\\o/\"");
	CHECK("a\r\nb\tc\bd\fe", "a\r\nb\tc\bd\fe", "\"a\\r\\nb\\tc\\bd\\fe\"");
	CHECK("\x1b[31mred\x1b[0m", "\x1b[31mred\x1b[0m", "\"\\u001b[31mred\\u001b[0m\"");
	CHECK("nul\0x\x01\x1f\x7f", "nul\0x\x01\x1f\x7f", "\"nul\\u0000x\\u0001\\u001f\\u007f\"");
	CHECK("/", "/", "\"/\"");
}

static void test_escape_utf8(void **state)
{
	(void)state;
	/* Well-formed UTF-8 passes through as it is, split or not. */
	CHECK("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80 \xf4\x8f\xbf\xbf",
	      "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80 \xf4\x8f\xbf\xbf",
	      "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80 \xf4\x8f\xbf\xbf\"");
	/* C1 controls and line separators are escaped but decode the same. */
	CHECK("\xc2\x85|\xc2\x9b|\xe2\x80\xa8|\xe2\x80\xa9|\xc2\xa0", "\xc2\x85|\xc2\x9b|\xe2\x80\xa8|\xe2\x80\xa9|\xc2\xa0",
	      "\"\\u0085|\\u009b|\\u2028|\\u2029|\xc2\xa0\"");
}

static void test_escape_invalid_utf8(void **state)
{
	(void)state;
	CHECK("\xff", FFFD, NULL);
	CHECK("a\x80z", "a" FFFD "z", NULL);           /* lone continuation */
	CHECK("\xc0\xaf", FFFD FFFD, NULL);            /* overlong '/' */
	CHECK("\xe0\x80\xaf", FFFD FFFD FFFD, NULL);   /* overlong, 3 bytes */
	CHECK("\xed\xa0\x80", FFFD FFFD FFFD, NULL);   /* surrogate D800 */
	CHECK("\xf4\x90\x80\x80", FFFD FFFD FFFD FFFD, NULL); /* > U+10FFFF */
	CHECK("\xf5\x80", FFFD FFFD, NULL);
	/* A cut sequence is one maximal subpart: one U+FFFD, then what follows. */
	CHECK("\xe2\x82" "A", FFFD "A", NULL);
	CHECK("\xf0\x9f\x98" "\"", FFFD "\"", NULL);
	CHECK("\xe2\x82\xe2\x82\xac", FFFD "\xe2\x82\xac", NULL);
	/* Held at the very end of the stream: flushed as U+FFFD. */
	CHECK("ok\xf0\x9f", "ok" FFFD, NULL);
}

/* The carry-over across chunks: a sequence split at every possible place,
 * in a chunk of its own, must come out whole, and chunks that are only a
 * sequence start produce no event at all. */
static void test_output_line_carry(void **state)
{
	(void)state;
	struct acast_text t = {0};
	struct acast_utf8 st = {0};
	assert_false(acast_output_line(&t, &st, 1000, "\xf0", 1));
	assert_false(acast_output_line(&t, &st, 2000, "\x9f\x98", 2));
	assert_int_equal(t.len, 0);
	assert_true(acast_output_line(&t, &st, 1500000, "\x80!", 2));
	static const char want[] = "[0.001500, \"o\", \"\xf0\x9f\x98\x80!\"]\n";
	assert_int_equal(t.len, sizeof(want) - 1);
	assert_memory_equal(t.data, want, sizeof(want) - 1);
	/* Nothing held: no flush line. */
	assert_false(acast_flush_line(&t, &st, 0));
	assert_false(acast_output_line(&t, &st, 3 * INT64_C(1000000000), "\xe2\x82", 2));
	t.len = 0;
	assert_true(acast_flush_line(&t, &st, 3 * INT64_C(1000000000) + 999999999));
	static const char want2[] = "[3.999999, \"o\", \"" FFFD "\"]\n";
	assert_int_equal(t.len, sizeof(want2) - 1);
	assert_memory_equal(t.data, want2, sizeof(want2) - 1);
	acast_text_free(&t);
}

/* Random bytes in random pieces: every line is valid JSON and valid UTF-8,
 * and valid UTF-8 input comes back byte for byte. */
static void test_escape_random(void **state)
{
	(void)state;
	srand(12345);
	for (int round = 0; round < 200; round++) {
		unsigned char in[512];
		size_t len = (size_t)(rand() % (int)sizeof(in));
		for (size_t i = 0; i < len; i++)
			in[i] = (unsigned char)(round % 2 ? rand() : (rand() % 3 ? rand() % 128 : 0xc3 + rand() % 2));
		struct acast_text t = {0};
		struct acast_utf8 st = {0};
		size_t off = 0;
		while (off < len) {
			size_t n = 1 + (size_t)(rand() % 9);
			if (n > len - off)
				n = len - off;
			acast_output_line(&t, &st, (int64_t)off * 1000, in + off, n);
			off += n;
		}
		acast_flush_line(&t, &st, (int64_t)len * 1000);
		size_t start = 0;
		while (start < t.len) {
			char *nl = memchr(t.data + start, '\n', t.len - start);
			assert_non_null(nl);
			size_t l = (size_t)(nl - (t.data + start));
			struct json_object *o = parse_json(t.data + start, l);
			if (o == NULL)
				fail_msg("round %d: bad line %.*s", round, (int)l, t.data + start);
			assert_int_equal(json_object_array_length(o), 3);
			json_object_put(o);
			start += l + 1;
		}
		acast_text_free(&t);
	}
}

static void test_header_and_resize(void **state)
{
	(void)state;
	struct acast_text t = {0};
	const char *env[] = {"TERM=xterm-256color", "SHELL=/bin/sh", "ODD", NULL};
	struct acast_header h = {
		.width = 132,
		.height = 43,
		.timestamp = 1795893862,
		.command = "sh -c \"echo hi\"\n",
		.title = "t\xff",
		.env = env,
	};
	acast_header_line(&t, &h);
	assert_int_equal(t.data[t.len - 1], '\n');
	assert_null(memchr(t.data, '\n', t.len - 1));
	static const char prefix[] = "{\"version\": 2, \"width\": 132, \"height\": 43, \"timestamp\": 1795893862, ";
	assert_memory_equal(t.data, prefix, sizeof(prefix) - 1);
	struct json_object *o = parse_json(t.data, t.len - 1), *v, *e;
	assert_non_null(o);
	assert_true(json_object_object_get_ex(o, "version", &v));
	assert_int_equal(json_object_get_int(v), 2);
	assert_true(json_object_object_get_ex(o, "command", &v));
	assert_string_equal(json_object_get_string(v), "sh -c \"echo hi\"\n");
	assert_true(json_object_object_get_ex(o, "title", &v));
	assert_string_equal(json_object_get_string(v), "t" FFFD);
	assert_true(json_object_object_get_ex(o, "env", &e));
	assert_true(json_object_object_get_ex(e, "TERM", &v));
	assert_string_equal(json_object_get_string(v), "xterm-256color");
	assert_true(json_object_object_get_ex(e, "ODD", &v));
	assert_string_equal(json_object_get_string(v), "");
	json_object_put(o);

	/* Optional fields left out. */
	t.len = 0;
	struct acast_header bare = {.width = 80, .height = 24, .timestamp = -1};
	acast_header_line(&t, &bare);
	static const char want[] = "{\"version\": 2, \"width\": 80, \"height\": 24}\n";
	assert_int_equal(t.len, sizeof(want) - 1);
	assert_memory_equal(t.data, want, t.len);

	t.len = 0;
	acast_resize_line(&t, INT64_C(12345678901), 100, 30);
	static const char want_r[] = "[12.345678, \"r\", \"100x30\"]\n";
	assert_int_equal(t.len, sizeof(want_r) - 1);
	assert_memory_equal(t.data, want_r, t.len);
	acast_text_free(&t);

	unsigned cols, rows;
	assert_int_equal(acast_parse_size("100x30", 6, &cols, &rows), 0);
	assert_int_equal(cols, 100);
	assert_int_equal(rows, 30);
	static const char *bad[] = {"", "x", "100x", "x30", "0x30", "100x0", "100x30x", "-1x3", "70000x3", "10 x3"};
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
		assert_int_equal(acast_parse_size(bad[i], strlen(bad[i]), &cols, &rows), -1);
}

/* --- acastlog and acastread together --- */

struct replay {
	int headers;
	struct acast_info info[4];
	char out[65536];
	size_t out_len;
	int64_t last_t;
	int resizes;
	unsigned cols, rows;
	int warnings;
	unsigned long warn_line;
};

static void header_cb(const struct acast_info *info, void *arg)
{
	struct replay *r = arg;
	if (r->headers < 4)
		r->info[r->headers] = *info;
	r->headers++;
	r->last_t = 0;
}

static void event_cb(const struct acast_event *ev, void *arg)
{
	struct replay *r = arg;
	assert_true(ev->t_ns >= r->last_t);
	r->last_t = ev->t_ns;
	if (ev->type == 'o') {
		assert_true(r->out_len + ev->len <= sizeof(r->out));
		memcpy(r->out + r->out_len, ev->data, ev->len);
		r->out_len += ev->len;
	} else if (ev->type == 'r') {
		r->resizes++;
		assert_int_equal(acast_parse_size(ev->data, ev->len, &r->cols, &r->rows), 0);
	}
}

static void awarn_cb(const char *file, unsigned long line, const char *what, void *arg)
{
	(void)file;
	(void)what;
	struct replay *r = arg;
	r->warnings++;
	r->warn_line = line;
}

static void replay_file(const char *path, struct replay *r)
{
	memset(r, 0, sizeof(*r));
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	struct acastread *ar = acastread_new(path, header_cb, event_cb, awarn_cb, r);
	assert_true(acastread_read_fd(ar, fd) > 0);
	acastread_finish(ar);
	acastread_free(ar);
	close(fd);
}

static struct output_chunk chunk_at(enum stream_id s, const char *data, size_t len, int64_t ns)
{
	struct output_chunk c = {.stream = s, .data = data, .len = len};
	c.when.tv_sec = (time_t)(ns / 1000000000);
	c.when.tv_nsec = (long)(ns % 1000000000);
	return c;
}

static int64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void test_acastlog_roundtrip(void **state)
{
	(void)state;
	char dir[] = "/tmp/test_asciicast.XXXXXX";
	assert_non_null(mkdtemp(dir));
	char *path = xasprintf("%s/rec.cast", dir);
	char *err = NULL;
	struct logdrv *drv = acastlog_open(path, 30, 100, "sh -c 'x'", &err);
	assert_non_null(drv);
	assert_null(err);
	assert_string_equal(drv->name, "asciicast");
	struct stat st;
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);

	/* Reads stamped a little in the past, as the shim's are by the time
	 * they are written. A euro sign split across two reads, stderr in
	 * between, a clock step backwards: the file must stay valid and in order. */
	int64_t t0 = now_ns() - 10000000;
	struct output_chunk c1 = chunk_at(STREAM_STDOUT, "hello \xe2\x82", 8, t0);
	struct output_chunk c2 = chunk_at(STREAM_STDERR, "[err]", 5, t0 + 1000);
	struct output_chunk c3 = chunk_at(STREAM_STDOUT, "\xac\r\n", 3, t0 - 5000000000);
	struct output_chunk c4 = chunk_at(STREAM_STDOUT, "bye\xf0", 4, t0 + 2000000);
	drv->ops->write(drv, &c1);
	drv->ops->write(drv, &c2);
	drv->ops->write(drv, &c3);
	struct timespec when = c4.when;
	drv->ops->resize(drv, 40, 120, &when);
	drv->ops->resize(drv, 40, 120, &when); /* unchanged: no event */
	drv->ops->write(drv, &c4);
	drv->ops->sync(drv);
	drv->ops->destroy(drv);

	struct replay *r = xcalloc(1, sizeof(*r));
	replay_file(path, r);
	assert_int_equal(r->warnings, 0);
	assert_int_equal(r->headers, 1);
	assert_int_equal(r->info[0].width, 100);
	assert_int_equal(r->info[0].height, 30);
	assert_true(r->info[0].has_timestamp);
	assert_true(r->info[0].timestamp <= t0 / 1000000000);
	static const char want[] = "hello [err]\xe2\x82\xac\r\nbye" FFFD;
	assert_int_equal(r->out_len, sizeof(want) - 1);
	assert_memory_equal(r->out, want, sizeof(want) - 1);
	assert_int_equal(r->resizes, 1);
	assert_int_equal(r->cols, 120);
	assert_int_equal(r->rows, 40);

	/* Reopened (a container restart): the same recording goes on, with
	 * the new size, and no second header. */
	drv = acastlog_open(path, 24, 80, NULL, &err);
	assert_non_null(drv);
	struct output_chunk c5 = chunk_at(STREAM_STDOUT, "again\n", 6, now_ns() + 1000000);
	drv->ops->write(drv, &c5);
	assert_int_equal(drv->ops->reopen(drv), 0);
	drv->ops->destroy(drv);
	replay_file(path, r);
	assert_int_equal(r->warnings, 0);
	assert_int_equal(r->headers, 1);
	assert_int_equal(r->cols, 80);
	assert_int_equal(r->rows, 24);
	assert_int_equal(r->out_len, sizeof(want) - 1 + 6);

	/* A foreign file is not continued but appended to, after a torn line. */
	assert_int_equal(truncate(path, 0), 0);
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	assert_int_equal(write_all(fd, "[1.0, \"o\", \"torn", 16), 0);
	close(fd);
	diag_set_stderr(false);
	drv = acastlog_open(path, 24, 80, NULL, &err);
	diag_set_stderr(true);
	assert_non_null(drv);
	drv->ops->destroy(drv);
	replay_file(path, r);
	assert_int_equal(r->headers, 1);
	assert_int_equal(r->warnings, 1);
	assert_int_equal(r->warn_line, 1);

	/* Unopenable path: NULL and a one-line message. */
	char *bad = xasprintf("%s/no/such/dir/x.cast", dir);
	assert_null(acastlog_open(bad, 24, 80, NULL, &err));
	assert_non_null(err);
	assert_non_null(strstr(err, "asciicast: "));
	assert_null(strchr(err, '\n'));
	free(err);
	free(bad);

	free(r);
	unlink(path);
	rmdir(dir);
	free(path);
}

/* Runs fn(drv) with stderr captured into text (cap bytes, NUL-terminated). */
static void with_stderr_captured(void (*fn)(struct logdrv *), struct logdrv *drv, char *text, size_t cap)
{
	FILE *tmp = tmpfile();
	assert_non_null(tmp);
	int saved = dup(STDERR_FILENO);
	assert_true(saved >= 0);
	assert_true(dup2(fileno(tmp), STDERR_FILENO) >= 0);
	fn(drv);
	assert_true(dup2(saved, STDERR_FILENO) >= 0);
	close(saved);
	rewind(tmp);
	size_t n = fread(text, 1, cap - 1, tmp);
	text[n] = '\0';
	fclose(tmp);
}

static void sync_driver(struct logdrv *drv)
{
	drv->ops->sync(drv);
}

/* A full disk: nothing crashes, events wait in memory up to the cap, the
 * rest is counted as lost, and all that waited is written once the disk
 * takes writes again. */
static void test_acastlog_full_disk(void **state)
{
	(void)state;
	/* A file size limit makes every write past 4 KiB fail (EFBIG), as a
	 * full file system would: log drivers only take regular files. */
	char path[] = "/tmp/acastlog-full.XXXXXX";
	int tmp_fd = mkstemp(path);
	assert_true(tmp_fd >= 0);
	close(tmp_fd);
	struct rlimit old_lim, lim;
	getrlimit(RLIMIT_FSIZE, &old_lim);
	lim = (struct rlimit){4096, old_lim.rlim_max}; /* the soft limit only: it is lifted again */
	signal(SIGXFSZ, SIG_IGN);
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &lim), 0);
	char *err = NULL;
	diag_set_stderr(false);
	struct logdrv *drv = acastlog_open(path, 24, 80, NULL, &err);
	assert_non_null(drv);
	char big[8192];
	memset(big, 'x', sizeof(big));
	int64_t t = now_ns();
	for (int i = 0; i < 1024; i++) {
		struct output_chunk c = chunk_at(STREAM_STDOUT, big, sizeof(big), t + i);
		drv->ops->write(drv, &c);
	}
	/* The disk takes writes again: the backlog goes out at sync. */
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &old_lim), 0);
	signal(SIGXFSZ, SIG_DFL);
	diag_set_stderr(true);
	char text[4096];
	with_stderr_captured(sync_driver, drv, text, sizeof(text));
	unsigned long long lost = 0;
	const char *msg = strstr(text, "writing again; ");
	assert_non_null(msg);
	assert_int_equal(sscanf(msg, "writing again; %llu bytes of output were not recorded", &lost), 1);
	assert_true(lost > 0);
	assert_int_equal(lost % sizeof(big), 0);
	/* What waited was capped: at most the 4 KiB written before, plus the
	 * backlog, which stops growing once it reaches the cap. */
	struct stat st;
	assert_int_equal(stat(path, &st), 0);
	assert_true(st.st_size >= (off_t)ACASTLOG_MAX_BACKLOG);
	assert_true(st.st_size < 4096 + (off_t)(ACASTLOG_MAX_BACKLOG + 2 * sizeof(big)));
	drv->ops->destroy(drv);
	unlink(path);
}

static void test_acastread_bad_lines(void **state)
{
	(void)state;
	static const char text[] = "[0.5, \"o\", \"early\"]\n"                             /* 1: before header */
				   "{\"version\": 2, \"width\": 80, \"height\": 24, \"timestamp\": 100}\n" /* 2 */
				   "[0.1, \"o\", \"a\\u0000b\"]\n"                                 /* 3 */
				   "not json\n"                                                   /* 4 */
				   "[0.2, \"o\"]\n"                                               /* 5 */
				   "[-1, \"o\", \"x\"]\n"                                         /* 6 */
				   "[0.3, \"o\", \"c\"] junk\n"                                   /* 7 */
				   "\r\n"                                                         /* 8: blank */
				   "{\"version\": 1}\n"                                           /* 9 */
				   "[0.4, \"r\", \"90x30\"]\r\n"                                  /* 10: CRLF */
				   "{\"version\": 2, \"width\": 90, \"height\": 30}\n"            /* 11 */
				   "[0.0, \"o\", \"d\"]";                                         /* 12: no \n */
	struct replay *r = xcalloc(1, sizeof(*r));
	struct acastread *ar = acastread_new("x.cast", header_cb, event_cb, awarn_cb, r);
	/* One byte at a time, as a file being written is read. */
	int p[2];
	assert_int_equal(pipe2(p, O_CLOEXEC | O_NONBLOCK), 0);
	for (size_t i = 0; i < sizeof(text) - 1; i++) {
		assert_int_equal(write(p[1], text + i, 1), 1);
		assert_int_equal(acastread_read_fd(ar, p[0]), 1);
	}
	close(p[0]);
	close(p[1]);
	assert_true(acastread_seen_header(ar));
	acastread_finish(ar);
	acastread_free(ar);
	assert_int_equal(r->headers, 2);
	assert_int_equal(r->info[0].timestamp, 100);
	assert_int_equal(r->info[0].line, 2);
	assert_false(r->info[1].has_timestamp);
	assert_int_equal(r->warnings, 6);
	assert_int_equal(r->out_len, 4);
	assert_memory_equal(r->out, "a\0bd", 4);
	assert_int_equal(r->resizes, 1);
	free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_escape_ascii),
		cmocka_unit_test(test_escape_utf8),
		cmocka_unit_test(test_escape_invalid_utf8),
		cmocka_unit_test(test_output_line_carry),
		cmocka_unit_test(test_escape_random),
		cmocka_unit_test(test_header_and_resize),
		cmocka_unit_test(test_acastlog_roundtrip),
		cmocka_unit_test(test_acastlog_full_disk),
		cmocka_unit_test(test_acastread_bad_lines),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
