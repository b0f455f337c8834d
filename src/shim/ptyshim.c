/* ptyshim: the shim daemon. main() validates the command line, waits for the
 * manager's start byte, daemonizes, starts the runtime (or the command, in
 * runtime-less mode), reports the container's pid (or the runtime's error)
 * on the sync pipe, then runs one event loop until the container is gone,
 * and ends through one path: drain, sync logs, close clients, exit file,
 * exit command. The output order is fixed here: each chunk goes to the log
 * drivers, then to the attach clients (what that guarantees: shim/logset.h). */
#include <errno.h>
#include <fcntl.h>
#include <pty.h>
#include <stdarg.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <unistd.h>
#include <utmp.h>

#include "base/child.h"
#include "base/exitfile.h"
#include "base/pidfile.h"
#include "shim/acastlog.h"
#include "shim/attach.h"
#include "shim/cli.h"
#include "shim/console.h"
#include "shim/ctl.h"
#include "shim/ctrio.h"
#include "base/diag.h"
#include "shim/jrnlog.h"
#include "shim/k8slog.h"
#include "shim/logset.h"
#include "base/loop.h"
#include "shim/oom.h"
#include "shim/proc.h"
#include "shim/runtime.h"
#include "base/snapshot.h"
#include "shim/sync.h"
#include "shim/ttyscreen.h"
#include "base/util.h"

/* Once the container is gone, how long output and slow clients may take. */
#define DRAIN_DEADLINE_MS 2000
#define MAX_EARLY_REAPED 64

enum phase {
	PHASE_CREATE, /* runtime create/exec running */
	PHASE_RUN,    /* container running */
	PHASE_DRAIN,  /* container gone; draining output to logs and clients */
	PHASE_DONE,
};

struct early_reap {
	pid_t pid;
	int status;
};

struct shim {
	struct shim_config *cfg;
	struct loop *loop;
	enum phase phase;

	int sync_fd;
	int ready_fd; /* no sync pipe: the waiting launcher's readiness pipe */
	bool stderr_until_created;
	int start_fd;
	int attach_pipe_fd;
	int *inherited;
	size_t n_inherited;
	int devnull_fd;

	struct watch signal_w;
	struct watch timer_w; /* runtime deadline, then --timeout, then the drain deadline */

	char *console_path;
	struct watch console_listen_w;
	struct watch console_conn_w;
	const char *console_error;
	bool have_master;

	struct ctr_stdio *io;
	struct logset logs;
	struct attach_server *attach;
	struct ttyscreen *screen; /* terminal containers: the screen model */
	char *screen_socket;      /* where its socket goes, beside the attach socket */
	struct ctl_fifos *ctl;
	struct oom_watch *oom;

	pid_t runtime_pid;
	bool runtime_exited;
	int runtime_status;
	bool runtime_timed_out;
	int exec_error_fd; /* runtime-less mode: exec failure report */

	pid_t ctr_pid;
	bool ctr_exited;
	int ctr_status;
	bool timed_out;
	struct early_reap early[MAX_EARLY_REAPED];
	size_t n_early;
	bool exit_command_due;
};

/* ---- output path ---------------------------------------------------- */

static void shim_output(void *ctx, const struct output_chunk *chunk)
{
	struct shim *s = ctx;
	logset_write(&s->logs, chunk);
	if (s->screen)
		ttyscreen_output(s->screen, chunk);
	if (s->attach)
		attach_broadcast(s->attach, chunk);
}

static void shim_output_done(void *ctx)
{
	struct shim *s = ctx;
	logset_flush(&s->logs);
}

static void shim_input_room(void *ctx)
{
	struct shim *s = ctx;
	if (s->attach)
		attach_resume_input(s->attach);
}

static size_t shim_attach_input(void *ctx, const void *data, size_t len)
{
	struct shim *s = ctx;
	return ctrio_push_input(s->io, data, len);
}

static bool shim_attach_input_room(void *ctx)
{
	struct shim *s = ctx;
	return ctrio_input_has_room(s->io);
}

static void shim_attach_eof(void *ctx)
{
	struct shim *s = ctx;
	if (s->cfg->stdin_pipe && !s->cfg->leave_stdin_open)
		ctrio_close_input(s->io);
}

static void shim_attached(void *ctx)
{
	struct shim *s = ctx;
	/* Without a screen model a re-attached shell or editor shows nothing
	 * until it redraws; with one, the client got the screen already. */
	if (s->phase == PHASE_RUN && s->screen == NULL)
		ctrio_nudge_redraw(s->io);
}

static char *shim_repaint(void *ctx, size_t *len)
{
	struct shim *s = ctx;
	return s->screen ? ttyscreen_repaint(s->screen, len) : NULL;
}

static size_t shim_lag_max(void *ctx)
{
	struct shim *s = ctx;
	return s->screen ? ttyscreen_lag_max(s->screen) : 0;
}

static void shim_resize(void *ctx, unsigned rows, unsigned cols)
{
	struct shim *s = ctx;
	ctrio_resize(s->io, rows, cols);
	struct timespec now;
	clock_gettime(CLOCK_REALTIME, &now);
	logset_resize(&s->logs, rows, cols, &now);
	if (s->screen)
		ttyscreen_resize(s->screen, rows, cols);
}

static void shim_reopen_log(void *ctx)
{
	struct shim *s = ctx;
	logset_reopen(&s->logs);
}

/* ---- failures --------------------------------------------------------- */

/* Before the container is reported: tell the manager, clean up, exit 1. */
static void shim_fail(struct shim *s, const char *message, size_t len) __attribute__((noreturn));
static void shim_fail(struct shim *s, const char *message, size_t len)
{
	diag_err("%.*s", (int)(len > 512 ? 512 : len), message);
	sync_send(&s->sync_fd, s->cfg->api_version ? "data" : "pid", -1, message, len);
	proc_report_ready(&s->ready_fd, message, len);
	/* Nothing must be left running behind a failed start: a runtime that
	 * created the container but failed us otherwise left its init waiting. */
	if (s->ctr_pid <= 0 && s->runtime_exited && !s->cfg->no_runtime)
		s->ctr_pid = pidfile_read(s->cfg->container_pidfile);
	if (s->ctr_pid > 0 && !s->ctr_exited)
		kill(s->ctr_pid, SIGKILL);
	if (s->runtime_pid > 0 && !s->runtime_exited)
		kill(s->runtime_pid, SIGKILL);
	if (s->console_path)
		unlink(s->console_path);
	if (s->attach)
		attach_free(s->attach);
	s->attach = NULL;
	ttyscreen_free(s->screen);
	s->screen = NULL;
	if (s->exit_command_due && s->cfg->exit_command)
		proc_run_exit_command(s->cfg->exit_command, s->cfg->exit_command_args.items,
				      s->cfg->exit_command_args.len, s->cfg->exit_delay);
	exit(1);
}

static void shim_failf(struct shim *s, const char *fmt, ...) __attribute__((noreturn, format(printf, 2, 3)));
static void shim_failf(struct shim *s, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	shim_fail(s, msg, n < 0 ? 0 : (size_t)n >= sizeof(msg) ? sizeof(msg) - 1 : (size_t)n);
}

/* ---- timers ----------------------------------------------------------- */

static void shim_arm_timer(struct shim *s, int64_t ms)
{
	struct itimerspec its = {.it_value = {.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000}};
	if (ms == 0)
		its.it_value.tv_nsec = 1;
	if (timerfd_settime(s->timer_w.fd, 0, &its, NULL) < 0)
		diag_err("timer: %s", strerror(errno));
}

static void shim_disarm_timer(struct shim *s)
{
	struct itimerspec its = {0};
	timerfd_settime(s->timer_w.fd, 0, &its, NULL);
}

/* A deadline passed: SIGKILL pid once (the flag remembers it). True when
 * it was killed now, for the caller to say why. */
static bool shim_deadline_kill(bool *done, pid_t pid)
{
	if (*done || pid <= 0)
		return false;
	*done = true;
	kill(pid, SIGKILL);
	return true;
}

static void shim_timer_cb(struct watch *w, uint32_t events)
{
	(void)events;
	struct shim *s = w->ctx;
	uint64_t ticks;
	if (read(w->fd, &ticks, sizeof(ticks)) < 0)
		return;
	switch (s->phase) {
	case PHASE_CREATE:
		if (shim_deadline_kill(&s->runtime_timed_out, s->runtime_pid))
			diag_err("runtime did not finish within %d s; killing it", s->cfg->runtime_timeout);
		break;
	case PHASE_RUN:
		if (shim_deadline_kill(&s->timed_out, s->ctr_pid))
			diag_warn("container timed out after %d s; killing it", s->cfg->timeout);
		break;
	case PHASE_DRAIN:
		diag_warn("giving up on output still open %d ms after the container exited", DRAIN_DEADLINE_MS);
		s->phase = PHASE_DONE;
		break;
	case PHASE_DONE:
		break;
	}
}

/* ---- process events ------------------------------------------------------ */

static void shim_container_exited(struct shim *s, int status)
{
	s->ctr_exited = true;
	s->ctr_status = status;
	/* A container's processes all die with it; a plain command's
	 * background children are told to go the same way (its process group
	 * is its session, set up by the shim). */
	if (s->cfg->no_runtime)
		kill(-s->ctr_pid, SIGHUP);
	if (s->phase == PHASE_RUN) {
		s->phase = PHASE_DRAIN;
		ctrio_start_output(s->io);
		ctrio_drain(s->io);
		shim_arm_timer(s, DRAIN_DEADLINE_MS);
	}
}

static void shim_reap(struct shim *s)
{
	for (;;) {
		int status;
		pid_t pid = waitpid(-1, &status, WNOHANG);
		if (pid < 0 && errno == EINTR)
			continue;
		if (pid <= 0)
			return;
		if (pid == s->runtime_pid) {
			s->runtime_exited = true;
			s->runtime_status = status;
			/* Runtime-less mode: the "runtime" is the container. */
			if (s->cfg->no_runtime)
				shim_container_exited(s, status);
		} else if (pid == s->ctr_pid && !s->cfg->no_runtime) {
			shim_container_exited(s, status);
		} else if (s->ctr_pid <= 0 && s->n_early < MAX_EARLY_REAPED) {
			/* Maybe the container (an exec'd process can end before the
			 * runtime returns); looked up once its pid is known. */
			s->early[s->n_early++] = (struct early_reap){pid, status};
		}
	}
}

static void shim_signal_cb(struct watch *w, uint32_t events)
{
	(void)events;
	struct shim *s = w->ctx;
	struct signalfd_siginfo si;
	for (;;) {
		ssize_t n = read(w->fd, &si, sizeof(si));
		if (n < 0 && errno == EINTR)
			continue;
		if (n != (ssize_t)sizeof(si))
			break;
		switch (si.ssi_signo) {
		case SIGCHLD:
			break; /* reaped below, all at once */
		case SIGTERM:
		case SIGINT:
		case SIGQUIT: {
			pid_t target = s->ctr_pid > 0 && !s->ctr_exited ? s->ctr_pid
				       : (s->runtime_pid > 0 && !s->runtime_exited ? s->runtime_pid : 0);
			if (target > 0) {
				diag_info("forwarding signal %u to %d", si.ssi_signo, target);
				kill(target, (int)si.ssi_signo);
			}
			break;
		}
		default:
			break; /* SIGHUP: a detached session must not die with its old terminal */
		}
	}
	shim_reap(s);
}

/* ---- console socket (terminal mode) ------------------------------------------ */

/* The screen model of a terminal container; without it (refused, or its
 * socket cannot be made) the shim works as before, with one warning. */
static void shim_start_screen(struct shim *s, unsigned rows, unsigned cols)
{
	if (s->screen_socket == NULL || s->screen != NULL)
		return;
	char *err = NULL;
	s->screen = ttyscreen_new(s->loop, rows, cols, s->screen_socket, &err);
	if (s->screen == NULL) {
		diag_warn("%s", err);
		free(err);
	}
}

static void shim_take_master(struct shim *s, int master_fd)
{
	if (console_setup_master(master_fd) < 0)
		diag_warn("console: set ONLCR: %s", strerror(errno));
	if (ctrio_set_pty(s->io, master_fd) < 0) {
		diag_err("console: %s", strerror(errno));
		close(master_fd);
		s->console_error = "cannot use the terminal received from the runtime";
		return;
	}
	s->have_master = true;
	/* Recordings (asciicast) and the screen start with the terminal's real size. */
	unsigned rows = 0, cols = 0;
	if (ctrio_get_size(s->io, &rows, &cols))
		logset_resize(&s->logs, rows, cols, NULL);
	shim_start_screen(s, rows, cols);
}

static void shim_console_close(struct shim *s)
{
	loop_del(s->loop, &s->console_conn_w);
	close_fd(&s->console_conn_w.fd);
	loop_del(s->loop, &s->console_listen_w);
	close_fd(&s->console_listen_w.fd);
	if (s->console_path) {
		unlink(s->console_path);
		free(s->console_path);
		s->console_path = NULL;
	}
}

static void shim_console_conn_cb(struct watch *w, uint32_t events)
{
	(void)events;
	struct shim *s = w->ctx;
	const char *err;
	int fd = console_recv_master(w->fd, &err);
	if (fd < 0 && errno == EAGAIN)
		return;
	if (fd < 0) {
		s->console_error = err;
		diag_err("console: %s", err);
	} else {
		shim_take_master(s, fd);
	}
	shim_console_close(s);
}

static void shim_console_listen_cb(struct watch *w, uint32_t events)
{
	(void)events;
	struct shim *s = w->ctx;
	int fd = accept4(w->fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
	if (fd < 0)
		return;
	/* One connection only: the runtime's. */
	loop_del(s->loop, &s->console_listen_w);
	close_fd(&s->console_listen_w.fd);
	watch_init(&s->console_conn_w, fd, shim_console_conn_cb, s);
	if (loop_add(s->loop, &s->console_conn_w, EPOLLIN) < 0) {
		close(fd);
		s->console_conn_w.fd = -1;
		s->console_error = "console socket: epoll failed";
		return;
	}
	shim_console_conn_cb(&s->console_conn_w, EPOLLIN);
}

/* The runtime exits right after sending the terminal; its SIGCHLD may be
 * seen before the socket event, so finish the hand-over synchronously. */
static void shim_console_settle(struct shim *s)
{
	if (s->have_master || s->console_error)
		return;
	if (s->console_listen_w.fd >= 0)
		shim_console_listen_cb(&s->console_listen_w, EPOLLIN);
	if (!s->have_master && s->console_conn_w.fd >= 0)
		shim_console_conn_cb(&s->console_conn_w, EPOLLIN);
}

/* ---- start-up ------------------------------------------------------------- */

/* With a sync pipe the manager learns the outcome there and the parent
 * leaves at once, as conmon's; without one the parent waits for the
 * daemon's word (proc_daemonize), so that a person at a shell sees a
 * failure. --sync does not fork: the shim is the launcher's own child. */
static void shim_daemonize(struct shim *s)
{
	s->ready_fd = proc_daemonize(!s->cfg->sync, s->sync_fd < 0, s->cfg->conmon_pidfile);
	if (s->ready_fd == -2)
		exit(1);
	if (s->sync_fd >= 0)
		set_cloexec(s->sync_fd, true);
	if (s->attach_pipe_fd >= 0)
		set_cloexec(s->attach_pipe_fd, true);
	if (setsid() < 0 && !s->cfg->sync)
		diag_warn("setsid: %s", strerror(errno));
	if (prctl(PR_SET_CHILD_SUBREAPER, 1) < 0)
		diag_warn("PR_SET_CHILD_SUBREAPER: %s", strerror(errno));
}

static bool shim_passthrough(const struct shim *s)
{
	for (size_t i = 0; i < s->cfg->n_logs; i++)
		if (s->cfg->logs[i].kind == LOGDRV_PASSTHROUGH)
			return true;
	return false;
}

/* fds first..last become /dev/null. --sync without a sync pipe keeps
 * stderr until the start is reported: the launcher waits for the shim
 * itself and reads a failure there. */
static void shim_detach_stdio(struct shim *s, int first, int last)
{
	if (s->stderr_until_created && last == 2)
		last = 1;
	for (int fd = first; fd <= last; fd++)
		if (dup2(s->devnull_fd, fd) < 0)
			diag_warn("dup2 /dev/null: %s", strerror(errno));
	if (last == 2)
		diag_set_stderr(false);
}

static void shim_open_logs(struct shim *s)
{
	const struct shim_config *cfg = s->cfg;
	logset_init(&s->logs);
	for (size_t i = 0; i < cfg->n_logs; i++) {
		char *err = NULL;
		struct logdrv *drv = NULL;
		switch (cfg->logs[i].kind) {
		case LOGDRV_K8S_FILE: {
			struct k8slog_opts o = {
				.path = cfg->logs[i].path,
				.size_max = cfg->log_size_max,
				.rotate = cfg->log_rotate,
				.max_files = cfg->log_max_files,
				.global_size_max = cfg->log_global_size_max,
				.no_sync = cfg->no_sync_log,
			};
			drv = k8slog_open(&o, &err);
			break;
		}
		case LOGDRV_ASCIICAST: {
			const char *cmd = cfg->no_runtime && cfg->command ? cfg->command[0] : cfg->name;
			drv = acastlog_open(cfg->logs[i].path, cfg->initial_rows, cfg->initial_cols, cmd, &err);
			break;
		}
		case LOGDRV_JOURNALD: {
			struct jrnlog_opts o = {.cid = cfg->cid, .name = cfg->name, .tag = cfg->log_tag};
			drv = jrnlog_open(&o, &err);
			break;
		}
		default:
			continue;
		}
		if (drv == NULL) {
			diag_err("--log-path: %s", err ? err : "cannot open");
			free(err);
			exit(1);
		}
		logset_add(&s->logs, drv);
	}
}

static char *shim_attach_path(struct shim *s)
{
	const struct shim_config *cfg = s->cfg;
	if (cfg->full_attach)
		return xasprintf("%s/attach", cfg->bundle);
	/* conmon: <socket-dir>/<cuuid> is a symlink to the bundle, which keeps
	 * the socket's address short. */
	mkdir(cfg->socket_dir_path, 0700);
	struct stat st;
	if (cfg->socket_dir_private &&
	    (lstat(cfg->socket_dir_path, &st) < 0 || !S_ISDIR(st.st_mode) || st.st_uid != geteuid() ||
	     (st.st_mode & 077) != 0))
		shim_failf(s, "socket dir %s is not a directory of this user (uid %u) that only it can enter; "
			      "give --socket-dir-path", cfg->socket_dir_path, (unsigned)geteuid());
	char *link = xasprintf("%s/%s", cfg->socket_dir_path, cfg->cuuid);
	if (strlen(link) == 107)
		link[106] = '\0'; /* conmon's quirk: a 107-byte path is cut by one */
	unlink(link);
	if (symlink(cfg->bundle, link) < 0)
		shim_failf(s, "attach socket: symlink %s: %s", link, strerror(errno));
	char *path = xasprintf("%s/attach", link);
	free(link);
	return path;
}

static void shim_setup_io(struct shim *s)
{
	const struct shim_config *cfg = s->cfg;
	struct ctrio_callbacks cb = {
		.output = shim_output,
		.output_done = shim_output_done,
		.input_room = shim_input_room,
		.ctx = s,
	};
	s->io = ctrio_new(s->loop, &cb);
	if (cfg->initial_rows > 0)
		ctrio_resize(s->io, cfg->initial_rows, cfg->initial_cols);
	if (shim_passthrough(s))
		return;

	char *err = NULL;
	char *attach_path = shim_attach_path(s);
	struct attach_callbacks acb = {
		.input = shim_attach_input,
		.input_room = shim_attach_input_room,
		.input_eof = shim_attach_eof,
		.attached = shim_attached,
		.repaint = shim_repaint,
		.lag_max = shim_lag_max,
		.ctx = s,
	};
	if (cfg->terminal && !cfg->no_screen) {
		char *slash = strrchr(attach_path, '/');
		s->screen_socket = xasprintf("%.*s/%s", (int)(slash - attach_path), attach_path,
					     SNAPSHOT_SOCKET_NAME);
	}
	diag_debug("attach socket %s", attach_path);
	s->attach = attach_listen(s->loop, attach_path, cfg->attach_queue_max, &acb, &err);
	free(attach_path);
	if (s->attach == NULL)
		shim_failf(s, "%s", err);
	struct ctl_callbacks ccb = {.resize = shim_resize, .reopen_log = shim_reopen_log, .ctx = s};
	s->ctl = ctl_open(s->loop, cfg->bundle, &ccb, &err);
	if (s->ctl == NULL)
		shim_failf(s, "%s", err);
}

/* ---- children ------------------------------------------------------------- */

/* Best effort: EACCES when unprivileged is fine. */
static void shim_set_oom_score_adj(const char *value)
{
	int fd = open("/proc/self/oom_score_adj", O_WRONLY | O_CLOEXEC);
	if (fd >= 0) {
		write_all(fd, value, strlen(value));
		close(fd);
	}
}

static void shim_pipe(struct shim *s, int p[2])
{
	if (pipe2(p, O_CLOEXEC) < 0)
		shim_failf(s, "pipe: %s", strerror(errno));
}

struct child_stdio {
	int in, out, err; /* fds to become 0, 1, 2 in the child */
};

static void shim_child_stdio(const struct child_stdio *c)
{
	/* dup2 onto 0-2 clears close-on-exec on the copies. */
	if (dup2(c->in, 0) < 0 || dup2(c->out, 1) < 0 || dup2(c->err, 2) < 0)
		_exit(127);
}

/* conmon's one trace message: the command line it is about to run. */
static void shim_trace_argv(const char *what, char *const *argv)
{
	char line[1024];
	size_t used = 0;
	line[0] = '\0';
	for (size_t i = 0; argv[i] != NULL && used < sizeof(line) - 1; i++) {
		int n = snprintf(line + used, sizeof(line) - used, "%s%s", i ? " " : "", argv[i]);
		if (n < 0)
			break;
		used += (size_t)n;
	}
	diag_trace("calling %s args: %s", what, line);
}

static void shim_spawn_runtime(struct shim *s, const struct child_stdio *cs)
{
	char **argv = runtime_argv(s->cfg, s->console_path);
	shim_trace_argv("runtime", argv);
	pid_t pid = fork();
	if (pid < 0)
		shim_failf(s, "fork runtime: %s", strerror(errno));
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		child_reset_signals();
		shim_child_stdio(cs);
		if (s->cfg->exec_attach && s->start_fd >= 0) {
			/* The manager connects to the attach socket, then says go. */
			sync_wait_start(s->start_fd);
			close(s->start_fd);
		}
		shim_set_oom_score_adj("0");
		execv(argv[0], argv);
		dprintf(2, "exec %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	free(argv);
	s->runtime_pid = pid;
	s->exit_command_due = true;
}

/* Runtime-less mode: the command itself, in a session of its own with the
 * PTY slave as controlling terminal. Exec failure comes back over a
 * close-on-exec pipe, so a missing command is a start error, not exit 127. */
static void shim_spawn_command(struct shim *s, const struct child_stdio *cs, int pty_slave)
{
	int report[2];
	shim_pipe(s, report);
	shim_trace_argv("command", s->cfg->command);
	pid_t pid = fork();
	if (pid < 0)
		shim_failf(s, "fork: %s", strerror(errno));
	if (pid == 0) {
		close(report[0]);
		child_reset_signals();
		if (pty_slave >= 0) {
			if (login_tty(pty_slave) < 0)
				_exit(127);
		} else {
			setsid();
			shim_child_stdio(cs);
		}
		/* The manager's pipes are the shim's business, not the command's. */
		unsetenv("_OCI_SYNCPIPE");
		unsetenv("_OCI_STARTPIPE");
		unsetenv("_OCI_ATTACHPIPE");
		execvp(s->cfg->command[0], s->cfg->command);
		int err = errno;
		write_all(report[1], &err, sizeof(err));
		_exit(127);
	}
	close(report[1]);
	s->runtime_pid = pid;
	s->ctr_pid = pid;
	s->exec_error_fd = report[0];
	s->exit_command_due = true;
}

/* Runtime-less terminal mode: the shim makes the PTY itself. Returns the
 * slave, for the command. */
static int shim_open_own_pty(struct shim *s)
{
	const struct shim_config *cfg = s->cfg;
	int master, slave;
	struct winsize ws = {.ws_row = 24, .ws_col = 80};
	if (cfg->initial_rows > 0)
		ws = (struct winsize){.ws_row = (unsigned short)cfg->initial_rows,
				      .ws_col = (unsigned short)cfg->initial_cols};
	if (openpty(&master, &slave, NULL, NULL, &ws) < 0)
		shim_failf(s, "openpty: %s", strerror(errno));
	set_cloexec(master, true);
	set_cloexec(slave, true);
	shim_take_master(s, master);
	return slave;
}

/* The pipes between the shim and the child, and in terminal mode with a
 * runtime the console socket the runtime sends the PTY to. The child's
 * ends go into cs and child_ends (closed by the caller after the fork). */
static void shim_make_pipes(struct shim *s, struct child_stdio *cs, int child_ends[3])
{
	const struct shim_config *cfg = s->cfg;
	int p[2];
	int out_r = -1, err_r = -1, in_w = -1;
	if (!cfg->terminal) {
		shim_pipe(s, p);
		out_r = p[0];
		cs->out = child_ends[1] = p[1];
		/* A deeper pipe lets a fast writer run longer between our reads:
		 * fewer wake-ups on both sides. Best effort (capped by the system). */
		fcntl(out_r, F_SETPIPE_SZ, 1 << 20);
	}
	/* Even in terminal mode: the runtime's own errors come this way. */
	shim_pipe(s, p);
	err_r = p[0];
	cs->err = child_ends[2] = p[1];
	if (cfg->stdin_pipe && !cfg->terminal) {
		shim_pipe(s, p);
		cs->in = child_ends[0] = p[0];
		in_w = p[1];
	}
	if (cfg->terminal)
		ctrio_set_stderr(s->io, err_r);
	else
		ctrio_set_pipes(s->io, out_r, err_r, in_w);
	if (cfg->terminal && !cfg->no_runtime) {
		int fd = console_listen(&s->console_path);
		if (fd < 0)
			shim_failf(s, "console socket: %s", strerror(errno));
		watch_init(&s->console_listen_w, fd, shim_console_listen_cb, s);
		loop_add(s->loop, &s->console_listen_w, EPOLLIN);
	}
}

static void shim_start(struct shim *s)
{
	const struct shim_config *cfg = s->cfg;
	bool passthrough = shim_passthrough(s);
	struct child_stdio cs = {s->devnull_fd, s->devnull_fd, s->devnull_fd};
	int child_ends[3] = {-1, -1, -1};
	int pty_slave = -1;

	if (passthrough)
		cs = (struct child_stdio){0, 1, 2};
	else if (cfg->terminal && cfg->no_runtime)
		pty_slave = shim_open_own_pty(s);
	else
		shim_make_pipes(s, &cs, child_ends);

	if (cfg->exec_attach && s->attach_pipe_fd >= 0) {
		/* The socket and fifos exist: the manager may connect now. */
		sync_send(&s->attach_pipe_fd, "data", 0, NULL, 0);
	}

	if (cfg->no_runtime)
		shim_spawn_command(s, &cs, pty_slave);
	else
		shim_spawn_runtime(s, &cs);
	close_fd(&pty_slave);
	for (int i = 0; i < 3; i++)
		close_fd(&child_ends[i]);
	if (passthrough)
		shim_detach_stdio(s, 0, 2);
}

/* ---- create phase ---------------------------------------------------------- */

static void shim_runtime_failed(struct shim *s)
{
	char text[8192];
	size_t len = ctrio_read_stderr_now(s->io, text, sizeof(text) - 1);
	int st = s->runtime_status;
	if (s->runtime_timed_out)
		len = (size_t)snprintf(text, sizeof(text), "runtime %s did not finish within %d s",
				       s->cfg->runtime, s->cfg->runtime_timeout);
	else if (len == 0 && WIFSIGNALED(st))
		len = (size_t)snprintf(text, sizeof(text), "runtime %s killed by signal %d", s->cfg->runtime,
				       WTERMSIG(st));
	else if (len == 0)
		len = (size_t)snprintf(text, sizeof(text), "runtime %s failed with exit status %d",
				       s->cfg->runtime, WIFEXITED(st) ? WEXITSTATUS(st) : -1);
	shim_fail(s, text, len);
}

static void shim_created(struct shim *s)
{
	const struct shim_config *cfg = s->cfg;
	shim_disarm_timer(s);
	if (cfg->no_runtime) {
		int err = 0;
		ssize_t n = read_all(s->exec_error_fd, &err, sizeof(err));
		close_fd(&s->exec_error_fd);
		if (n == (ssize_t)sizeof(err))
			shim_failf(s, "exec %s: %s", cfg->command[0], strerror(err));
		if (cfg->container_pidfile_given && write_decimal_file(cfg->container_pidfile, s->ctr_pid) < 0)
			diag_warn("container pid file %s: %s", cfg->container_pidfile, strerror(errno));
	} else {
		if (!WIFEXITED(s->runtime_status) || WEXITSTATUS(s->runtime_status) != 0 || s->runtime_timed_out)
			shim_runtime_failed(s);
		if (cfg->terminal) {
			shim_console_settle(s);
			if (!s->have_master)
				shim_failf(s, "runtime did not set up terminal%s%s", s->console_error ? ": " : "",
					   s->console_error ? s->console_error : "");
		}
		int pid = pidfile_read(cfg->container_pidfile);
		if (pid < 0)
			shim_failf(s, "container pid file %s: %s", cfg->container_pidfile, strerror(errno));
		s->ctr_pid = pid;
	}
	shim_console_close(s);

	if (sync_send(&s->sync_fd, cfg->api_version ? "data" : "pid", s->ctr_pid, NULL, 0) < 0 && s->sync_fd >= 0)
		diag_warn("sync pipe: %s", strerror(errno));
	proc_report_ready(&s->ready_fd, NULL, 0);
	if (s->stderr_until_created) {
		s->stderr_until_created = false;
		shim_detach_stdio(s, 2, 2);
	}
	if (!cfg->exec)
		close_fd(&s->sync_fd); /* only exec sessions report again, at exit */

	s->oom = oom_watch_start(s->loop, s->ctr_pid, cfg->persist_dir, cfg->bundle);
	s->phase = PHASE_RUN;
	ctrio_start_output(s->io);
	if (cfg->timeout > 0)
		shim_arm_timer(s, (int64_t)cfg->timeout * 1000);
	for (size_t i = 0; i < s->n_early; i++)
		if (s->early[i].pid == s->ctr_pid)
			shim_container_exited(s, s->early[i].status);
}

/* ---- the end ------------------------------------------------------------- */

static void shim_write_exit_files(const struct shim_config *cfg, int code)
{
	const char *dirs[][2] = {{cfg->persist_dir, NULL}, {cfg->exit_dir, cfg->cid}};
	for (size_t i = 0; i < ARRAY_SIZE(dirs); i++) {
		if (dirs[i][0] == NULL)
			continue;
		char *p = exitfile_path(dirs[i][0], dirs[i][1]);
		if (exitfile_write(p, code) < 0)
			diag_err("exit file %s: %s", p, strerror(errno));
		free(p);
	}
}

static void shim_release(struct shim *s)
{
	free(s->screen_socket);
	logset_destroy(&s->logs);
	ctl_free(s->ctl);
	oom_watch_free(s->oom);
	ctrio_free(s->io);
	loop_free(s->loop);
	free(s->inherited);
	cli_free(s->cfg);
}

static void shim_finish(struct shim *s)
{
	const struct shim_config *cfg = s->cfg;
	int code = s->timed_out ? EXITFILE_TIMED_OUT : child_exit_code(s->ctr_status);

	ctrio_drain(s->io);
	if (s->oom)
		oom_watch_final_check(s->oom);
	logset_sync(&s->logs);
	if ((s->timed_out || s->cfg->no_runtime) && s->ctr_pid > 0)
		kill(-s->ctr_pid, SIGKILL);

	/* Ports reserved by the manager must be free before it learns the
	 * container exited (podman restart rebinds them right away). */
	for (size_t i = 0; i < s->n_inherited; i++)
		close_fd(&s->inherited[i]);
	if (s->attach)
		attach_close_all(s->attach);

	shim_write_exit_files(cfg, code);
	if (cfg->exec && s->sync_fd >= 0) {
		/* The manager has usually gone by now (EPIPE): not an error. */
		const char *msg = s->timed_out ? "command timed out" : NULL;
		sync_send(&s->sync_fd, "data", code, msg, msg ? strlen(msg) : 0);
	}
	close_fd(&s->sync_fd);
	if (s->attach)
		attach_free(s->attach);
	s->attach = NULL;
	ttyscreen_free(s->screen);
	s->screen = NULL;

	int status = code < 0 ? 1 : code;
	if (cfg->exit_command) {
		int rc = proc_run_exit_command(cfg->exit_command, cfg->exit_command_args.items,
					       cfg->exit_command_args.len, cfg->exit_delay);
		if (rc != 0)
			status = rc;
	}
	shim_release(s);
	exit(status & 0xff);
}

/* ---- main ------------------------------------------------------------------ */

static void shim_run(struct shim *s)
{
	while (s->phase != PHASE_DONE) {
		if (s->phase == PHASE_CREATE && s->runtime_exited)
			shim_created(s);
		if (s->phase == PHASE_DRAIN && !ctrio_output_open(s->io) && !(s->attach && attach_has_pending(s->attach)))
			s->phase = PHASE_DONE;
		if (s->phase == PHASE_DONE)
			break;
		if (loop_run_once(s->loop, -1) < 0) {
			diag_err("epoll_wait: %s", strerror(errno));
			break;
		}
	}
	shim_finish(s);
}

/* /dev/null for the children, and the fds the manager left open for the
 * container. 0, or -1 (reported) when /dev/null cannot be had. */
static int shim_take_fds(struct shim *s)
{
	s->devnull_fd = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (s->devnull_fd < 0) {
		diag_err("/dev/null: %s", strerror(errno));
		return -1;
	}
	int keep[] = {s->sync_fd, s->start_fd, s->attach_pipe_fd, s->devnull_fd};
	s->inherited = proc_list_fds(keep, ARRAY_SIZE(keep), &s->n_inherited);
	/* The runtime needs the inherited fds (--preserve-fds); a command run
	 * without a runtime gets none of them. */
	if (s->cfg->no_runtime)
		for (size_t i = 0; i < s->n_inherited; i++)
			set_cloexec(s->inherited[i], true);
	return 0;
}

/* The loop with its two fixed watches: signals (through a signalfd, so
 * they are events like any other) and the one timer. */
static void shim_setup_loop(struct shim *s)
{
	sigset_t handled;
	proc_handled_signals(&handled);
	sigprocmask(SIG_BLOCK, &handled, NULL);
	int sfd = signalfd(-1, &handled, SFD_NONBLOCK | SFD_CLOEXEC);
	int tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	s->loop = loop_new();
	if (sfd < 0 || tfd < 0 || s->loop == NULL)
		shim_failf(s, "event loop setup: %s", strerror(errno));
	watch_init(&s->signal_w, sfd, shim_signal_cb, s);
	watch_init(&s->timer_w, tfd, shim_timer_cb, s);
	loop_add(s->loop, &s->signal_w, EPOLLIN);
	loop_add(s->loop, &s->timer_w, EPOLLIN);
}

int main(int argc, char **argv)
{
	diag_init("ptyshim");
	signal(SIGPIPE, SIG_IGN);

	struct shim_config cfg;
	switch (cli_parse(argc, argv, &cfg)) {
	case CLI_EXIT_OK:
		return 0;
	case CLI_EXIT_FAIL:
		return 1;
	case CLI_OK:
		break;
	}
	diag_set_level((enum diag_level)cfg.log_level);
	diag_set_subject(cfg.cid, cfg.log_tag);
	diag_use_syslog(cfg.syslog);

	struct shim s = {
		.cfg = &cfg,
		.sync_fd = sync_fd_from_env("_OCI_SYNCPIPE"),
		.start_fd = sync_fd_from_env("_OCI_STARTPIPE"),
		.attach_pipe_fd = cfg.exec_attach ? sync_fd_from_env("_OCI_ATTACHPIPE") : -1,
		.ready_fd = -1,
		.exec_error_fd = -1,
	};
	watch_init(&s.console_listen_w, -1, shim_console_listen_cb, &s);
	watch_init(&s.console_conn_w, -1, shim_console_conn_cb, &s);

	shim_set_oom_score_adj("-1000");
	if (s.start_fd >= 0) {
		set_cloexec(s.start_fd, true);
		sync_wait_start(s.start_fd);
		if (!cfg.exec_attach)
			close_fd(&s.start_fd);
	}
	if (shim_take_fds(&s) < 0)
		return 1;

	/* Logs first: a log that cannot be opened is a usage error, reported
	 * on stderr before the manager is left. */
	shim_open_logs(&s);

	shim_daemonize(&s);
	s.stderr_until_created = cfg.sync && s.sync_fd < 0;
	if (!shim_passthrough(&s))
		shim_detach_stdio(&s, 0, 2);

	shim_setup_loop(&s);
	shim_setup_io(&s);
	shim_start(&s);
	if (!cfg.no_runtime)
		shim_arm_timer(&s, (int64_t)cfg.runtime_timeout * 1000);
	if (cfg.no_runtime) {
		/* Nothing to wait for: the command is the container. */
		s.phase = PHASE_CREATE;
		shim_created(&s);
	}
	shim_run(&s);
	return 0;
}
