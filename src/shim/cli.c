/* cli: conmon's command line, walked with glib's rules (not getopt's:
 * no abbreviations, no "-cVALUE", "--flag=anything" is the flag), then
 * checked in conmon 2.1.6's order with its messages. */
#include "shim/cli.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/conmonopt.h"
#include "base/diag.h"
#include "base/version.h"
#include "base/util.h"

static const char cli_usage[] =
	"Usage: ptyshim [OPTION…] [-- CMD [ARG…]]\n"
	"A PTY-focused container runtime shim with conmon's command line.\n"
	"\n"
	"conmon options: --api-version -c/--cid -u/--cuuid -r/--runtime -b/--bundle\n"
	"  -p/--container-pidfile -n/--name --exit-dir -0/--persist-dir --full-attach\n"
	"  -l/--log-path DRIVER[:PATH] --log-level --syslog --runtime-arg --runtime-opt\n"
	"  -t/--terminal -i/--stdin -P/--conmon-pidfile --exit-command --exit-command-arg\n"
	"  --exit-delay -e/--exec --exec-attach --exec-process-spec -T/--timeout\n"
	"  --log-size-max --log-global-size-max --log-tag --log-rotate --log-max-files\n"
	"  --no-new-keyring --no-pivot -s/--systemd-cgroup --sdnotify-socket --restore\n"
	"  --socket-dir-path --leave-stdin-open --replace-listen-pid --sync --no-sync-log\n"
	"  --version\n"
	"log drivers: k8s-file:PATH (or PATH, :PATH), asciicast:PATH, none, passthrough\n"
	"\n"
	"ptyshim options:\n"
	"  --no-runtime            run CMD (after --) under a PTY or pipes, no OCI runtime\n"
	"  --no-screen             no screen model: attach clients get raw bytes only, no repaint\n"
	"  --attach-queue-size N   bytes an attach client may fall behind (default 4 MiB)\n"
	"  --initial-size RxC      terminal size to set on the PTY when it arrives\n"
	"  --runtime-timeout S     give up on RUNTIME create/exec after S seconds (default 240)\n";

/* What the walk collects besides the configuration: conmon checks these
 * only after the whole command line has parsed, in its own order. */
struct cli_scan {
	struct shim_config *cfg;
	const char *log_level;
	struct strlist log_args;
	bool version;
	char *cwd;
};

enum cli_step {
	CLI_STEP_OK,
	CLI_STEP_FAIL,
	CLI_STEP_HELP, /* glib prints help the moment it sees it: nothing after counts */
};

static void strlist_push(struct strlist *l, const char *s)
{
	l->items = xrealloc(l->items, (l->len + 1) * sizeof(*l->items));
	l->items[l->len++] = s;
}

static bool cli_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static bool cli_fail(const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	diag_err("%s", msg);
	return false;
}

/* glib's words for a command line it cannot parse. */
#define GLIB_FAILED "option parsing failed: "

/* The log drivers by name. conmon ignores whatever follows a driver that
 * takes no path (journald's path too). asciicast is ptyshim's own: conmon
 * takes a bare "asciicast" for a k8s-file path, and so does ptyshim. */
struct cli_log_driver {
	const char *name;
	enum log_driver_kind kind;
	bool needs_path;
	bool needs_colon; /* without a ':' the name is a file name */
};
static const struct cli_log_driver cli_log_drivers[] = {
	{"off", LOGDRV_NONE, false, false},
	{"null", LOGDRV_NONE, false, false},
	{"none", LOGDRV_NONE, false, false},
	{"passthrough", LOGDRV_PASSTHROUGH, false, false},
	{"journald", LOGDRV_JOURNALD, false, false},
	{"k8s-file", LOGDRV_K8S_FILE, true, false},
	{"asciicast", LOGDRV_ASCIICAST, true, true},
};

static const struct cli_log_driver *cli_log_driver(const char *name, size_t len, bool has_colon)
{
	for (size_t i = 0; i < ARRAY_SIZE(cli_log_drivers); i++) {
		const struct cli_log_driver *d = &cli_log_drivers[i];
		if (strlen(d->name) == len && memcmp(d->name, name, len) == 0 && (has_colon || !d->needs_colon))
			return d;
	}
	return NULL;
}

/* The k8s-file path a value names by itself (no colon, or ":PATH"). */
static void log_spec_bare_path(struct log_spec *out, const char *driver, size_t len)
{
	*out = (struct log_spec){LOGDRV_K8S_FILE, driver, NULL};
	if (driver[len] != '\0') {
		/* ":PATH:" - conmon's strtok ends the path at the colon. */
		out->path_owned = xstrndup(driver, len);
		out->path = out->path_owned;
	}
}

/* One -l value as conmon's strtok reads it (the forms are in cli.h); a bad
 * one is reported with conmon's text. */
static bool cli_parse_log_spec(const char *arg, struct log_spec *out)
{
	const char *driver = arg + strspn(arg, ":");
	size_t len = strcspn(driver, ":");
	const char *path = driver + len + strspn(driver + len, ":");
	bool has_colon = strchr(arg, ':') != NULL;
	*out = (struct log_spec){LOGDRV_NONE, NULL, NULL};
	if (len == 0)
		return cli_fail("log-path must not be empty");
	const struct cli_log_driver *d = cli_log_driver(driver, len, has_colon);
	if ((*path == '\0' && arg[0] == ':') || (d == NULL && !has_colon)) {
		/* ":none" is a file called none, not the none driver. */
		log_spec_bare_path(out, driver, len);
		return true;
	}
	if (d == NULL)
		return cli_fail("No such log driver %.*s", (int)len, driver);
	if (d->needs_path && *path == '\0')
		return cli_fail("%s requires a filename", d->name);
	*out = (struct log_spec){d->kind, d->needs_path ? path : NULL, NULL};
	return true;
}

/* G_OPTION_ARG_INT and _INT64: strtol with base 0 (so " 5", "+5", "0x10"
 * and "010" are numbers), the whole value, within the type's range. */
static bool cli_glib_number(const char *flag, const char *arg, bool is_int64, int64_t *out)
{
	char *end;
	errno = 0;
	long long v = strtoll(arg, &end, 0);
	if (*arg == '\0' || *end != '\0')
		return cli_fail(GLIB_FAILED "Cannot parse integer value “%s” for %s", arg, flag);
	if (errno == ERANGE || (!is_int64 && (v < INT_MIN || v > INT_MAX)))
		return cli_fail(GLIB_FAILED "Integer value “%s” for %s out of range", arg, flag);
	*out = v;
	return true;
}

/* ptyshim's own numeric options: strict decimal within a range. */
static bool cli_number(const char *flag, const char *arg, int64_t min, int64_t max, int64_t *out)
{
	if (parse_i64(arg, min, max, out) < 0)
		return cli_fail("%s: %s: '%s'", flag, errno == ERANGE ? "value out of range" : "not a number", arg);
	return true;
}

static bool cli_parse_size(const char *arg, unsigned *rows, unsigned *cols)
{
	char *x = strchr(arg, 'x');
	if (x == NULL)
		return false;
	char rbuf[16];
	size_t rlen = (size_t)(x - arg);
	if (rlen == 0 || rlen >= sizeof(rbuf))
		return false;
	memcpy(rbuf, arg, rlen);
	rbuf[rlen] = '\0';
	int r, c;
	if (parse_int(rbuf, 1, 65535, &r) < 0 || parse_int(x + 1, 1, 65535, &c) < 0)
		return false;
	*rows = (unsigned)r;
	*cols = (unsigned)c;
	return true;
}

/* conmon's integer options, their value read as glib reads it. */
static bool cli_glib_int_option(struct shim_config *cfg, const struct conmonopt *o, const char *arg,
				const char *flag)
{
	int64_t v = 0;
	if (!cli_glib_number(flag, arg, o->integer == CONMONOPT_INT64, &v))
		return false;
	switch (o->id) {
	case CONMONOPT_EXIT_DELAY:
		cfg->exit_delay = (int)v; /* a negative one is refused later, in conmon's order */
		break;
	case CONMONOPT_TIMEOUT:
		cfg->timeout = v > 0 ? (int)v : 0; /* conmon: 0 or less is no timeout */
		break;
	case CONMONOPT_LOG_SIZE_MAX:
		cfg->log_size_max = v > 0 ? v : -1;
		break;
	case CONMONOPT_LOG_GLOBAL_SIZE_MAX:
		cfg->log_global_size_max = v > 0 ? v : -1;
		break;
	default:
		return cli_fail(GLIB_FAILED "unexpected option %s", flag);
	}
	return true;
}

/* ptyshim's own options that take a number, and --log-max-files (2.2's). */
static bool cli_number_option(struct shim_config *cfg, enum conmonopt_id opt, const char *arg, const char *flag)
{
	int64_t v;
	switch (opt) {
	case CONMONOPT_LOG_MAX_FILES:
		if (!cli_number(flag, arg, 1, 1000, &v))
			return false;
		cfg->log_max_files = (int)v;
		break;
	case CONMONOPT_ATTACH_QUEUE_SIZE:
		if (!cli_number(flag, arg, 65536, (int64_t)1 << 32, &v))
			return false;
		cfg->attach_queue_max = (size_t)v;
		break;
	case CONMONOPT_RUNTIME_TIMEOUT:
		if (!cli_number(flag, arg, 1, 86400, &v))
			return false;
		cfg->runtime_timeout = (int)v;
		break;
	default:
		return cli_fail(GLIB_FAILED "unexpected option %s", flag);
	}
	return true;
}

/* Options stored as given: flags and strings. False when opt is not one. */
static bool cli_plain_option(struct shim_config *cfg, enum conmonopt_id opt, const char *arg)
{
	switch (opt) {
	case CONMONOPT_API_VERSION: cfg->api_version = true; break;
	case CONMONOPT_CID: cfg->cid = arg; break;
	case CONMONOPT_CUUID: cfg->cuuid = arg; break;
	case CONMONOPT_RUNTIME: cfg->runtime = arg; break;
	case CONMONOPT_BUNDLE: cfg->bundle = arg; break;
	case CONMONOPT_CONTAINER_PIDFILE:
		cfg->container_pidfile = arg;
		cfg->container_pidfile_given = true;
		break;
	case CONMONOPT_NAME: cfg->name = arg; break;
	case CONMONOPT_EXIT_DIR: cfg->exit_dir = arg; break;
	case CONMONOPT_PERSIST_DIR: cfg->persist_dir = arg; break;
	case CONMONOPT_FULL_ATTACH: cfg->full_attach = true; break;
	case CONMONOPT_SYSLOG: cfg->syslog = true; break;
	case CONMONOPT_RUNTIME_ARG: strlist_push(&cfg->runtime_args, arg); break;
	case CONMONOPT_RUNTIME_OPT: strlist_push(&cfg->runtime_opts, arg); break;
	case CONMONOPT_TERMINAL: cfg->terminal = true; break;
	case CONMONOPT_STDIN: cfg->stdin_pipe = true; break;
	case CONMONOPT_CONMON_PIDFILE: cfg->conmon_pidfile = arg; break;
	case CONMONOPT_EXIT_COMMAND: cfg->exit_command = arg; break;
	case CONMONOPT_EXIT_COMMAND_ARG: strlist_push(&cfg->exit_command_args, arg); break;
	case CONMONOPT_EXEC: cfg->exec = true; break;
	case CONMONOPT_EXEC_ATTACH: cfg->exec_attach = true; break;
	case CONMONOPT_EXEC_PROCESS_SPEC: cfg->exec_process_spec = arg; break;
	case CONMONOPT_LOG_TAG: cfg->log_tag = arg; break;
	case CONMONOPT_LOG_ROTATE: cfg->log_rotate = true; break;
	case CONMONOPT_NO_NEW_KEYRING: cfg->no_new_keyring = true; break;
	case CONMONOPT_NO_PIVOT: cfg->no_pivot = true; break;
	case CONMONOPT_SYSTEMD_CGROUP: cfg->systemd_cgroup = true; break;
	case CONMONOPT_SDNOTIFY_SOCKET: cfg->sdnotify_socket = arg; break;
	case CONMONOPT_RESTORE: cfg->restore = arg; break;
	case CONMONOPT_RESTORE_ARG: break; /* deprecated in conmon: accepted and ignored */
	case CONMONOPT_SOCKET_DIR_PATH: cfg->socket_dir_path = arg; break;
	case CONMONOPT_LEAVE_STDIN_OPEN: cfg->leave_stdin_open = true; break;
	case CONMONOPT_REPLACE_LISTEN_PID: cfg->replace_listen_pid = true; break;
	case CONMONOPT_SYNC: cfg->sync = true; break;
	case CONMONOPT_NO_SYNC_LOG: cfg->no_sync_log = true; break;
	case CONMONOPT_SECCOMP_NOTIFY_SOCKET: cfg->seccomp_notify_socket = arg; break;
	case CONMONOPT_SECCOMP_NOTIFY_PLUGINS: cfg->seccomp_notify_plugins = arg; break;
	case CONMONOPT_NO_RUNTIME: cfg->no_runtime = true; break;
	case CONMONOPT_NO_SCREEN: cfg->no_screen = true; break;
	default:
		return false;
	}
	return true;
}

/* One option the walk found, with its value (NULL for a flag). */
static bool cli_option(struct cli_scan *sc, const struct conmonopt *o, const char *arg, const char *flag)
{
	struct shim_config *cfg = sc->cfg;
	if (o->integer != CONMONOPT_NOT_INT)
		return cli_glib_int_option(cfg, o, arg, flag);
	if (cli_plain_option(cfg, o->id, arg))
		return true;
	switch (o->id) {
	case CONMONOPT_LOG_PATH:
		strlist_push(&sc->log_args, arg); /* read after the walk, in conmon's order */
		return true;
	case CONMONOPT_LOG_LEVEL:
		sc->log_level = arg;
		return true;
	case CONMONOPT_VERSION:
		sc->version = true;
		return true;
	case CONMONOPT_INITIAL_SIZE:
		if (!cli_parse_size(arg, &cfg->initial_rows, &cfg->initial_cols))
			return cli_fail("%s: expected ROWSxCOLS (1-65535 each), got '%s'", flag, arg);
		return true;
	default:
		return cli_number_option(cfg, o->id, arg, flag);
	}
}

/* "--name", "--name=value" or "--name value" at argv[*i]. Only whole names
 * (glib knows no abbreviations); a flag ignores a value after '='. */
static enum cli_step cli_walk_long(struct cli_scan *sc, int argc, char **argv, int *i)
{
	const char *a = argv[*i];
	if (strcmp(a, "--help") == 0 || strcmp(a, "--help-all") == 0)
		return CLI_STEP_HELP;
	const char *name = a + 2, *eq = strchr(name, '=');
	const struct conmonopt *o = conmonopt_long(name, eq ? (size_t)(eq - name) : strlen(name));
	if (o == NULL || o->id == CONMONOPT_HELP) {
		cli_fail(GLIB_FAILED "Unknown option %s", a);
		return CLI_STEP_FAIL;
	}
	char *flag = xasprintf("--%s", o->name);
	const char *value = NULL;
	bool ok = true;
	if (o->takes_value) {
		if (eq != NULL)
			value = eq + 1;
		else if (*i + 1 < argc)
			value = argv[++*i];
		else
			ok = cli_fail(GLIB_FAILED "Missing argument for %s", flag);
	}
	ok = ok && cli_option(sc, o, value, flag);
	free(flag);
	return ok ? CLI_STEP_OK : CLI_STEP_FAIL;
}

/* A group of short options "-tic". One of them may take a value, and it is
 * always the next element ("-cID" is no option in glib). */
static enum cli_step cli_walk_short(struct cli_scan *sc, int argc, char **argv, int *i)
{
	const char *a = argv[*i];
	int next = *i;
	for (const char *c = a + 1; *c; c++) {
		if (*c == 'h' || *c == '?')
			return CLI_STEP_HELP;
		const struct conmonopt *o = conmonopt_short(*c);
		if (o == NULL) {
			cli_fail(GLIB_FAILED "Unknown option %s", a);
			return CLI_STEP_FAIL;
		}
		char flag[3] = {'-', *c, '\0'};
		const char *value = NULL;
		if (o->takes_value) {
			if (next > *i) {
				cli_fail(GLIB_FAILED "Error parsing option %s", flag);
				return CLI_STEP_FAIL;
			}
			if (*i + 1 >= argc) {
				cli_fail(GLIB_FAILED "Missing argument for %s", flag);
				return CLI_STEP_FAIL;
			}
			value = argv[++next];
		}
		if (!cli_option(sc, o, value, flag))
			return CLI_STEP_FAIL;
	}
	*i = next;
	return CLI_STEP_OK;
}

/* glib's walk from argv[1]. Other elements are positional and ignored, as
 * conmon ignores podman's "--api-version 1"; after "--" nothing is an
 * option, and what follows is --no-runtime's command. */
static enum cli_step cli_walk(struct cli_scan *sc, int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		enum cli_step step = CLI_STEP_OK;
		if (strcmp(a, "--") == 0) {
			if (i + 1 < argc)
				sc->cfg->command = argv + i + 1;
			break;
		}
		if (a[0] == '-' && a[1] == '-')
			step = cli_walk_long(sc, argc, argv, &i);
		else if (a[0] == '-' && a[1] != '\0')
			step = cli_walk_short(sc, argc, argv, &i);
		if (step != CLI_STEP_OK)
			return step;
	}
	return CLI_STEP_OK;
}

/* conmon's checks up to the runtime, in its order. */
static bool cli_validate_identity(struct cli_scan *sc)
{
	struct shim_config *cfg = sc->cfg;
	if (cfg->cid == NULL)
		return cli_fail("Container ID not provided. Use --cid");
	if (sc->log_level != NULL) {
		int level = diag_level_parse(sc->log_level);
		if (level < 0)
			return cli_fail("No such log level %s", sc->log_level);
		cfg->log_level = level;
	}
	if (cfg->restore != NULL && cfg->exec)
		return cli_fail("Cannot use 'exec' and 'restore' at the same time");
	if (cfg->exec_attach && !cfg->exec)
		return cli_fail("Attach can only be specified with exec");
	if (cfg->exec_attach && !cfg->api_version)
		return cli_fail("Attach can only be specified for a non-legacy exec session");
	/* The legacy exec API (no --api-version) did not need a session id. */
	if (cfg->cuuid == NULL && (!cfg->exec || cfg->api_version))
		return cli_fail("Container UUID not provided. Use --cuuid");
	if (cfg->cuuid == NULL)
		cfg->cuuid = cfg->cid; /* names the socket link (conmon would use NULL) */
	return true;
}

static bool cli_validate_runtime(struct cli_scan *sc)
{
	struct shim_config *cfg = sc->cfg;
	if (cfg->no_runtime) {
		if (cfg->command == NULL)
			return cli_fail("--no-runtime: no command given after --");
		if (cfg->exec || cfg->restore)
			return cli_fail("--no-runtime: cannot be combined with --exec or --restore");
	} else {
		if (cfg->runtime == NULL)
			return cli_fail("Runtime path not provided. Use --runtime");
		if (access(cfg->runtime, X_OK) < 0)
			return cli_fail("Runtime path %s is not valid: %s", cfg->runtime, strerror(errno));
		if (cfg->command != NULL) {
			/* conmon ignores positional arguments; say so at least. */
			diag_warn("ignoring the arguments after -- (a command needs --no-runtime)");
			cfg->command = NULL;
		}
	}
	if (cfg->exec && cfg->exec_process_spec == NULL)
		return cli_fail("Exec process spec path not provided. Use --exec-process-spec");
	sc->cwd = getcwd(NULL, 0);
	if (sc->cwd == NULL)
		return cli_fail("Failed to get working directory: %s", strerror(errno));
	if (cfg->exit_delay < 0)
		return cli_fail("Delay before invoking exit command must be greater than or equal to 0");
	return true;
}

/* Each -l in order, as conmon's configure_log_drivers: the first bad one is
 * the one reported. */
static bool cli_validate_log_specs(struct cli_scan *sc, bool *k8s, bool *journald, bool *passthrough)
{
	struct shim_config *cfg = sc->cfg;
	if (sc->log_args.len == 0)
		return cli_fail("Log driver not provided. Use --log-path");
	cfg->logs = xcalloc(sc->log_args.len, sizeof(*cfg->logs));
	for (size_t i = 0; i < sc->log_args.len; i++) {
		struct log_spec *spec = &cfg->logs[cfg->n_logs];
		if (!cli_parse_log_spec(sc->log_args.items[i], spec))
			return false;
		cfg->n_logs++;
		*k8s |= spec->kind == LOGDRV_K8S_FILE;
		*journald |= spec->kind == LOGDRV_JOURNALD;
		if (spec->kind == LOGDRV_PASSTHROUGH) {
			*passthrough = true;
			if (isatty(STDIN_FILENO) || isatty(STDOUT_FILENO) || isatty(STDERR_FILENO))
				return cli_fail("cannot use a tty with passthrough logging mode to prevent attacks via "
						"TIOCSTI");
		}
	}
	return true;
}

static bool cli_validate_logs(struct cli_scan *sc)
{
	struct shim_config *cfg = sc->cfg;
	bool k8s = false, journald = false, passthrough = false;
	if (!cli_validate_log_specs(sc, &k8s, &journald, &passthrough))
		return false;
	if (k8s && !journald && cfg->log_tag != NULL)
		return cli_fail("k8s-file doesn't support --log-tag");
	if (journald && strlen(cfg->cid) <= 12)
		return cli_fail("Container ID must be longer than 12 characters");
	if (passthrough && cfg->terminal)
		return cli_fail("--log-path: passthrough cannot be used with --terminal (conmon accepts it, "
				"then drops the container's output)");
	if (cfg->log_rotate && cfg->log_size_max <= 0)
		return cli_fail("--log-rotate: needs --log-size-max");
	if (cfg->log_max_files > 0 && !cfg->log_rotate)
		return cli_fail("--log-max-files: needs --log-rotate");
	if (cfg->log_rotate && cfg->log_max_files == 0)
		cfg->log_max_files = 1;
	return true;
}

/* What ptyshim refuses and conmon finds out only after daemonizing, or
 * never: refused while the caller still reads our stderr. */
static bool cli_validate_unsupported(const struct shim_config *cfg)
{
	if (cfg->sdnotify_socket != NULL)
		return cli_fail("--sdnotify-socket: not supported by ptyshim");
	if (cfg->seccomp_notify_socket != NULL)
		return cli_fail("--seccomp-notify-socket: not supported by ptyshim");
	if (cfg->exec_attach && getenv("_OCI_ATTACHPIPE") == NULL)
		return cli_fail("--attach specified but _OCI_ATTACHPIPE was not set");
	return true;
}

/* $XDG_RUNTIME_DIR as the XDG spec defines it: an absolute directory of
 * the user's own that they can write. */
static bool cli_xdg_runtime_dir_usable(const char *dir)
{
	struct stat st;
	return dir != NULL && dir[0] == '/' && stat(dir, &st) == 0 && S_ISDIR(st.st_mode) &&
	       st.st_uid == geteuid() && access(dir, W_OK | X_OK) == 0;
}

/* conmon's default, /var/run/crio, is root's: another user could not make
 * the socket link there, and the shim would die after daemonizing. They get
 * $XDG_RUNTIME_DIR/ptyshim, the per-user runtime directory made for
 * sockets, when it is usable; else, as tmux does, ptyshim-UID in $TMPDIR
 * (or /tmp), which the shim makes 0700 and refuses to use unless it is a
 * directory of this user that nobody else can enter (so a link planted
 * there by someone else is never followed). A directory inside the bundle
 * would do too, but its link back to the bundle makes a cycle that
 * `cp -rL` or `find -L` over the bundle would loop on. */
static void cli_default_socket_dir(struct shim_config *cfg)
{
	if (cfg->socket_dir_path != NULL)
		return;
	const char *xdg = getenv("XDG_RUNTIME_DIR");
	if (geteuid() == 0)
		cfg->socket_dir_path = "/var/run/crio";
	else if (cli_xdg_runtime_dir_usable(xdg))
		cfg->socket_dir_path = cfg->socket_dir_owned = xasprintf("%s/ptyshim", xdg);
	else {
		const char *tmp = getenv("TMPDIR");
		if (tmp == NULL || tmp[0] != '/')
			tmp = "/tmp";
		cfg->socket_dir_path = cfg->socket_dir_owned = xasprintf("%s/ptyshim-%u", tmp, (unsigned)geteuid());
	}
	cfg->socket_dir_private = geteuid() != 0;
}

/* The bundle and the pid file become the config's own strings, the
 * defaults in the working directory as conmon's. */
static void cli_own_paths(struct shim_config *cfg, const char *cwd)
{
	cfg->bundle = xstrdup(cfg->bundle ? cfg->bundle : cwd);
	if (cfg->container_pidfile == NULL)
		cfg->container_pidfile = xasprintf("%s/pidfile-%s", cwd, cfg->cid);
	else
		cfg->container_pidfile = xstrdup(cfg->container_pidfile);
	cli_default_socket_dir(cfg);
}

static bool cli_validate(struct cli_scan *sc)
{
	if (!cli_validate_identity(sc) || !cli_validate_runtime(sc) || !cli_validate_logs(sc) ||
	    !cli_validate_unsupported(sc->cfg))
		return false;
	cli_own_paths(sc->cfg, sc->cwd);
	return true;
}

enum cli_result cli_parse(int argc, char **argv, struct shim_config *cfg)
{
	*cfg = (struct shim_config){
		.log_level = DIAG_WARN,
		.log_size_max = -1,
		.log_global_size_max = -1,
		.attach_queue_max = 4u << 20,
		.runtime_timeout = 240,
	};
	struct cli_scan sc = {.cfg = cfg};
	enum cli_result result = CLI_EXIT_FAIL;
	enum cli_step step = cli_walk(&sc, argc, argv);
	if (step == CLI_STEP_HELP) {
		fputs(cli_usage, stdout);
		result = CLI_EXIT_OK;
	} else if (step == CLI_STEP_OK && sc.version) {
		/* podman parses the first line with a regex; keep it exactly conmon's. */
		printf("conmon version 2.1.6\ncommit: unknown\nptyshim %s\n", PTYSHIM_VERSION);
		result = CLI_EXIT_OK;
	} else if (step == CLI_STEP_OK && cli_validate(&sc)) {
		result = CLI_OK;
	}
	free(sc.log_args.items);
	free(sc.cwd);
	if (result != CLI_OK) {
		/* Until validation succeeds these still point into argv. */
		cfg->bundle = NULL;
		cfg->container_pidfile = NULL;
		cli_free(cfg);
	}
	return result;
}

void cli_free(struct shim_config *cfg)
{
	for (size_t i = 0; i < cfg->n_logs; i++)
		free(cfg->logs[i].path_owned);
	free(cfg->logs);
	free(cfg->runtime_args.items);
	free(cfg->runtime_opts.items);
	free(cfg->exit_command_args.items);
	free((char *)cfg->bundle);
	free((char *)cfg->container_pidfile);
	free(cfg->socket_dir_owned);
	*cfg = (struct shim_config){0};
}
