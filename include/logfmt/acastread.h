/* acastread: streaming reader of asciicast v2 recordings, for replay in
 * ptyshim-logs. Kept apart from acastlog (the writer the shim links) because
 * it parses JSON with json-c, which the shim itself does not need.
 *
 * The first line must be a v2 header. A header line later in the file
 * starts a new segment (acastlog appends one to a file it cannot continue);
 * its events are timed from its own header. Bad lines produce a warning
 * naming the file and line and are skipped. */
#ifndef PTYSHIM_ACASTREAD_H
#define PTYSHIM_ACASTREAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Escaped event lines are up to six times their output; leave room. */
#define ACASTREAD_MAX_LINE (8 * 1024 * 1024)

struct acast_info {
	unsigned width, height;
	bool has_timestamp;
	int64_t timestamp;        /* Unix seconds */
	double idle_time_limit;   /* 0 when absent */
	unsigned long line;
};

struct acast_event {
	int64_t t_ns;        /* since the segment's header */
	char type;           /* 'o', 'i', 'r', 'm', or '?' for other codes */
	const char *data;    /* decoded string, may contain NULs; not NUL-terminated */
	size_t len;
	unsigned long line;
};

typedef void (*acastread_header_cb)(const struct acast_info *info, void *arg);
typedef void (*acastread_event_cb)(const struct acast_event *ev, void *arg);
typedef void (*acastread_warn_cb)(const char *file, unsigned long line, const char *what, void *arg);

struct acastread;

struct acastread *acastread_new(const char *file, acastread_header_cb header_cb, acastread_event_cb event_cb,
				acastread_warn_cb warn_cb, void *arg);
void acastread_free(struct acastread *r);
/* Reads fd to EOF (or EAGAIN). Returns bytes read or -1 with errno. */
ssize_t acastread_read_fd(struct acastread *r, int fd);
/* End of input: an unterminated last line is parsed if it is complete JSON. */
void acastread_finish(struct acastread *r);
/* Whether any header was seen. */
bool acastread_seen_header(const struct acastread *r);

/* Parse "COLSxROWS" (an `r` event's data or --size). 0 or -1. */
int acast_parse_size(const char *s, size_t len, unsigned *cols, unsigned *rows);

#endif
