/* benchdrv: the timing-critical half of the benchmark. run.sh decides what
 * to measure; this program does each measurement and prints key=value lines.
 *
 *   benchdrv shim [OPTS] -- SHIM ARG...    drive a conmon-compatible shim as a
 *       manager does (conmon-interface.md §2): SEQPACKET sync/start pipes on
 *       fds 3/4, start byte, {"data": PID} on sync; then optionally connect to
 *       the attach socket, `RUNTIME start`, keystroke round trips, kill, wait
 *       for the exit file, read the shim's CPU time, `RUNTIME delete`.
 *       --hook CMD runs CMD (sh -c, $SHIM_PID set) before the container
 *       starts, e.g. `perf stat -p $SHIM_PID`, and is waited for at the end.
 *   benchdrv runtime [OPTS]                the runtime alone: create + start +
 *       wait for the container process (as its subreaper), no shim.
 *   benchdrv bare-pty|bare-pipe -o FILE [-s STAMP] -- PRODUCER ARG...
 *       the bare limit: the producer on a PTY slave (or a pipe), drained into
 *       FILE by the smallest possible reader.
 *   benchdrv bare-echo -n COUNT -- CAT ARG...   keystroke round trip through a
 *       bare PTY to CAT on a raw slave.
 *   benchdrv relay-echo [-n COUNT] [-o LOG] -- CAT ARG...   the same through
 *       the smallest possible relay process (socket <-> PTY, optional log):
 *       the floor for any shim's keystroke path.
 *   benchdrv attach-echo --bundle B --echo N    round trips through the attach
 *       socket of a container already running `cat` on a raw tty (for
 *       profiling a shim started and traced separately).
 *   benchdrv paint --bundle B --echo N       attach-to-painted time: N times,
 *       read the current repaint from the shim's screen socket (B/screen), then
 *       connect to the attach socket and time from connect() until that many
 *       bytes have arrived (they must be the same bytes: the container is idle).
 *   benchdrv wait-exit -e EXITDIR -i ID [-T SECONDS]
 *
 * Times are CLOCK_MONOTONIC in nanoseconds; the producer stamps the same
 * clock inside the container, so "producer start → exit file" excludes the
 * container's start-up. */
#include "base/util.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

static const char *prog = "benchdrv";

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void die(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

struct opts {
	const char *runtime;
	const char *rt_root;
	const char *id;
	const char *bundle;
	const char *exit_dir;
	const char *shim_pidfile; /* --conmon-pidfile given to the shim */
	const char *stamp;
	const char *shim_stderr;
	const char *out;
	const char *ready;
	const char *kill_sig;
	const char *hook;
	int hook_delay_ms;
	int echo_count;
	int timeout_s;
	bool start, wait_exit, delete;
	char **cmd;
};

static int64_t deadline_of(int timeout_s)
{
	return mono_ns() + (int64_t)timeout_s * 1000000000;
}

static int poll_until(int fd, short events, int64_t deadline)
{
	for (;;) {
		struct pollfd p = {.fd = fd, .events = events};
		int64_t left = deadline - mono_ns();
		int r;

		if (left <= 0)
			return 0;
		r = poll(&p, 1, (int)(left / 1000000 + 1));
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			die("poll: %s", strerror(errno));
		if (r > 0)
			return 1;
	}
}

/* Put fd at target in a child about to exec, whatever the numbers are. */
static void child_place_fd(int fd, int target)
{
	if (fd == target) {
		if (fcntl(fd, F_SETFD, 0) < 0)
			_exit(127);
		return;
	}
	if (dup2(fd, target) < 0)
		_exit(127);
}

/* Run ARGV with stdio on /dev/null (stderr inherited), wait for it and
 * return its wait status; *elapsed gets the wall time. */
static int run_wait(char *const argv[], int64_t *elapsed)
{
	int64_t t0 = mono_ns();
	int status;
	pid_t pid = fork();

	if (pid < 0)
		die("fork: %s", strerror(errno));
	if (pid == 0) {
		int null = open("/dev/null", O_RDWR);

		if (null < 0 || dup2(null, 0) < 0 || dup2(null, 1) < 0)
			_exit(127);
		execv(argv[0], argv);
		_exit(127);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			die("waitpid %s: %s", argv[0], strerror(errno));
	if (elapsed)
		*elapsed = mono_ns() - t0;
	return status;
}

/* RUNTIME --root D VERB A B: a and b may be NULL (the list ends there). */
static void runtime_cmd(const struct opts *o, const char *verb, const char *a, const char *b, int64_t *elapsed)
{
	char *argv[] = {(char *)o->runtime, "--root", (char *)o->rt_root, (char *)verb, (char *)a, (char *)b, NULL};
	int status = run_wait(argv, elapsed);

	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		die("%s %s %s: failed (wait status %d)", o->runtime, verb, o->id, status);
}

static long read_pid_file(const char *path)
{
	size_t len;
	char *s = read_small_file(path, 64, &len);
	int pid;

	if (!s)
		die("%s: %s", path, strerror(errno));
	while (len > 0 && isspace((unsigned char)s[len - 1]))
		s[--len] = '\0';
	if (parse_int(s, 1, INT_MAX, &pid) < 0)
		die("%s: not a pid: \"%s\"", path, s);
	free(s);
	return pid;
}

/* ---- exit file ---------------------------------------------------------- */

static bool file_exists_at(const char *dir, const char *name)
{
	char *path = xasprintf("%s/%s", dir, name);
	bool r = access(path, F_OK) == 0;

	free(path);
	return r;
}

/* Wait until EXITDIR/ID exists; inotify so the moment is exact, and a check
 * after arming the watch so a file written before it is not missed. */
static int64_t wait_exit_file(const char *dir, const char *id, int timeout_s)
{
	int64_t deadline = deadline_of(timeout_s);
	int in = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
	char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));

	if (in < 0)
		die("inotify_init1: %s", strerror(errno));
	if (inotify_add_watch(in, dir, IN_MOVED_TO | IN_CLOSE_WRITE | IN_CREATE) < 0)
		die("inotify_add_watch %s: %s", dir, strerror(errno));
	while (!file_exists_at(dir, id)) {
		if (!poll_until(in, POLLIN, deadline))
			die("%s/%s: no exit file after %d s", dir, id, timeout_s);
		while (read(in, buf, sizeof(buf)) > 0)
			;
	}
	int64_t t = mono_ns();
	close(in);
	return t;
}

/* ---- the shim's CPU time, read from its zombie ------------------------- */

/* Nanoseconds on CPU of a dead child that has not been reaped yet: its
 * schedstat still holds its own run time (children excluded, unlike the
 * rusage wait4 would give, which would count the container's producer). */
static int64_t zombie_cpu_ns(pid_t pid)
{
	char path[64];
	size_t len;
	char *s;
	long long ns = -1;

	snprintf(path, sizeof(path), "/proc/%d/schedstat", (int)pid);
	s = read_small_file(path, 256, &len);
	if (s) {
		if (sscanf(s, "%lld", &ns) != 1)
			ns = -1;
		free(s);
	}
	return ns;
}

static int64_t reap_monitor(pid_t pid, int timeout_s)
{
	int64_t deadline = deadline_of(timeout_s);
	siginfo_t si;
	int64_t cpu;

	for (;;) {
		memset(&si, 0, sizeof(si));
		if (waitid(P_PID, (id_t)pid, &si, WEXITED | WNOHANG | WNOWAIT) < 0) {
			if (errno == EINTR)
				continue;
			return -1; /* not our child: the shim did not daemonize as conmon does */
		}
		if (si.si_pid == pid)
			break;
		if (mono_ns() > deadline) {
			fprintf(stderr, "%s: shim %d still running %d s after the exit file\n", prog, (int)pid,
				timeout_s);
			return -1;
		}
		struct timespec ts = {0, 500 * 1000};
		nanosleep(&ts, NULL);
	}
	cpu = zombie_cpu_ns(pid);
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
	return cpu;
}

/* ---- attach socket and keystroke round trips --------------------------- */

/* A socket of the bundle. Bundle paths may exceed sun_path, as podman's do:
 * connect through an O_PATH fd as podman does. */
static int bundle_connect(const char *bundle, const char *name, int type)
{
	char *path = xasprintf("%s/%s", bundle, name);
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int dfd = open(path, O_PATH | O_CLOEXEC), fd;

	if (dfd < 0)
		die("%s: %s", path, strerror(errno));
	snprintf(sa.sun_path, sizeof(sa.sun_path), "/proc/self/fd/%d", dfd);
	fd = socket(AF_UNIX, type | SOCK_CLOEXEC, 0);
	if (fd < 0)
		die("socket: %s", strerror(errno));
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		die("connect %s: %s", path, strerror(errno));
	close(dfd);
	free(path);
	return fd;
}

static int attach_connect(const char *bundle)
{
	return bundle_connect(bundle, "attach", SOCK_SEQPACKET);
}

/* One frame from the attach socket; returns payload length (0 on EOF). */
static ssize_t attach_frame(int fd, char *buf, size_t size, int64_t deadline, const char *what)
{
	for (;;) {
		ssize_t n;

		if (!poll_until(fd, POLLIN, deadline))
			die("attach: timed out waiting for %s", what);
		n = recv(fd, buf, size, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			die("attach: recv: %s", strerror(errno));
		if (n == 0)
			return 0;
		if (buf[0] != 2 && buf[0] != 3)
			die("attach: frame with stream id %d", buf[0]);
		return n - 1;
	}
}

static void attach_wait_marker(int fd, const char *marker, int64_t deadline)
{
	char seen[256] = "", frame[8193];
	size_t mlen = strlen(marker), have = 0;

	for (;;) {
		ssize_t n = attach_frame(fd, frame, sizeof(frame), deadline, marker);

		if (n == 0)
			die("attach: EOF before \"%s\"", marker);
		for (ssize_t i = 0; i < n; i++) {
			if (have == sizeof(seen) - 1) {
				memmove(seen, seen + 1, have - 1);
				have--;
			}
			seen[have++] = frame[1 + i];
			seen[have] = '\0';
		}
		if (have >= mlen && strstr(seen, marker))
			return;
	}
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

static void print_percentiles(const char *prefix, int64_t *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), cmp_i64);
	printf("%s_p50_ns=%" PRId64 "\n", prefix, v[n / 2]);
	printf("%s_p99_ns=%" PRId64 "\n", prefix, v[(n * 99) / 100]);
	printf("%s_min_ns=%" PRId64 "\n", prefix, v[0]);
	printf("%s_max_ns=%" PRId64 "\n", prefix, v[n - 1]);
	printf("%s_count=%d\n", prefix, n);
}

/* Send one key at a time and wait for it to come back; each key differs
 * from the last so a late or duplicated echo is caught, not timed. */
static void echo_attach(int fd, int count, int timeout_s)
{
	int64_t *rtt = xcalloc((size_t)count, sizeof(*rtt));
	char frame[8193];

	for (int i = 0; i < count; i++) {
		char key = (char)('a' + i % 26);
		int64_t deadline = deadline_of(timeout_s), t0 = mono_ns();
		ssize_t n;

		if (send(fd, &key, 1, 0) != 1)
			die("attach: send: %s", strerror(errno));
		n = attach_frame(fd, frame, sizeof(frame), deadline, "an echo");
		rtt[i] = mono_ns() - t0;
		if (n != 1 || frame[1] != key)
			die("attach: sent '%c', got %zd bytes starting '%c'", key, n, n > 0 ? frame[1] : '?');
	}
	print_percentiles("echo", rtt, count);
	free(rtt);
}

/* ---- attach-to-painted time --------------------------------------------- */

/* The screen socket's answer to "repaint" (snapshot.h), read to EOF. */
static char *screen_repaint(const char *bundle, size_t *len, int64_t deadline)
{
	int fd = bundle_connect(bundle, "screen", SOCK_STREAM);
	size_t cap = 65536, n = 0;
	char *buf = xmalloc(cap);

	if (write_all(fd, "repaint\n", 8) < 0)
		die("screen socket: write: %s", strerror(errno));
	for (;;) {
		ssize_t r;

		if (n == cap)
			buf = xrealloc(buf, cap *= 2);
		if (!poll_until(fd, POLLIN, deadline))
			die("screen socket: no answer");
		r = read(fd, buf + n, cap - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			die("screen socket: read: %s", strerror(errno));
		if (r == 0)
			break;
		n += (size_t)r;
	}
	close(fd);
	if (n == 0 || strncmp(buf, "error: ", 7) == 0)
		die("screen socket: no repaint (%.*s)", (int)(n > 80 ? 80 : n), buf);
	*len = n;
	return buf;
}

/* Connect to the attach socket and time until the repaint has arrived. */
static int64_t paint_once(const char *bundle, const char *want, size_t want_len, int timeout_s)
{
	int64_t deadline = deadline_of(timeout_s), t0 = mono_ns();
	int fd = bundle_connect(bundle, "attach", SOCK_SEQPACKET);
	char frame[65537];
	size_t got = 0;

	while (got < want_len) {
		ssize_t n = attach_frame(fd, frame, sizeof(frame), deadline, "the repaint");

		if (n == 0)
			die("attach: EOF after %zu of %zu repaint bytes", got, want_len);
		if (got + (size_t)n > want_len || memcmp(frame + 1, want + got, (size_t)n) != 0)
			die("attach: the repaint differs from the screen socket's (is the container idle?)");
		got += (size_t)n;
	}
	int64_t t = mono_ns() - t0;
	close(fd);
	return t;
}

static int cmd_paint(struct opts *o)
{
	int count = o->echo_count ? o->echo_count : 100;
	int64_t *v = xcalloc((size_t)count, sizeof(*v));
	size_t len = 0;

	if (!o->bundle)
		die("paint: needs --bundle");
	for (int i = 0; i < count; i++) {
		char *want = screen_repaint(o->bundle, &len, deadline_of(o->timeout_s));

		v[i] = paint_once(o->bundle, want, len, o->timeout_s);
		free(want);
	}
	printf("paint_bytes=%zu\n", len);
	print_percentiles("paint", v, count);
	free(v);
	return 0;
}

/* ---- benchdrv shim ------------------------------------------------------ */

static pid_t spawn_shim(const struct opts *o, int *sync_fd, int *start_fd)
{
	int sy[2], st[2];
	pid_t pid;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sy) < 0 ||
	    socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, st) < 0)
		die("socketpair: %s", strerror(errno));
	pid = fork();
	if (pid < 0)
		die("fork: %s", strerror(errno));
	if (pid == 0) {
		/* Move the child ends above 4 first so placing one at 3 or 4
		 * cannot overwrite the other. */
		int a = fcntl(sy[1], F_DUPFD_CLOEXEC, 10), b = fcntl(st[1], F_DUPFD_CLOEXEC, 10);
		int in = open("/dev/null", O_RDONLY), out = open("/dev/null", O_WRONLY);
		int err = o->shim_stderr ? open(o->shim_stderr, O_WRONLY | O_CREAT | O_APPEND, 0644) : out;

		if (a < 0 || b < 0 || in < 0 || out < 0 || err < 0)
			_exit(127);
		setpgid(0, 0); /* podman spawns conmon in its own process group */
		if (dup2(in, 0) < 0 || dup2(out, 1) < 0 || dup2(err, 2) < 0)
			_exit(127);
		child_place_fd(a, 3);
		child_place_fd(b, 4);
		setenv("_OCI_SYNCPIPE", "3", 1);
		setenv("_OCI_STARTPIPE", "4", 1);
		execvp(o->cmd[0], o->cmd);
		dprintf(2, "%s: exec %s: %s\n", prog, o->cmd[0], strerror(errno));
		_exit(127);
	}
	close(sy[1]);
	close(st[1]);
	*sync_fd = sy[0];
	*start_fd = st[0];
	return pid;
}

/* {"data": N[, "message": "..."]}\n: returns N, prints the message on error. */
static long read_sync(int fd, int64_t deadline)
{
	char buf[4097], *p;
	ssize_t n;
	long v;

	if (!poll_until(fd, POLLIN, deadline))
		die("sync pipe: no message before the timeout");
	do
		n = recv(fd, buf, sizeof(buf) - 1, 0);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		die("sync pipe: %s", strerror(errno));
	if (n == 0)
		die("sync pipe: EOF (the shim failed before reporting; see its stderr)");
	buf[n] = '\0';
	p = strstr(buf, "\"data\":");
	if (!p)
		die("sync pipe: unexpected message: %s", buf);
	errno = 0;
	v = strtol(p + 7, NULL, 10);
	if (errno)
		die("sync pipe: bad number in: %s", buf);
	if (v < 0)
		die("sync pipe: shim reports failure: %s", buf);
	return v;
}

static int cmd_shim(struct opts *o)
{
	int sync_fd, start_fd, status, attach = -1;
	int64_t t0, t_sync, t_run = 0, t_exit, elapsed;
	long cpid, mpid = 0;
	pid_t pid, hook = -1;

	if (!o->cmd || !o->cmd[0])
		die("shim: no shim command after --");
	if (o->hook && !o->shim_pidfile)
		die("shim: --hook needs --shim-pidfile");
	if ((o->start || o->delete || o->kill_sig) && (!o->runtime || !o->rt_root || !o->id))
		die("shim: --start/--kill/--delete need --runtime, --root and --id");
	if ((o->wait_exit && (!o->exit_dir || !o->id)) || (o->echo_count && !o->bundle))
		die("shim: --wait-exit needs --exit-dir and --id; --echo needs --bundle");
	/* As the subreaper, the daemonized monitor becomes our child, so its
	 * CPU time can be read from its zombie and its exit awaited. */
	if (o->wait_exit && prctl(PR_SET_CHILD_SUBREAPER, 1) < 0)
		die("prctl(PR_SET_CHILD_SUBREAPER): %s", strerror(errno));

	t0 = mono_ns();
	pid = spawn_shim(o, &sync_fd, &start_fd);
	if (write(start_fd, "", 1) != 1)
		die("start pipe: %s", strerror(errno));
	cpid = read_sync(sync_fd, deadline_of(o->timeout_s));
	t_sync = mono_ns();
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			die("waitpid shim: %s", strerror(errno));
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		die("shim's first process ended with wait status %d", status);
	printf("launch_ns=%" PRId64 "\ncontainer_pid=%ld\n", t_sync - t0, cpid);
	if (o->shim_pidfile) {
		mpid = read_pid_file(o->shim_pidfile);
		printf("shim_pid=%ld\n", mpid);
	}
	fflush(stdout);

	if (o->echo_count || o->ready)
		attach = attach_connect(o->bundle);
	if (o->hook) {
		/* e.g. perf stat -p "$SHIM_PID": attached before the container
		 * runs, ends when the shim does. */
		char pidstr[32];

		snprintf(pidstr, sizeof(pidstr), "%ld", mpid);
		hook = fork();
		if (hook < 0)
			die("fork: %s", strerror(errno));
		if (hook == 0) {
			setenv("SHIM_PID", pidstr, 1);
			execl("/bin/sh", "sh", "-c", o->hook, (char *)NULL);
			_exit(127);
		}
		struct timespec ts = {o->hook_delay_ms / 1000, (long)(o->hook_delay_ms % 1000) * 1000000};
		nanosleep(&ts, NULL);
	}
	if (o->start) {
		t_run = mono_ns();
		runtime_cmd(o, "start", o->id, NULL, &elapsed);
		printf("start_ns=%" PRId64 "\n", elapsed);
	}
	if (attach >= 0 && o->ready)
		attach_wait_marker(attach, o->ready, deadline_of(o->timeout_s));
	if (o->echo_count)
		echo_attach(attach, o->echo_count, o->timeout_s);
	if (o->kill_sig)
		runtime_cmd(o, "kill", o->id, o->kill_sig, NULL);
	if (o->wait_exit) {
		size_t len;
		char *code, *path;

		t_exit = wait_exit_file(o->exit_dir, o->id, o->timeout_s);
		if (o->start)
			printf("run_ns=%" PRId64 "\n", t_exit - t_run);
		printf("total_ns=%" PRId64 "\n", t_exit - t0);
		path = xasprintf("%s/%s", o->exit_dir, o->id);
		code = read_small_file(path, 64, &len);
		printf("exit_code=%s\n", code ? code : "?");
		free(code);
		free(path);
		if (o->stamp) {
			long long ps, pe;
			FILE *f = fopen(o->stamp, "r");

			if (!f || fscanf(f, "%lld %lld", &ps, &pe) != 2)
				die("%s: no producer stamp", o->stamp);
			fclose(f);
			printf("prod_ns=%lld\nprod_write_ns=%lld\n", (long long)t_exit - ps, pe - ps);
		}
		if (mpid > 0) {
			int64_t cpu = reap_monitor((pid_t)mpid, o->timeout_s);

			if (cpu >= 0)
				printf("shim_cpu_ns=%" PRId64 "\n", cpu);
		}
	}
	if (attach >= 0)
		close(attach);
	if (hook > 0)
		while (waitpid(hook, NULL, 0) < 0 && errno == EINTR)
			;
	if (o->delete && o->wait_exit)
		runtime_cmd(o, "delete", o->id, NULL, NULL);
	else if (o->delete)
		runtime_cmd(o, "delete", "--force", o->id, NULL);
	close(sync_fd);
	close(start_fd);
	return 0;
}

/* ---- benchdrv runtime --------------------------------------------------- */

static int cmd_runtime(struct opts *o)
{
	int64_t t0, create_ns, start_ns, t_end;
	char *pidfile;
	long pid;
	int status;

	if (!o->runtime || !o->rt_root || !o->id || !o->bundle)
		die("runtime: needs --runtime, --root, --id and --bundle");
	if (prctl(PR_SET_CHILD_SUBREAPER, 1) < 0)
		die("prctl(PR_SET_CHILD_SUBREAPER): %s", strerror(errno));
	pidfile = xasprintf("%s/rt-%s.pid", o->bundle, o->id);
	char *create[] = {(char *)o->runtime, "--root", (char *)o->rt_root, "create", "--bundle", (char *)o->bundle,
			  "--pid-file", pidfile, (char *)o->id, NULL};

	t0 = mono_ns();
	status = run_wait(create, &create_ns);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		die("%s create %s: failed (wait status %d)", o->runtime, o->id, status);
	pid = read_pid_file(pidfile);
	runtime_cmd(o, "start", o->id, NULL, &start_ns);
	while (waitpid((pid_t)pid, &status, 0) < 0)
		if (errno != EINTR)
			die("waitpid container %ld: %s", pid, strerror(errno));
	t_end = mono_ns();
	printf("create_ns=%" PRId64 "\nstart_ns=%" PRId64 "\ntotal_ns=%" PRId64 "\n", create_ns, start_ns,
	       t_end - t0);
	runtime_cmd(o, "delete", o->id, NULL, NULL);
	unlink(pidfile);
	free(pidfile);
	return 0;
}

/* ---- bare limits -------------------------------------------------------- */

static void exec_child(char **cmd)
{
	execv(cmd[0], cmd);
	dprintf(2, "%s: exec %s: %s\n", prog, cmd[0], strerror(errno));
	_exit(127);
}

static void print_stamp(const char *stamp, int64_t t_end)
{
	long long ps, pe;
	FILE *f;

	if (!stamp)
		return;
	f = fopen(stamp, "r");
	if (!f || fscanf(f, "%lld %lld", &ps, &pe) != 2)
		die("%s: no producer stamp", stamp);
	fclose(f);
	printf("prod_ns=%lld\nprod_write_ns=%lld\n", (long long)t_end - ps, pe - ps);
}

static int64_t self_cpu_ns(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ((int64_t)ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000000 +
	       ((int64_t)ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1000;
}

/* The bare limit's reader: read, write, nothing else. EIO on a PTY master
 * means every slave fd is closed, after the kernel handed over what was
 * buffered. */
static int cmd_bare(struct opts *o, bool pty)
{
	static char buf[65536];
	int rfd, wfd, out, status;
	uint64_t total = 0, reads = 0;
	int64_t cpu0 = self_cpu_ns();
	pid_t pid;

	if (!o->out || !o->cmd || !o->cmd[0])
		die("bare: needs -o FILE and a producer command after --");
	out = open(o->out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (out < 0)
		die("%s: %s", o->out, strerror(errno));
	if (pty) {
		struct termios tio;

		if (openpty(&rfd, &wfd, NULL, NULL, NULL) < 0)
			die("openpty: %s", strerror(errno));
		/* As conmon (and a runtime's console) leave it: cooked, ONLCR. */
		if (tcgetattr(wfd, &tio) < 0)
			die("tcgetattr: %s", strerror(errno));
		tio.c_oflag |= OPOST | ONLCR;
		if (tcsetattr(wfd, TCSANOW, &tio) < 0)
			die("tcsetattr: %s", strerror(errno));
	} else {
		int p[2];

		if (pipe(p) < 0)
			die("pipe: %s", strerror(errno));
		rfd = p[0];
		wfd = p[1];
	}
	set_cloexec(rfd, true);
	set_cloexec(wfd, true);
	pid = fork();
	if (pid < 0)
		die("fork: %s", strerror(errno));
	if (pid == 0) {
		int in = pty ? wfd : open("/dev/null", O_RDONLY);

		if (pty && (setsid() < 0 || ioctl(wfd, TIOCSCTTY, 0) < 0))
			_exit(127);
		if (in < 0 || dup2(in, 0) < 0 || dup2(wfd, 1) < 0 || (pty && dup2(wfd, 2) < 0))
			_exit(127);
		exec_child(o->cmd);
	}
	close(wfd);
	for (;;) {
		ssize_t n = read(rfd, buf, sizeof(buf));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EIO && pty)
			break;
		if (n < 0)
			die("read: %s", strerror(errno));
		if (n == 0)
			break;
		if (write_all(out, buf, (size_t)n) < 0)
			die("%s: %s", o->out, strerror(errno));
		total += (uint64_t)n;
		reads++;
	}
	close(out);
	close(rfd);
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			die("waitpid: %s", strerror(errno));
	int64_t t_end = mono_ns();

	printf("bytes=%" PRIu64 "\nreads=%" PRIu64 "\nexit_code=%d\n", total, reads,
	       WIFEXITED(status) ? WEXITSTATUS(status) : -1);
	print_stamp(o->stamp, t_end);
	printf("shim_cpu_ns=%" PRId64 "\n", self_cpu_ns() - cpu0);
	return 0;
}

static int cmd_bare_echo(struct opts *o)
{
	int master, slave, count = o->echo_count ? o->echo_count : 1000;
	int64_t *rtt = xcalloc((size_t)count, sizeof(*rtt));
	pid_t pid;

	if (!o->cmd || !o->cmd[0])
		die("bare-echo: needs a command after --");
	if (openpty(&master, &slave, NULL, NULL, NULL) < 0)
		die("openpty: %s", strerror(errno));
	set_cloexec(master, true);
	set_cloexec(slave, true);
	/* What `stty raw -echo` does in the container, done before the first
	 * key so none is echoed by a still-cooked line discipline. */
	struct termios tio;
	if (tcgetattr(slave, &tio) < 0)
		die("tcgetattr: %s", strerror(errno));
	cfmakeraw(&tio);
	if (tcsetattr(slave, TCSANOW, &tio) < 0)
		die("tcsetattr: %s", strerror(errno));
	pid = fork();
	if (pid < 0)
		die("fork: %s", strerror(errno));
	if (pid == 0) {
		if (setsid() < 0 || ioctl(slave, TIOCSCTTY, 0) < 0 || dup2(slave, 0) < 0 || dup2(slave, 1) < 0 ||
		    dup2(slave, 2) < 0)
			_exit(127);
		exec_child(o->cmd);
	}
	close(slave);
	for (int i = 0; i < count; i++) {
		char key = (char)('a' + i % 26), got;
		int64_t t0 = mono_ns();
		ssize_t n;

		if (write(master, &key, 1) != 1)
			die("write: %s", strerror(errno));
		if (!poll_until(master, POLLIN, deadline_of(o->timeout_s)))
			die("bare-echo: no echo");
		n = read(master, &got, 1);
		rtt[i] = mono_ns() - t0;
		if (n != 1 || got != key)
			die("bare-echo: sent '%c', got %zd bytes '%c'", key, n, n == 1 ? got : '?');
	}
	print_percentiles("echo", rtt, count);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	free(rtt);
	return 0;
}

/* The least any shim can do on the keystroke path: one process relaying
 * between a SEQPACKET socket and a PTY master with poll(), and (with --out)
 * one write per read to a log file. Its round trip is the floor for a shim
 * design, as the bare PTY is the floor without one. */
static void relay_loop(int sock, int master, int log)
{
	char buf[8193];

	for (;;) {
		struct pollfd p[2] = {{.fd = sock, .events = POLLIN}, {.fd = master, .events = POLLIN}};
		ssize_t n;

		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			_exit(1);
		}
		if (p[0].revents) {
			n = recv(sock, buf, sizeof(buf), 0);
			if (n <= 0 || write_all(master, buf, (size_t)n) < 0)
				_exit(0);
		}
		if (p[1].revents) {
			n = read(master, buf + 1, sizeof(buf) - 1);
			if (n <= 0)
				_exit(0);
			if (log >= 0 && write_all(log, buf + 1, (size_t)n) < 0)
				_exit(1);
			buf[0] = 2;
			if (send(sock, buf, (size_t)n + 1, 0) < 0)
				_exit(0);
		}
	}
}

static int cmd_relay_echo(struct opts *o)
{
	int master, slave, sv[2], log = -1, count = o->echo_count ? o->echo_count : 1000;
	pid_t cat, relay;
	struct termios tio;

	if (!o->cmd || !o->cmd[0])
		die("relay-echo: needs a command after --");
	if (o->out && (log = open(o->out, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0600)) < 0)
		die("%s: %s", o->out, strerror(errno));
	if (openpty(&master, &slave, NULL, NULL, NULL) < 0)
		die("openpty: %s", strerror(errno));
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		die("socketpair: %s", strerror(errno));
	set_cloexec(master, true);
	set_cloexec(slave, true);
	if (tcgetattr(slave, &tio) < 0)
		die("tcgetattr: %s", strerror(errno));
	cfmakeraw(&tio);
	if (tcsetattr(slave, TCSANOW, &tio) < 0)
		die("tcsetattr: %s", strerror(errno));
	cat = fork();
	if (cat < 0)
		die("fork: %s", strerror(errno));
	if (cat == 0) {
		if (setsid() < 0 || ioctl(slave, TIOCSCTTY, 0) < 0 || dup2(slave, 0) < 0 || dup2(slave, 1) < 0 ||
		    dup2(slave, 2) < 0)
			_exit(127);
		exec_child(o->cmd);
	}
	close(slave);
	relay = fork();
	if (relay < 0)
		die("fork: %s", strerror(errno));
	if (relay == 0) {
		close(sv[0]);
		relay_loop(sv[1], master, log);
	}
	close(sv[1]);
	close(master);
	if (log >= 0)
		close(log);
	echo_attach(sv[0], count, o->timeout_s);
	kill(cat, SIGKILL);
	close(sv[0]);
	waitpid(cat, NULL, 0);
	waitpid(relay, NULL, 0);
	return 0;
}

/* ---- main --------------------------------------------------------------- */

static int usage(void)
{
	fprintf(stderr,
		"usage: benchdrv shim [--runtime R --root D --id ID --bundle B --exit-dir D --shim-pidfile F]\n"
		"                     [--start] [--ready STR] [--echo N] [--kill SIG] [--wait-exit] [--stamp F]\n"
		"                     [--delete] [--shim-stderr F] [--timeout S]\n"
		"                     [--hook CMD [--hook-delay-ms MS]] -- SHIM ARG...\n"
		"       benchdrv runtime --runtime R --root D --id ID --bundle B\n"
		"       benchdrv bare-pty|bare-pipe --out FILE [--stamp F] -- PRODUCER ARG...\n"
		"       benchdrv bare-echo [--echo N] -- CAT ARG...\n"
		"       benchdrv relay-echo [--echo N] [--out LOG] -- CAT ARG...\n"
		"       benchdrv attach-echo --bundle B --echo N   (container already running cat on a raw tty)\n"
		"       benchdrv paint --bundle B [--echo N]   (attach-to-painted time of an idle -t container)\n"
		"       benchdrv wait-exit --exit-dir D --id ID [--timeout S]\n");
	return 2;
}

int main(int argc, char **argv)
{
	enum { O_RUNTIME = 256, O_ROOT, O_BUNDLE, O_EXITDIR, O_PIDFILE, O_STAMP, O_SHIMERR, O_READY, O_KILL, O_ECHO,
	       O_START, O_WAIT, O_DELETE, O_TIMEOUT, O_HOOK, O_HOOKDELAY };
	static const struct option longopts[] = {
		{"runtime", required_argument, NULL, O_RUNTIME},
		{"root", required_argument, NULL, O_ROOT},
		{"id", required_argument, NULL, 'i'},
		{"bundle", required_argument, NULL, O_BUNDLE},
		{"exit-dir", required_argument, NULL, 'e'},
		{"shim-pidfile", required_argument, NULL, O_PIDFILE},
		{"stamp", required_argument, NULL, 's'},
		{"out", required_argument, NULL, 'o'},
		{"shim-stderr", required_argument, NULL, O_SHIMERR},
		{"ready", required_argument, NULL, O_READY},
		{"kill", required_argument, NULL, O_KILL},
		{"hook", required_argument, NULL, O_HOOK},
		{"hook-delay-ms", required_argument, NULL, O_HOOKDELAY},
		{"echo", required_argument, NULL, 'n'},
		{"start", no_argument, NULL, O_START},
		{"wait-exit", no_argument, NULL, O_WAIT},
		{"delete", no_argument, NULL, O_DELETE},
		{"timeout", required_argument, NULL, 'T'},
		{NULL, 0, NULL, 0},
	};
	struct opts o = {.timeout_s = 120};
	const char *verb;
	int opt;

	if (argc < 2)
		return usage();
	verb = argv[1];
	argv++;
	argc--;
	signal(SIGPIPE, SIG_IGN);
	while ((opt = getopt_long(argc, argv, "+i:e:s:o:n:T:", longopts, NULL)) != -1) {
		switch (opt) {
		case O_RUNTIME: o.runtime = optarg; break;
		case O_ROOT: o.rt_root = optarg; break;
		case 'i': o.id = optarg; break;
		case O_BUNDLE: o.bundle = optarg; break;
		case 'e': o.exit_dir = optarg; break;
		case O_PIDFILE: o.shim_pidfile = optarg; break;
		case 's': o.stamp = optarg; break;
		case 'o': o.out = optarg; break;
		case O_SHIMERR: o.shim_stderr = optarg; break;
		case O_READY: o.ready = optarg; break;
		case O_KILL: o.kill_sig = optarg; break;
		case O_HOOK: o.hook = optarg; break;
		case O_HOOKDELAY:
			if (parse_int(optarg, 0, 60000, &o.hook_delay_ms) < 0)
				die("--hook-delay-ms: not a number: %s", optarg);
			break;
		case 'n':
			if (parse_int(optarg, 1, 10000000, &o.echo_count) < 0)
				die("--echo: not a count: %s", optarg);
			break;
		case O_START: o.start = true; break;
		case O_WAIT: o.wait_exit = true; break;
		case O_DELETE: o.delete = true; break;
		case 'T':
			if (parse_int(optarg, 1, 3600, &o.timeout_s) < 0)
				die("--timeout: not a number of seconds: %s", optarg);
			break;
		default: return usage();
		}
	}
	o.cmd = argv + optind;
	if (strcmp(verb, "shim") == 0)
		return cmd_shim(&o);
	if (strcmp(verb, "runtime") == 0)
		return cmd_runtime(&o);
	if (strcmp(verb, "bare-pty") == 0)
		return cmd_bare(&o, true);
	if (strcmp(verb, "bare-pipe") == 0)
		return cmd_bare(&o, false);
	if (strcmp(verb, "bare-echo") == 0)
		return cmd_bare_echo(&o);
	if (strcmp(verb, "relay-echo") == 0)
		return cmd_relay_echo(&o);
	if (strcmp(verb, "attach-echo") == 0) {
		/* A container that is already running `cat` on a raw tty: for
		 * profiling a shim that was started (and is traced) separately. */
		if (!o.bundle || !o.echo_count)
			die("attach-echo: needs --bundle and --echo N");
		int fd = attach_connect(o.bundle);
		echo_attach(fd, o.echo_count, o.timeout_s);
		close(fd);
		return 0;
	}
	if (strcmp(verb, "paint") == 0)
		return cmd_paint(&o);
	if (strcmp(verb, "wait-exit") == 0) {
		if (!o.exit_dir || !o.id)
			die("wait-exit: needs --exit-dir and --id");
		wait_exit_file(o.exit_dir, o.id, o.timeout_s);
		return 0;
	}
	return usage();
}
