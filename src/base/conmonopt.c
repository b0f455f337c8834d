/* conmonopt: the option table and glib's rules for walking an argv. */
#include "base/conmonopt.h"

#include <string.h>

#include "base/util.h"

/* conmon-interface.md §1.2 lists conmon's; the last five are ptyshim's. */
const struct conmonopt conmonopt_table[] = {
	{"api-version", 0, false, CONMONOPT_NOT_INT, CONMONOPT_API_VERSION},
	{"cid", 'c', true, CONMONOPT_NOT_INT, CONMONOPT_CID},
	{"cuuid", 'u', true, CONMONOPT_NOT_INT, CONMONOPT_CUUID},
	{"runtime", 'r', true, CONMONOPT_NOT_INT, CONMONOPT_RUNTIME},
	{"bundle", 'b', true, CONMONOPT_NOT_INT, CONMONOPT_BUNDLE},
	{"container-pidfile", 'p', true, CONMONOPT_NOT_INT, CONMONOPT_CONTAINER_PIDFILE},
	{"pidfile", 0, true, CONMONOPT_NOT_INT, CONMONOPT_CONTAINER_PIDFILE},
	{"name", 'n', true, CONMONOPT_NOT_INT, CONMONOPT_NAME},
	{"exit-dir", 0, true, CONMONOPT_NOT_INT, CONMONOPT_EXIT_DIR},
	{"persist-dir", '0', true, CONMONOPT_NOT_INT, CONMONOPT_PERSIST_DIR},
	{"full-attach", 0, false, CONMONOPT_NOT_INT, CONMONOPT_FULL_ATTACH},
	{"log-path", 'l', true, CONMONOPT_NOT_INT, CONMONOPT_LOG_PATH},
	{"log-level", 0, true, CONMONOPT_NOT_INT, CONMONOPT_LOG_LEVEL},
	{"syslog", 0, false, CONMONOPT_NOT_INT, CONMONOPT_SYSLOG},
	{"runtime-arg", 0, true, CONMONOPT_NOT_INT, CONMONOPT_RUNTIME_ARG},
	{"runtime-opt", 0, true, CONMONOPT_NOT_INT, CONMONOPT_RUNTIME_OPT},
	{"terminal", 't', false, CONMONOPT_NOT_INT, CONMONOPT_TERMINAL},
	{"stdin", 'i', false, CONMONOPT_NOT_INT, CONMONOPT_STDIN},
	{"conmon-pidfile", 'P', true, CONMONOPT_NOT_INT, CONMONOPT_CONMON_PIDFILE},
	{"exit-command", 0, true, CONMONOPT_NOT_INT, CONMONOPT_EXIT_COMMAND},
	{"exit-command-arg", 0, true, CONMONOPT_NOT_INT, CONMONOPT_EXIT_COMMAND_ARG},
	{"exit-delay", 0, true, CONMONOPT_INT, CONMONOPT_EXIT_DELAY},
	{"exec", 'e', false, CONMONOPT_NOT_INT, CONMONOPT_EXEC},
	{"exec-attach", 0, false, CONMONOPT_NOT_INT, CONMONOPT_EXEC_ATTACH},
	{"exec-process-spec", 0, true, CONMONOPT_NOT_INT, CONMONOPT_EXEC_PROCESS_SPEC},
	{"timeout", 'T', true, CONMONOPT_INT, CONMONOPT_TIMEOUT},
	{"log-size-max", 0, true, CONMONOPT_INT64, CONMONOPT_LOG_SIZE_MAX},
	{"log-global-size-max", 0, true, CONMONOPT_INT64, CONMONOPT_LOG_GLOBAL_SIZE_MAX},
	{"log-tag", 0, true, CONMONOPT_NOT_INT, CONMONOPT_LOG_TAG},
	{"log-rotate", 0, false, CONMONOPT_NOT_INT, CONMONOPT_LOG_ROTATE},
	{"log-max-files", 0, true, CONMONOPT_NOT_INT, CONMONOPT_LOG_MAX_FILES},
	{"no-new-keyring", 0, false, CONMONOPT_NOT_INT, CONMONOPT_NO_NEW_KEYRING},
	{"no-pivot", 0, false, CONMONOPT_NOT_INT, CONMONOPT_NO_PIVOT},
	{"systemd-cgroup", 's', false, CONMONOPT_NOT_INT, CONMONOPT_SYSTEMD_CGROUP},
	{"sdnotify-socket", 0, true, CONMONOPT_NOT_INT, CONMONOPT_SDNOTIFY_SOCKET},
	{"restore", 0, true, CONMONOPT_NOT_INT, CONMONOPT_RESTORE},
	{"restore-arg", 0, true, CONMONOPT_NOT_INT, CONMONOPT_RESTORE_ARG},
	{"socket-dir-path", 0, true, CONMONOPT_NOT_INT, CONMONOPT_SOCKET_DIR_PATH},
	{"leave-stdin-open", 0, false, CONMONOPT_NOT_INT, CONMONOPT_LEAVE_STDIN_OPEN},
	{"replace-listen-pid", 0, false, CONMONOPT_NOT_INT, CONMONOPT_REPLACE_LISTEN_PID},
	{"sync", 0, false, CONMONOPT_NOT_INT, CONMONOPT_SYNC},
	{"no-sync-log", 0, false, CONMONOPT_NOT_INT, CONMONOPT_NO_SYNC_LOG},
	{"seccomp-notify-socket", 0, true, CONMONOPT_NOT_INT, CONMONOPT_SECCOMP_NOTIFY_SOCKET},
	{"seccomp-notify-plugins", 0, true, CONMONOPT_NOT_INT, CONMONOPT_SECCOMP_NOTIFY_PLUGINS},
	{"version", 0, false, CONMONOPT_NOT_INT, CONMONOPT_VERSION},
	{"help", 0, false, CONMONOPT_NOT_INT, CONMONOPT_HELP},
	{"no-runtime", 0, false, CONMONOPT_NOT_INT, CONMONOPT_NO_RUNTIME},
	{"no-screen", 0, false, CONMONOPT_NOT_INT, CONMONOPT_NO_SCREEN},
	{"attach-queue-size", 0, true, CONMONOPT_NOT_INT, CONMONOPT_ATTACH_QUEUE_SIZE},
	{"initial-size", 0, true, CONMONOPT_NOT_INT, CONMONOPT_INITIAL_SIZE},
	{"runtime-timeout", 0, true, CONMONOPT_NOT_INT, CONMONOPT_RUNTIME_TIMEOUT},
};
const size_t conmonopt_count = ARRAY_SIZE(conmonopt_table);

const struct conmonopt *conmonopt_long(const char *name, size_t len)
{
	for (size_t i = 0; i < conmonopt_count; i++)
		if (strlen(conmonopt_table[i].name) == len && memcmp(conmonopt_table[i].name, name, len) == 0)
			return &conmonopt_table[i];
	return NULL;
}

const struct conmonopt *conmonopt_short(char c)
{
	for (size_t i = 0; c != '\0' && i < conmonopt_count; i++)
		if (conmonopt_table[i].short_name == c)
			return &conmonopt_table[i];
	return NULL;
}

/* One "--name[=value]" at argv[*i]; advances *i past a separate value. */
static void walk_long(int argc, const char *const *argv, int *i, conmonopt_fn fn, void *ctx)
{
	const char *name = argv[*i] + 2;
	const char *eq = strchr(name, '=');
	const struct conmonopt *opt = conmonopt_long(name, eq ? (size_t)(eq - name) : strlen(name));
	if (opt == NULL)
		return;
	if (!opt->takes_value) {
		if (eq == NULL)
			fn(opt, NULL, ctx);
		return;
	}
	if (eq != NULL) {
		fn(opt, eq + 1, ctx);
	} else if (*i + 1 < argc) {
		++*i;
		fn(opt, argv[*i], ctx);
	}
}

/* One short cluster "-abc" or "-cVALUE" at argv[*i]. */
static void walk_short(int argc, const char *const *argv, int *i, conmonopt_fn fn, void *ctx)
{
	for (const char *c = argv[*i] + 1; *c; c++) {
		const struct conmonopt *opt = conmonopt_short(*c);
		if (opt == NULL)
			continue;
		if (!opt->takes_value) {
			fn(opt, NULL, ctx);
			continue;
		}
		const char *value = c[1] ? c + 1 : (*i + 1 < argc ? argv[++*i] : NULL);
		if (value)
			fn(opt, value, ctx);
		return;
	}
}

void conmonopt_walk(int argc, const char *const *argv, conmonopt_fn fn, void *ctx)
{
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (strcmp(a, "--") == 0)
			break;
		if (a[0] == '-' && a[1] == '-')
			walk_long(argc, argv, &i, fn, ctx);
		else if (a[0] == '-' && a[1] != '\0')
			walk_short(argc, argv, &i, fn, ctx);
	}
}
