/* logtime: parse and format log timestamps. The strict parser is the hot
 * path of ptyshim-logs (one call per record), so it works on fixed offsets
 * and never calls into the time zone code. */
#include "logfmt/logtime.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* n decimal digits at s, or -1. */
static int digits(const char *s, int n)
{
	int v = 0;
	for (int i = 0; i < n; i++) {
		if (!is_digit(s[i]))
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

static bool leap_year(int64_t y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int month_days(int64_t y, int m)
{
	static const int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	return m == 2 && leap_year(y) ? 29 : days[m - 1];
}

/* Days from 1970-01-01 to y-m-d in the proleptic Gregorian calendar. The
 * year is shifted to start in March so the leap day is the last day of a
 * "year", which turns the month lengths into one linear formula. */
static int64_t days_since_epoch(int64_t y, int m, int d)
{
	if (m <= 2)
		y--;
	int64_t cycle = (y >= 0 ? y : y - 399) / 400; /* 400-year cycles, 146097 days each */
	int64_t year_in_cycle = y - cycle * 400;
	int month_from_march = m > 2 ? m - 3 : m + 9;
	int64_t day_in_year = (153 * month_from_march + 2) / 5 + d - 1;
	int64_t day_in_cycle = year_in_cycle * 365 + year_in_cycle / 4 - year_in_cycle / 100 + day_in_year;
	/* 719468 = days from 0000-03-01 to 1970-01-01. */
	return cycle * 146097 + day_in_cycle - 719468;
}

static bool valid_date(int y, int mo, int d)
{
	return y >= 0 && mo >= 1 && mo <= 12 && d >= 1 && d <= month_days(y, mo);
}

static bool valid_clock(int h, int mi, int s)
{
	return h >= 0 && h <= 23 && mi >= 0 && mi <= 59 && s >= 0 && s <= 59;
}

/* seconds * 1e9 + frac - offset, range checked. */
static int combine(int64_t seconds, int64_t frac_ns, int64_t *ns)
{
	int64_t v;
	if (__builtin_mul_overflow(seconds, LOGTIME_NS_PER_SEC, &v) || __builtin_add_overflow(v, frac_ns, &v)) {
		errno = ERANGE;
		return -1;
	}
	*ns = v;
	return 0;
}

static int utc_to_ns(int y, int mo, int d, int h, int mi, int s, int64_t frac_ns, int offset_sec, int64_t *ns)
{
	int64_t secs = days_since_epoch(y, mo, d) * 86400 + h * 3600 + mi * 60 + s - offset_sec;
	return combine(secs, frac_ns, ns);
}

/* "Z", "z", "+HH:MM" or "-HH:MM" filling s[0..len) exactly. */
static int parse_zone(const char *s, size_t len, int *offset_sec)
{
	if (len == 1 && (s[0] == 'Z' || s[0] == 'z')) {
		*offset_sec = 0;
		return 0;
	}
	if (len != 6 || (s[0] != '+' && s[0] != '-') || s[3] != ':')
		return -1;
	int oh = digits(s + 1, 2), om = digits(s + 4, 2);
	if (oh < 0 || om < 0 || oh > 23 || om > 59)
		return -1;
	*offset_sec = (oh * 3600 + om * 60) * (s[0] == '-' ? -1 : 1);
	return 0;
}

int logtime_parse_k8s(const char *s, size_t len, int64_t *ns)
{
	if (len < 30 || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' || s[16] != ':' || s[19] != '.')
		goto bad;
	int y = digits(s, 4), mo = digits(s + 5, 2), d = digits(s + 8, 2);
	int h = digits(s + 11, 2), mi = digits(s + 14, 2), sec = digits(s + 17, 2);
	int frac = digits(s + 20, 9);
	int offset;
	if (y < 0 || mo < 0 || d < 0 || h < 0 || mi < 0 || sec < 0 || frac < 0)
		goto bad;
	if (!valid_date(y, mo, d) || !valid_clock(h, mi, sec))
		goto bad;
	if (parse_zone(s + 29, len - 29, &offset) < 0)
		goto bad;
	return utc_to_ns(y, mo, d, h, mi, sec, frac, offset, ns);
bad:
	errno = EINVAL;
	return -1;
}

static int unit_ns(const char *u, size_t len, int64_t *mult)
{
	static const struct {
		const char *name;
		int64_t ns;
	} units[] = {
		{"ns", 1},
		{"us", 1000},
		{"\xc2\xb5s", 1000}, /* µs (micro sign), as Go accepts */
		{"ms", 1000000},
		{"s", LOGTIME_NS_PER_SEC},
		{"m", 60 * LOGTIME_NS_PER_SEC},
		{"h", 3600 * LOGTIME_NS_PER_SEC},
		{"d", 86400 * LOGTIME_NS_PER_SEC},
	};
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (strlen(units[i].name) == len && memcmp(units[i].name, u, len) == 0) {
			*mult = units[i].ns;
			return 0;
		}
	}
	return -1;
}

int logtime_parse_duration(const char *s, int64_t *ns)
{
	int64_t total = 0;
	if (*s == '\0')
		goto bad;
	while (*s) {
		int64_t whole = 0, frac = 0, frac_scale = 1;
		if (!is_digit(*s) && !(*s == '.' && is_digit(s[1])))
			goto bad;
		while (is_digit(*s)) {
			if (__builtin_mul_overflow(whole, 10, &whole) || __builtin_add_overflow(whole, *s - '0', &whole))
				goto range;
			s++;
		}
		if (*s == '.') {
			s++;
			if (!is_digit(*s))
				goto bad;
			/* Digits past nanosecond precision of the largest unit are noise. */
			for (; is_digit(*s); s++) {
				if (frac_scale < INT64_C(1000000000000000)) {
					frac = frac * 10 + (*s - '0');
					frac_scale *= 10;
				}
			}
		}
		const char *u = s;
		while (*s && !is_digit(*s) && *s != '.')
			s++;
		int64_t mult, part;
		if (unit_ns(u, (size_t)(s - u), &mult) < 0)
			goto bad;
		if (__builtin_mul_overflow(whole, mult, &part) || __builtin_add_overflow(total, part, &total))
			goto range;
		/* frac/frac_scale * mult without overflow: mult <= 8.64e13, frac_scale <= 1e15. */
		int64_t frac_ns = (int64_t)((long double)frac * (long double)mult / (long double)frac_scale);
		if (__builtin_add_overflow(total, frac_ns, &total))
			goto range;
	}
	*ns = total;
	return 0;
bad:
	errno = EINVAL;
	return -1;
range:
	errno = ERANGE;
	return -1;
}

/* Unix seconds with an optional fraction: "1700000000", "1700000000.25". */
static int parse_unix(const char *s, int64_t *ns)
{
	int64_t secs = 0, frac = 0;
	int nfrac = 0;
	const char *p = s;
	if (!is_digit(*p))
		return -1;
	for (; is_digit(*p); p++)
		if (__builtin_mul_overflow(secs, 10, &secs) || __builtin_add_overflow(secs, *p - '0', &secs)) {
			errno = ERANGE;
			return -2;
		}
	if (*p == '.') {
		p++;
		if (!is_digit(*p))
			return -1;
		for (; is_digit(*p); p++, nfrac++)
			if (nfrac < 9)
				frac = frac * 10 + (*p - '0');
		for (int i = nfrac; i < 9; i++)
			frac *= 10;
	}
	if (*p != '\0')
		return -1;
	if (combine(secs, frac, ns) < 0)
		return -2;
	return 0;
}

/* RFC 3339 and the shorter forms people type: a date, a date and a time
 * with or without seconds, fraction and zone. No zone means local time. */
static int parse_datetime(const char *s, int64_t *ns)
{
	size_t len = strlen(s);
	if (len < 10 || s[4] != '-' || s[7] != '-')
		return -1;
	int y = digits(s, 4), mo = digits(s + 5, 2), d = digits(s + 8, 2);
	if (y < 0 || mo < 0 || d < 0 || !valid_date(y, mo, d))
		return -1;
	int h = 0, mi = 0, sec = 0;
	int64_t frac = 0;
	const char *p = s + 10;
	if (*p == 'T' || *p == 't' || *p == ' ') {
		p++;
		if (strlen(p) < 5 || p[2] != ':' || (h = digits(p, 2)) < 0 || (mi = digits(p + 3, 2)) < 0)
			return -1;
		p += 5;
		if (*p == ':') {
			if ((sec = digits(p + 1, 2)) < 0)
				return -1;
			p += 3;
			if (*p == '.') {
				int n = 0;
				for (p++; is_digit(*p); p++, n++)
					if (n < 9)
						frac = frac * 10 + (*p - '0');
				if (n == 0)
					return -1;
				for (; n < 9; n++)
					frac *= 10;
			}
		}
		if (!valid_clock(h, mi, sec))
			return -1;
	}
	if (*p != '\0') {
		int offset;
		if (parse_zone(p, strlen(p), &offset) < 0)
			return -1;
		return utc_to_ns(y, mo, d, h, mi, sec, frac, offset, ns) < 0 ? -2 : 0;
	}
	struct tm tm = {
		.tm_year = y - 1900, .tm_mon = mo - 1, .tm_mday = d,
		.tm_hour = h, .tm_min = mi, .tm_sec = sec, .tm_isdst = -1,
	};
	errno = 0;
	time_t t = mktime(&tm);
	if (t == (time_t)-1 && errno != 0) {
		errno = ERANGE;
		return -2;
	}
	return combine((int64_t)t, frac, ns) < 0 ? -2 : 0;
}

int logtime_parse_arg(const char *s, int64_t now_ns, int64_t *ns)
{
	if (s == NULL || *s == '\0') {
		errno = EINVAL;
		return -1;
	}
	int rc = parse_unix(s, ns);
	if (rc != -1)
		return rc == 0 ? 0 : -1;
	rc = parse_datetime(s, ns);
	if (rc != -1)
		return rc == 0 ? 0 : -1;
	int64_t ago;
	if (logtime_parse_duration(s, &ago) == 0) {
		if (__builtin_sub_overflow(now_ns, ago, ns)) {
			errno = ERANGE;
			return -1;
		}
		return 0;
	}
	if (errno != ERANGE)
		errno = EINVAL;
	return -1;
}

/* Fills the cache's date-time and offset for second secs; false when the
 * time cannot be written in conmon's layout (a year outside 0000..9999). */
static bool cache_second(struct logtime_local *c, int64_t secs)
{
	time_t t = (time_t)secs;
	struct tm tm;
	if (localtime_r(&t, &tm) == NULL || tm.tm_year + 1900 < 0 || tm.tm_year + 1900 > 9999)
		return false;
	long off = tm.tm_gmtoff;
	char sign = off < 0 ? '-' : '+';
	if (off < 0)
		off = -off;
	char text[64]; /* what the compiler can prove fits; the checks above make it 26 bytes */
	snprintf(text, sizeof(text), "%04d-%02d-%02dT%02d:%02d:%02d.%c%02ld:%02ld", tm.tm_year + 1900, tm.tm_mon + 1,
		 tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, sign, off / 3600 % 100, off / 60 % 60);
	memcpy(c->date_time, text, 20);
	c->date_time[20] = '\0';
	memcpy(c->offset, text + 20, 6);
	c->offset[6] = '\0';
	c->sec = secs;
	c->valid = true;
	return true;
}

size_t logtime_format_local(struct logtime_local *c, int64_t ns, char *buf, size_t size)
{
	int64_t secs = ns / LOGTIME_NS_PER_SEC, frac = ns % LOGTIME_NS_PER_SEC;
	if (frac < 0) {
		frac += LOGTIME_NS_PER_SEC;
		secs--;
	}
	if (size <= LOGTIME_K8S_LEN || ((!c->valid || c->sec != secs) && !cache_second(c, secs)))
		return 0;
	memcpy(buf, c->date_time, 20);
	for (int i = 28; i >= 20; i--) {
		buf[i] = (char)('0' + frac % 10);
		frac /= 10;
	}
	memcpy(buf + 29, c->offset, 6);
	buf[LOGTIME_K8S_LEN] = '\0';
	return LOGTIME_K8S_LEN;
}

int64_t logtime_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * LOGTIME_NS_PER_SEC + ts.tv_nsec;
}
