/* Unit tests for logtime, the timestamps of k8s-file logs and the
 * --since/--until arguments of ptyshim-logs. Expected instants are
 * constants computed outside the module (date -u +%s) or with glibc's
 * timegm, so a wrong calendar formula cannot agree with itself. Time zones
 * are set per test with TZ and tzset (POSIX rules such as "IST-5:30" need no
 * zone database; named zones are skipped when it is missing). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "logfmt/logtime.h"

#define NS LOGTIME_NS_PER_SEC
#define HOUR (3600 * NS)
#define MIN (60 * NS)

static void set_tz(const char *tz)
{
	assert_int_equal(setenv("TZ", tz, 1), 0);
	tzset();
}

static int teardown_tz(void **state)
{
	(void)state;
	set_tz("UTC");
	return 0;
}

static bool have_zone(const char *name)
{
	char path[256];
	snprintf(path, sizeof(path), "/usr/share/zoneinfo/%s", name);
	return access(path, R_OK) == 0;
}

static int64_t k8s(const char *s)
{
	int64_t ns = 0;
	errno = 0;
	if (logtime_parse_k8s(s, strlen(s), &ns) != 0)
		fail_msg("logtime_parse_k8s(\"%s\") failed: %s", s, strerror(errno));
	return ns;
}

static void k8s_rejected(const char *s, int want_errno)
{
	int64_t ns = 12345;
	errno = 0;
	if (logtime_parse_k8s(s, strlen(s), &ns) != -1)
		fail_msg("logtime_parse_k8s(\"%s\") accepted: %lld", s, (long long)ns);
	if (errno != want_errno)
		fail_msg("logtime_parse_k8s(\"%s\"): errno %d, want %d", s, errno, want_errno);
	assert_int_equal(ns, 12345); /* untouched on failure */
}

static int64_t arg(const char *s, int64_t now)
{
	int64_t ns = 0;
	errno = 0;
	if (logtime_parse_arg(s, now, &ns) != 0)
		fail_msg("logtime_parse_arg(\"%s\") failed: %s", s, strerror(errno));
	return ns;
}

static void arg_rejected(const char *s, int want_errno)
{
	int64_t ns = 0;
	errno = 0;
	if (logtime_parse_arg(s, 1700000000 * NS, &ns) != -1)
		fail_msg("logtime_parse_arg(\"%s\") accepted: %lld", s ? s : "(null)", (long long)ns);
	if (errno != want_errno)
		fail_msg("logtime_parse_arg(\"%s\"): errno %d, want %d", s ? s : "(null)", errno, want_errno);
}

static int64_t dur(const char *s)
{
	int64_t ns = 0;
	errno = 0;
	if (logtime_parse_duration(s, &ns) != 0)
		fail_msg("logtime_parse_duration(\"%s\") failed: %s", s, strerror(errno));
	return ns;
}

static void dur_rejected(const char *s, int want_errno)
{
	int64_t ns = 0;
	errno = 0;
	if (logtime_parse_duration(s, &ns) != -1)
		fail_msg("logtime_parse_duration(\"%s\") accepted: %lld", s, (long long)ns);
	if (errno != want_errno)
		fail_msg("logtime_parse_duration(\"%s\"): errno %d, want %d", s, errno, want_errno);
}

static const char *fmt(int64_t ns, char *buf)
{
	/* A fresh cache each time: the zone may have changed since the last call. */
	struct logtime_local cache = {0};
	size_t n = logtime_format_local(&cache, ns, buf, LOGTIME_K8S_LEN + 1);
	if (n != LOGTIME_K8S_LEN)
		fail_msg("logtime_format_local(%lld) returned %zu", (long long)ns, n);
	assert_int_equal(strlen(buf), LOGTIME_K8S_LEN);
	return buf;
}

/* ------------------------------------------------------------ strict k8s */

static void test_k8s_utc_and_offsets(void **state)
{
	(void)state;
	assert_int_equal(k8s("1970-01-01T00:00:00.000000000Z"), 0);
	assert_int_equal(k8s("1970-01-01T00:00:00.000000001+00:00"), 1);
	assert_int_equal(k8s("2026-11-28T19:24:22.352014613+00:00"), 1795893862 * NS + 352014613);
	assert_int_equal(k8s("2026-11-28T19:24:22.352014613Z"), 1795893862 * NS + 352014613);
	/* The same instant written in other zones. */
	assert_int_equal(k8s("2026-11-28T21:24:22.352014613+02:00"), 1795893862 * NS + 352014613);
	assert_int_equal(k8s("2026-11-28T13:54:22.352014613-05:30"), 1795893862 * NS + 352014613);
	assert_int_equal(k8s("2026-11-29T08:09:22.352014613+12:45"), 1795893862 * NS + 352014613);
	/* An offset crossing the year boundary. */
	assert_int_equal(k8s("2023-12-31T23:00:00.000000000-01:00"), k8s("2024-01-01T00:00:00.000000000Z"));
	assert_int_equal(k8s("2024-01-01T00:59:59.999999999+01:00"), k8s("2023-12-31T23:59:59.999999999Z"));
}

static void test_k8s_calendar(void **state)
{
	(void)state;
	assert_int_equal(k8s("2000-02-29T00:00:00.000000000Z"), 951782400 * NS);
	assert_int_equal(k8s("1900-03-01T00:00:00.000000000Z"), -2203891200LL * NS);
	assert_int_equal(k8s("1969-12-31T23:59:59.999999999Z"), -1);
	assert_int_equal(k8s("1678-01-01T00:00:00.000000000Z"), -9214560000LL * NS);
	/* Every day of a few years against timegm. */
	int years[] = {1970, 1999, 2000, 2023, 2024, 2100, 2262};
	for (size_t i = 0; i < sizeof(years) / sizeof(years[0]); i++) {
		for (int yday = 0; yday < 366; yday++) {
			struct tm tm = {.tm_year = years[i] - 1900, .tm_mday = 1 + yday, .tm_hour = 7,
					.tm_min = 8, .tm_sec = 9};
			time_t t = timegm(&tm); /* normalises tm to the real date */
			if (tm.tm_year != years[i] - 1900 || (years[i] == 2262 && tm.tm_mon >= 3))
				break;
			char s[64];
			snprintf(s, sizeof(s), "%04d-%02d-%02dT%02d:%02d:%02d.000000042Z", tm.tm_year + 1900,
				 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
			assert_int_equal(k8s(s), (int64_t)t * NS + 42);
		}
	}
}

static void test_k8s_range(void **state)
{
	(void)state;
	assert_int_equal(k8s("2262-04-11T23:47:16.854775807Z"), INT64_MAX);
	k8s_rejected("2262-04-11T23:47:16.854775808Z", ERANGE);
	k8s_rejected("9999-12-31T23:59:59.999999999Z", ERANGE);
	k8s_rejected("0000-01-01T00:00:00.000000000Z", ERANGE);
	k8s_rejected("1600-01-01T00:00:00.000000000Z", ERANGE);
	/* Inside the range after the offset is applied, or not. */
	assert_int_equal(k8s("2262-04-12T00:47:16.854775807+01:00"), INT64_MAX);
	k8s_rejected("2262-04-11T23:47:16.854775807-00:01", ERANGE);
}

static void test_k8s_rejects_bad_layouts(void **state)
{
	(void)state;
	const char *bad[] = {
		"",
		"2026-11-28T19:24:22Z",                 /* no fraction */
		"2026-11-28T19:24:22.35201461Z",        /* 8 digits */
		"2026-11-28T19:24:22.3520146130Z",      /* 10 digits */
		"2026-11-28 19:24:22.352014613Z",       /* space for T */
		"2026-11-28t19:24:22.352014613Z",
		"2026/11/28T19:24:22.352014613Z",
		"2026-11-28T19-24-22.352014613Z",
		"2026-11-28T19:24:22,352014613Z",
		"2026-11-28T19:24:22.352014613",        /* no zone */
		"2026-11-28T19:24:22.352014613+0000",
		"2026-11-28T19:24:22.352014613+00",
		"2026-11-28T19:24:22.352014613+00:0",
		"2026-11-28T19:24:22.352014613+00:000",
		"2026-11-28T19:24:22.352014613 00:00",
		"2026-11-28T19:24:22.352014613+24:00",
		"2026-11-28T19:24:22.352014613+00:60",
		"2026-11-28T19:24:22.352014613+0a:00",
		"2026-11-28T19:24:22.352014613ZZ",
		"2026-11-28T19:24:22.352014613Z ",
		"2026-11-28T19:24:22.352014613UTC",
		"2026-13-28T19:24:22.352014613Z",
		"2026-00-28T19:24:22.352014613Z",
		"2026-11-31T19:24:22.352014613Z",
		"2026-11-00T19:24:22.352014613Z",
		"2023-02-29T19:24:22.352014613Z",       /* not a leap year */
		"1900-02-29T19:24:22.352014613Z",       /* nor this one */
		"2026-11-28T24:00:00.000000000Z",
		"2026-11-28T19:60:22.352014613Z",
		"2026-11-28T19:24:60.352014613Z",       /* no leap seconds */
		"+026-11-28T19:24:22.352014613Z",
		"2026-1a-28T19:24:22.352014613Z",
		"2026-11-28T19:24:22.35201461xZ",
		"2026-11-28T19:24:22.-52014613Z",
		" 2026-11-28T19:24:22.352014613Z",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		k8s_rejected(bad[i], EINVAL);
}

/* The parser reads exactly s[0..len): the rest of a record after the
 * timestamp is not its business, and a short len never reads past it. */
static void test_k8s_uses_len_not_nul(void **state)
{
	(void)state;
	const char rec[] = "2026-11-28T19:24:22.352014613+00:00 stdout F hello";
	int64_t ns;
	assert_int_equal(logtime_parse_k8s(rec, LOGTIME_K8S_LEN, &ns), 0);
	assert_int_equal(ns, 1795893862 * NS + 352014613);
	errno = 0;
	assert_int_equal(logtime_parse_k8s(rec, LOGTIME_K8S_LEN + 1, &ns), -1); /* " " joins the zone */
	assert_int_equal(errno, EINVAL);
	errno = 0;
	assert_int_equal(logtime_parse_k8s(rec, LOGTIME_K8S_LEN - 1, &ns), -1); /* "+00:0" */
	assert_int_equal(errno, EINVAL);
	const char z[] = "2026-11-28T19:24:22.352014613Z stdout";
	assert_int_equal(logtime_parse_k8s(z, 30, &ns), 0);
	assert_int_equal(ns, 1795893862 * NS + 352014613);
	/* Shorter than the layout: rejected, not read beyond len. A heap copy of
	 * exactly len bytes lets ASan see any overread. */
	for (size_t len = 0; len < 30; len++) {
		char *cut = malloc(len ? len : 1);
		assert_non_null(cut);
		memcpy(cut, z, len);
		errno = 0;
		assert_int_equal(logtime_parse_k8s(cut, len, &ns), -1);
		assert_int_equal(errno, EINVAL);
		free(cut);
	}
	/* An embedded NUL inside the layout is a bad byte, not an end. */
	char nul[] = "2026-11-28T19:24:22.352014613Z";
	nul[22] = '\0';
	errno = 0;
	assert_int_equal(logtime_parse_k8s(nul, 30, &ns), -1);
	assert_int_equal(errno, EINVAL);
}

/* ----------------------------------------------------------- formatting */

static void test_format_fixed_zones(void **state)
{
	(void)state;
	char buf[LOGTIME_K8S_LEN + 1];
	set_tz("UTC");
	assert_string_equal(fmt(0, buf), "1970-01-01T00:00:00.000000000+00:00");
	assert_string_equal(fmt(1795893862 * NS + 352014613, buf), "2026-11-28T19:24:22.352014613+00:00");
	assert_string_equal(fmt(-1, buf), "1969-12-31T23:59:59.999999999+00:00");
	assert_string_equal(fmt(-NS, buf), "1969-12-31T23:59:59.000000000+00:00");
	assert_string_equal(fmt(INT64_MAX, buf), "2262-04-11T23:47:16.854775807+00:00");
	assert_string_equal(fmt(INT64_MIN, buf), "1677-09-21T00:12:43.145224192+00:00");
	set_tz("IST-5:30"); /* POSIX: 5:30 east of Greenwich */
	assert_string_equal(fmt(0, buf), "1970-01-01T05:30:00.000000000+05:30");
	set_tz("EST5");
	assert_string_equal(fmt(0, buf), "1969-12-31T19:00:00.000000000-05:00");
	set_tz("NPT-5:45");
	assert_string_equal(fmt(1795893862 * NS + 352014613, buf), "2026-11-29T01:09:22.352014613+05:45");
	set_tz("XXX+3:15"); /* west, with minutes */
	assert_string_equal(fmt(0, buf), "1969-12-31T20:45:00.000000000-03:15");
}

static void test_format_named_zones_follow_dst(void **state)
{
	(void)state;
	char buf[LOGTIME_K8S_LEN + 1];
	if (!have_zone("America/New_York") || !have_zone("Australia/Lord_Howe"))
		skip();
	set_tz("America/New_York");
	assert_string_equal(fmt(1719835200 * NS, buf), "2024-07-01T08:00:00.000000000-04:00");
	assert_string_equal(fmt(1705320000 * NS, buf), "2024-01-15T07:00:00.000000000-05:00");
	set_tz("Australia/Lord_Howe"); /* half-hour DST: +10:30 in July, +11:00 in January */
	assert_string_equal(fmt(1719835200 * NS, buf), "2024-07-01T22:30:00.000000000+10:30");
	assert_string_equal(fmt(1705320000 * NS, buf), "2024-01-15T23:00:00.000000000+11:00");
}

static void test_format_buffer_size(void **state)
{
	(void)state;
	char buf[64];
	set_tz("UTC");
	memset(buf, 'q', sizeof(buf));
	struct logtime_local cache = {0};
	assert_int_equal(logtime_format_local(&cache, 0, buf, LOGTIME_K8S_LEN), 0); /* no room for the NUL */
	assert_int_equal(logtime_format_local(&cache, 0, buf, 0), 0);
	assert_int_equal(logtime_format_local(&cache, 0, buf, sizeof(buf)), LOGTIME_K8S_LEN);
	assert_string_equal(buf, "1970-01-01T00:00:00.000000000+00:00");
}

/* format then parse gives the same instant back, in every zone, DST or not. */
static void test_round_trip(void **state)
{
	(void)state;
	const char *zones[] = {"UTC", "IST-5:30", "EST5", "XXX+3:15", "CET-1CEST,M3.5.0,M10.5.0/3",
			       "America/New_York", "Europe/Berlin", "Asia/Kathmandu", "Australia/Lord_Howe"};
	uint64_t x = 88172645463325252ULL; /* xorshift: the same values every run */
	for (size_t z = 0; z < sizeof(zones) / sizeof(zones[0]); z++) {
		if (strchr(zones[z], '/') && !have_zone(zones[z]))
			continue;
		set_tz(zones[z]);
		for (int i = 0; i < 2000; i++) {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			/* Anywhere from 1970 to 2200, any nanosecond. (Before 1920
			 * some zones had offsets with seconds, which the layout
			 * cannot carry, as in Go.) */
			int64_t ns = (int64_t)(x % (UINT64_C(230) * 365 * 86400 * NS));
			char buf[LOGTIME_K8S_LEN + 1];
			fmt(ns, buf);
			int64_t back;
			if (logtime_parse_k8s(buf, LOGTIME_K8S_LEN, &back) != 0 || back != ns)
				fail_msg("TZ=%s: %lld -> %s -> %lld", zones[z], (long long)ns, buf, (long long)back);
		}
	}
	/* And parse then format gives the same text back. */
	set_tz("IST-5:30");
	const char *s = "2026-11-29T00:54:22.352014613+05:30";
	char buf[LOGTIME_K8S_LEN + 1];
	assert_string_equal(fmt(k8s(s), buf), s);
}

/* ------------------------------------------------------ --since / --until */

static void test_arg_unix_seconds(void **state)
{
	(void)state;
	assert_int_equal(arg("1700000000", 0), 1700000000 * NS);
	assert_int_equal(arg("1700000000.5", 0), 1700000000 * NS + 500000000);
	assert_int_equal(arg("1700000000.000000001", 0), 1700000000 * NS + 1);
	assert_int_equal(arg("1700000000.1234567899", 0), 1700000000 * NS + 123456789); /* beyond ns: cut */
	assert_int_equal(arg("0", 0), 0);
	assert_int_equal(arg("9223372036.854775807", 0), INT64_MAX);
	arg_rejected("9223372037", ERANGE);
	arg_rejected("99999999999999999999", ERANGE);
	arg_rejected("1700000000.", EINVAL);
	arg_rejected("1700000000.5.5", EINVAL);
	arg_rejected("-1700000000", EINVAL);
	arg_rejected("+1700000000", EINVAL);
	arg_rejected("1700000000 ", EINVAL);
}

static void test_arg_rfc3339_with_zone(void **state)
{
	(void)state;
	set_tz("IST-5:30"); /* must not matter when a zone is given */
	int64_t t = 1704164645 * NS; /* 2024-01-02T03:04:05Z */
	assert_int_equal(arg("2024-01-02T03:04:05Z", 0), t);
	assert_int_equal(arg("2024-01-02t03:04:05z", 0), t);
	assert_int_equal(arg("2024-01-02 03:04:05Z", 0), t);
	assert_int_equal(arg("2024-01-02T04:04:05+01:00", 0), t);
	assert_int_equal(arg("2024-01-01T21:34:05-05:30", 0), t);
	assert_int_equal(arg("2024-01-02T03:04:05.5Z", 0), t + 500000000);
	assert_int_equal(arg("2024-01-02T03:04:05.123456789Z", 0), t + 123456789);
	assert_int_equal(arg("2024-01-02T03:04:05.1234567891Z", 0), t + 123456789);
	assert_int_equal(arg("2024-01-02T03:04Z", 0), t - 5 * NS); /* no seconds */
	/* The strict k8s form is accepted here too. */
	assert_int_equal(arg("2026-11-28T19:24:22.352014613+00:00", 0), 1795893862 * NS + 352014613);
}

static void test_arg_local_time(void **state)
{
	(void)state;
	set_tz("UTC");
	assert_int_equal(arg("2024-01-02", 0), 1704153600 * NS); /* midnight */
	assert_int_equal(arg("2024-01-02T03:04:05", 0), 1704164645 * NS);
	set_tz("IST-5:30");
	assert_int_equal(arg("2024-01-02", 0), 1704153600 * NS - 5 * HOUR - 30 * MIN);
	assert_int_equal(arg("2024-01-02T03:04:05.25", 0), 1704164645 * NS - 5 * HOUR - 30 * MIN + 250000000);
	set_tz("EST5");
	assert_int_equal(arg("2024-01-02 03:04", 0), 1704164640 * NS + 5 * HOUR);
	if (have_zone("Europe/Berlin")) {
		set_tz("Europe/Berlin"); /* +01:00 in winter, +02:00 in summer */
		assert_int_equal(arg("2024-07-01T12:00:00", 0), 1719835200 * NS - 2 * HOUR);
		assert_int_equal(arg("2024-01-15T12:00:00", 0), 1705320000 * NS - 1 * HOUR);
	}
}

static void test_arg_durations_before_now(void **state)
{
	(void)state;
	int64_t now = 1700000000 * NS;
	assert_int_equal(arg("10m", now), now - 10 * MIN);
	assert_int_equal(arg("1h30m", now), now - 90 * MIN);
	assert_int_equal(arg("2.5s", now), now - 2500000000LL);
	assert_int_equal(arg("250ms", now), now - 250000000);
	assert_int_equal(arg("1d", now), now - 24 * HOUR);
	assert_int_equal(arg("3ns", now), now - 3);
	assert_int_equal(arg("0s", now), now);
	assert_int_equal(arg("1.5h", now), now - 90 * MIN);
}

static void test_arg_rejects(void **state)
{
	(void)state;
	const char *bad[] = {
		"", "yesterday", "now", "10x", "-5m", "1h-5m", "m", "1h 30m", "2024-13-01", "2024-02-30",
		"2024-01-01T25:00", "2024-01-01T10:60", "2024-01-01T10:00:61", "2024-01-01T10:00:00.",
		"2024-01-01X", "2024-01-01T10", "2024-01-01T10:00:00+25:00", "2024-1-01", "24-01-01",
		"1.5.5s",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		arg_rejected(bad[i], EINVAL);
	arg_rejected(NULL, EINVAL);
	/* Overflow is ERANGE, not EINVAL. */
	arg_rejected("3000000h", ERANGE);
	int64_t ns;
	errno = 0;
	assert_int_equal(logtime_parse_arg("1s", INT64_MIN + 1, &ns), -1);
	assert_int_equal(errno, ERANGE);
	errno = 0;
	assert_int_equal(logtime_parse_arg("2300-01-01T00:00:00Z", 0, &ns), -1);
	assert_int_equal(errno, ERANGE);
}

/* -------------------------------------------------------------- duration */

static void test_duration_units_and_sums(void **state)
{
	(void)state;
	assert_int_equal(dur("1ns"), 1);
	assert_int_equal(dur("1us"), 1000);
	assert_int_equal(dur("1\xc2\xb5s"), 1000);
	assert_int_equal(dur("1ms"), 1000000);
	assert_int_equal(dur("1s"), NS);
	assert_int_equal(dur("1m"), MIN);
	assert_int_equal(dur("1h"), HOUR);
	assert_int_equal(dur("1d"), 24 * HOUR);
	assert_int_equal(dur("1h30m"), 90 * MIN);
	assert_int_equal(dur("1h1m1s1ms1us1ns"), HOUR + MIN + NS + 1000000 + 1000 + 1);
	assert_int_equal(dur("1s1s"), 2 * NS); /* repeats add up, as in Go */
	assert_int_equal(dur("1.5h"), 90 * MIN);
	assert_int_equal(dur(".5s"), 500000000);
	assert_int_equal(dur("0.000000001s"), 1);
	assert_int_equal(dur("1.0000000009s"), NS); /* below a nanosecond: dropped */
	assert_int_equal(dur("0.123456789012h"), 444444440443); /* 444444440443.2 ns */
	assert_int_equal(dur("007s"), 7 * NS);
	assert_int_equal(dur("2562047h47m16.854775807s"), INT64_MAX);
}

static void test_duration_rejects(void **state)
{
	(void)state;
	const char *bad[] = {"", "1", "s", "1S", "1H", "1h ", " 1h", "1h 30m", "-1s", "+1s", "1.s", "1..5s",
			     "1.5.5s", "1sec", "1mss", "1x", "h1", "."};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		dur_rejected(bad[i], EINVAL);
	dur_rejected("9999999999999999999s", ERANGE);
	dur_rejected("3000000h", ERANGE);
	dur_rejected("2562047h47m17s", ERANGE);
	dur_rejected("2562047h47m16s854775808ns", ERANGE);
}

/* A fraction that carries the total past INT64_MAX nanoseconds is a range
 * error, found without signed overflow (UBSan watches this under SANITIZE=1). */
static void test_duration_fraction_overflow_is_erange(void **state)
{
	(void)state;
	dur_rejected("2562047h47m16.9s", ERANGE);
	dur_rejected("106751.99999d", ERANGE);
}

/* One cache across calls gives what a fresh one gives: within a second,
 * across seconds, and back in time. */
static void test_format_cache_reuse(void **state)
{
	(void)state;
	set_tz("Europe/Berlin");
	struct logtime_local cache = {0};
	int64_t times[] = {1719835200 * NS + 1, 1719835200 * NS + 999999999, 1719835201 * NS,
			   1705320000 * NS + 5, 1719835200 * NS + 7};
	for (size_t i = 0; i < sizeof(times) / sizeof(times[0]); i++) {
		char a[LOGTIME_K8S_LEN + 1], b[LOGTIME_K8S_LEN + 1];
		assert_int_equal(logtime_format_local(&cache, times[i], a, sizeof(a)), LOGTIME_K8S_LEN);
		assert_string_equal(a, fmt(times[i], b));
	}
	set_tz("UTC");
}

int main(void)
{
	set_tz("UTC");
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_k8s_utc_and_offsets),
		cmocka_unit_test(test_format_cache_reuse),
		cmocka_unit_test(test_k8s_calendar),
		cmocka_unit_test(test_k8s_range),
		cmocka_unit_test(test_k8s_rejects_bad_layouts),
		cmocka_unit_test(test_k8s_uses_len_not_nul),
		cmocka_unit_test_teardown(test_format_fixed_zones, teardown_tz),
		cmocka_unit_test_teardown(test_format_named_zones_follow_dst, teardown_tz),
		cmocka_unit_test_teardown(test_format_buffer_size, teardown_tz),
		cmocka_unit_test_teardown(test_round_trip, teardown_tz),
		cmocka_unit_test(test_arg_unix_seconds),
		cmocka_unit_test_teardown(test_arg_rfc3339_with_zone, teardown_tz),
		cmocka_unit_test_teardown(test_arg_local_time, teardown_tz),
		cmocka_unit_test(test_arg_durations_before_now),
		cmocka_unit_test(test_arg_rejects),
		cmocka_unit_test(test_duration_units_and_sums),
		cmocka_unit_test(test_duration_rejects),
		cmocka_unit_test(test_duration_fraction_overflow_is_erange),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
