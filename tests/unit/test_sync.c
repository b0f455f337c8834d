/* Unit tests for sync: the JSON messages on the manager's pipes. podman
 * reads one datagram with a 4096-byte buffer and json-decodes it, so every
 * message must be valid JSON, newline-terminated, at most 4095 bytes, and
 * carry the runtime's error text verbatim (escaped as conmon does). Every
 * output here is decoded again with json-c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <json-c/json.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "shim/sync.h"

/* One message as the manager receives it: sync_send over a fresh
 * SOCK_SEQPACKET pair, received into out (SYNC_MSG_MAX + 1 bytes) and
 * NUL-terminated. Returns its length. */
static size_t sent_message(char *out, const char *key, long long data, const char *message, size_t message_len)
{
	int sv[2];
	assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv), 0);
	int fd = sv[0];
	assert_int_equal(sync_send(&fd, key, data, message, message_len), 0);
	ssize_t n = recv(sv[1], out, SYNC_MSG_MAX + 1, MSG_TRUNC);
	assert_true(n > 0 && n <= SYNC_MSG_MAX);
	out[n] = '\0';
	close(sv[0]);
	close(sv[1]);
	return (size_t)n;
}

/* Decodes out (which must end in exactly one '\n') and checks data, and
 * that message decodes to exactly want (or to a prefix of it, when cut). */
static void check_json(const char *out, size_t len, const char *key, long long data, const char *want,
		       size_t want_len, bool may_be_cut, size_t *decoded_len)
{
	assert_true(len >= 2);
	assert_true(len <= SYNC_MSG_MAX);
	assert_int_equal(strlen(out), len); /* NUL-terminated, no NUL inside */
	assert_int_equal(out[len - 1], '\n');
	assert_null(memchr(out, '\n', len - 1));

	struct json_tokener *tok = json_tokener_new();
	assert_non_null(tok);
	struct json_object *obj = json_tokener_parse_ex(tok, out, (int)len - 1);
	enum json_tokener_error jerr = json_tokener_get_error(tok);
	if (obj == NULL || jerr != json_tokener_success)
		fail_msg("not valid JSON (%s): %.200s", json_tokener_error_desc(jerr), out);
	/* The whole text was one object: nothing trails it. */
	assert_int_equal(json_tokener_get_parse_end(tok), len - 1);
	json_tokener_free(tok);

	assert_true(json_object_is_type(obj, json_type_object));
	struct json_object *d, *m;
	assert_true(json_object_object_get_ex(obj, key, &d));
	assert_true(json_object_is_type(d, json_type_int));
	assert_true(json_object_get_int64(d) == (int64_t)data);
	if (want == NULL) {
		assert_false(json_object_object_get_ex(obj, "message", &m));
		assert_int_equal(json_object_object_length(obj), 1);
	} else {
		assert_true(json_object_object_get_ex(obj, "message", &m));
		assert_true(json_object_is_type(m, json_type_string));
		size_t mlen = (size_t)json_object_get_string_len(m);
		const char *ms = json_object_get_string(m);
		if (may_be_cut)
			assert_true(mlen <= want_len);
		else
			assert_int_equal(mlen, want_len);
		if (mlen > 0)
			assert_memory_equal(ms, want, mlen);
		if (decoded_len)
			*decoded_len = mlen;
		assert_int_equal(json_object_object_length(obj), 2);
	}
	json_object_put(obj);
}

static void test_plain(void **state)
{
	(void)state;
	char out[SYNC_MSG_MAX + 1];
	size_t n = sent_message(out, "data", 14149, NULL, 0);
	assert_string_equal(out, "{\"data\": 14149}\n");
	assert_int_equal(n, strlen(out));
	check_json(out, n, "data", 14149, NULL, 0, false, NULL);

	n = sent_message(out, "data", -1, NULL, 0);
	assert_string_equal(out, "{\"data\": -1}\n");
	/* conmon's quirk for a reaped exec process: minus the wait status. */
	n = sent_message(out, "data", -256, NULL, 0);
	assert_string_equal(out, "{\"data\": -256}\n");
	/* The legacy keys. */
	n = sent_message(out, "pid", 42, NULL, 0);
	assert_string_equal(out, "{\"pid\": 42}\n");
	n = sent_message(out, "exit_code", 0, NULL, 0);
	assert_string_equal(out, "{\"exit_code\": 0}\n");
	check_json(out, n, "exit_code", 0, NULL, 0, false, NULL);
	n = sent_message(out, "data", LLONG_MIN, NULL, 0);
	check_json(out, n, "data", LLONG_MIN, NULL, 0, false, NULL);
}

static void test_message_exact(void **state)
{
	(void)state;
	char out[SYNC_MSG_MAX + 1];
	/* The observed runc failure, byte for byte. */
	const char *msg = "runc create failed: unable to start container process: exec: \"/nonexistent\": stat "
			  "/nonexistent: no such file or directory\n";
	size_t n = sent_message(out, "data", -1, msg, strlen(msg));
	assert_string_equal(out, "{\"data\": -1, \"message\": \"runc create failed: unable to start container "
				 "process: exec: \\\"/nonexistent\\\": stat /nonexistent: no such file or "
				 "directory\\n\"}\n");
	check_json(out, n, "data", -1, msg, strlen(msg), false, NULL);

	n = sent_message(out, "data", 0, "command timed out", 17);
	assert_string_equal(out, "{\"data\": 0, \"message\": \"command timed out\"}\n");
}

static void test_escaping(void **state)
{
	(void)state;
	char out[SYNC_MSG_MAX + 1];
	struct {
		const char *in;
		size_t len;
		const char *escaped;
	} cases[] = {
		{"\\", 1, "\\\\"},
		{"\"", 1, "\\\""},
		{"\n", 1, "\\n"},
		{"\t", 1, "\\t"},
		{"\r", 1, "\\u000d"},
		{"\x01", 1, "\\u0001"},
		{"\x08", 1, "\\u0008"},
		{"\x0c", 1, "\\u000c"},
		{"\x1b", 1, "\\u001b"},
		{"\x1e", 1, "\\u001e"},
		{"\x1f", 1, "\\u001f"},
		{"\x7f", 1, "\\u007f"},
		{"\0", 1, "\\u0000"},
		{" ~/'", 4, " ~/'"},
		{"a\\\"b\"\\c", 7, "a\\\\\\\"b\\\"\\\\c"},
		{"\xc3\xa9t\xc3\xa9", 5, "\xc3\xa9t\xc3\xa9"}, /* UTF-8 goes through as is */
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		size_t n = sent_message(out, "data", -1, cases[i].in, cases[i].len);
		char want[128];
		snprintf(want, sizeof(want), "{\"data\": -1, \"message\": \"%s\"}\n", cases[i].escaped);
		if (strcmp(out, want) != 0)
			fail_msg("case %zu: got %s, want %s", i, out, want);
		check_json(out, n, "data", -1, cases[i].in, cases[i].len, false, NULL);
	}

	/* Every byte value in one message: valid JSON, decoded back exactly. */
	char all[256];
	for (int i = 0; i < 256; i++)
		all[i] = (char)i;
	size_t n = sent_message(out, "data", -1, all, sizeof(all));
	check_json(out, n, "data", -1, all, sizeof(all), false, NULL);
	/* No raw control byte may appear in the output (JSON forbids them). */
	for (size_t i = 0; i + 1 < n; i++)
		if ((unsigned char)out[i] < 0x20 || out[i] == 0x7f)
			fail_msg("raw control byte 0x%02x at offset %zu", (unsigned char)out[i], i);
}

static void test_empty_message(void **state)
{
	(void)state;
	char out[SYNC_MSG_MAX + 1];
	size_t n = sent_message(out, "data", -1, "", 0);
	struct json_object *obj = json_tokener_parse(out);
	assert_non_null(obj);
	json_object_put(obj);
	assert_int_equal(out[n - 1], '\n');
}

/* Long messages are cut so the whole message stays within SYNC_MSG_MAX,
 * never in the middle of an escape sequence, and the cut uses the room. */
static void test_long_messages(void **state)
{
	(void)state;
	char out[SYNC_MSG_MAX + 1];
	enum { LONG = 20000 };
	char *msg = malloc(LONG);
	assert_non_null(msg);

	/* Plain text. */
	memset(msg, 'a', LONG);
	size_t n = sent_message(out, "data", -1, msg, LONG);
	size_t dec;
	check_json(out, n, "data", -1, msg, LONG, true, &dec);
	assert_true(n >= SYNC_MSG_MAX - 8); /* the room is used */

	/* Escapes of 2 and 6 bytes, with every possible alignment of the cut. */
	const char fills[] = {'\x01', '"', '\\', '\n', '\x7f'};
	for (size_t fi = 0; fi < sizeof(fills); fi++) {
		for (size_t shift = 0; shift < 8; shift++) {
			memset(msg, 'b', shift);
			memset(msg + shift, fills[fi], LONG - shift);
			n = sent_message(out, "data", -1, msg, LONG);
			check_json(out, n, "data", -1, msg, LONG, true, &dec);
			assert_true(dec > 0);
			assert_true(n >= SYNC_MSG_MAX - 8);
		}
	}

	/* A mix of everything, random, many times. */
	unsigned seed = 99;
	for (int round = 0; round < 300; round++) {
		size_t len = (size_t)(rand_r(&seed) % 6000);
		for (size_t i = 0; i < len; i++)
			msg[i] = (char)(rand_r(&seed) & 0xff);
		long long data = round % 2 ? -1 : (long long)rand_r(&seed);
		n = sent_message(out, "data", data, msg, len);
		check_json(out, n, "data", data, msg, len, true, &dec);
		/* Cut only when it had to be. */
		if (dec < len)
			assert_true(n >= SYNC_MSG_MAX - 8);
	}

	/* Exactly at the edge: the longest message that fits is not cut. */
	const size_t overhead = strlen("{\"data\": -1, \"message\": \"\"}\n");
	memset(msg, 'c', LONG);
	n = sent_message(out, "data", -1, msg, SYNC_MSG_MAX - overhead);
	check_json(out, n, "data", -1, msg, SYNC_MSG_MAX - overhead, false, NULL);
	assert_int_equal(n, SYNC_MSG_MAX);
	free(msg);
}

static void test_send(void **state)
{
	(void)state;
	signal(SIGPIPE, SIG_IGN); /* as the shim does */
	int sv[2];
	assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv), 0);
	int fd = sv[0];
	assert_int_equal(sync_send(&fd, "data", 123, NULL, 0), 0);
	assert_int_equal(sync_send(&fd, "data", -1, "boom\n", 5), 0);
	char buf[8192];
	/* One write, one datagram each. */
	ssize_t n = recv(sv[1], buf, sizeof(buf), 0);
	assert_int_equal(n, 14);
	assert_memory_equal(buf, "{\"data\": 123}\n", 14);
	n = recv(sv[1], buf, sizeof(buf), 0);
	assert_true(n > 0);
	buf[n] = '\0';
	assert_string_equal(buf, "{\"data\": -1, \"message\": \"boom\\n\"}\n");

	/* A long one still fits podman's 4096-byte read in one datagram. */
	char big[10000];
	memset(big, '\x02', sizeof(big));
	assert_int_equal(sync_send(&fd, "data", -1, big, sizeof(big)), 0);
	n = recv(sv[1], buf, 4096, MSG_TRUNC);
	assert_true(n > 0 && n <= 4096);
	buf[n] = '\0';
	check_json(buf, (size_t)n, "data", -1, big, sizeof(big), true, NULL);

	/* The manager went away: not an error worth more than closing. */
	close(sv[1]);
	assert_int_equal(sync_send(&fd, "data", 0, NULL, 0), -1);
	assert_int_equal(fd, -1);
	/* A closed channel stays closed. */
	errno = 0;
	assert_int_equal(sync_send(&fd, "data", 0, NULL, 0), -1);
	assert_int_equal(errno, EBADF);
}

static void test_fd_from_env(void **state)
{
	(void)state;
	unsetenv("TEST_SYNC_FD");
	assert_int_equal(sync_fd_from_env("TEST_SYNC_FD"), -1);
	setenv("TEST_SYNC_FD", "5", 1);
	assert_int_equal(sync_fd_from_env("TEST_SYNC_FD"), 5);
	setenv("TEST_SYNC_FD", "0", 1);
	assert_int_equal(sync_fd_from_env("TEST_SYNC_FD"), 0);
	const char *bad[] = {"", "abc", "-1", "5x", " 5", "99999999999999999999", "1e3"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		setenv("TEST_SYNC_FD", bad[i], 1);
		if (sync_fd_from_env("TEST_SYNC_FD") != -1)
			fail_msg("\"%s\" accepted as an fd", bad[i]);
	}
	unsetenv("TEST_SYNC_FD");
}

static void test_wait_start(void **state)
{
	(void)state;
	int sv[2];
	assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv), 0);
	assert_int_equal(write(sv[1], "\0", 1), 1);
	assert_int_equal(sync_wait_start(sv[0]), 0);
	/* EOF counts as the byte, as in conmon. */
	close(sv[1]);
	assert_int_equal(sync_wait_start(sv[0]), 0);
	close(sv[0]);
	assert_int_equal(sync_wait_start(-1), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain),
		cmocka_unit_test(test_message_exact),
		cmocka_unit_test(test_escaping),
		cmocka_unit_test(test_empty_message),
		cmocka_unit_test(test_long_messages),
		cmocka_unit_test(test_send),
		cmocka_unit_test(test_fd_from_env),
		cmocka_unit_test(test_wait_start),
	};
	return cmocka_run_group_tests_name("sync", tests, NULL, NULL);
}
