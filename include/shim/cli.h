/* cli: conmon-compatible command line (2.1.6 flags, 2.2's --log-rotate and
 * --log-max-files, and ptyshim's own long options) parsed and validated
 * once into a struct shim_config. Nothing else reads argv.
 *
 * conmon 2.1.6 is the oracle: glib's option rules (no abbreviations, a
 * short option's value always in the next element, integers as strtol base
 * 0), its validation order, and its messages verbatim after "ptyshim: "
 * (tests/integration/12-conmon-diff.bats compares the two). Where ptyshim
 * refuses on purpose what conmon accepts, the message says why.
 *
 * -l is read as conmon's strtok reads it: the first non-empty field is the
 * driver, the rest the path; a value without ':' is a k8s-file path, and so
 * is ":PATH". One difference on purpose: the path runs to the end of the
 * value (conmon cuts it at the next ':', which writes the log somewhere
 * podman does not read it). journald is parsed and checked as conmon does
 * (its path, if any, is ignored; -c must be longer than 12 characters). */
#ifndef PTYSHIM_CLI_H
#define PTYSHIM_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum log_driver_kind {
	LOGDRV_K8S_FILE,
	LOGDRV_NONE,
	LOGDRV_PASSTHROUGH,
	LOGDRV_JOURNALD,
	LOGDRV_ASCIICAST,
};

struct log_spec {
	enum log_driver_kind kind;
	const char *path; /* into argv, or path_owned; NULL for drivers without one */
	char *path_owned; /* the rare path that is no suffix of its argument (":p:") */
};

struct strlist {
	const char **items; /* borrowed strings, owned array */
	size_t len;
};

struct shim_config {
	bool api_version;
	const char *cid;
	const char *cuuid;
	const char *runtime;
	const char *bundle;            /* default: cwd (allocated) */
	const char *container_pidfile; /* default: <cwd>/pidfile-<cid> (allocated) */
	bool container_pidfile_given;  /* -p was on the command line */
	const char *name;
	const char *exit_dir;
	const char *persist_dir;
	const char *socket_dir_path; /* default: /var/run/crio for root (see cli.c for others) */
	char *socket_dir_owned;      /* the default when it is made from the environment */
	bool socket_dir_private;     /* a default for a non-root user: must be theirs alone */
	bool full_attach;
	struct log_spec *logs;
	size_t n_logs;
	int log_level; /* enum diag_level */
	bool syslog;
	struct strlist runtime_args;
	struct strlist runtime_opts;
	bool terminal;
	bool stdin_pipe;
	bool leave_stdin_open;
	const char *conmon_pidfile;
	const char *exit_command;
	struct strlist exit_command_args;
	int exit_delay;
	bool exec;
	bool exec_attach;
	const char *exec_process_spec;
	int timeout; /* seconds, 0 = none */
	int64_t log_size_max;        /* -1 = unlimited */
	int64_t log_global_size_max; /* -1 = unlimited */
	bool log_rotate;
	int log_max_files;
	const char *log_tag;
	bool no_new_keyring;
	bool no_pivot;
	bool systemd_cgroup;
	const char *sdnotify_socket;
	const char *restore;
	bool replace_listen_pid;
	bool sync;
	bool no_sync_log;
	const char *seccomp_notify_socket;
	const char *seccomp_notify_plugins;
	/* ptyshim extensions */
	bool no_runtime;
	bool no_screen; /* terminal: no screen model, repaints, snapshots */
	char **command; /* --no-runtime: NULL-terminated, borrowed from argv */
	size_t attach_queue_max;
	unsigned initial_rows, initial_cols;
	int runtime_timeout; /* seconds to wait for RUNTIME create/exec */
};

enum cli_result {
	CLI_OK,
	CLI_EXIT_OK,   /* --version / --help printed: exit 0 */
	CLI_EXIT_FAIL, /* error printed: exit 1 */
};

/* Parses and validates; on error prints one line to stderr. Strings point
 * into argv, which must outlive cfg. Reads the environment for two things:
 * --exec-attach needs _OCI_ATTACHPIPE, refused here rather than after
 * daemonizing as conmon does; and a user other than root gets the default
 * socket directory from $XDG_RUNTIME_DIR. */
enum cli_result cli_parse(int argc, char **argv, struct shim_config *cfg);
void cli_free(struct shim_config *cfg);


#endif
