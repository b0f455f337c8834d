/* Unit tests for procinfo: the clients read a shim's argv from /proc to find
 * its exit file, and ask whether it still runs. Checked against processes
 * whose state the test controls: ourselves, a child with a known argv
 * (empty and odd arguments included), a zombie child, a reaped pid, and a
 * child whose command name contains ") Z (" to trip a naive /proc/PID/stat
 * parser. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/procinfo.h"
#include "base/util.h"

static char self_path[4096];

/* Forks a child that (after the optional comm change) signals readiness on
 * a pipe and then waits until killed. */
static pid_t paused_child(const char *comm)
{
	int ready[2];
	assert_int_equal(pipe2(ready, O_CLOEXEC), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		if (comm && prctl(PR_SET_NAME, comm, 0, 0, 0) < 0)
			_exit(1);
		if (write(ready[1], "r", 1) != 1)
			_exit(1);
		for (;;)
			pause();
	}
	close(ready[1]);
	char c;
	assert_int_equal(read(ready[0], &c, 1), 1);
	close(ready[0]);
	return pid;
}

static void reap(pid_t pid)
{
	kill(pid, SIGKILL);
	assert_int_equal(waitpid(pid, NULL, 0), pid);
}

/* Our own cmdline is our argv: argv[0] is this binary. */
static void test_own_cmdline(void **state)
{
	(void)state;
	size_t len = 0;
	char *buf = procinfo_cmdline(getpid(), &len);
	assert_non_null(buf);
	assert_true(len > 0);
	assert_int_equal(buf[len], '\0'); /* terminated past the data */
	assert_int_equal(buf[len - 1], '\0');
	const char *argv[8];
	int argc = procinfo_argv(buf, len, argv, 8);
	assert_int_equal(argc, 1);
	assert_string_equal(argv[0], self_path);
	/* The same bytes as /proc/self/cmdline. */
	size_t self_len;
	char *self = read_small_file("/proc/self/cmdline", 65536, &self_len);
	assert_non_null(self);
	assert_int_equal(self_len, len);
	assert_memory_equal(self, buf, len);
	free(self);
	free(buf);
}

/* A child exec'd with awkward arguments: empty ones, spaces, a "--", a
 * long one; they come back one for one, in order. */
static void test_child_cmdline_argv(void **state)
{
	(void)state;
	char long_arg[5000];
	memset(long_arg, 'L', sizeof(long_arg) - 1);
	long_arg[sizeof(long_arg) - 1] = '\0';
	/* sh waits on its stdin (a pipe held here), so its argv stays put. */
	const char *args[] = {"sleeper", "-c", "read x", "", "a b", "--", "", long_arg, NULL};
	int ready[2], in[2];
	assert_int_equal(pipe2(ready, 0), 0);
	assert_int_equal(pipe2(in, 0), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		/* The exec closes ready[1] (close-on-exec): the parent's EOF. */
		close(ready[0]);
		close(in[1]);
		fcntl(ready[1], F_SETFD, FD_CLOEXEC);
		if (dup2(in[0], 0) < 0)
			_exit(126);
		execv("/bin/sh", (char *const *)args);
		_exit(127);
	}
	close(ready[1]);
	close(in[0]);
	char c;
	assert_int_equal(read(ready[0], &c, 1), 0);
	close(ready[0]);

	size_t len = 0;
	char *buf = procinfo_cmdline(pid, &len);
	assert_non_null(buf);
	size_t want_len = 0;
	for (int i = 0; args[i]; i++)
		want_len += strlen(args[i]) + 1;
	assert_int_equal(len, want_len);
	const char *argv[16];
	int argc = procinfo_argv(buf, len, argv, 16);
	assert_int_equal(argc, 8);
	for (int i = 0; i < 8; i++)
		assert_string_equal(argv[i], args[i]);
	assert_true(procinfo_alive(pid));
	close(in[1]);
	free(buf);
	reap(pid);
}

static void test_argv_splitting(void **state)
{
	(void)state;
	const char buf[] = "ptyshim\0--cid\0\0x y\0"; /* 4 args, one empty */
	size_t len = sizeof(buf) - 1;
	const char *argv[8];
	assert_int_equal(procinfo_argv(buf, len, argv, 8), 4);
	assert_string_equal(argv[0], "ptyshim");
	assert_string_equal(argv[1], "--cid");
	assert_string_equal(argv[2], "");
	assert_string_equal(argv[3], "x y");
	/* At most max entries. */
	assert_int_equal(procinfo_argv(buf, len, argv, 2), 2);
	assert_string_equal(argv[1], "--cid");
	assert_int_equal(procinfo_argv(buf, len, argv, 0), 0);
	/* Nothing read: no argv (a kernel thread, or a zombie). */
	assert_int_equal(procinfo_argv(buf, 0, argv, 8), 0);
	/* The last argument without its NUL (a process that rewrote its
	 * argv): still one entry, bounded by len. */
	const char cut[] = "a\0bc";
	assert_int_equal(procinfo_argv(cut, 4, argv, 8), 2);
	assert_ptr_equal(argv[1], cut + 2);
}

static void test_gone_pid(void **state)
{
	(void)state;
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		_exit(0);
	assert_int_equal(waitpid(pid, NULL, 0), pid);
	/* Reaped: no /proc entry (unless the pid was reused this instant). */
	assert_false(procinfo_alive(pid));
	size_t len = 77;
	errno = 0;
	assert_null(procinfo_cmdline(pid, &len));
	assert_int_equal(errno, ENOENT);
	assert_false(procinfo_alive(0));
	assert_false(procinfo_alive(-1));
	assert_false(procinfo_alive(-getpid())); /* never a process group */
}

static void test_alive(void **state)
{
	(void)state;
	assert_true(procinfo_alive(getpid()));
	assert_true(procinfo_alive(1));
	pid_t pid = paused_child(NULL);
	assert_true(procinfo_alive(pid));
	/* Stopped is still alive. */
	assert_int_equal(kill(pid, SIGSTOP), 0);
	siginfo_t si;
	assert_int_equal(waitid(P_PID, pid, &si, WSTOPPED), 0);
	assert_true(procinfo_alive(pid));
	assert_int_equal(kill(pid, SIGCONT), 0);
	reap(pid);
	assert_false(procinfo_alive(pid));
}

/* A zombie (exited, not yet reaped) is not alive, though /proc still has it. */
static void test_zombie_is_not_alive(void **state)
{
	(void)state;
	pid_t pid = paused_child(NULL);
	assert_int_equal(kill(pid, SIGKILL), 0);
	siginfo_t si;
	/* Wait for the exit without reaping it. */
	assert_int_equal(waitid(P_PID, pid, &si, WEXITED | WNOWAIT), 0);
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	assert_int_equal(access(path, F_OK), 0); /* still listed */
	assert_false(procinfo_alive(pid));
	/* A zombie has no cmdline left: empty, not an error. */
	size_t len = 77;
	char *buf = procinfo_cmdline(pid, &len);
	if (buf) {
		assert_int_equal(len, 0);
		free(buf);
	}
	assert_int_equal(waitpid(pid, NULL, 0), pid);
	assert_false(procinfo_alive(pid));
}

/* The state is found after the last ')' of the command name, so a name
 * that looks like a state does not fool it either way. */
static void test_comm_with_parenthesis(void **state)
{
	(void)state;
	pid_t pid = paused_child("x) Z (y");
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	char *st = read_small_file(path, 4096, NULL);
	assert_non_null(st);
	assert_non_null(strstr(st, "(x) Z (y)")); /* the name took */
	free(st);
	assert_true(procinfo_alive(pid));
	reap(pid);

	/* And a zombie whose name says it runs. */
	pid = paused_child("a) S (b");
	assert_int_equal(kill(pid, SIGKILL), 0);
	siginfo_t si;
	assert_int_equal(waitid(P_PID, pid, &si, WEXITED | WNOWAIT), 0);
	assert_false(procinfo_alive(pid));
	assert_int_equal(waitpid(pid, NULL, 0), pid);
}

int main(int argc, char **argv)
{
	(void)argc;
	snprintf(self_path, sizeof(self_path), "%s", argv[0]);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_own_cmdline),
		cmocka_unit_test(test_child_cmdline_argv),
		cmocka_unit_test(test_argv_splitting),
		cmocka_unit_test(test_gone_pid),
		cmocka_unit_test(test_alive),
		cmocka_unit_test(test_zombie_is_not_alive),
		cmocka_unit_test(test_comm_with_parenthesis),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
