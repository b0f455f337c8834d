/* Unit tests for proc: the exit file (decimal code, no newline, mode 0644,
 * replaced atomically) and the exit command, which must start clean: no
 * inherited fds beyond 0-2, /dev/null as stdio, default signal dispositions
 * (SIGPIPE included) and an empty mask, with its arguments verbatim, and its
 * status returned. The exit command here is this test binary itself, run
 * again in "--probe" mode to report what it found. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/diag.h"
#include "shim/proc.h"
#include "base/util.h"

static char self_exe[PATH_MAX];

/* ------------------------------------------------------------ probe mode */

/* Runs as the exit command: writes what it sees to argv[2], exits argv[3]. */
static int probe_main(int argc, char **argv)
{
	FILE *out = fopen(argv[2], "w");
	if (out == NULL)
		return 99;
	for (int fd = 0; fd <= 2; fd++) {
		char link[64], target[PATH_MAX];
		snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
		ssize_t n = readlink(link, target, sizeof(target) - 1);
		target[n < 0 ? 0 : n] = '\0';
		fprintf(out, "fd%d=%s\n", fd, n < 0 ? "closed" : target);
	}
	/* Other fds: everything open except 0-2, the dir stream's fd and the
	 * report file itself. */
	int extra = 0;
	DIR *d = opendir("/proc/self/fd");
	if (d) {
		struct dirent *e;
		while ((e = readdir(d)) != NULL) {
			if (e->d_name[0] == '.')
				continue;
			int fd = atoi(e->d_name);
			if (fd > 2 && fd != dirfd(d) && fd != fileno(out))
				extra++;
		}
		closedir(d);
	}
	fprintf(out, "extra_fds=%d\n", extra);
	sigset_t mask;
	sigprocmask(SIG_SETMASK, NULL, &mask);
	int blocked = 0;
	for (int sig = 1; sig < NSIG; sig++)
		if (sigismember(&mask, sig) == 1)
			blocked++;
	fprintf(out, "blocked=%d\n", blocked);
	int ignored = 0;
	for (int sig = 1; sig < NSIG; sig++) {
		struct sigaction sa;
		if (sigaction(sig, NULL, &sa) == 0 && sa.sa_handler == SIG_IGN)
			ignored++;
	}
	fprintf(out, "ignored=%d\n", ignored);
	fprintf(out, "argc=%d\n", argc);
	for (int i = 4; i < argc; i++)
		fprintf(out, "arg=[%s]\n", argv[i]);
	fclose(out);
	return atoi(argv[3]);
}

/* ------------------------------------------------------------ helpers */

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	if (f == NULL)
		return NULL;
	char *buf = calloc(1, 65536);
	assert_non_null(buf);
	size_t n = fread(buf, 1, 65535, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

static void make_tmpdir(char *dir, size_t size)
{
	snprintf(dir, size, "/tmp/test_proc.XXXXXX");
	assert_non_null(mkdtemp(dir));
}

static int count_entries(const char *dir)
{
	DIR *d = opendir(dir);
	assert_non_null(d);
	int n = 0;
	struct dirent *e;
	while ((e = readdir(d)) != NULL)
		if (e->d_name[0] != '.')
			n++;
	closedir(d);
	return n;
}

/* ------------------------------------------------------------ exit file */

static void test_exit_file(void **state)
{
	(void)state;
	char dir[64];
	make_tmpdir(dir, sizeof(dir));
	char path[128];
	snprintf(path, sizeof(path), "%s/ctr-id", dir);
	mode_t old = umask(077);
	const int codes[] = {0, 1, 137, 255, -1, 2147483647};
	const char *want[] = {"0", "1", "137", "255", "-1", "2147483647"};
	for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]); i++) {
		assert_int_equal(write_decimal_file(path, codes[i]), 0);
		char *got = slurp(path);
		assert_non_null(got);
		/* podman reads it with Atoi: no newline, nothing else. */
		assert_string_equal(got, want[i]);
		free(got);
		struct stat sb;
		assert_int_equal(stat(path, &sb), 0);
		assert_true(S_ISREG(sb.st_mode));
		assert_int_equal(sb.st_mode & 07777, 0644);
		/* Replaced in place: no temporary file left behind. */
		assert_int_equal(count_entries(dir), 1);
	}
	umask(old);
	unlink(path);
	/* A directory that does not exist: -1 with errno, nothing created. */
	char bad[160];
	snprintf(bad, sizeof(bad), "%s/missing/ctr-id", dir);
	errno = 0;
	assert_int_equal(write_decimal_file(bad, 0), -1);
	assert_int_equal(errno, ENOENT);
	assert_int_equal(count_entries(dir), 0);
	assert_int_equal(rmdir(dir), 0);
}

/* ------------------------------------------------------------ fds, signals */

static void test_handled_signals(void **state)
{
	(void)state;
	sigset_t set;
	proc_handled_signals(&set);
	const int want[] = {SIGCHLD, SIGTERM, SIGINT, SIGQUIT, SIGHUP};
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		assert_int_equal(sigismember(&set, want[i]), 1);
	assert_int_equal(sigismember(&set, SIGKILL), 0);
	assert_int_equal(sigismember(&set, SIGPIPE), 0);
}

static void test_list_fds(void **state)
{
	(void)state;
	int p[2];
	assert_int_equal(pipe(p), 0); /* deliberately without O_CLOEXEC */
	size_t n;
	int *fds = proc_list_fds(&p[0], 1, &n);
	bool saw0 = false, saw1 = false;
	for (size_t i = 0; i < n; i++) {
		assert_true(fds[i] > 2);
		saw0 |= fds[i] == p[0];
		saw1 |= fds[i] == p[1];
		/* Every listed fd is really open (the listing's own fd is not). */
		assert_true(fcntl(fds[i], F_GETFD) >= 0);
	}
	free(fds);
	assert_false(saw0);
	assert_true(saw1);
	/* Marking them close-on-exec is proc_run_exit_command's business:
	 * test_exit_command_clean_state sees none reach the command. */
	close(p[0]);
	close(p[1]);
}

/* ------------------------------------------------------------ exit command */

static char *run_probe(const char *dir, int code, const char *const *extra, size_t n_extra, int *status)
{
	char report[160], codebuf[16];
	snprintf(report, sizeof(report), "%s/report", dir);
	snprintf(codebuf, sizeof(codebuf), "%d", code);
	const char *args[32];
	size_t n = 0;
	args[n++] = "--probe";
	args[n++] = report;
	args[n++] = codebuf;
	for (size_t i = 0; i < n_extra && n < 32; i++)
		args[n++] = extra[i];
	*status = proc_run_exit_command(self_exe, args, n, 0);
	char *text = slurp(report);
	unlink(report);
	return text;
}

static void test_exit_command_status_and_args(void **state)
{
	(void)state;
	char dir[64];
	make_tmpdir(dir, sizeof(dir));
	/* podman's exit command arguments, the empty one included. */
	const char *extra[] = {"--root", "/var/lib/containers/storage", "--network-config-dir", "", "container",
			       "cleanup", "with space", "--rm"};
	int status = -1;
	char *text = run_probe(dir, 7, extra, sizeof(extra) / sizeof(extra[0]), &status);
	assert_non_null(text);
	assert_int_equal(status, 7);
	assert_non_null(strstr(text, "argc=12\n"));
	assert_non_null(strstr(text, "arg=[--root]\narg=[/var/lib/containers/storage]\narg=[--network-config-dir]\n"
				     "arg=[]\narg=[container]\narg=[cleanup]\narg=[with space]\narg=[--rm]\n"));
	free(text);

	text = run_probe(dir, 0, NULL, 0, &status);
	assert_non_null(text);
	assert_int_equal(status, 0);
	free(text);

	/* A command that cannot run: 255, and no hang. */
	diag_set_stderr(false);
	status = proc_run_exit_command("/nonexistent/podman", NULL, 0, 0);
	diag_set_stderr(true);
	assert_int_equal(status, 255);

	/* Killed by a signal: 128 + the signal. */
	const char *kill_args[] = {"-c", "kill -KILL $$"};
	status = proc_run_exit_command("/bin/sh", kill_args, 2, 0);
	assert_int_equal(status, 128 + SIGKILL);
	assert_int_equal(rmdir(dir), 0);
}

/* Runs the probe from a parent dirtied the way the shim is: SIGPIPE
 * ignored, the handled signals blocked, an fd without close-on-exec. */
static char *run_probe_dirty(const char *dir, int *status)
{
	struct sigaction ign = {.sa_handler = SIG_IGN}, old_pipe;
	sigemptyset(&ign.sa_mask);
	sigaction(SIGPIPE, &ign, &old_pipe);
	sigset_t handled, old_mask;
	proc_handled_signals(&handled);
	sigprocmask(SIG_BLOCK, &handled, &old_mask);
	int p[2];
	assert_int_equal(pipe(p), 0);
	/* Stdio that is certainly not /dev/null, whatever ran the tests. */
	fflush(stdout);
	fflush(stderr);
	FILE *tmp = tmpfile();
	assert_non_null(tmp);
	int saved[3];
	for (int fd = 0; fd <= 2; fd++) {
		saved[fd] = dup(fd);
		assert_true(saved[fd] >= 0);
		assert_true(dup2(fileno(tmp), fd) >= 0);
	}

	char *text = run_probe(dir, 3, NULL, 0, status);

	for (int fd = 0; fd <= 2; fd++) {
		dup2(saved[fd], fd);
		close(saved[fd]);
	}
	fclose(tmp);
	close(p[0]);
	close(p[1]);
	sigprocmask(SIG_SETMASK, &old_mask, NULL);
	sigaction(SIGPIPE, &old_pipe, NULL);
	assert_non_null(text);
	return text;
}

static void test_exit_command_clean_state(void **state)
{
	(void)state;
	char dir[64];
	make_tmpdir(dir, sizeof(dir));
	int status = -1;
	char *text = run_probe_dirty(dir, &status);
	assert_int_equal(status, 3);
	bool ok = strstr(text, "extra_fds=0\n") && strstr(text, "blocked=0\n") && strstr(text, "ignored=0\n");
	if (!ok)
		print_error("exit command saw:\n%s", text);
	free(text);
	assert_true(ok);
	assert_int_equal(rmdir(dir), 0);
}

/* BUG (reported to the lead, keep failing until fixed): proc.h promises
 * the exit command runs "with /dev/null stdio", but the child in
 * proc_run_exit_command (proc.c:93-98) keeps the shim's fds 0-2. It matters
 * on the failure path (ptyshim.c:188, shim_fail), which can run the exit
 * command before the shim has detached its stdio, so podman's cleanup would
 * write into podman's own stdout/stderr pipes. */
static void test_exit_command_devnull_stdio(void **state)
{
	(void)state;
	char dir[64];
	make_tmpdir(dir, sizeof(dir));
	int status = -1;
	char *text = run_probe_dirty(dir, &status);
	bool devnull = strstr(text, "fd0=/dev/null\n") && strstr(text, "fd1=/dev/null\n") &&
		       strstr(text, "fd2=/dev/null\n");
	if (!devnull)
		print_error("exit command saw:\n%s", text);
	free(text);
	assert_int_equal(rmdir(dir), 0);
	assert_true(devnull);
}

/* ---------------------------------------------------- the readiness pipe */

enum daemon_act { DAEMON_OK, DAEMON_REASON, DAEMON_SILENT };

/* Runs proc_daemonize in a throwaway child (it becomes the waiting
 * parent); the daemon does act. Returns the waiting parent's exit status,
 * its stderr in err. */
static int run_daemonize(enum daemon_act act, char *err, size_t err_size)
{
	int out[2];
	assert_int_equal(pipe(out), 0);
	fflush(stderr);
	pid_t launcher = fork();
	assert_true(launcher >= 0);
	if (launcher == 0) {
		dup2(out[1], 2);
		close(out[0]);
		close(out[1]);
		int fd = proc_daemonize(true, true, NULL);
		/* Only the daemon gets here; it must not hold the launcher's stderr. */
		int devnull = open("/dev/null", O_WRONLY);
		dup2(devnull, 2);
		if (fd < 0)
			_exit(90);
		if (act == DAEMON_OK)
			proc_report_ready(&fd, NULL, 0);
		else if (act == DAEMON_REASON)
			proc_report_ready(&fd, "runtime says no\n", 16);
		_exit(act == DAEMON_SILENT ? 3 : 0);
	}
	close(out[1]);
	ssize_t n = read_all(out[0], err, err_size - 1);
	err[n < 0 ? 0 : n] = '\0';
	close(out[0]);
	int st;
	assert_int_equal(waitpid(launcher, &st, 0), launcher);
	assert_true(WIFEXITED(st));
	return WEXITSTATUS(st);
}

static void test_daemonize_waits_for_the_word(void **state)
{
	(void)state;
	char err[512];
	diag_init("ptyshim");
	assert_int_equal(run_daemonize(DAEMON_OK, err, sizeof(err)), 0);
	assert_string_equal(err, "");
	assert_int_equal(run_daemonize(DAEMON_REASON, err, sizeof(err)), 1);
	assert_string_equal(err, "ptyshim: runtime says no\n");
	assert_int_equal(run_daemonize(DAEMON_SILENT, err, sizeof(err)), 1);
	assert_non_null(strstr(err, "exited with status 3 before it was set up\n"));
	assert_int_equal(strncmp(err, "ptyshim: the daemon (pid ", 25), 0);
}

static void test_report_ready_without_a_pipe(void **state)
{
	(void)state;
	int fd = -1;
	proc_report_ready(&fd, "nobody listens", 14);
	proc_report_ready(&fd, NULL, 0);
	assert_int_equal(fd, -1);
}

int main(int argc, char **argv)
{
	if (argc >= 4 && strcmp(argv[1], "--probe") == 0)
		return probe_main(argc, argv);
	ssize_t n = readlink("/proc/self/exe", self_exe, sizeof(self_exe) - 1);
	if (n <= 0)
		return 1;
	self_exe[n] = '\0';
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_exit_file),
		cmocka_unit_test(test_handled_signals),
		cmocka_unit_test(test_list_fds),
		cmocka_unit_test(test_exit_command_status_and_args),
		cmocka_unit_test(test_exit_command_clean_state),
		cmocka_unit_test(test_exit_command_devnull_stdio),
		cmocka_unit_test(test_daemonize_waits_for_the_word),
		cmocka_unit_test(test_report_ready_without_a_pipe),
	};
	return cmocka_run_group_tests_name("proc", tests, NULL, NULL);
}
