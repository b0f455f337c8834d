/* fuzz_k8sread: the k8s-file reader, on its own and behind the writer.
 *
 * Input byte 0: bit 0 picks the mode, the other bits seed piece sizes.
 *  - reader mode: the rest is a log file, fed in pieces and then finished.
 *    Every record must match what a fresh reader makes of its line alone, and
 *    the records and warnings must be the same as when the file is fed in
 *    one piece. Timestamp and --since/--until parsers get the first line too.
 *  - round trip: the rest is container output, cut into chunks (stream and
 *    time from the input) and written by the k8s-file writer into a file,
 *    which the reader must read back without a warning: same bytes per
 *    stream, each record at most K8S_MAX_RECORD bytes, and each record's
 *    timestamp exactly the chunk's. */
#include <fcntl.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "base/diag.h"
#include "shim/k8slog.h"
#include "logfmt/k8sread.h"
#include "logfmt/logtime.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char log_path[64];

static void cleanup(void)
{
	unlink(log_path);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	diag_init("ptyshim");
	diag_set_stderr(false);
	snprintf(log_path, sizeof(log_path), "/dev/shm/ptyshim-fuzz-k8s-%d.log", (int)getpid());
	if (access("/dev/shm", W_OK) != 0)
		snprintf(log_path, sizeof(log_path), "/tmp/ptyshim-fuzz-k8s-%d.log", (int)getpid());
	atexit(cleanup);
	return 0;
}

/* A growable transcript of everything the reader reported. */
struct transcript {
	unsigned char *data;
	size_t len, cap;
	size_t warnings;
	/* round trip */
	unsigned char *out[2];
	size_t out_len[2];
	const int64_t *want_ts; /* per record, in order */
	size_t n_want_ts, n_records;
	bool bad;
};

static void put(struct transcript *t, const void *p, size_t n)
{
	if (t->len + n > t->cap) {
		size_t cap = t->cap ? t->cap : 1024;
		while (cap < t->len + n)
			cap *= 2;
		t->data = realloc(t->data, cap);
		t->cap = cap;
	}
	memcpy(t->data + t->len, p, n);
	t->len += n;
}

/* Hands data to the reader as one more piece of the file (a memfd holding
 * exactly those bytes, so reading past them is caught). */
static void feed(struct k8sread *r, const void *data, size_t len)
{
	int fd = memfd_create("fuzz-k8sread", MFD_CLOEXEC);
	if (fd < 0 || (len > 0 && write(fd, data, len) != (ssize_t)len) || lseek(fd, 0, SEEK_SET) != 0)
		abort();
	if (k8sread_read_fd(r, fd) != (ssize_t)len)
		abort();
	close(fd);
}

struct single {
	int n;
	struct k8s_record rec;
	char *data;
};

static void on_single(const struct k8s_record *rec, void *arg)
{
	struct single *one = arg;
	if (one->n++ == 0) {
		one->rec = *rec;
		one->data = malloc(rec->len + 1);
		memcpy(one->data, rec->data, rec->len);
	}
}

/* A whole record's line, read alone by a new reader, gives the same record. */
static bool reparses_same(const struct k8s_record *rec)
{
	size_t line_len = (size_t)(rec->data + rec->len - rec->ts_text);
	char *line = malloc(line_len + 1);
	memcpy(line, rec->ts_text, line_len);
	line[line_len] = '\n';
	struct single one = {0};
	struct k8sread *r = k8sread_new("line.log", on_single, NULL, &one);
	feed(r, line, line_len + 1);
	k8sread_finish(r);
	k8sread_free(r);
	bool same = one.n == 1 && one.rec.len == rec->len && memcmp(one.data, rec->data, rec->len) == 0 &&
		    one.rec.ts_ns == rec->ts_ns && one.rec.partial == rec->partial && one.rec.stream == rec->stream;
	free(one.data);
	free(line);
	return same;
}

static void on_record(const struct k8s_record *rec, void *arg)
{
	struct transcript *t = arg;
	if (rec->stream != STREAM_STDOUT && rec->stream != STREAM_STDERR)
		abort();
	if (rec->len > K8SREAD_MAX_LINE || rec->ts_len > 64 || rec->line == 0)
		abort();
	if (rec->truncated && !rec->partial)
		abort();
	/* Touch every byte so a dangling pointer is caught right here. */
	unsigned sum = 0;
	for (size_t i = 0; i < rec->len; i++)
		sum += (unsigned char)rec->data[i];
	for (size_t i = 0; i < rec->ts_len; i++)
		sum += (unsigned char)rec->ts_text[i];
	(void)sum;
	char hdr[64];
	int n = snprintf(hdr, sizeof(hdr), "R %lu %d %d %d %lld %zu:", rec->line, (int)rec->stream, rec->partial,
			 rec->truncated, (long long)rec->ts_ns, rec->len);
	put(t, hdr, (size_t)n);
	put(t, rec->data, rec->len);
	if (!rec->truncated && !reparses_same(rec))
		abort();
	if (t->want_ts != NULL) {
		int idx = rec->stream == STREAM_STDERR;
		if (t->n_records >= t->n_want_ts || rec->ts_ns != t->want_ts[t->n_records] ||
		    rec->len > K8S_MAX_RECORD + 1)
			t->bad = true;
		t->n_records++;
		t->out[idx] = realloc(t->out[idx], t->out_len[idx] + rec->len + 1);
		memcpy(t->out[idx] + t->out_len[idx], rec->data, rec->len);
		t->out_len[idx] += rec->len;
		if (!rec->partial)
			t->out[idx][t->out_len[idx]++] = '\n';
	}
}

static void on_warn(const char *file, unsigned long line, const char *what, void *arg)
{
	struct transcript *t = arg;
	if (file == NULL || what == NULL || what[0] == '\0')
		abort();
	t->warnings++;
	char hdr[64];
	int n = snprintf(hdr, sizeof(hdr), "W %lu ", line);
	put(t, hdr, (size_t)n);
	put(t, what, strlen(what));
	put(t, "\n", 1);
}

static void free_transcript(struct transcript *t)
{
	free(t->data);
	free(t->out[0]);
	free(t->out[1]);
}

static void reader_mode(const uint8_t *data, size_t size, unsigned seed)
{
	struct transcript pieces = {0}, whole = {0};
	struct k8sread *r = k8sread_new("fuzz.log", on_record, on_warn, &pieces);
	for (size_t off = 0; off < size;) {
		seed = seed * 1103515245u + 12345u;
		size_t piece = 1 + (seed >> 16) % 300;
		if (piece > size - off)
			piece = size - off;
		unsigned char *copy = malloc(piece);
		memcpy(copy, data + off, piece);
		feed(r, copy, piece);
		free(copy);
		off += piece;
	}
	k8sread_finish(r);
	/* A reset reader works like a new one. */
	k8sread_reset(r, "again.log");
	feed(r, data, size);
	k8sread_finish(r);
	k8sread_free(r);

	r = k8sread_new("fuzz.log", on_record, on_warn, &whole);
	feed(r, data, size);
	k8sread_finish(r);
	k8sread_free(r);
	/* pieces saw the input twice (before and after the reset). */
	if (pieces.len != 2 * whole.len)
		abort();
	if (whole.len > 0 && (memcmp(pieces.data, whole.data, whole.len) != 0 ||
			      memcmp(pieces.data + whole.len, whole.data, whole.len) != 0))
		abort();
	free_transcript(&pieces);
	free_transcript(&whole);

	/* The time parsers on the first line, as a string. */
	const uint8_t *nl = memchr(data, '\n', size);
	size_t first = nl ? (size_t)(nl - data) : size;
	if (first > 256)
		first = 256;
	char s[257];
	memcpy(s, data, first);
	s[first] = '\0';
	int64_t ns;
	logtime_parse_k8s(s, first, &ns);
	logtime_parse_arg(s, INT64_C(1700000000) * LOGTIME_NS_PER_SEC, &ns);
	logtime_parse_duration(s, &ns);
	if (logtime_parse_k8s(s, first, &ns) == 0) {
		/* Whatever parses formats back (in local time) and parses again equal. */
		char buf[LOGTIME_K8S_LEN + 1];
		struct logtime_local clock = {0};
		size_t n = logtime_format_local(&clock, ns, buf, sizeof(buf));
		int64_t ns2;
		if (n > 0 && (logtime_parse_k8s(buf, n, &ns2) < 0 || ns2 != ns))
			abort();
	}
}

static void roundtrip_mode(const uint8_t *data, size_t size, unsigned seed)
{
	unlink(log_path);
	struct k8slog_opts o = {.path = log_path, .size_max = -1, .global_size_max = -1, .no_sync = true};
	char *err = NULL;
	struct logdrv *drv = k8slog_open(&o, &err);
	if (drv == NULL) {
		fprintf(stderr, "fuzz_k8sread: %s\n", err);
		abort();
	}
	unsigned char *want[2] = {malloc(size + 1), malloc(size + 1)};
	size_t want_len[2] = {0, 0};
	size_t cap_ts = 16, n_ts = 0;
	int64_t *ts = malloc(cap_ts * sizeof(*ts));
	int64_t t = INT64_C(1700000000) * LOGTIME_NS_PER_SEC + (seed & 0xff) * INT64_C(999999937);
	for (size_t off = 0; off < size;) {
		seed = seed * 1103515245u + 12345u;
		/* Mostly small chunks, sometimes large ones (multi-record). */
		size_t piece = (seed >> 16) % 8 == 0 ? 1 + (seed >> 8) % 20000 : 1 + (seed >> 16) % 200;
		if (piece > size - off)
			piece = size - off;
		int idx = (seed >> 30) & 1;
		t += (int64_t)((seed >> 4) % 3000000000u);
		struct output_chunk c = {
			.stream = idx ? STREAM_STDERR : STREAM_STDOUT,
			.data = (const char *)data + off,
			.len = piece,
			.when = {.tv_sec = t / LOGTIME_NS_PER_SEC, .tv_nsec = t % LOGTIME_NS_PER_SEC},
		};
		drv->ops->write(drv, &c);
		memcpy(want[idx] + want_len[idx], data + off, piece);
		want_len[idx] += piece;
		/* Records of this chunk: one per line and per K8S_MAX_RECORD bytes. */
		const unsigned char *p = data + off, *end = data + off + piece;
		while (p < end) {
			size_t avail = (size_t)(end - p), lim = avail < K8S_MAX_RECORD ? avail : K8S_MAX_RECORD;
			const unsigned char *nl = memchr(p, '\n', lim);
			p = nl ? nl + 1 : p + lim;
			if (n_ts == cap_ts)
				ts = realloc(ts, (cap_ts *= 2) * sizeof(*ts));
			ts[n_ts++] = t;
		}
		off += piece;
	}
	drv->ops->sync(drv);
	drv->ops->destroy(drv);

	struct transcript got = {.want_ts = ts, .n_want_ts = n_ts};
	struct k8sread *r = k8sread_new(log_path, on_record, on_warn, &got);
	int fd = open(log_path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || k8sread_read_fd(r, fd) < 0)
		abort();
	close(fd);
	k8sread_finish(r);
	k8sread_free(r);
	if (got.warnings != 0 || got.bad || got.n_records != n_ts)
		abort();
	/* F records end a line (the reader strips the record's '\n', which
	 * was the line's own), P records do not: the streams come back whole. */
	for (int i = 0; i < 2; i++)
		if (got.out_len[i] != want_len[i] || (want_len[i] > 0 && memcmp(got.out[i], want[i], want_len[i]) != 0))
			abort();
	free(got.data);
	free(got.out[0]);
	free(got.out[1]);
	free(want[0]);
	free(want[1]);
	free(ts);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1 || size > (1u << 20))
		return 0;
	unsigned seed = data[0] >> 1;
	if (data[0] & 1)
		roundtrip_mode(data + 1, size - 1, seed);
	else
		reader_mode(data + 1, size - 1, seed);
	return 0;
}
