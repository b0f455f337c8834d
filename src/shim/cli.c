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

#include "base/diag.h"
#include "base/util.h"

enum {
	OPT_API_VERSION = 256,
	OPT_EXIT_DIR,
	OPT_FULL_ATTACH,
	OPT_LOG_LEVEL,
	OPT_SYSLOG,
	OPT_RUNTIME_ARG,
	OPT_RUNTIME_OPT,
	OPT_EXIT_COMMAND,
	OPT_EXIT_COMMAND_ARG,
	OPT_EXIT_DELAY,
	OPT_EXEC_ATTACH,
	OPT_EXEC_PROCESS_SPEC,
	OPT_LOG_SIZE_MAX,
	OPT_LOG_GLOBAL_SIZE_MAX,
	OPT_LOG_TAG,
	OPT_LOG_ROTATE,
	OPT_LOG_MAX_FILES,
	OPT_NO_NEW_KEYRING,
	OPT_NO_PIVOT,
	OPT_SDNOTIFY_SOCKET,
	OPT_RESTORE,
	OPT_RESTORE_ARG,
	OPT_SOCKET_DIR_PATH,
	OPT_LEAVE_STDIN_OPEN,
	OPT_REPLACE_LISTEN_PID,
	OPT_SYNC,
	OPT_NO_SYNC_LOG,
	OPT_SECCOMP_NOTIFY_SOCKET,
	OPT_SECCOMP_NOTIFY_PLUGINS,
	OPT_VERSION,
	OPT_HELP,
	OPT_NO_RUNTIME,
	OPT_ATTACH_QUEUE_SIZE,
	OPT_INITIAL_SIZE,
	OPT_RUNTIME_TIMEOUT,
};

static const struct option cli_options[] = {
	{"api-version", no_argument, NULL, OPT_API_VERSION},
	{"cid", required_argument, NULL, 'c'},
	{"cuuid", required_argument, NULL, 'u'},
	{"runtime", required_argument, NULL, 'r'},
	{"bundle", required_argument, NULL, 'b'},
	{"container-pidfile", required_argument, NULL, 'p'},
	{"pidfile", required_argument, NULL, 'p'},
	{"name", required_argument, NULL, 'n'},
	{"exit-dir", required_argument, NULL, OPT_EXIT_DIR},
	{"persist-dir", required_argument, NULL, '0'},
	{"full-attach", no_argument, NULL, OPT_FULL_ATTACH},
	{"log-path", required_argument, NULL, 'l'},
	{"log-level", required_argument, NULL, OPT_LOG_LEVEL},
	{"syslog", no_argument, NULL, OPT_SYSLOG},
	{"runtime-arg", required_argument, NULL, OPT_RUNTIME_ARG},
	{"runtime-opt", required_argument, NULL, OPT_RUNTIME_OPT},
	{"terminal", no_argument, NULL, 't'},
	{"stdin", no_argument, NULL, 'i'},
	{"conmon-pidfile", required_argument, NULL, 'P'},
	{"exit-command", required_argument, NULL, OPT_EXIT_COMMAND},
	{"exit-command-arg", required_argument, NULL, OPT_EXIT_COMMAND_ARG},
	{"exit-delay", required_argument, NULL, OPT_EXIT_DELAY},
	{"exec", no_argument, NULL, 'e'},
	{"exec-attach", no_argument, NULL, OPT_EXEC_ATTACH},
	{"exec-process-spec", required_argument, NULL, OPT_EXEC_PROCESS_SPEC},
	{"timeout", required_argument, NULL, 'T'},
	{"log-size-max", required_argument, NULL, OPT_LOG_SIZE_MAX},
	{"log-global-size-max", required_argument, NULL, OPT_LOG_GLOBAL_SIZE_MAX},
	{"log-tag", required_argument, NULL, OPT_LOG_TAG},
	{"log-rotate", no_argument, NULL, OPT_LOG_ROTATE},
	{"log-max-files", required_argument, NULL, OPT_LOG_MAX_FILES},
	{"no-new-keyring", no_argument, NULL, OPT_NO_NEW_KEYRING},
	{"no-pivot", no_argument, NULL, OPT_NO_PIVOT},
	{"systemd-cgroup", no_argument, NULL, 's'},
	{"sdnotify-socket", required_argument, NULL, OPT_SDNOTIFY_SOCKET},
	{"restore", required_argument, NULL, OPT_RESTORE},
	{"restore-arg", required_argument, NULL, OPT_RESTORE_ARG},
	{"socket-dir-path", required_argument, NULL, OPT_SOCKET_DIR_PATH},
	{"leave-stdin-open", no_argument, NULL, OPT_LEAVE_STDIN_OPEN},
	{"replace-listen-pid", no_argument, NULL, OPT_REPLACE_LISTEN_PID},
	{"sync", no_argument, NULL, OPT_SYNC},
	{"no-sync-log", no_argument, NULL, OPT_NO_SYNC_LOG},
	{"seccomp-notify-socket", required_argument, NULL, OPT_SECCOMP_NOTIFY_SOCKET},
	{"seccomp-notify-plugins", required_argument, NULL, OPT_SECCOMP_NOTIFY_PLUGINS},
	{"version", no_argument, NULL, OPT_VERSION},
	{"help", no_argument, NULL, OPT_HELP},
	{"no-runtime", no_argument, NULL, OPT_NO_RUNTIME},
	{"attach-queue-size", required_argument, NULL, OPT_ATTACH_QUEUE_SIZE},
	{"initial-size", required_argument, NULL, OPT_INITIAL_SIZE},
	{"runtime-timeout", required_argument, NULL, OPT_RUNTIME_TIMEOUT},
	{NULL, 0, NULL, 0},
};

static const char cli_short[] = ":c:u:r:b:p:n:0:l:tiP:eT:s";

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

int cli_parse_log_spec(const char *arg, struct log_spec *out, const char **err)
{
	const char *colon = strchr(arg, ':');
	if (colon == NULL) {
		if (strcmp(arg, "none") == 0 || strcmp(arg, "off") == 0 || strcmp(arg, "null") == 0) {
			*out = (struct log_spec){LOGDRV_NONE, NULL};
		} else if (strcmp(arg, "passthrough") == 0) {
			*out = (struct log_spec){LOGDRV_PASSTHROUGH, NULL};
		} else if (strcmp(arg, "journald") == 0) {
			*out = (struct log_spec){LOGDRV_JOURNALD, NULL};
		} else if (strcmp(arg, "k8s-file") == 0 || strcmp(arg, "asciicast") == 0) {
			*err = "this log driver needs a path (DRIVER:PATH)";
			return -1;
		} else if (*arg == '\0') {
			*err = "empty log driver";
			return -1;
		} else {
			/* conmon: a bare value without a colon is a k8s-file path. */
			*out = (struct log_spec){LOGDRV_K8S_FILE, arg};
		}
		return 0;
	}
	size_t dlen = (size_t)(colon - arg);
	const char *path = colon + 1;
	if (dlen == 8 && strncmp(arg, "k8s-file", dlen) == 0)
		*out = (struct log_spec){LOGDRV_K8S_FILE, path};
	else if (dlen == 9 && strncmp(arg, "asciicast", dlen) == 0)
		*out = (struct log_spec){LOGDRV_ASCIICAST, path};
	else if (dlen == 8 && strncmp(arg, "journald", dlen) == 0)
		*out = (struct log_spec){LOGDRV_JOURNALD, NULL};
	else {
		*err = "no such log driver";
		return -1;
	}
	if ((out->kind == LOGDRV_K8S_FILE || out->kind == LOGDRV_ASCIICAST) && *path == '\0') {
		*err = "empty log path";
		return -1;
	}
	return 0;
}

/* Splits argv at the first "--" that is not the value of an option, so a
 * --no-runtime command keeps its own options and its own "--". */
static int cli_find_separator(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (strcmp(a, "--") == 0)
			return i;
		if (a[0] == '-' && a[1] == '-') {
			if (strchr(a, '=') != NULL)
				continue;
			for (const struct option *o = cli_options; o->name; o++)
				if (strcmp(a + 2, o->name) == 0) {
					if (o->has_arg == required_argument)
						i++;
					break;
				}
		} else if (a[0] == '-' && a[1] != '\0') {
			/* A short option cluster: the first option taking a value ends it. */
			for (const char *p = a + 1; *p; p++) {
				const char *s = strchr(cli_short, *p);
				if (s != NULL && s[1] == ':') {
					if (p[1] == '\0')
						i++;
					break;
				}
			}
		}
	}
	return argc;
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

static bool cli_option(struct shim_config *cfg, int opt, const char *arg, const char *flag)
{
	int64_t v;
	const char *err;

	switch (opt) {
	case OPT_API_VERSION: cfg->api_version = true; break;
	case 'c': cfg->cid = arg; break;
	case 'u': cfg->cuuid = arg; break;
	case 'r': cfg->runtime = arg; break;
	case 'b': cfg->bundle = arg; break;
	case 'p':
		cfg->container_pidfile = arg;
		cfg->container_pidfile_given = true;
		break;
	case 'n': cfg->name = arg; break;
	case OPT_EXIT_DIR: cfg->exit_dir = arg; break;
	case '0': cfg->persist_dir = arg; break;
	case OPT_FULL_ATTACH: cfg->full_attach = true; break;
	case 'l':
		cfg->logs = xrealloc(cfg->logs, (cfg->n_logs + 1) * sizeof(*cfg->logs));
		if (cli_parse_log_spec(arg, &cfg->logs[cfg->n_logs], &err) < 0)
			return cli_fail(flag, "%s: '%s'", err, arg);
		cfg->n_logs++;
		break;
	case OPT_LOG_LEVEL: {
		int level = diag_level_parse(arg);
		if (level < 0)
			return cli_fail(flag, "no such log level '%s'", arg);
		cfg->log_level = level;
		break;
	}
	case OPT_SYSLOG: cfg->syslog = true; break;
	case OPT_RUNTIME_ARG: strlist_push(&cfg->runtime_args, arg); break;
	case OPT_RUNTIME_OPT: strlist_push(&cfg->runtime_opts, arg); break;
	case 't': cfg->terminal = true; break;
	case 'i': cfg->stdin_pipe = true; break;
	case 'P': cfg->conmon_pidfile = arg; break;
	case OPT_EXIT_COMMAND: cfg->exit_command = arg; break;
	case OPT_EXIT_COMMAND_ARG: strlist_push(&cfg->exit_command_args, arg); break;
	case OPT_EXIT_DELAY:
		if (!cli_number(flag, arg, 0, 86400, &v))
			return false;
		cfg->exit_delay = (int)v;
		break;
	case 'e': cfg->exec = true; break;
	case OPT_EXEC_ATTACH: cfg->exec_attach = true; break;
	case OPT_EXEC_PROCESS_SPEC: cfg->exec_process_spec = arg; break;
	case 'T':
		if (!cli_number(flag, arg, 0, INT32_MAX / 1000, &v))
			return false;
		cfg->timeout = (int)v;
		break;
	case OPT_LOG_SIZE_MAX:
		if (!cli_number(flag, arg, -1, INT64_MAX, &v))
			return false;
		cfg->log_size_max = v == 0 ? -1 : v;
		break;
	case OPT_LOG_GLOBAL_SIZE_MAX:
		if (!cli_number(flag, arg, -1, INT64_MAX, &v))
			return false;
		cfg->log_global_size_max = v == 0 ? -1 : v;
		break;
	case OPT_LOG_TAG: cfg->log_tag = arg; break;
	case OPT_LOG_ROTATE: cfg->log_rotate = true; break;
	case OPT_LOG_MAX_FILES:
		if (!cli_number(flag, arg, 1, 1000, &v))
			return false;
		cfg->log_max_files = (int)v;
		break;
	case OPT_NO_NEW_KEYRING: cfg->no_new_keyring = true; break;
	case OPT_NO_PIVOT: cfg->no_pivot = true; break;
	case 's': cfg->systemd_cgroup = true; break;
	case OPT_SDNOTIFY_SOCKET: cfg->sdnotify_socket = arg; break;
	case OPT_RESTORE: cfg->restore = arg; break;
	case OPT_RESTORE_ARG: break; /* deprecated in conmon: accepted and ignored */
	case OPT_SOCKET_DIR_PATH: cfg->socket_dir_path = arg; break;
	case OPT_LEAVE_STDIN_OPEN: cfg->leave_stdin_open = true; break;
	case OPT_REPLACE_LISTEN_PID: cfg->replace_listen_pid = true; break;
	case OPT_SYNC: cfg->sync = true; break;
	case OPT_NO_SYNC_LOG: cfg->no_sync_log = true; break;
	case OPT_SECCOMP_NOTIFY_SOCKET: cfg->seccomp_notify_socket = arg; break;
	case OPT_SECCOMP_NOTIFY_PLUGINS: cfg->seccomp_notify_plugins = arg; break;
	case OPT_NO_RUNTIME: cfg->no_runtime = true; break;
	case OPT_ATTACH_QUEUE_SIZE:
		if (!cli_number(flag, arg, 65536, (int64_t)1 << 32, &v))
			return false;
		cfg->attach_queue_max = (size_t)v;
		break;
	case OPT_INITIAL_SIZE:
		if (!cli_parse_size(arg, &cfg->initial_rows, &cfg->initial_cols))
			return cli_fail(flag, "expected ROWSxCOLS (1-65535 each), got '%s'", arg);
		break;
	case OPT_RUNTIME_TIMEOUT:
		if (!cli_number(flag, arg, 1, 86400, &v))
			return false;
		cfg->runtime_timeout = (int)v;
		break;
	default:
		return cli_fail(NULL, "option parsing failed: unexpected option %s", flag);
	}
	return true;
}

static const char *cli_flag_name(int opt, char *shortbuf)
{
	for (const struct option *o = cli_options; o->name; o++)
		if (o->val == opt)
			return xasprintf("--%s", o->name);
	shortbuf[0] = '-';
	shortbuf[1] = (char)opt;
	shortbuf[2] = '\0';
	return shortbuf;
}

static bool cli_validate(struct shim_config *cfg)
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
	if (cfg->sdnotify_socket != NULL)
		return cli_fail("--sdnotify-socket", "not supported by ptyshim");
	if (cfg->seccomp_notify_socket != NULL)
		return cli_fail("--seccomp-notify-socket", "not supported by ptyshim");
	if (cfg->restore != NULL && cfg->exec)
		return cli_fail("--restore", "cannot be combined with --exec");

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
	int sep = cli_find_separator(argc, argv);
	if (sep < argc)
		cfg->command = argv + sep + 1;

	char *saved = argv[sep < argc ? sep : 0];
	if (sep < argc)
		argv[sep] = NULL;
	opterr = 0;
	optind = 0; /* 0, not 1: glibc then also forgets the previous argv */
	int opt;
	bool ok = true;
	bool version = false, help = false;
	while (ok && (opt = getopt_long(sep, argv, cli_short, cli_options, NULL)) != -1) {
		char shortbuf[3];
		if (opt == '?') {
			const char *bad = argv[optind - 1];
			if (optopt != 0)
				ok = cli_fail(NULL, "option parsing failed: unknown option -%c", optopt);
			else
				ok = cli_fail(NULL, "option parsing failed: unknown option %s", bad);
		} else if (opt == ':') {
			ok = cli_fail(NULL, "option parsing failed: missing argument for %s", argv[optind - 1]);
		} else if (opt == OPT_VERSION) {
			version = true;
		} else if (opt == OPT_HELP) {
			help = true;
		} else {
			const char *flag = cli_flag_name(opt, shortbuf);
			ok = cli_option(cfg, opt, optarg, flag);
			if (flag != shortbuf)
				free((char *)flag);
		}
	}
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
