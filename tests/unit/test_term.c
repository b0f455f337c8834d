/* Unit tests for term: the output mode tracker (sequences split anywhere,
 * set then reset, unrelated sequences ignored) and raw/restore on a real
 * pseudo-terminal pair, where "restored" means every termios field is back. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <poll.h>
#include <pty.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "client/term.h"

static uint32_t feed_str(const char *s)
{
	struct term_modes m;
	term_modes_init(&m);
	term_modes_feed(&m, s, strlen(s));
	return m.on;
}

static void test_modes_basic(void **state)
{
	(void)state;
	assert_int_equal(feed_str("plain text\r\n"), 0);
	assert_int_equal(feed_str("\033[?1049h"), TERM_MODE_ALT1049);
	assert_int_equal(feed_str("\033[?1049h\033[?1049l"), 0);
	assert_int_equal(feed_str("\033[?25l"), TERM_MODE_HIDDEN);
	assert_int_equal(feed_str("\033[?25l\033[?25h"), 0);
	assert_int_equal(feed_str("\033[?2004h"), TERM_MODE_PASTE);
	assert_int_equal(feed_str("\033[?7l"), TERM_MODE_NOWRAP);
	assert_int_equal(feed_str("\033="), TERM_MODE_KEYPAD);
	assert_int_equal(feed_str("\033=\033>"), 0);
	/* Several parameters in one sequence, as vim and tmux send them. */
	assert_int_equal(feed_str("\033[?1000;1006;1004h"),
			 TERM_MODE_MOUSE1000 | TERM_MODE_MOUSE1006 | TERM_MODE_FOCUS);
	assert_int_equal(feed_str("\033[?1000;1006h\033[?1006l"), TERM_MODE_MOUSE1000);
	/* RIS resets everything. */
	assert_int_equal(feed_str("\033[?1049h\033[?1h\033c"), 0);
}

static void test_modes_ignores_others(void **state)
{
	(void)state;
	/* Not DEC private, or not a mode we track. */
	assert_int_equal(feed_str("\033[1049h\033[4h\033[31m\033[2J\033[H"), 0);
	assert_int_equal(feed_str("\033[?12h\033[?1049s"), 0);
	/* An OSC title that contains a look-alike must not count... */
	assert_int_equal(feed_str("\033]0;[?1049h\007"), 0);
	assert_int_equal(feed_str("\033P[?1049h\033\\"), 0);
	/* ...but an ESC inside a string starts a real sequence, as in xterm. */
	assert_int_equal(feed_str("\033]0;\033[?1049h"), TERM_MODE_ALT1049);
	assert_int_equal(feed_str("\033]2;x\033\\\033[?2004h"), TERM_MODE_PASTE);
	/* CAN aborts a sequence. */
	assert_int_equal(feed_str("\033[?1049\030h"), 0);
	/* Huge parameters do not wrap around to a tracked number. */
	assert_int_equal(feed_str("\033[?99999999999999999999999999999999h"), 0);
}

static void test_modes_split_anywhere(void **state)
{
	(void)state;
	const char s[] = "x\033[?1049h\033[?25l\033]0;t\007\033[?2004;1002h\033=";
	uint32_t want = TERM_MODE_ALT1049 | TERM_MODE_HIDDEN | TERM_MODE_PASTE | TERM_MODE_MOUSE1002 |
			TERM_MODE_KEYPAD;
	size_t len = strlen(s);
	assert_int_equal(feed_str(s), want);
	for (size_t cut1 = 0; cut1 <= len; cut1++)
		for (size_t cut2 = cut1; cut2 <= len; cut2++) {
			struct term_modes m;
			term_modes_init(&m);
			term_modes_feed(&m, s, cut1);
			term_modes_feed(&m, s + cut1, cut2 - cut1);
			term_modes_feed(&m, s + cut2, len - cut2);
			assert_int_equal(m.on, want);
		}
}

static void test_reset_seq(void **state)
{
	(void)state;
	struct term_modes m;
	char buf[256];
	term_modes_init(&m);
	assert_int_equal(term_modes_reset_seq(&m, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "");
	const char *s = "\033[?1049h\033[?25l\033[?2004h\033[?1000;1006h";
	term_modes_feed(&m, s, strlen(s));
	size_t n = term_modes_reset_seq(&m, buf, sizeof(buf));
	assert_int_equal(n, strlen(buf));
	assert_string_equal(buf, "\033[?1049l\033[?1000l\033[?1006l\033[?2004l\033[?25h");
	/* The reset sequence, fed back, turns everything off. */
	term_modes_feed(&m, buf, n);
	assert_int_equal(m.on, 0);
	/* Truncation never cuts a sequence in half. */
	term_modes_feed(&m, s, strlen(s));
	n = term_modes_reset_seq(&m, buf, 12);
	assert_string_equal(buf, "\033[?1049l");
}

static void assert_termios_equal(const struct termios *a, const struct termios *b)
{
	assert_int_equal(a->c_iflag, b->c_iflag);
	assert_int_equal(a->c_oflag, b->c_oflag);
	assert_int_equal(a->c_cflag, b->c_cflag);
	assert_int_equal(a->c_lflag, b->c_lflag);
	assert_memory_equal(a->c_cc, b->c_cc, sizeof(a->c_cc));
}

static void test_raw_and_restore(void **state)
{
	(void)state;
	int master, slave;
	assert_int_equal(openpty(&master, &slave, NULL, NULL, NULL), 0);
	struct termios before, during, after;
	assert_int_equal(tcgetattr(slave, &before), 0);

	assert_int_equal(term_init(slave, slave), 0);
	assert_true(term_have_tty());
	assert_int_equal(term_raw(), 0);
	assert_int_equal(tcgetattr(slave, &during), 0);
	assert_int_equal(during.c_lflag & (ICANON | ECHO | ISIG), 0);
	assert_int_equal(during.c_oflag & OPOST, 0);

	/* Output that enters the alternate screen, then restore. */
	const char *out = "\033[?1049h\033[?25l";
	term_track_output(out, strlen(out));
	term_restore();
	assert_int_equal(tcgetattr(slave, &after), 0);
	assert_termios_equal(&before, &after);

	/* The resets arrived on the terminal. */
	char got[256];
	struct pollfd pfd = {.fd = master, .events = POLLIN};
	assert_int_equal(poll(&pfd, 1, 2000), 1);
	ssize_t n = read(master, got, sizeof(got) - 1);
	assert_true(n > 0);
	got[n] = '\0';
	assert_non_null(strstr(got, "\033[?1049l"));
	assert_non_null(strstr(got, "\033[?25h"));

	/* A second restore changes nothing and sends nothing. */
	term_restore();
	assert_int_equal(tcgetattr(slave, &after), 0);
	assert_termios_equal(&before, &after);
	assert_int_equal(poll(&pfd, 1, 0), 0);

	close(master);
	close(slave);
}

static void test_not_a_tty(void **state)
{
	(void)state;
	int fds[2];
	assert_int_equal(pipe(fds), 0);
	assert_int_equal(term_init(fds[0], fds[1]), 0);
	assert_false(term_have_tty());
	assert_int_equal(term_raw(), -1);
	term_track_output("\033[?1049h", 8);
	term_restore(); /* writes nothing to a pipe */
	struct pollfd pfd = {.fd = fds[0], .events = POLLIN};
	assert_int_equal(poll(&pfd, 1, 0), 0);
	close(fds[0]);
	close(fds[1]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_modes_basic),
		cmocka_unit_test(test_modes_ignores_others),
		cmocka_unit_test(test_modes_split_anywhere),
		cmocka_unit_test(test_reset_seq),
		cmocka_unit_test(test_raw_and_restore),
		cmocka_unit_test(test_not_a_tty),
	};
	return cmocka_run_group_tests_name("term", tests, NULL, NULL);
}
