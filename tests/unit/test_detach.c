/* Unit tests for detach: spec parsing (docker/podman syntax) and the matcher,
 * whose one promise is that no keystroke is lost, reordered or duplicated
 * unless it completes the sequence. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "attach/detach.h"

static struct detach_keys parse_ok(const char *spec)
{
	struct detach_keys k;
	char err[256];
	int rc = detach_keys_parse(spec, &k, err, sizeof(err));
	if (rc != 0)
		print_error("spec \"%s\": %s\n", spec, err);
	assert_int_equal(rc, 0);
	return k;
}

static void test_parse_default(void **state)
{
	(void)state;
	struct detach_keys k = parse_ok("ctrl-p,ctrl-q");
	assert_int_equal(k.len, 2);
	assert_int_equal(k.seq[0], 0x10);
	assert_int_equal(k.seq[1], 0x11);
}

static void test_parse_all_ctrl(void **state)
{
	(void)state;
	for (char c = 'a'; c <= 'z'; c++) {
		char spec[16];
		snprintf(spec, sizeof(spec), "ctrl-%c", c);
		struct detach_keys k = parse_ok(spec);
		assert_int_equal(k.len, 1);
		assert_int_equal(k.seq[0], c - 'a' + 1);
		snprintf(spec, sizeof(spec), "CTRL-%c", c - 'a' + 'A');
		k = parse_ok(spec);
		assert_int_equal(k.seq[0], c - 'a' + 1);
	}
	struct {
		const char *spec;
		unsigned char byte;
	} punct[] = {
		{"ctrl-@", 0x00}, {"ctrl-[", 0x1b}, {"ctrl-\\", 0x1c},
		{"ctrl-]", 0x1d}, {"ctrl-^", 0x1e}, {"ctrl-_", 0x1f},
	};
	for (size_t i = 0; i < sizeof(punct) / sizeof(punct[0]); i++) {
		struct detach_keys k = parse_ok(punct[i].spec);
		assert_int_equal(k.len, 1);
		assert_int_equal(k.seq[0], punct[i].byte);
	}
}

static void test_parse_single_chars(void **state)
{
	(void)state;
	struct detach_keys k = parse_ok("a,ctrl-b,z,Q,~");
	assert_int_equal(k.len, 5);
	assert_memory_equal(k.seq, "a\x02zQ~", 5);
}

static void test_parse_empty_disables(void **state)
{
	(void)state;
	struct detach_keys k = parse_ok("");
	assert_int_equal(k.len, 0);
}

static void test_parse_bad(void **state)
{
	(void)state;
	const char *bad[] = {
		",",         "ctrl-p,",  ",ctrl-q",  "ctrl-p,,ctrl-q", "ctrl-",   "ctrl-1",
		"ctrl-pq",   "ctrl-{",   "ctrl- ",   "ab",             "ctrlp",   "ctl-p",
		"ctrl-p ",   " ctrl-p",  "é",        "ctrl-p;ctrl-q",  "alt-p",   "ctrl-ctrl-p",
		"a,b,c,d,e,f,g,h,i,j,k,l,m,n,o,p,q", /* 17 keys: one too many */
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct detach_keys k = {.len = 99};
		char err[256];
		int rc = detach_keys_parse(bad[i], &k, err, sizeof(err));
		if (rc != -1)
			print_error("spec \"%s\" was accepted\n", bad[i]);
		assert_int_equal(rc, -1);
		/* A reason is given, on one line, and keys is left alone. */
		assert_true(err[0] != '\0');
		assert_null(strchr(err, '\n'));
		assert_int_equal(k.len, 99);
	}
}

static void test_parse_max_keys(void **state)
{
	(void)state;
	struct detach_keys k = parse_ok("a,b,c,d,e,f,g,h,i,j,k,l,m,n,o,p");
	assert_int_equal(k.len, DETACH_KEYS_MAX);
}

/* Feeds the chunks in order through one matcher, collecting the output; stops
 * at a detach. Returns whether it detached. */
static bool run_chunks(const char *spec, const char *const *chunks, size_t nchunks, char *out,
		       size_t *outlen, bool flush_at_end)
{
	struct detach_keys k = parse_ok(spec);
	struct detach_matcher m;
	detach_matcher_init(&m, &k);
	*outlen = 0;
	for (size_t i = 0; i < nchunks; i++) {
		unsigned char buf[256 + DETACH_FEED_EXTRA];
		size_t len = strlen(chunks[i]);
		bool detached = false;
		size_t n = detach_matcher_feed(&m, (const unsigned char *)chunks[i], len, buf, &detached);
		assert_true(n <= len + DETACH_FEED_EXTRA);
		memcpy(out + *outlen, buf, n);
		*outlen += n;
		if (detached)
			return true;
	}
	if (flush_at_end) {
		unsigned char buf[DETACH_KEYS_MAX];
		size_t n = detach_matcher_flush(&m, buf);
		memcpy(out + *outlen, buf, n);
		*outlen += n;
	}
	return false;
}

#define CHUNKS(...) ((const char *const[]){__VA_ARGS__}), (sizeof((const char *const[]){__VA_ARGS__}) / sizeof(const char *))

static void test_match_plain_passthrough(void **state)
{
	(void)state;
	char out[512];
	size_t n;
	assert_false(run_chunks("ctrl-p,ctrl-q", CHUNKS("echo hi\r", "ls\r"), out, &n, false));
	assert_int_equal(n, 11);
	assert_memory_equal(out, "echo hi\rls\r", 11);
}

static void test_match_full_in_one_read(void **state)
{
	(void)state;
	char out[512];
	size_t n;
	/* Bytes before the sequence are passed on; the sequence and what follows it are not. */
	assert_true(run_chunks("ctrl-p,ctrl-q", CHUNKS("ab\x10\x11zz"), out, &n, false));
	assert_int_equal(n, 2);
	assert_memory_equal(out, "ab", 2);
}

static void test_match_split_across_reads(void **state)
{
	(void)state;
	char out[512];
	size_t n;
	assert_true(run_chunks("ctrl-p,ctrl-q", CHUNKS("x\x10", "\x11"), out, &n, false));
	assert_int_equal(n, 1);
	assert_memory_equal(out, "x", 1);
	/* A three-key sequence, one key per read. */
	assert_true(run_chunks("ctrl-a,b,ctrl-c", CHUNKS("\x01", "b", "\x03"), out, &n, false));
	assert_int_equal(n, 0);
}

static void test_match_partial_given_back(void **state)
{
	(void)state;
	char out[512];
	size_t n;
	/* ctrl-p then another key: both reach the container, in order. */
	assert_false(run_chunks("ctrl-p,ctrl-q", CHUNKS("\x10", "a"), out, &n, false));
	assert_int_equal(n, 2);
	assert_memory_equal(out, "\x10" "a", 2);
	/* Held across a read boundary, nothing comes out until the next key. */
	struct detach_keys k = parse_ok("ctrl-p,ctrl-q");
	struct detach_matcher m;
	detach_matcher_init(&m, &k);
	unsigned char buf[64];
	bool detached;
	assert_int_equal(detach_matcher_feed(&m, (const unsigned char *)"\x10", 1, buf, &detached), 0);
	assert_false(detached);
	n = detach_matcher_feed(&m, (const unsigned char *)"xy", 2, buf, &detached);
	assert_int_equal(n, 3);
	assert_memory_equal(buf, "\x10xy", 3);
}

static void test_match_restart_after_mismatch(void **state)
{
	(void)state;
	char out[512];
	size_t n;
	/* The second ctrl-p breaks the first match but starts a new one. */
	assert_true(run_chunks("ctrl-p,ctrl-q", CHUNKS("\x10\x10\x11"), out, &n, false));
	assert_int_equal(n, 1);
	assert_memory_equal(out, "\x10", 1);
	/* A self-overlapping sequence: "aab" inside "aaab". */
	assert_true(run_chunks("a,a,b", CHUNKS("a", "a", "a", "b"), out, &n, false));
	assert_int_equal(n, 1);
	assert_memory_equal(out, "a", 1);
	/* "abab" then "c" for the sequence a,b,a,c: gives back "ab", keeps "a"... */
	assert_true(run_chunks("a,b,a,c", CHUNKS("abab", "ac"), out, &n, false));
	assert_int_equal(n, 2);
	assert_memory_equal(out, "ab", 2);
	assert_false(run_chunks("a,b,a,c", CHUNKS("ababx"), out, &n, false));
	assert_int_equal(n, 5);
	assert_memory_equal(out, "ababx", 5);
}

static void test_match_flush(void **state)
{
	(void)state;
	char out[512];
	size_t n;
	/* At the end of input, a held ctrl-p is given back. */
	assert_false(run_chunks("ctrl-p,ctrl-q", CHUNKS("hi\x10"), out, &n, true));
	assert_int_equal(n, 3);
	assert_memory_equal(out, "hi\x10", 3);
}

static void test_match_none_configured(void **state)
{
	(void)state;
	char out[512];
	size_t n;
	assert_false(run_chunks("", CHUNKS("\x10\x11", "\x10", "\x11"), out, &n, true));
	assert_int_equal(n, 4);
	assert_memory_equal(out, "\x10\x11\x10\x11", 4);
}

static void test_match_single_key(void **state)
{
	(void)state;
	char out[512];
	size_t n;
	assert_true(run_chunks("ctrl-]", CHUNKS("abc\x1d"), out, &n, false));
	assert_int_equal(n, 3);
	assert_memory_equal(out, "abc", 3);
}

static void test_match_nul_key(void **state)
{
	(void)state;
	struct detach_keys k = parse_ok("ctrl-@,x");
	struct detach_matcher m;
	detach_matcher_init(&m, &k);
	unsigned char buf[64];
	bool detached;
	size_t n = detach_matcher_feed(&m, (const unsigned char *)"a\0b\0x", 5, buf, &detached);
	assert_true(detached);
	assert_int_equal(n, 3);
	assert_memory_equal(buf, "a\0b", 3);
}

/* Every way of cutting a long input into reads gives the same output as one read. */
static void test_match_any_split_is_equivalent(void **state)
{
	(void)state;
	const char input[] = "a\x10" "b\x10\x10" "c\x10";
	size_t len = sizeof(input) - 1;
	unsigned char whole[64], parts[64];
	struct detach_keys k = parse_ok("ctrl-p,ctrl-q");
	struct detach_matcher m;
	bool detached;
	detach_matcher_init(&m, &k);
	size_t nw = detach_matcher_feed(&m, (const unsigned char *)input, len, whole, &detached);
	nw += detach_matcher_flush(&m, whole + nw);
	assert_int_equal(nw, len);
	assert_memory_equal(whole, input, len);
	for (unsigned mask = 0; mask < (1u << (len - 1)); mask++) {
		size_t np = 0, start = 0;
		detach_matcher_init(&m, &k);
		for (size_t i = 1; i <= len; i++) {
			if (i == len || (mask & (1u << (i - 1)))) {
				np += detach_matcher_feed(&m, (const unsigned char *)input + start, i - start,
							  parts + np, &detached);
				assert_false(detached);
				start = i;
			}
		}
		np += detach_matcher_flush(&m, parts + np);
		assert_int_equal(np, len);
		assert_memory_equal(parts, input, len);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_default),
		cmocka_unit_test(test_parse_all_ctrl),
		cmocka_unit_test(test_parse_single_chars),
		cmocka_unit_test(test_parse_empty_disables),
		cmocka_unit_test(test_parse_bad),
		cmocka_unit_test(test_parse_max_keys),
		cmocka_unit_test(test_match_plain_passthrough),
		cmocka_unit_test(test_match_full_in_one_read),
		cmocka_unit_test(test_match_split_across_reads),
		cmocka_unit_test(test_match_partial_given_back),
		cmocka_unit_test(test_match_restart_after_mismatch),
		cmocka_unit_test(test_match_flush),
		cmocka_unit_test(test_match_none_configured),
		cmocka_unit_test(test_match_single_key),
		cmocka_unit_test(test_match_nul_key),
		cmocka_unit_test(test_match_any_split_is_equivalent),
	};
	return cmocka_run_group_tests_name("detach", tests, NULL, NULL);
}
