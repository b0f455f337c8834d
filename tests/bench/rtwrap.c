/* rtwrap: stands in for the OCI runtime (the shims get it as -r) and times
 * the real one, so a shim's start-up overhead is measured directly as
 * "launch → pid" minus the runtime's own time in the same run, instead of as
 * the difference of two separate runs, whose noise (runc create varies by tens
 * of ms here) would swamp a few ms.
 *
 * It runs the real runtime as its child with the same arguments, stdio and
 * environment, waits, and appends "VERB START_NS END_NS" (CLOCK_MONOTONIC)
 * to PIDFILE.rt, PIDFILE being the value of --pid-file; then exits as the
 * runtime did. Without --pid-file it just runs the runtime.
 *
 * run.sh builds it -static with -DREAL_RUNTIME='"/path/to/runc"' (the
 * Makefile's copy falls back to /usr/sbin/runc). libc only. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef REAL_RUNTIME
#define REAL_RUNTIME "/usr/sbin/runc"
#endif

static long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int main(int argc, char **argv)
{
	const char *pidfile = NULL, *verb = "?";
	long long t0, t1;
	int status;
	pid_t pid;

	(void)argc;
	for (int i = 1; argv[i]; i++) {
		if (strcmp(argv[i], "--pid-file") == 0 && argv[i + 1])
			pidfile = argv[i + 1];
		else if (strncmp(argv[i], "--pid-file=", 11) == 0)
			pidfile = argv[i] + 11;
		else if (strcmp(argv[i], "create") == 0 || strcmp(argv[i], "exec") == 0 ||
			 strcmp(argv[i], "restore") == 0)
			verb = argv[i];
	}
	argv[0] = REAL_RUNTIME;
	if (!pidfile) {
		execv(REAL_RUNTIME, argv);
		fprintf(stderr, "rtwrap: exec %s: %s\n", REAL_RUNTIME, strerror(errno));
		return 127;
	}
	t0 = now_ns();
	pid = fork();
	if (pid < 0) {
		fprintf(stderr, "rtwrap: fork: %s\n", strerror(errno));
		return 127;
	}
	if (pid == 0) {
		execv(REAL_RUNTIME, argv);
		fprintf(stderr, "rtwrap: exec %s: %s\n", REAL_RUNTIME, strerror(errno));
		_exit(127);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return 127;
	t1 = now_ns();

	char path[4096], line[128];
	int len = snprintf(line, sizeof(line), "%s %lld %lld\n", verb, t0, t1);
	if (snprintf(path, sizeof(path), "%s.rt", pidfile) < (int)sizeof(path)) {
		int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);

		if (fd >= 0) {
			if (write(fd, line, (size_t)len) != len)
				fprintf(stderr, "rtwrap: %s: short write\n", path);
			close(fd);
		}
	}
	if (WIFSIGNALED(status)) {
		signal(WTERMSIG(status), SIG_DFL);
		raise(WTERMSIG(status));
	}
	return WIFEXITED(status) ? WEXITSTATUS(status) : 127;
}
