/* fakemgr: a minimal container manager for the integration tests. It starts a
 * conmon-compatible shim the way podman 4.3.1 starts conmon (conmon-interface.md
 * §2): the shim in its own process group, stdin /dev/null, AF_UNIX
 * SOCK_SEQPACKET socketpairs at fd 3 (_OCI_SYNCPIPE) and 4 (_OCI_STARTPIPE),
 * plus 5 (_OCI_ATTACHPIPE) for an exec session, nothing else inherited unless
 * asked for. It then plays podman's side of the protocol and prints every
 * message it reads from the shim verbatim on stdout, so a test can compare
 * bytes.
 *
 * It is deliberately independent of the code under test (no libptyshim). */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "base/child.h"

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

#define EXIT_TIMEOUT 124
#define EXIT_FAIL 125
#define MAX_EXTRA_FDS 16
/* podman reads the sync pipe with exactly this buffer: a longer datagram is
 * truncated by the kernel, which the tests must be able to see. */
#define SYNC_BUF 4096

static const char *prog = "fakemgr";

static const char usage_text[] =
	"usage: fakemgr [OPTIONS] -- SHIM [ARG...]\n"
	"Start SHIM as podman starts conmon and print what it sends on the sync pipe.\n"
	"  -t, --timeout SECS     cap on every wait (default 30); on expiry exit 124\n"
	"  -n, --no-start         close the start pipe without sending the start byte\n"
	"  -a, --exec-attach      add fd 5 = attach pipe (_OCI_ATTACHPIPE=5); print its\n"
	"                         message, then send the second start byte\n"
	"  -m, --messages N       sync messages to read and print (default 1; 2 for exec)\n"
	"  -f, --fd FD:PATH       open PATH (read-write, created 0600) as fd FD of the shim,\n"
	"                         inheritable (repeatable; FD >= 6)\n"
	"  -k, --die              SIGKILL itself right after the messages (manager crash)\n"
	"  -w, --wait-monitor     be a child subreaper; after the messages wait for the\n"
	"                         daemonized shim and exit with its status\n"
	"  -p, --pid-file FILE    write the pid of the shim process it spawned to FILE\n"
	"                         ('-': print \"fakemgr: shim pid N\" on stderr)\n"
	"  -i, --inherit-stdio    give the shim fakemgr's own stdout/stderr instead of\n"
	"                         relaying them until the spawned process exits\n"
	"Exit status: the spawned shim process's (exit code, or 128+signal); with -w the\n"
	"daemonized shim's; 124 on a timeout; 125 on a fakemgr error.\n";

struct extra_fd {
	int target;
	const char *path;
};

struct opts {
	int timeout_ms;
	bool no_start;
	bool exec_attach;
	int messages;
	bool die;
	bool wait_monitor;
	bool inherit_stdio;
	const char *pid_file;
	struct extra_fd extra[MAX_EXTRA_FDS];
	int n_extra;
	char **argv;
};

static void fail(const char *ctx, const char *what)
{
	fprintf(stderr, "%s: %s: %s\n", prog, ctx, what);
	exit(EXIT_FAIL);
}

static void fail_errno(const char *ctx)
{
	fail(ctx, strerror(errno));
}

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int parse_num(const char *s, int min, int max, const char *what)
{
	char *end;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < min || v > max) {
		fprintf(stderr, "%s: %s: not a number in [%d, %d]: '%s'\n", prog, what, min, max, s);
		exit(EXIT_FAIL);
	}
	return (int)v;
}

static void parse_args(int argc, char **argv, struct opts *o)
{
	static const struct option longopts[] = {
		{"timeout", required_argument, NULL, 't'},
		{"no-start", no_argument, NULL, 'n'},
		{"exec-attach", no_argument, NULL, 'a'},
		{"messages", required_argument, NULL, 'm'},
		{"fd", required_argument, NULL, 'f'},
		{"die", no_argument, NULL, 'k'},
		{"wait-monitor", no_argument, NULL, 'w'},
		{"pid-file", required_argument, NULL, 'p'},
		{"inherit-stdio", no_argument, NULL, 'i'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	memset(o, 0, sizeof(*o));
	o->timeout_ms = 30000;
	o->messages = 1;
	int c;
	/* '+': stop at the first non-option, so the shim's own flags are never ours. */
	while ((c = getopt_long(argc, argv, "+t:nam:f:kwp:ih", longopts, NULL)) != -1) {
		switch (c) {
		case 't':
			o->timeout_ms = parse_num(optarg, 1, 3600, "--timeout") * 1000;
			break;
		case 'n':
			o->no_start = true;
			break;
		case 'a':
			o->exec_attach = true;
			break;
		case 'm':
			o->messages = parse_num(optarg, 0, 16, "--messages");
			break;
		case 'f': {
			char *colon = strchr(optarg, ':');
			if (!colon || colon[1] == '\0')
				fail("--fd", "expected FD:PATH");
			if (o->n_extra == MAX_EXTRA_FDS)
				fail("--fd", "too many");
			*colon = '\0';
			o->extra[o->n_extra].target = parse_num(optarg, 6, 1023, "--fd");
			o->extra[o->n_extra].path = colon + 1;
			o->n_extra++;
			break;
		}
		case 'k':
			o->die = true;
			break;
		case 'w':
			o->wait_monitor = true;
			break;
		case 'p':
			o->pid_file = optarg;
			break;
		case 'i':
			o->inherit_stdio = true;
			break;
		case 'h':
			fputs(usage_text, stdout);
			exit(0);
		default:
			fputs(usage_text, stderr);
			exit(EXIT_FAIL);
		}
	}
	if (optind >= argc) {
		fputs(usage_text, stderr);
		exit(EXIT_FAIL);
	}
	o->argv = argv + optind;
}

/* Child side, between fork and exec: only async-signal-safe calls; any
 * failure ends the child with 127 and a message (like a shell that cannot
 * exec). */
static void child_die(const char *what)
{
	char buf[256];
	int n = snprintf(buf, sizeof(buf), "%s: child: %s: %s\n", prog, what, strerror(errno));
	if (n > 0)
		(void)!write(2, buf, (size_t)n);
	_exit(127);
}

static void child_exec(const struct opts *o, int sync_fd, int start_fd, int attach_fd, int out_fd,
		       int err_fd, const sigset_t *oldmask)
{
	/* podman gives conmon its own process group (Go Setpgid). */
	if (setpgid(0, 0) < 0)
		child_die("setpgid");
	/* Park every source fd high first, so the dup2s below cannot clobber one
	 * another whatever numbers the socketpairs got. */
	struct {
		int src;
		int target;
	} map[3 + MAX_EXTRA_FDS + 3];
	int n = 0;
	int devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (devnull < 0)
		child_die("/dev/null");
	map[n].src = devnull, map[n++].target = 0;
	if (out_fd >= 0) {
		map[n].src = out_fd, map[n++].target = 1;
		map[n].src = err_fd, map[n++].target = 2;
	}
	map[n].src = sync_fd, map[n++].target = 3;
	map[n].src = start_fd, map[n++].target = 4;
	if (attach_fd >= 0)
		map[n].src = attach_fd, map[n++].target = 5;
	for (int i = 0; i < o->n_extra; i++) {
		/* Not O_CLOEXEC at the target: leaking it is the point. */
		int fd = open(o->extra[i].path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
		if (fd < 0)
			child_die(o->extra[i].path);
		map[n].src = fd, map[n++].target = o->extra[i].target;
	}
	for (int i = 0; i < n; i++) {
		int hi = fcntl(map[i].src, F_DUPFD_CLOEXEC, 1024);
		if (hi < 0)
			child_die("F_DUPFD_CLOEXEC");
		map[i].src = hi;
	}
	/* Everything the test harness had open (bats keeps fd 3 and others) must
	 * not reach the shim: a daemon holding bats' fds makes bats wait forever. */
	if (syscall(SYS_close_range, 3U, ~0U, CLOSE_RANGE_CLOEXEC) < 0) {
		for (int fd = 3; fd < 1024; fd++)
			(void)fcntl(fd, F_SETFD, FD_CLOEXEC);
	}
	for (int i = 0; i < n; i++)
		if (dup2(map[i].src, map[i].target) < 0)
			child_die("dup2");

	if (unsetenv("_OCI_ATTACHPIPE") < 0 || setenv("_OCI_SYNCPIPE", "3", 1) < 0 ||
	    setenv("_OCI_STARTPIPE", "4", 1) < 0 ||
	    (attach_fd >= 0 && setenv("_OCI_ATTACHPIPE", "5", 1) < 0))
		child_die("setenv");
	signal(SIGPIPE, SIG_DFL);
	sigprocmask(SIG_SETMASK, oldmask, NULL);
	execvp(o->argv[0], o->argv);
	child_die(o->argv[0]);
}

static void write_out(int fd, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, buf, len);
		if (n < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			return; /* our reader went away: nothing useful to do */
		}
		buf += n;
		len -= (size_t)n;
	}
}

/* Copy what is readable now from a relay pipe to `to`. Returns false at EOF. */
static bool relay(int *fdp, int to)
{
	char buf[4096];
	for (;;) {
		ssize_t n = read(*fdp, buf, sizeof(buf));
		if (n > 0) {
			write_out(to, buf, (size_t)n);
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return true;
		close(*fdp);
		*fdp = -1;
		return false;
	}
}

static void timed_out(const char *what, pid_t pgrp)
{
	fprintf(stderr, "%s: timed out waiting for %s\n", prog, what);
	/* Don't leave a hung shim behind; it is still in its own process group
	 * unless it got as far as setsid. */
	if (pgrp > 0)
		kill(-pgrp, SIGKILL);
	exit(EXIT_TIMEOUT);
}

/* Wait for the spawned process while relaying its stdout/stderr. Once it is
 * reaped everything it wrote is already in the pipes: drain them and stop
 * relaying, so a daemonized descendant that kept the pipes cannot hang the
 * caller. */
static int wait_first(pid_t pid, int sigfd, int out_fd, int err_fd, int64_t deadline)
{
	int status = -1;
	bool reaped = false;
	while (!reaped) {
		struct pollfd p[3] = {
			{.fd = sigfd, .events = POLLIN},
			{.fd = out_fd, .events = POLLIN},
			{.fd = err_fd, .events = POLLIN},
		};
		int64_t left = deadline - now_ms();
		if (left <= 0)
			timed_out("the shim's first process to exit", pid);
		int r = poll(p, 3, (int)left);
		if (r < 0 && errno != EINTR)
			fail_errno("poll");
		if (out_fd >= 0 && (p[1].revents & (POLLIN | POLLHUP)))
			relay(&out_fd, 1);
		if (err_fd >= 0 && (p[2].revents & (POLLIN | POLLHUP)))
			relay(&err_fd, 2);
		if (p[0].revents & POLLIN) {
			struct signalfd_siginfo si;
			while (read(sigfd, &si, sizeof(si)) > 0) {
			}
		}
		pid_t w = waitpid(pid, &status, WNOHANG);
		if (w < 0)
			fail_errno("waitpid");
		reaped = w == pid;
	}
	if (out_fd >= 0) {
		relay(&out_fd, 1);
		if (out_fd >= 0)
			close(out_fd);
	}
	if (err_fd >= 0) {
		relay(&err_fd, 2);
		if (err_fd >= 0)
			close(err_fd);
	}
	return status;
}

/* Read one datagram and print it verbatim. Returns false on EOF. */
static bool read_message(int fd, const char *what, int64_t deadline)
{
	char buf[SYNC_BUF];
	for (;;) {
		struct pollfd p = {.fd = fd, .events = POLLIN};
		int64_t left = deadline - now_ms();
		if (left <= 0)
			timed_out(what, 0);
		int r = poll(&p, 1, (int)left);
		if (r < 0 && errno != EINTR)
			fail_errno("poll");
		if (r <= 0)
			continue;
		ssize_t n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
		if (n < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			if (errno == ECONNRESET)
				n = 0;
			else
				fail_errno(what);
		}
		if (n == 0) {
			fprintf(stderr, "%s: %s: closed without a message\n", prog, what);
			return false;
		}
		write_out(1, buf, (size_t)n);
		return true;
	}
}

/* With -w: reap every process that was reparented to us (the daemonized
 * shim, and whatever it left behind); the first one reaped is the monitor. */
static int wait_monitor(int sigfd, int64_t deadline)
{
	int first = -1;
	for (;;) {
		int status;
		pid_t w = waitpid(-1, &status, WNOHANG);
		if (w > 0) {
			if (first < 0)
				first = child_exit_code(status);
			continue;
		}
		if (w < 0 && errno == ECHILD)
			return first < 0 ? EXIT_FAIL : first;
		if (w < 0 && errno != EINTR)
			fail_errno("waitpid");
		struct pollfd p = {.fd = sigfd, .events = POLLIN};
		int64_t left = deadline - now_ms();
		if (left <= 0)
			timed_out("the daemonized shim to exit", 0);
		if (poll(&p, 1, (int)left) > 0) {
			struct signalfd_siginfo si;
			while (read(sigfd, &si, sizeof(si)) > 0) {
			}
		}
	}
}

int main(int argc, char **argv)
{
	struct opts o;
	parse_args(argc, argv, &o);
	signal(SIGPIPE, SIG_IGN);

	if (o.wait_monitor && prctl(PR_SET_CHILD_SUBREAPER, 1) < 0)
		fail_errno("PR_SET_CHILD_SUBREAPER");

	int syncp[2], startp[2], attachp[2] = {-1, -1};
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, syncp) < 0 ||
	    socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, startp) < 0 ||
	    (o.exec_attach && socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, attachp) < 0))
		fail_errno("socketpair");
	int outp[2] = {-1, -1}, errp[2] = {-1, -1};
	if (!o.inherit_stdio && (pipe2(outp, O_CLOEXEC) < 0 || pipe2(errp, O_CLOEXEC) < 0))
		fail_errno("pipe2");

	sigset_t chld, oldmask;
	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	if (sigprocmask(SIG_BLOCK, &chld, &oldmask) < 0)
		fail_errno("sigprocmask");
	int sigfd = signalfd(-1, &chld, SFD_CLOEXEC | SFD_NONBLOCK);
	if (sigfd < 0)
		fail_errno("signalfd");

	int64_t deadline = now_ms() + o.timeout_ms;
	pid_t pid = fork();
	if (pid < 0)
		fail_errno("fork");
	if (pid == 0)
		child_exec(&o, syncp[1], startp[1], attachp[1], outp[1], errp[1], &oldmask);
	/* Also from the parent, so no race with the child's own setpgid. */
	(void)setpgid(pid, pid);
	close(syncp[1]);
	close(startp[1]);
	if (attachp[1] >= 0)
		close(attachp[1]);
	if (outp[1] >= 0) {
		close(outp[1]);
		close(errp[1]);
		fcntl(outp[0], F_SETFL, O_NONBLOCK);
		fcntl(errp[0], F_SETFL, O_NONBLOCK);
	}
	if (o.pid_file && strcmp(o.pid_file, "-") == 0) {
		fprintf(stderr, "%s: shim pid %d\n", prog, (int)pid);
	} else if (o.pid_file) {
		FILE *f = fopen(o.pid_file, "w");
		if (!f || fprintf(f, "%d\n", (int)pid) < 0 || fclose(f) != 0)
			fail_errno(o.pid_file);
	}

	int start = startp[0];
	if (o.no_start) {
		close(start);
		start = -1;
	} else {
		/* A shim that already exited on bad flags gives EPIPE here: that is
		 * its exit status's business, not ours. */
		static const char zero = 0;
		(void)!send(start, &zero, 1, MSG_NOSIGNAL);
	}

	int first = wait_first(pid, sigfd, outp[0], errp[0], deadline);
	int code = child_exit_code(first);

	if (o.exec_attach) {
		deadline = now_ms() + o.timeout_ms;
		if (read_message(attachp[0], "attach pipe", deadline) && start >= 0) {
			static const char zero = 0;
			(void)!send(start, &zero, 1, MSG_NOSIGNAL);
		}
	}
	for (int i = 0; i < o.messages; i++) {
		deadline = now_ms() + o.timeout_ms;
		if (!read_message(syncp[0], "sync pipe", deadline))
			break;
	}
	if (o.die)
		raise(SIGKILL);
	if (o.wait_monitor)
		code = wait_monitor(sigfd, now_ms() + o.timeout_ms);
	return code;
}
