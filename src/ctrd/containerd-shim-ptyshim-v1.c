/* containerd-shim-ptyshim-v1: containerd's runtime v2 shim for the runtime
 * io.containerd.ptyshim.v1, on ptyshim's own modules. containerd runs it
 * three ways:
 *   … start   binds the shim's socket, forks the server, prints the
 *             socket's address on stdout and exits;
 *   (server)  serves the Task service over ttrpc on that socket until
 *             Shutdown, reaping the container's processes (a subreaper);
 *   … delete  cleans up after a shim that is gone: runc delete, unmount,
 *             and a DeleteResponse on stdout. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "base/diag.h"
#include "base/loop.h"
#include "base/sock.h"
#include "base/util.h"
#include "base/version.h"
#include "ctrd/flags.h"
#include "ctrd/mounts.h"
#include "ctrd/pbmsg.h"
#include "ctrd/task.h"
#include "github.com/containerd/containerd/runtime/v2/task/shim.pb-c.h"

#define PROG "containerd-shim-ptyshim-v1"
#define SOCKET_DIR "/run/containerd/s"
#define RUNC_ROOT "/run/containerd/runc"
/* How long a leaving shim waits for containerd to take its last events. */
#define PUBLISH_FLUSH_MS 3000

struct shim {
	struct shim_flags flags;
	char *bundle;
	char *socket_path;
	struct loop *loop;
	int sig_fd;
	struct watch sig_w;
	struct task_service task;
};

/* The socket's path, the same for the same containerd, namespace and id
 * (FNV-1a: short, stable, and no secret to keep). */
static char *socket_path_for(const struct shim_flags *f)
{
	uint64_t h = 1469598103934665603ull;
	const char *parts[] = { f->address ? f->address : "", f->namespace, f->id };
	for (size_t i = 0; i < ARRAY_SIZE(parts); i++) {
		for (const char *p = parts[i]; *p; p++)
			h = (h ^ (uint8_t)*p) * 1099511628211ull;
		h = (h ^ 0xff) * 1099511628211ull;
	}
	return xasprintf("%s/ptyshim-%016llx", SOCKET_DIR, (unsigned long long)h);
}

static int listen_at(const char *path)
{
	if (mkdir("/run/containerd", 0711) < 0 && errno != EEXIST)
		return -1;
	if (mkdir(SOCKET_DIR, 0711) < 0 && errno != EEXIST)
		return -1;
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	/* A socket left by a shim that died: nobody serves it any more. */
	if (sock_bind_private(fd, path) < 0 && (errno != EADDRINUSE || unlink(path) < 0 || sock_bind_private(fd, path) < 0)) {
		close_fd(&fd);
		return -1;
	}
	if (listen(fd, 64) < 0) {
		close_fd(&fd);
		unlink(path);
		return -1;
	}
	return fd;
}

/* The server's stdio: containerd waits for the start command's output to
 * end, so the server keeps none of it; its messages go to the bundle's
 * "log" fifo, which containerd reads, when there is one. */
static void detach_stdio(void)
{
	int devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
	int log = open("log", O_WRONLY | O_NONBLOCK | O_CLOEXEC);
	if (devnull >= 0) {
		dup2(devnull, 0);
		dup2(devnull, 1);
	}
	if (log >= 0 || devnull >= 0)
		dup2(log >= 0 ? log : devnull, 2);
	close_fd(&log);
	close_fd(&devnull);
}

static void reap(struct shim *s)
{
	int status;
	pid_t pid;
	while ((pid = waitpid(-1, &status, WNOHANG)) > 0)
		task_reaped(&s->task, pid, status);
}

static void on_signal(struct watch *w, uint32_t events)
{
	struct shim *s = w->ctx;
	(void)events;
	struct signalfd_siginfo si;
	while (read(s->sig_fd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		if (si.ssi_signo == SIGCHLD)
			reap(s);
		else
			s->task.shutdown = true;
	}
}

static int setup_loop(struct shim *s, int listen_fd)
{
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigprocmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	s->loop = loop_new();
	s->sig_fd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	if (!s->loop || s->sig_fd < 0)
		return -1;
	watch_init(&s->sig_w, s->sig_fd, on_signal, s);
	if (loop_add(s->loop, &s->sig_w, EPOLLIN) < 0)
		return -1;
	s->task.srv = server_new(s->loop, listen_fd, task_handle, &s->task);
	return s->task.srv ? 0 : -1;
}

static void runc_setup(struct runc *rc, const struct shim_flags *f)
{
	rc->binary = getenv("PTYSHIM_CTRD_RUNC") ? getenv("PTYSHIM_CTRD_RUNC") : "runc";
	rc->root = xasprintf("%s/%s", RUNC_ROOT, f->namespace);
}

/* containerd gives its shims the ttrpc address in TTRPC_ADDRESS; its own
 * default is the grpc address with ".ttrpc" added. */
static char *events_address(const struct shim_flags *f)
{
	const char *env = getenv("TTRPC_ADDRESS");
	if (env && env[0])
		return xstrdup(env);
	return f->address && f->address[0] ? xasprintf("%s.ttrpc", f->address) : NULL;
}

static void task_setup(struct shim *s)
{
	struct task_service *ts = &s->task;
	ts->loop = s->loop;
	ts->id = s->flags.id;
	ts->bundle = xstrdup(s->bundle);
	runc_setup(&ts->runc, &s->flags);
	jobs_init(&ts->jobs, s->loop, &ts->runc, ts);
	char *address = events_address(&s->flags);
	ts->pub = publisher_new(s->loop, address, s->flags.namespace);
	free(address);
}

static int serve(struct shim *s, int listen_fd)
{
	if (prctl(PR_SET_CHILD_SUBREAPER, 1) < 0 || setup_loop(s, listen_fd) < 0) {
		diag_err("setting up: %s", strerror(errno));
		return 1;
	}
	task_setup(s);
	while (!s->task.shutdown)
		if (loop_run_once(s->loop, -1) < 0) {
			diag_err("event loop: %s", strerror(errno));
			break;
		}
	task_teardown(&s->task);
	/* The socket goes first: containerd must not take a shim that is
	 * leaving for one that serves. */
	server_free(s->task.srv);
	unlink(s->socket_path);
	publisher_flush(s->task.pub, PUBLISH_FLUSH_MS);
	publisher_free(s->task.pub);
	loop_del(s->loop, &s->sig_w);
	close_fd(&s->sig_fd);
	loop_free(s->loop);
	free(s->task.runc.root);
	return 0;
}

static int cmd_start(struct shim *s)
{
	s->socket_path = socket_path_for(&s->flags);
	int fd = listen_at(s->socket_path);
	if (fd < 0) {
		diag_err("socket %s: %s", s->socket_path, strerror(errno));
		return 1;
	}
	char *address = xasprintf("unix://%s", s->socket_path);
	if (write_file_atomic("address", address, strlen(address), 0644) < 0)
		diag_warn("write address file: %s", strerror(errno));
	fflush(stdout);
	pid_t pid = fork();
	if (pid < 0) {
		diag_err("fork: %s", strerror(errno));
		unlink(s->socket_path);
		free(address);
		return 1;
	}
	if (pid == 0) {
		free(address);
		setsid();
		detach_stdio();
		return serve(s, fd);
	}
	close_fd(&fd);
	printf("%s\n", address);
	free(address);
	return fflush(stdout) == 0 ? 0 : 1;
}

/* The socket of a shim that died without removing it: named by the
 * bundle's address file, and only ever one of ours. */
static void remove_dead_socket(const struct shim *s)
{
	char *file = xasprintf("%s/address", s->bundle);
	size_t len;
	char *address = read_small_file(file, 4096, &len);
	const char *prefix = "unix://" SOCKET_DIR "/ptyshim-";
	if (address && strncmp(address, prefix, strlen(prefix)) == 0 && !strchr(address + strlen(prefix), '/'))
		unlink(address + strlen("unix://"));
	free(address);
	free(file);
}

static int cmd_delete(struct shim *s)
{
	struct runc rc;
	runc_setup(&rc, &s->flags);
	char err[512];
	const char *args[] = {"delete", "--force", s->flags.id, NULL};
	if (runc_run(&rc, args, err, sizeof(err)) < 0)
		diag_warn("delete %s: %s", s->flags.id, err);
	char *rootfs = xasprintf("%s/rootfs", s->bundle);
	if (mounts_remove(rootfs) < 0)
		diag_warn("unmount %s: %s", rootfs, strerror(errno));
	remove_dead_socket(s);
	Google__Protobuf__Timestamp at = pbmsg_now();
	Containerd__Task__V2__DeleteResponse resp = CONTAINERD__TASK__V2__DELETE_RESPONSE__INIT;
	resp.exit_status = 128 + SIGKILL;
	resp.exited_at = &at;
	size_t n;
	uint8_t *out = pbmsg_pack(&resp.base, &n);
	int ok = write_all(1, out, n);
	free(out);
	free(rootfs);
	free(rc.root);
	return ok == 0 ? 0 : 1;
}

int main(int argc, char **argv)
{
	struct shim s = { .sig_fd = -1 };
	char err[256];
	diag_init(PROG);
	if (flags_parse(argc, argv, &s.flags, err, sizeof(err)) < 0) {
		diag_err("%s", err);
		return 1;
	}
	if (s.flags.version) {
		printf("%s:\n  Version: %s\n  Runtime: io.containerd.ptyshim.v1\n", PROG, PTYSHIM_VERSION);
		return 0;
	}
	if (!s.flags.namespace || !s.flags.id || !s.flags.namespace[0] || !s.flags.id[0]) {
		diag_err("-namespace and -id are required");
		return 1;
	}
	if (s.flags.debug)
		diag_set_level(DIAG_DEBUG);
	char *cwd = getcwd(NULL, 0);
	s.bundle = xstrdup(s.flags.bundle ? s.flags.bundle : cwd ? cwd : ".");
	free(cwd);
	int rc = 1;
	if (strcmp(s.flags.action, "start") == 0)
		rc = cmd_start(&s);
	else if (strcmp(s.flags.action, "delete") == 0)
		rc = cmd_delete(&s);
	else
		diag_err("unknown action \"%s\" (start or delete)", s.flags.action);
	free(s.socket_path);
	free(s.bundle);
	return rc;
}
