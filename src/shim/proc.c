/* proc: the daemonizing fork with its readiness pipe, and fork/exec hygiene
 * shared by the runtime, command and exit-command children. */
#include "shim/proc.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/child.h"
#include "base/diag.h"
#include "base/util.h"

/* The readiness word: "ok", or this prefix and the reason. A reason is cut
 * to one diag line's worth, so the whole word is one atomic pipe write. */
#define PROC_READY_OK "ok"
#define PROC_READY_FAIL "error "
#define PROC_READY_REASON_MAX 1000

static void proc_write_pidfile(const char *path, pid_t pid)
{
	if (path != NULL && write_decimal_file(path, pid) < 0)
		diag_err("--conmon-pidfile %s: %s", path, strerror(errno));
}

/* The waiting parent, once the pipe is closed without a word: how the
 * daemon ended. Its fds close before it becomes a zombie, so give it a
 * moment to get there. */
static void proc_say_silent_end(pid_t daemon)
{
	for (int tries = 0; tries < 200; tries++) {
		int st;
		pid_t got = waitpid(daemon, &st, WNOHANG);
		if (got < 0 && errno == EINTR)
			continue;
		if (got == daemon && WIFSIGNALED(st)) {
			diag_err("the daemon (pid %d) was killed by signal %d (%s) before it was set up", (int)daemon,
				 WTERMSIG(st), strsignal(WTERMSIG(st)));
			return;
		}
		if (got == daemon) {
			diag_err("the daemon (pid %d) exited with status %d before it was set up", (int)daemon,
				 WIFEXITED(st) ? WEXITSTATUS(st) : -1);
			return;
		}
		if (got < 0)
			break;
		usleep(10000);
	}
	diag_err("the daemon (pid %d) closed its readiness pipe without a word", (int)daemon);
}

static void proc_wait_ready(int fd, pid_t daemon) __attribute__((noreturn));
static void proc_wait_ready(int fd, pid_t daemon)
{
	char word[sizeof(PROC_READY_FAIL) + PROC_READY_REASON_MAX];
	ssize_t n = read_all(fd, word, sizeof(word));
	size_t fail_len = strlen(PROC_READY_FAIL);
	if (n == (ssize_t)strlen(PROC_READY_OK) && memcmp(word, PROC_READY_OK, (size_t)n) == 0)
		_exit(0);
	/* The daemon has sent the reason to syslog already, if asked to. */
	diag_use_syslog(false);
	if (n > (ssize_t)fail_len && memcmp(word, PROC_READY_FAIL, fail_len) == 0)
		diag_err("%.*s", (int)((size_t)n - fail_len), word + fail_len);
	else
		proc_say_silent_end(daemon);
	_exit(1);
}

int proc_daemonize(bool fork_off, bool wait_ready, const char *pidfile)
{
	if (!fork_off) {
		proc_write_pidfile(pidfile, getpid());
		return -1;
	}
	int ready[2] = {-1, -1};
	if (wait_ready && pipe2(ready, O_CLOEXEC) < 0) {
		diag_err("pipe: %s", strerror(errno));
		return -2;
	}
	pid_t pid = fork();
	if (pid < 0) {
		diag_err("fork: %s", strerror(errno));
		close_fd(&ready[0]);
		close_fd(&ready[1]);
		return -2;
	}
	if (pid > 0) {
		proc_write_pidfile(pidfile, pid);
		if (!wait_ready)
			_exit(0);
		close_fd(&ready[1]);
		proc_wait_ready(ready[0], pid);
	}
	close_fd(&ready[0]);
	return ready[1];
}

void proc_report_ready(int *ready_fd, const char *reason, size_t len)
{
	if (*ready_fd < 0)
		return;
	char word[sizeof(PROC_READY_FAIL) + PROC_READY_REASON_MAX];
	int n;
	if (reason != NULL && len == 0)
		reason = "start-up failed", len = strlen(reason);
	if (reason == NULL)
		n = snprintf(word, sizeof(word), "%s", PROC_READY_OK);
	else
		n = snprintf(word, sizeof(word), "%s%.*s", PROC_READY_FAIL,
			     (int)(len > PROC_READY_REASON_MAX ? PROC_READY_REASON_MAX : len), reason);
	/* A parent gone (EPIPE) has nobody left to tell. */
	if (n > 0)
		write_all(*ready_fd, word, (size_t)n);
	close_fd(ready_fd);
}

void proc_handled_signals(sigset_t *set)
{
	sigemptyset(set);
	sigaddset(set, SIGCHLD);
	sigaddset(set, SIGTERM);
	sigaddset(set, SIGINT);
	sigaddset(set, SIGQUIT);
	sigaddset(set, SIGHUP);
}

int *proc_list_fds(const int *keep, size_t n_keep, size_t *n_out)
{
	int *fds = NULL;
	size_t n = 0, cap = 0;
	DIR *d = opendir("/proc/self/fd");
	*n_out = 0;
	if (d == NULL)
		return NULL;
	int self = dirfd(d);
	struct dirent *de;
	while ((de = readdir(d)) != NULL) {
		int fd;
		if (parse_int(de->d_name, 0, 1 << 30, &fd) < 0 || fd <= 2 || fd == self)
			continue;
		bool kept = false;
		for (size_t i = 0; i < n_keep; i++)
			kept |= keep[i] == fd;
		if (kept)
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 16;
			fds = xrealloc(fds, cap * sizeof(*fds));
		}
		fds[n++] = fd;
	}
	closedir(d);
	*n_out = n;
	return fds;
}

/* Marks every fd >= lowfd close-on-exec, except keep. */
static void proc_cloexec_from(int lowfd, int keep)
{
	size_t n;
	int *fds = proc_list_fds(NULL, 0, &n);
	for (size_t i = 0; i < n; i++)
		if (fds[i] >= lowfd && fds[i] != keep)
			set_cloexec(fds[i], true);
	free(fds);
}

int proc_run_exit_command(const char *path, const char *const *args, size_t n_args, int delay)
{
	/* The command must not be adopted by us, nor find our signal state. */
	prctl(PR_SET_CHILD_SUBREAPER, 0);
	char **argv = xcalloc(n_args + 2, sizeof(*argv));
	argv[0] = (char *)path;
	for (size_t i = 0; i < n_args; i++)
		argv[i + 1] = (char *)args[i];
	pid_t pid = fork();
	if (pid < 0) {
		diag_err("exit command %s: fork: %s", path, strerror(errno));
		free(argv);
		return 255;
	}
	if (pid == 0) {
		child_reset_signals();
		int devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
		if (devnull >= 0)
			for (int fd = 0; fd <= 2; fd++)
				dup2(devnull, fd);
		proc_cloexec_from(3, -1);
		if (delay > 0)
			sleep((unsigned)delay);
		execv(path, argv);
		diag_err("exit command %s: %s", path, strerror(errno));
		_exit(255);
	}
	free(argv);
	int status = 0;
	for (;;) {
		int st;
		pid_t got = waitpid(-1, &st, 0);
		if (got < 0) {
			if (errno == EINTR)
				continue;
			break; /* ECHILD: nothing left */
		}
		if (got == pid) {
			status = child_exit_code(st);
			break;
		}
	}
	return status;
}
