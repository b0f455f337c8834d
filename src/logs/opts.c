/* opts: one table row per option, its parser beside it. */
#include "logs/opts.h"

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/util.h"
#include "base/version.h"
#include "logfmt/acastread.h"
#include "logfmt/logtime.h"
#include "logs/die.h"
#include "screen/screen.h"

#define PROG "ptyshim-logs"

static const char usage_text[] =
	"Usage: " PROG " [OPTION...] LOGFILE\n"
	"Print a container's k8s-file log, with its rotated files LOGFILE.K ... LOGFILE.1\n"
	"first, as podman logs does: F records end a line, P records do not. stdout\n"
	"records go to stdout, stderr records to stderr. LOGFILE may also be an asciicast\n"
	"v2 recording (-l asciicast:PATH), which is printed, replayed or shown (--screen).\n"
	"\n"
	"  -t, --timestamps      start each line with its record's timestamp, as logged\n"
	"      --since TIME      only records at or after TIME\n"
	"      --until TIME      only records at or before TIME\n"
	"                        TIME: RFC 3339 (2026-11-28T19:24:22Z, zone optional: local),\n"
	"                        a date, Unix seconds, or a duration ago: 30s, 10m, 2h, 1h30m\n"
	"  -n, --tail N          only the last N lines (P records joined into their line;\n"
	"                        -1: all)\n"
	"      --stream S        only stdout or only stderr\n"
	"  -f, --follow          print new records as they are written, across rotation and\n"
	"                        truncation, until the container exits (its exit file\n"
	"                        appears); then print the rest and exit 0\n"
	"      --exit-file PATH  the exit file that ends --follow\n"
	"      --exit-dir DIR    ... is DIR/ID, ID from --cid or from the log's path:\n"
	"                        the log's directory name, or its parent's when the\n"
	"                        directory is podman's \"userdata\"\n"
	"      --cid ID          container id for --exit-dir and --pidfile\n"
	"      --pidfile FILE    the shim's --conmon-pidfile: --follow also ends once that\n"
	"                        process is gone (with --cid: a process whose command\n"
	"                        line has not that id counts as gone)\n"
	"                        Without these, for a log in podman's .../ID/userdata/,\n"
	"                        --follow ends when /run/libpod/exits/ID appears or the\n"
	"                        monitor in /run/containers/storage/overlay-containers/\n"
	"                        ID/userdata/conmon.pid is gone (podman's cleanup removes\n"
	"                        the exit file); for any other log, when a file \"exit\"\n"
	"                        appears beside it (ptyshim's --persist-dir). If none of\n"
	"                        that ever happens, it follows until interrupted.\n"
	"      --screen          print the screen as the log left it, as text (like tmux\n"
	"                        capture-pane -p); stdout and stderr both drew on it\n"
	"  -e, --escapes         ... with its colours and attributes, as escape sequences\n"
	"                        (like capture-pane -e)\n"
	"      --at TIME         ... as it was at TIME (records up to and including TIME)\n"
	"      --replay          play the output on this terminal with its original timing;\n"
	"                        when stdin is a terminal, space pauses and resumes, q quits\n"
	"      --from TIME       ... from the screen at TIME: one repaint of what records\n"
	"                        before TIME drew, then the rest with its timing\n"
	"      --speed X         replay X times faster (default 1)\n"
	"      --idle-limit S    replay no pause longer than S seconds (default: none, or\n"
	"                        the recording's idle_time_limit)\n"
	"      --asciicast OUT   export the log as an asciicast v2 recording to OUT (- for\n"
	"                        stdout); stdout and stderr records both become output\n"
	"      --size COLSxROWS  terminal size of a k8s-file log, which records none: for\n"
	"                        --asciicast (default: the terminal on stdout, stdin or\n"
	"                        stderr, else 80x24), --screen and --from (default: the\n"
	"                        terminal on stdout, else 80x24). A recording has its own\n"
	"                        (its header, then its resize events)\n"
	"      --strict          exit 2 if any record was corrupt (default: warn, exit 0)\n"
	"  -h, --help            this text\n"
	"      --version         version\n"
	"Corrupt or truncated records are reported on stderr as FILE:LINE: what, and\n"
	"everything else is still printed.\n";

/* ------------------------------------------------------------ values */

static const char *nonempty_path(const char *flag, const char *arg)
{
	if (*arg == '\0')
		die("%s: empty path", flag);
	return arg;
}

static int64_t parse_time(const char *flag, const char *arg, int64_t now)
{
	int64_t t;
	if (logtime_parse_arg(arg, now, &t) < 0)
		die("%s: bad time '%s'", flag, arg);
	return t;
}

static double parse_positive(const char *flag, const char *arg, bool zero_ok)
{
	char *end;
	errno = 0;
	double v = strtod(arg, &end);
	if (*arg == '\0' || *end != '\0' || errno != 0 || !isfinite(v) || v < 0 || (v == 0 && !zero_ok) ||
	    v > 1e6)
		die("%s: bad value '%s'", flag, arg);
	return v;
}

/* Plain seconds, or a duration such as 500ms. */
static double parse_seconds(const char *flag, const char *arg)
{
	int64_t ns;
	char *end;
	strtod(arg, &end);
	if (*arg != '\0' && *end == '\0')
		return parse_positive(flag, arg, true);
	if (logtime_parse_duration(arg, &ns) < 0)
		die("%s: bad duration '%s' (seconds, or like 500ms, 2s, 1m)", flag, arg);
	return (double)ns / 1e9;
}

/* ------------------------------------------------------------ one per option */

static void set_timestamps(struct logs_options *o, const char *flag, const char *arg)
{
	(void)flag, (void)arg;
	o->timestamps = true;
}

static void set_since(struct logs_options *o, const char *flag, const char *arg)
{
	o->filter.since = parse_time(flag, arg, o->now);
	o->filter.has_since = true;
}

static void set_until(struct logs_options *o, const char *flag, const char *arg)
{
	o->filter.until = parse_time(flag, arg, o->now);
	o->filter.has_until = true;
}

static void set_tail(struct logs_options *o, const char *flag, const char *arg)
{
	int64_t v;
	if (parse_i64(arg, -1, INT32_MAX, &v) < 0)
		die("%s: bad number '%s'", flag, arg);
	o->tail = v;
}

static void set_stream(struct logs_options *o, const char *flag, const char *arg)
{
	if (strcmp(arg, "stdout") == 0)
		o->filter.stream = STREAM_STDOUT;
	else if (strcmp(arg, "stderr") == 0)
		o->filter.stream = STREAM_STDERR;
	else
		die("%s: '%s' is neither stdout nor stderr", flag, arg);
}

static void set_follow(struct logs_options *o, const char *flag, const char *arg)
{
	(void)flag, (void)arg;
	o->follow = true;
}

static void set_exit_file(struct logs_options *o, const char *flag, const char *arg)
{
	o->end.exit_file = nonempty_path(flag, arg);
}

static void set_exit_dir(struct logs_options *o, const char *flag, const char *arg)
{
	o->end.exit_dir = nonempty_path(flag, arg);
}

static void set_cid(struct logs_options *o, const char *flag, const char *arg)
{
	if (*arg == '\0' || strchr(arg, '/'))
		die("%s: bad id '%s'", flag, arg);
	o->end.cid = arg;
}

static void set_pidfile(struct logs_options *o, const char *flag, const char *arg)
{
	o->end.pidfile = nonempty_path(flag, arg);
}

static void set_replay(struct logs_options *o, const char *flag, const char *arg)
{
	(void)flag, (void)arg;
	o->replay = true;
}

static void set_speed(struct logs_options *o, const char *flag, const char *arg)
{
	o->timing.speed = parse_positive(flag, arg, false);
}

static void set_idle_limit(struct logs_options *o, const char *flag, const char *arg)
{
	o->timing.idle_limit = parse_seconds(flag, arg);
}

static void set_from(struct logs_options *o, const char *flag, const char *arg)
{
	o->timing.from = parse_time(flag, arg, o->now);
	o->timing.has_from = true;
}

static void set_screen(struct logs_options *o, const char *flag, const char *arg)
{
	(void)flag, (void)arg;
	o->screen.on = true;
}

static void set_escapes(struct logs_options *o, const char *flag, const char *arg)
{
	(void)flag, (void)arg;
	o->screen.colours = true;
}

static void set_at(struct logs_options *o, const char *flag, const char *arg)
{
	o->screen.at = parse_time(flag, arg, o->now);
	o->screen.has_at = true;
}

static void set_asciicast(struct logs_options *o, const char *flag, const char *arg)
{
	o->export_path = nonempty_path(flag, arg);
}

static void set_size(struct logs_options *o, const char *flag, const char *arg)
{
	if (acast_parse_size(arg, strlen(arg), &o->size.cols, &o->size.rows) < 0)
		die("%s: bad size '%s' (COLSxROWS, e.g. 80x24)", flag, arg);
	o->size.given = true;
}

static void set_strict(struct logs_options *o, const char *flag, const char *arg)
{
	(void)flag, (void)arg;
	o->strict = true;
}

static void show_help(struct logs_options *o, const char *flag, const char *arg)
{
	(void)o, (void)flag, (void)arg;
	fputs(usage_text, stdout);
	exit(0);
}

static void show_version(struct logs_options *o, const char *flag, const char *arg)
{
	(void)o, (void)flag, (void)arg;
	printf("%s %s\n", PROG, PTYSHIM_VERSION);
	exit(0);
}

/* ------------------------------------------------------------ the table */

struct opt_spec {
	const char *flag; /* "--since"; getopt gets the name without the dashes */
	char short_name;  /* '\0': none */
	bool takes_value;
	void (*apply)(struct logs_options *o, const char *flag, const char *arg);
};

static const struct opt_spec specs[] = {
	{"--timestamps", 't', false, set_timestamps},
	{"--since", 0, true, set_since},
	{"--until", 0, true, set_until},
	{"--tail", 'n', true, set_tail},
	{"--stream", 0, true, set_stream},
	{"--follow", 'f', false, set_follow},
	{"--exit-file", 0, true, set_exit_file},
	{"--exit-dir", 0, true, set_exit_dir},
	{"--cid", 0, true, set_cid},
	{"--pidfile", 0, true, set_pidfile},
	{"--replay", 0, false, set_replay},
	{"--speed", 0, true, set_speed},
	{"--idle-limit", 0, true, set_idle_limit},
	{"--from", 0, true, set_from},
	{"--screen", 0, false, set_screen},
	{"--escapes", 'e', false, set_escapes},
	{"--at", 0, true, set_at},
	{"--asciicast", 0, true, set_asciicast},
	{"--size", 0, true, set_size},
	{"--strict", 0, false, set_strict},
	{"--help", 'h', false, show_help},
	{"--version", 0, false, show_version},
};

/* getopt's view of the table. An option without a short name gets 256 and
 * up, in table order: that number is what getopt reports (in optopt) for
 * such an option given a value it does not take. */
static void getopt_tables(struct option *longopts, char *shortopts)
{
	int next_val = 256;
	*shortopts++ = ':';
	for (size_t i = 0; i < ARRAY_SIZE(specs); i++) {
		const struct opt_spec *s = &specs[i];
		longopts[i] = (struct option){
			.name = s->flag + 2,
			.has_arg = s->takes_value ? required_argument : no_argument,
			.val = s->short_name ? s->short_name : next_val++,
		};
		if (s->short_name) {
			*shortopts++ = s->short_name;
			if (s->takes_value)
				*shortopts++ = ':';
		}
	}
	longopts[ARRAY_SIZE(specs)] = (struct option){0};
	*shortopts = '\0';
}

/* The row getopt matched: by index for a long option, by letter for a short
 * one; NULL for an error. */
static const struct opt_spec *matched_spec(int c, int longindex)
{
	if (c == ':' || c == '?')
		return NULL;
	if (longindex >= 0)
		return &specs[longindex];
	for (size_t i = 0; i < ARRAY_SIZE(specs); i++)
		if (specs[i].short_name == c)
			return &specs[i];
	return NULL;
}

static void die_bad_option(int c, char **argv)
{
	if (c == ':')
		die("%s: needs a value", argv[optind - 1]);
	if (optopt)
		die("-%c: unknown option (see --help)", optopt);
	die("%s: unknown option (see --help)", argv[optind - 1]);
}

/* ------------------------------------------------------------ parsing */

static void take_path(struct logs_options *o, int argc, char **argv)
{
	if (optind >= argc)
		die("missing LOGFILE (see --help)");
	if (optind + 1 < argc)
		die("%s: only one LOGFILE, please", argv[optind + 1]);
	o->path = argv[optind];
	if (*o->path == '\0')
		die("empty LOGFILE");
}

/* What --screen does not go with: it shows one moment, from the whole log. */
static const char *screen_conflict(const struct logs_options *o)
{
	if (o->replay)
		return "--replay";
	if (o->export_path)
		return "--asciicast";
	if (o->follow)
		return "--follow";
	if (o->tail >= 0)
		return "--tail";
	if (o->timestamps)
		return "--timestamps";
	if (o->filter.has_since)
		return "--since";
	if (o->filter.has_until)
		return "--until (--at gives an earlier screen)";
	if (o->filter.stream)
		return "--stream";
	return NULL;
}

/* --size and the moment options, each with what it needs. */
static void check_screen_options(const struct logs_options *o)
{
	const char *conflict = o->screen.on ? screen_conflict(o) : NULL;
	if (conflict)
		die("--screen does not go with %s", conflict);
	if ((o->screen.colours || o->screen.has_at) && !o->screen.on)
		die("%s needs --screen", o->screen.colours ? "--escapes" : "--at");
	if (o->timing.has_from && !o->replay)
		die("--from needs --replay");
	bool modelled = o->screen.on || o->timing.has_from;
	if (o->size.given && !o->export_path && !modelled)
		die("--size needs --asciicast, --screen or --replay --from");
	const char *why = screen_size_error(o->size.rows, o->size.cols);
	if (o->size.given && modelled && why)
		die("--size: %ux%u %s", o->size.cols, o->size.rows, why);
}

/* In this order: the first that fails is the one reported. */
static void check_combinations(const struct logs_options *o)
{
	const struct endcond_options *e = &o->end;
	check_screen_options(o);
	if (o->replay && o->export_path)
		die("--replay and --asciicast: choose one");
	if (o->follow && (o->replay || o->export_path))
		die("--follow works with printing only, not with %s", o->replay ? "--replay" : "--asciicast");
	if (o->tail >= 0 && (o->replay || o->export_path))
		die("--tail works with printing only");
	if ((e->exit_file || e->exit_dir || e->cid || e->pidfile) && !o->follow)
		die("%s needs --follow", e->exit_file  ? "--exit-file"
					 : e->exit_dir ? "--exit-dir"
					 : e->cid      ? "--cid"
						       : "--pidfile");
	if (e->exit_file && e->exit_dir)
		die("--exit-file and --exit-dir: choose one");
	if (e->cid && !e->exit_dir && !e->pidfile)
		die("--cid needs --exit-dir or --pidfile");
	if (o->filter.has_since && o->filter.has_until && o->filter.until < o->filter.since)
		die("--until is before --since");
	if ((o->timing.speed != 1.0 || o->timing.idle_limit >= 0) && !o->replay)
		die("%s needs --replay", o->timing.speed != 1.0 ? "--speed" : "--idle-limit");
}

void opts_parse(struct logs_options *o, int argc, char **argv)
{
	*o = (struct logs_options){.tail = -1, .timing = {.speed = 1.0, .idle_limit = -1}, .now = logtime_now()};
	struct option longopts[ARRAY_SIZE(specs) + 1];
	char shortopts[1 + 2 * ARRAY_SIZE(specs) + 1];
	getopt_tables(longopts, shortopts);
	opterr = 0;
	for (;;) {
		int longindex = -1;
		int c = getopt_long(argc, argv, shortopts, longopts, &longindex);
		if (c == -1)
			break;
		const struct opt_spec *spec = matched_spec(c, longindex);
		if (spec == NULL)
			die_bad_option(c, argv);
		spec->apply(o, spec->flag, optarg);
	}
	take_path(o, argc, argv);
	check_combinations(o);
}

void opts_check_recording(const struct logs_options *o)
{
	if (o->follow || o->export_path || o->tail >= 0 || o->filter.has_since || o->filter.has_until ||
	    o->filter.stream || o->timestamps)
		die("%s: an asciicast recording can only be printed, replayed (--replay, --speed, --idle-limit, "
		    "--from) or shown (--screen, --escapes, --at)",
		    o->path);
	if (o->size.given)
		die("%s: --size: an asciicast recording has its own size", o->path);
}
