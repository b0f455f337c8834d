/* asciicast: asciicast v2 lines and the JSON escaping of raw terminal
 * output. The UTF-8 check is a byte-at-a-time state machine, so a chunk
 * boundary anywhere inside a sequence needs no special case. */
#include "logfmt/asciicast.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/util.h"

void acast_text_append(struct acast_text *t, const void *data, size_t len)
{
	if (len == 0)
		return;
	t->data = xgrow(t->data, &t->cap, t->len + len, 256);
	memcpy(t->data + t->len, data, len);
	t->len += len;
}

void acast_text_consume(struct acast_text *t, size_t n)
{
	if (n >= t->len) {
		t->len = 0;
		return;
	}
	memmove(t->data, t->data + n, t->len - n);
	t->len -= n;
}

void acast_text_free(struct acast_text *t)
{
	free(t->data);
	t->data = NULL;
	t->len = t->cap = 0;
}

static void put(struct acast_text *t, const char *s)
{
	acast_text_append(t, s, strlen(s));
}

static void put_u_escape(struct acast_text *out, unsigned cp)
{
	char esc[8];
	snprintf(esc, sizeof(esc), "\\u%04x", cp);
	acast_text_append(out, esc, 6);
}

static const char replacement[] = "\xef\xbf\xbd"; /* U+FFFD */

/* JSON's two-character escapes; every other control is \u-escaped. */
static const char *const short_escapes[128] = {
	['"'] = "\\\"", ['\\'] = "\\\\", ['\b'] = "\\b", ['\f'] = "\\f", ['\n'] = "\\n", ['\r'] = "\\r", ['\t'] = "\\t",
};

static void put_ascii(struct acast_text *out, unsigned char c)
{
	if (c < ARRAY_SIZE(short_escapes) && short_escapes[c])
		put(out, short_escapes[c]);
	else if (c < 0x20 || c == 0x7f)
		put_u_escape(out, c);
	else
		acast_text_append(out, &c, 1);
}

/* A complete well-formed sequence in st->held. */
static void put_sequence(struct acast_text *out, const struct acast_utf8 *st)
{
	const unsigned char *h = st->held;
	/* C1 controls (U+0080..U+009F) and the two Unicode line separators
	 * would survive JSON but not every line-oriented reader. */
	if (st->held_len == 2 && h[0] == 0xc2 && h[1] < 0xa0) {
		put_u_escape(out, h[1]);
		return;
	}
	if (st->held_len == 3 && h[0] == 0xe2 && h[1] == 0x80 && (h[2] == 0xa8 || h[2] == 0xa9)) {
		put_u_escape(out, 0x2000u | (h[2] - 0x80u));
		return;
	}
	acast_text_append(out, h, st->held_len);
}

/* Start a sequence for lead byte c; false if c cannot start one. */
static bool start_sequence(struct acast_utf8 *st, unsigned char c)
{
	unsigned need, lo = 0x80, hi = 0xbf;
	if (c >= 0xc2 && c <= 0xdf) {
		need = 1;
	} else if (c >= 0xe0 && c <= 0xef) {
		need = 2;
		if (c == 0xe0)
			lo = 0xa0; /* overlong */
		else if (c == 0xed)
			hi = 0x9f; /* surrogates */
	} else if (c >= 0xf0 && c <= 0xf4) {
		need = 3;
		if (c == 0xf0)
			lo = 0x90; /* overlong */
		else if (c == 0xf4)
			hi = 0x8f; /* above U+10FFFF */
	} else {
		return false;
	}
	st->held[0] = c;
	st->held_len = 1;
	st->need = (unsigned char)need;
	st->lo = (unsigned char)lo;
	st->hi = (unsigned char)hi;
	return true;
}

/* Appends the JSON string body (no quotes) for data. */
static void acast_escape(struct acast_text *out, struct acast_utf8 *st, const void *data, size_t len)
{
	const unsigned char *p = data, *end = p + len;
	while (p < end) {
		if (st->need > 0) {
			unsigned char c = *p;
			if (c < st->lo || c > st->hi) {
				/* The held prefix is a maximal ill-formed subpart; c is
				 * looked at again as the start of something new. */
				put(out, replacement);
				st->need = 0;
				st->held_len = 0;
				continue;
			}
			st->held[st->held_len++] = c;
			st->lo = 0x80;
			st->hi = 0xbf;
			p++;
			if (--st->need == 0) {
				put_sequence(out, st);
				st->held_len = 0;
			}
			continue;
		}
		/* Plain printable ASCII in one copy: the common case. */
		const unsigned char *run = p;
		while (p < end && *p >= 0x20 && *p < 0x7f && *p != '"' && *p != '\\')
			p++;
		if (p > run) {
			acast_text_append(out, run, (size_t)(p - run));
			continue;
		}
		unsigned char c = *p++;
		if (c < 0x80)
			put_ascii(out, c);
		else if (!start_sequence(st, c))
			put(out, replacement);
	}
}

/* End of the stream: a held incomplete sequence becomes U+FFFD. */
static void acast_escape_flush(struct acast_text *out, struct acast_utf8 *st)
{
	if (st->need > 0)
		put(out, replacement);
	st->need = 0;
	st->held_len = 0;
}

/* Quoted JSON string of a whole NUL-terminated string. */
static void acast_quote(struct acast_text *out, const char *s)
{
	struct acast_utf8 st = {0};
	put(out, "\"");
	acast_escape(out, &st, s, strlen(s));
	acast_escape_flush(out, &st);
	put(out, "\"");
}

void acast_header_line(struct acast_text *out, const struct acast_header *h)
{
	char num[128];
	snprintf(num, sizeof(num), "{\"version\": 2, \"width\": %u, \"height\": %u", h->width, h->height);
	put(out, num);
	if (h->timestamp >= 0) {
		snprintf(num, sizeof(num), ", \"timestamp\": %" PRId64, h->timestamp);
		put(out, num);
	}
	if (h->command != NULL) {
		put(out, ", \"command\": ");
		acast_quote(out, h->command);
	}
	if (h->title != NULL) {
		put(out, ", \"title\": ");
		acast_quote(out, h->title);
	}
	if (h->env != NULL) {
		put(out, ", \"env\": {");
		for (size_t i = 0; h->env[i] != NULL; i++) {
			const char *eq = strchr(h->env[i], '=');
			char *name = eq ? strndup(h->env[i], (size_t)(eq - h->env[i])) : xstrdup(h->env[i]);
			if (name == NULL)
				name = xstrdup("");
			put(out, i ? ", " : "");
			acast_quote(out, name);
			put(out, ": ");
			acast_quote(out, eq ? eq + 1 : "");
			free(name);
		}
		put(out, "}");
	}
	put(out, "}\n");
}

static void put_time(struct acast_text *out, int64_t t_ns)
{
	if (t_ns < 0)
		t_ns = 0;
	char num[64];
	snprintf(num, sizeof(num), "%" PRId64 ".%06" PRId64, t_ns / 1000000000, t_ns % 1000000000 / 1000);
	put(out, num);
}

/* `[t, "o", "` up to the string's body. */
static void put_output_start(struct acast_text *out, int64_t t_ns)
{
	put(out, "[");
	put_time(out, t_ns);
	put(out, ", \"o\", \"");
}

bool acast_output_line(struct acast_text *out, struct acast_utf8 *st, int64_t t_ns, const void *data, size_t len)
{
	size_t start = out->len;
	put_output_start(out, t_ns);
	size_t body = out->len;
	acast_escape(out, st, data, len);
	if (out->len == body) {
		out->len = start;
		return false;
	}
	put(out, "\"]\n");
	return true;
}

bool acast_flush_line(struct acast_text *out, struct acast_utf8 *st, int64_t t_ns)
{
	if (st->need == 0)
		return false;
	put_output_start(out, t_ns);
	acast_escape_flush(out, st);
	put(out, "\"]\n");
	return true;
}

void acast_resize_line(struct acast_text *out, int64_t t_ns, unsigned cols, unsigned rows)
{
	char num[64];
	put(out, "[");
	put_time(out, t_ns);
	snprintf(num, sizeof(num), ", \"r\", \"%ux%u\"]\n", cols, rows);
	put(out, num);
}
