/* fuzz_asciicast: the asciicast writer's escaping, read back by the
 * asciicast reader (json-c).
 *
 * Input: byte 0 seeds the piece sizes; then up to the first NUL a string
 * used as the header's command, title and one env entry; the rest is
 * terminal output, escaped chunk by chunk (one "o" line each, with a
 * resize line now and then, and the flush line at the end). Checked:
 *  - every line is plain: no byte below 0x20 but its final '\n', no DEL,
 *    no C1 control and no U+2028/U+2029 written raw, valid UTF-8;
 *  - the reader parses the whole recording without a single warning;
 *  - the decoded output is valid UTF-8, equals the input when the input is
 *    valid UTF-8, and does not depend on where the chunks were cut (the
 *    same bytes escaped in one piece decode to the same text);
 *  - the header's strings decode to themselves when they are UTF-8. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "logfmt/acastread.h"
#include "logfmt/asciicast.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* RFC 3629 validity, written independently of the module under test. */
static bool valid_utf8(const unsigned char *s, size_t n)
{
	size_t i = 0;
	while (i < n) {
		unsigned char c = s[i];
		size_t need;
		uint32_t cp;
		if (c < 0x80) {
			i++;
			continue;
		} else if ((c & 0xe0) == 0xc0) {
			need = 1;
			cp = c & 0x1f;
		} else if ((c & 0xf0) == 0xe0) {
			need = 2;
			cp = c & 0x0f;
		} else if ((c & 0xf8) == 0xf0) {
			need = 3;
			cp = c & 0x07;
		} else {
			return false;
		}
		for (size_t k = 1; k <= need; k++) {
			if (i + k >= n || (s[i + k] & 0xc0) != 0x80)
				return false;
			cp = cp << 6 | (s[i + k] & 0x3f);
		}
		static const uint32_t min[4] = {0, 0x80, 0x800, 0x10000};
		if (cp < min[need] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return false;
		i += need + 1;
	}
	return true;
}

struct got {
	unsigned char *out;
	size_t len;
	size_t warnings, headers;
	const char *want_str; /* header strings, when UTF-8 */
	bool header_ok;
};

static void on_header(const struct acast_info *info, void *arg)
{
	struct got *g = arg;
	g->headers++;
	if (info->width != 80 || info->height != 24)
		abort();
}

static void on_event(const struct acast_event *ev, void *arg)
{
	struct got *g = arg;
	if (ev->type == 'r') {
		unsigned cols, rows;
		if (acast_parse_size(ev->data, ev->len, &cols, &rows) < 0)
			abort();
		return;
	}
	if (ev->type != 'o')
		abort();
	g->out = realloc(g->out, g->len + ev->len + 1);
	memcpy(g->out + g->len, ev->data, ev->len);
	g->len += ev->len;
}

static void on_warn(const char *file, unsigned long line, const char *what, void *arg)
{
	(void)file;
	(void)line;
	(void)what;
	struct got *g = arg;
	g->warnings++;
}

/* Every line of text is plain and safe (see the top of this file). */
static void check_lines(const struct acast_text *t)
{
	const unsigned char *p = (const unsigned char *)t->data, *end = p + t->len;
	if (t->len == 0 || end[-1] != '\n')
		abort();
	for (const unsigned char *q = p; q < end; q++) {
		if (*q == '\n')
			continue;
		if (*q < 0x20 || *q == 0x7f)
			abort();
		if (q + 1 < end && q[0] == 0xc2 && q[1] >= 0x80 && q[1] < 0xa0)
			abort();
		if (q + 2 < end && q[0] == 0xe2 && q[1] == 0x80 && (q[2] == 0xa8 || q[2] == 0xa9))
			abort();
	}
	if (!valid_utf8(p, t->len))
		abort();
}

static struct got decode(const struct acast_text *t)
{
	struct got g = {0};
	struct acastread *r = acastread_new("fuzz.cast", on_header, on_event, on_warn, &g);
	int fd = memfd_create("fuzz-acast", MFD_CLOEXEC);
	if (fd < 0 || (t->len > 0 && write(fd, t->data, t->len) != (ssize_t)t->len) || lseek(fd, 0, SEEK_SET) != 0)
		abort();
	if (acastread_read_fd(r, fd) != (ssize_t)t->len)
		abort();
	close(fd);
	acastread_finish(r);
	acastread_free(r);
	return g;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1 || size > (1u << 18))
		return 0;
	unsigned seed = data[0];
	const uint8_t *rest = data + 1;
	size_t rest_len = size - 1;
	const uint8_t *nul = memchr(rest, '\0', rest_len);
	size_t str_len = nul ? (size_t)(nul - rest) : 0;
	char *str = malloc(str_len + 3);
	memcpy(str, rest, str_len);
	str[str_len] = '\0';
	const uint8_t *in = nul ? nul + 1 : rest;
	size_t in_len = rest_len - (nul ? str_len + 1 : 0);

	/* An env entry "NAME=value" made of the string, split in its middle. */
	char *env_entry = malloc(str_len + 2);
	memcpy(env_entry, str, str_len / 2);
	env_entry[str_len / 2] = '=';
	memcpy(env_entry + str_len / 2 + 1, str + str_len / 2, str_len - str_len / 2 + 1);
	const char *env[] = {env_entry, str, NULL};

	struct acast_text text = {0};
	struct acast_header h = {
		.width = 80,
		.height = 24,
		.timestamp = 1700000000,
		.command = str,
		.title = str,
		.env = env,
	};
	acast_header_line(&text, &h);
	struct acast_utf8 st = {0};
	int64_t t = 0;
	for (size_t off = 0; off < in_len;) {
		seed = seed * 1103515245u + 12345u;
		size_t piece = 1 + (seed >> 16) % 97;
		if (piece > in_len - off)
			piece = in_len - off;
		unsigned char *copy = malloc(piece);
		memcpy(copy, in + off, piece);
		t += (seed >> 8) % 5000000000u;
		acast_output_line(&text, &st, t, copy, piece);
		free(copy);
		if ((seed >> 28) == 0)
			acast_resize_line(&text, t, 1 + (seed >> 4) % 500, 1 + (seed >> 12) % 200);
		off += piece;
	}
	acast_flush_line(&text, &st, t + 1);
	if (st.need != 0 || st.held_len != 0)
		abort();
	check_lines(&text);

	/* The same output escaped in one piece. */
	struct acast_text one = {0};
	acast_header_line(&one, &h);
	struct acast_utf8 st1 = {0};
	acast_output_line(&one, &st1, 0, in, in_len);
	acast_flush_line(&one, &st1, 1);
	check_lines(&one);

	struct got g = decode(&text), g1 = decode(&one);
	if (g.warnings != 0 || g1.warnings != 0 || g.headers != 1 || g1.headers != 1)
		abort();
	if (g.len != g1.len || (g.len > 0 && memcmp(g.out, g1.out, g.len) != 0))
		abort();
	if (g.len > 0 && !valid_utf8(g.out, g.len))
		abort();
	if (valid_utf8(in, in_len) && (g.len != in_len || (in_len > 0 && memcmp(g.out, in, in_len) != 0)))
		abort();
	/* Not UTF-8: the text can only have grown by replacement characters. */
	if (g.len > 3 * in_len + 3)
		abort();

	/* A header with only the command: one object line. */
	struct acast_text q = {0};
	acast_header_line(&q, &(struct acast_header){.width = 1, .height = 1, .timestamp = -1, .command = str});
	if (q.len < 3 || q.data[0] != '{' || q.data[q.len - 2] != '}' || q.data[q.len - 1] != '\n')
		abort();
	/* consume keeps the rest intact */
	size_t before = q.len;
	acast_text_consume(&q, 1);
	if (q.len != before - 1)
		abort();
	acast_text_consume(&q, q.len + 5);
	if (q.len != 0)
		abort();

	acast_text_free(&q);
	acast_text_free(&one);
	acast_text_free(&text);
	free(g.out);
	free(g1.out);
	free(env_entry);
	free(str);
	return 0;
}
