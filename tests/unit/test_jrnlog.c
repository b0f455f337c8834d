/* Unit tests for jrnlog's parts: the fields of an entry (conmon 2.1.6's, in
 * its order) and the cutting of a stream into entries, checked against what
 * conmon 2.1.6 was seen to send to a real journald for the same output
 * (35-journald.bats runs the driver itself against journald). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "shim/jrnlog.h"

#define ID "0123456789abcdef0123"

/* ------------------------------------------------------------ fields */

static void expect_fields(const struct iovec *iov, int n, const char *const *want, int n_want)
{
	assert_int_equal(n, n_want);
	for (int i = 0; i < n; i++) {
		char got[256];
		snprintf(got, sizeof(got), "%.*s", (int)iov[i].iov_len, (const char *)iov[i].iov_base);
		assert_string_equal(got, want[i]);
	}
}

static void test_fields_id_only(void **state)
{
	(void)state;
	struct jrnlog_ids ids;
	jrnlog_ids_init(&ids, &(struct jrnlog_opts){.cid = ID});
	struct iovec iov[JRNLOG_MAX_FIELDS];
	int n = jrnlog_fields(&ids, STREAM_STDOUT, "MESSAGE=hi\n", 11, false, iov);
	const char *want[] = {"MESSAGE=hi\n", "CONTAINER_ID_FULL=" ID, "PRIORITY=6", "CONTAINER_ID=0123456789ab",
			      "SYSLOG_IDENTIFIER=0123456789ab"};
	expect_fields(iov, n, want, 5);
	jrnlog_ids_free(&ids);
}

static void test_fields_name(void **state)
{
	(void)state;
	struct jrnlog_ids ids;
	jrnlog_ids_init(&ids, &(struct jrnlog_opts){.cid = ID, .name = "web"});
	struct iovec iov[JRNLOG_MAX_FIELDS];
	int n = jrnlog_fields(&ids, STREAM_STDERR, "MESSAGE=oops", 12, true, iov);
	const char *want[] = {"MESSAGE=oops",         "CONTAINER_ID_FULL=" ID,        "PRIORITY=3",
			      "CONTAINER_ID=0123456789ab", "CONTAINER_NAME=web", "SYSLOG_IDENTIFIER=web",
			      "CONTAINER_PARTIAL_MESSAGE=true"};
	expect_fields(iov, n, want, 7);
	jrnlog_ids_free(&ids);
}

static void test_fields_tag_wins(void **state)
{
	(void)state;
	struct jrnlog_ids ids;
	jrnlog_ids_init(&ids, &(struct jrnlog_opts){.cid = ID, .name = "web", .tag = "t1"});
	struct iovec iov[JRNLOG_MAX_FIELDS];
	int n = jrnlog_fields(&ids, STREAM_STDOUT, "MESSAGE=", 8, false, iov);
	const char *want[] = {"MESSAGE=",           "CONTAINER_ID_FULL=" ID, "PRIORITY=6", "CONTAINER_ID=0123456789ab",
			      "CONTAINER_TAG=t1", "CONTAINER_NAME=web",   "SYSLOG_IDENTIFIER=t1"};
	expect_fields(iov, n, want, 7);
	jrnlog_ids_free(&ids);
}

/* An empty -n is a name (conmon tests for NULL, not for ""). */
static void test_fields_empty_name(void **state)
{
	(void)state;
	struct jrnlog_ids ids;
	jrnlog_ids_init(&ids, &(struct jrnlog_opts){.cid = ID, .name = ""});
	assert_string_equal(ids.name, "CONTAINER_NAME=");
	assert_string_equal(ids.ident, "SYSLOG_IDENTIFIER=");
	jrnlog_ids_free(&ids);
}

/* ------------------------------------------------------------ split */

struct entries {
	char *msg[16];
	size_t len[16];
	bool partial[16];
	int n;
};

static void record(void *ctx, const char *held, size_t held_len, const char *data, size_t len, bool partial)
{
	struct entries *e = ctx;
	assert_true(e->n < 16);
	char *m = malloc(held_len + len + 1);
	memcpy(m, held, held_len);
	if (len)
		memcpy(m + held_len, data, len);
	m[held_len + len] = '\0';
	e->msg[e->n] = m;
	e->len[e->n] = held_len + len;
	e->partial[e->n] = partial;
	e->n++;
}

static void entries_free(struct entries *e)
{
	for (int i = 0; i < e->n; i++)
		free(e->msg[i]);
	e->n = 0;
}

static void feed(struct jrnlog_hold *h, struct entries *e, const char *s, size_t len)
{
	jrnlog_split(h, s, len, record, e);
}

static char *repeat(char c, size_t n, const char *tail)
{
	size_t t = strlen(tail);
	char *s = malloc(n + t + 1);
	memset(s, c, n);
	memcpy(s + n, tail, t + 1);
	return s;
}

/* conmon: printf "a\nb\nc"; printf "d\n" gave a, b, cd — whole, never partial. */
static void test_split_lines_and_join(void **state)
{
	(void)state;
	static struct jrnlog_hold h;
	struct entries e = {0};
	feed(&h, &e, "a\nb\nc", 5);
	assert_int_equal(e.n, 2);
	assert_string_equal(e.msg[0], "a\n");
	assert_string_equal(e.msg[1], "b\n");
	assert_int_equal(h.len, 1);
	feed(&h, &e, "d\n", 2);
	assert_int_equal(e.n, 3);
	assert_string_equal(e.msg[2], "cd\n");
	for (int i = 0; i < 3; i++)
		assert_false(e.partial[i]);
	assert_int_equal(h.len, 0);
	jrnlog_split_end(&h, record, &e);
	assert_int_equal(e.n, 3);
	entries_free(&e);
}

/* conmon: a trailing piece at exit goes out marked partial. */
static void test_split_end_sends_partial(void **state)
{
	(void)state;
	static struct jrnlog_hold h;
	struct entries e = {0};
	feed(&h, &e, "tail-no-nl", 10);
	assert_int_equal(e.n, 0);
	jrnlog_split_end(&h, record, &e);
	assert_int_equal(e.n, 1);
	assert_string_equal(e.msg[0], "tail-no-nl");
	assert_true(e.partial[0]);
	entries_free(&e);
}

/* conmon: 8191 bytes, then "\n": held, then one whole 8192-byte entry. */
static void test_split_8191_is_held(void **state)
{
	(void)state;
	static struct jrnlog_hold h;
	struct entries e = {0};
	char *s = repeat('b', 8191, "");
	feed(&h, &e, s, 8191);
	assert_int_equal(e.n, 0);
	feed(&h, &e, "\n", 1);
	assert_int_equal(e.n, 1);
	assert_int_equal(e.len[0], 8192);
	assert_false(e.partial[0]);
	free(s);
	entries_free(&e);
}

/* conmon: 8200 bytes then "\n": a partial 8192, then 8 bytes joined with
 * the newline. The shim's one 8200-byte read is cut as conmon's reads. */
static void test_split_8200(void **state)
{
	(void)state;
	static struct jrnlog_hold h;
	struct entries e = {0};
	char *s = repeat('c', 8200, "");
	feed(&h, &e, s, 8200);
	assert_int_equal(e.n, 1);
	assert_int_equal(e.len[0], 8192);
	assert_true(e.partial[0]);
	feed(&h, &e, "\n", 1);
	assert_int_equal(e.n, 2);
	assert_string_equal(e.msg[1], "cccccccc\n");
	assert_false(e.partial[1]);
	free(s);
	entries_free(&e);
}

/* conmon: "1234", then 8190 bytes: they do not fit beside what is held, so
 * both go out at once, 8194 bytes, partial; the "\n" is an entry alone. */
static void test_split_held_plus_read_overflows(void **state)
{
	(void)state;
	static struct jrnlog_hold h;
	struct entries e = {0};
	char *s = repeat('d', 8190, "");
	feed(&h, &e, "1234", 4);
	feed(&h, &e, s, 8190);
	assert_int_equal(e.n, 1);
	assert_int_equal(e.len[0], 8194);
	assert_true(e.partial[0]);
	assert_memory_equal(e.msg[0], "1234ddd", 7);
	feed(&h, &e, "\n", 1);
	assert_int_equal(e.n, 2);
	assert_string_equal(e.msg[1], "\n");
	free(s);
	entries_free(&e);
}

/* conmon: a 20000-byte line: 8192 P, 8192 P, 3617 (with the newline). */
static void test_split_long_line(void **state)
{
	(void)state;
	static struct jrnlog_hold h;
	struct entries e = {0};
	char *s = repeat('a', 20000, "\n");
	feed(&h, &e, s, 20001);
	assert_int_equal(e.n, 3);
	assert_int_equal(e.len[0], 8192);
	assert_int_equal(e.len[1], 8192);
	assert_int_equal(e.len[2], 3617);
	assert_true(e.partial[0] && e.partial[1]);
	assert_false(e.partial[2]);
	free(s);
	entries_free(&e);
}

/* What is held joins the end of its line whatever the sum: an entry may
 * be longer than 8192 bytes and still whole. */
static void test_split_join_past_limit(void **state)
{
	(void)state;
	static struct jrnlog_hold h;
	struct entries e = {0};
	char *held = repeat('x', 8000, "");
	char *rest = repeat('y', 500, "\n");
	feed(&h, &e, held, 8000);
	feed(&h, &e, rest, 501);
	assert_int_equal(e.n, 1);
	assert_int_equal(e.len[0], 8501);
	assert_false(e.partial[0]);
	free(held);
	free(rest);
	entries_free(&e);
}

/* Empty lines are entries of their own. */
static void test_split_empty_lines(void **state)
{
	(void)state;
	static struct jrnlog_hold h;
	struct entries e = {0};
	feed(&h, &e, "\n\n", 2);
	assert_int_equal(e.n, 2);
	assert_string_equal(e.msg[0], "\n");
	assert_string_equal(e.msg[1], "\n");
	entries_free(&e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fields_id_only),
		cmocka_unit_test(test_fields_name),
		cmocka_unit_test(test_fields_tag_wins),
		cmocka_unit_test(test_fields_empty_name),
		cmocka_unit_test(test_split_lines_and_join),
		cmocka_unit_test(test_split_end_sends_partial),
		cmocka_unit_test(test_split_8191_is_held),
		cmocka_unit_test(test_split_8200),
		cmocka_unit_test(test_split_held_plus_read_overflows),
		cmocka_unit_test(test_split_long_line),
		cmocka_unit_test(test_split_join_past_limit),
		cmocka_unit_test(test_split_empty_lines),
	};
	return cmocka_run_group_tests_name("jrnlog", tests, NULL, NULL);
}
