/* cli: glib-compatible parsing of conmon's command line. getopt_long with
 * required_argument gives glib's semantics for values: "--opt v" and
 * "--opt=v", values starting with "-", empty values. */
#include "shim/cli.h"

#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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
	"log drivers: k8s-file:PATH (or a bare PATH), asciicast:PATH, none, passthrough\n"
	"\n"
	"ptyshim options:\n"
	"  --no-runtime            run CMD (after --) under a PTY or pipes, no OCI runtime\n"
	"  --no-screen             no screen model: attach clients get raw bytes only, no repaint\n"
	"  --attach-queue-size N   bytes an attach client may fall behind (default 4 MiB)\n"
	"  --initial-size RxC      terminal size to set on the PTY when it arrives\n"
	"  --runtime-timeout S     give up on RUNTIME create/exec after S seconds (default 240)\n";

static void strlist_push(struct strlist *l, const char *s)
{
	l->items = xrealloc(l->items, (l->len + 1) * sizeof(*l->items));
	l->items[l->len++] = s;
}

static bool cli_fail(const char *flag, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static bool cli_fail(const char *flag, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (flag)
		diag_err("%s: %s", flag, msg);
	else
		diag_err("%s", msg);
	return false;
}

/* The log drivers by name, and what follows the name: "NAME:PATH" needs a
 * path, a bare "NAME" takes none, journald takes either (and ignores it). */
enum log_path_rule { LOG_PATH_NONE, LOG_PATH_NEEDED, LOG_PATH_IGNORED };
static const struct {
	const char *name;
	enum log_driver_kind kind;
	enum log_path_rule path;
} cli_log_drivers[] = {
	{"none", LOGDRV_NONE, LOG_PATH_NONE},
	{"off", LOGDRV_NONE, LOG_PATH_NONE},
	{"null", LOGDRV_NONE, LOG_PATH_NONE},
	{"passthrough", LOGDRV_PASSTHROUGH, LOG_PATH_NONE},
	{"journald", LOGDRV_JOURNALD, LOG_PATH_IGNORED},
	{"k8s-file", LOGDRV_K8S_FILE, LOG_PATH_NEEDED},
	{"asciicast", LOGDRV_ASCIICAST, LOG_PATH_NEEDED},
};

/* -l/--log-path: "DRIVER:PATH", a bare "DRIVER", or a bare PATH (k8s-file,
 * as conmon). Returns 0, or -1 with *err a static text. */
static int cli_parse_log_spec(const char *arg, struct log_spec *out, const char **err)
{
	const char *colon = strchr(arg, ':');
	size_t dlen = colon ? (size_t)(colon - arg) : strlen(arg);
	for (size_t i = 0; i < ARRAY_SIZE(cli_log_drivers); i++) {
		const char *name = cli_log_drivers[i].name;
		enum log_path_rule rule = cli_log_drivers[i].path;
		if (strlen(name) != dlen || strncmp(arg, name, dlen) != 0 || (colon && rule == LOG_PATH_NONE))
			continue;
		if (!colon && rule == LOG_PATH_NEEDED) {
			*err = "this log driver needs a path (DRIVER:PATH)";
			return -1;
		}
		if (colon && rule == LOG_PATH_NEEDED && colon[1] == '\0') {
			*err = "empty log path";
			return -1;
		}
		*out = (struct log_spec){cli_log_drivers[i].kind, rule == LOG_PATH_NEEDED ? colon + 1 : NULL};
		return 0;
	}
	if (colon) {
		*err = "no such log driver";
		return -1;
	}
	if (*arg == '\0') {
		*err = "empty log driver";
		return -1;
	}
	/* conmon: a bare value without a colon is a k8s-file path. */
	*out = (struct log_spec){LOGDRV_K8S_FILE, arg};
	return 0;
}

static bool cli_number(const char *flag, const char *arg, int64_t min, int64_t max, int64_t *out)
{
	if (parse_i64(arg, min, max, out) < 0)
		return cli_fail(flag, "%s: '%s'", errno == ERANGE ? "value out of range" : "not a number", arg);
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

static bool cli_log_path(struct shim_config *cfg, const char *arg, const char *flag)
{
	const char *err;
	cfg->logs = xrealloc(cfg->logs, (cfg->n_logs + 1) * sizeof(*cfg->logs));
	if (cli_parse_log_spec(arg, &cfg->logs[cfg->n_logs], &err) < 0)
		return cli_fail(flag, "%s: '%s'", err, arg);
	cfg->n_logs++;
	return true;
}

static bool cli_log_level(struct shim_config *cfg, const char *arg, const char *flag)
{
	int level = diag_level_parse(arg);
	if (level < 0)
		return cli_fail(flag, "no such log level '%s'", arg);
	cfg->log_level = level;
	return true;
}

/* Options whose value is a number in a range. */
static bool cli_number_option(struct shim_config *cfg, enum conmonopt_id opt, const char *arg, const char *flag)
{
	int64_t v;
	switch (opt) {
	case CONMONOPT_EXIT_DELAY:
		if (!cli_number(flag, arg, 0, 86400, &v))
			return false;
		cfg->exit_delay = (int)v;
		break;
	case CONMONOPT_TIMEOUT:
		if (!cli_number(flag, arg, 0, INT32_MAX / 1000, &v))
			return false;
		cfg->timeout = (int)v;
		break;
	case CONMONOPT_LOG_SIZE_MAX:
		if (!cli_number(flag, arg, -1, INT64_MAX, &v))
			return false;
		cfg->log_size_max = v == 0 ? -1 : v;
		break;
	case CONMONOPT_LOG_GLOBAL_SIZE_MAX:
		if (!cli_number(flag, arg, -1, INT64_MAX, &v))
			return false;
		cfg->log_global_size_max = v == 0 ? -1 : v;
		break;
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
		return cli_fail(NULL, "option parsing failed: unexpected option %s", flag);
	}
	return true;
}

static bool cli_option(struct shim_config *cfg, enum conmonopt_id opt, const char *arg, const char *flag)
{
	if (cli_plain_option(cfg, opt, arg))
		return true;
	switch (opt) {
	case CONMONOPT_LOG_PATH:
		return cli_log_path(cfg, arg, flag);
	case CONMONOPT_LOG_LEVEL:
		return cli_log_level(cfg, arg, flag);
	case CONMONOPT_INITIAL_SIZE:
		if (!cli_parse_size(arg, &cfg->initial_rows, &cfg->initial_cols))
			return cli_fail(flag, "expected ROWSxCOLS (1-65535 each), got '%s'", arg);
		return true;
	default:
		return cli_number_option(cfg, opt, arg, flag);
	}
}

/* The flag as the user wrote it, for messages: "--cid" or "-c". */
static char *cli_flag_name(const struct conmonopt *o, int opt)
{
	if (opt == o->short_name)
		return xasprintf("-%c", o->short_name);
	return xasprintf("--%s", o->name);
}

/* getopt_long's view of the table: a long option returns 256 + its index,
 * a short one its letter. Allocated; free both. */
static struct option *cli_getopt_table(char **short_out)
{
	struct option *longs = xcalloc(conmonopt_count + 1, sizeof(*longs));
	char *shorts = xmalloc(2 * conmonopt_count + 2), *sp = shorts;
	*sp++ = ':';
	for (size_t i = 0; i < conmonopt_count; i++) {
		const struct conmonopt *o = &conmonopt_table[i];
		longs[i] = (struct option){o->name, o->takes_value ? required_argument : no_argument, NULL,
					   256 + (int)i};
		if (o->short_name) {
			*sp++ = o->short_name;
			if (o->takes_value)
				*sp++ = ':';
		}
	}
	*sp = '\0';
	*short_out = shorts;
	return longs;
}

static const struct conmonopt *cli_opt_of(int opt)
{
	if (opt >= 256 && (size_t)(opt - 256) < conmonopt_count)
		return &conmonopt_table[opt - 256];
	return conmonopt_short((char)opt);
}

/* What runs and how: ids, the runtime or the command, exec. */
static bool cli_validate_mode(const struct shim_config *cfg)
{
	if (cfg->cid == NULL)
		return cli_fail("--cid", "container ID not provided");
	if (cfg->cuuid == NULL)
		return cli_fail("--cuuid", "container UUID not provided");
	if (cfg->no_runtime) {
		if (cfg->command == NULL || cfg->command[0] == NULL)
			return cli_fail("--no-runtime", "no command given after --");
		if (cfg->exec || cfg->restore)
			return cli_fail("--no-runtime", "cannot be combined with --exec or --restore");
	} else {
		if (cfg->runtime == NULL)
			return cli_fail("--runtime", "runtime path not provided");
		if (access(cfg->runtime, X_OK) < 0)
			return cli_fail("--runtime", "runtime path %s is not valid: %s", cfg->runtime, strerror(errno));
		if (cfg->command != NULL)
			return cli_fail(NULL, "a command after -- needs --no-runtime");
	}
	if (cfg->exec && cfg->exec_process_spec == NULL)
		return cli_fail("--exec-process-spec", "exec process spec path not provided");
	if (cfg->exec_attach && !cfg->exec)
		return cli_fail("--exec-attach", "can only be specified with --exec");
	if (cfg->exec_attach && !cfg->api_version)
		return cli_fail("--exec-attach", "needs --api-version (not a legacy exec session)");
	return true;
}

static bool cli_validate_logs(struct shim_config *cfg)
{
	if (cfg->n_logs == 0)
		return cli_fail("--log-path", "log driver not provided");
	bool passthrough = false;
	for (size_t i = 0; i < cfg->n_logs; i++) {
		switch (cfg->logs[i].kind) {
		case LOGDRV_K8S_FILE:
			if (cfg->log_tag != NULL)
				return cli_fail("--log-tag", "k8s-file doesn't support --log-tag");
			break;
		case LOGDRV_JOURNALD:
			return cli_fail("--log-path", "the journald log driver is not supported by ptyshim");
		case LOGDRV_PASSTHROUGH:
			passthrough = true;
			break;
		default:
			break;
		}
	}
	if (passthrough) {
		for (int fd = 0; fd <= 2; fd++)
			if (isatty(fd))
				return cli_fail("--log-path", "passthrough logging cannot be used when fd 0-2 is a tty");
		if (cfg->terminal)
			return cli_fail("--log-path", "passthrough logging cannot be used with --terminal");
	}
	if (cfg->log_rotate && cfg->log_size_max <= 0)
		return cli_fail("--log-rotate", "needs --log-size-max");
	if (cfg->log_max_files > 0 && !cfg->log_rotate)
		return cli_fail("--log-max-files", "needs --log-rotate");
	if (cfg->log_rotate && cfg->log_max_files == 0)
		cfg->log_max_files = 1;
	return true;
}

/* The bundle and the pid file become the config's own strings, relative
 * ones resolved against the working directory as conmon does. */
static bool cli_own_paths(struct shim_config *cfg)
{
	char *cwd = getcwd(NULL, 0);
	if (cwd == NULL)
		return cli_fail(NULL, "cannot get the working directory: %s", strerror(errno));
	if (cfg->bundle == NULL)
		cfg->bundle = xstrdup(cwd);
	else
		cfg->bundle = xstrdup(cfg->bundle);
	if (cfg->container_pidfile == NULL)
		cfg->container_pidfile = xasprintf("%s/pidfile-%s", cwd, cfg->cid);
	else
		cfg->container_pidfile = xstrdup(cfg->container_pidfile);
	free(cwd);
	return true;
}

static bool cli_validate(struct shim_config *cfg)
{
	if (!cli_validate_mode(cfg) || !cli_validate_logs(cfg))
		return false;
	if (cfg->sdnotify_socket != NULL)
		return cli_fail("--sdnotify-socket", "not supported by ptyshim");
	if (cfg->seccomp_notify_socket != NULL)
		return cli_fail("--seccomp-notify-socket", "not supported by ptyshim");
	if (cfg->restore != NULL && cfg->exec)
		return cli_fail("--restore", "cannot be combined with --exec");
	return cli_own_paths(cfg);
}

/* The options in argv[0..argc) through getopt_long; stops at the first
 * error (reported). --version and --help are only noted. */
static bool cli_parse_options(int argc, char **argv, struct shim_config *cfg, bool *version, bool *help)
{
	opterr = 0;
	optind = 0; /* 0, not 1: glibc then also forgets the previous argv */
	char *shorts;
	struct option *longs = cli_getopt_table(&shorts);
	int opt;
	bool ok = true;
	while (ok && (opt = getopt_long(argc, argv, shorts, longs, NULL)) != -1) {
		const struct conmonopt *o = cli_opt_of(opt);
		if (opt == '?') {
			const char *bad = argv[optind - 1];
			if (optopt != 0)
				ok = cli_fail(NULL, "option parsing failed: unknown option -%c", optopt);
			else
				ok = cli_fail(NULL, "option parsing failed: unknown option %s", bad);
		} else if (opt == ':') {
			ok = cli_fail(NULL, "option parsing failed: missing argument for %s", argv[optind - 1]);
		} else if (o == NULL) {
			ok = cli_fail(NULL, "option parsing failed: unexpected option %d", opt);
		} else if (o->id == CONMONOPT_VERSION) {
			*version = true;
		} else if (o->id == CONMONOPT_HELP) {
			*help = true;
		} else {
			char *flag = cli_flag_name(o, opt);
			ok = cli_option(cfg, o->id, optarg, flag);
			free(flag);
		}
	}
	free(longs);
	free(shorts);
	return ok;
}

enum cli_result cli_parse(int argc, char **argv, struct shim_config *cfg)
{
	*cfg = (struct shim_config){
		.log_level = DIAG_WARN,
		.log_size_max = -1,
		.log_global_size_max = -1,
		.socket_dir_path = "/var/run/crio",
		.attach_queue_max = 4u << 20,
		.runtime_timeout = 240,
	};
	int sep = conmonopt_separator(argc, (const char *const *)argv);
	if (sep < argc)
		cfg->command = argv + sep + 1;

	char *saved = argv[sep < argc ? sep : 0];
	if (sep < argc)
		argv[sep] = NULL;
	bool version = false, help = false;
	bool ok = cli_parse_options(sep, argv, cfg, &version, &help);
	if (sep < argc)
		argv[sep] = saved;
	if (!ok)
		goto fail;
	if (version || help) {
		/* Nothing validated: the strings still point into argv. */
		cfg->bundle = NULL;
		cfg->container_pidfile = NULL;
	}
	if (version) {
		/* podman parses the first line with a regex; keep it exactly conmon's. */
		printf("conmon version 2.1.6\ncommit: unknown\nptyshim %s\n", PTYSHIM_VERSION);
		cli_free(cfg);
		return CLI_EXIT_OK;
	}
	if (help) {
		fputs(cli_usage, stdout);
		cli_free(cfg);
		return CLI_EXIT_OK;
	}
	/* Remaining positional arguments (podman's "--api-version 1") are ignored, as glib does. */
	if (cli_validate(cfg))
		return CLI_OK;
fail:
	/* Until validation succeeds these still point into argv. */
	cfg->bundle = NULL;
	cfg->container_pidfile = NULL;
	cli_free(cfg);
	return CLI_EXIT_FAIL;
}

void cli_free(struct shim_config *cfg)
{
	free(cfg->logs);
	free(cfg->runtime_args.items);
	free(cfg->runtime_opts.items);
	free(cfg->exit_command_args.items);
	free((char *)cfg->bundle);
	free((char *)cfg->container_pidfile);
	*cfg = (struct shim_config){0};
}
