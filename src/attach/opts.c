/* opts: getopt_long over ptyshim-attach's options. */
#include "attach/opts.h"

#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>

#include "attach/prog.h"
#include "base/diag.h"
#include "base/optdesc.h"
#include "base/util.h"

#define DEFAULT_DETACH_KEYS "ctrl-p,ctrl-q"
#define DEFAULT_EXIT_TIMEOUT_MS 5000

static const char usage_text[] =
	"usage: " ATTACH_PROG " [OPTIONS] BUNDLE_DIR|SOCKET_PATH\n"
	"       " ATTACH_PROG " --snapshot [-e] BUNDLE_DIR|SOCKET_PATH\n"
	"Attach to a running container through its shim's attach socket (ptyshim or conmon).\n"
	"BUNDLE_DIR: uses DIR/attach, DIR/ctl and DIR/config.json. SOCKET_PATH: its directory is used.\n"
	"  -t, --tty               the container has a terminal (default: config.json process.terminal)\n"
	"  -T, --no-tty            the container has no terminal (pipe mode)\n"
	"      --detach-keys SPEC  detach sequence, e.g. ctrl-p,ctrl-q (the default); \"\" = none\n"
	"      --no-stdin          watch only: never read stdin or send anything (unlike podman,\n"
	"                          no SHUT_WR either, so a -i container's stdin stays open)\n"
	"      --no-readline       in pipe mode, copy a terminal's input as it comes (no line editing)\n"
	"      --ctl PATH          the control fifo for resizes (default DIR/ctl)\n"
	"      --exit-file PATH    read the container's exit code from PATH when it ends\n"
	"      --exit-dir DIR      ... from DIR/CID (CID from --cid or the shim's command line)\n"
	"      --cid ID            the container id for --exit-dir\n"
	"      --exit-timeout SECS how long to wait for the exit file (default 5)\n"
	"      --ready-fd FD       write a newline to FD and close it once attached (connected,\n"
	"                          size sent, terminal set up): a manager may start the container\n"
	"      --snapshot          print the container's current screen and exit, without attaching\n"
	"                          (no terminal needed): from the shim's screen socket, DIR/screen\n"
	"  -e                      with --snapshot: with colours and attributes (SGR escapes)\n"
	"  -h, --help              this text\n"
	"Exit status: the container's exit code when it ends; 0 after detaching; 128+N after\n"
	"signal N; 1 on usage or setup errors; 255 when the exit code cannot be found.\n"
	"--snapshot: 0 once the screen is printed, 1 with a message when there is none.\n"
	"The exit code is read from --exit-file, else --exit-dir/CID, else from where the shim\n"
	"itself writes it (its --exit-dir and -c, or --persist-dir/exit, taken from the shim's\n"
	"command line), waiting up to --exit-timeout after the shim closes the connection.\n";

enum {
	OPT_DETACH = OPTDESC_FIRST_LONG_ONLY,
	OPT_NO_STDIN,
	OPT_NO_READLINE,
	OPT_CTL,
	OPT_EXIT_FILE,
	OPT_EXIT_DIR,
	OPT_CID,
	OPT_EXIT_TIMEOUT,
	OPT_READY_FD,
	OPT_SNAPSHOT,
};

static const struct optdesc options[] = {
	{'t', "tty", OPTDESC_FLAG},
	{'T', "no-tty", OPTDESC_FLAG},
	{OPT_DETACH, "detach-keys", OPTDESC_VALUE},
	{OPT_NO_STDIN, "no-stdin", OPTDESC_FLAG},
	{OPT_NO_READLINE, "no-readline", OPTDESC_FLAG},
	{OPT_CTL, "ctl", OPTDESC_VALUE},
	{OPT_EXIT_FILE, "exit-file", OPTDESC_VALUE},
	{OPT_EXIT_DIR, "exit-dir", OPTDESC_VALUE},
	{OPT_CID, "cid", OPTDESC_VALUE},
	{OPT_EXIT_TIMEOUT, "exit-timeout", OPTDESC_VALUE},
	{OPT_READY_FD, "ready-fd", OPTDESC_VALUE},
	{OPT_SNAPSHOT, "snapshot", OPTDESC_FLAG},
	{'e', NULL, OPTDESC_FLAG},
	{'h', "help", OPTDESC_FLAG},
};

static _Noreturn void usage_error(const char *fmt, const char *arg)
{
	char msg[512];
	snprintf(msg, sizeof(msg), fmt, arg);
	diag_err("%s (see --help)", msg);
	exit(ATTACH_EXIT_SETUP);
}

static _Noreturn void unknown_option(char **argv)
{
	if (optopt && optopt < 256) {
		char flag[3] = {'-', (char)optopt, '\0'};
		usage_error("unknown option or missing value: %s", flag);
	}
	usage_error("unknown option or missing value: %s", argv[optind - 1]);
}

static void parse_exit_timeout(const char *arg, struct attach_opts *o)
{
	int secs;
	if (parse_int(arg, 0, 3600, &secs) < 0)
		usage_error("--exit-timeout \"%s\": not a number of seconds (0..3600)", arg);
	o->exit_timeout_ms = secs * 1000;
}

static void parse_ready_fd(const char *arg, struct attach_opts *o)
{
	if (parse_int(arg, 3, INT_MAX, &o->ready_fd) < 0)
		usage_error("--ready-fd \"%s\": not a file descriptor number (3 or more)", arg);
	if (fcntl(o->ready_fd, F_GETFD) < 0)
		usage_error("--ready-fd %s: not an open file descriptor", arg);
}

/* One option as getopt_long returned it. The detach-key spec is parsed only
 * after the whole command line, so usage errors are reported before it. */
static void parse_one(int c, char **argv, struct attach_opts *o, const char **detach_spec)
{
	switch (c) {
	case 't': o->tty = TTY_YES; break;
	case 'T': o->tty = TTY_NO; break;
	case OPT_DETACH: *detach_spec = optarg; break;
	case OPT_NO_STDIN: o->no_stdin = true; break;
	case OPT_NO_READLINE: o->no_readline = true; break;
	case OPT_CTL: o->ctl_path = optarg; break;
	case OPT_EXIT_FILE: o->exit_file = optarg; break;
	case OPT_EXIT_DIR: o->exit_dir = optarg; break;
	case OPT_CID: o->cid = optarg; break;
	case OPT_EXIT_TIMEOUT: parse_exit_timeout(optarg, o); break;
	case OPT_READY_FD: parse_ready_fd(optarg, o); break;
	case OPT_SNAPSHOT: o->snapshot = true; break;
	case 'e': o->snapshot_colours = true; break;
	case 'h':
		fputs(usage_text, stdout);
		exit(0);
	default:
		unknown_option(argv);
	}
}

void opts_parse(int argc, char **argv, struct attach_opts *o)
{
	*o = (struct attach_opts){
		.tty = TTY_AUTO,
		.exit_timeout_ms = DEFAULT_EXIT_TIMEOUT_MS,
		.ready_fd = -1,
	};
	const char *detach_spec = DEFAULT_DETACH_KEYS;
	struct optdesc_getopt g;
	optdesc_getopt(&g, options, ARRAY_SIZE(options), "+");
	int c;
	opterr = 0;
	while ((c = getopt_long(argc, argv, g.shortopts, g.longopts, NULL)) != -1)
		parse_one(c, argv, o, &detach_spec);
	if (optind != argc - 1)
		usage_error("%s", optind >= argc ? "missing BUNDLE_DIR or SOCKET_PATH" : "too many arguments");
	o->target = argv[optind];
	if (o->snapshot_colours && !o->snapshot)
		usage_error("%s", "-e goes with --snapshot");
	char err[256];
	if (detach_keys_parse(detach_spec, &o->detach_keys, err, sizeof(err)) < 0) {
		diag_err("--detach-keys %s", err);
		exit(ATTACH_EXIT_SETUP);
	}
}
