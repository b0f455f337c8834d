/* Unit tests for buf, the fixed-capacity byte ring under every queue of the
 * shim: what goes in through append comes out through peek/consume in the same order, never more than cap bytes, across any
 * number of wraparounds. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "base/buf.h"

/* Copies everything peek shows into out (without consuming); returns its length. */
static size_t peek_all(const struct buf *b, char *out)
{
	struct iovec iov[2];
	int n = buf_peek(b, iov);
	size_t len = 0;
	assert_in_range(n, 0, 2);
	for (int i = 0; i < n; i++) {
		assert_true(iov[i].iov_len > 0);
		memcpy(out + len, iov[i].iov_base, iov[i].iov_len);
		len += iov[i].iov_len;
	}
	assert_int_equal(len, buf_len(b));
	return len;
}

static void test_empty(void **state)
{
	(void)state;
	struct buf b;
	buf_init(&b, 16);
	struct iovec iov[2];
	assert_int_equal(buf_len(&b), 0);
	assert_int_equal(buf_space(&b), 16);
	assert_int_equal(buf_peek(&b, iov), 0);
	/* Consuming from an empty ring is harmless. */
	buf_consume(&b, 5);
	assert_int_equal(buf_len(&b), 0);
	assert_int_equal(buf_space(&b), 16);
	buf_free(&b);
	/* buf_free on a never-used ring (no storage yet) is fine too. */
	buf_init(&b, 16);
	buf_free(&b);
}

static void test_append_peek_consume(void **state)
{
	(void)state;
	struct buf b;
	buf_init(&b, 10);
	assert_int_equal(buf_append(&b, "abcdef", 6), 6);
	assert_int_equal(buf_len(&b), 6);
	assert_int_equal(buf_space(&b), 4);

	char out[32];
	assert_int_equal(peek_all(&b, out), 6);
	assert_memory_equal(out, "abcdef", 6);
	/* Peek does not consume. */
	assert_int_equal(peek_all(&b, out), 6);

	buf_consume(&b, 2);
	assert_int_equal(buf_len(&b), 4);
	assert_int_equal(peek_all(&b, out), 4);
	assert_memory_equal(out, "cdef", 4);

	assert_int_equal(buf_append(&b, "gh", 2), 2);
	assert_int_equal(peek_all(&b, out), 6);
	assert_memory_equal(out, "cdefgh", 6);
	buf_free(&b);
}

static void test_wraparound(void **state)
{
	(void)state;
	struct buf b;
	buf_init(&b, 8);
	char out[16];
	assert_int_equal(buf_append(&b, "012345", 6), 6);
	buf_consume(&b, 5); /* head at 5, one byte "5" stored */
	assert_int_equal(buf_len(&b), 1);

	/* Free space now wraps: 2 bytes at the end, 5 at the start. */
	struct iovec iov[2];
	assert_int_equal(buf_append(&b, "abcdefg", 7), 7);
	assert_int_equal(buf_len(&b), 8);
	assert_int_equal(buf_space(&b), 0);

	/* The stored bytes wrap too: peek gives two pieces, in order. */
	assert_int_equal(buf_peek(&b, iov), 2);
	assert_int_equal(iov[0].iov_len, 3);
	assert_int_equal(iov[1].iov_len, 5);
	assert_int_equal(peek_all(&b, out), 8);
	assert_memory_equal(out, "5abcdefg", 8);

	/* Consume across the wrap point. */
	buf_consume(&b, 4);
	assert_int_equal(peek_all(&b, out), 4);
	assert_memory_equal(out, "defg", 4);
	buf_free(&b);
}

static void test_full(void **state)
{
	(void)state;
	struct buf b;
	buf_init(&b, 4);
	struct iovec iov[2];
	assert_int_equal(buf_append(&b, "wxyz", 4), 4);
	assert_int_equal(buf_space(&b), 0);
	/* A full ring takes nothing more. */
	assert_int_equal(buf_append(&b, "q", 1), 0);
	assert_int_equal(buf_len(&b), 4);
	char out[8];
	assert_int_equal(peek_all(&b, out), 4);
	assert_memory_equal(out, "wxyz", 4);
	/* Consuming more than stored empties it, no more. */
	buf_consume(&b, 100);
	assert_int_equal(buf_len(&b), 0);
	assert_int_equal(buf_space(&b), 4);
	/* An emptied ring starts over at the beginning: a full append is one piece. */
	buf_append(&b, "z", 1);
	buf_consume(&b, 1);
	assert_int_equal(buf_append(&b, "1234", 4), 4);
	assert_int_equal(buf_peek(&b, iov), 1);
	assert_int_equal(iov[0].iov_len, 4);
	buf_free(&b);
}

static void test_append_partial(void **state)
{
	(void)state;
	struct buf b;
	buf_init(&b, 10);
	char out[16];
	assert_int_equal(buf_append(&b, "0123456", 7), 7);
	/* Only 3 bytes fit: append takes those and says so. */
	assert_int_equal(buf_append(&b, "abcdef", 6), 3);
	assert_int_equal(peek_all(&b, out), 10);
	assert_memory_equal(out, "0123456abc", 10);
	/* After consuming, a wrapping append fills both pieces in order. */
	buf_consume(&b, 6);
	assert_int_equal(buf_append(&b, "UVWXYZ!", 7), 6);
	assert_int_equal(peek_all(&b, out), 10);
	assert_memory_equal(out, "6abcUVWXYZ", 10);
	/* An empty append is a no-op. */
	assert_int_equal(buf_append(&b, "", 0), 0);
	buf_consume(&b, 10);
	assert_int_equal(buf_append(&b, "", 0), 0);
	assert_int_equal(buf_len(&b), 0);
	buf_free(&b);
}

/* Many random appends and consumes against a simple
 * model (a linear history of every byte ever written). */
static void test_random_against_model(void **state)
{
	(void)state;
	enum { CAP = 37, TOTAL = 200000 };
	struct buf b;
	buf_init(&b, CAP);
	unsigned char *hist = malloc(TOTAL + 64);
	assert_non_null(hist);
	for (size_t i = 0; i < TOTAL + 64; i++)
		hist[i] = (unsigned char)(i * 7 + i / 251);
	size_t wr = 0, rd = 0;
	srandom(12345);
	while (wr < TOTAL) {
		int op = (int)(random() % 3);
		size_t want = (size_t)(random() % (CAP + 5));
		if (op == 0) {
			size_t took = buf_append(&b, hist + wr, want);
			size_t room = CAP - (wr - rd);
			assert_int_equal(took, want < room ? want : room);
			wr += took;
		} else if (op == 1) {
			/* Two appends back to back: the second starts where the first ended. */
			size_t half = want / 2;
			size_t took = buf_append(&b, hist + wr, half);
			took += buf_append(&b, hist + wr + took, want - half);
			size_t room = CAP - (wr - rd);
			assert_int_equal(took, want < room ? want : room);
			wr += took;
		} else {
			unsigned char out[CAP];
			size_t len = peek_all(&b, (char *)out);
			assert_int_equal(len, wr - rd);
			assert_memory_equal(out, hist + rd, len);
			size_t n = want < len ? want : len;
			buf_consume(&b, n);
			rd += n;
		}
		assert_int_equal(buf_len(&b), wr - rd);
		assert_int_equal(buf_space(&b), CAP - (wr - rd));
	}
	free(hist);
	buf_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_append_peek_consume),
		cmocka_unit_test(test_wraparound),
		cmocka_unit_test(test_full),
		cmocka_unit_test(test_append_partial),
		cmocka_unit_test(test_random_against_model),
	};
	return cmocka_run_group_tests_name("buf", tests, NULL, NULL);
}
