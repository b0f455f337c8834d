/* Unit tests for ptyman's command-line splitter (demo/ptyman_words.h): what
 * the user types at the ptyman prompt must reach the container's command as
 * the same words a shell would have made, without any expansion. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "ptyman_words.h"

/* Split line and compare with the expected words (NULL-terminated). */
static void check(const char *line, const char *const *want)
{
	struct words w;
	const char *err = NULL;
	int rc = words_split(line, &w, &err);
	if (rc != 0)
		print_error("line [%s]: %s\n", line, err);
	assert_int_equal(rc, 0);
	size_t n = 0;
	while (want[n])
		n++;
	if (w.n != n)
		print_error("line [%s]: %zu words, want %zu\n", line, w.n, n);
	assert_int_equal(w.n, n);
	for (size_t i = 0; i < n; i++)
		assert_string_equal(w.v[i], want[i]);
	assert_null(w.v[n]);
	words_free(&w);
}

static void check_error(const char *line, const char *want_err)
{
	struct words w;
	const char *err = NULL;
	assert_int_equal(words_split(line, &w, &err), -1);
	assert_non_null(err);
	assert_string_equal(err, want_err);
	assert_int_equal(w.n, 0);
	assert_non_null(w.v);
	assert_null(w.v[0]);
	words_free(&w);
}

static void test_plain_words(void **state)
{
	(void)state;
	check("run -it --name web sh", (const char *[]){"run", "-it", "--name", "web", "sh", NULL});
	check("  ps\t ", (const char *[]){"ps", NULL});
	check("", (const char *[]){NULL});
	check("   \t\r\n", (const char *[]){NULL});
}

static void test_single_quotes_keep_everything(void **state)
{
	(void)state;
	check("exec c1 sh -c 'echo $HOME \"x\" \\n'",
	      (const char *[]){"exec", "c1", "sh", "-c", "echo $HOME \"x\" \\n", NULL});
	check("''", (const char *[]){"", NULL});
}

static void test_double_quotes_escapes(void **state)
{
	(void)state;
	check("run sh -c \"echo \\\"hi\\\" \\$X \\\\ \\n\"",
	      (const char *[]){"run", "sh", "-c", "echo \"hi\" $X \\ \\n", NULL});
	check("\"\"", (const char *[]){"", NULL});
}

static void test_backslash_and_joined_quotes(void **state)
{
	(void)state;
	check("a\\ b c", (const char *[]){"a b", "c", NULL});
	check("ab'c d'\"e f\"g", (const char *[]){"abc de fg", NULL});
	check("echo \\'", (const char *[]){"echo", "'", NULL});
}

static void test_comments(void **state)
{
	(void)state;
	check("# nothing", (const char *[]){NULL});
	check("ps # list", (const char *[]){"ps", NULL});
	check("echo a#b '#c'", (const char *[]){"echo", "a#b", "#c", NULL});
}

static void test_errors(void **state)
{
	(void)state;
	check_error("run sh -c 'echo", "unterminated single quote");
	check_error("run \"x", "unterminated double quote");
	check_error("run x\\", "trailing backslash");
}

/* Completion splits the part before the cursor, which may end inside a word. */
static void test_partial(void **state)
{
	(void)state;
	struct words w;
	const char *err;
	bool open = false;
	assert_int_equal(words_split_ex("attach 'my c", &w, &err, true, &open), 0);
	assert_true(open);
	assert_int_equal(w.n, 2);
	assert_string_equal(w.v[1], "my c");
	words_free(&w);
	assert_int_equal(words_split_ex("kill c1 ", &w, &err, true, &open), 0);
	assert_false(open);
	assert_int_equal(w.n, 2);
	words_free(&w);
	assert_int_equal(words_split_ex("x\\", &w, &err, true, &open), 0);
	assert_int_equal(w.n, 1);
	assert_string_equal(w.v[0], "x");
	words_free(&w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain_words),
		cmocka_unit_test(test_single_quotes_keep_everything),
		cmocka_unit_test(test_double_quotes_escapes),
		cmocka_unit_test(test_backslash_and_joined_quotes),
		cmocka_unit_test(test_comments),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_partial),
	};
	return cmocka_run_group_tests_name("ptyman_words", tests, NULL, NULL);
}
