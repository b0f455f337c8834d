/* Unit tests for the screen model: text as capture-pane shows it, a repaint
 * that paints the same screen on a fresh terminal (checked by feeding it to
 * a second model and comparing every cell and the cursor), modes and title,
 * the backlog's bound and its start-over, refused sizes, resizes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "screen/screen.h"

static struct screen *fed(unsigned rows, unsigned cols, const char *bytes)
{
	struct screen *s = screen_new(rows, cols);
	assert_non_null(s);
	screen_queue(s, bytes, strlen(bytes));
	return s;
}

static void assert_text(struct screen *s, bool colours, const char *want)
{
	size_t len;
	char *got = screen_text(s, colours, &len);
	assert_string_equal(got, want);
	assert_int_equal(len, strlen(want));
	free(got);
}

static void test_text_plain(void **state)
{
	(void)state;
	struct screen *s = fed(5, 20, "hello\r\nworld   \r\n\r\n");
	assert_text(s, false, "hello\nworld\n");
	screen_free(s);
	s = fed(3, 10, "");
	assert_text(s, false, "");
	screen_free(s);
}

static void test_text_scrolls_and_wraps(void **state)
{
	(void)state;
	/* 3 rows: the first two lines scroll away; 12 chars wrap at 10. */
	struct screen *s = fed(3, 10, "one\r\ntwo\r\nthree\r\nfour\r\nabcdefghijkl");
	assert_text(s, false, "four\nabcdefghij\nkl\n");
	screen_free(s);
}

static void test_text_colours(void **state)
{
	(void)state;
	struct screen *s = fed(2, 20, "\033[1;31mred\033[0m plain");
	assert_text(s, true, "\033[0;1;31mred\033[0m plain\n");
	screen_free(s);
}

/* A repaint fed to a fresh model gives the same cells, colours and cursor. */
static void assert_repaint_reproduces(struct screen *a, unsigned rows, unsigned cols)
{
	size_t len, alen, blen;
	char *paint = screen_repaint(a, &len);
	struct screen *b = screen_new(rows, cols);
	screen_queue(b, paint, len);
	char *ta = screen_text(a, true, &alen), *tb = screen_text(b, true, &blen);
	assert_string_equal(ta, tb);
	/* A marker written now lands at the same place on both: the cursor. */
	screen_queue(a, "@", 1);
	screen_queue(b, "@", 1);
	free(ta);
	free(tb);
	ta = screen_text(a, false, &alen);
	tb = screen_text(b, false, &blen);
	assert_string_equal(ta, tb);
	assert_int_equal(screen_modes(a)->on, screen_modes(b)->on);
	assert_string_equal(screen_modes(a)->title, screen_modes(b)->title);
	free(ta);
	free(tb);
	free(paint);
	screen_free(b);
}

static void test_repaint_reproduces(void **state)
{
	(void)state;
	const char *sessions[] = {
		"$ ls\r\nfile1  file2\r\n$ ",
		"\033[1;31mred\033[0m \033[44mblue bg\033[0m \033[38;5;120mx256\033[0m \033[38;2;1;2;3mrgb\033[0m\r\n"
		"\033[7minverse\033[0m \033[4munder\033[0m \033[3mital\033[0m \033[5mblink\033[0m",
		"\033[2J\033[5;10Hmiddle\033[1;1Htop\033[10;40H",
		"\033[?1049h\033[H\033[2Jvi screen\r\n~\r\n~\033[3;2H",
		"\033[?25l\033[?2004h\033[?1h\033=\033]2;my title\007hidden cursor",
		"\033[2;5rregion\033[3;1Hin it",
		"wide: \xe4\xb8\xad\xe6\x96\x87 e\xcc\x81 end",
		"\033[?1000;1006hmouse\033(0lqqk\033(B",
		"surrogate: \xed\xbd\xbd end", /* a cell libtsm cannot encode back */
	};
	for (size_t i = 0; i < sizeof(sessions) / sizeof(sessions[0]); i++) {
		struct screen *a = fed(10, 40, sessions[i]);
		assert_repaint_reproduces(a, 10, 40);
		screen_free(a);
	}
}

static void test_repaint_has_modes(void **state)
{
	(void)state;
	struct screen *s = fed(5, 20, "\033[?1049h\033[?2004h\033]0;t\007x");
	size_t len;
	char *p = screen_repaint(s, &len);
	assert_non_null(strstr(p, "\033[?1049h"));
	assert_non_null(strstr(p, "\033[?2004h"));
	assert_non_null(strstr(p, "\033]2;t\007"));
	/* the alternate screen comes before the cells, or they land on the main one */
	assert_true(strstr(p, "\033[?1049h") < strstr(p, "x"));
	free(p);
	screen_free(s);
}

static void test_sizes_refused(void **state)
{
	(void)state;
	errno = 0;
	assert_null(screen_new(65535, 65535));
	assert_int_equal(errno, EINVAL);
	assert_null(screen_new(0, 80));
	assert_non_null(screen_size_error(65535, 65535));
	assert_non_null(screen_size_error(600, 600)); /* each fine, too many cells */
	assert_null(screen_size_error(50, 200));
	struct screen *s = fed(24, 80, "keep");
	assert_int_equal(screen_resize(s, 65535, 65535), -1);
	assert_int_equal(errno, EINVAL);
	unsigned r, c;
	screen_get_size(s, &r, &c);
	assert_int_equal(r, 24);
	assert_int_equal(c, 80);
	assert_text(s, false, "keep\n");
	screen_free(s);
}

static void test_resize(void **state)
{
	(void)state;
	struct screen *s = fed(24, 80, "before");
	assert_int_equal(screen_resize(s, 10, 20), 0);
	screen_queue(s, "\r\nafter", 7);
	assert_text(s, false, "before\nafter\n");
	unsigned r, c;
	screen_get_size(s, &r, &c);
	assert_int_equal(r, 10);
	assert_int_equal(c, 20);
	screen_free(s);
}

/* The backlog is bounded; past it the model starts over from the newest
 * bytes and still shows the last screenful of a flood. */
static void test_backlog_bound(void **state)
{
	(void)state;
	struct screen *s = screen_new(5, 20);
	char line[32];
	for (int i = 0; i < 100000; i++) {
		int n = snprintf(line, sizeof(line), "\033[32mline %d\033[0m\r\n", i);
		screen_queue(s, line, (size_t)n);
		assert_true(screen_backlog(s) <= 256u << 10);
	}
	screen_queue(s, "end", 3);
	assert_text(s, false, "line 99996\nline 99997\nline 99998\nline 99999\nend\n");
	assert_int_equal(screen_backlog(s), 0);
	screen_free(s);
}

/* A flood of one long line overflows the backlog with no line start in
 * what is kept: the start-over still puts the rows in their columns. */
static void test_backlog_long_line(void **state)
{
	(void)state;
	size_t counts[] = {1000000, 1000007};
	for (size_t k = 0; k < 2; k++) {
		struct screen *s = screen_new(5, 20);
		char xs[4096];
		memset(xs, 'x', sizeof(xs));
		for (size_t left = counts[k]; left > 0;) {
			size_t n = left < sizeof(xs) ? left : sizeof(xs);
			screen_queue(s, xs, n);
			left -= n;
		}
		screen_queue(s, "\r\nEND", 5);
		char want[256] = "";
		size_t tail = counts[k] % 20;
		for (int row = 0; row < (tail ? 3 : 4); row++)
			strcat(want, "xxxxxxxxxxxxxxxxxxxx\n");
		if (tail)
			strcat(want, "xxxxxxx\n");
		strcat(want, "END\n");
		assert_text(s, false, want);
		screen_free(s);
	}
}

/* A model that slept shows the same screen, and goes on from it as if it
 * had not; it does not sleep with bytes waiting or in the alternate screen. */
static void test_sleep(void **state)
{
	(void)state;
	const char *before = "\033[1;31mred\033[0m\r\n\033[2;5rregion\033[3;1Hin it\033]2;ti\007";
	const char *after = "\r\nmore \033[44mblue\033[0m\r\nand more";
	struct screen *a = fed(10, 40, before), *b = fed(10, 40, before);
	size_t la, lb;
	free(screen_text(b, false, &lb));
	assert_true(screen_sleep(b));
	assert_true(screen_asleep(b));
	assert_false(screen_sleep(b));
	screen_queue(a, after, strlen(after));
	screen_queue(b, after, strlen(after));
	assert_false(screen_sleep(b)); /* bytes wait */
	char *ta = screen_text(a, true, &la), *tb = screen_text(b, true, &lb);
	assert_string_equal(ta, tb);
	assert_false(screen_asleep(b));
	free(ta);
	free(tb);
	screen_queue(b, "\033[?1049hvi", 11);
	free(screen_text(b, false, &lb));
	assert_false(screen_sleep(b)); /* the main screen would be lost */
	screen_free(a);
	screen_free(b);
}

/* Parsing in slices gives what parsing at once gives; a sequence cut at a
 * slice boundary is no problem. */
static void test_catch_up_slices(void **state)
{
	(void)state;
	const char *bytes = "\033[1;31mred\033[0m\r\n\033[3;3Hthere\033]2;ti";
	struct screen *a = fed(5, 20, bytes), *b = fed(5, 20, bytes);
	while (screen_backlog(b) > 0)
		screen_catch_up(b, 3);
	screen_queue(a, "tle\007", 4);
	screen_queue(b, "tle\007", 4);
	size_t la, lb;
	char *ta = screen_text(a, true, &la), *tb = screen_text(b, true, &lb);
	assert_string_equal(ta, tb);
	assert_string_equal(screen_modes(b)->title, "title");
	free(ta);
	free(tb);
	screen_free(a);
	screen_free(b);
}

static void test_garbage(void **state)
{
	(void)state;
	struct screen *s = screen_new(24, 80);
	unsigned seed = 12345;
	char buf[4096];
	for (int round = 0; round < 200; round++) {
		for (size_t i = 0; i < sizeof(buf); i++) {
			seed = seed * 1103515245u + 12345u;
			buf[i] = (char)(seed >> 16);
		}
		screen_queue(s, buf, sizeof(buf));
		if (round % 17 == 0) {
			size_t len;
			free(screen_repaint(s, &len));
		}
	}
	size_t len;
	char *p = screen_repaint(s, &len);
	assert_true(len > 0);
	free(p);
	screen_free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_text_plain),
		cmocka_unit_test(test_text_scrolls_and_wraps),
		cmocka_unit_test(test_text_colours),
		cmocka_unit_test(test_repaint_reproduces),
		cmocka_unit_test(test_repaint_has_modes),
		cmocka_unit_test(test_sizes_refused),
		cmocka_unit_test(test_resize),
		cmocka_unit_test(test_backlog_bound),
		cmocka_unit_test(test_backlog_long_line),
		cmocka_unit_test(test_sleep),
		cmocka_unit_test(test_catch_up_slices),
		cmocka_unit_test(test_garbage),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
