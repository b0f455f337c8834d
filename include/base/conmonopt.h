/* conmonopt: conmon 2.1.6's command-line options (with 2.2's --log-rotate
 * and --log-max-files, and ptyshim's own long options), in one table. The
 * daemon parses its argv with it, and a client that reads a running shim's
 * argv from /proc (conmon's or ours) walks it with the same table, so a
 * value such as "--runtime-arg --log" is never taken for a flag. */
#ifndef PTYSHIM_CONMONOPT_H
#define PTYSHIM_CONMONOPT_H

#include <stdbool.h>
#include <stddef.h>

enum conmonopt_id {
	CONMONOPT_API_VERSION,
	CONMONOPT_CID,
	CONMONOPT_CUUID,
	CONMONOPT_RUNTIME,
	CONMONOPT_BUNDLE,
	CONMONOPT_CONTAINER_PIDFILE,
	CONMONOPT_NAME,
	CONMONOPT_EXIT_DIR,
	CONMONOPT_PERSIST_DIR,
	CONMONOPT_FULL_ATTACH,
	CONMONOPT_LOG_PATH,
	CONMONOPT_LOG_LEVEL,
	CONMONOPT_SYSLOG,
	CONMONOPT_RUNTIME_ARG,
	CONMONOPT_RUNTIME_OPT,
	CONMONOPT_TERMINAL,
	CONMONOPT_STDIN,
	CONMONOPT_CONMON_PIDFILE,
	CONMONOPT_EXIT_COMMAND,
	CONMONOPT_EXIT_COMMAND_ARG,
	CONMONOPT_EXIT_DELAY,
	CONMONOPT_EXEC,
	CONMONOPT_EXEC_ATTACH,
	CONMONOPT_EXEC_PROCESS_SPEC,
	CONMONOPT_TIMEOUT,
	CONMONOPT_LOG_SIZE_MAX,
	CONMONOPT_LOG_GLOBAL_SIZE_MAX,
	CONMONOPT_LOG_TAG,
	CONMONOPT_LOG_ROTATE,
	CONMONOPT_LOG_MAX_FILES,
	CONMONOPT_NO_NEW_KEYRING,
	CONMONOPT_NO_PIVOT,
	CONMONOPT_SYSTEMD_CGROUP,
	CONMONOPT_SDNOTIFY_SOCKET,
	CONMONOPT_RESTORE,
	CONMONOPT_RESTORE_ARG,
	CONMONOPT_SOCKET_DIR_PATH,
	CONMONOPT_LEAVE_STDIN_OPEN,
	CONMONOPT_REPLACE_LISTEN_PID,
	CONMONOPT_SYNC,
	CONMONOPT_NO_SYNC_LOG,
	CONMONOPT_SECCOMP_NOTIFY_SOCKET,
	CONMONOPT_SECCOMP_NOTIFY_PLUGINS,
	CONMONOPT_VERSION,
	CONMONOPT_HELP,
	/* ptyshim's own */
	CONMONOPT_NO_RUNTIME,
	CONMONOPT_NO_SCREEN,
	CONMONOPT_ATTACH_QUEUE_SIZE,
	CONMONOPT_INITIAL_SIZE,
	CONMONOPT_RUNTIME_TIMEOUT,
};

/* conmon's integer options, which glib reads (and refuses, with its own
 * messages) before conmon sees them. */
enum conmonopt_int {
	CONMONOPT_NOT_INT, /* a flag, a string, or one of ptyshim's own options */
	CONMONOPT_INT,     /* G_OPTION_ARG_INT */
	CONMONOPT_INT64,   /* G_OPTION_ARG_INT64 */
};

struct conmonopt {
	const char *name; /* long name, without the dashes */
	char short_name;  /* '\0' when it has none */
	bool takes_value;
	enum conmonopt_int integer;
	enum conmonopt_id id;
};

/* Every option, aliases included ("pidfile" is "container-pidfile"). */
extern const struct conmonopt conmonopt_table[];
extern const size_t conmonopt_count;

/* The option named by the first len bytes of name, or NULL. */
const struct conmonopt *conmonopt_long(const char *name, size_t len);
const struct conmonopt *conmonopt_short(char c);

/* Walks an argv with glib's rules ("--name value", "--name=value", "-c value",
 * "-cvalue", grouped short flags), from argv[1] up to a "--", and calls fn for
 * each known option; value is NULL for a flag that takes none, and an option
 * whose value is missing at the end is not reported. Unknown options are
 * skipped. Lenient on purpose ("-cvalue" too, no errors): it reads the argv
 * of a shim that already started; the daemon's own parse is stricter. */
typedef void (*conmonopt_fn)(const struct conmonopt *opt, const char *value, void *ctx);
void conmonopt_walk(int argc, const char *const *argv, conmonopt_fn fn, void *ctx);

#endif
