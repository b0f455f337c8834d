/* fuzz_ctl: the ctl and winsz line parsers, through the real fifos (ctl_open
 * in a private directory, the loop reading them), written in pieces whose
 * sizes come from the input.
 *
 * Input: byte 0 picks the fifo (bit 0) and seeds the piece sizes; the rest
 * is the fifo's byte stream. Checked against a reference written here from
 * the contract in ctl.h (and conmon's format): every complete line up to
 * CTL_LINE_MAX bytes is handled exactly once, in order; a line is accepted
 * exactly when sscanf("%ld %ld %ld") finds its numbers (the rest of the
 * line ignored), the type is 1 or 2 and a resize's sizes are 0-65535, and
 * then the right callback fires with the right numbers; overlong lines and
 * the pending unterminated tail do nothing. The same stream fed whole must give the
 * same calls as fed in pieces. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <fcntl.h>
#include <unistd.h>

#include "shim/ctl.h"
#include "base/diag.h"
#include "base/loop.h"

enum { CTL_FIFO_CTL, CTL_FIFO_WINSZ };

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_CALLS 4096

struct call {
	int type;
	unsigned a, b;
};

struct record {
	struct call calls[MAX_CALLS];
	size_t n;
};

static void on_resize(void *ctx, unsigned rows, unsigned cols)
{
	struct record *r = ctx;
	if (rows > 65535 || cols > 65535)
		abort();
	if (r->n < MAX_CALLS)
		r->calls[r->n] = (struct call){CTL_RESIZE, rows, cols};
	r->n++;
}

static void on_reopen(void *ctx)
{
	struct record *r = ctx;
	if (r->n < MAX_CALLS)
		r->calls[r->n] = (struct call){CTL_REOPEN_LOG, 0, 0};
	r->n++;
}

static char fifo_dir[32];

static void remove_fifo_dir(void)
{
	char path[64];
	snprintf(path, sizeof(path), "%s/ctl", fifo_dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/winsz", fifo_dir);
	unlink(path);
	rmdir(fifo_dir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	diag_init("ptyshim");
	diag_set_stderr(false); /* every bad line warns; keep the fuzzer's output readable */
	snprintf(fifo_dir, sizeof(fifo_dir), "/tmp/fuzz_ctl.XXXXXX");
	if (mkdtemp(fifo_dir) == NULL)
		abort();
	atexit(remove_fifo_dir);
	return 0;
}

/* A ctl on the fifos in fifo_dir with a writer on fifo which. */
struct feeder {
	struct loop *loop;
	struct ctl_fifos *ctl;
	int w;
};

static void feeder_open(struct feeder *f, int which, const struct ctl_callbacks *cb)
{
	char *err = NULL;
	f->loop = loop_new();
	f->ctl = f->loop ? ctl_open(f->loop, fifo_dir, cb, &err) : NULL;
	if (f->ctl == NULL)
		abort();
	char path[64];
	snprintf(path, sizeof(path), "%s/%s", fifo_dir, which == CTL_FIFO_CTL ? "ctl" : "winsz");
	f->w = open(path, O_WRONLY | O_NONBLOCK | O_CLOEXEC);
	if (f->w < 0)
		abort();
}

/* One write (at most what the fifo holds), then the loop reads it all. */
static void feeder_write(struct feeder *f, const char *data, size_t len)
{
	while (len > 0) {
		size_t n = len < 65536 ? len : 65536;
		if (write(f->w, data, n) != (ssize_t)n || loop_run_once(f->loop, 1000) < 0)
			abort();
		data += n;
		len -= n;
	}
}

static void feeder_close(struct feeder *f)
{
	close(f->w);
	ctl_free(f->ctl);
	loop_free(f->loop);
}

/* The reference: one line without its newline, through the C library's
 * own sscanf, as conmon reads it (it sees the line up to a NUL). */
static bool ref_parse(const char *s, size_t len, int fields, struct call *out)
{
	char *buf = malloc(len + 1);
	if (buf == NULL)
		abort();
	memcpy(buf, s, len);
	buf[len] = '\0';
	long v[3];
	int n = fields == 3 ? sscanf(buf, "%ld %ld %ld", &v[0], &v[1], &v[2]) : sscanf(buf, "%ld %ld", &v[0], &v[1]);
	free(buf);
	if (n != fields)
		return false;
	const long *size = fields == 3 ? v + 1 : v;
	int type = fields == 3 ? (int)v[0] : CTL_RESIZE;
	if (fields == 3 && v[0] != 1 && v[0] != 2)
		return false;
	if (type == CTL_REOPEN_LOG) {
		*out = (struct call){CTL_REOPEN_LOG, 0, 0};
		return true;
	}
	if (size[0] < 0 || size[0] > 65535 || size[1] < 0 || size[1] > 65535)
		return false;
	*out = (struct call){CTL_RESIZE, (unsigned)size[0], (unsigned)size[1]};
	return true;
}

static bool same(const struct record *x, const struct record *y)
{
	if (x->n != y->n)
		return false;
	size_t n = x->n < MAX_CALLS ? x->n : MAX_CALLS;
	return memcmp(x->calls, y->calls, n * sizeof(struct call)) == 0;
}

static struct record got_pieces, got_whole, want;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	int which = data[0] & 1 ? CTL_FIFO_WINSZ : CTL_FIFO_CTL;
	unsigned seed = data[0] >> 1;
	const char *s = (const char *)data + 1;
	size_t len = size - 1;

	/* Pieces: sizes 1..64 from a small LCG seeded by the input. */
	got_pieces.n = 0;
	struct ctl_callbacks cb = {.resize = on_resize, .reopen_log = on_reopen, .ctx = &got_pieces};
	struct feeder f;
	feeder_open(&f, which, &cb);
	for (size_t off = 0; off < len;) {
		seed = seed * 1103515245u + 12345u;
		size_t piece = 1 + (seed >> 16) % 64;
		if (piece > len - off)
			piece = len - off;
		feeder_write(&f, s + off, piece);
		off += piece;
	}
	feeder_close(&f);

	got_whole.n = 0;
	cb.ctx = &got_whole;
	feeder_open(&f, which, &cb);
	feeder_write(&f, s, len);
	feeder_close(&f);

	want.n = 0;
	size_t start = 0;
	for (size_t i = 0; i < len; i++) {
		if (s[i] != '\n')
			continue;
		size_t l = i - start;
		struct call c;
		if (l <= CTL_LINE_MAX && ref_parse(s + start, l, which == CTL_FIFO_CTL ? 3 : 2, &c)) {
			if (want.n < MAX_CALLS)
				want.calls[want.n] = c;
			want.n++;
		}
		start = i + 1;
	}

	if (!same(&got_pieces, &got_whole) || !same(&got_whole, &want))
		abort();
	return 0;
}
