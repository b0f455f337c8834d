/* ptydrive: run a command on a fresh pseudo-terminal and drive it from a
 * script, like a tiny expect(1). The terminal tests need a real PTY on the
 * client side (CI has no terminal on stdin), and they need the output read
 * continuously: a child blocked on a full PTY buffer would make any test hang.
 *
 * One poll loop reads the master whenever it is readable, during every step;
 * writes to the master are non-blocking and interleaved with reads. All output
 * is kept, so `expect` can look at everything after the previous match.
 *
 * Independent of the code under test (no libptyshim). */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <pty.h>
#include <regex.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>
#include "base/child.h"

#define EXIT_SCRIPT 255
#define TAIL_BYTES 1500
/* After the child is reaped, output still pending in the PTY is read until
 * EIO (every slave closed). A grandchild that keeps the slave open would make
 * that wait forever, so a quiet period this long also ends it. */
#define QUIET_AFTER_EXIT_MS 500

static const char *prog = "ptydrive";

static const char usage_text[] =
	"usage: ptydrive [OPTIONS] -- CMD [ARG...]\n"
	"Run CMD on a new pseudo-terminal and follow a script.\n"
	"  -s, --size ROWSxCOLS   initial window size (default 24x80)\n"
	"  -f, --script FILE      read steps from FILE, one per line ('-' = stdin)\n"
	"  -e, --step STEP        one step (repeatable; after the --script steps)\n"
	"  -t, --timeout SECS     timeout of expect/wait/eof steps (default 10)\n"
	"  -o, --transcript FILE  write all output of CMD to FILE at the end\n"
	"  -E, --env NAME=VALUE   set in CMD's environment (repeatable; TERM defaults to xterm)\n"
	"Steps ('#' starts a comment line):\n"
	"  send TEXT        write TEXT; C escapes: \\r \\n \\t \\e \\a \\b \\0 \\\\ \\xHH \\NNN\n"
	"  expect TEXT      wait until TEXT (escapes allowed) appears after the last match\n"
	"  expect_re REGEX  same with a POSIX extended regex (\\r \\n \\t \\e \\xHH decoded)\n"
	"  timeout SECS     set the timeout of the following steps\n"
	"  resize ROWS COLS set the window size (the kernel sends SIGWINCH)\n"
	"  sleep MS         pause while still reading output (pacing only)\n"
	"  kill SIGNAL      send SIGNAL (name or number) to CMD\n"
	"  eof              wait until the output ends (every slave fd closed)\n"
	"  wait [STATUS]    wait for CMD to exit and read its remaining output;\n"
	"                   with STATUS, fail unless it exited with that status\n"
	"Exit status: CMD's status (exit code or 128+signal) when a `wait` step ran,\n"
	"else 0; 255 when a step fails or on bad usage (with a message on stderr).\n"
	"At the end of the script a still running CMD gets SIGHUP, then SIGKILL.\n";

struct out {
	char *data;
	size_t len, cap;
	size_t mark; /* expect searches from here */
};

static struct {
	int master;
	pid_t child;
	bool reaped;
	int status;
	bool eio; /* the master reported the end of output */
	int timeout_ms;
	struct out out;
	int step_no;
	const char *step;
} st = {.master = -1, .timeout_ms = 10000};

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void print_tail(void)
{
	size_t from = st.out.len > TAIL_BYTES ? st.out.len - TAIL_BYTES : 0;
	fprintf(stderr, "%s: output of the command, last %zu of %zu bytes (escaped; the last match ended at %zu):\n---\n",
		prog, st.out.len - from, st.out.len, st.out.mark);
	for (size_t i = from; i < st.out.len; i++) {
		unsigned char c = (unsigned char)st.out.data[i];
		if (c == '\n')
			fputs("\\n\n", stderr);
		else if (c == '\r')
			fputs("\\r", stderr);
		else if (c == '\\')
			fputs("\\\\", stderr);
		else if (isprint(c))
			fputc(c, stderr);
		else
			fprintf(stderr, "\\x%02x", c);
	}
	fputs("\n---\n", stderr);
}

static void kill_child(void)
{
	if (st.child > 0 && !st.reaped) {
		kill(st.child, SIGKILL);
		waitpid(st.child, NULL, 0);
		st.reaped = true;
	}
}

static const char *transcript_path;

static void save_transcript(void)
{
	if (!transcript_path)
		return;
	FILE *f = fopen(transcript_path, "w");
	if (!f || (st.out.len && fwrite(st.out.data, 1, st.out.len, f) != st.out.len) || fclose(f) != 0)
		fprintf(stderr, "%s: %s: %s\n", prog, transcript_path, strerror(errno));
}

static void __attribute__((noreturn, format(printf, 1, 2))) step_fail(const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "%s: step %d '%s': ", prog, st.step_no, st.step ? st.step : "");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	print_tail();
	save_transcript();
	kill_child();
	exit(EXIT_SCRIPT);
}

static void __attribute__((noreturn)) die(const char *ctx, const char *what)
{
	fprintf(stderr, "%s: %s: %s\n", prog, ctx, what);
	kill_child();
	exit(EXIT_SCRIPT);
}

static void out_append(const char *buf, size_t n)
{
	if (st.out.len + n + 1 > st.out.cap) {
		size_t cap = st.out.cap ? st.out.cap : 65536;
		while (cap < st.out.len + n + 1)
			cap *= 2;
		char *p = realloc(st.out.data, cap);
		if (!p)
			die("output", "out of memory");
		st.out.data = p;
		st.out.cap = cap;
	}
	memcpy(st.out.data + st.out.len, buf, n);
	st.out.len += n;
	st.out.data[st.out.len] = '\0';
}

/* Read everything the master has now. */
static void drain_master(void)
{
	char buf[16384];
	while (!st.eio) {
		ssize_t n = read(st.master, buf, sizeof(buf));
		if (n > 0) {
			out_append(buf, (size_t)n);
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return;
		/* EIO: no slave is open any more; 0 should not happen on a PTY but
		 * means the same. */
		st.eio = true;
	}
}

static void try_reap(void)
{
	if (st.reaped)
		return;
	int status;
	pid_t w = waitpid(st.child, &status, WNOHANG);
	if (w == st.child) {
		st.reaped = true;
		st.status = child_exit_code(status);
	}
}

/* One round of the loop: wait up to timeout_ms for output (or for the master
 * to accept input when want_write), read it, reap the child if it died.
 * Returns true when the master is writable. */
static bool pump(int timeout_ms, bool want_write)
{
	struct pollfd p = {.fd = st.master, .events = 0};
	if (!st.eio)
		p.events |= POLLIN;
	if (want_write)
		p.events |= POLLOUT;
	if (p.events == 0) {
		/* Nothing to poll: only the child's exit is left to wait for. */
		struct timespec ts = {0, 10 * 1000000L};
		if (timeout_ms < 10)
			ts.tv_nsec = (long)timeout_ms * 1000000L;
		nanosleep(&ts, NULL);
	} else {
		/* SIGCHLD is not polled for; cap the wait so a dead child is seen
		 * promptly even while its output is still being produced by others. */
		int t = timeout_ms > 50 ? 50 : timeout_ms;
		int r = poll(&p, 1, t < 0 ? 0 : t);
		if (r < 0 && errno != EINTR)
			die("poll", strerror(errno));
	}
	if (p.revents & (POLLIN | POLLHUP | POLLERR))
		drain_master();
	try_reap();
	return (p.revents & POLLOUT) != 0;
}

/* C escapes as in the usage text. Returns the decoded length. For a regex
 * (for_regex) "\\" and unknown escapes such as "\." stay as they are, so they
 * keep their regex meaning. */
static size_t unescape_mode(const char *s, char *dst, bool for_regex)
{
	size_t n = 0;
	while (*s) {
		if (*s != '\\' || s[1] == '\0') {
			dst[n++] = *s++;
			continue;
		}
		s++;
		char c = *s++;
		if (for_regex && !strchr("rntex", c)) {
			/* Keep regex escapes (\\ \. \b \w ...) for regcomp. */
			dst[n++] = '\\';
			dst[n++] = c;
			continue;
		}
		switch (c) {
		case 'r': dst[n++] = '\r'; break;
		case 'n': dst[n++] = '\n'; break;
		case 't': dst[n++] = '\t'; break;
		case 'e': dst[n++] = 0x1b; break;
		case 'a': dst[n++] = '\a'; break;
		case 'b': dst[n++] = '\b'; break;
		case '\\': dst[n++] = '\\'; break;
		case 'x': {
			int v = 0, k = 0;
			while (k < 2 && isxdigit((unsigned char)*s)) {
				v = v * 16 + (isdigit((unsigned char)*s) ? *s - '0' : (tolower((unsigned char)*s) - 'a' + 10));
				s++;
				k++;
			}
			if (k == 0)
				step_fail("\\x without hex digits");
			dst[n++] = (char)v;
			break;
		}
		default:
			if (c >= '0' && c <= '7') {
				int v = c - '0', k = 1;
				while (k < 3 && *s >= '0' && *s <= '7') {
					v = v * 8 + (*s++ - '0');
					k++;
				}
				dst[n++] = (char)v;
			} else {
				/* Unknown escape: keep it literally, as printf(1) does. */
				dst[n++] = '\\';
				dst[n++] = c;
			}
		}
	}
	return n;
}

static size_t unescape(const char *s, char *dst)
{
	return unescape_mode(s, dst, false);
}

static void do_send(const char *arg)
{
	char *buf = malloc(strlen(arg) + 1);
	if (!buf)
		die("send", "out of memory");
	size_t len = unescape(arg, buf), off = 0;
	int64_t deadline = now_ms() + st.timeout_ms;
	while (off < len) {
		if (st.eio)
			step_fail("the terminal closed with %zu of %zu bytes unsent", len - off, len);
		if (now_ms() > deadline)
			step_fail("the terminal did not take input for %d ms", st.timeout_ms);
		if (!pump(50, true))
			continue;
		ssize_t n = write(st.master, buf + off, len - off);
		if (n > 0)
			off += (size_t)n;
		else if (n < 0 && errno != EAGAIN && errno != EINTR)
			step_fail("write: %s", strerror(errno));
	}
	free(buf);
}

static void do_expect(const char *arg, bool is_regex)
{
	regex_t re;
	char *needle = NULL;
	size_t nlen = 0;
	if (is_regex) {
		char *pat = malloc(strlen(arg) + 1);
		if (!pat)
			die("expect_re", "out of memory");
		pat[unescape_mode(arg, pat, true)] = '\0';
		int rc = regcomp(&re, pat, REG_EXTENDED | REG_NEWLINE);
		free(pat);
		if (rc != 0) {
			char msg[256];
			regerror(rc, &re, msg, sizeof(msg));
			step_fail("bad regex: %s", msg);
		}
	} else {
		needle = malloc(strlen(arg) + 1);
		if (!needle)
			die("expect", "out of memory");
		nlen = unescape(arg, needle);
	}
	int64_t deadline = now_ms() + st.timeout_ms;
	for (;;) {
		size_t from = st.out.mark, end = 0;
		bool found = false;
		if (is_regex) {
			if (st.out.len > from) {
				/* REG_STARTEND: the output may contain NUL bytes. */
				regmatch_t m = {.rm_so = (regoff_t)from, .rm_eo = (regoff_t)st.out.len};
				if (regexec(&re, st.out.data, 1, &m, REG_STARTEND) == 0) {
					found = true;
					end = (size_t)m.rm_eo;
				}
			}
		} else if (nlen == 0) {
			found = true;
			end = from;
		} else if (st.out.len > from) {
			char *p = memmem(st.out.data + from, st.out.len - from, needle, nlen);
			if (p) {
				found = true;
				end = (size_t)(p - st.out.data) + nlen;
			}
		}
		if (found) {
			st.out.mark = end;
			break;
		}
		if (st.eio)
			step_fail("not seen before the output ended");
		int64_t left = deadline - now_ms();
		if (left <= 0)
			step_fail("not seen within %d ms", st.timeout_ms);
		pump((int)left, false);
	}
	if (is_regex)
		regfree(&re);
	free(needle);
}

/* Read until the output ends. If a process other than the child keeps the
 * slave open, that is a failure for `eof` but only the end of the wait for
 * `wait`. */
static void read_to_end(bool need_eio, int64_t deadline)
{
	int64_t quiet_since = now_ms();
	size_t last_len = st.out.len;
	while (!st.eio) {
		int64_t now = now_ms();
		if (now > deadline) {
			if (need_eio)
				step_fail("the output did not end within %d ms", st.timeout_ms);
			return;
		}
		if (st.out.len != last_len) {
			last_len = st.out.len;
			quiet_since = now;
		}
		if (!need_eio && st.reaped && now - quiet_since >= QUIET_AFTER_EXIT_MS)
			return;
		pump((int)(deadline - now), false);
	}
}

static void do_wait(const char *arg)
{
	int64_t deadline = now_ms() + st.timeout_ms;
	while (!st.reaped) {
		int64_t left = deadline - now_ms();
		if (left <= 0)
			step_fail("the command did not exit within %d ms", st.timeout_ms);
		pump((int)left, false);
	}
	read_to_end(false, now_ms() + st.timeout_ms);
	fprintf(stderr, "%s: command exited %d\n", prog, st.status);
	if (arg && *arg) {
		char *end;
		long want = strtol(arg, &end, 10);
		if (*end || end == arg)
			step_fail("bad status '%s'", arg);
		if (want != st.status)
			step_fail("exit status %d, expected %ld", st.status, want);
	}
}

static void do_resize(const char *arg)
{
	unsigned rows, cols;
	char extra;
	if (sscanf(arg, "%u %u %c", &rows, &cols, &extra) != 2 || rows > 65535 || cols > 65535)
		step_fail("expected ROWS COLS");
	struct winsize ws = {.ws_row = (unsigned short)rows, .ws_col = (unsigned short)cols};
	if (ioctl(st.master, TIOCSWINSZ, &ws) < 0)
		step_fail("TIOCSWINSZ: %s", strerror(errno));
}

static int parse_signal(const char *s)
{
	static const struct {
		const char *name;
		int sig;
	} sigs[] = {
		{"HUP", SIGHUP},   {"INT", SIGINT},   {"QUIT", SIGQUIT}, {"KILL", SIGKILL},
		{"TERM", SIGTERM}, {"USR1", SIGUSR1}, {"USR2", SIGUSR2}, {"WINCH", SIGWINCH},
		{"CONT", SIGCONT}, {"STOP", SIGSTOP}, {"TSTP", SIGTSTP},
	};
	if (strncasecmp(s, "SIG", 3) == 0)
		s += 3;
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		if (strcasecmp(s, sigs[i].name) == 0)
			return sigs[i].sig;
	char *end;
	long v = strtol(s, &end, 10);
	if (*s && !*end && v > 0 && v < NSIG)
		return (int)v;
	return -1;
}

static void run_step(const char *line)
{
	while (*line == ' ' || *line == '\t')
		line++;
	if (*line == '\0' || *line == '#')
		return;
	st.step_no++;
	st.step = line;
	const char *sp = strchr(line, ' ');
	size_t cmdlen = sp ? (size_t)(sp - line) : strlen(line);
	/* Exactly one space separates the command from its argument, so a
	 * `send` can start with spaces. */
	const char *arg = sp ? sp + 1 : "";
#define IS(name) (cmdlen == strlen(name) && strncmp(line, name, cmdlen) == 0)
	if (IS("send")) {
		do_send(arg);
	} else if (IS("expect")) {
		do_expect(arg, false);
	} else if (IS("expect_re")) {
		do_expect(arg, true);
	} else if (IS("timeout")) {
		char *end;
		double secs = strtod(arg, &end);
		if (end == arg || *end || secs <= 0 || secs > 3600)
			step_fail("expected seconds");
		st.timeout_ms = (int)(secs * 1000);
	} else if (IS("resize")) {
		do_resize(arg);
	} else if (IS("sleep")) {
		char *end;
		long ms = strtol(arg, &end, 10);
		if (end == arg || *end || ms < 0 || ms > 600000)
			step_fail("expected milliseconds");
		int64_t until = now_ms() + ms;
		for (int64_t left; (left = until - now_ms()) > 0;)
			pump((int)left, false);
	} else if (IS("kill")) {
		int sig = parse_signal(arg);
		if (sig < 0)
			step_fail("unknown signal '%s'", arg);
		if (!st.reaped && kill(st.child, sig) < 0)
			step_fail("kill: %s", strerror(errno));
	} else if (IS("eof")) {
		read_to_end(true, now_ms() + st.timeout_ms);
	} else if (IS("wait")) {
		do_wait(arg);
	} else {
		step_fail("unknown step");
	}
#undef IS
}

struct steps {
	char **v;
	size_t n, cap;
};

static void steps_add(struct steps *s, char *line)
{
	if (s->n == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 32;
		s->v = realloc(s->v, s->cap * sizeof(*s->v));
		if (!s->v)
			die("script", "out of memory");
	}
	s->v[s->n++] = line;
}

static void steps_from_file(struct steps *s, const char *path)
{
	FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "r");
	if (!f)
		die(path, strerror(errno));
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	while ((n = getline(&line, &cap, f)) >= 0) {
		if (n > 0 && line[n - 1] == '\n')
			line[--n] = '\0';
		char *copy = strdup(line);
		if (!copy)
			die("script", "out of memory");
		steps_add(s, copy);
	}
	free(line);
	if (f != stdin)
		fclose(f);
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"size", required_argument, NULL, 's'},   {"script", required_argument, NULL, 'f'},
		{"step", required_argument, NULL, 'e'},   {"timeout", required_argument, NULL, 't'},
		{"transcript", required_argument, NULL, 'o'}, {"env", required_argument, NULL, 'E'},
		{"help", no_argument, NULL, 'h'},         {NULL, 0, NULL, 0},
	};
	struct winsize ws = {.ws_row = 24, .ws_col = 80};
	struct steps file_steps = {0}, arg_steps = {0};
	struct steps env = {0};
	int c;
	while ((c = getopt_long(argc, argv, "+s:f:e:t:o:E:h", longopts, NULL)) != -1) {
		switch (c) {
		case 's': {
			unsigned r, cl;
			char x;
			if (sscanf(optarg, "%ux%u%c", &r, &cl, &x) != 2 || !r || !cl || r > 65535 || cl > 65535)
				die("--size", "expected ROWSxCOLS");
			ws.ws_row = (unsigned short)r;
			ws.ws_col = (unsigned short)cl;
			break;
		}
		case 'f':
			steps_from_file(&file_steps, optarg);
			break;
		case 'e':
			steps_add(&arg_steps, optarg);
			break;
		case 't': {
			char *end;
			double secs = strtod(optarg, &end);
			if (end == optarg || *end || secs <= 0 || secs > 3600)
				die("--timeout", "expected seconds");
			st.timeout_ms = (int)(secs * 1000);
			break;
		}
		case 'o':
			transcript_path = optarg;
			break;
		case 'E':
			if (!strchr(optarg, '='))
				die("--env", "expected NAME=VALUE");
			steps_add(&env, optarg);
			break;
		case 'h':
			fputs(usage_text, stdout);
			return 0;
		default:
			fputs(usage_text, stderr);
			return EXIT_SCRIPT;
		}
	}
	if (optind >= argc) {
		fputs(usage_text, stderr);
		return EXIT_SCRIPT;
	}
	signal(SIGPIPE, SIG_IGN);

	int master;
	pid_t pid = forkpty(&master, NULL, NULL, &ws);
	if (pid < 0)
		die("forkpty", strerror(errno));
	if (pid == 0) {
		/* Nothing of the test harness beyond the terminal: bats waits for
		 * its fds to close. */
		for (int fd = 3; fd < 1024; fd++)
			(void)fcntl(fd, F_SETFD, FD_CLOEXEC);
		if (!getenv("TERM"))
			setenv("TERM", "xterm", 1);
		for (size_t i = 0; i < env.n; i++)
			putenv(env.v[i]);
		signal(SIGPIPE, SIG_DFL);
		execvp(argv[optind], argv + optind);
		fprintf(stderr, "%s: %s: %s\n", prog, argv[optind], strerror(errno));
		_exit(127);
	}
	st.master = master;
	st.child = pid;
	int fl = fcntl(master, F_GETFL);
	if (fl < 0 || fcntl(master, F_SETFL, fl | O_NONBLOCK) < 0 || fcntl(master, F_SETFD, FD_CLOEXEC) < 0)
		die("master", strerror(errno));

	bool waited = false;
	for (size_t i = 0; i < file_steps.n + arg_steps.n; i++) {
		const char *line = i < file_steps.n ? file_steps.v[i] : arg_steps.v[i - file_steps.n];
		run_step(line);
		const char *p = line;
		while (*p == ' ' || *p == '\t')
			p++;
		if (strncmp(p, "wait", 4) == 0 && (p[4] == '\0' || p[4] == ' '))
			waited = true;
	}

	if (!st.reaped) {
		/* Closing the master hangs up the terminal: SIGHUP to the session. */
		drain_master();
		close(st.master);
		st.master = -1;
		kill(st.child, SIGHUP);
		int64_t deadline = now_ms() + 2000;
		while (!st.reaped && now_ms() < deadline) {
			struct timespec ts = {0, 20 * 1000000L};
			nanosleep(&ts, NULL);
			try_reap();
		}
		kill_child();
	}
	save_transcript();
	for (size_t i = 0; i < file_steps.n; i++)
		free(file_steps.v[i]);
	free(file_steps.v);
	free(arg_steps.v);
	free(env.v);
	free(st.out.data);
	return waited ? st.status : 0;
}
