/* pattern: the byte stream every benchmark producer writes, shared by the
 * producer (built static, into the container) and the checker, so the log's
 * payload can be compared byte for byte without storing a copy of it.
 *
 * Byte k of a stream with line length L (L >= 2): line = k / L, col = k % L;
 * the last column is '\n', the others 'a' + (line + col) % 26. The stream
 * repeats every 26 * L bytes, so one period (plus a write's worth of slack)
 * lets a producer write any window with a single write() from a buffer. It
 * never contains '\r', which lets the checker undo the tty's ONLCR exactly. */
#ifndef PTYSHIM_BENCH_PATTERN_H
#define PTYSHIM_BENCH_PATTERN_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

static inline size_t pattern_period(size_t line_len)
{
	return 26 * line_len;
}

/* A buffer holding the stream from offset 0 for period + extra bytes, so
 * that buf + (k % period) starts any window of up to extra bytes. */
static inline char *pattern_buffer(size_t line_len, size_t extra)
{
	size_t n = pattern_period(line_len) + extra;
	char *buf = malloc(n);

	if (!buf)
		return NULL;
	for (size_t k = 0; k < n; k++) {
		size_t line = k / line_len, col = k % line_len;
		buf[k] = col == line_len - 1 ? '\n' : (char)('a' + (line + col) % 26);
	}
	return buf;
}

#endif
