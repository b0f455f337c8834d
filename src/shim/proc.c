/* proc: fork/exec hygiene shared by the runtime, command and exit-command children. */
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
