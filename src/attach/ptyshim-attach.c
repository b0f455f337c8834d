/* ptyshim-attach: attach the user's terminal (or a pipe) to a running
 * container through the shim's attach socket. The wire protocol is conmon's
 * (conmon-interface.md §4, §5), so this works with conmon-run containers as
 * well as ptyshim-run ones:
 *   in:  raw stdin bytes, one datagram of at most 32 KiB per send;
 *   out: datagrams "[stream][payload]", stream 2 = stdout, 3 = stderr;
 *   ctl: "1 ROWS COLS\n" lines into the bundle's ctl fifo to resize.
 *
 * One poll loop serves the socket, stdin and a signalfd; nothing in it waits
 * on the socket, and only writes to our own stdout/stderr may block (with
 * signals still honoured). Input modes:
 *   raw       terminal container, terminal on stdin: raw mode, detach keys;
 *   readline  pipe-mode container, terminals on stdin and stdout: GNU readline
 *             line editing and history, detach keys, Ctrl-D = end of input;
 *   copy      anything else: bytes as they come, end of input = SHUT_WR;
 *   none      --no-stdin: watch only, never send, never shut down.
 *
 * Exit status: the container's exit code when the container ends (from its
 * exit file, see find_exit_file()), 0 on detach, 128+N when ended by signal
 * N (SIGTERM, SIGHUP, SIGINT, SIGQUIT; 129 also when our terminal hangs
 * up), 141 when our stdout went away, 1 for usage and setup errors before
 * attaching, 255 when the session ended but the container's exit code could
 * not be found or an error ended it (with a message either way). */
#include "base/stream.h"
#include "attach/detach.h"
#include "base/diag.h"
#include "client/term.h"
#include "base/util.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <locale.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>
#include <readline/history.h>
#include <readline/readline.h>

#define PROG "ptyshim-attach"

/* Larger than any frame a conforming shim sends (1 + 8192), so that a
 * too-large frame is noticed (MSG_TRUNC) instead of silently cut. */
#define RECV_BUF_SIZE (64 * 1024)
/* Frames handled per wakeup before input gets its turn again. */
#define RECV_BATCH 64
/* Input queued toward the socket beyond this stops reading stdin, so a shim
 * that does not take input pushes back to the user instead of growing us. */
#define SENDQ_HIGH (256 * 1024)
#define STDIN_READ_SIZE 16384

#define EXIT_SETUP 1
#define EXIT_UNKNOWN 255
#define EXIT_STDOUT_GONE 141

/* ctl retries: ENXIO means no reader right now (the shim is starting or
 * restarting its fifo); a resize is worth about this much patience. */
#define RESIZE_RETRY_MS 50
#define RESIZE_TRIES 40

#define EXIT_POLL_MS 20
#define DEFAULT_EXIT_TIMEOUT_MS 5000

enum tty_choice { TTY_AUTO = -1, TTY_NO = 0, TTY_YES = 1 };

struct options {
	const char *target;
	enum tty_choice tty;
	const char *detach_spec;
	bool no_stdin;
	bool no_readline;
	const char *ctl_path;
	const char *exit_file;
	const char *exit_dir;
	const char *cid;
	int exit_timeout_ms;
	int ready_fd; /* -1: none */
};

/* What the shim's own command line says (conmon's flags), read through the
 * socket's peer pid. Every field is optional. */
struct peer_info {
	pid_t pid;
	char *cid;
	char *exit_dir;
	char *persist_dir;
	int terminal; /* -1 unknown, else whether -t/--terminal was given */
};

enum input_mode { INPUT_NONE, INPUT_RAW, INPUT_READLINE, INPUT_COPY };

enum end_reason {
	END_NONE = 0,
	END_DETACH,      /* the user typed the detach keys */
	END_EOF,         /* the shim closed the connection: the container ended */
	END_SIGNAL,      /* SIGTERM, SIGHUP, SIGINT or SIGQUIT */
	END_STDOUT_GONE, /* EPIPE on stdout */
	END_HANGUP,      /* our terminal went away (EIO) */
	END_ERROR,       /* already reported */
};

/* Output shown as readline's prompt: the last, unfinished line of output is
 * held here instead of being written, so readline can redraw it together
 * with what the user is typing. Held bytes are always on the screen already
 * (as the prompt) and are written for real once their line is complete. */
#define HELD_MAX 512
#define HELD_SEGS 8
struct held_output {
	unsigned char data[HELD_MAX];
	size_t len;
	struct {
		int fd;
		size_t len;
	} seg[HELD_SEGS];
	size_t nseg;
	char prompt[HELD_MAX * 3 + 1];
};

struct resize_state {
	char *ctl_path;
	int size_fd; /* terminal whose size we send; -1 = no resizing */
	bool pending;
	int tries;
	int64_t next_ns;
	bool warned;
};

struct exit_watch {
	char *path;           /* NULL: no idea where the exit file is */
	bool stale;           /* a file was already there before we attached */
	dev_t dev;
	ino_t ino;
	struct timespec mtime;
	struct timespec t0;   /* wall clock just before connecting */
};

struct session {
	int sock_fd;
	int sig_fd;
	int pid_fd; /* the shim's process (the socket's peer), when pidfd_open works */
	bool err_tty;
	enum input_mode mode;
	bool tty_container;
	bool stdin_open;
	bool want_shut; /* SHUT_WR once the send queue is empty */
	bool shut_done;
	bool send_dead; /* the shim no longer takes input */
	bool use_detach;
	struct detach_matcher matcher;
	unsigned char *sendq;
	size_t sendq_len, sendq_cap;
	bool stderr_dead;
	bool warned_trunc;
	bool warned_stream;
	/* signals seen by sig_drain(), acted on by the loop */
	bool got_winch;
	bool got_tstp;
	int term_signal;
	struct resize_state rs;
	bool rl_active;
	struct held_output held;
	struct exit_watch exitw;
	enum end_reason end;
};

/* readline's callbacks carry no context pointer. */
static struct session *rl_session;

static const char usage_text[] =
	"usage: " PROG " [OPTIONS] BUNDLE_DIR|SOCKET_PATH\n"
	"Attach to a running container through its shim's attach socket (ptyshim or conmon).\n"
	"BUNDLE_DIR: uses DIR/attach, DIR/ctl and DIR/config.json. SOCKET_PATH: its directory is used.\n"
	"  -t, --tty               the container has a terminal (default: config.json process.terminal)\n"
	"  -T, --no-tty            the container has no terminal (pipe mode)\n"
	"      --detach-keys SPEC  detach sequence, e.g. ctrl-p,ctrl-q (the default); \"\" = none\n"
	"      --no-stdin          watch only: never read stdin or send anything (unlike podman,\n"
	"                          no SHUT_WR either, so a -i container's stdin stays open)\n"
	"      --no-readline       in pipe mode, copy a terminal's input as it comes (no line editing)\n"
	"      --ctl PATH          the control fifo for resizes (default DIR/ctl)\n"
	"      --exit-file PATH    read the container's exit code from PATH when it ends\n"
	"      --exit-dir DIR      ... from DIR/CID (CID from --cid or the shim's command line)\n"
	"      --cid ID            the container id for --exit-dir\n"
	"      --exit-timeout SECS how long to wait for the exit file (default 5)\n"
	"      --ready-fd FD       write a newline to FD and close it once attached (connected,\n"
	"                          size sent, terminal set up): a manager may start the container\n"
	"  -h, --help              this text\n"
	"Exit status: the container's exit code when it ends; 0 after detaching; 128+N after\n"
	"signal N; 1 on usage or setup errors; 255 when the exit code cannot be found.\n"
	"The exit code is read from --exit-file, else --exit-dir/CID, else from where the shim\n"
	"itself writes it (its --exit-dir and -c, or --persist-dir/exit, taken from the shim's\n"
	"command line), waiting up to --exit-timeout after the shim closes the connection.\n";

/* ---- small helpers ---- */

static int64_t now_ns(void)
{
	return mono_ns();
}

/* Writes everything to one of our own output fds. It may block (it is the
 * user's terminal or pipe), but a terminating signal still ends the wait:
 * then it returns -1 with errno ECANCELED. */
static void sig_drain(struct session *s);

static int out_write(struct session *s, int fd, const void *buf, size_t len)
{
	const char *p = buf;
	while (len > 0) {
		ssize_t n = write(fd, p, len);
		if (n > 0) {
			p += n;
			len -= (size_t)n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno != EAGAIN)
			return -1;
		/* Non-blocking stdout (shared with someone who set O_NONBLOCK). */
		struct pollfd pfd[2] = {{.fd = fd, .events = POLLOUT}, {.fd = s->sig_fd, .events = POLLIN}};
		if (poll(pfd, 2, -1) < 0 && errno != EINTR)
			return -1;
		if (pfd[1].revents & POLLIN) {
			sig_drain(s);
			if (s->term_signal) {
				errno = ECANCELED;
				return -1;
			}
		}
	}
	return 0;
}

static void notice(const char *msg)
{
	dprintf(STDERR_FILENO, "%s: %s\n", PROG, msg);
}

/* ---- the shim's command line, through SO_PEERCRED ---- */

/* conmon's options that take a value (conmon-interface.md §1.2), so that a
 * value like "--runtime-arg --log" is skipped rather than read as a flag. */
static bool peer_long_takes_value(const char *name, size_t len)
{
	static const char *const names[] = {
		"cid", "cuuid", "runtime", "bundle", "container-pidfile", "pidfile", "name",
		"exit-dir", "log-path", "log-level", "runtime-arg", "conmon-pidfile",
		"exit-command", "exit-command-arg", "exit-delay", "exec-process-spec", "timeout",
		"log-size-max", "log-tag", "runtime-opt", "sdnotify-socket", "restore",
		"persist-dir", "socket-dir-path", "log-global-size-max", "seccomp-notify-socket",
		"seccomp-notify-plugins", "log-max-files",
	};
	for (size_t i = 0; i < ARRAY_SIZE(names); i++)
		if (strlen(names[i]) == len && memcmp(names[i], name, len) == 0)
			return true;
	return false;
}

static void peer_set(char **field, const char *value)
{
	free(*field);
	*field = xstrdup(value);
}

static void peer_option(struct peer_info *pi, const char *name, const char *value)
{
	if (strcmp(name, "cid") == 0 || strcmp(name, "c") == 0)
		peer_set(&pi->cid, value);
	else if (strcmp(name, "exit-dir") == 0)
		peer_set(&pi->exit_dir, value);
	else if (strcmp(name, "persist-dir") == 0 || strcmp(name, "0") == 0)
		peer_set(&pi->persist_dir, value);
}

/* Parses a NUL-separated argv (as in /proc/PID/cmdline) with glib's rules:
 * "--name value", "--name=value", "-c value", "-cvalue", grouped short flags. */
static void peer_parse_cmdline(struct peer_info *pi, const char *buf, size_t len)
{
	const char *argv[1024];
	size_t argc = 0;
	for (size_t off = 0; off < len && argc < ARRAY_SIZE(argv);) {
		argv[argc++] = buf + off;
		off += strnlen(buf + off, len - off) + 1;
	}
	for (size_t i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (strcmp(a, "--") == 0)
			break;
		if (strncmp(a, "--", 2) == 0) {
			const char *name = a + 2;
			const char *eq = strchr(name, '=');
			size_t nlen = eq ? (size_t)(eq - name) : strlen(name);
			char nbuf[64];
			if (nlen >= sizeof(nbuf))
				continue;
			memcpy(nbuf, name, nlen);
			nbuf[nlen] = '\0';
			if (eq) {
				peer_option(pi, nbuf, eq + 1);
			} else if (peer_long_takes_value(name, nlen)) {
				if (i + 1 < argc)
					peer_option(pi, nbuf, argv[++i]);
			} else if (strcmp(nbuf, "terminal") == 0) {
				pi->terminal = 1;
			}
			continue;
		}
		if (a[0] != '-' || a[1] == '\0')
			continue;
		for (const char *c = a + 1; *c; c++) {
			if (strchr("curbpnlPT0", *c)) {
				char nbuf[2] = {*c, '\0'};
				const char *value = c[1] ? c + 1 : (i + 1 < argc ? argv[++i] : NULL);
				if (value)
					peer_option(pi, nbuf, value);
				break;
			}
			if (*c == 't')
				pi->terminal = 1;
		}
	}
}

static void peer_read(struct peer_info *pi, int sock_fd)
{
	struct ucred cred;
	socklen_t clen = sizeof(cred);
	pi->terminal = -1;
	if (getsockopt(sock_fd, SOL_SOCKET, SO_PEERCRED, &cred, &clen) < 0 || cred.pid <= 0)
		return;
	pi->pid = cred.pid;
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/cmdline", (int)cred.pid);
	size_t len;
	char *buf = read_small_file(path, 256 * 1024, &len);
	if (!buf)
		return;
	/* Whatever the shim is, its flags follow conmon's; a -t means a PTY. */
	pi->terminal = 0;
	peer_parse_cmdline(pi, buf, len);
	free(buf);
}

static void peer_free(struct peer_info *pi)
{
	free(pi->cid);
	free(pi->exit_dir);
	free(pi->persist_dir);
}

/* ---- terminal or pipe: config.json ---- */

/* Returns 1 or 0 from DIR/config.json's process.terminal, -1 when unknown. */
static int config_terminal(const char *dir)
{
	char *path = xasprintf("%s/config.json", dir);
	int result = -1;
	if (access(path, F_OK) < 0) {
		free(path);
		return -1;
	}
	json_object *root = json_object_from_file(path);
	if (!root) {
		diag_warn("%s: cannot parse: %s", path, json_util_get_last_err());
		free(path);
		return -1;
	}
	json_object *process, *terminal;
	if (!json_object_object_get_ex(root, "process", &process) ||
	    !json_object_is_type(process, json_type_object))
		result = -1;
	else if (!json_object_object_get_ex(process, "terminal", &terminal))
		result = 0; /* the OCI default */
	else if (json_object_is_type(terminal, json_type_boolean))
		result = json_object_get_boolean(terminal) ? 1 : 0;
	else
		diag_warn("%s: process.terminal is not a boolean", path);
	json_object_put(root);
	free(path);
	return result;
}

/* ---- connecting ---- */

/* Connects to a SOCK_SEQPACKET socket at path. A path longer than sun_path
 * goes through /proc/self/fd, as podman does (the bundle paths are ~127
 * bytes). Returns the fd or -1 with errno. */
static int attach_connect(const char *path)
{
	int path_fd = open(path, O_PATH | O_CLOEXEC);
	if (path_fd < 0)
		return -1;
	struct stat st;
	if (fstat(path_fd, &st) < 0) {
		close_fd(&path_fd);
		return -1;
	}
	if (!S_ISSOCK(st.st_mode)) {
		close_fd(&path_fd);
		errno = ENOTSOCK;
		return -1;
	}
	struct sockaddr_un addr = {.sun_family = AF_UNIX};
	if (strlen(path) < sizeof(addr.sun_path))
		snprintf(addr.sun_path, sizeof(addr.sun_path), "%s", path);
	else
		snprintf(addr.sun_path, sizeof(addr.sun_path), "/proc/self/fd/%d", path_fd);
	int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0) {
		close_fd(&path_fd);
		return -1;
	}
	/* A non-blocking connect on a unix socket completes or fails at once,
	 * except EAGAIN when the listen backlog is full: wait for it then. */
	int rc;
	do
		rc = connect(fd, (struct sockaddr *)&addr, sizeof(addr));
	while (rc < 0 && errno == EINTR);
	if (rc < 0 && (errno == EAGAIN || errno == EINPROGRESS)) {
		struct pollfd pfd = {.fd = fd, .events = POLLOUT};
		int err = 0;
		socklen_t elen = sizeof(err);
		if (poll(&pfd, 1, 10000) == 1 && getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &elen) == 0 &&
		    err == 0)
			rc = 0;
		else
			errno = err ? err : ETIMEDOUT;
	}
	if (rc < 0) {
		close_fd(&fd);
		close_fd(&path_fd);
		return -1;
	}
	close_fd(&path_fd);
	return fd;
}

/* ---- the exit file ---- */

/* Where the container's exit code will appear, in order of preference:
 *   --exit-file PATH;
 *   --exit-dir DIR + "/" + CID (CID from --cid, else from the shim's argv);
 *   the shim's own --exit-dir + "/" + -c (conmon and ptyshim write it there,
 *   also for exec sessions, where the file is named after the container);
 *   the shim's --persist-dir + "/exit".
 * The shim's argv is read from /proc through the socket's peer credentials,
 * which needs no cooperation from the shim. NULL when nothing is known. */
static char *find_exit_file(const struct options *o, const struct peer_info *pi)
{
	if (o->exit_file)
		return xstrdup(o->exit_file);
	if (o->exit_dir) {
		const char *cid = o->cid ? o->cid : pi->cid;
		if (!cid) {
			diag_err("--exit-dir: no container id (give --cid; the shim's command line gave none)");
			exit(EXIT_SETUP);
		}
		return xasprintf("%s/%s", o->exit_dir, cid);
	}
	if (pi->exit_dir && (o->cid || pi->cid))
		return xasprintf("%s/%s", pi->exit_dir, o->cid ? o->cid : pi->cid);
	if (pi->persist_dir)
		return xasprintf("%s/exit", pi->persist_dir);
	return NULL;
}

static bool timespec_before(const struct timespec *a, const struct timespec *b)
{
	return a->tv_sec < b->tv_sec || (a->tv_sec == b->tv_sec && a->tv_nsec < b->tv_nsec);
}

/* A file that is there before we attach belongs to an earlier run of the
 * container (conmon does not remove it), so it only counts once replaced. */
static void exit_watch_note_stale(struct exit_watch *w)
{
	struct stat st;
	if (!w->path || stat(w->path, &st) < 0)
		return;
	if (!timespec_before(&st.st_mtim, &w->t0))
		return; /* written after we started connecting: it is ours */
	w->stale = true;
	w->dev = st.st_dev;
	w->ino = st.st_ino;
	w->mtime = st.st_mtim;
}

/* 1 with *code set, 0 when not (yet) there, -1 when there but unreadable. */
static int exit_watch_read(const struct exit_watch *w, int *code)
{
	struct stat st;
	if (stat(w->path, &st) < 0)
		return 0;
	if (w->stale && st.st_dev == w->dev && st.st_ino == w->ino &&
	    st.st_mtim.tv_sec == w->mtime.tv_sec && st.st_mtim.tv_nsec == w->mtime.tv_nsec)
		return 0;
	size_t len;
	char *buf = read_small_file(w->path, 64, &len);
	if (!buf)
		return errno == ENOENT ? 0 : -1;
	while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == ' '))
		buf[--len] = '\0';
	int v;
	int rc = parse_int(buf[0] == '-' ? buf + 1 : buf, 0, INT_MAX, &v);
	bool neg = buf[0] == '-';
	free(buf);
	if (rc < 0)
		return -1;
	/* -1 means "timed out" in conmon's files; like any code outside
	 * 0..255 it cannot be an exit status, so it maps to 255. */
	*code = (neg || v > 255) ? 255 : v;
	return 1;
}

static bool peer_alive(struct session *s)
{
	if (s->pid_fd < 0)
		return true;
	struct pollfd pfd = {.fd = s->pid_fd, .events = POLLIN};
	return poll(&pfd, 1, 0) == 0;
}

/* After the shim closed the connection: the exit code, or EXIT_UNKNOWN with
 * a warning. The shim writes the file right after closing its clients, so
 * this polls briefly; it stops early once the shim's process is gone. */
static int wait_exit_code(struct session *s, int timeout_ms)
{
	struct exit_watch *w = &s->exitw;
	if (!w->path) {
		diag_warn("the container's exit code is unknown (no exit file found; see --exit-file)");
		return EXIT_UNKNOWN;
	}
	int64_t deadline = now_ns() + (int64_t)timeout_ms * 1000000;
	for (;;) {
		int code;
		bool alive = peer_alive(s);
		int rc = exit_watch_read(w, &code);
		if (rc == 1)
			return code;
		if (rc < 0) {
			diag_warn("%s: not an exit code", w->path);
			return EXIT_UNKNOWN;
		}
		if (!alive || now_ns() >= deadline)
			break;
		struct pollfd pfd = {.fd = s->sig_fd, .events = POLLIN};
		if (poll(&pfd, 1, EXIT_POLL_MS) > 0) {
			sig_drain(s);
			if (s->term_signal)
				return 128 + s->term_signal;
		}
	}
	diag_warn("%s: no exit code (the connection closed, but the container may still run)", w->path);
	return EXIT_UNKNOWN;
}

/* ---- resizing through ctl ---- */

static void resize_try(struct session *s)
{
	struct resize_state *r = &s->rs;
	unsigned short rows, cols;
	if (term_winsize(r->size_fd, &rows, &cols) < 0) {
		r->pending = false; /* no size to send (0x0 or not a terminal) */
		return;
	}
	char line[32];
	int len = snprintf(line, sizeof(line), "1 %u %u\n", rows, cols);
	int fd = open(r->ctl_path, O_WRONLY | O_NONBLOCK | O_CLOEXEC);
	int err = errno;
	if (fd >= 0) {
		/* One line is far below PIPE_BUF: it goes in whole or not at all. */
		ssize_t n = write(fd, line, (size_t)len);
		err = errno;
		close_fd(&fd);
		if (n == len) {
			r->pending = false;
			return;
		}
	}
	bool transient = err == ENXIO || err == EAGAIN || err == EINTR || err == EPIPE;
	if (transient && ++r->tries < RESIZE_TRIES) {
		r->next_ns = now_ns() + (int64_t)RESIZE_RETRY_MS * 1000000;
		return;
	}
	r->pending = false;
	if (!r->warned) {
		diag_warn("%s: cannot send the window size: %s", r->ctl_path, strerror(err));
		r->warned = true;
	}
}

static void resize_request(struct session *s)
{
	if (s->rs.size_fd < 0)
		return;
	s->rs.pending = true;
	s->rs.tries = 0;
	resize_try(s);
}

static int resize_timeout_ms(const struct session *s)
{
	if (!s->rs.pending)
		return -1;
	int64_t left = s->rs.next_ns - now_ns();
	return left <= 0 ? 0 : (int)(left / 1000000) + 1;
}

/* ---- toward the container ---- */

static void sendq_push(struct session *s, const void *buf, size_t len)
{
	if (s->send_dead || s->shut_done || len == 0)
		return;
	if (s->sendq_len + len > s->sendq_cap) {
		size_t cap = s->sendq_cap ? s->sendq_cap : 65536;
		while (cap < s->sendq_len + len)
			cap *= 2;
		s->sendq = xrealloc(s->sendq, cap);
		s->sendq_cap = cap;
	}
	memcpy(s->sendq + s->sendq_len, buf, len);
	s->sendq_len += len;
}

static void send_dead(struct session *s, int err)
{
	if (!s->send_dead)
		diag_warn("attach: the container takes no more input: %s", strerror(err));
	s->send_dead = true;
	s->sendq_len = 0;
	s->stdin_open = false;
}

/* Sends queued input as datagrams of at most 32 KiB until EAGAIN; then the
 * pending SHUT_WR once the queue is empty. */
static void sendq_flush(struct session *s)
{
	size_t off = 0;
	while (off < s->sendq_len && !s->send_dead) {
		size_t n = s->sendq_len - off;
		if (n > STREAM_ATTACH_MAX_INPUT)
			n = STREAM_ATTACH_MAX_INPUT;
		ssize_t w = send(s->sock_fd, s->sendq + off, n, MSG_NOSIGNAL);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN)
				break;
			send_dead(s, errno);
			return;
		}
		off += (size_t)w; /* SEQPACKET: a datagram goes whole */
	}
	if (off > 0) {
		memmove(s->sendq, s->sendq + off, s->sendq_len - off);
		s->sendq_len -= off;
	}
	if (s->want_shut && s->sendq_len == 0 && !s->shut_done) {
		/* With -i the shim closes the container's stdin on this. */
		if (shutdown(s->sock_fd, SHUT_WR) < 0 && errno != ENOTCONN)
			diag_warn("attach: shutdown: %s", strerror(errno));
		s->shut_done = true;
	}
}

/* End of the user's input: give back held detach-key bytes, then SHUT_WR. */
static void input_eof(struct session *s)
{
	if (s->use_detach) {
		unsigned char held[DETACH_KEYS_MAX];
		size_t n = detach_matcher_flush(&s->matcher, held);
		sendq_push(s, held, n);
	}
	s->stdin_open = false;
	s->want_shut = true;
	sendq_flush(s);
}

/* ---- readline mode ---- */

static unsigned char rl_feed_buf[STDIN_READ_SIZE + DETACH_FEED_EXTRA];
static size_t rl_feed_len, rl_feed_pos;
/* A signal arrived while readline waited for a key of its own. */
static bool rl_interrupted;

static int rl_feed_getc(FILE *f)
{
	if (rl_feed_pos < rl_feed_len)
		return rl_feed_buf[rl_feed_pos++];
	/* readline wants a key we have not read yet. Our input-available hook
	 * tells it that nothing is pending, so this should not happen; if it
	 * does, a blocking read is the only correct answer. */
	unsigned char c;
	ssize_t n;
	for (;;) {
		/* Signals only reach us through the signalfd: watch it too, or a
		 * ctrl-c here would wait for a key that never comes. */
		struct pollfd pfd[2] = {{.fd = fileno(f), .events = POLLIN}, {.fd = rl_session->sig_fd, .events = POLLIN}};
		if (poll(pfd, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			return EOF;
		}
		if (pfd[1].revents & POLLIN) {
			rl_interrupted = true;
			return EOF;
		}
		n = read(fileno(f), &c, 1);
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		return n == 1 ? c : EOF;
	}
}

static int rl_feed_available(void)
{
	return rl_feed_pos < rl_feed_len;
}

static void held_reset(struct held_output *h)
{
	h->len = 0;
	h->nseg = 0;
	h->prompt[0] = '\0';
}

/* The held bytes as a readline prompt: only what follows the last CR is on
 * the line; escape sequences are marked invisible so readline counts the
 * width right; other control bytes (and readline's own markers) are left
 * out of the prompt, though they are still written later. */
static void held_make_prompt(struct held_output *h)
{
	size_t start = 0;
	for (size_t i = 0; i < h->len; i++)
		if (h->data[i] == '\r')
			start = i + 1;
	char *p = h->prompt;
	for (size_t i = start; i < h->len; i++) {
		unsigned char c = h->data[i];
		if (c == 0x1b) {
			*p++ = RL_PROMPT_START_IGNORE;
			*p++ = (char)c;
			size_t j = i + 1;
			if (j < h->len && h->data[j] == '[') {
				*p++ = (char)h->data[j++];
				while (j < h->len && !(h->data[j] >= 0x40 && h->data[j] <= 0x7e))
					*p++ = (char)h->data[j++];
			}
			if (j < h->len)
				*p++ = (char)h->data[j];
			else
				j--;
			i = j;
			*p++ = RL_PROMPT_END_IGNORE;
			continue;
		}
		if (c < 0x20 || c == 0x7f)
			continue;
		*p++ = (char)c;
	}
	*p = '\0';
}

static int held_write_out(struct session *s)
{
	size_t off = 0;
	for (size_t i = 0; i < s->held.nseg; i++) {
		if (out_write(s, s->held.seg[i].fd, s->held.data + off, s->held.seg[i].len) < 0 &&
		    s->held.seg[i].fd == STDOUT_FILENO)
			return -1;
		off += s->held.seg[i].len;
	}
	held_reset(&s->held);
	return 0;
}

static bool held_append(struct held_output *h, int fd, const void *buf, size_t len)
{
	if (len == 0)
		return true;
	bool same = h->nseg > 0 && h->seg[h->nseg - 1].fd == fd;
	if (h->len + len > HELD_MAX || (!same && h->nseg == HELD_SEGS))
		return false;
	memcpy(h->data + h->len, buf, len);
	h->len += len;
	if (same) {
		h->seg[h->nseg - 1].len += len;
	} else {
		h->seg[h->nseg].fd = fd;
		h->seg[h->nseg].len = len;
		h->nseg++;
	}
	return true;
}

/* Output while readline owns the line: take the prompt and the user's text
 * off the screen, write the complete lines, keep the unfinished last line as
 * the prompt, and let readline draw it again with the user's text intact. */
static int rl_show_output(struct session *s, int fd, const unsigned char *buf, size_t len)
{
	fflush(rl_outstream);
	rl_clear_visible_line();
	fflush(rl_outstream);
	const unsigned char *nl = memrchr(buf, '\n', len);
	size_t head = nl ? (size_t)(nl - buf) + 1 : 0;
	int rc = 0;
	if (head > 0) {
		if (held_write_out(s) < 0 || out_write(s, fd, buf, head) < 0)
			rc = -1;
	}
	if (rc == 0 && !held_append(&s->held, fd, buf + head, len - head)) {
		/* An endless unfinished line: write it as it is; readline then
		 * redraws after it, which is the best a prompt can do. */
		if (held_write_out(s) < 0 || out_write(s, fd, buf + head, len - head) < 0)
			rc = -1;
	}
	held_make_prompt(&s->held);
	rl_set_prompt(s->held.prompt);
	rl_forced_update_display();
	return rc;
}

static void rl_on_line(char *line)
{
	struct session *s = rl_session;
	/* The prompt and the line stay on the screen as they are. */
	held_reset(&s->held);
	rl_set_prompt("");
	if (rl_interrupted) {
		/* Not an end of input, nor a line the user chose to send: the
		 * pending signal is handled next. */
		rl_interrupted = false;
		free(line);
		return;
	}
	if (!line) {
		rl_callback_handler_remove();
		s->rl_active = false;
		input_eof(s);
		return;
	}
	if (line[0])
		add_history(line);
	sendq_push(s, line, strlen(line));
	sendq_push(s, "\n", 1);
	free(line);
	sendq_flush(s);
}

/* readline prepares the terminal each time it starts a line. */
static void rl_prep_cb(int meta)
{
	rl_prep_terminal(meta);
	if (term_no_flow_control() < 0)
		diag_warn("stdin: cannot turn off flow control: %s", strerror(errno));
}

static void rl_start(struct session *s)
{
	rl_session = s;
	setlocale(LC_CTYPE, "");
	rl_readline_name = PROG;
	rl_instream = stdin;
	rl_outstream = stdout;
	/* Signals come through our signalfd; readline must not take them. */
	rl_catch_signals = 0;
	rl_catch_sigwinch = 0;
	rl_change_environment = 0;
	rl_getc_function = rl_feed_getc;
	rl_input_available_hook = rl_feed_available;
	rl_prep_term_function = rl_prep_cb;
	rl_initialize();
	/* Each pasted line should go out as a line, as typed ones do. */
	rl_variable_bind("enable-bracketed-paste", "off");
	held_reset(&s->held);
	term_will_change();
	rl_callback_handler_install("", rl_on_line);
	s->rl_active = true;
}

static void rl_stop(struct session *s)
{
	if (!s->rl_active)
		return;
	bool mid_line = rl_end > 0 || s->held.len > 0;
	rl_callback_handler_remove();
	s->rl_active = false;
	fflush(rl_outstream);
	if (mid_line)
		out_write(s, STDOUT_FILENO, "\n", 1);
	held_reset(&s->held);
}

static void rl_feed(struct session *s, const unsigned char *buf, size_t len)
{
	memcpy(rl_feed_buf, buf, len);
	rl_feed_len = len;
	rl_feed_pos = 0;
	while (s->rl_active && rl_feed_pos < rl_feed_len) {
		size_t before = rl_feed_pos;
		rl_callback_read_char();
		if (rl_feed_pos == before)
			break; /* readline took nothing: do not spin */
	}
	rl_feed_len = rl_feed_pos = 0;
}

/* ---- signals ---- */

static const int handled_signals[] = {SIGWINCH, SIGTERM, SIGHUP, SIGINT, SIGQUIT, SIGTSTP};

static int signals_setup(void)
{
	sigset_t set;
	sigemptyset(&set);
	for (size_t i = 0; i < ARRAY_SIZE(handled_signals); i++) {
		int sig = handled_signals[i];
		struct sigaction old;
		/* A signal ignored on entry (nohup, a background job of a shell
		 * without job control) stays ignored, as in any shell. */
		if (sig != SIGWINCH && sigaction(sig, NULL, &old) == 0 && old.sa_handler == SIG_IGN)
			continue;
		sigaddset(&set, sig);
	}
	if (sigprocmask(SIG_BLOCK, &set, NULL) < 0)
		return -1;
	return signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
}

static void sig_drain(struct session *s)
{
	struct signalfd_siginfo si;
	for (;;) {
		ssize_t n = read(s->sig_fd, &si, sizeof(si));
		if (n < 0 && errno == EINTR)
			continue;
		if (n != (ssize_t)sizeof(si))
			return;
		switch (si.ssi_signo) {
		case SIGWINCH:
			s->got_winch = true;
			break;
		case SIGTSTP:
			s->got_tstp = true;
			break;
		default:
			if (!s->term_signal)
				s->term_signal = (int)si.ssi_signo;
			break;
		}
	}
}

/* Ctrl-Z in readline mode, or a SIGTSTP from outside: give the terminal
 * back, stop for real, and take it again when continued. */
static void suspend_self(struct session *s)
{
	if (s->rl_active) {
		rl_cleanup_after_signal();
		/* Leave the line being edited on the screen, as shells do; it is
		 * drawn again below when we are continued. */
		fflush(rl_outstream);
		out_write(s, STDOUT_FILENO, "\n", 1);
	}
	term_restore();
	kill(getpid(), SIGSTOP);
	/* Continued. */
	if (s->mode == INPUT_RAW && term_raw() < 0)
		diag_warn("stdin: cannot set raw mode again: %s", strerror(errno));
	if (s->rl_active) {
		term_will_change();
		rl_reset_after_signal();
		term_no_flow_control();
		rl_forced_update_display();
	}
	/* The window may have changed while we were stopped. */
	resize_request(s);
	if (s->rl_active)
		rl_resize_terminal();
}

/* ---- the loop ---- */

static void handle_output(struct session *s)
{
	static unsigned char buf[RECV_BUF_SIZE];
	for (int i = 0; i < RECV_BATCH && s->end == END_NONE; i++) {
		struct iovec iov = {.iov_base = buf, .iov_len = sizeof(buf)};
		struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1};
		ssize_t n = recvmsg(s->sock_fd, &msg, MSG_CMSG_CLOEXEC);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN)
				return;
			if (errno == ECONNRESET) {
				s->end = END_EOF;
				return;
			}
			diag_err("attach: read: %s", strerror(errno));
			s->end = END_ERROR;
			return;
		}
		if (n == 0) {
			/* SEQPACKET reports EOF and an empty datagram alike; only a
			 * peer that has shut down is the end. Shims never send empty
			 * frames (every frame has its stream byte), so this only keeps
			 * a broken one from ending the session early. */
			struct pollfd pfd = {.fd = s->sock_fd, .events = POLLIN | POLLRDHUP};
			if (poll(&pfd, 1, 0) < 0 || (pfd.revents & (POLLRDHUP | POLLHUP | POLLERR))) {
				s->end = END_EOF;
				return;
			}
			continue;
		}
		if ((msg.msg_flags & MSG_TRUNC) && !s->warned_trunc) {
			diag_warn("attach: a frame larger than %d bytes was cut", RECV_BUF_SIZE);
			s->warned_trunc = true;
		}
		int fd;
		if (buf[0] == STREAM_STDOUT) {
			fd = STDOUT_FILENO;
		} else if (buf[0] == STREAM_STDERR) {
			if (s->stderr_dead)
				continue;
			fd = STDERR_FILENO;
		} else {
			if (!s->warned_stream)
				diag_warn("attach: ignoring frames for unknown stream %u", buf[0]);
			s->warned_stream = true;
			continue;
		}
		const unsigned char *payload = buf + 1;
		size_t len = (size_t)n - 1;
		if (len == 0)
			continue;
		if (fd == STDOUT_FILENO)
			term_track_output(payload, len);
		bool on_screen = fd == STDOUT_FILENO || s->err_tty;
		int rc = (s->rl_active && on_screen) ? rl_show_output(s, fd, payload, len)
						      : out_write(s, fd, payload, len);
		if (rc < 0) {
			if (errno == ECANCELED)
				return; /* a terminating signal: the loop handles it */
			if (fd == STDERR_FILENO) {
				s->stderr_dead = true;
				continue;
			}
			if (errno == EPIPE) {
				s->end = END_STDOUT_GONE;
			} else if (errno == EIO) {
				s->end = END_HANGUP;
			} else {
				diag_err("stdout: %s", strerror(errno));
				s->end = END_ERROR;
			}
			return;
		}
	}
}

static void handle_input(struct session *s)
{
	unsigned char in[STDIN_READ_SIZE];
	unsigned char out[STDIN_READ_SIZE + DETACH_FEED_EXTRA];
	ssize_t n = read(STDIN_FILENO, in, sizeof(in));
	if (n < 0) {
		if (errno == EINTR || errno == EAGAIN)
			return;
		if (errno == EIO && isatty(STDIN_FILENO)) {
			s->end = END_HANGUP;
			return;
		}
		diag_err("stdin: %s", strerror(errno));
		s->end = END_ERROR;
		return;
	}
	if (n == 0) {
		if (s->rl_active) {
			/* The terminal itself ended (readline reads no EOF key from it). */
			rl_stop(s);
		}
		input_eof(s);
		return;
	}
	size_t len = (size_t)n;
	bool detached = false;
	const unsigned char *pass = in;
	if (s->use_detach) {
		len = detach_matcher_feed(&s->matcher, in, len, out, &detached);
		pass = out;
	}
	if (s->mode == INPUT_READLINE && s->rl_active)
		rl_feed(s, pass, len);
	else
		sendq_push(s, pass, len);
	sendq_flush(s);
	if (detached)
		s->end = END_DETACH;
}

static void run_loop(struct session *s)
{
	while (s->end == END_NONE) {
		struct pollfd pfd[3];
		int nfds = 0;
		pfd[nfds++] = (struct pollfd){.fd = s->sig_fd, .events = POLLIN};
		int sock_i = nfds;
		pfd[nfds++] = (struct pollfd){
			.fd = s->sock_fd,
			.events = (short)(POLLIN | (s->sendq_len > 0 ? POLLOUT : 0)),
		};
		int in_i = -1;
		if (s->stdin_open && s->sendq_len < SENDQ_HIGH) {
			in_i = nfds;
			pfd[nfds++] = (struct pollfd){.fd = STDIN_FILENO, .events = POLLIN};
		}
		int rc = poll(pfd, (nfds_t)nfds, resize_timeout_ms(s));
		if (rc < 0) {
			if (errno == EINTR)
				continue;
			diag_err("poll: %s", strerror(errno));
			s->end = END_ERROR;
			return;
		}
		if (pfd[0].revents & POLLIN)
			sig_drain(s);
		if (s->term_signal) {
			s->end = END_SIGNAL;
			return;
		}
		if (s->got_tstp) {
			s->got_tstp = false;
			suspend_self(s);
			continue;
		}
		if (s->got_winch) {
			s->got_winch = false;
			resize_request(s);
			if (s->rl_active)
				rl_resize_terminal();
		}
		if (s->rs.pending && now_ns() >= s->rs.next_ns)
			resize_try(s);
		short sr = pfd[sock_i].revents;
		if (sr & (POLLIN | POLLHUP | POLLERR))
			handle_output(s);
		if (s->term_signal) {
			s->end = END_SIGNAL;
			return;
		}
		if (s->end != END_NONE)
			return;
		if ((sr & POLLOUT) && s->sendq_len > 0)
			sendq_flush(s);
		if (in_i >= 0 && (pfd[in_i].revents & (POLLIN | POLLHUP | POLLERR)))
			handle_input(s);
	}
}

/* ---- setup ---- */

/* Tells a manager that it may start the container now: without this it
 * could only poll /proc for our connection (podman connects, then starts). */
static void ready_signal(int fd)
{
	if (fd < 0)
		return;
	ssize_t n;
	do
		n = write(fd, "\n", 1);
	while (n < 0 && errno == EINTR);
	if (n != 1)
		diag_warn("--ready-fd %d: %s", fd, n < 0 ? strerror(errno) : "short write");
	close_fd(&fd);
}

static void usage_error(const char *fmt, const char *arg)
{
	char msg[512];
	snprintf(msg, sizeof(msg), fmt, arg);
	diag_err("%s (see --help)", msg);
	exit(EXIT_SETUP);
}

static void parse_options(int argc, char **argv, struct options *o)
{
	enum {
		OPT_DETACH = 256,
		OPT_NO_STDIN,
		OPT_NO_READLINE,
		OPT_CTL,
		OPT_EXIT_FILE,
		OPT_EXIT_DIR,
		OPT_CID,
		OPT_EXIT_TIMEOUT,
		OPT_READY_FD,
	};
	static const struct option longopts[] = {
		{"tty", no_argument, NULL, 't'},
		{"no-tty", no_argument, NULL, 'T'},
		{"detach-keys", required_argument, NULL, OPT_DETACH},
		{"no-stdin", no_argument, NULL, OPT_NO_STDIN},
		{"no-readline", no_argument, NULL, OPT_NO_READLINE},
		{"ctl", required_argument, NULL, OPT_CTL},
		{"exit-file", required_argument, NULL, OPT_EXIT_FILE},
		{"exit-dir", required_argument, NULL, OPT_EXIT_DIR},
		{"cid", required_argument, NULL, OPT_CID},
		{"exit-timeout", required_argument, NULL, OPT_EXIT_TIMEOUT},
		{"ready-fd", required_argument, NULL, OPT_READY_FD},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	*o = (struct options){
		.tty = TTY_AUTO,
		.detach_spec = "ctrl-p,ctrl-q",
		.exit_timeout_ms = DEFAULT_EXIT_TIMEOUT_MS,
		.ready_fd = -1,
	};
	int c;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+tTh", longopts, NULL)) != -1) {
		switch (c) {
		case 't':
			o->tty = TTY_YES;
			break;
		case 'T':
			o->tty = TTY_NO;
			break;
		case OPT_DETACH:
			o->detach_spec = optarg;
			break;
		case OPT_NO_STDIN:
			o->no_stdin = true;
			break;
		case OPT_NO_READLINE:
			o->no_readline = true;
			break;
		case OPT_CTL:
			o->ctl_path = optarg;
			break;
		case OPT_EXIT_FILE:
			o->exit_file = optarg;
			break;
		case OPT_EXIT_DIR:
			o->exit_dir = optarg;
			break;
		case OPT_CID:
			o->cid = optarg;
			break;
		case OPT_EXIT_TIMEOUT: {
			int secs;
			if (parse_int(optarg, 0, 3600, &secs) < 0)
				usage_error("--exit-timeout \"%s\": not a number of seconds (0..3600)", optarg);
			o->exit_timeout_ms = secs * 1000;
			break;
		}
		case OPT_READY_FD:
			if (parse_int(optarg, 3, INT_MAX, &o->ready_fd) < 0)
				usage_error("--ready-fd \"%s\": not a file descriptor number (3 or more)", optarg);
			if (fcntl(o->ready_fd, F_GETFD) < 0)
				usage_error("--ready-fd %s: not an open file descriptor", optarg);
			break;
		case 'h':
			fputs(usage_text, stdout);
			exit(0);
		case '?':
		default: {
			const char *bad = argv[optind - 1];
			if (optopt && optopt < 256) {
				char flag[3] = {'-', (char)optopt, '\0'};
				usage_error("unknown option or missing value: %s", flag);
			}
			usage_error("unknown option or missing value: %s", bad);
		}
		}
	}
	if (optind != argc - 1)
		usage_error("%s", optind >= argc ? "missing BUNDLE_DIR or SOCKET_PATH"
						 : "too many arguments");
	o->target = argv[optind];
}

int main(int argc, char **argv)
{
	struct options o;
	struct peer_info peer = {.terminal = -1};
	struct session s = {.sock_fd = -1, .sig_fd = -1, .pid_fd = -1, .rs = {.size_fd = -1}};

	diag_init(PROG);
	signal(SIGPIPE, SIG_IGN);
	/* Restoring the terminal from the background must not stop us. */
	signal(SIGTTOU, SIG_IGN);
	parse_options(argc, argv, &o);

	struct detach_keys keys;
	char err[256];
	if (detach_keys_parse(o.detach_spec, &keys, err, sizeof(err)) < 0) {
		diag_err("--detach-keys %s", err);
		return EXIT_SETUP;
	}

	/* A directory is a bundle; anything else is the socket itself, whose
	 * directory holds ctl and config.json (conmon puts them side by side). */
	struct stat st;
	if (stat(o.target, &st) < 0) {
		diag_err("%s: %s", o.target, strerror(errno));
		return EXIT_SETUP;
	}
	char *dir, *sock_path;
	if (S_ISDIR(st.st_mode)) {
		dir = xstrdup(o.target);
		sock_path = xasprintf("%s/attach", dir);
	} else {
		sock_path = xstrdup(o.target);
		const char *slash = strrchr(o.target, '/');
		dir = slash ? xasprintf("%.*s", (int)(slash == o.target ? 1 : slash - o.target), o.target)
			    : xstrdup(".");
	}

	s.sig_fd = signals_setup();
	if (s.sig_fd < 0) {
		diag_err("signalfd: %s", strerror(errno));
		free(dir);
		free(sock_path);
		return EXIT_SETUP;
	}

	clock_gettime(CLOCK_REALTIME, &s.exitw.t0);
	s.sock_fd = attach_connect(sock_path);
	if (s.sock_fd < 0) {
		if (errno == ECONNREFUSED)
			diag_err("%s: connection refused (is the container running?)", sock_path);
		else
			diag_err("%s: %s", sock_path, strerror(errno));
		free(dir);
		free(sock_path);
		return EXIT_SETUP;
	}

	peer_read(&peer, s.sock_fd);
	/* Only a pidfd tells reliably when the shim is gone (no pid reuse); it
	 * lets the wait for the exit file end early. Without one, we just wait. */
	if (peer.pid > 0)
		s.pid_fd = (int)syscall(SYS_pidfd_open, peer.pid, 0);

	if (o.tty != TTY_AUTO) {
		s.tty_container = o.tty == TTY_YES;
	} else {
		int t = config_terminal(dir);
		if (t < 0)
			t = peer.terminal;
		s.tty_container = t == 1;
	}

	s.exitw.path = find_exit_file(&o, &peer);
	exit_watch_note_stale(&s.exitw);

	bool in_tty = isatty(STDIN_FILENO) == 1;
	bool out_tty = isatty(STDOUT_FILENO) == 1;
	s.err_tty = isatty(STDERR_FILENO) == 1;
	if (o.no_stdin)
		s.mode = INPUT_NONE;
	else if (s.tty_container && in_tty)
		s.mode = INPUT_RAW;
	else if (!s.tty_container && in_tty && out_tty && !o.no_readline)
		s.mode = INPUT_READLINE;
	else
		s.mode = INPUT_COPY;
	s.stdin_open = s.mode != INPUT_NONE;
	/* Detach keys are for people at a keyboard; piped input goes through
	 * untouched, whatever bytes it holds. */
	s.use_detach = keys.len > 0 && (s.mode == INPUT_RAW || s.mode == INPUT_READLINE);
	detach_matcher_init(&s.matcher, &keys);

	if (term_init(STDIN_FILENO, STDOUT_FILENO) < 0) {
		diag_err("stdin: cannot read the terminal settings: %s", strerror(errno));
		return EXIT_SETUP;
	}

	/* The size goes out before any input, so the first command the user
	 * types already runs at the right size. */
	if (s.tty_container) {
		s.rs.ctl_path = o.ctl_path ? xstrdup(o.ctl_path) : xasprintf("%s/ctl", dir);
		s.rs.size_fd = in_tty ? STDIN_FILENO : (out_tty ? STDOUT_FILENO : -1);
		resize_request(&s);
	}

	if (s.mode == INPUT_RAW && term_raw() < 0) {
		diag_err("stdin: cannot set raw mode: %s", strerror(errno));
		return EXIT_SETUP;
	}
	if (s.mode == INPUT_READLINE)
		rl_start(&s);
	ready_signal(o.ready_fd);

	run_loop(&s);

	/* Every way out: readline first (it has its own terminal state), then
	 * our saved settings, then a message, then the exit status. */
	rl_stop(&s);
	int status = 0;
	switch (s.end) {
	case END_DETACH:
		sendq_flush(&s);
		if (shutdown(s.sock_fd, SHUT_WR) < 0 && errno != ENOTCONN)
			diag_warn("attach: shutdown: %s", strerror(errno));
		close_fd(&s.sock_fd);
		term_restore();
		if (s.mode == INPUT_RAW)
			out_write(&s, STDERR_FILENO, "\n", 1);
		notice("detached");
		status = 0;
		break;
	case END_EOF:
		close_fd(&s.sock_fd);
		term_restore();
		status = wait_exit_code(&s, o.exit_timeout_ms);
		break;
	case END_SIGNAL:
		close_fd(&s.sock_fd);
		term_restore();
		status = 128 + s.term_signal;
		break;
	case END_STDOUT_GONE:
		close_fd(&s.sock_fd);
		term_restore();
		status = EXIT_STDOUT_GONE;
		break;
	case END_HANGUP:
		close_fd(&s.sock_fd);
		term_restore();
		status = 128 + SIGHUP;
		break;
	case END_ERROR:
	case END_NONE:
	default:
		close_fd(&s.sock_fd);
		term_restore();
		status = EXIT_UNKNOWN;
		break;
	}
	close_fd(&s.pid_fd);
	close_fd(&s.sig_fd);
	peer_free(&peer);
	free(s.exitw.path);
	free(s.rs.ctl_path);
	free(s.sendq);
	free(dir);
	free(sock_path);
	return status;
}
