/* detach: detach-key spec parsing and the byte-stream matcher. Pure logic,
 * no I/O, so the whole contract is covered by tests/unit/test_detach.c. */
#include "attach/detach.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

static const char detach_hint[] =
	"use ctrl-a..ctrl-z, ctrl-@, ctrl-[, ctrl-\\, ctrl-], ctrl-^, ctrl-_ or one character";

static int detach_key_byte(const char *key, size_t len, unsigned char *out)
{
	if (len == 1 && key[0] != ',') {
		*out = (unsigned char)key[0];
		return 0;
	}
	if (len != 6 || strncasecmp(key, "ctrl-", 5) != 0)
		return -1;
	unsigned char c = (unsigned char)key[5];
	if (isalpha(c)) {
		*out = (unsigned char)(tolower(c) - 'a' + 1);
		return 0;
	}
	/* The rest of the C0 block: ctrl-@ is NUL, ctrl-[ is ESC, up to ctrl-_. */
	const char *punct = strchr("@[\\]^_", c);
	if (c == '\0' || punct == NULL)
		return -1;
	*out = (unsigned char)(c == '@' ? 0 : c - '@');
	return 0;
}

int detach_keys_parse(const char *spec, struct detach_keys *keys, char *err, size_t errlen)
{
	struct detach_keys parsed = {.len = 0};
	if (errlen > 0)
		err[0] = '\0';
	if (spec[0] == '\0') {
		*keys = parsed;
		return 0;
	}
	const char *p = spec;
	for (;;) {
		const char *comma = strchr(p, ',');
		size_t klen = comma ? (size_t)(comma - p) : strlen(p);
		/* A single ',' as the last key would make "a,," ambiguous; a key of
		 * length 0 is always an empty element. */
		if (klen == 0) {
			snprintf(err, errlen, "\"%s\": empty key (keys are separated by single commas)",
				 spec);
			return -1;
		}
		if (parsed.len == DETACH_KEYS_MAX) {
			snprintf(err, errlen, "\"%s\": too many keys (at most %d)", spec,
				 DETACH_KEYS_MAX);
			return -1;
		}
		if (detach_key_byte(p, klen, &parsed.seq[parsed.len]) < 0) {
			snprintf(err, errlen, "\"%.*s\": unknown key; %s", (int)(klen > 40 ? 40 : klen),
				 p, detach_hint);
			return -1;
		}
		parsed.len++;
		if (!comma)
			break;
		p = comma + 1;
	}
	*keys = parsed;
	return 0;
}

void detach_matcher_init(struct detach_matcher *m, const struct detach_keys *keys)
{
	m->keys = *keys;
	m->held = 0;
}

/* After a mismatch, the held bytes plus the new byte may still end in a
 * shorter start of the sequence ("ctrl-p ctrl-p ctrl-q" must detach). Returns
 * the length of the longest proper suffix of seq[0..held) + c that is a prefix
 * of seq. Sequences are at most DETACH_KEYS_MAX long, so brute force is fine. */
static size_t detach_fallback(const struct detach_keys *k, size_t held, unsigned char c)
{
	unsigned char s[DETACH_KEYS_MAX + 1];
	memcpy(s, k->seq, held);
	s[held] = c;
	size_t n = held + 1;
	for (size_t j = held; j > 0; j--)
		if (memcmp(s + n - j, k->seq, j) == 0)
			return j;
	return 0;
}

size_t detach_matcher_feed(struct detach_matcher *m, const unsigned char *in, size_t len,
			   unsigned char *out, bool *detached)
{
	size_t o = 0;
	*detached = false;
	if (m->keys.len == 0) {
		memcpy(out, in, len);
		return len;
	}
	for (size_t i = 0; i < len; i++) {
		unsigned char c = in[i];
		if (c == m->keys.seq[m->held]) {
			if (++m->held == m->keys.len) {
				m->held = 0;
				*detached = true;
				return o;
			}
			continue;
		}
		size_t keep = detach_fallback(&m->keys, m->held, c);
		/* seq[0..held) + c, minus the kept tail, goes out in input order. */
		size_t give = m->held + 1 - keep;
		for (size_t j = 0; j < give; j++)
			out[o++] = j < m->held ? m->keys.seq[j] : c;
		m->held = keep;
	}
	return o;
}

size_t detach_matcher_flush(struct detach_matcher *m, unsigned char *out)
{
	size_t n = m->held;
	memcpy(out, m->keys.seq, n);
	m->held = 0;
	return n;
}
