/* ptyshim-logs: print, follow, filter, replay or export a container's
 * k8s-file log together with its rotated files (PATH.K .. PATH.1, PATH,
 * oldest first), or replay an asciicast recording.
 *
 * Records flow from k8sread (or acastread) through one filter into one of
 * four sinks: print (as podman logs), tail (collect, then print), replay
 * (write with the original timing) or export (asciicast v2). Following
 * sleeps in one blocking poll on inotify (the log's and the exit file's
 * directories) and a pidfd of the shim's monitor: no timers, no rescans.
 * Exit status: 0, 1 for bad usage or a fatal I/O error, 2 with --strict
 * when a record was corrupt. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/ioctl.h>
#include <sys/pidfd.h>
#include <sys/stat.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "logfmt/acastread.h"
#include "logfmt/asciicast.h"
#include "base/diag.h"
#include "base/version.h"
#include "logfmt/k8sread.h"
#include "logfmt/logtime.h"
#include "base/util.h"

#define PROG "ptyshim-logs"
#define EXIT_BAD 1
#define EXIT_CORRUPT 2
/* Past this many, warnings are counted, not printed: a binary file given
 * by mistake must not bury the terminal. */
#define MAX_WARNINGS 100
/* Bounds on loops that re-examine a directory that keeps changing. */
#define SNAPSHOT_ATTEMPTS 50
#define MAX_ROTATED 100000

static const char usage_text[] =
	"Usage: " PROG " [OPTION...] LOGFILE\n"
	"Print a container's k8s-file log, with its rotated files LOGFILE.K ... LOGFILE.1\n"
	"first, as podman logs does: F records end a line, P records do not. stdout\n"
	"records go to stdout, stderr records to stderr. LOGFILE may also be an asciicast\n"
	"v2 recording (-l asciicast:PATH), which is printed or replayed.\n"
	"\n"
	"  -t, --timestamps      start each line with its record's timestamp, as logged\n"
	"      --since TIME      only records at or after TIME\n"
	"      --until TIME      only records at or before TIME\n"
	"                        TIME: RFC 3339 (2026-11-28T19:24:22Z, zone optional: local),\n"
	"                        a date, Unix seconds, or a duration ago: 30s, 10m, 2h, 1h30m\n"
	"  -n, --tail N          only the last N lines (P records joined into their line;\n"
	"                        -1: all)\n"
	"      --stream S        only stdout or only stderr\n"
	"  -f, --follow          print new records as they are written, across rotation and\n"
	"                        truncation, until the container exits (its exit file\n"
	"                        appears); then print the rest and exit 0\n"
	"      --exit-file PATH  the exit file that ends --follow\n"
	"      --exit-dir DIR    ... is DIR/ID, ID from --cid or from the log's path:\n"
	"                        the log's directory name, or its parent's when the\n"
	"                        directory is podman's \"userdata\"\n"
	"      --cid ID          container id for --exit-dir and --pidfile\n"
	"      --pidfile FILE    the shim's --conmon-pidfile: --follow also ends once that\n"
	"                        process is gone (with --cid: a process whose command\n"
	"                        line has not that id counts as gone)\n"
	"                        Without these, for a log in podman's .../ID/userdata/,\n"
	"                        --follow ends when /run/libpod/exits/ID appears or the\n"
	"                        monitor in /run/containers/storage/overlay-containers/\n"
	"                        ID/userdata/conmon.pid is gone (podman's cleanup removes\n"
	"                        the exit file); for any other log, when a file \"exit\"\n"
	"                        appears beside it (ptyshim's --persist-dir). If none of\n"
	"                        that ever happens, it follows until interrupted.\n"
	"      --replay          play the output on this terminal with its original timing;\n"
	"                        when stdin is a terminal, space pauses and resumes, q quits\n"
	"      --speed X         replay X times faster (default 1)\n"
	"      --idle-limit S    replay no pause longer than S seconds (default: none, or\n"
	"                        the recording's idle_time_limit)\n"
	"      --asciicast OUT   export the log as an asciicast v2 recording to OUT (- for\n"
	"                        stdout); stdout and stderr records both become output\n"
	"      --size COLSxROWS  terminal size in the export (default: this terminal's,\n"
	"                        else 80x24)\n"
	"      --strict          exit 2 if any record was corrupt (default: warn, exit 0)\n"
	"  -h, --help            this text\n"
	"      --version         version\n"
	"Corrupt or truncated records are reported on stderr as FILE:LINE: what, and\n"
	"everything else is still printed.\n";

struct options {
	const char *path;
	bool timestamps, follow, replay, strict;
	bool has_since, has_until;
	int64_t since, until;
	long long tail; /* -1: everything */
	int stream;     /* 0: both */
	const char *exit_file, *exit_dir, *cid, *pidfile;
	double speed;
	double idle_limit; /* seconds; < 0: none */
	const char *asciicast_out;
	bool has_size;
	unsigned cols, rows;
};

static struct options opts = {.tail = -1, .speed = 1.0, .idle_limit = -1};

/* ------------------------------------------------------------ errors */

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

static void out_flush_all(void);

static void die(const char *fmt, ...)
{
	char msg[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	diag_err("%s", msg);
	exit(EXIT_BAD);
}

static unsigned long warnings;

static void warn_cb(const char *file, unsigned long line, const char *what, void *arg)
{
	(void)arg;
	warnings++;
	if (warnings <= MAX_WARNINGS) {
		/* Warnings go straight to fd 2: keep them after the output
		 * that came before them. */
		out_flush_all();
		diag_warn("%s:%lu: %s", file, line, what);
	} else if (warnings == MAX_WARNINGS + 1) {
		out_flush_all();
		diag_warn("more corrupt records; further warnings are only counted");
	}
}

/* ------------------------------------------------------------ output */

struct outbuf {
	int fd;
	const char *name;
	size_t len;
	char buf[65536];
};

static struct outbuf out_stdout = {.fd = STDOUT_FILENO, .name = "stdout"};
static struct outbuf out_stderr = {.fd = STDERR_FILENO, .name = "stderr"};
static struct outbuf *out_export;
static struct outbuf *out_last; /* written most recently: flushed before another */

/* Everything, or exit: stdout may be a pipe someone else made
 * non-blocking, and a reader that went away (| head) is not an error worth
 * a message, as nobody is left to read it. */
static void out_raw(struct outbuf *o, const char *data, size_t len)
{
	while (len > 0) {
		ssize_t n = write(o->fd, data, len);
		if (n >= 0) {
			data += n;
			len -= (size_t)n;
			continue;
		}
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN || errno == EWOULDBLOCK) {
			struct pollfd pfd = {.fd = o->fd, .events = POLLOUT};
			if (poll(&pfd, 1, -1) >= 0 || errno == EINTR)
				continue;
		}
		if (errno == EPIPE)
			exit(EXIT_BAD);
		die("%s: write: %s", o->name, strerror(errno));
	}
}

static void out_flush(struct outbuf *o)
{
	if (o == NULL || o->len == 0)
		return;
	size_t len = o->len;
	o->len = 0;
	out_raw(o, o->buf, len);
}

static void out_flush_all(void)
{
	out_flush(out_last);
	out_flush(&out_stdout);
	out_flush(&out_stderr);
	out_flush(out_export);
}

static void out_write(struct outbuf *o, const void *data, size_t len)
{
	if (len == 0)
		return;
	if (o != out_last) {
		/* Keep the order of stdout and stderr bytes when both go to one place. */
		out_flush(out_last);
		out_last = o;
	}
	if (o->len + len > sizeof(o->buf))
		out_flush(o);
	if (len >= sizeof(o->buf)) {
		out_raw(o, data, len);
		return;
	}
	memcpy(o->buf + o->len, data, len);
	o->len += len;
}

static int stream_index(enum stream_id s)
{
	return s == STREAM_STDERR ? 1 : 0;
}

/* ------------------------------------------------------------ print sink */

static bool at_line_start[2] = {true, true};

static void print_piece(enum stream_id stream, const char *ts, size_t ts_len, const char *data, size_t len,
			bool line_end)
{
	struct outbuf *o = stream == STREAM_STDERR ? &out_stderr : &out_stdout;
	int i = stream_index(stream);
	if (opts.timestamps && at_line_start[i]) {
		out_write(o, ts, ts_len);
		out_write(o, " ", 1);
	}
	out_write(o, data, len);
	if (line_end)
		out_write(o, "\n", 1);
	at_line_start[i] = line_end;
}

/* ------------------------------------------------------------ tail sink */

struct tail_line {
	char *data;
	size_t len, cap;
	bool complete;
	enum stream_id stream;
	char ts[64];
	size_t ts_len;
	unsigned long long seq; /* order in which lines started */
};

static struct {
	struct tail_line *ring;
	size_t alloc, count, head;
	struct tail_line pending[2];
	bool has_pending[2];
	unsigned long long seq;
} tail;

static void tail_push(struct tail_line *line)
{
	size_t limit = (size_t)opts.tail;
	if (limit == 0) {
		free(line->data);
		return;
	}
	if (tail.count < limit) {
		if (tail.count == tail.alloc) {
			tail.alloc = tail.alloc ? tail.alloc * 2 : 64;
			if (tail.alloc > limit)
				tail.alloc = limit;
			tail.ring = xrealloc(tail.ring, tail.alloc * sizeof(*tail.ring));
		}
		tail.ring[tail.count++] = *line;
		return;
	}
	/* Full: the ring has exactly `limit` entries; replace the oldest. */
	free(tail.ring[tail.head].data);
	tail.ring[tail.head] = *line;
	tail.head = (tail.head + 1) % tail.count;
}

static void tail_record(const struct k8s_record *rec)
{
	int i = stream_index(rec->stream);
	struct tail_line *p = &tail.pending[i];
	if (!tail.has_pending[i]) {
		memset(p, 0, sizeof(*p));
		p->stream = rec->stream;
		p->seq = tail.seq++;
		p->ts_len = rec->ts_len < sizeof(p->ts) ? rec->ts_len : sizeof(p->ts);
		memcpy(p->ts, rec->ts_text, p->ts_len);
		tail.has_pending[i] = true;
	}
	if (p->len + rec->len > p->cap) {
		size_t cap = p->cap ? p->cap : 256;
		while (cap < p->len + rec->len)
			cap *= 2;
		p->data = xrealloc(p->data, cap);
		p->cap = cap;
	}
	if (rec->len > 0)
		memcpy(p->data + p->len, rec->data, rec->len);
	p->len += rec->len;
	if (!rec->partial) {
		p->complete = true;
		tail_push(p);
		tail.has_pending[i] = false;
	}
}

/* Print the collected lines; lines still open (trailing P records) count
 * as lines and are printed without a line end, as podman flushes them. */
static void tail_finish(void)
{
	int order[2] = {0, 1};
	if (tail.has_pending[0] && tail.has_pending[1] && tail.pending[1].seq < tail.pending[0].seq) {
		order[0] = 1;
		order[1] = 0;
	}
	for (int k = 0; k < 2; k++) {
		int i = order[k];
		if (tail.has_pending[i]) {
			tail_push(&tail.pending[i]);
			tail.has_pending[i] = false;
		}
	}
	for (size_t k = 0; k < tail.count; k++) {
		struct tail_line *l = &tail.ring[(tail.head + k) % tail.count];
		print_piece(l->stream, l->ts, l->ts_len, l->data, l->len, l->complete);
		free(l->data);
	}
	free(tail.ring);
	tail.ring = NULL;
	tail.count = tail.alloc = tail.head = 0;
}

/* ------------------------------------------------------------ terminal */

static int tty_fd = -1;
static struct termios tty_saved;
static volatile sig_atomic_t tty_raw;

static void tty_restore(void)
{
	if (tty_raw) {
		tcsetattr(tty_fd, TCSANOW, &tty_saved);
		tty_raw = 0;
	}
}

static void tty_make_raw(void)
{
	struct termios t = tty_saved;
	/* Keys one at a time without echo; ISIG stays so ^C and ^Z work. */
	t.c_lflag &= ~(tcflag_t)(ICANON | ECHO);
	t.c_cc[VMIN] = 1;
	t.c_cc[VTIME] = 0;
	if (tcsetattr(tty_fd, TCSANOW, &t) == 0)
		tty_raw = 1;
}

static void on_fatal_signal(int sig)
{
	tty_restore();
	signal(sig, SIG_DFL);
	raise(sig);
}

static void on_stop_signal(int sig)
{
	int saved = errno;
	bool was_raw = tty_raw;
	tty_restore();
	/* Stop for real: default action, and unblocked, or the raise would
	 * only be pending until this handler returns and run it again. */
	signal(sig, SIG_DFL);
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, sig);
	sigprocmask(SIG_UNBLOCK, &set, NULL);
	raise(sig);
	/* Continued: take the terminal back. */
	signal(sig, on_stop_signal);
	if (was_raw)
		tty_make_raw();
	errno = saved;
}

static void tty_setup(void)
{
	if (!isatty(STDIN_FILENO) || tcgetattr(STDIN_FILENO, &tty_saved) < 0)
		return;
	tty_fd = STDIN_FILENO;
	/* Restored on every way out: return from main or exit() (atexit), a
	 * terminating signal (handler, then the default action), ^Z (restored
	 * while stopped, raw again on continue). */
	atexit(tty_restore);
	struct sigaction sa = {.sa_handler = on_fatal_signal}, old;
	sigemptyset(&sa.sa_mask);
	static const int fatal[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT};
	for (size_t i = 0; i < ARRAY_SIZE(fatal); i++) {
		/* A signal ignored by whoever started us stays ignored. */
		if (sigaction(fatal[i], NULL, &old) == 0 && old.sa_handler == SIG_IGN)
			continue;
		sigaction(fatal[i], &sa, NULL);
	}
	sa.sa_handler = on_stop_signal;
	sa.sa_flags = SA_RESTART;
	if (sigaction(SIGTSTP, NULL, &old) == 0 && old.sa_handler != SIG_IGN)
		sigaction(SIGTSTP, &sa, NULL);
	tty_make_raw();
}

/* ------------------------------------------------------------ replay sink */

static struct {
	bool started;
	int64_t start_mono;  /* monotonic time of the first item */
	int64_t virt;        /* its own timeline, scaled and capped, since the first item */
	int64_t prev_abs;
	int64_t paused_total;
	bool keys;           /* the terminal on stdin controls the replay */
	int64_t idle_ns;     /* < 0: no cap */
} replay = {.idle_ns = -1};

/* Handle the keys that are waiting; false when the user asked to quit. */
static bool replay_keys(bool *paused, int64_t *pause_start)
{
	char keys[64];
	ssize_t n = read(tty_fd, keys, sizeof(keys));
	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return true;
	if (n <= 0) {
		replay.keys = false; /* the terminal went away */
		return true;
	}
	for (ssize_t i = 0; i < n; i++) {
		if (keys[i] == 'q' || keys[i] == 'Q')
			return false;
		if (keys[i] == ' ') {
			int64_t now = mono_ns();
			if (*paused)
				replay.paused_total += now - *pause_start;
			else
				*pause_start = now;
			*paused = !*paused;
		}
	}
	return true;
}

static void replay_quit(void)
{
	out_flush_all();
	tty_restore();
	exit(0);
}

/* Sleep until the item stamped abs is due, serving the keyboard. */
static void replay_wait(int64_t abs)
{
	if (!replay.started) {
		replay.started = true;
		replay.start_mono = mono_ns();
		replay.prev_abs = abs;
		return;
	}
	int64_t gap = abs - replay.prev_abs;
	if (gap < 0)
		gap = 0; /* clock stepped back, or interleaved streams */
	if (replay.idle_ns >= 0 && gap > replay.idle_ns)
		gap = replay.idle_ns;
	replay.prev_abs = abs > replay.prev_abs ? abs : replay.prev_abs;
	replay.virt += (int64_t)((double)gap / opts.speed);
	out_flush_all();
	bool paused = false;
	int64_t pause_start = 0;
	for (;;) {
		int64_t now = mono_ns();
		int64_t due = replay.start_mono + replay.virt + replay.paused_total;
		if (!paused && now >= due)
			return;
		struct timespec ts, *tsp = NULL;
		if (!paused) {
			ts.tv_sec = (time_t)((due - now) / 1000000000);
			ts.tv_nsec = (long)((due - now) % 1000000000);
			tsp = &ts;
		}
		struct pollfd pfd = {.fd = replay.keys ? tty_fd : -1, .events = POLLIN};
		int rc = ppoll(&pfd, 1, tsp, NULL);
		if (rc < 0 && errno != EINTR)
			die("replay: poll: %s", strerror(errno));
		if (rc > 0 && (pfd.revents & (POLLIN | POLLHUP | POLLERR)) && !replay_keys(&paused, &pause_start))
			replay_quit();
		if (paused && !replay.keys)
			paused = false; /* no way left to resume */
	}
}

static void replay_item(int64_t abs, const char *data, size_t len, bool line_end)
{
	replay_wait(abs);
	out_write(&out_stdout, data, len);
	if (line_end)
		out_write(&out_stdout, "\n", 1);
}

/* ------------------------------------------------------------ export sink */

static struct {
	bool header_done;
	int64_t base_ns, last_t;
	struct acast_utf8 utf8[2];
	struct acast_text text;
	char *scratch;
	size_t scratch_cap;
} exporter;

static void export_header(int64_t first_ns)
{
	struct acast_header h = {
		.width = opts.cols,
		.height = opts.rows,
		.timestamp = first_ns >= 0 ? first_ns / LOGTIME_NS_PER_SEC : 0,
	};
	exporter.base_ns = h.timestamp * LOGTIME_NS_PER_SEC;
	exporter.text.len = 0;
	acast_header_line(&exporter.text, &h);
	out_write(out_export, exporter.text.data, exporter.text.len);
	exporter.header_done = true;
}

static void export_record(const struct k8s_record *rec)
{
	if (!exporter.header_done)
		export_header(rec->ts_ns);
	int64_t t = rec->ts_ns - exporter.base_ns;
	if (t < exporter.last_t)
		t = exporter.last_t;
	exporter.last_t = t;
	/* One event per record, its line end included. */
	size_t len = rec->len + (rec->partial ? 0 : 1);
	if (len > exporter.scratch_cap) {
		exporter.scratch_cap = len;
		exporter.scratch = xrealloc(exporter.scratch, len);
	}
	if (rec->len > 0)
		memcpy(exporter.scratch, rec->data, rec->len);
	if (!rec->partial)
		exporter.scratch[rec->len] = '\n';
	exporter.text.len = 0;
	if (acast_output_line(&exporter.text, &exporter.utf8[stream_index(rec->stream)], t, exporter.scratch, len))
		out_write(out_export, exporter.text.data, exporter.text.len);
}

static void export_finish(void)
{
	if (!exporter.header_done)
		export_header(logtime_now());
	exporter.text.len = 0;
	for (int i = 0; i < 2; i++)
		acast_flush_line(&exporter.text, &exporter.utf8[i], exporter.last_t);
	out_write(out_export, exporter.text.data, exporter.text.len);
	out_flush(out_export);
	if (out_export->fd != STDOUT_FILENO && close(out_export->fd) < 0)
		die("%s: close: %s", out_export->name, strerror(errno));
	acast_text_free(&exporter.text);
	free(exporter.scratch);
}

/* ------------------------------------------------------------ dispatch */

enum mode { MODE_PRINT, MODE_TAIL, MODE_REPLAY, MODE_EXPORT };
static enum mode mode;

static bool wanted(const struct k8s_record *rec)
{
	if (opts.stream && (int)rec->stream != opts.stream)
		return false;
	if (opts.has_since && rec->ts_ns < opts.since)
		return false;
	if (opts.has_until && rec->ts_ns > opts.until)
		return false;
	return true;
}

static void record_cb(const struct k8s_record *rec, void *arg)
{
	(void)arg;
	if (!wanted(rec))
		return;
	switch (mode) {
	case MODE_PRINT:
		print_piece(rec->stream, rec->ts_text, rec->ts_len, rec->data, rec->len, !rec->partial);
		break;
	case MODE_TAIL:
		tail_record(rec);
		break;
	case MODE_REPLAY:
		replay_item(rec->ts_ns, rec->data, rec->len, !rec->partial);
		break;
	case MODE_EXPORT:
		export_record(rec);
		break;
	}
}

static void finish_mode(void)
{
	if (mode == MODE_TAIL)
		tail_finish();
	else if (mode == MODE_EXPORT)
		export_finish();
	out_flush_all();
}

/* ------------------------------------------------------------ rotated files */

struct chain_file {
	char *name;
	int fd;
	dev_t dev;
	ino_t ino;
	struct timespec mtime;
};

struct chain {
	struct chain_file *f;
	size_t n;
};

static char *rotated_name(const char *path, size_t k)
{
	return k == 0 ? xstrdup(path) : xasprintf("%s.%zu", path, k);
}

static void chain_close(struct chain *c)
{
	for (size_t i = 0; i < c->n; i++) {
		close_fd(&c->f[i].fd);
		free(c->f[i].name);
	}
	free(c->f);
	c->f = NULL;
	c->n = 0;
}

static bool same_file(const struct stat *st, const struct chain_file *f)
{
	return st->st_dev == f->dev && st->st_ino == f->ino;
}

/* Open PATH.M .. PATH.1, PATH (oldest first) as one consistent set: the
 * writer may rotate while we look, so the names are checked again after
 * opening and the whole thing is retried if any moved. PATH itself may be
 * missing (between a rotation's rename and the new file). */
static int chain_snapshot(const char *path, struct chain *c)
{
	for (int attempt = 0; attempt < SNAPSHOT_ATTEMPTS; attempt++) {
		struct stat st;
		size_t m = 0;
		while (m < MAX_ROTATED) {
			char *name = rotated_name(path, m + 1);
			int rc = stat(name, &st);
			free(name);
			if (rc < 0)
				break;
			m++;
		}
		c->f = xcalloc(m + 1, sizeof(*c->f));
		c->n = 0;
		bool retry = false;
		for (size_t k = m + 1; k-- > 0 && !retry;) {
			char *name = rotated_name(path, k);
			int fd = open(name, O_RDONLY | O_CLOEXEC | O_NOCTTY);
			if (fd < 0) {
				int err = errno;
				if (err == ENOENT && k == 0) {
					free(name);
					break;
				}
				if (err == ENOENT) {
					retry = true;
					free(name);
					break;
				}
				chain_close(c);
				die("%s: %s", name, strerror(err));
			}
			if (fstat(fd, &st) < 0)
				die("%s: stat: %s", name, strerror(errno));
			if (S_ISDIR(st.st_mode))
				die("%s: is a directory", name);
			struct chain_file *f = &c->f[c->n++];
			f->name = name;
			f->fd = fd;
			f->dev = st.st_dev;
			f->ino = st.st_ino;
			f->mtime = st.st_mtim;
		}
		/* Did anything move while we opened? */
		for (size_t i = 0; i < c->n && !retry; i++) {
			if (stat(c->f[i].name, &st) < 0 || !same_file(&st, &c->f[i]))
				retry = true;
		}
		if (!retry) {
			char *next = rotated_name(path, m + 1);
			retry = stat(next, &st) == 0;
			free(next);
		}
		if (!retry)
			return 0;
		chain_close(c);
	}
	errno = EAGAIN;
	return -1;
}

static void read_to_eof(struct k8sread *rd, int fd, const char *name)
{
	if (k8sread_read_fd(rd, fd) < 0) {
		out_flush_all();
		diag_warn("%s: read: %s", name, strerror(errno));
	}
}

static void read_whole(struct k8sread *rd, struct chain_file *f)
{
	k8sread_reset(rd, f->name);
	read_to_eof(rd, f->fd, f->name);
	k8sread_finish(rd);
}

/* ------------------------------------------------------------ follow */

struct follower {
	const char *path;
	char *exit_path;
	int ifd;
	int log_wd;
	int dir_fd; /* to notice the directory's removal (see follow_wait) */
	int shim_fd; /* pidfd of the shim's monitor, or -1 */
	bool shim_gone;
	struct k8sread *rd;
	struct chain_file cur; /* the newest file read so far */
	bool have_cur;
};

static char *dir_of(const char *path)
{
	const char *slash = strrchr(path, '/');
	if (slash == NULL)
		return xstrdup(".");
	if (slash == path)
		return xstrdup("/");
	return xasprintf("%.*s", (int)(slash - path), path);
}

static const char *base_of(const char *path)
{
	const char *slash = strrchr(path, '/');
	return slash ? slash + 1 : path;
}

/* The container id a log path suggests: .../ID/userdata/ctr.log (podman)
 * or .../ID/ctr.log. */
static char *cid_from_log(const char *path)
{
	char *abs = realpath(path, NULL);
	char *dir = dir_of(abs ? abs : path);
	free(abs);
	char *id;
	if (strcmp(base_of(dir), "userdata") == 0) {
		char *parent = dir_of(dir);
		id = xstrdup(base_of(parent));
		free(parent);
	} else {
		id = xstrdup(base_of(dir));
	}
	free(dir);
	return id;
}

static bool is_dir(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static char *find_exit_file(const char *path)
{
	if (opts.exit_file)
		return xstrdup(opts.exit_file);
	if (opts.exit_dir) {
		char *cid = opts.cid ? xstrdup(opts.cid) : cid_from_log(path);
		if (*cid == '\0' || strchr(cid, '/') || strcmp(cid, ".") == 0 || strcmp(cid, "..") == 0)
			die("--exit-dir: cannot tell the container id from %s; give --cid", path);
		char *p = xasprintf("%s/%s", opts.exit_dir, cid);
		free(cid);
		return p;
	}
	char *abs = realpath(path, NULL);
	char *dir = dir_of(abs ? abs : path);
	free(abs);
	char *p;
	if (strcmp(base_of(dir), "userdata") == 0 && is_dir("/run/libpod/exits")) {
		char *cid = cid_from_log(path);
		p = xasprintf("/run/libpod/exits/%s", cid);
		free(cid);
	} else {
		p = xasprintf("%s/exit", dir);
	}
	free(dir);
	return p;
}

static void follow_set_cur(struct follower *fw, struct chain_file *f)
{
	fw->cur = *f;
	fw->have_cur = true;
	f->fd = -1;
	f->name = NULL;
	k8sread_reset(fw->rd, fw->cur.name);
	read_to_eof(fw->rd, fw->cur.fd, fw->cur.name);
}

static void follow_leave_cur(struct follower *fw)
{
	if (!fw->have_cur)
		return;
	read_to_eof(fw->rd, fw->cur.fd, fw->cur.name);
	k8sread_finish(fw->rd);
	close_fd(&fw->cur.fd);
	free(fw->cur.name);
	fw->cur.name = NULL;
	fw->have_cur = false;
}

static bool older_than(const struct timespec *a, const struct timespec *b)
{
	return a->tv_sec < b->tv_sec || (a->tv_sec == b->tv_sec && a->tv_nsec < b->tv_nsec);
}

/* Read everything written since the last call, wherever rotation or
 * truncation has moved it. */
static void follow_catch_up(struct follower *fw)
{
	for (int iter = 0; iter < SNAPSHOT_ATTEMPTS; iter++) {
		struct stat st;
		if (fw->have_cur) {
			read_to_eof(fw->rd, fw->cur.fd, fw->cur.name);
			if (stat(fw->path, &st) == 0 && same_file(&st, &fw->cur)) {
				off_t pos = lseek(fw->cur.fd, 0, SEEK_CUR);
				struct stat cst;
				if (pos >= 0 && fstat(fw->cur.fd, &cst) == 0 && cst.st_size < pos) {
					/* Truncated in place (copytruncate): start over. */
					out_flush_all();
					diag_warn("%s: truncated; reading it again from the start", fw->path);
					if (lseek(fw->cur.fd, 0, SEEK_SET) < 0)
						die("%s: seek: %s", fw->cur.name, strerror(errno));
					k8sread_reset(fw->rd, fw->cur.name);
					read_to_eof(fw->rd, fw->cur.fd, fw->cur.name);
				}
				return;
			}
		}
		/* Our file is not PATH any more (rotated, replaced, deleted). */
		struct chain c;
		if (chain_snapshot(fw->path, &c) < 0) {
			out_flush_all();
			diag_warn("%s: keeps changing while opened; trying again on the next change", fw->path);
			return;
		}
		size_t first_new = 0;
		if (fw->have_cur) {
			size_t i;
			for (i = 0; i < c.n; i++)
				if (c.f[i].dev == fw->cur.dev && c.f[i].ino == fw->cur.ino)
					break;
			if (i < c.n) {
				first_new = i + 1;
			} else {
				/* Gone from the chain (rotated out, or replaced by a rename
				 * as conmon's truncation does): what was written after it is
				 * in the files modified no earlier than it was. */
				struct stat cst;
				struct timespec m = fw->cur.mtime;
				if (fstat(fw->cur.fd, &cst) == 0)
					m = cst.st_mtim;
				while (first_new < c.n && strcmp(c.f[first_new].name, fw->path) != 0 &&
				       older_than(&c.f[first_new].mtime, &m))
					first_new++;
				/* Every rotated file is newer than ours: ours went past
				 * PATH.K while we were away, and maybe others with it. */
				if (first_new == 0 && c.n > 1 && strcmp(c.f[0].name, fw->path) != 0) {
					out_flush_all();
					diag_warn("%s: rotated faster than it could be read; records may be missing",
						  fw->path);
				}
			}
		}
		if (first_new >= c.n) {
			chain_close(&c);
			return; /* nothing newer yet: PATH is being recreated */
		}
		follow_leave_cur(fw);
		for (size_t i = first_new; i + 1 < c.n; i++)
			read_whole(fw->rd, &c.f[i]);
		follow_set_cur(fw, &c.f[c.n - 1]);
		chain_close(&c);
	}
}

static bool exit_file_present(const struct follower *fw)
{
	return fw->exit_path != NULL && access(fw->exit_path, F_OK) == 0;
}

/* Is the process's argv naming the container (conmon's -c/--cid)? */
static bool cmdline_has_cid(pid_t pid, const char *cid)
{
	char path[64];
	size_t len;
	snprintf(path, sizeof(path), "/proc/%d/cmdline", (int)pid);
	char *argv = read_small_file(path, 65536, &len);
	if (argv == NULL)
		return false;
	bool found = false;
	char *eq = xasprintf("--cid=%s", cid);
	for (size_t i = 0; i < len && !found; i += strlen(argv + i) + 1)
		found = strcmp(argv + i, cid) == 0 || strcmp(argv + i, eq) == 0;
	free(eq);
	free(argv);
	return found;
}

/* A pidfd for the shim's monitor named in pidfile, or -1. *gone says the
 * monitor is known not to run: no such file (when required), no such
 * process, a zombie, or a pid reused by something else. */
static int open_shim(const char *pidfile, const char *cid, bool *gone)
{
	size_t len;
	char *text = read_small_file(pidfile, 64, &len);
	if (text == NULL) {
		if (errno == ENOENT)
			*gone = true;
		else
			die("%s: %s", pidfile, strerror(errno));
		return -1;
	}
	while (len > 0 && (text[len - 1] == '\n' || text[len - 1] == ' ' || text[len - 1] == '\r'))
		text[--len] = '\0';
	int pid;
	if (parse_int(text, 1, INT_MAX, &pid) < 0)
		die("%s: not a pid file", pidfile);
	free(text);
	int fd = pidfd_open(pid, 0);
	if (fd < 0) {
		if (errno == ESRCH)
			*gone = true;
		else
			diag_warn("%s: pidfd_open: %s; only the exit file ends --follow", pidfile, strerror(errno));
		return -1;
	}
	struct pollfd pfd = {.fd = fd, .events = POLLIN};
	if (poll(&pfd, 1, 0) > 0 || (cid != NULL && !cmdline_has_cid(pid, cid))) {
		close_fd(&fd);
		*gone = true;
	}
	return fd;
}

/* The monitor's pid file: --pidfile, or podman's for a log in its layout. */
static char *find_pidfile(const char *path, char **cid)
{
	*cid = opts.cid ? xstrdup(opts.cid) : NULL;
	if (opts.pidfile)
		return xstrdup(opts.pidfile);
	if (opts.exit_file || opts.exit_dir)
		return NULL;
	char *abs = realpath(path, NULL);
	char *dir = dir_of(abs ? abs : path);
	free(abs);
	char *p = NULL;
	if (strcmp(base_of(dir), "userdata") == 0) {
		char *id = cid_from_log(path);
		p = xasprintf("/run/containers/storage/overlay-containers/%s/userdata/conmon.pid", id);
		if (access(p, F_OK) != 0) {
			free(p);
			p = NULL;
			free(id);
		} else if (*cid == NULL) {
			*cid = id;
		} else {
			free(id);
		}
	}
	free(dir);
	return p;
}

static int watch_dir(int ifd, const char *dir, const char *what)
{
	uint32_t mask = IN_MODIFY | IN_CREATE | IN_MOVED_TO | IN_MOVED_FROM | IN_DELETE | IN_CLOSE_WRITE | IN_ATTRIB |
			IN_DELETE_SELF | IN_MOVE_SELF;
	int wd = inotify_add_watch(ifd, dir, mask);
	if (wd < 0)
		die("%s: %s: inotify: %s", what, dir, strerror(errno));
	return wd;
}

/* Wait for the next change; false once the log's directory is gone. */
static bool follow_wait(struct follower *fw)
{
	char buf[16384] __attribute__((aligned(__alignof__(struct inotify_event))));
	out_flush_all();
	struct pollfd pfd[2] = {{.fd = fw->ifd, .events = POLLIN}, {.fd = fw->shim_fd, .events = POLLIN}};
	int rc;
	do
		rc = poll(pfd, 2, -1);
	while (rc < 0 && errno == EINTR);
	if (rc < 0)
		die("poll: %s", strerror(errno));
	if (pfd[1].revents) {
		fw->shim_gone = true;
		return true;
	}
	ssize_t n;
	do
		n = read(fw->ifd, buf, sizeof(buf));
	while (n < 0 && errno == EINTR);
	if (n <= 0)
		die("inotify: read: %s", n < 0 ? strerror(errno) : "end of file");
	bool alive = true;
	for (char *p = buf; p < buf + n;) {
		const struct inotify_event *ev = (const struct inotify_event *)p;
		if (ev->wd == fw->log_wd && (ev->mask & (IN_IGNORED | IN_DELETE_SELF | IN_MOVE_SELF)))
			alive = false;
		p += sizeof(*ev) + ev->len;
	}
	/* IN_DELETE_SELF comes only once the directory's dentry is released,
	 * and the deleted log we still hold open pins it: look at the link
	 * count instead, which rmdir sets to 0 at once. */
	struct stat st;
	if (fstat(fw->dir_fd, &st) == 0 && st.st_nlink == 0)
		alive = false;
	return alive;
}

static void follow(const char *path)
{
	struct follower fw = {.path = path, .ifd = -1, .log_wd = -1, .dir_fd = -1, .shim_fd = -1};
	fw.rd = k8sread_new(path, record_cb, warn_cb, NULL);
	fw.ifd = inotify_init1(IN_CLOEXEC);
	if (fw.ifd < 0)
		die("inotify: %s", strerror(errno));
	/* Watches first, then look: a change in between is never missed. */
	char *dir = dir_of(path);
	fw.log_wd = watch_dir(fw.ifd, dir, path);
	fw.dir_fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fw.dir_fd < 0)
		die("%s: %s", dir, strerror(errno));
	free(dir);
	fw.exit_path = find_exit_file(path);
	char *exit_dir = dir_of(fw.exit_path);
	if (!is_dir(exit_dir)) {
		if (opts.exit_file || opts.exit_dir)
			die("%s: exit file directory does not exist", exit_dir);
		free(fw.exit_path);
		fw.exit_path = NULL;
	} else {
		watch_dir(fw.ifd, exit_dir, "exit file");
	}
	free(exit_dir);
	char *cid;
	char *pidfile = find_pidfile(path, &cid);
	if (pidfile != NULL)
		fw.shim_fd = open_shim(pidfile, cid, &fw.shim_gone);
	free(pidfile);
	free(cid);

	struct chain c;
	if (chain_snapshot(path, &c) < 0)
		die("%s: keeps rotating while being opened", path);
	if (c.n == 0)
		die("%s: %s", path, strerror(ENOENT));
	for (size_t i = 0; i + 1 < c.n; i++)
		read_whole(fw.rd, &c.f[i]);
	follow_set_cur(&fw, &c.f[c.n - 1]);
	chain_close(&c);
	follow_catch_up(&fw);
	if (mode == MODE_TAIL) {
		tail_finish();
		mode = MODE_PRINT;
	}
	for (;;) {
		if (exit_file_present(&fw) || fw.shim_gone) {
			follow_catch_up(&fw);
			break;
		}
		if (!follow_wait(&fw)) {
			follow_catch_up(&fw);
			out_flush_all();
			diag_warn("%s: the log's directory was removed; stopping", path);
			break;
		}
		follow_catch_up(&fw);
	}
	follow_leave_cur(&fw);
	finish_mode();
	free(fw.exit_path);
	close_fd(&fw.shim_fd);
	close_fd(&fw.dir_fd);
	close_fd(&fw.ifd);
	k8sread_free(fw.rd);
}

/* ------------------------------------------------------------ asciicast input */

static struct {
	int64_t seg_base, last_abs;
	bool any;
} ain;

static void acast_header_cb(const struct acast_info *info, void *arg)
{
	(void)arg;
	int64_t base = info->has_timestamp ? info->timestamp * LOGTIME_NS_PER_SEC : ain.last_abs;
	if (!ain.any) {
		ain.last_abs = base;
		if (opts.idle_limit < 0 && info->idle_time_limit > 0)
			replay.idle_ns = (int64_t)(info->idle_time_limit * 1e9);
	}
	ain.seg_base = base;
	ain.any = true;
}

static void acast_event_cb(const struct acast_event *ev, void *arg)
{
	(void)arg;
	if (ev->type != 'o')
		return;
	int64_t abs = ain.seg_base + ev->t_ns;
	if (abs < ain.last_abs)
		abs = ain.last_abs;
	ain.last_abs = abs;
	if (mode == MODE_REPLAY)
		replay_item(abs, ev->data, ev->len, false);
	else
		out_write(&out_stdout, ev->data, ev->len);
}

static void run_asciicast(const char *path, int fd)
{
	if (opts.follow || opts.asciicast_out || opts.tail >= 0 || opts.has_since || opts.has_until || opts.stream ||
	    opts.timestamps)
		die("%s: an asciicast recording can only be printed or replayed (--replay, --speed, --idle-limit)",
		    path);
	struct acastread *r = acastread_new(path, acast_header_cb, acast_event_cb, warn_cb, NULL);
	if (acastread_read_fd(r, fd) < 0) {
		out_flush_all();
		diag_warn("%s: read: %s", path, strerror(errno));
	}
	acastread_finish(r);
	bool seen = acastread_seen_header(r);
	acastread_free(r);
	out_flush_all();
	if (!seen)
		die("%s: no asciicast v2 header", path);
}

/* An asciicast recording starts with its JSON header; a k8s-file log with a
 * digit. Empty or unreadable files count as k8s-file. */
static bool looks_like_asciicast(int fd)
{
	char buf[64];
	ssize_t n;
	do
		n = pread(fd, buf, sizeof(buf), 0);
	while (n < 0 && errno == EINTR);
	for (ssize_t i = 0; i < n; i++) {
		if (buf[i] == ' ' || buf[i] == '\t' || buf[i] == '\r' || buf[i] == '\n')
			continue;
		return buf[i] == '{';
	}
	return false;
}

/* ------------------------------------------------------------ options */

enum {
	OPT_SINCE = 256,
	OPT_UNTIL,
	OPT_STREAM,
	OPT_EXIT_FILE,
	OPT_EXIT_DIR,
	OPT_CID,
	OPT_PIDFILE,
	OPT_REPLAY,
	OPT_SPEED,
	OPT_IDLE_LIMIT,
	OPT_ASCIICAST,
	OPT_SIZE,
	OPT_STRICT,
	OPT_VERSION,
};

static const struct option long_options[] = {
	{"timestamps", no_argument, NULL, 't'},
	{"since", required_argument, NULL, OPT_SINCE},
	{"until", required_argument, NULL, OPT_UNTIL},
	{"tail", required_argument, NULL, 'n'},
	{"stream", required_argument, NULL, OPT_STREAM},
	{"follow", no_argument, NULL, 'f'},
	{"exit-file", required_argument, NULL, OPT_EXIT_FILE},
	{"exit-dir", required_argument, NULL, OPT_EXIT_DIR},
	{"cid", required_argument, NULL, OPT_CID},
	{"pidfile", required_argument, NULL, OPT_PIDFILE},
	{"replay", no_argument, NULL, OPT_REPLAY},
	{"speed", required_argument, NULL, OPT_SPEED},
	{"idle-limit", required_argument, NULL, OPT_IDLE_LIMIT},
	{"asciicast", required_argument, NULL, OPT_ASCIICAST},
	{"size", required_argument, NULL, OPT_SIZE},
	{"strict", no_argument, NULL, OPT_STRICT},
	{"help", no_argument, NULL, 'h'},
	{"version", no_argument, NULL, OPT_VERSION},
	{NULL, 0, NULL, 0},
};

static double parse_positive(const char *flag, const char *arg, bool zero_ok)
{
	char *end;
	errno = 0;
	double v = strtod(arg, &end);
	if (*arg == '\0' || *end != '\0' || errno != 0 || !isfinite(v) || v < 0 || (v == 0 && !zero_ok) ||
	    v > 1e6)
		die("%s: bad value '%s'", flag, arg);
	return v;
}

static double parse_seconds(const char *flag, const char *arg)
{
	int64_t ns;
	char *end;
	strtod(arg, &end);
	if (*arg != '\0' && *end == '\0')
		return parse_positive(flag, arg, true);
	if (logtime_parse_duration(arg, &ns) < 0)
		die("%s: bad duration '%s' (seconds, or like 500ms, 2s, 1m)", flag, arg);
	return (double)ns / 1e9;
}

static void terminal_size(unsigned *cols, unsigned *rows)
{
	static const int fds[] = {STDOUT_FILENO, STDIN_FILENO, STDERR_FILENO};
	for (size_t i = 0; i < ARRAY_SIZE(fds); i++) {
		struct winsize ws;
		if (ioctl(fds[i], TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0 && ws.ws_row > 0) {
			*cols = ws.ws_col;
			*rows = ws.ws_row;
			return;
		}
	}
	*cols = 80;
	*rows = 24;
}

static void parse_options(int argc, char **argv)
{
	int c;
	int64_t now = logtime_now();
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":tn:fh", long_options, NULL)) != -1) {
		switch (c) {
		case 't':
			opts.timestamps = true;
			break;
		case OPT_SINCE:
			if (logtime_parse_arg(optarg, now, &opts.since) < 0)
				die("--since: bad time '%s'", optarg);
			opts.has_since = true;
			break;
		case OPT_UNTIL:
			if (logtime_parse_arg(optarg, now, &opts.until) < 0)
				die("--until: bad time '%s'", optarg);
			opts.has_until = true;
			break;
		case 'n': {
			int64_t v;
			if (parse_i64(optarg, -1, INT32_MAX, &v) < 0)
				die("--tail: bad number '%s'", optarg);
			opts.tail = v;
			break;
		}
		case OPT_STREAM:
			if (strcmp(optarg, "stdout") == 0)
				opts.stream = STREAM_STDOUT;
			else if (strcmp(optarg, "stderr") == 0)
				opts.stream = STREAM_STDERR;
			else
				die("--stream: '%s' is neither stdout nor stderr", optarg);
			break;
		case 'f':
			opts.follow = true;
			break;
		case OPT_EXIT_FILE:
			if (*optarg == '\0')
				die("--exit-file: empty path");
			opts.exit_file = optarg;
			break;
		case OPT_EXIT_DIR:
			if (*optarg == '\0')
				die("--exit-dir: empty path");
			opts.exit_dir = optarg;
			break;
		case OPT_CID:
			if (*optarg == '\0' || strchr(optarg, '/'))
				die("--cid: bad id '%s'", optarg);
			opts.cid = optarg;
			break;
		case OPT_PIDFILE:
			if (*optarg == '\0')
				die("--pidfile: empty path");
			opts.pidfile = optarg;
			break;
		case OPT_REPLAY:
			opts.replay = true;
			break;
		case OPT_SPEED:
			opts.speed = parse_positive("--speed", optarg, false);
			break;
		case OPT_IDLE_LIMIT:
			opts.idle_limit = parse_seconds("--idle-limit", optarg);
			break;
		case OPT_ASCIICAST:
			if (*optarg == '\0')
				die("--asciicast: empty path");
			opts.asciicast_out = optarg;
			break;
		case OPT_SIZE:
			if (acast_parse_size(optarg, strlen(optarg), &opts.cols, &opts.rows) < 0)
				die("--size: bad size '%s' (COLSxROWS, e.g. 80x24)", optarg);
			opts.has_size = true;
			break;
		case OPT_STRICT:
			opts.strict = true;
			break;
		case 'h':
			fputs(usage_text, stdout);
			exit(0);
		case OPT_VERSION:
			printf("%s %s\n", PROG, PTYSHIM_VERSION);
			exit(0);
		case ':':
			die("%s: needs a value", argv[optind - 1]);
		default:
			if (optopt)
				die("-%c: unknown option (see --help)", optopt);
			die("%s: unknown option (see --help)", argv[optind - 1]);
		}
	}
	if (optind >= argc)
		die("missing LOGFILE (see --help)");
	if (optind + 1 < argc)
		die("%s: only one LOGFILE, please", argv[optind + 1]);
	opts.path = argv[optind];
	if (*opts.path == '\0')
		die("empty LOGFILE");
	if (opts.replay && opts.asciicast_out)
		die("--replay and --asciicast: choose one");
	if (opts.follow && (opts.replay || opts.asciicast_out))
		die("--follow works with printing only, not with %s", opts.replay ? "--replay" : "--asciicast");
	if (opts.tail >= 0 && (opts.replay || opts.asciicast_out))
		die("--tail works with printing only");
	if ((opts.exit_file || opts.exit_dir || opts.cid || opts.pidfile) && !opts.follow)
		die("%s needs --follow", opts.exit_file  ? "--exit-file"
					 : opts.exit_dir ? "--exit-dir"
					 : opts.cid      ? "--cid"
							 : "--pidfile");
	if (opts.exit_file && opts.exit_dir)
		die("--exit-file and --exit-dir: choose one");
	if (opts.cid && !opts.exit_dir && !opts.pidfile)
		die("--cid needs --exit-dir or --pidfile");
	if (opts.has_since && opts.has_until && opts.until < opts.since)
		die("--until is before --since");
	if (opts.has_size && !opts.asciicast_out)
		die("--size needs --asciicast");
	if ((opts.speed != 1.0 || opts.idle_limit >= 0) && !opts.replay)
		die("%s needs --replay", opts.speed != 1.0 ? "--speed" : "--idle-limit");
}

int main(int argc, char **argv)
{
	diag_init(PROG);
	signal(SIGPIPE, SIG_IGN);
	parse_options(argc, argv);
	const char *path = opts.path;

	if (opts.replay) {
		mode = MODE_REPLAY;
		if (opts.idle_limit >= 0)
			replay.idle_ns = (int64_t)(opts.idle_limit * 1e9);
	} else if (opts.asciicast_out) {
		mode = MODE_EXPORT;
		if (!opts.has_size)
			terminal_size(&opts.cols, &opts.rows);
	} else if (opts.tail >= 0) {
		mode = MODE_TAIL;
	}

	/* The newest file decides the format; it must exist, or be in the
	 * middle of a rotation with older files present. */
	int probe = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (probe < 0) {
		char *first = rotated_name(path, 1);
		bool rotating = errno == ENOENT && access(first, F_OK) == 0;
		int err = errno;
		free(first);
		if (!rotating)
			die("%s: %s", path, strerror(err));
	} else {
		struct stat st;
		if (fstat(probe, &st) < 0)
			die("%s: stat: %s", path, strerror(errno));
		if (S_ISDIR(st.st_mode))
			die("%s: is a directory", path);
	}

	if (mode == MODE_EXPORT) {
		static struct outbuf file_out;
		out_export = &file_out;
		if (strcmp(opts.asciicast_out, "-") == 0) {
			file_out.fd = STDOUT_FILENO;
			file_out.name = "stdout";
		} else {
			/* The export holds everything the log does: same 0600. */
			file_out.fd = open(opts.asciicast_out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOCTTY, 0600);
			if (file_out.fd < 0)
				die("%s: %s", opts.asciicast_out, strerror(errno));
			file_out.name = opts.asciicast_out;
		}
	}
	if (mode == MODE_REPLAY) {
		tty_setup();
		replay.keys = tty_raw;
	}

	if (probe >= 0 && looks_like_asciicast(probe)) {
		run_asciicast(path, probe);
		close_fd(&probe);
	} else {
		close_fd(&probe);
		if (opts.follow) {
			follow(path);
		} else {
			struct chain c;
			if (chain_snapshot(path, &c) < 0)
				die("%s: keeps rotating while being opened", path);
			if (c.n == 0)
				die("%s: %s", path, strerror(ENOENT));
			struct k8sread *rd = k8sread_new(path, record_cb, warn_cb, NULL);
			for (size_t i = 0; i < c.n; i++)
				read_whole(rd, &c.f[i]);
			k8sread_free(rd);
			chain_close(&c);
			finish_mode();
		}
	}
	out_flush_all();
	if (warnings > MAX_WARNINGS)
		diag_warn("%lu corrupt or truncated records in all", warnings);
	tty_restore();
	return opts.strict && warnings > 0 ? EXIT_CORRUPT : 0;
}
