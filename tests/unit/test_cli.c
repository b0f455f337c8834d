/* Unit tests for cli: podman's exact command lines (conmon-interface.md
 * §1.3/§1.4) must parse to the right configuration, glib's value rules
 * (values after '=' or in the next element, values starting with "--",
 * empty values, repeated options in order) must hold, and every validation
 * error conmon has must end in CLI_EXIT_FAIL with one line on stderr. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/version.h"
#include "shim/cli.h"
#include "base/diag.h"

#define RT "/bin/true" /* any executable stands in for runc */
#define G "/var/lib/containers/storage/overlay-containers/0123abcd/userdata"
#define R "/run/containers/storage/overlay-containers/0123abcd/userdata"
#define ID "0123abcd0123abcd0123abcd0123abcd0123abcd0123abcd0123abcd0123abcd"
#define SID "feedbeeffeedbeeffeedbeeffeedbeeffeedbeeffeedbeeffeedbeeffeedbeef"

/* ------------------------------------------------------------ helpers */

/* cli_parse borrows the strings of argv: give it a private copy that
 * lives as long as the configuration. */
struct args {
	int argc;
	char *argv[160];
	char *storage[160];
};

static void args_build(struct args *a, const char *const *list)
{
	a->argc = 0;
	for (; *list; list++) {
		assert_true(a->argc < 159);
		a->storage[a->argc] = strdup(*list);
		a->argv[a->argc] = a->storage[a->argc];
		a->argc++;
	}
	a->argv[a->argc] = NULL;
}

static void args_free(struct args *a)
{
	for (int i = 0; i < a->argc; i++)
		free(a->storage[i]);
	a->argc = 0;
}

/* Runs cli_parse with stderr captured; returns the result and the number
 * of lines written to stderr (and the text in err_out when given). */
static enum cli_result parse_capture(struct args *a, struct shim_config *cfg, int *err_lines, char *err_out,
				     size_t err_cap)
{
	fflush(stderr);
	fflush(stdout);
	FILE *tmp = tmpfile();
	assert_non_null(tmp);
	int saved = dup(STDERR_FILENO);
	assert_true(saved >= 0);
	assert_true(dup2(fileno(tmp), STDERR_FILENO) >= 0);
	enum cli_result r = cli_parse(a->argc, a->argv, cfg);
	fflush(stderr);
	assert_true(dup2(saved, STDERR_FILENO) >= 0);
	close(saved);
	char buf[4096];
	rewind(tmp);
	size_t n = fread(buf, 1, sizeof(buf) - 1, tmp);
	buf[n] = '\0';
	fclose(tmp);
	int lines = 0;
	for (size_t i = 0; i < n; i++)
		lines += buf[i] == '\n';
	if (err_lines)
		*err_lines = lines;
	if (err_out) {
		snprintf(err_out, err_cap, "%s", buf);
	} else if (n > 0 && r == CLI_OK) {
		print_message("stderr: %s", buf);
	}
	return r;
}

/* After CLI_EXIT_FAIL the configuration still owns its arrays, while
 * bundle and container_pidfile are still borrowed from argv, so cli_free
 * cannot be used; release what is owned by hand. */
static void release_failed(struct shim_config *cfg)
{
	free(cfg->logs);
	free(cfg->runtime_args.items);
	free(cfg->runtime_opts.items);
	free(cfg->exit_command_args.items);
	memset(cfg, 0, sizeof(*cfg));
}

static void parse_ok(struct args *a, struct shim_config *cfg, const char *const *list)
{
	args_build(a, list);
	char err[4096];
	enum cli_result r = parse_capture(a, cfg, NULL, err, sizeof(err));
	if (r != CLI_OK)
		fail_msg("cli_parse failed (%d): %s", r, err);
}

/* The command line is refused with one "ptyshim: ..." line on stderr that
 * holds want (conmon 2.1.6's own text where it has one). */
static void expect_fail(const char *want, const char *const *list)
{
	struct args a;
	struct shim_config cfg;
	args_build(&a, list);
	int lines = -1;
	char err[4096];
	enum cli_result r = parse_capture(&a, &cfg, &lines, err, sizeof(err));
	if (r != CLI_EXIT_FAIL)
		fail_msg("%s: expected CLI_EXIT_FAIL, got %d", want, r);
	if (lines != 1 || strncmp(err, "ptyshim: ", 9) != 0)
		fail_msg("%s: expected one \"ptyshim: ...\" line on stderr, got %d: %s", want, lines, err);
	if (strstr(err, want) == NULL)
		fail_msg("expected \"%s\" in: %s", want, err);
	release_failed(&cfg);
	args_free(&a);
}

static void assert_strlist(const struct strlist *l, const char *const *want)
{
	size_t n = 0;
	while (want[n])
		n++;
	if (l->len != n)
		fail_msg("list has %zu items, expected %zu", l->len, n);
	for (size_t i = 0; i < n; i++)
		if (strcmp(l->items[i], want[i]) != 0)
			fail_msg("item %zu is \"%s\", expected \"%s\"", i, l->items[i], want[i]);
}

#define L(...) ((const char *const[]){__VA_ARGS__, NULL})

/* The exit command's arguments, one --exit-command-arg each (§1.4). */
#define EXIT_ARGS                                                                                             \
	"--exit-command-arg", "--root", "--exit-command-arg", "/var/lib/containers/storage",                 \
		"--exit-command-arg", "--runroot", "--exit-command-arg", "/run/containers/storage",          \
		"--exit-command-arg", "--log-level", "--exit-command-arg", "warning", "--exit-command-arg",  \
		"--cgroup-manager", "--exit-command-arg", "cgroupfs", "--exit-command-arg", "--tmpdir",      \
		"--exit-command-arg", "/run/libpod", "--exit-command-arg", "--network-config-dir",           \
		"--exit-command-arg", "", "--exit-command-arg", "--network-backend", "--exit-command-arg",   \
		"netavark", "--exit-command-arg", "--volumepath", "--exit-command-arg",                      \
		"/var/lib/containers/storage/volumes", "--exit-command-arg", "--runtime",                    \
		"--exit-command-arg", "runc", "--exit-command-arg", "--events-backend",                      \
		"--exit-command-arg", "file", "--exit-command-arg", "container", "--exit-command-arg",       \
		"cleanup", "--exit-command-arg", ID

static const char *const exit_args_want[] = {
	"--root", "/var/lib/containers/storage", "--runroot", "/run/containers/storage", "--log-level", "warning",
	"--cgroup-manager", "cgroupfs", "--tmpdir", "/run/libpod", "--network-config-dir", "", "--network-backend",
	"netavark", "--volumepath", "/var/lib/containers/storage/volumes", "--runtime", "runc",
	"--events-backend", "file", "container", "cleanup", ID, NULL,
};

/* ------------------------------------------------------------ podman's argv */

static void test_podman_run_detached(void **state)
{
	(void)state;
	struct args a;
	struct shim_config cfg;
	parse_ok(&a, &cfg,
		 L("conmon", "--api-version", "1", "-c", ID, "-u", ID, "-r", RT, "-b", G, "-p", R "/pidfile", "-n",
		   "NAME", "--exit-dir", "/run/libpod/exits", "--full-attach", "-l", "k8s-file:" G "/ctr.log",
		   "--log-level", "warning", "--runtime-arg", "--log-format=json", "--runtime-arg", "--log",
		   "--runtime-arg=" R "/oci-log", "--conmon-pidfile", R "/conmon.pid", "--exit-command",
		   "/usr/bin/podman", EXIT_ARGS));
	assert_true(cfg.api_version);
	assert_string_equal(cfg.cid, ID);
	assert_string_equal(cfg.cuuid, ID);
	assert_string_equal(cfg.runtime, RT);
	assert_string_equal(cfg.bundle, G);
	assert_string_equal(cfg.container_pidfile, R "/pidfile");
	assert_string_equal(cfg.name, "NAME");
	assert_string_equal(cfg.exit_dir, "/run/libpod/exits");
	assert_true(cfg.full_attach);
	assert_int_equal(cfg.n_logs, 1);
	assert_int_equal(cfg.logs[0].kind, LOGDRV_K8S_FILE);
	assert_string_equal(cfg.logs[0].path, G "/ctr.log");
	assert_int_equal(cfg.log_level, DIAG_WARN);
	assert_false(cfg.syslog);
	assert_strlist(&cfg.runtime_args, L("--log-format=json", "--log", R "/oci-log"));
	assert_int_equal(cfg.runtime_opts.len, 0);
	assert_string_equal(cfg.conmon_pidfile, R "/conmon.pid");
	assert_string_equal(cfg.exit_command, "/usr/bin/podman");
	assert_strlist(&cfg.exit_command_args, exit_args_want);
	assert_false(cfg.terminal);
	assert_false(cfg.stdin_pipe);
	assert_false(cfg.exec);
	assert_false(cfg.exec_attach);
	assert_false(cfg.no_runtime);
	assert_null(cfg.command);
	assert_int_equal(cfg.timeout, 0);
	assert_true(cfg.log_size_max <= 0);
	assert_null(cfg.restore);
	cli_free(&cfg);
	args_free(&a);
}

static void test_podman_run_it(void **state)
{
	(void)state;
	struct args a;
	struct shim_config cfg;
	parse_ok(&a, &cfg,
		 L("conmon", "--api-version", "1", "-c", ID, "-u", ID, "-r", RT, "-b", G, "-p", R "/pidfile", "-n",
		   "NAME", "--exit-dir", "/run/libpod/exits", "--full-attach", "-l", "k8s-file:" G "/ctr.log",
		   "--log-level", "warning", "--runtime-arg", "--log-format=json", "--runtime-arg", "--log",
		   "--runtime-arg=" R "/oci-log", "-t", "--conmon-pidfile", R "/conmon.pid", "--exit-command",
		   "/usr/bin/podman", EXIT_ARGS, "--exit-command-arg", "--rm"));
	assert_true(cfg.terminal);
	assert_false(cfg.stdin_pipe);
	assert_string_equal(cfg.exit_command_args.items[cfg.exit_command_args.len - 1], "--rm");
	assert_strlist(&cfg.runtime_args, L("--log-format=json", "--log", R "/oci-log"));
	cli_free(&cfg);
	args_free(&a);

	parse_ok(&a, &cfg,
		 L("conmon", "--api-version", "1", "-c", ID, "-u", ID, "-r", RT, "-b", G, "-p", R "/pidfile", "-n",
		   "NAME", "--exit-dir", "/run/libpod/exits", "--full-attach", "-l", "k8s-file:" G "/ctr.log",
		   "--log-level", "warning", "--runtime-arg", "--log-format=json", "--runtime-arg", "--log",
		   "--runtime-arg=" R "/oci-log", "-i", "--conmon-pidfile", R "/conmon.pid", "--exit-command",
		   "/usr/bin/podman", EXIT_ARGS));
	assert_false(cfg.terminal);
	assert_true(cfg.stdin_pipe);
	cli_free(&cfg);
	args_free(&a);
}

static void test_podman_exec(void **state)
{
	(void)state;
	struct args a;
	struct shim_config cfg;
	setenv("_OCI_ATTACHPIPE", "5", 1); /* podman's third pipe */
	parse_ok(&a, &cfg,
		 L("conmon", "--api-version", "1", "-c", ID, "-u", SID, "-r", RT, "-b", G "/" SID, "-p",
		   G "/" SID "/exec_pid", "-n", "NAME", "--exit-dir", G "/" SID "/exit", "--full-attach", "-l", "none",
		   "--log-level", "warning", "--runtime-arg", "--log-format=json", "--runtime-arg", "--log",
		   "--runtime-arg=" G "/" SID "/oci-log", "-t", "-i", "-e", "--exec-attach", "--exec-process-spec",
		   G "/" SID "/exec-process-379214047", "--exit-command", "/usr/bin/podman", EXIT_ARGS,
		   "--exit-command-arg", "--exec", "--exit-command-arg", SID));
	assert_string_equal(cfg.cid, ID);
	assert_string_equal(cfg.cuuid, SID);
	assert_string_equal(cfg.bundle, G "/" SID);
	assert_string_equal(cfg.container_pidfile, G "/" SID "/exec_pid");
	assert_int_equal(cfg.n_logs, 1);
	assert_int_equal(cfg.logs[0].kind, LOGDRV_NONE);
	assert_true(cfg.terminal);
	assert_true(cfg.stdin_pipe);
	assert_true(cfg.exec);
	assert_true(cfg.exec_attach);
	assert_string_equal(cfg.exec_process_spec, G "/" SID "/exec-process-379214047");
	assert_string_equal(cfg.exit_command_args.items[cfg.exit_command_args.len - 2], "--exec");
	assert_string_equal(cfg.exit_command_args.items[cfg.exit_command_args.len - 1], SID);
	unsetenv("_OCI_ATTACHPIPE");
	cli_free(&cfg);
	args_free(&a);
}

static void test_podman_debug_timeout_preserve_fds(void **state)
{
	(void)state;
	struct args a;
	struct shim_config cfg;
	parse_ok(&a, &cfg,
		 L("conmon", "--api-version", "1", "-c", ID, "-u", ID, "-r", RT, "-b", G, "-p", R "/pidfile", "-n",
		   "NAME", "--exit-dir", "/run/libpod/exits", "--full-attach", "--runtime-arg", "--debug", "-l",
		   "k8s-file:" G "/ctr.log", "--log-level", "debug", "--syslog", "--timeout=30", "--conmon-pidfile",
		   R "/conmon.pid", "--exit-command", "/usr/bin/podman", EXIT_ARGS, "--exit-command-arg", "--syslog",
		   "--runtime-opt", "--preserve-fds", "--runtime-opt", "1", "--log-size-max", "300"));
	assert_int_equal(cfg.log_level, DIAG_DEBUG);
	assert_true(cfg.syslog);
	assert_int_equal(cfg.timeout, 30);
	assert_strlist(&cfg.runtime_args, L("--debug"));
	assert_strlist(&cfg.runtime_opts, L("--preserve-fds", "1"));
	assert_int_equal(cfg.log_size_max, 300);
	assert_string_equal(cfg.exit_command_args.items[cfg.exit_command_args.len - 1], "--syslog");
	cli_free(&cfg);
	args_free(&a);
}

/* ------------------------------------------------------------ value rules */

static void test_value_forms(void **state)
{
	(void)state;
	struct args a;
	struct shim_config cfg;
	parse_ok(&a, &cfg,
		 L("ptyshim", "--cid=c1", "--cuuid", "u1", "--runtime=" RT, "--log-path=k8s-file:/p", "--name=",
		   "--runtime-arg=/x", "--runtime-arg", "--y", "--runtime-arg", "", "--exit-command-arg", "--",
		   "--exit-command-arg=-", "--exit-command-arg", "-t", "--timeout", "7", "-T", "8", "--exit-delay=5",
		   "--log-level=WARNING", "--bundle", "--bundle-starting-with-dashes", "--api-version"));
	assert_string_equal(cfg.cid, "c1");
	assert_string_equal(cfg.cuuid, "u1");
	assert_string_equal(cfg.name, "");
	assert_strlist(&cfg.runtime_args, L("/x", "--y", ""));
	/* "--" and "-t" as values are values: no separator, no terminal. */
	assert_strlist(&cfg.exit_command_args, L("--", "-", "-t"));
	assert_null(cfg.command);
	assert_false(cfg.terminal);
	/* The last of a repeated single-value option wins. */
	assert_int_equal(cfg.timeout, 8);
	assert_int_equal(cfg.exit_delay, 5);
	assert_int_equal(cfg.log_level, DIAG_WARN);
	assert_string_equal(cfg.bundle, "--bundle-starting-with-dashes");
	assert_true(cfg.api_version);
	cli_free(&cfg);
	args_free(&a);
}

static void test_repeated_logs_in_order(void **state)
{
	(void)state;
	struct args a;
	struct shim_config cfg;
	parse_ok(&a, &cfg,
		 L("ptyshim", "-c", "c", "-u", "u", "-r", RT, "-l", "k8s-file:/a.log", "-l", "none", "--log-path",
		   "asciicast:/b.cast", "-l", "/bare.log", "-l", "off"));
	assert_int_equal(cfg.n_logs, 5);
	assert_int_equal(cfg.logs[0].kind, LOGDRV_K8S_FILE);
	assert_string_equal(cfg.logs[0].path, "/a.log");
	assert_int_equal(cfg.logs[1].kind, LOGDRV_NONE);
	assert_int_equal(cfg.logs[2].kind, LOGDRV_ASCIICAST);
	assert_string_equal(cfg.logs[2].path, "/b.cast");
	assert_int_equal(cfg.logs[3].kind, LOGDRV_K8S_FILE);
	assert_string_equal(cfg.logs[3].path, "/bare.log");
	assert_int_equal(cfg.logs[4].kind, LOGDRV_NONE);
	cli_free(&cfg);
	args_free(&a);
}

static void test_defaults(void **state)
{
	(void)state;
	struct args a;
	struct shim_config cfg;
	char cwd[4096];
	assert_non_null(getcwd(cwd, sizeof(cwd)));
	parse_ok(&a, &cfg, L("ptyshim", "-c", "myid", "-u", "u", "-r", RT, "-l", "none"));
	assert_false(cfg.api_version);
	assert_string_equal(cfg.bundle, cwd);
	char want[4200];
	snprintf(want, sizeof(want), "%s/pidfile-myid", cwd);
	assert_string_equal(cfg.container_pidfile, want);
	assert_int_equal(cfg.log_level, DIAG_WARN);
	assert_true(cfg.log_size_max < 0);
	assert_true(cfg.log_global_size_max < 0);
	assert_string_equal(cfg.socket_dir_path, "/var/run/crio");
	assert_false(cfg.full_attach);
	cli_free(&cfg);
	args_free(&a);
}

/* The socket dir a user other than root gets by default, seen from a child
 * that dropped to uid 65534: $XDG_RUNTIME_DIR/ptyshim when it is the
 * user's own, else ptyshim-65534 in $TMPDIR or /tmp. */
static void expect_socket_dir_as_nobody(const char *xdg, const char *bundle, const char *want)
{
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		if (setgid(65534) < 0 || setuid(65534) < 0)
			_exit(2);
		if (xdg)
			setenv("XDG_RUNTIME_DIR", xdg, 1);
		else
			unsetenv("XDG_RUNTIME_DIR");
		char *argv[] = {"ptyshim", "-c", "id", "-u", "u", "-b", (char *)bundle, "-l", "none", "--no-runtime",
				"--", "true", NULL};
		struct shim_config cfg;
		if (cli_parse(12, argv, &cfg) != CLI_OK)
			_exit(3);
		int bad = strcmp(cfg.socket_dir_path, want) != 0;
		if (bad)
			fprintf(stderr, "socket dir %s, want %s\n", cfg.socket_dir_path, want);
		cli_free(&cfg);
		_exit(bad);
	}
	int st;
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
}

static void test_socket_dir_default_for_others(void **state)
{
	(void)state;
	if (geteuid() != 0)
		skip();
	char dir[] = "/tmp/test_cli.XXXXXX";
	assert_non_null(mkdtemp(dir));
	assert_int_equal(chown(dir, 65534, 65534), 0);
	char want[128];
	snprintf(want, sizeof(want), "%s/ptyshim", dir);
	expect_socket_dir_as_nobody(dir, "/b", want);
	unsetenv("TMPDIR");
	expect_socket_dir_as_nobody(NULL, "/b", "/tmp/ptyshim-65534");
	expect_socket_dir_as_nobody("/tmp", "/b", "/tmp/ptyshim-65534");     /* not theirs */
	expect_socket_dir_as_nobody("relative", "/b", "/tmp/ptyshim-65534"); /* not absolute */
	assert_int_equal(rmdir(dir), 0);
}

/* Every -l form, with what conmon 2.1.6 made of it (12-conmon-diff.bats
 * runs the same forms against /usr/bin/conmon). */
static void test_log_spec(void **state)
{
	(void)state;
	struct {
		const char *arg;
		enum log_driver_kind kind;
		const char *path; /* NULL: no path; for a refusal, the message */
		bool ok;
	} cases[] = {
		{"k8s-file:/p", LOGDRV_K8S_FILE, "/p", true},
		{"/p", LOGDRV_K8S_FILE, "/p", true},
		{"relative.log", LOGDRV_K8S_FILE, "relative.log", true},
		{":/p", LOGDRV_K8S_FILE, "/p", true},
		{"::/p", LOGDRV_K8S_FILE, "/p", true},
		{":/p:", LOGDRV_K8S_FILE, "/p", true},
		{"k8s-file::/p", LOGDRV_K8S_FILE, "/p", true},
		/* On purpose: conmon cuts this path at the second colon ("/a"). */
		{"k8s-file:/a:b", LOGDRV_K8S_FILE, "/a:b", true},
		{"none", LOGDRV_NONE, NULL, true},
		{"off", LOGDRV_NONE, NULL, true},
		{"null", LOGDRV_NONE, NULL, true},
		{"none:", LOGDRV_NONE, NULL, true},
		{"off:", LOGDRV_NONE, NULL, true},
		{"null:", LOGDRV_NONE, NULL, true},
		{"none:/x", LOGDRV_NONE, NULL, true},
		{":none", LOGDRV_K8S_FILE, "none", true},
		{"passthrough", LOGDRV_PASSTHROUGH, NULL, true},
		{"passthrough:", LOGDRV_PASSTHROUGH, NULL, true},
		{"journald", LOGDRV_JOURNALD, NULL, true},
		{"journald:", LOGDRV_JOURNALD, NULL, true},
		{"journald:/ignored", LOGDRV_JOURNALD, NULL, true},
		{":journald", LOGDRV_K8S_FILE, "journald", true},
		{"asciicast:/p.cast", LOGDRV_ASCIICAST, "/p.cast", true},
		/* Without a colon any word is a k8s-file path, ours included. */
		{"asciicast", LOGDRV_K8S_FILE, "asciicast", true},
		{"k8s-file", 0, "k8s-file requires a filename", false},
		{"k8s-file:", 0, "k8s-file requires a filename", false},
		{"k8s-file:::", 0, "k8s-file requires a filename", false},
		{"asciicast:", 0, "asciicast requires a filename", false},
		{"", 0, "log-path must not be empty", false},
		{":", 0, "log-path must not be empty", false},
		{"::", 0, "log-path must not be empty", false},
		{"syslog:/p", 0, "No such log driver syslog", false},
		{"K8S-FILE:/p", 0, "No such log driver K8S-FILE", false},
		{"/a:b", 0, "No such log driver /a", false},
		{":a:b", 0, "No such log driver a", false},
	};
	bool tty = isatty(0) || isatty(1) || isatty(2); /* passthrough refuses a terminal */
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct args a;
		struct shim_config cfg;
		/* A long ID: journald checks it. */
		args_build(&a, L("ptyshim", "-c", ID, "-u", "u", "-r", RT, "-l", cases[i].arg));
		char err[4096];
		enum cli_result r = parse_capture(&a, &cfg, NULL, err, sizeof(err));
		const char *refusal = cases[i].ok ? NULL : cases[i].path;
		if (cases[i].ok && cases[i].kind == LOGDRV_PASSTHROUGH && tty)
			refusal = "cannot use a tty with passthrough logging mode to prevent attacks via TIOCSTI";
		if (refusal == NULL) {
			if (r != CLI_OK)
				fail_msg("\"%s\" rejected: %s", cases[i].arg, err);
			assert_int_equal(cfg.n_logs, 1);
			if (cfg.logs[0].kind != cases[i].kind)
				fail_msg("\"%s\": driver %d, expected %d", cases[i].arg, cfg.logs[0].kind, cases[i].kind);
			if (cases[i].path)
				assert_string_equal(cfg.logs[0].path, cases[i].path);
			else
				assert_null(cfg.logs[0].path);
			cli_free(&cfg);
		} else {
			if (r != CLI_EXIT_FAIL)
				fail_msg("\"%s\" accepted as driver %d", cases[i].arg, cfg.logs[0].kind);
			/* conmon's text, and nothing else. */
			char want[256];
			snprintf(want, sizeof(want), "ptyshim: %s\n", refusal);
			if (strcmp(err, want) != 0)
				fail_msg("\"%s\": expected %s got %s", cases[i].arg, want, err);
			release_failed(&cfg);
		}
		args_free(&a);
	}
}

static void test_no_runtime_command(void **state)
{
	(void)state;
	struct args a;
	struct shim_config cfg;
	parse_ok(&a, &cfg, L("ptyshim", "-c", "c", "-u", "u", "-l", "none", "--no-runtime", "-t", "--", "cmd", "-x",
			     "--y", "-t", "--", "-c", "z"));
	assert_true(cfg.no_runtime);
	assert_true(cfg.terminal);
	assert_non_null(cfg.command);
	const char *want[] = {"cmd", "-x", "--y", "-t", "--", "-c", "z"};
	for (size_t i = 0; i < 7; i++) {
		assert_non_null(cfg.command[i]);
		assert_string_equal(cfg.command[i], want[i]);
	}
	assert_null(cfg.command[7]);
	/* The command's own "-c z" did not replace --cid. */
	assert_string_equal(cfg.cid, "c");
	cli_free(&cfg);
	args_free(&a);

	/* After --, nothing is an option, not even --version. */
	parse_ok(&a, &cfg, L("ptyshim", "-c", "c", "-u", "u", "-l", "none", "--no-runtime", "--", "--version"));
	assert_string_equal(cfg.command[0], "--version");
	assert_null(cfg.command[1]);
	cli_free(&cfg);
	args_free(&a);
}

static void test_version_and_help(void **state)
{
	(void)state;
	struct args a;
	struct shim_config cfg;
	fflush(stdout);
	FILE *tmp = tmpfile();
	assert_non_null(tmp);
	int saved = dup(STDOUT_FILENO);
	assert_true(dup2(fileno(tmp), STDOUT_FILENO) >= 0);
	args_build(&a, L("ptyshim", "--version"));
	enum cli_result r = cli_parse(a.argc, a.argv, &cfg);
	fflush(stdout);
	assert_true(dup2(saved, STDOUT_FILENO) >= 0);
	close(saved);
	assert_int_equal(r, CLI_EXIT_OK);
	release_failed(&cfg);
	args_free(&a);
	char buf[512];
	rewind(tmp);
	size_t n = fread(buf, 1, sizeof(buf) - 1, tmp);
	buf[n] = '\0';
	fclose(tmp);
	/* podman's probe: the first line is exactly conmon's. */
	assert_true(strncmp(buf, "conmon version 2.1.6\n", 21) == 0);
	assert_non_null(strstr(buf, "ptyshim " PTYSHIM_VERSION));

	/* --version needs no other option (podman runs it bare). */
	args_build(&a, L("conmon", "--help"));
	fflush(stdout);
	tmp = tmpfile();
	saved = dup(STDOUT_FILENO);
	assert_true(dup2(fileno(tmp), STDOUT_FILENO) >= 0);
	r = cli_parse(a.argc, a.argv, &cfg);
	fflush(stdout);
	assert_true(dup2(saved, STDOUT_FILENO) >= 0);
	close(saved);
	fclose(tmp);
	assert_int_equal(r, CLI_EXIT_OK);
	release_failed(&cfg);
	args_free(&a);
}

/* ------------------------------------------------------------ errors */

#define BASE "-c", "c", "-u", "u", "-r", RT, "-l", "none"

static void test_validation_errors(void **state)
{
	(void)state;
	expect_fail("Container ID not provided. Use --cid", L("ptyshim", "-u", "u", "-r", RT, "-l", "none"));
	expect_fail("Container UUID not provided. Use --cuuid", L("ptyshim", "-c", "c", "-r", RT, "-l", "none"));
	expect_fail("Runtime path not provided. Use --runtime", L("ptyshim", "-c", "c", "-u", "u", "-l", "none"));
	char noexec[] = "/tmp/test_cli.XXXXXX";
	int fd = mkstemp(noexec);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(chmod(noexec, 0644), 0);
	expect_fail("is not valid", L("ptyshim", "-c", "c", "-u", "u", "-r", noexec, "-l", "none"));
	unlink(noexec);
	expect_fail("Runtime path /nonexistent/runc is not valid",
		    L("ptyshim", "-c", "c", "-u", "u", "-r", "/nonexistent/runc", "-l", "none"));
	expect_fail("Log driver not provided. Use --log-path", L("ptyshim", "-c", "c", "-u", "u", "-r", RT));
	expect_fail("No such log driver syslog", L("ptyshim", "-c", "c", "-u", "u", "-r", RT, "-l", "syslog:/x"));
	expect_fail("k8s-file requires a filename", L("ptyshim", "-c", "c", "-u", "u", "-r", RT, "-l", "k8s-file"));
	expect_fail("log-path must not be empty", L("ptyshim", BASE, "-l", ""));
	/* One bad -l among good ones: the first bad one is named. */
	expect_fail("No such log driver foo", L("ptyshim", BASE, "-l", "k8s-file:/p", "-l", "foo:x", "-l", "bar:y"));
	expect_fail("k8s-file doesn't support --log-tag",
		    L("ptyshim", "-c", "c", "-u", "u", "-r", RT, "-l", "k8s-file:/p", "--log-tag", "t"));
	expect_fail("No such log level loud", L("ptyshim", BASE, "--log-level", "loud"));
	expect_fail("No such log level", L("ptyshim", BASE, "--log-level="));
	expect_fail("Exec process spec path not provided. Use --exec-process-spec",
		    L("ptyshim", BASE, "--api-version", "-e"));
	expect_fail("Attach can only be specified with exec",
		    L("ptyshim", BASE, "--api-version", "--exec-attach", "--exec-process-spec", "/s"));
	expect_fail("Attach can only be specified for a non-legacy exec session",
		    L("ptyshim", BASE, "-e", "--exec-attach", "--exec-process-spec", "/s"));
	unsetenv("_OCI_ATTACHPIPE");
	expect_fail("--attach specified but _OCI_ATTACHPIPE was not",
		    L("ptyshim", BASE, "--api-version", "-e", "--exec-attach", "--exec-process-spec", "/s"));
	expect_fail("Cannot use 'exec' and 'restore' at the same time",
		    L("ptyshim", BASE, "--restore", "/d", "-e", "--exec-process-spec", "/s"));
	expect_fail("Delay before invoking exit command must be greater than or equal to 0",
		    L("ptyshim", BASE, "--exit-delay", "-1"));
	/* journald: conmon's check of the id's length. */
	expect_fail("Container ID must be longer than 12 characters",
		    L("ptyshim", "-c", "0123456789ab", "-u", "u", "-r", RT, "-l", "journald"));
	expect_fail("passthrough cannot be used with --terminal", L("ptyshim", BASE, "-l", "passthrough", "-t"));
}

/* glib's own messages, verbatim, for what it cannot parse. */
static void test_glib_errors(void **state)
{
	(void)state;
	expect_fail("option parsing failed: Unknown option --no-such-option", L("ptyshim", BASE, "--no-such-option"));
	expect_fail("option parsing failed: Unknown option -Z", L("ptyshim", BASE, "-Z"));
	expect_fail("option parsing failed: Unknown option --ter", L("ptyshim", BASE, "--ter"));
	expect_fail("option parsing failed: Unknown option -cid", L("ptyshim", "-cid", BASE));
	expect_fail("option parsing failed: Unknown option -t=x", L("ptyshim", BASE, "-t=x"));
	expect_fail("option parsing failed: Unknown option --help=x", L("ptyshim", BASE, "--help=x"));
	expect_fail("option parsing failed: Missing argument for --exit-dir", L("ptyshim", BASE, "--exit-dir"));
	expect_fail("option parsing failed: Missing argument for -c", L("ptyshim", "-u", "u", "-r", RT, "-l", "none", "-c"));
	expect_fail("option parsing failed: Missing argument for -c", L("ptyshim", BASE, "-tic"));
	expect_fail("option parsing failed: Missing argument for -T", L("ptyshim", BASE, "-T5"));
	expect_fail("option parsing failed: Error parsing option -u", L("ptyshim", BASE, "-cu", "a", "b"));
	expect_fail("option parsing failed: Cannot parse integer value “abc” for --timeout",
		    L("ptyshim", BASE, "--timeout=abc"));
	expect_fail("option parsing failed: Cannot parse integer value “30s” for -T", L("ptyshim", BASE, "-T", "30s"));
	expect_fail("option parsing failed: Cannot parse integer value “” for --exit-delay",
		    L("ptyshim", BASE, "--exit-delay", ""));
	expect_fail("option parsing failed: Integer value “2147483648” for --timeout out of range",
		    L("ptyshim", BASE, "--timeout", "2147483648"));
	expect_fail("option parsing failed: Cannot parse integer value “10k” for --log-size-max",
		    L("ptyshim", BASE, "--log-size-max", "10k"));
	expect_fail("option parsing failed: Integer value “99999999999999999999999” for --log-size-max out of range",
		    L("ptyshim", BASE, "--log-size-max", "99999999999999999999999"));
	/* ptyshim's own options keep their own checks. */
	expect_fail("--log-rotate: needs --log-size-max", L("ptyshim", BASE, "--log-rotate"));
	expect_fail("--log-max-files: needs --log-rotate", L("ptyshim", BASE, "--log-max-files", "3"));
	expect_fail("--no-runtime: no command given after --",
		    L("ptyshim", "-c", "c", "-u", "u", "-l", "none", "--no-runtime"));
	expect_fail("--no-runtime: cannot be combined with --exec or --restore",
		    L("ptyshim", "-c", "c", "-u", "u", "-l", "none", "--no-runtime", "-e", "--exec-process-spec",
		      "/s", "--", "sh"));
	expect_fail("--initial-size", L("ptyshim", BASE, "--initial-size", "24by80"));
	expect_fail("--initial-size", L("ptyshim", BASE, "--initial-size", "0x80"));
}

/* What conmon accepts, ptyshim accepts, with conmon's meaning. */
static void test_conmon_accepts(void **state)
{
	(void)state;
	struct args a;
	struct shim_config cfg;
	/* glib's integers: strtol base 0; 0 or less is "none" for the limits. */
	parse_ok(&a, &cfg,
		 L("ptyshim", BASE, "--timeout", " 0x10", "--exit-delay", "010", "--log-size-max", "-5",
		   "--log-global-size-max=0", "--terminal=no", "--api-version=1", "positional"));
	assert_int_equal(cfg.timeout, 16);
	assert_int_equal(cfg.exit_delay, 8);
	assert_true(cfg.log_size_max < 0);
	assert_true(cfg.log_global_size_max < 0);
	assert_true(cfg.terminal); /* glib: a flag ignores "=value" */
	assert_true(cfg.api_version);
	cli_free(&cfg);
	args_free(&a);
	parse_ok(&a, &cfg, L("ptyshim", BASE, "-T", "-5", "--exit-delay", "100000"));
	assert_int_equal(cfg.timeout, 0);
	assert_int_equal(cfg.exit_delay, 100000);
	cli_free(&cfg);
	args_free(&a);
	/* A value-taking short option in a group takes the next element. */
	parse_ok(&a, &cfg, L("ptyshim", "-c", "c", "-u", "u", "-r", RT, "-lt", "none", "-tT", "5"));
	assert_true(cfg.terminal);
	assert_int_equal(cfg.n_logs, 1);
	assert_int_equal(cfg.logs[0].kind, LOGDRV_NONE);
	assert_int_equal(cfg.timeout, 5);
	cli_free(&cfg);
	args_free(&a);
	/* The legacy exec API needs no --cuuid. */
	parse_ok(&a, &cfg, L("ptyshim", "-c", "c", "-r", RT, "-l", "none", "-e", "--exec-process-spec", "/s"));
	assert_string_equal(cfg.cuuid, "c");
	cli_free(&cfg);
	args_free(&a);
	/* conmon ignores what follows "--" unless it is --no-runtime's command. */
	parse_ok(&a, &cfg, L("ptyshim", BASE, "--", "sh", "-c", "x"));
	assert_null(cfg.command);
	assert_string_equal(cfg.cid, "c");
	cli_free(&cfg);
	args_free(&a);
	/* --log-tag is fine without k8s-file, or with journald beside it. */
	parse_ok(&a, &cfg, L("ptyshim", BASE, "--log-tag", "t"));
	cli_free(&cfg);
	args_free(&a);
	/* --exec-attach with the manager's pipe. */
	setenv("_OCI_ATTACHPIPE", "5", 1);
	parse_ok(&a, &cfg, L("ptyshim", BASE, "--api-version", "-e", "--exec-attach", "--exec-process-spec", "/s"));
	assert_true(cfg.exec_attach);
	unsetenv("_OCI_ATTACHPIPE");
	cli_free(&cfg);
	args_free(&a);
}

/* glib prints help the moment it meets -h, -?, --help or --help-all. */
static void test_help_forms(void **state)
{
	(void)state;
	const char *const *forms[] = {
		L("ptyshim", "-h"), L("ptyshim", "-?"), L("ptyshim", "--help-all"), L("ptyshim", "-th"),
		L("ptyshim", "--help", "--bogus"), L("ptyshim", "--version", "--help"),
	};
	for (size_t i = 0; i < sizeof(forms) / sizeof(forms[0]); i++) {
		struct args a;
		struct shim_config cfg;
		args_build(&a, forms[i]);
		fflush(stdout);
		int saved = dup(STDOUT_FILENO);
		int devnull = open("/dev/null", O_WRONLY);
		assert_true(saved >= 0 && devnull >= 0);
		dup2(devnull, STDOUT_FILENO);
		close(devnull);
		enum cli_result r = cli_parse(a.argc, a.argv, &cfg);
		fflush(stdout);
		dup2(saved, STDOUT_FILENO);
		close(saved);
		if (r != CLI_EXIT_OK)
			fail_msg("help form %zu: result %d", i, r);
		args_free(&a);
	}
	/* An error before the help wins. */
	expect_fail("Unknown option --bogus", L("ptyshim", "--bogus", "--help"));
}

static void test_exec_accepts(void **state)
{
	(void)state;
	struct args a;
	struct shim_config cfg;
	/* -e with a spec is fine without --exec-attach (exec -d in old podmans). */
	parse_ok(&a, &cfg, L("ptyshim", BASE, "-e", "--exec-process-spec", "/s"));
	assert_true(cfg.exec);
	assert_false(cfg.exec_attach);
	cli_free(&cfg);
	args_free(&a);
	/* Rotation flags together. */
	parse_ok(&a, &cfg, L("ptyshim", BASE, "--log-size-max", "1000", "--log-rotate", "--log-max-files", "4"));
	assert_int_equal(cfg.log_size_max, 1000);
	assert_true(cfg.log_rotate);
	assert_int_equal(cfg.log_max_files, 4);
	cli_free(&cfg);
	args_free(&a);
	parse_ok(&a, &cfg, L("ptyshim", BASE, "--initial-size", "24x80"));
	assert_int_equal(cfg.initial_rows, 24);
	assert_int_equal(cfg.initial_cols, 80);
	cli_free(&cfg);
	args_free(&a);
}

/* Regression: cli_parse used to reset getopt with optind = 1, which in
 * glibc keeps the scanner's position inside the previous argv's
 * short-option cluster. After a parse stopped on "-Zt" (unknown -Z), the
 * next cli_parse went on with the stale "t" of the old argv: a
 * configuration without -t came out with terminal set (and had the old
 * strings been freed, getopt read freed memory). optind = 0 asks glibc for
 * a full reset. The first argv is kept alive here so the test is
 * deterministic. */
static void test_parse_twice_no_stale_state(void **state)
{
	(void)state;
	struct args first, a;
	struct shim_config cfg;
	args_build(&first, L("ptyshim", BASE, "-Zt"));
	assert_int_equal(parse_capture(&first, &cfg, NULL, NULL, 0), CLI_EXIT_FAIL);
	release_failed(&cfg);
	parse_ok(&a, &cfg, L("ptyshim", BASE));
	assert_false(cfg.terminal);
	cli_free(&cfg);
	args_free(&a);
	args_free(&first);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_podman_run_detached),
		cmocka_unit_test(test_podman_run_it),
		cmocka_unit_test(test_podman_exec),
		cmocka_unit_test(test_podman_debug_timeout_preserve_fds),
		cmocka_unit_test(test_value_forms),
		cmocka_unit_test(test_repeated_logs_in_order),
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_log_spec),
		cmocka_unit_test(test_no_runtime_command),
		cmocka_unit_test(test_version_and_help),
		cmocka_unit_test(test_validation_errors),
		cmocka_unit_test(test_glib_errors),
		cmocka_unit_test(test_conmon_accepts),
		cmocka_unit_test(test_help_forms),
		cmocka_unit_test(test_exec_accepts),
		cmocka_unit_test(test_parse_twice_no_stale_state),
		cmocka_unit_test(test_socket_dir_default_for_others),
	};
	return cmocka_run_group_tests_name("cli", tests, NULL, NULL);
}
