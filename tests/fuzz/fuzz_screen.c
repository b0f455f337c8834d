/* fuzz_screen: the screen model's feed, resize, repaint and text.
 *
 * Input: two bytes of size (rows 1-64, cols 1-160), then a stream cut into
 * pieces whose sizes come from the stream itself; a 0xff byte at a piece
 * start asks for a resize to the next two bytes' size (absurd sizes
 * included: they must be refused cleanly). Checked:
 *  - nothing crashes, leaks or reads out of bounds (ASan, UBSan, LSan);
 *  - the backlog never exceeds its bound;
 *  - a repaint painted into a fresh model of the same size shows the same
 *    text as the model it came from (the repaint is self-consistent, which
 *    is also what a model that slept and woke relies on). */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "screen/screen.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_repaint(struct screen *s)
{
	unsigned rows, cols;
	screen_get_size(s, &rows, &cols);
	size_t plen, alen, blen;
	char *paint = screen_repaint(s, &plen);
	struct screen *copy = screen_new(rows, cols);
	if (copy == NULL)
		abort();
	screen_queue(copy, paint, plen);
	char *a = screen_text(s, true, &alen), *b = screen_text(copy, true, &blen);
	if (alen != blen || memcmp(a, b, alen) != 0)
		abort();
	free(a);
	free(b);
	free(paint);
	screen_free(copy);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 2)
		return 0;
	struct screen *s = screen_new(1 + data[0] % 64, 1 + data[1] % 160);
	if (s == NULL)
		abort();
	size_t off = 2;
	while (off < size) {
		if (data[off] == 0xff && off + 2 < size) {
			screen_resize(s, data[off + 1] * 300u, data[off + 2] * 300u); /* mostly refused */
			screen_resize(s, 1 + data[off + 1] % 64, 1 + data[off + 2] % 160);
			off += 3;
			continue;
		}
		size_t piece = 1 + data[off] % 97;
		if (piece > size - off)
			piece = size - off;
		screen_queue(s, data + off, piece);
		off += piece;
		if (screen_backlog(s) > (256u << 10))
			abort();
		if (data[off - 1] % 7 == 0)
			screen_catch_up(s, data[off - 1]);
		if (data[off - 1] % 11 == 0) {
			screen_catch_up(s, SIZE_MAX);
			screen_sleep(s); /* and wakes at the next use */
		}
	}
	check_repaint(s);
	screen_free(s);
	return 0;
}
