/* Unit tests for ctl: the parser of conmon's control-fifo lines
 * ("1 ROWS COLS", "2 X Y" on ctl, "ROWS COLS" on winsz) and the per-fifo
 * line assembly behind them, whose promises are: every complete line is
 * handled exactly once, a line may arrive in pieces, a bad or overlong line
 * is skipped without disturbing the next one. Everything goes through real
 * fifos and the loop, as a manager's writes do. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "shim/ctl.h"
#include "base/diag.h"
#include "base/loop.h"

/* ------------------------------------------------------------ feeding */

enum { CTL_FIFO_CTL, CTL_FIFO_WINSZ };

struct calls {
	int resizes;
	int reopens;
	unsigned rows[64], cols[64];
};

static void on_resize(void *ctx, unsigned rows, unsigned cols)
{
	struct calls *c = ctx;
	if (c->resizes < 64) {
		c->rows[c->resizes] = rows;
		c->cols[c->resizes] = cols;
	}
	c->resizes++;
}

static void on_reopen(void *ctx)
{
	struct calls *c = ctx;
	c->reopens++;
}

/* A ctl on fifos in a fresh directory, with a writer held open on each. */
struct feeder {
	char dir[32];
	struct loop *loop;
	struct ctl_fifos *ctl;
	int w[2];
};

static struct feeder *feeder_with(const struct ctl_callbacks *cb)
{
	struct feeder *f = calloc(1, sizeof(*f));
	assert_non_null(f);
	snprintf(f->dir, sizeof(f->dir), "/tmp/test_ctl.XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	f->loop = loop_new();
	assert_non_null(f->loop);
	char *err = NULL;
	f->ctl = ctl_open(f->loop, f->dir, cb, &err);
	if (f->ctl == NULL)
		fail_msg("ctl_open: %s", err);
	static const char *const names[2] = {"ctl", "winsz"};
	for (int i = 0; i < 2; i++) {
		char path[64];
		snprintf(path, sizeof(path), "%s/%s", f->dir, names[i]);
		f->w[i] = open(path, O_WRONLY | O_NONBLOCK | O_CLOEXEC);
		assert_true(f->w[i] >= 0);
	}
	return f;
}

static struct feeder *new_feeder(struct calls *c)
{
	memset(c, 0, sizeof(*c));
	struct ctl_callbacks cb = {.resize = on_resize, .reopen_log = on_reopen, .ctx = c};
	return feeder_with(&cb);
}

/* Writes data to fifo which and lets the loop read all of it. */
static void feed_bytes(struct feeder *f, int which, const char *data, size_t len)
{
	assert_true(len <= 65536); /* what a pipe holds before we read */
	ssize_t n = write(f->w[which], data, len);
	assert_int_equal(n, (ssize_t)len);
	assert_int_equal(loop_run_once(f->loop, 1000), 0);
	/* One read callback drains the fifo; nothing is left for a second. */
	assert_int_equal(loop_run_once(f->loop, 0), 0);
}

static void feed(struct feeder *f, int which, const char *s)
{
	feed_bytes(f, which, s, strlen(s));
}

static void feeder_free(struct feeder *f)
{
	for (int i = 0; i < 2; i++)
		close(f->w[i]);
	ctl_free(f->ctl);
	loop_free(f->loop);
	char path[64];
	snprintf(path, sizeof(path), "%s/ctl", f->dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/winsz", f->dir);
	unlink(path);
	rmdir(f->dir);
	free(f);
}

/* ------------------------------------------------------------ parser */

struct parsed {
	int type; /* CTL_RESIZE or CTL_REOPEN_LOG */
	unsigned a, b;
};

/* One line (without its '\n') on the fifo that has `fields` numbers (3:
 * ctl, 2: winsz). Returns the calls it caused (0 or 1) with *out set, and
 * the warning it caused in warning (empty when none). */
static int parse_line(const char *line, size_t len, int fields, struct parsed *out, char *warning, size_t cap)
{
	struct calls c;
	struct feeder *f = new_feeder(&c);
	int which = fields == 3 ? CTL_FIFO_CTL : CTL_FIFO_WINSZ;
	FILE *tmp = tmpfile();
	assert_non_null(tmp);
	int saved = dup(STDERR_FILENO);
	assert_true(saved >= 0);
	assert_true(dup2(fileno(tmp), STDERR_FILENO) >= 0);
	feed_bytes(f, which, line, len);
	feed(f, which, "\n");
	assert_true(dup2(saved, STDERR_FILENO) >= 0);
	close(saved);
	rewind(tmp);
	size_t n = fread(warning, 1, cap - 1, tmp);
	warning[n] = '\0';
	fclose(tmp);
	feeder_free(f);
	assert_true(c.resizes + c.reopens <= 1);
	if (c.resizes == 1)
		*out = (struct parsed){CTL_RESIZE, c.rows[0], c.cols[0]};
	else if (c.reopens == 1)
		*out = (struct parsed){CTL_REOPEN_LOG, 0, 0};
	return c.resizes + c.reopens;
}

static struct parsed parse_ok(const char *line, int fields)
{
	struct parsed m = {0};
	char warning[1024];
	if (parse_line(line, strlen(line), fields, &m, warning, sizeof(warning)) != 1)
		fail_msg("line \"%s\" (%d fields) rejected: %s", line, fields, warning);
	assert_string_equal(warning, "");
	return m;
}

static void parse_bad(const char *line, size_t len, int fields)
{
	struct parsed m = {0};
	char warning[1024];
	if (parse_line(line, len, fields, &m, warning, sizeof(warning)) != 0)
		fail_msg("line \"%.*s\" (%d fields) accepted as type %d %u %u", (int)len, line, fields, m.type, m.a,
			 m.b);
	/* Every rejection is one warning line that says why. */
	const char *why = strstr(warning, "\": ");
	if (why == NULL || why[3] == '\n' || strchr(warning, '\n') != warning + strlen(warning) - 1)
		fail_msg("line \"%.*s\": expected one warning saying why, got: %s", (int)len, line, warning);
}

#define BAD3(s) parse_bad(s, sizeof(s) - 1, 3)
#define BAD2(s) parse_bad(s, sizeof(s) - 1, 2)

static void test_parse_good(void **state)
{
	(void)state;
	struct parsed m = parse_ok("1 30 100", 3);
	assert_int_equal(m.type, CTL_RESIZE);
	assert_int_equal(m.a, 30);
	assert_int_equal(m.b, 100);

	m = parse_ok("2 0 0", 3);
	assert_int_equal(m.type, CTL_REOPEN_LOG);

	m = parse_ok("30 100", 2);
	assert_int_equal(m.type, CTL_RESIZE);
	assert_int_equal(m.a, 30);
	assert_int_equal(m.b, 100);

	/* The edges of the range. */
	m = parse_ok("1 65535 65535", 3);
	assert_int_equal(m.a, 65535);
	assert_int_equal(m.b, 65535);
	m = parse_ok("1 0 0", 3);
	assert_int_equal(m.a, 0);
	assert_int_equal(m.b, 0);
	m = parse_ok("65535 1", 2);
	assert_int_equal(m.a, 65535);
	assert_int_equal(m.b, 1);

	/* sscanf-like spacing: several blanks or tabs between numbers. */
	m = parse_ok("1  40\t120", 3);
	assert_int_equal(m.a, 40);
	assert_int_equal(m.b, 120);
}

static void expect_resize(const char *line, int fields, unsigned rows, unsigned cols)
{
	struct parsed m = parse_ok(line, fields);
	assert_int_equal(m.type, CTL_RESIZE);
	if (m.a != rows || m.b != cols)
		fail_msg("\"%s\": %ux%u, expected %ux%u", line, m.a, m.b, rows, cols);
}

/* conmon 2.1.6 reads a line with sscanf("%d %d %d"): checked against
 * /usr/bin/conmon by writing each line to a container's ctl fifo. */
static void test_parse_like_conmon(void **state)
{
	(void)state;
	struct {
		const char *line;
		unsigned rows, cols;
	} cases[] = {
		{"1 2 2 3", 2, 2},	  /* extra fields ignored */
		{"01 007 0099", 7, 99},	  /* leading zeros */
		{"1 +5 +6", 5, 6},	  /* signs */
		{"  1   11 12", 11, 12},  /* leading blanks */
		{"1\t13\t14", 13, 14},
		{"1 15 16 junk", 15, 16}, /* trailing text */
		{"1 17 18x", 17, 18},
		{"1+24+25", 24, 25}, /* a sign ends the previous number */
		{"1 29 30\r", 29, 30},
		{"+1 31 32", 31, 32},
		{"1 36 37.9", 36, 37},
		{"1 0 0", 0, 0},
		{"1 -0 5", 0, 5},
		{"1 000000000000000000000000040 5", 40, 5},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		expect_resize(cases[i].line, 3, cases[i].rows, cases[i].cols);
	expect_resize("30 100 extra", 2, 30, 100);
	expect_resize(" 007\t8", 2, 7, 8);
	struct parsed m;
	/* A reopen's numbers are not looked at. */
	m = parse_ok("2 -1 99999999999", 3);
	assert_int_equal(m.type, CTL_REOPEN_LOG);
	m = parse_ok("02 0 0 0", 3);
	assert_int_equal(m.type, CTL_REOPEN_LOG);
	/* After the last number anything goes, even a NUL. */
	m = parse_ok("1 30 100 ", 3);
	assert_int_equal(m.b, 100);
	char warning[1024];
	assert_int_equal(parse_line("1 30 100\0x", 10, 3, &m, warning, sizeof(warning)), 1);
	assert_string_equal(warning, "");
	assert_int_equal(m.b, 100);
}

static void test_parse_bad(void **state)
{
	(void)state;
	BAD3("");
	BAD2("");
	BAD3(" ");
	BAD3("garbage");
	BAD3("1 30x 100"); /* conmon: sscanf stops at the x with 2 numbers */
	BAD3("1 19x 20");
	BAD3("x1 30 100");
	BAD3("1,30,100");
	BAD3("0x1 33 34");
	BAD3("1 1e2 35");
	BAD3("1 - 30 100");
	BAD3("1 +-30 100");
	/* On purpose: sizes outside 0-65535 (conmon wraps them). */
	BAD3("1 -30 100");
	BAD3("1 30 -100");
	BAD2("-30 100");
	BAD3("1 65536 100");
	BAD3("1 30 65536");
	BAD3("1 99999999999999999999999999 100");
	BAD3("1 30 18446744073709551617");
	BAD2("4294967296 100");
	BAD2("30 4294967396");
	/* Too few numbers. */
	BAD3("1");
	BAD3("1 30");
	BAD2("30");
	/* Unknown message types, however written. */
	BAD3("-1 30 100");
	BAD3("0 30 100");
	BAD3("3 30 100");
	BAD3("999 30 100");
	BAD3("4294967297 30 100");
	/* Not numbers at all / control bytes. */
	BAD3("1 3O 100");
	BAD3("\x01\x02\x03");
	parse_bad("1 30\0 100", 9, 3);
	/* A length shorter than the string: only that much is looked at. */
	parse_bad("1 30 100", 4, 3);
}

static void test_feed_one_line(void **state)
{
	(void)state;
	struct calls c;
	struct feeder *ctl = new_feeder(&c);
	feed(ctl, CTL_FIFO_CTL, "1 30 100\n");
	assert_int_equal(c.resizes, 1);
	assert_int_equal(c.rows[0], 30);
	assert_int_equal(c.cols[0], 100);
	assert_int_equal(c.reopens, 0);
	feed(ctl, CTL_FIFO_CTL, "2 0 0\n");
	assert_int_equal(c.resizes, 1);
	assert_int_equal(c.reopens, 1);
	feed(ctl, CTL_FIFO_WINSZ, "40 120\n");
	assert_int_equal(c.resizes, 2);
	assert_int_equal(c.rows[1], 40);
	assert_int_equal(c.cols[1], 120);
	/* No newline yet: nothing happens. */
	feed(ctl, CTL_FIFO_CTL, "1 50 60");
	assert_int_equal(c.resizes, 2);
	feed(ctl, CTL_FIFO_CTL, "\n");
	assert_int_equal(c.resizes, 3);
	feeder_free(ctl);
}

/* conmon 2.1.6 handled the first line of a multi-line read repeatedly and
 * lost the others; each line must be handled once, in order. */
static void test_feed_multi_line(void **state)
{
	(void)state;
	struct calls c;
	struct feeder *ctl = new_feeder(&c);
	feed(ctl, CTL_FIFO_CTL, "1 30 100\n1 40 120\n2 0 0\n1 50 160\n");
	assert_int_equal(c.resizes, 3);
	assert_int_equal(c.reopens, 1);
	assert_int_equal(c.rows[0], 30);
	assert_int_equal(c.cols[0], 100);
	assert_int_equal(c.rows[1], 40);
	assert_int_equal(c.cols[1], 120);
	assert_int_equal(c.rows[2], 50);
	assert_int_equal(c.cols[2], 160);

	/* Bad lines in between are skipped, the good ones around them still count. */
	feed(ctl, CTL_FIFO_CTL, "junk\n1 1 2\n\n1 2x 3\n9 9 9\n1 3 4\n");
	assert_int_equal(c.resizes, 5);
	assert_int_equal(c.rows[3], 1);
	assert_int_equal(c.cols[3], 2);
	assert_int_equal(c.rows[4], 3);
	assert_int_equal(c.cols[4], 4);
	assert_int_equal(c.reopens, 1);

	feed(ctl, CTL_FIFO_WINSZ, "10 20\n11 21\n");
	assert_int_equal(c.resizes, 7);
	assert_int_equal(c.rows[6], 11);
	assert_int_equal(c.cols[6], 21);
	feeder_free(ctl);
}

static void test_feed_split(void **state)
{
	(void)state;
	struct calls c;
	struct feeder *ctl = new_feeder(&c);
	feed(ctl, CTL_FIFO_CTL, "1 3");
	feed(ctl, CTL_FIFO_CTL, "0 10");
	assert_int_equal(c.resizes, 0);
	feed(ctl, CTL_FIFO_CTL, "0\n1 4");
	assert_int_equal(c.resizes, 1);
	assert_int_equal(c.rows[0], 30);
	assert_int_equal(c.cols[0], 100);
	feed(ctl, CTL_FIFO_CTL, "0 120\n");
	assert_int_equal(c.resizes, 2);
	assert_int_equal(c.rows[1], 40);
	assert_int_equal(c.cols[1], 120);

	/* One byte at a time. */
	const char *s = "1 55 66\n";
	for (const char *p = s; *p; p++)
		feed_bytes(ctl, CTL_FIFO_CTL, p, 1);
	assert_int_equal(c.resizes, 3);
	assert_int_equal(c.rows[2], 55);
	assert_int_equal(c.cols[2], 66);
	feeder_free(ctl);
}

/* Each fifo assembles its own lines: a half line on one never mixes with
 * the other. */
static void test_feed_fifos_independent(void **state)
{
	(void)state;
	struct calls c;
	struct feeder *ctl = new_feeder(&c);
	feed(ctl, CTL_FIFO_CTL, "1 30");
	feed(ctl, CTL_FIFO_WINSZ, "12 34\n");
	assert_int_equal(c.resizes, 1);
	assert_int_equal(c.rows[0], 12);
	assert_int_equal(c.cols[0], 34);
	feed(ctl, CTL_FIFO_CTL, " 100\n");
	assert_int_equal(c.resizes, 2);
	assert_int_equal(c.rows[1], 30);
	assert_int_equal(c.cols[1], 100);
	/* A ctl-format line on winsz: conmon's sscanf takes its first two numbers. */
	feed(ctl, CTL_FIFO_WINSZ, "1 30 100\n");
	assert_int_equal(c.resizes, 3);
	assert_int_equal(c.rows[2], 1);
	assert_int_equal(c.cols[2], 30);
	feeder_free(ctl);
}

static void test_feed_overlong(void **state)
{
	(void)state;
	struct calls c;
	struct feeder *ctl = new_feeder(&c);
	char line[CTL_LINE_MAX + 64];

	/* Exactly CTL_LINE_MAX bytes (leading zeros keep it valid): accepted. */
	memset(line, '0', sizeof(line));
	memcpy(line, "1 30 ", 5);
	memcpy(line + CTL_LINE_MAX - 3, "100", 3);
	feed_bytes(ctl, CTL_FIFO_CTL, line, CTL_LINE_MAX);
	feed(ctl, CTL_FIFO_CTL, "\n");
	assert_int_equal(c.resizes, 1);
	assert_int_equal(c.rows[0], 30);
	assert_int_equal(c.cols[0], 100);

	/* One byte more: discarded as a whole, even though it parses. */
	memset(line, '0', sizeof(line));
	memcpy(line, "1 30 ", 5);
	memcpy(line + CTL_LINE_MAX - 2, "100", 3);
	feed_bytes(ctl, CTL_FIFO_CTL, line, CTL_LINE_MAX + 1);
	feed(ctl, CTL_FIFO_CTL, "\n");
	assert_int_equal(c.resizes, 1);

	/* A very long line, its tail looking like a good line, in several
	 * pieces: nothing of it is handled, and the next line is. */
	char big[4096];
	memset(big, 'A', sizeof(big));
	for (int i = 0; i < 10; i++)
		feed_bytes(ctl, CTL_FIFO_CTL, big, sizeof(big));
	feed(ctl, CTL_FIFO_CTL, "1 77 88\n1 20 40\n");
	assert_int_equal(c.resizes, 2);
	assert_int_equal(c.rows[1], 20);
	assert_int_equal(c.cols[1], 40);

	/* Overlong on winsz does not disturb ctl. */
	feed(ctl, CTL_FIFO_CTL, "1 5");
	feed_bytes(ctl, CTL_FIFO_WINSZ, big, sizeof(big));
	feed(ctl, CTL_FIFO_WINSZ, "\n");
	feed(ctl, CTL_FIFO_CTL, " 6\n");
	assert_int_equal(c.resizes, 3);
	assert_int_equal(c.rows[2], 5);
	assert_int_equal(c.cols[2], 6);
	feeder_free(ctl);
}

static void test_feed_random_garbage(void **state)
{
	(void)state;
	struct calls c;
	struct feeder *ctl = new_feeder(&c);
	unsigned seed = 4242;
	char junk[512];
	/* Tens of thousands of one-line warnings would drown the test log. */
	diag_set_stderr(false);
	for (int i = 0; i < 10000; i++) {
		size_t len = (size_t)(rand_r(&seed) % sizeof(junk));
		for (size_t j = 0; j < len; j++) {
			/* Mostly the parser's own alphabet, so it gets deep. */
			int r = rand_r(&seed) % 8;
			if (r < 4)
				junk[j] = (char)('0' + rand_r(&seed) % 10);
			else if (r == 4)
				junk[j] = ' ';
			else if (r == 5)
				junk[j] = '\n';
			else
				junk[j] = (char)(rand_r(&seed) & 0xff);
		}
		feed_bytes(ctl, i % 3 == 0 ? CTL_FIFO_WINSZ : CTL_FIFO_CTL, junk, len);
	}
	diag_set_stderr(true);
	/* Some garbage lines may happen to be valid; what matters is that the
	 * state is sound: after a newline ends whatever is pending, a good
	 * line is handled exactly once with its own values. */
	int before = c.resizes;
	feed(ctl, CTL_FIFO_CTL, "\n1 30 100\n");
	assert_int_equal(c.resizes, before + 1);
	if (before + 1 <= 64) {
		assert_int_equal(c.rows[before], 30);
		assert_int_equal(c.cols[before], 100);
	}
	feed(ctl, CTL_FIFO_WINSZ, "\n31 101\n");
	assert_int_equal(c.resizes, before + 2);
	feeder_free(ctl);
}

static void test_feed_no_callbacks(void **state)
{
	(void)state;
	/* A ctl without handlers drops lines quietly instead of crashing. */
	struct ctl_callbacks cb = {0};
	struct feeder *ctl = feeder_with(&cb);
	feed(ctl, CTL_FIFO_CTL, "1 30 100\n2 0 0\n");
	feed(ctl, CTL_FIFO_WINSZ, "30 100\n");
	feeder_free(ctl);
}

/* ------------------------------------------------------------ real fifos */

static int run_until(struct loop *l, const int *counter, int want)
{
	for (int i = 0; i < 200 && *counter < want; i++)
		assert_int_equal(loop_run_once(l, 50), 0);
	return *counter;
}

static void test_fifos(void **state)
{
	(void)state;
	char dir[] = "/tmp/test_ctl.XXXXXX";
	assert_non_null(mkdtemp(dir));
	char ctlp[256], winp[256];
	snprintf(ctlp, sizeof(ctlp), "%s/ctl", dir);
	snprintf(winp, sizeof(winp), "%s/winsz", dir);
	/* An old file in the way is replaced. */
	int old = open(ctlp, O_WRONLY | O_CREAT, 0600);
	assert_true(old >= 0);
	close(old);

	struct loop *l = loop_new();
	assert_non_null(l);
	struct calls c = {0};
	struct ctl_callbacks cb = {.resize = on_resize, .reopen_log = on_reopen, .ctx = &c};
	char *err = NULL;
	mode_t um = umask(022);
	struct ctl_fifos *ctl = ctl_open(l, dir, &cb, &err);
	umask(um);
	if (ctl == NULL)
		print_error("ctl_open: %s\n", err);
	assert_non_null(ctl);

	struct stat sb;
	assert_int_equal(stat(ctlp, &sb), 0);
	assert_true(S_ISFIFO(sb.st_mode));
	/* Owner only (conmon makes them 0660 less the umask). */
	assert_int_equal(sb.st_mode & 07777, 0600);
	assert_int_equal(stat(winp, &sb), 0);
	assert_true(S_ISFIFO(sb.st_mode));

	/* podman opens ctl blocking for writing: a reader must be there. */
	int w = open(ctlp, O_WRONLY | O_NONBLOCK);
	assert_true(w >= 0);
	assert_int_equal(write(w, "1 30 100\n1 40 120\n", 18), 18);
	close(w); /* the writer leaves: the shim's own writer keeps the fifo open */
	assert_int_equal(run_until(l, &c.resizes, 2), 2);
	assert_int_equal(c.rows[0], 30);
	assert_int_equal(c.cols[0], 100);
	assert_int_equal(c.rows[1], 40);
	assert_int_equal(c.cols[1], 120);

	/* A second writer, after the first one left. */
	w = open(ctlp, O_WRONLY | O_NONBLOCK);
	assert_true(w >= 0);
	assert_int_equal(write(w, "2 0 0\n", 6), 6);
	close(w);
	assert_int_equal(run_until(l, &c.reopens, 1), 1);

	w = open(winp, O_WRONLY | O_NONBLOCK);
	assert_true(w >= 0);
	assert_int_equal(write(w, "50 60\n", 6), 6);
	close(w);
	assert_int_equal(run_until(l, &c.resizes, 3), 3);
	assert_int_equal(c.rows[2], 50);
	assert_int_equal(c.cols[2], 60);

	/* Nothing more arrives: no spurious calls once all writers are gone. */
	for (int i = 0; i < 5; i++)
		assert_int_equal(loop_run_once(l, 0), 0);
	assert_int_equal(c.resizes, 3);
	assert_int_equal(c.reopens, 1);

	ctl_free(ctl);
	loop_free(l);
	unlink(ctlp);
	unlink(winp);
	assert_int_equal(rmdir(dir), 0);
}

static void test_fifos_bad_dir(void **state)
{
	(void)state;
	struct loop *l = loop_new();
	assert_non_null(l);
	struct calls c = {0};
	struct ctl_callbacks cb = {.resize = on_resize, .ctx = &c};
	char *err = NULL;
	struct ctl_fifos *ctl = ctl_open(l, "/nonexistent/dir/for/test_ctl", &cb, &err);
	assert_null(ctl);
	assert_non_null(err);
	free(err);
	loop_free(l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_good),
		cmocka_unit_test(test_parse_like_conmon),
		cmocka_unit_test(test_parse_bad),
		cmocka_unit_test(test_feed_one_line),
		cmocka_unit_test(test_feed_multi_line),
		cmocka_unit_test(test_feed_split),
		cmocka_unit_test(test_feed_fifos_independent),
		cmocka_unit_test(test_feed_overlong),
		cmocka_unit_test(test_feed_random_garbage),
		cmocka_unit_test(test_feed_no_callbacks),
		cmocka_unit_test(test_fifos),
		cmocka_unit_test(test_fifos_bad_dir),
	};
	return cmocka_run_group_tests_name("ctl", tests, NULL, NULL);
}
