/* asciicast: encoding of asciicast v2 recordings (header line and event
 * lines), into memory only; the callers own the files.
 *
 * Escaping of output bytes into a JSON string, chosen so the result is
 * always valid JSON and valid UTF-8:
 *  - well-formed UTF-8 (RFC 3629: no overlongs, surrogates or code points
 *    above U+10FFFF) passes through unchanged;
 *  - every maximal ill-formed subsequence becomes one U+FFFD (the Unicode
 *    "substitution of maximal subparts" practice, as Python and browsers do);
 *  - '"' and '\\' are escaped; \b \f \n \r \t use their short forms; other
 *    C0 controls, DEL, the C1 controls U+0080..U+009F and U+2028/U+2029 are
 *    written as \u00XX / \u20XX, so every line is plain and line-safe;
 *  - a sequence cut at the end of a chunk is held in struct acast_utf8 and
 *    completed by the next chunk of the same stream; held bytes become
 *    U+FFFD only when the stream ends (acast_flush_line).
 * The mapping is lossy only for bytes that are not UTF-8. */
#ifndef PTYSHIM_ASCIICAST_H
#define PTYSHIM_ASCIICAST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A growable byte buffer; zero-initialise, then acast_text_free. */
struct acast_text {
	char *data;
	size_t len, cap;
};

void acast_text_append(struct acast_text *t, const void *data, size_t len);
/* Drop the first n bytes (they were written out). */
void acast_text_consume(struct acast_text *t, size_t n);
void acast_text_free(struct acast_text *t);

/* Decoder state of one output stream; zero-initialise. */
struct acast_utf8 {
	unsigned char held[4];
	unsigned char held_len;
	unsigned char need;   /* continuation bytes still expected */
	unsigned char lo, hi; /* allowed range of the next byte */
};

struct acast_header {
	unsigned width, height;
	int64_t timestamp;      /* Unix seconds; negative: omitted */
	const char *command;    /* NULL: omitted */
	const char *title;      /* NULL: omitted */
	const char *const *env; /* "NAME=value" strings, NULL-terminated; NULL: omitted */
};

/* The header line, with its \n. */
void acast_header_line(struct acast_text *out, const struct acast_header *h);

/* One `[t, "o", "..."]` line for a chunk of output, t in nanoseconds since
 * the header's timestamp (written as seconds with 6 decimals). Returns
 * false, appending nothing, when every byte was held back (a chunk that is
 * only the start of a UTF-8 sequence). */
bool acast_output_line(struct acast_text *out, struct acast_utf8 *st, int64_t t_ns, const void *data, size_t len);
/* End of the stream: the `[t, "o", "\ufffd"]` line for a sequence still
 * held (cut off), if there is one. */
bool acast_flush_line(struct acast_text *out, struct acast_utf8 *st, int64_t t_ns);
/* `[t, "r", "COLSxROWS"]`. */
void acast_resize_line(struct acast_text *out, int64_t t_ns, unsigned cols, unsigned rows);

#endif
