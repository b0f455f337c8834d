/* acastread: asciicast v2 lines through json-c (one strict tokener reused
 * for every line) on top of lineread's bounded line assembly. */
#include "logfmt/acastread.h"

#include <errno.h>
#include <json-c/json.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "logfmt/lineread.h"
#include "base/util.h"

struct acastread {
	char *file;
	acastread_header_cb header_cb;
	acastread_event_cb event_cb;
	acastread_warn_cb warn_cb;
	void *arg;
	struct lineread lines;
	struct json_tokener *tok;
	bool seen_header;
};

static void line_cb(const char *line, size_t len, unsigned long lineno, void *arg);
static void lines_warn(unsigned long lineno, const char *what, void *arg);

struct acastread *acastread_new(const char *file, acastread_header_cb header_cb, acastread_event_cb event_cb,
				acastread_warn_cb warn_cb, void *arg)
{
	struct acastread *r = xcalloc(1, sizeof(*r));
	r->file = xstrdup(file);
	r->header_cb = header_cb;
	r->event_cb = event_cb;
	r->warn_cb = warn_cb;
	r->arg = arg;
	lineread_init(&r->lines, ACASTREAD_MAX_LINE, line_cb, lines_warn, r);
	/* A valid line nests 3 deep (header, env, value); 8 leaves room for
	 * extra metadata while bounding hostile nesting. */
	r->tok = json_tokener_new_ex(8);
	if (r->tok == NULL)
		out_of_memory();
	json_tokener_set_flags(r->tok, JSON_TOKENER_STRICT);
	return r;
}

void acastread_free(struct acastread *r)
{
	if (r == NULL)
		return;
	json_tokener_free(r->tok);
	lineread_free(&r->lines);
	free(r->file);
	free(r);
}

bool acastread_seen_header(const struct acastread *r)
{
	return r->seen_header;
}

static void warn(struct acastread *r, unsigned long line, const char *what)
{
	if (r->warn_cb)
		r->warn_cb(r->file, line, what, r->arg);
}

/* lineread's warnings (overlong lines) are the reader's. */
static void lines_warn(unsigned long lineno, const char *what, void *arg)
{
	warn(arg, lineno, what);
}

static bool is_number(struct json_object *o)
{
	return json_object_is_type(o, json_type_int) || json_object_is_type(o, json_type_double);
}

static bool get_uint(struct json_object *obj, const char *key, unsigned *out)
{
	struct json_object *v;
	if (!json_object_object_get_ex(obj, key, &v) || !json_object_is_type(v, json_type_int))
		return false;
	int64_t n = json_object_get_int64(v);
	if (n <= 0 || n > 65535)
		return false;
	*out = (unsigned)n;
	return true;
}

static void handle_header(struct acastread *r, struct json_object *obj, unsigned long lineno)
{
	struct json_object *v;
	if (!json_object_object_get_ex(obj, "version", &v) || !json_object_is_type(v, json_type_int)) {
		warn(r, lineno, "header without a version");
		return;
	}
	if (json_object_get_int64(v) != 2) {
		warn(r, lineno, "not an asciicast v2 header (only version 2 is supported)");
		return;
	}
	struct acast_info info = {.line = lineno};
	if (!get_uint(obj, "width", &info.width) || !get_uint(obj, "height", &info.height)) {
		warn(r, lineno, "header without a valid width and height");
		return;
	}
	if (json_object_object_get_ex(obj, "timestamp", &v) && is_number(v)) {
		double ts = json_object_get_double(v);
		if (ts >= 0 && ts < 9.2e9) {
			info.has_timestamp = true;
			info.timestamp = (int64_t)ts;
		}
	}
	if (json_object_object_get_ex(obj, "idle_time_limit", &v) && is_number(v)) {
		double limit = json_object_get_double(v);
		if (limit > 0 && isfinite(limit))
			info.idle_time_limit = limit;
	}
	r->seen_header = true;
	if (r->header_cb)
		r->header_cb(&info, r->arg);
}

static void handle_event(struct acastread *r, struct json_object *arr, unsigned long lineno)
{
	if (json_object_array_length(arr) < 3) {
		warn(r, lineno, "event with fewer than 3 elements");
		return;
	}
	struct json_object *t = json_object_array_get_idx(arr, 0);
	struct json_object *type = json_object_array_get_idx(arr, 1);
	struct json_object *data = json_object_array_get_idx(arr, 2);
	if (!is_number(t) || !json_object_is_type(type, json_type_string) ||
	    !json_object_is_type(data, json_type_string)) {
		warn(r, lineno, "event is not [time, \"code\", \"data\"]");
		return;
	}
	double secs = json_object_get_double(t);
	/* 9.2e9 s is the int64 nanosecond range. */
	if (!isfinite(secs) || secs < 0 || secs > 9.2e9) {
		warn(r, lineno, "bad event time");
		return;
	}
	if (!r->seen_header) {
		warn(r, lineno, "event before any header, skipped");
		return;
	}
	const char *code = json_object_get_string(type);
	struct acast_event ev = {
		.t_ns = llround(secs * 1e9),
		.type = code[0] != '\0' && code[1] == '\0' ? code[0] : '?',
		.data = json_object_get_string(data),
		.len = (size_t)json_object_get_string_len(data),
		.line = lineno,
	};
	if (r->event_cb)
		r->event_cb(&ev, r->arg);
}

static void line_cb(const char *line, size_t len, unsigned long lineno, void *arg)
{
	struct acastread *r = arg;
	/* Tolerate CRLF files and blank lines written by hand. */
	while (len > 0 && (line[len - 1] == '\r' || line[len - 1] == ' ' || line[len - 1] == '\t'))
		len--;
	if (len == 0)
		return;
	if (len > INT32_MAX) {
		warn(r, lineno, "line too long");
		return;
	}
	json_tokener_reset(r->tok);
	struct json_object *obj = json_tokener_parse_ex(r->tok, line, (int)len);
	enum json_tokener_error jerr = json_tokener_get_error(r->tok);
	if (obj == NULL || jerr != json_tokener_success) {
		warn(r, lineno, jerr == json_tokener_continue ? "incomplete JSON" : json_tokener_error_desc(jerr));
		json_object_put(obj);
		return;
	}
	if (json_tokener_get_parse_end(r->tok) < len) {
		warn(r, lineno, "trailing bytes after the JSON value");
	} else if (json_object_is_type(obj, json_type_object)) {
		handle_header(r, obj, lineno);
	} else if (json_object_is_type(obj, json_type_array)) {
		handle_event(r, obj, lineno);
	} else {
		warn(r, lineno, "neither a header nor an event");
	}
	json_object_put(obj);
}

ssize_t acastread_read_fd(struct acastread *r, int fd)
{
	return lineread_read_fd(&r->lines, fd);
}

void acastread_finish(struct acastread *r)
{
	lineread_finish(&r->lines);
}

int acast_parse_size(const char *s, size_t len, unsigned *cols, unsigned *rows)
{
	unsigned v[2] = {0, 0};
	size_t i = 0;
	for (int k = 0; k < 2; k++) {
		size_t start = i;
		while (i < len && s[i] >= '0' && s[i] <= '9') {
			v[k] = v[k] * 10 + (unsigned)(s[i] - '0');
			if (v[k] > 65535)
				goto bad;
			i++;
		}
		if (i == start || v[k] == 0)
			goto bad;
		if (k == 0) {
			if (i >= len || (s[i] != 'x' && s[i] != 'X'))
				goto bad;
			i++;
		}
	}
	if (i != len)
		goto bad;
	*cols = v[0];
	*rows = v[1];
	return 0;
bad:
	errno = EINVAL;
	return -1;
}
