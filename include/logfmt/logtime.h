/* logtime: timestamps of container logs. Times are int64 nanoseconds since
 * the epoch (UTC), which covers 1678..2262; anything outside is ERANGE.
 * Parsers behave like syscalls: 0, or -1 with errno EINVAL/ERANGE. */
#ifndef PTYSHIM_LOGTIME_H
#define PTYSHIM_LOGTIME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define LOGTIME_NS_PER_SEC INT64_C(1000000000)

/* Length of a conmon timestamp with a numeric offset:
 * "2026-11-28T19:24:22.352014613+00:00". */
#define LOGTIME_K8S_LEN 35

/* Strict: exactly "YYYY-MM-DDTHH:MM:SS.NNNNNNNNN" then "Z" or "+HH:MM"/"-HH:MM",
 * the whole of s[0..len). This is the layout podman itself insists on. */
int logtime_parse_k8s(const char *s, size_t len, int64_t *ns);

/* A user's --since/--until: RFC 3339 with 0-9 fractional digits and an
 * optional zone (none = local time), a bare date (local midnight), a Unix
 * time in seconds ("1700000000.5"), or a duration before now_ns ("10m",
 * "1h30m", "2.5s", "250ms"; units ns us ms s m h d). */
int logtime_parse_arg(const char *s, int64_t now_ns, int64_t *ns);

/* Go-style duration without sign: one or more NUMBER[.FRACTION]UNIT. */
int logtime_parse_duration(const char *s, int64_t *ns);

/* conmon's layout in local time (9 digits, numeric offset), NUL-terminated.
 * Needs size > LOGTIME_K8S_LEN; returns the length written, 0 if it cannot
 * (a year outside 0000..9999). A writer stamps many records: c keeps the
 * date, time and offset of the last second formatted (localtime_r runs once
 * a second), so only the nanoseconds change between calls within a second.
 * Start c zeroed. */
struct logtime_local {
	bool valid;
	int64_t sec;
	char date_time[21]; /* "YYYY-MM-DDTHH:MM:SS." */
	char offset[7];     /* "+HH:MM" */
};
size_t logtime_format_local(struct logtime_local *c, int64_t ns, char *buf, size_t size);

int64_t logtime_now(void);

#endif
