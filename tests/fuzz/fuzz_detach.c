/* fuzz_detach: the detach-key spec parser and the stream matcher.
 *
 * Input: a spec up to the first NUL, then one byte seeding the piece sizes,
 * then the input stream. Checked:
 *  - the parser never crashes, always terminates its error text, gives the
 *    same answer with a tiny error buffer, and never accepts too many keys;
 *  - the matcher, fed the stream in pieces into exactly-sized buffers,
 *    passes on precisely the bytes before the first occurrence of the
 *    sequence, in order, and reports the detach in the piece holding the
 *    occurrence's last byte; without an occurrence, its output plus what
 *    flush gives back is the whole stream. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "attach/detach.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *nul = memchr(data, '\0', size);
	size_t spec_len = nul ? (size_t)(nul - data) : size;
	char *spec = malloc(spec_len + 1);
	memcpy(spec, data, spec_len);
	spec[spec_len] = '\0';

	struct detach_keys keys;
	char err[128];
	memset(err, 'x', sizeof(err));
	int rc = detach_keys_parse(spec, &keys, err, sizeof(err));
	if (memchr(err, '\0', sizeof(err)) == NULL)
		abort();
	/* A tiny error buffer must be respected too. */
	char tiny[3];
	struct detach_keys keys2;
	if (detach_keys_parse(spec, &keys2, tiny, sizeof(tiny)) != rc)
		abort();
	free(spec);
	if (rc < 0) {
		if (err[0] == '\0')
			abort();
		return 0;
	}
	if (keys.len > DETACH_KEYS_MAX)
		abort();

	if (!nul)
		return 0;
	const uint8_t *rest = nul + 1;
	size_t rest_len = size - spec_len - 1;
	if (rest_len == 0)
		return 0;
	unsigned seed = rest[0];
	const uint8_t *in = rest + 1;
	size_t in_len = rest_len - 1;

	/* Where the sequence first occurs, by brute force. */
	size_t first = SIZE_MAX;
	if (keys.len > 0)
		for (size_t i = 0; i + keys.len <= in_len; i++)
			if (memcmp(in + i, keys.seq, keys.len) == 0) {
				first = i;
				break;
			}

	struct detach_matcher m;
	detach_matcher_init(&m, &keys);
	unsigned char *got = malloc(in_len + DETACH_KEYS_MAX + 1);
	size_t got_len = 0;
	bool detached = false;
	size_t off = 0;
	while (off < in_len) {
		seed = seed * 1103515245u + 12345u;
		size_t piece = 1 + (seed >> 16) % 48;
		if (piece > in_len - off)
			piece = in_len - off;
		unsigned char *chunk = malloc(piece);
		memcpy(chunk, in + off, piece);
		unsigned char *out = malloc(piece + DETACH_FEED_EXTRA);
		bool d = false;
		size_t n = detach_matcher_feed(&m, chunk, piece, out, &d);
		if (n > piece + DETACH_FEED_EXTRA)
			abort();
		memcpy(got + got_len, out, n);
		got_len += n;
		free(out);
		free(chunk);
		off += piece;
		if (d) {
			detached = true;
			/* The piece must contain the last byte of the first occurrence. */
			if (first == SIZE_MAX || first + keys.len > off || first + keys.len <= off - piece)
				abort();
			break;
		}
	}
	if (detached) {
		if (got_len != first || memcmp(got, in, first) != 0)
			abort();
	} else {
		if (first != SIZE_MAX)
			abort();
		unsigned char held[DETACH_KEYS_MAX];
		size_t h = detach_matcher_flush(&m, held);
		if (h > DETACH_KEYS_MAX || (keys.len > 0 && h >= keys.len))
			abort();
		memcpy(got + got_len, held, h);
		got_len += h;
		if (got_len != in_len || memcmp(got, in, in_len) != 0)
			abort();
		if (detach_matcher_flush(&m, held) != 0)
			abort();
	}
	free(got);
	return 0;
}
