/* ptyman: a small container manager with a GNU readline prompt, built on the
 * three ptyshim programs. It starts ptyshim exactly the way podman starts
 * conmon (conmon-interface.md §2, §8): two SOCK_SEQPACKET socketpairs on fds
 * 3 and 4, the start byte, the sync message {"data": PID} or the runtime's
 * error text, then `runc start`. Attaching is ptyshim-attach run as a child,
 * logs and replay are ptyshim-logs.
 *
 * All state lives in files under the state directory, never only in memory,
 * so a new ptyman sees every container that outlived the last one:
 *   STATE/rootfs/          busybox-static root file system, built once
 *   STATE/runc/            runc --root (our containers only)
 *   STATE/exits/NAME       exit files (ptyshim --exit-dir)
 *   STATE/ctr/NAME/        the bundle: config.json (runc spec, edited),
 *                          ptyman.json (what ptyman knows), conmon.pid,
 *                          pidfile, ctr.log, attach, ctl, winsz, oci-log,
 *                          exec/SID/ (one exec session each)
 *   STATE/history          readline history
 * The container id is its name.
 *
 * Without root (or with --no-runtime) there are no containers: `run` starts
 * ptyshim --no-runtime on the host, and everything else works the same. The
 * command is held at a gate (this program, re-executed as
 * `ptyman --gate FIFO -- CMD…`) until the attach client is connected, which
 * is what runc's exec.fifo does for real containers: no early output is lost
 * to a client that was not there yet. */
#include "base/child.h"
#include "base/diag.h"
#include "shim/proc.h"
#include "base/util.h"

#include "ptyman_words.h"

#include <dirent.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <getopt.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>
#include <readline/history.h>
#include <readline/readline.h>

#define PROG "ptyman"
#define PROMPT "ptyman> "

/* How long the shim may take to answer with its sync message. Podman waits
 * 240 s; runc create normally takes tens of milliseconds. */
#define SYNC_TIMEOUT_MS (120 * 1000)
/* Waits that only cover a few process starts. */
#define CONNECT_TIMEOUT_MS (10 * 1000)
#define GATE_TIMEOUT_MS (10 * 1000)
#define STOP_TIMEOUT_MS (10 * 1000)
/* Largest text we keep from a child's stderr or stdout. */
#define CAPTURE_MAX (1024 * 1024)
#define HISTORY_MAX 1000
#define NAME_MAX_LEN 64

/* ------------------------------------------------------------ state */

static struct {
	char *state;    /* absolute */
	char *ctr_dir;  /* STATE/ctr */
	char *exit_dir; /* STATE/exits */
	char *rootfs;   /* STATE/rootfs */
	char *rt_root;  /* STATE/runc */
	char *history;  /* STATE/history */
	char *shim, *attach, *logs, *runtime, *self;
	bool host;        /* runtime-less mode */
	bool interactive; /* readline on a terminal */
	bool echo;        /* print "ptyman> LINE" for lines read without readline */
	bool quit;
	struct words start; /* --start lines */
	int sig_fd;
	sigset_t sigs; /* blocked in ptyman, read from sig_fd */
} pm = {.sig_fd = -1};

/* What ptyman.json records about one container. */
struct ctr {
	char *name;
	char *dir;
	bool host;
	bool tty;
	bool stdin_open;
	bool started;
	int pid; /* from the sync message */
	struct words cmd;
};

enum ctr_status { ST_CREATED, ST_RUNNING, ST_EXITED, ST_GONE };

static void ctr_free(struct ctr *c)
{
	free(c->name);
	free(c->dir);
	words_free(&c->cmd);
	*c = (struct ctr){0};
}

/* ------------------------------------------------------------ small helpers */

static bool name_valid(const char *name)
{
	size_t len = strlen(name);
	if (len == 0 || len > NAME_MAX_LEN)
		return false;
	for (size_t i = 0; i < len; i++) {
		char c = name[i];
		bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
		if (!alnum && (i == 0 || (c != '_' && c != '.' && c != '-')))
			return false;
	}
	return true;
}

static bool file_exists(const char *path)
{
	return access(path, F_OK) == 0;
}

static int mkdir_p(const char *path, mode_t mode)
{
	char *p = xstrdup(path);
	for (char *s = p + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		if (mkdir(p, mode) < 0 && errno != EEXIST) {
			free(p);
			return -1;
		}
		*s = '/';
	}
	int rc = mkdir(p, mode);
	free(p);
	return rc < 0 && errno != EEXIST ? -1 : 0;
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	if (remove(path) < 0 && errno != ENOENT)
		diag_warn("rm %s: %s", path, strerror(errno));
	return 0;
}

static void rm_rf(const char *path)
{
	nftw(path, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* Sleep that still notices the signals ptyman handles: returns false when
 * the user interrupted (SIGINT) or ptyman should quit. */
static bool pm_nap(int ms);

/* ms since an arbitrary start. */
static int64_t now_ms(void)
{
	return mono_ns() / 1000000;
}

/* A pid that exists and is no zombie (this machine's init does not reap
 * orphans, so a dead shim can linger as one), whose command line contains
 * needle (against pid reuse). */
static bool pid_alive_with(int pid, const char *needle)
{
	if (pid <= 0)
		return false;
	char *path = xasprintf("/proc/%d/stat", pid);
	char *st = read_small_file(path, 4096, NULL);
	free(path);
	if (!st)
		return false;
	char *rp = strrchr(st, ')');
	bool alive = rp && rp[1] == ' ' && rp[2] != 'Z' && rp[2] != 'X';
	free(st);
	if (!alive || !needle)
		return alive;
	path = xasprintf("/proc/%d/cmdline", pid);
	size_t len;
	char *cmd = read_small_file(path, 65536, &len);
	free(path);
	if (!cmd)
		return false;
	bool found = false;
	for (size_t off = 0; off < len; off += strlen(cmd + off) + 1)
		if (strstr(cmd + off, needle)) {
			found = true;
			break;
		}
	free(cmd);
	return found;
}

static int read_int_file(const char *path, int *out)
{
	char *s = read_small_file(path, 64, NULL);
	if (!s)
		return -1;
	size_t n = strlen(s);
	while (n > 0 && (s[n - 1] == '\n' || s[n - 1] == ' '))
		s[--n] = '\0';
	int rc = parse_int(s[0] == '-' ? s + 1 : s, 0, INT_MAX, out);
	if (rc == 0 && s[0] == '-')
		*out = -*out;
	free(s);
	return rc;
}

/* Signal names and numbers: TERM, SIGTERM, term, 15. */
static int signal_parse(const char *s)
{
	int n;
	if (parse_int(s, 1, NSIG - 1, &n) == 0)
		return n;
	if (strncasecmp(s, "SIG", 3) == 0)
		s += 3;
	for (int i = 1; i < NSIG; i++) {
		const char *abbr = sigabbrev_np(i);
		if (abbr && strcasecmp(abbr, s) == 0)
			return i;
	}
	return -1;
}

/* ------------------------------------------------------------ children */

/* Every child starts from a clean signal state (ptyman blocks the signals
 * it reads through its signalfd, and a blocked mask survives exec). */
static void child_prepare(void)
{
	child_reset_signals();
}

/* fork() with our stdio flushed, so nothing buffered is written twice. */
static pid_t pm_fork(void)
{
	fflush(stdout);
	fflush(stderr);
	return fork();
}

static int wait_child(pid_t pid)
{
	int st;
	while (waitpid(pid, &st, 0) < 0) {
		if (errno != EINTR) {
			diag_err("waitpid %d: %s", (int)pid, strerror(errno));
			return 255;
		}
	}
	return child_exit_code(st);
}

/* Run argv with the terminal (ptyman's own stdio) and wait for it. */
static int run_fg(char *const argv[])
{
	pid_t pid = pm_fork();
	if (pid < 0) {
		diag_err("fork: %s", strerror(errno));
		return 255;
	}
	if (pid == 0) {
		child_prepare();
		execvp(argv[0], argv);
		dprintf(STDERR_FILENO, "%s: %s: %s\n", PROG, argv[0], strerror(errno));
		_exit(127);
	}
	return wait_child(pid);
}

/* Read fds until both reach EOF; keeps up to CAPTURE_MAX of each. */
static void capture_two(int fd1, char **out1, int fd2, char **out2)
{
	struct {
		int fd;
		char *buf;
		size_t len;
	} s[2] = {{fd1, xmalloc(1), 0}, {fd2, xmalloc(1), 0}};
	for (;;) {
		struct pollfd p[2];
		int n = 0;
		int idx[2];
		for (int i = 0; i < 2; i++)
			if (s[i].fd >= 0) {
				p[n] = (struct pollfd){.fd = s[i].fd, .events = POLLIN};
				idx[n++] = i;
			}
		if (n == 0)
			break;
		if (poll(p, (nfds_t)n, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		for (int k = 0; k < n; k++) {
			if (!p[k].revents)
				continue;
			int i = idx[k];
			char tmp[8192];
			ssize_t r = read(s[i].fd, tmp, sizeof(tmp));
			if (r < 0 && errno == EINTR)
				continue;
			if (r <= 0) {
				close_fd(&s[i].fd);
				continue;
			}
			size_t keep = (size_t)r;
			if (s[i].len + keep > CAPTURE_MAX)
				keep = CAPTURE_MAX - s[i].len;
			s[i].buf = xrealloc(s[i].buf, s[i].len + keep + 1);
			memcpy(s[i].buf + s[i].len, tmp, keep);
			s[i].len += keep;
		}
	}
	for (int i = 0; i < 2; i++) {
		s[i].buf[s[i].len] = '\0';
		close_fd(&s[i].fd);
	}
	if (out1)
		*out1 = s[0].buf;
	else
		free(s[0].buf);
	if (out2)
		*out2 = s[1].buf;
	else
		free(s[1].buf);
}

/* Run argv with stdin /dev/null, capturing stdout and stderr. */
static int run_capture(char *const argv[], char **out, char **err)
{
	int po[2], pe[2];
	if (pipe2(po, O_CLOEXEC) < 0)
		goto fail;
	if (pipe2(pe, O_CLOEXEC) < 0) {
		close(po[0]);
		close(po[1]);
		goto fail;
	}
	pid_t pid = pm_fork();
	if (pid < 0) {
		close(po[0]);
		close(po[1]);
		close(pe[0]);
		close(pe[1]);
		goto fail;
	}
	if (pid == 0) {
		child_prepare();
		int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
		if (null < 0 || dup2(null, 0) < 0 || dup2(po[1], 1) < 0 || dup2(pe[1], 2) < 0)
			_exit(127);
		execvp(argv[0], argv);
		dprintf(2, "%s: %s", argv[0], strerror(errno));
		_exit(127);
	}
	close(po[1]);
	close(pe[1]);
	capture_two(po[0], out, pe[0], err);
	return wait_child(pid);
fail:
	if (out)
		*out = xstrdup("");
	if (err)
		*err = xasprintf("%s: %s", argv[0], strerror(errno));
	return 255;
}

/* Last non-empty line of a text, trimmed, for one-line error messages. */
static char *last_line(const char *text)
{
	const char *end = text + strlen(text);
	while (end > text && (end[-1] == '\n' || end[-1] == '\r' || end[-1] == ' '))
		end--;
	const char *start = end;
	while (start > text && start[-1] != '\n')
		start--;
	return xasprintf("%.*s", (int)(end - start), start);
}

/* ------------------------------------------------------------ runc */

/* runc --root STATE/runc ARGS…; stderr goes to *err. */
static int runc_run(char **err, const char *arg0, ...)
{
	if (!pm.runtime) {
		*err = xstrdup("no OCI runtime (runc not found)");
		return 127;
	}
	const char *argv[16] = {pm.runtime, "--root", pm.rt_root};
	size_t n = 3;
	va_list ap;
	va_start(ap, arg0);
	for (const char *a = arg0; a && n < ARRAY_SIZE(argv) - 1; a = va_arg(ap, const char *))
		argv[n++] = a;
	va_end(ap);
	argv[n] = NULL;
	return run_capture((char *const *)argv, NULL, err);
}

/* ------------------------------------------------------------ rootfs */

/* busybox must be static: the container has no libc. */
static bool elf_is_static(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	Elf64_Ehdr eh;
	bool ok = read_all(fd, &eh, sizeof(eh)) == (ssize_t)sizeof(eh) && memcmp(eh.e_ident, ELFMAG, SELFMAG) == 0 &&
		  eh.e_ident[EI_CLASS] == ELFCLASS64 && eh.e_phentsize == sizeof(Elf64_Phdr);
	bool interp = false;
	for (int i = 0; ok && i < eh.e_phnum; i++) {
		Elf64_Phdr ph;
		if (pread(fd, &ph, sizeof(ph), (off_t)(eh.e_phoff + (uint64_t)i * sizeof(ph))) != (ssize_t)sizeof(ph)) {
			ok = false;
			break;
		}
		if (ph.p_type == PT_INTERP)
			interp = true;
	}
	close(fd);
	return ok && !interp;
}

static int copy_file(const char *from, const char *to, mode_t mode)
{
	int in = open(from, O_RDONLY | O_CLOEXEC);
	if (in < 0)
		return -1;
	int out = open(to, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	if (out < 0) {
		close_fd(&in);
		return -1;
	}
	char buf[65536];
	int rc = 0;
	for (;;) {
		ssize_t n = read(in, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			rc = -1;
			break;
		}
		if (n == 0)
			break;
		if (write_all(out, buf, (size_t)n) < 0) {
			rc = -1;
			break;
		}
	}
	int saved = errno;
	close_fd(&in);
	if (close(out) < 0 && rc == 0)
		rc = -1;
	else
		errno = saved;
	return rc;
}

static int rootfs_populate(const char *tmp, const char *busybox)
{
	static const char *const dirs[] = {"bin", "sbin", "usr", "usr/bin", "usr/sbin", "proc", "sys", "dev",
					   "tmp", "etc", "root", "run", "var", "home"};
	for (size_t i = 0; i < ARRAY_SIZE(dirs); i++) {
		char *d = xasprintf("%s/%s", tmp, dirs[i]);
		int rc = mkdir(d, 0755);
		free(d);
		if (rc < 0) {
			diag_err("rootfs: mkdir %s/%s: %s", tmp, dirs[i], strerror(errno));
			return -1;
		}
	}
	char *p = xasprintf("%s/tmp", tmp);
	chmod(p, 01777);
	free(p);
	p = xasprintf("%s/bin/busybox", tmp);
	int rc = copy_file(busybox, p, 0755);
	if (rc < 0)
		diag_err("rootfs: copy %s: %s", busybox, strerror(errno));
	free(p);
	if (rc < 0)
		return -1;

	/* Applet links point at /bin/busybox as the container sees it. */
	char *out = NULL, *err = NULL;
	char *const list[] = {(char *)busybox, "--list-full", NULL};
	if (run_capture(list, &out, &err) != 0) {
		char *l = last_line(err);
		diag_err("rootfs: %s --list-full: %s", busybox, l);
		free(l);
		free(out);
		free(err);
		return -1;
	}
	free(err);
	for (char *save = NULL, *line = strtok_r(out, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (line[0] == '\0' || line[0] == '/' || strstr(line, ".."))
			continue;
		char *link = xasprintf("%s/%s", tmp, line);
		if (symlink("/bin/busybox", link) < 0 && errno != EEXIST)
			diag_warn("rootfs: link %s: %s", line, strerror(errno));
		free(link);
	}
	free(out);

	static const struct {
		const char *path, *text;
	} files[] = {
		{"etc/passwd", "root:x:0:0:root:/root:/bin/sh\n"},
		{"etc/group", "root:x:0:\n"},
	};
	for (size_t i = 0; i < ARRAY_SIZE(files); i++) {
		p = xasprintf("%s/%s", tmp, files[i].path);
		rc = write_file_atomic(p, files[i].text, strlen(files[i].text), 0644);
		if (rc < 0)
			diag_err("rootfs: %s: %s", p, strerror(errno));
		free(p);
		if (rc < 0)
			return -1;
	}
	return 0;
}

static const char *busybox_find(void)
{
	static const char *const candidates[] = {"/bin/busybox", "/usr/bin/busybox", "/usr/local/bin/busybox"};
	for (size_t i = 0; i < ARRAY_SIZE(candidates); i++)
		if (access(candidates[i], X_OK) == 0)
			return candidates[i];
	return NULL;
}

/* Build STATE/rootfs once: under a lock, in a temporary directory renamed
 * into place, so a half-built tree is never used. */
static int rootfs_ensure(void)
{
	char *done = xasprintf("%s/bin/busybox", pm.rootfs);
	bool have = file_exists(done);
	free(done);
	if (have)
		return 0;

	const char *bb = busybox_find();
	if (!bb) {
		diag_err("rootfs: busybox not found (install busybox-static)");
		return -1;
	}
	if (!elf_is_static(bb)) {
		diag_err("rootfs: %s is not statically linked (install busybox-static)", bb);
		return -1;
	}
	char *lock = xasprintf("%s/.rootfs.lock", pm.state);
	int lfd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	free(lock);
	if (lfd < 0 || flock(lfd, LOCK_EX) < 0) {
		diag_err("rootfs: lock: %s", strerror(errno));
		close_fd(&lfd);
		return -1;
	}
	int rc = 0;
	if (!file_exists(pm.rootfs)) {
		fprintf(stderr, "building the busybox root file system in %s\n", pm.rootfs);
		char *tmp = xasprintf("%s.tmp", pm.rootfs);
		rm_rf(tmp);
		if (mkdir(tmp, 0755) < 0) {
			diag_err("rootfs: mkdir %s: %s", tmp, strerror(errno));
			rc = -1;
		} else if (rootfs_populate(tmp, bb) < 0) {
			rc = -1;
		} else if (rename(tmp, pm.rootfs) < 0) {
			diag_err("rootfs: rename %s: %s", tmp, strerror(errno));
			rc = -1;
		}
		if (rc < 0)
			rm_rf(tmp);
		free(tmp);
	}
	close_fd(&lfd);
	return rc;
}

/* ------------------------------------------------------------ metadata */

static char *ctr_path(const char *name, const char *file)
{
	return file ? xasprintf("%s/%s/%s", pm.ctr_dir, name, file) : xasprintf("%s/%s", pm.ctr_dir, name);
}

static char *exit_path(const char *name)
{
	return xasprintf("%s/%s", pm.exit_dir, name);
}

static int meta_write(const struct ctr *c)
{
	json_object *o = json_object_new_object();
	json_object_object_add(o, "name", json_object_new_string(c->name));
	json_object_object_add(o, "mode", json_object_new_string(c->host ? "host" : "runc"));
	json_object_object_add(o, "terminal", json_object_new_boolean(c->tty));
	json_object_object_add(o, "stdin", json_object_new_boolean(c->stdin_open));
	json_object_object_add(o, "started", json_object_new_boolean(c->started));
	json_object_object_add(o, "pid", json_object_new_int(c->pid));
	json_object *cmd = json_object_new_array();
	for (size_t i = 0; i < c->cmd.n; i++)
		json_object_array_add(cmd, json_object_new_string(c->cmd.v[i]));
	json_object_object_add(o, "command", cmd);
	const char *text = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY);
	char *path = ctr_path(c->name, "ptyman.json");
	char *data = xasprintf("%s\n", text);
	int rc = write_file_atomic(path, data, strlen(data), 0644);
	if (rc < 0)
		diag_err("%s: %s", path, strerror(errno));
	free(data);
	free(path);
	json_object_put(o);
	return rc;
}

static bool json_flag(json_object *o, const char *key)
{
	json_object *v;
	return json_object_object_get_ex(o, key, &v) && json_object_get_boolean(v);
}

/* 0, or -1 when the container does not exist or its record is unreadable
 * (quiet when it does not exist and quiet is set). */
static int meta_read(const char *name, struct ctr *c, bool quiet)
{
	*c = (struct ctr){0};
	char *path = ctr_path(name, "ptyman.json");
	if (!file_exists(path)) {
		if (!quiet)
			diag_err("%s: no such container", name);
		free(path);
		return -1;
	}
	json_object *o = json_object_from_file(path);
	if (!o || !json_object_is_type(o, json_type_object)) {
		diag_err("%s: unreadable record %s", name, path);
		json_object_put(o);
		free(path);
		return -1;
	}
	free(path);
	json_object *v;
	c->name = xstrdup(name);
	c->dir = ctr_path(name, NULL);
	c->host = json_object_object_get_ex(o, "mode", &v) && json_object_is_type(v, json_type_string) &&
		  strcmp(json_object_get_string(v), "host") == 0;
	c->tty = json_flag(o, "terminal");
	c->stdin_open = json_flag(o, "stdin");
	c->started = json_flag(o, "started");
	if (json_object_object_get_ex(o, "pid", &v))
		c->pid = json_object_get_int(v);
	c->cmd.v = xcalloc(1, sizeof(char *));
	if (json_object_object_get_ex(o, "command", &v) && json_object_is_type(v, json_type_array))
		for (size_t i = 0; i < json_object_array_length(v); i++) {
			json_object *arg = json_object_array_get_idx(v, i);
			if (json_object_is_type(arg, json_type_string))
				words_push(&c->cmd, xstrdup(json_object_get_string(arg)));
		}
	json_object_put(o);
	return 0;
}

/* Status from the files alone: the exit file says exited; a live shim
 * (its conmon pid file, checked against its command line) says running. */
static enum ctr_status ctr_status(const struct ctr *c, int *code)
{
	char *ef = exit_path(c->name);
	int rc = read_int_file(ef, code);
	free(ef);
	if (rc == 0)
		return ST_EXITED;
	char *pf = ctr_path(c->name, "conmon.pid");
	int mon = 0;
	bool alive = read_int_file(pf, &mon) == 0 && pid_alive_with(mon, c->dir);
	free(pf);
	if (!alive)
		return ST_GONE;
	return c->started ? ST_RUNNING : ST_CREATED;
}

static char *status_text(enum ctr_status st, int code)
{
	switch (st) {
	case ST_CREATED:
		return xstrdup("created");
	case ST_RUNNING:
		return xstrdup("running");
	case ST_EXITED:
		return xasprintf("exited (%d)", code);
	case ST_GONE:
	default:
		return xstrdup("gone (no shim, no exit file)");
	}
}

/* Container names in the state directory, sorted; NULL-terminated. */
static struct words ctr_names(void)
{
	struct words w = {.v = xcalloc(1, sizeof(char *))};
	struct dirent **ents = NULL;
	int n = scandir(pm.ctr_dir, &ents, NULL, alphasort);
	for (int i = 0; i < n; i++) {
		if (ents[i]->d_name[0] != '.' && name_valid(ents[i]->d_name))
			words_push(&w, xstrdup(ents[i]->d_name));
		free(ents[i]);
	}
	free(ents);
	return w;
}

/* ------------------------------------------------------------ the shim */

struct launch {
	int sync_fd, start_fd, attach_fd; /* our ends; -1 when unused */
	pid_t first;                      /* ptyshim's first process */
	char *stderr_text;
};

/* Move fd to at least 10 so that the dup2 onto 3, 4, 5 cannot clobber it. */
static int fd_high(int fd)
{
	return fcntl(fd, F_DUPFD_CLOEXEC, 10);
}

/* Start ptyshim the way podman starts conmon: socketpairs on fds 3 and 4
 * (and 5 for an exec session), its own process group, stdin and stdout
 * /dev/null, stderr a pipe whose text we show if it fails before its sync
 * message. Writes the first start byte and collects the first process. */
static int shim_launch(char *const argv[], bool exec_attach, const char *cwd, const char *const *env,
		       struct launch *l)
{
	int sp[3][2] = {{-1, -1}, {-1, -1}, {-1, -1}};
	int ep[2] = {-1, -1};
	int npairs = exec_attach ? 3 : 2;
	*l = (struct launch){.sync_fd = -1, .start_fd = -1, .attach_fd = -1};
	for (int i = 0; i < npairs; i++)
		if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp[i]) < 0) {
			diag_err("socketpair: %s", strerror(errno));
			goto fail;
		}
	if (pipe2(ep, O_CLOEXEC) < 0) {
		diag_err("pipe: %s", strerror(errno));
		goto fail;
	}
	pid_t pid = pm_fork();
	if (pid < 0) {
		diag_err("fork: %s", strerror(errno));
		goto fail;
	}
	if (pid == 0) {
		child_prepare();
		setpgid(0, 0);
		int hi[3];
		for (int i = 0; i < npairs; i++)
			if ((hi[i] = fd_high(sp[i][1])) < 0)
				_exit(127);
		int null = open("/dev/null", O_RDWR | O_CLOEXEC);
		if (null < 0 || dup2(null, 0) < 0 || dup2(null, 1) < 0 || dup2(ep[1], 2) < 0)
			_exit(127);
		for (int i = 0; i < npairs; i++)
			if (dup2(hi[i], 3 + i) < 0)
				_exit(127);
		setenv("_OCI_SYNCPIPE", "3", 1);
		setenv("_OCI_STARTPIPE", "4", 1);
		if (exec_attach)
			setenv("_OCI_ATTACHPIPE", "5", 1);
		for (size_t i = 0; env && env[i]; i++)
			putenv((char *)env[i]);
		if (cwd && chdir(cwd) < 0) {
			dprintf(2, "chdir %s: %s\n", cwd, strerror(errno));
			_exit(127);
		}
		execv(argv[0], argv);
		dprintf(2, "%s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	l->first = pid;
	for (int i = 0; i < npairs; i++)
		close_fd(&sp[i][1]);
	close_fd(&ep[1]);
	l->sync_fd = take_fd(&sp[0][0]);
	l->start_fd = take_fd(&sp[1][0]);
	if (exec_attach)
		l->attach_fd = take_fd(&sp[2][0]);

	/* The start byte: podman writes it after moving the shim into a cgroup;
	 * we have nothing to do in between. */
	if (write_all(l->start_fd, "", 1) < 0)
		diag_warn("start pipe: %s", strerror(errno));
	if (!exec_attach)
		close_fd(&l->start_fd);

	/* The first process forks the monitor and exits; the monitor points
	 * its stderr at /dev/null, so the pipe ends then. */
	capture_two(take_fd(&ep[0]), &l->stderr_text, -1, NULL);
	int st = wait_child(pid);
	l->first = 0;
	if (st != 0) {
		char *line = last_line(l->stderr_text);
		diag_err("ptyshim failed (status %d): %s", st, line[0] ? line : "no message");
		free(line);
		return -1;
	}
	return 0;
fail:
	for (int i = 0; i < 3; i++) {
		close_fd(&sp[i][0]);
		close_fd(&sp[i][1]);
	}
	close_fd(&ep[0]);
	close_fd(&ep[1]);
	return -1;
}

static void launch_close(struct launch *l)
{
	close_fd(&l->sync_fd);
	close_fd(&l->start_fd);
	close_fd(&l->attach_fd);
	free(l->stderr_text);
	l->stderr_text = NULL;
}

/* One datagram of a sync channel, {"data": N[, "message": "…"]}. Returns 0
 * with *data (and *message, malloc'd or NULL), -1 with a reason printed. */
static int sync_read(int fd, const char *what, int timeout_ms, long long *data, char **message)
{
	*message = NULL;
	struct pollfd p = {.fd = fd, .events = POLLIN};
	int64_t deadline = now_ms() + timeout_ms;
	for (;;) {
		int left = (int)(deadline - now_ms());
		if (left < 0)
			left = 0;
		int n = poll(&p, 1, left);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			diag_err("%s: poll: %s", what, strerror(errno));
			return -1;
		}
		if (n == 0) {
			diag_err("%s: no answer from ptyshim within %d s", what, timeout_ms / 1000);
			return -1;
		}
		break;
	}
	char buf[8192];
	ssize_t len;
	do
		len = recv(fd, buf, sizeof(buf) - 1, 0);
	while (len < 0 && errno == EINTR);
	if (len < 0) {
		diag_err("%s: %s", what, strerror(errno));
		return -1;
	}
	if (len == 0) {
		diag_err("%s: ptyshim ended without an answer", what);
		return -1;
	}
	buf[len] = '\0';
	json_object *o = json_tokener_parse(buf);
	json_object *d = NULL, *m = NULL;
	if (!o || !json_object_object_get_ex(o, "data", &d) || !json_object_is_type(d, json_type_int)) {
		char *line = last_line(buf);
		diag_err("%s: unexpected message: %s", what, line);
		free(line);
		json_object_put(o);
		return -1;
	}
	*data = json_object_get_int64(d);
	if (json_object_object_get_ex(o, "message", &m) && json_object_is_type(m, json_type_string))
		*message = xstrdup(json_object_get_string(m));
	json_object_put(o);
	return 0;
}

/* The runtime's own words, as podman prefers them: the last error in its
 * JSON log (--log), else the message on the sync pipe. */
static char *runtime_error(const char *oci_log, const char *message)
{
	char *best = NULL;
	char *text = oci_log ? read_small_file(oci_log, CAPTURE_MAX, NULL) : NULL;
	for (char *save = NULL, *line = text ? strtok_r(text, "\n", &save) : NULL; line;
	     line = strtok_r(NULL, "\n", &save)) {
		json_object *o = json_tokener_parse(line);
		json_object *lv, *msg;
		if (o && json_object_object_get_ex(o, "level", &lv) && json_object_is_type(lv, json_type_string) &&
		    strcmp(json_object_get_string(lv), "error") == 0 && json_object_object_get_ex(o, "msg", &msg) &&
		    json_object_is_type(msg, json_type_string)) {
			free(best);
			best = xstrdup(json_object_get_string(msg));
		}
		json_object_put(o);
	}
	free(text);
	if (!best)
		best = last_line(message ? message : "");
	if (!best[0]) {
		free(best);
		best = xstrdup("the runtime failed without a message");
	}
	return best;
}

/* ------------------------------------------------------------ attach */

/* Whether pid has a connected SOCK_SEQPACKET unix socket: the attach client
 * is connected to the shim. ptyshim-attach has no readiness signal, and the
 * manager must not say "go" (runc start, the exec start byte) before it is
 * connected, or the first output never reaches it. */
static bool pid_connected(pid_t pid)
{
	char *fddir = xasprintf("/proc/%d/fd", (int)pid);
	DIR *d = opendir(fddir);
	free(fddir);
	if (!d)
		return false;
	unsigned long inodes[64];
	size_t n = 0;
	struct dirent *e;
	while ((e = readdir(d)) && n < ARRAY_SIZE(inodes)) {
		char target[64];
		ssize_t len = readlinkat(dirfd(d), e->d_name, target, sizeof(target) - 1);
		if (len <= 0)
			continue;
		target[len] = '\0';
		unsigned long ino;
		if (sscanf(target, "socket:[%lu]", &ino) == 1)
			inodes[n++] = ino;
	}
	closedir(d);
	if (n == 0)
		return false;
	char *netpath = xasprintf("/proc/%d/net/unix", (int)pid);
	FILE *f = fopen(netpath, "re");
	free(netpath);
	if (!f)
		return false;
	char line[512];
	bool found = false;
	while (!found && fgets(line, sizeof(line), f)) {
		unsigned type, st;
		unsigned long ino;
		if (sscanf(line, "%*s %*s %*s %*s %x %x %lu", &type, &st, &ino) != 3)
			continue;
		if (type != SOCK_SEQPACKET || st != 3 /* SS_CONNECTED */)
			continue;
		for (size_t i = 0; i < n; i++)
			if (inodes[i] == ino)
				found = true;
	}
	fclose(f);
	return found;
}

static bool child_exited(pid_t pid)
{
	siginfo_t si = {0};
	return waitid(P_PID, (id_t)pid, &si, WEXITED | WNOHANG | WNOWAIT) == 0 && si.si_pid == pid;
}

/* Start ptyshim-attach on our terminal and wait until it is connected. */
static pid_t attach_spawn(char *const argv[])
{
	pid_t pid = pm_fork();
	if (pid < 0) {
		diag_err("fork: %s", strerror(errno));
		return -1;
	}
	if (pid == 0) {
		child_prepare();
		execv(argv[0], argv);
		dprintf(2, "%s: %s: %s\n", PROG, argv[0], strerror(errno));
		_exit(127);
	}
	int64_t deadline = now_ms() + CONNECT_TIMEOUT_MS;
	int nap = 2;
	while (!pid_connected(pid)) {
		if (child_exited(pid))
			break; /* its status tells the rest */
		if (now_ms() > deadline) {
			diag_warn("ptyshim-attach is not connected after %d s; going on", CONNECT_TIMEOUT_MS / 1000);
			break;
		}
		struct timespec ts = {0, nap * 1000000L};
		nanosleep(&ts, NULL);
		if (nap < 20)
			nap *= 2;
	}
	return pid;
}

static void attach_argv(struct words *a, const struct ctr *c, const char *target, const char *exit_file,
			bool with_stdin)
{
	*a = (struct words){.v = xcalloc(1, sizeof(char *))};
	words_push(a, xstrdup(pm.attach));
	words_push(a, xstrdup(c->tty ? "--tty" : "--no-tty"));
	if (!with_stdin)
		words_push(a, xstrdup("--no-stdin"));
	words_push(a, xstrdup("--exit-file"));
	words_push(a, xstrdup(exit_file));
	words_push(a, xstrdup(target));
}

/* After an attach client ended: say what happened to the container. */
static int attach_report(const struct ctr *c, int status)
{
	int code;
	char *ef = exit_path(c->name);
	bool exited = read_int_file(ef, &code) == 0;
	free(ef);
	if (exited) {
		fprintf(stderr, "[%s exited (%d)]\n", c->name, code);
		return code;
	}
	if (status == 0)
		fprintf(stderr, "[detached from %s; `attach %s` to go back]\n", c->name, c->name);
	return status;
}

/* ------------------------------------------------------------ host mode gate */

/* `ptyman --gate FIFO -- CMD…`, run by ptyshim --no-runtime: wait until the
 * manager opens FIFO (after its attach client connected), tell it whether
 * CMD can run, then become CMD. */
static int gate_main(int argc, char **argv)
{
	if (argc < 5 || strcmp(argv[3], "--") != 0) {
		dprintf(2, "%s: usage: %s --gate FIFO -- CMD [ARG...]\n", PROG, PROG);
		return 127;
	}
	const char *fifo = argv[2];
	char **cmd = argv + 4;
	unsetenv("_OCI_SYNCPIPE");
	unsetenv("_OCI_STARTPIPE");
	unsetenv("_OCI_ATTACHPIPE");

	int err = 0;
	if (strchr(cmd[0], '/')) {
		if (access(cmd[0], X_OK) < 0)
			err = errno;
	} else {
		const char *path = getenv("PATH");
		err = ENOENT;
		char *dirs = xstrdup(path && *path ? path : "/usr/local/bin:/usr/bin:/bin");
		for (char *save = NULL, *d = strtok_r(dirs, ":", &save); d; d = strtok_r(NULL, ":", &save)) {
			char *p = xasprintf("%s/%s", d, cmd[0]);
			struct stat st;
			if (stat(p, &st) == 0 && S_ISREG(st.st_mode) && access(p, X_OK) == 0)
				err = 0;
			free(p);
			if (err == 0)
				break;
		}
		free(dirs);
	}
	int fd;
	do
		fd = open(fifo, O_WRONLY | O_CLOEXEC);
	while (fd < 0 && errno == EINTR);
	if (fd < 0) {
		dprintf(2, "%s: gate %s: %s\n", PROG, fifo, strerror(errno));
		return 127;
	}
	char *msg = err ? xasprintf("1%s: %s", cmd[0], strerror(err)) : xstrdup("0");
	write_all(fd, msg, strlen(msg));
	close(fd);
	free(msg);
	if (err)
		return err == ENOENT ? 127 : 126;
	execvp(cmd[0], cmd);
	dprintf(2, "%s: %s: %s\n", PROG, cmd[0], strerror(errno));
	return 127;
}

/* The manager's side of the gate: `runc start` for a host command. */
static int gate_open(const struct ctr *c)
{
	char *fifo = ctr_path(c->name, "start.fifo");
	int fd = open(fifo, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		diag_err("run: %s: start: %s: %s", c->name, fifo, strerror(errno));
		free(fifo);
		return -1;
	}
	char buf[1024];
	size_t len = 0;
	int64_t deadline = now_ms() + GATE_TIMEOUT_MS;
	int rc = -1;
	for (;;) {
		struct pollfd p = {.fd = fd, .events = POLLIN};
		int left = (int)(deadline - now_ms());
		int n = poll(&p, 1, left < 0 ? 0 : left);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			diag_err("run: %s: start: the command did not reach its gate", c->name);
			break;
		}
		ssize_t r = read(fd, buf + len, sizeof(buf) - 1 - len);
		if (r < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (r > 0) {
			len += (size_t)r;
			if (len < sizeof(buf) - 1)
				continue;
		}
		buf[len] = '\0';
		if (len > 0 && buf[0] == '0')
			rc = 0;
		else
			diag_err("run: %s: %s", c->name, len > 1 ? buf + 1 : "the command ended at its gate");
		break;
	}
	close_fd(&fd);
	unlink(fifo);
	free(fifo);
	return rc;
}

/* ------------------------------------------------------------ bundles */

static void json_set_string(json_object *o, const char *key, const char *val)
{
	json_object_object_add(o, key, json_object_new_string(val));
}

static json_object *json_child(json_object *o, const char *key)
{
	json_object *v = NULL;
	if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_object)) {
		v = json_object_new_object();
		json_object_object_add(o, key, v);
	}
	return v;
}

/* `runc spec`, then our edits: the command, terminal, hostname, a shared
 * writable busybox root and a prompt that names the container. */
static int bundle_make(const struct ctr *c)
{
	char *err = NULL;
	char *const spec[] = {pm.runtime, "spec", "--bundle", c->dir, NULL};
	if (run_capture(spec, NULL, &err) != 0) {
		char *l = last_line(err);
		diag_err("%s: runc spec: %s", c->name, l);
		free(l);
		free(err);
		return -1;
	}
	free(err);
	char *path = ctr_path(c->name, "config.json");
	json_object *cfg = json_object_from_file(path);
	if (!cfg || !json_object_is_type(cfg, json_type_object)) {
		diag_err("%s: cannot read %s: %s", c->name, path, json_util_get_last_err());
		json_object_put(cfg);
		free(path);
		return -1;
	}
	json_object *proc = json_child(cfg, "process");
	json_object *args = json_object_new_array();
	for (size_t i = 0; i < c->cmd.n; i++)
		json_object_array_add(args, json_object_new_string(c->cmd.v[i]));
	json_object_object_add(proc, "args", args);
	json_object_object_add(proc, "terminal", json_object_new_boolean(c->tty));

	json_object *env = json_object_new_array();
	json_object *old;
	const char *term = getenv("TERM");
	if (json_object_object_get_ex(proc, "env", &old) && json_object_is_type(old, json_type_array))
		for (size_t i = 0; i < json_object_array_length(old); i++) {
			const char *e = json_object_get_string(json_object_array_get_idx(old, i));
			if (e && !(strncmp(e, "TERM=", 5) == 0 && term && *term))
				json_object_array_add(env, json_object_new_string(e));
		}
	if (term && *term) {
		char *t = xasprintf("TERM=%s", term);
		json_object_array_add(env, json_object_new_string(t));
		free(t);
	}
	json_object_array_add(env, json_object_new_string("HOME=/root"));
	json_object_array_add(env, json_object_new_string("PS1=[\\h \\w]\\$ "));
	json_object_object_add(proc, "env", env);

	json_set_string(cfg, "hostname", c->name);
	json_object *root = json_child(cfg, "root");
	json_set_string(root, "path", pm.rootfs);
	json_object_object_add(root, "readonly", json_object_new_boolean(false));

	int rc = 0;
	if (json_object_to_file_ext(path, cfg, JSON_C_TO_STRING_PRETTY) < 0) {
		diag_err("%s: cannot write %s: %s", c->name, path, json_util_get_last_err());
		rc = -1;
	}
	json_object_put(cfg);
	free(path);
	return rc;
}

/* ------------------------------------------------------------ commands */

/* The programs a command needs; missing ones are named, and only the
 * commands that need them fail. */
static bool tools_ok(const char *cmd, bool shim, bool attach, bool logs)
{
	const char *missing = shim && !pm.shim ? "ptyshim" : attach && !pm.attach ? "ptyshim-attach"
							 : logs && !pm.logs   ? "ptyshim-logs"
									      : NULL;
	if (missing)
		diag_err("%s: %s not found (run make, or give --bin DIR)", cmd, missing);
	return missing == NULL;
}

struct cmd {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *usage;
	const char *help;
	bool takes_ctr; /* complete container names */
};

static const struct cmd *cmd_find(const char *name);

static void usage_of(const char *name)
{
	const struct cmd *c = cmd_find(name);
	if (c)
		fprintf(stderr, "usage: %s\n", c->usage);
}

/* Parse a command's options with getopt_long on its own argv. */
static void opt_begin(void)
{
	optind = 0; /* GNU: full reinitialisation */
	opterr = 0;
}

static int opt_bad(const char *cmd, int argc, char **argv)
{
	const char *bad = optind - 1 < argc ? argv[optind - 1] : "?";
	if (optopt && optopt < 256)
		diag_err("%s: unknown option or missing value: -%c", cmd, optopt);
	else
		diag_err("%s: unknown option or missing value: %s", cmd, bad);
	usage_of(cmd);
	return 2;
}

/* The first name not taken by a container: c1, c2, … */
static char *name_auto(void)
{
	for (int i = 1;; i++) {
		char *name = xasprintf("c%d", i);
		char *dir = ctr_path(name, NULL);
		bool taken = file_exists(dir);
		free(dir);
		if (!taken)
			return name;
		free(name);
	}
}

static int ctr_wait_exit(const struct ctr *c, int cap_ms, int *code);

/* Remove what a failed run left behind, so the name can be used again. */
static void run_undo(const struct ctr *c)
{
	if (!c->host) {
		char *err = NULL;
		runc_run(&err, "delete", "--force", c->name, NULL);
		free(err);
	}
	rm_rf(c->dir);
	char *ef = exit_path(c->name);
	unlink(ef);
	free(ef);
}

static void shim_argv_common(struct words *a, const char *cid, const char *uid, const char *bundle,
			     const char *name, const char *exit_dir)
{
	*a = (struct words){.v = xcalloc(1, sizeof(char *))};
	const char *fixed[] = {pm.shim, "--api-version", "1", "-c", cid, "-u", uid, "-b", bundle, "-n", name,
			       "--exit-dir", exit_dir, "--full-attach", "--log-level", "warning"};
	for (size_t i = 0; i < ARRAY_SIZE(fixed); i++)
		words_push(a, xstrdup(fixed[i]));
}

static void shim_argv_runc(struct words *a, const char *bundle, const char *pidfile)
{
	words_push(a, xstrdup("-r"));
	words_push(a, xstrdup(pm.runtime));
	words_push(a, xstrdup("-p"));
	words_push(a, xstrdup(pidfile));
	words_push(a, xstrdup("--runtime-arg"));
	words_push(a, xstrdup("--root"));
	words_push(a, xstrdup("--runtime-arg"));
	words_push(a, xstrdup(pm.rt_root));
	words_push(a, xstrdup("--runtime-arg"));
	words_push(a, xstrdup("--log-format=json"));
	words_push(a, xstrdup("--runtime-arg"));
	words_push(a, xstrdup("--log"));
	words_push(a, xasprintf("--runtime-arg=%s/oci-log", bundle));
}

/* Claim the container's directory: mkdir is the lock, also against another
 * ptyman on the same state. Sets c->name and c->dir. */
static int run_claim(struct ctr *c, const char *name_opt)
{
	for (;;) {
		c->name = name_opt ? xstrdup(name_opt) : name_auto();
		c->dir = ctr_path(c->name, NULL);
		if (mkdir(c->dir, 0700) == 0)
			break;
		int e = errno;
		if (e != EEXIST || name_opt) {
			diag_err("run: %s: %s", c->name, e == EEXIST ? "the name is in use (rm it first)" : strerror(e));
			return -1;
		}
		free(c->name);
		free(c->dir);
		c->name = c->dir = NULL;
	}
	char *ef = exit_path(c->name);
	unlink(ef); /* a removed container's file must not speak for this one */
	free(ef);
	return 0;
}

/* The bundle (runc) or the gate fifo (host), and the record. */
static int run_prepare(struct ctr *c)
{
	if (c->host) {
		char *fifo = ctr_path(c->name, "start.fifo");
		int rc = mkfifo(fifo, 0600);
		if (rc < 0)
			diag_err("run: %s: %s", fifo, strerror(errno));
		free(fifo);
		if (rc < 0)
			return -1;
	} else if (bundle_make(c) < 0) {
		return -1;
	}
	return meta_write(c);
}

/* ptyshim's command line for a container: podman's conmon argv (§1.3). */
static void run_shim_argv(const struct ctr *c, struct words *a)
{
	char *pidfile = ctr_path(c->name, "pidfile");
	shim_argv_common(a, c->name, c->name, c->dir, c->name, pm.exit_dir);
	if (!c->host)
		shim_argv_runc(a, c->dir, pidfile);
	free(pidfile);
	words_push(a, xstrdup("-l"));
	words_push(a, xasprintf("k8s-file:%s/ctr.log", c->dir));
	words_push(a, xstrdup("--conmon-pidfile"));
	words_push(a, ctr_path(c->name, "conmon.pid"));
	/* As podman: -t for a terminal (never -t -i), -i only for pipes. */
	if (c->tty)
		words_push(a, xstrdup("-t"));
	else if (c->stdin_open)
		words_push(a, xstrdup("-i"));
	if (c->host) {
		words_push(a, xstrdup("--no-runtime"));
		words_push(a, xstrdup("--"));
		words_push(a, xstrdup(pm.self));
		words_push(a, xstrdup("--gate"));
		words_push(a, ctr_path(c->name, "start.fifo"));
		words_push(a, xstrdup("--"));
		for (size_t i = 0; i < c->cmd.n; i++)
			words_push(a, xstrdup(c->cmd.v[i]));
	}
}

/* Start the shim and read its verdict: the container's pid in c->pid, or
 * the runtime's own error text. */
static int run_create(struct ctr *c)
{
	struct words a;
	run_shim_argv(c, &a);
	char *ps1 = c->host ? xasprintf("PS1=[%s] $ ", c->name) : NULL;
	const char *env[] = {ps1, NULL};
	struct launch l;
	int rc = shim_launch(a.v, false, c->host ? NULL : c->dir, env, &l);
	words_free(&a);
	free(ps1);
	if (rc < 0) {
		launch_close(&l);
		return -1;
	}
	long long data;
	char *message = NULL;
	rc = sync_read(l.sync_fd, "run", SYNC_TIMEOUT_MS, &data, &message);
	launch_close(&l);
	if (rc == 0 && data < 0) {
		char *oci = ctr_path(c->name, "oci-log");
		char *why = runtime_error(c->host ? NULL : oci, message);
		diag_err("run: %s", why);
		free(why);
		free(oci);
		rc = -1;
	}
	free(message);
	if (rc < 0)
		return -1;
	c->pid = (int)data;
	meta_write(c);
	return 0;
}

/* runc start, or opening the gate of a host command. */
static int run_start(struct ctr *c)
{
	if (c->host)
		return gate_open(c);
	char *err = NULL;
	int rc = runc_run(&err, "start", c->name, NULL);
	if (rc != 0) {
		char *line = last_line(err);
		diag_err("run: runc start: %s", line);
		free(line);
	}
	free(err);
	return rc == 0 ? 0 : -1;
}

static int cmd_run(int argc, char **argv)
{
	static const struct option lo[] = {
		{"interactive", no_argument, NULL, 'i'},
		{"tty", no_argument, NULL, 't'},
		{"detach", no_argument, NULL, 'd'},
		{"name", required_argument, NULL, 'n'},
		{0},
	};
	bool opt_i = false, opt_t = false, opt_d = false;
	const char *name_opt = NULL;
	opt_begin();
	for (int o; (o = getopt_long(argc, argv, "+itdn:", lo, NULL)) != -1;) {
		switch (o) {
		case 'i': opt_i = true; break;
		case 't': opt_t = true; break;
		case 'd': opt_d = true; break;
		case 'n': name_opt = optarg; break;
		default: return opt_bad("run", argc, argv);
		}
	}
	if (!tools_ok("run", true, !opt_d, false))
		return 1;
	if (name_opt && !name_valid(name_opt)) {
		diag_err("run: bad name '%s' (letters, digits, then also _ . -; at most %d)", name_opt, NAME_MAX_LEN);
		return 2;
	}

	struct ctr c = {.host = pm.host, .tty = opt_t, .stdin_open = opt_i};
	c.cmd.v = xcalloc(1, sizeof(char *));
	if (optind < argc)
		for (int i = optind; i < argc; i++)
			words_push(&c.cmd, xstrdup(argv[i]));
	else
		words_push(&c.cmd, xstrdup("sh"));

	if ((!c.host && rootfs_ensure() < 0) || run_claim(&c, name_opt) < 0) {
		ctr_free(&c);
		return 1;
	}
	if (run_prepare(&c) < 0 || run_create(&c) < 0)
		goto undo;

	/* Connect first, then start, as podman does: the first output (the
	 * shell's prompt) must reach the client. */
	pid_t client = -1;
	if (!opt_d) {
		struct words a;
		char *exitf = exit_path(c.name);
		attach_argv(&a, &c, c.dir, exitf, c.stdin_open);
		free(exitf);
		client = attach_spawn(a.v);
		words_free(&a);
	}
	if (run_start(&c) < 0) {
		if (client > 0) {
			kill(client, SIGTERM);
			wait_child(client);
		}
		if (c.host) {
			/* The gate has ended (or never came): nothing of it is left to
			 * keep, once its shim is done writing into the directory. */
			int code;
			ctr_wait_exit(&c, STOP_TIMEOUT_MS, &code);
			goto undo;
		}
		fprintf(stderr, "[%s was created but not started; rm -f %s removes it]\n", c.name, c.name);
		ctr_free(&c);
		return 1;
	}
	c.started = true;
	meta_write(&c);
	if (opt_d) {
		printf("%s\n", c.name);
		ctr_free(&c);
		return 0;
	}
	int st = client > 0 ? wait_child(client) : 1;
	fflush(stdout);
	int rc = attach_report(&c, st);
	ctr_free(&c);
	return rc;
undo:
	run_undo(&c);
	ctr_free(&c);
	return 1;
}

/* A container that exists and runs, for attach, exec and kill. */
static int ctr_running_get(const char *cmd, const char *name, struct ctr *c)
{
	if (meta_read(name, c, false) < 0)
		return -1;
	int code = 0;
	enum ctr_status st = ctr_status(c, &code);
	if (st == ST_RUNNING)
		return 0;
	char *s = status_text(st, code);
	diag_err("%s: %s is not running: %s", cmd, name, s);
	free(s);
	ctr_free(c);
	return -1;
}

static int cmd_attach(int argc, char **argv)
{
	static const struct option lo[] = {{"no-stdin", no_argument, NULL, 'n'}, {0}};
	bool no_stdin = false;
	opt_begin();
	for (int o; (o = getopt_long(argc, argv, "+", lo, NULL)) != -1;) {
		if (o == 'n')
			no_stdin = true;
		else
			return opt_bad("attach", argc, argv);
	}
	if (argc - optind != 1) {
		usage_of("attach");
		return 2;
	}
	struct ctr c;
	if (!tools_ok("attach", false, true, false) || ctr_running_get("attach", argv[optind], &c) < 0)
		return 1;
	struct words a;
	char *exitf = exit_path(c.name);
	attach_argv(&a, &c, c.dir, exitf, !no_stdin);
	free(exitf);
	int st = run_fg(a.v);
	words_free(&a);
	fflush(stdout);
	int rc = attach_report(&c, st);
	ctr_free(&c);
	return rc;
}

/* The process spec for runc exec: the container's own process (user, env,
 * capabilities, rlimits), with the new command and terminal setting. */
static int exec_spec_write(const struct ctr *c, const char *path, char **cmd, bool tty)
{
	char *cfgpath = ctr_path(c->name, "config.json");
	json_object *cfg = json_object_from_file(cfgpath);
	json_object *proc = NULL;
	if (!cfg || !json_object_object_get_ex(cfg, "process", &proc) || !json_object_is_type(proc, json_type_object)) {
		diag_err("exec: %s: no process in %s", c->name, cfgpath);
		json_object_put(cfg);
		free(cfgpath);
		return -1;
	}
	free(cfgpath);
	json_object *args = json_object_new_array();
	for (char **p = cmd; *p; p++)
		json_object_array_add(args, json_object_new_string(*p));
	json_object_object_add(proc, "args", args);
	json_object_object_add(proc, "terminal", json_object_new_boolean(tty));
	json_object_object_del(proc, "consoleSize");
	int rc = json_object_to_file_ext(path, proc, JSON_C_TO_STRING_PLAIN);
	if (rc < 0)
		diag_err("exec: %s: %s", path, json_util_get_last_err());
	json_object_put(cfg);
	return rc;
}

static int cmd_exec(int argc, char **argv)
{
	static const struct option lo[] = {
		{"interactive", no_argument, NULL, 'i'},
		{"tty", no_argument, NULL, 't'},
		{0},
	};
	bool opt_i = false, opt_t = false;
	opt_begin();
	for (int o; (o = getopt_long(argc, argv, "+it", lo, NULL)) != -1;) {
		switch (o) {
		case 'i': opt_i = true; break;
		case 't': opt_t = true; break;
		default: return opt_bad("exec", argc, argv);
		}
	}
	if (argc - optind < 2) {
		usage_of("exec");
		return 2;
	}
	struct ctr c;
	if (!tools_ok("exec", true, true, false) || ctr_running_get("exec", argv[optind], &c) < 0)
		return 1;
	if (c.host) {
		diag_err("exec: %s runs on the host without a runtime: there is no container to enter (use run)", c.name);
		ctr_free(&c);
		return 1;
	}
	/* One directory per session, as podman's $G/<sid>; mkdir claims it. */
	char *sid = NULL, *edir = NULL;
	char *sessions = xasprintf("%s/exec", c.dir);
	if (mkdir(sessions, 0700) < 0 && errno != EEXIST) {
		diag_err("exec: %s: %s", sessions, strerror(errno));
		free(sessions);
		ctr_free(&c);
		return 1;
	}
	for (int i = 1;; i++) {
		sid = xasprintf("exec%d", i);
		edir = xasprintf("%s/%s", sessions, sid);
		if (mkdir(edir, 0700) == 0)
			break;
		int e = errno;
		free(sid);
		free(edir);
		if (e != EEXIST) {
			diag_err("exec: %s: %s", sessions, strerror(e));
			free(sessions);
			ctr_free(&c);
			return 1;
		}
	}
	free(sessions);
	char *exitdir = xasprintf("%s/exit", edir);
	char *spec = xasprintf("%s/process.json", edir);
	char *exitf = xasprintf("%s/%s", exitdir, c.name);
	int rc = 1;
	pid_t client = -1;
	struct launch l = {.sync_fd = -1, .start_fd = -1, .attach_fd = -1};
	if (mkdir_p(exitdir, 0700) < 0) {
		diag_err("exec: %s: %s", exitdir, strerror(errno));
		goto out;
	}
	if (exec_spec_write(&c, spec, argv + optind + 1, opt_t) < 0)
		goto out;

	struct words a;
	char *pidfile = xasprintf("%s/exec_pid", edir);
	shim_argv_common(&a, c.name, sid, edir, c.name, exitdir);
	shim_argv_runc(&a, edir, pidfile);
	free(pidfile);
	const char *tail[] = {"-l", "none", "-e", "--exec-attach", "--exec-process-spec", spec};
	if (opt_t)
		words_push(&a, xstrdup("-t"));
	if (opt_i)
		words_push(&a, xstrdup("-i"));
	for (size_t i = 0; i < ARRAY_SIZE(tail); i++)
		words_push(&a, xstrdup(tail[i]));
	int lrc = shim_launch(a.v, true, edir, NULL, &l);
	words_free(&a);
	if (lrc < 0)
		goto out;

	long long data;
	char *message = NULL;
	/* {"data": 0} on the attach pipe: socket and fifos are there. */
	if (sync_read(l.attach_fd, "exec", SYNC_TIMEOUT_MS, &data, &message) < 0) {
		free(message);
		goto out;
	}
	free(message);
	struct ctr session = c;
	session.tty = opt_t;
	attach_argv(&a, &session, edir, exitf, opt_i);
	client = attach_spawn(a.v);
	words_free(&a);
	/* The second start byte: the runtime child runs `runc exec` now. */
	if (write_all(l.start_fd, "", 1) < 0)
		diag_warn("exec: start pipe: %s", strerror(errno));
	close_fd(&l.start_fd);
	if (sync_read(l.sync_fd, "exec", SYNC_TIMEOUT_MS, &data, &message) < 0 || data < 0) {
		if (client > 0) {
			kill(client, SIGTERM);
			wait_child(client);
			client = -1;
		}
		if (message) {
			char *oci = xasprintf("%s/oci-log", edir);
			char *why = runtime_error(oci, message);
			diag_err("exec: %s", why);
			free(why);
			free(oci);
		}
		free(message);
		goto out;
	}
	free(message);
	int st = client > 0 ? wait_child(client) : 1;
	client = -1;
	int code;
	if (read_int_file(exitf, &code) == 0) {
		fprintf(stderr, "[%s: %s exited (%d)]\n", c.name, argv[optind + 1], code);
		rc = code;
	} else if (st == 0) {
		fprintf(stderr, "[detached from %s %s; it ends with its command]\n", c.name, sid);
		rc = 0;
		goto keep;
	} else {
		rc = st;
	}
out:
	if (client > 0) {
		kill(client, SIGTERM);
		wait_child(client);
	}
	rm_rf(edir);
keep:
	launch_close(&l);
	free(exitf);
	free(spec);
	free(exitdir);
	free(sid);
	free(edir);
	ctr_free(&c);
	return rc;
}

static int cmd_logs(int argc, char **argv)
{
	static const struct option lo[] = {{"follow", no_argument, NULL, 'f'}, {"timestamps", no_argument, NULL, 't'}, {0}};
	bool follow = false, ts = false;
	opt_begin();
	for (int o; (o = getopt_long(argc, argv, "+ft", lo, NULL)) != -1;) {
		switch (o) {
		case 'f': follow = true; break;
		case 't': ts = true; break;
		default: return opt_bad("logs", argc, argv);
		}
	}
	if (argc - optind != 1) {
		usage_of("logs");
		return 2;
	}
	struct ctr c;
	if (!tools_ok("logs", false, false, true) || meta_read(argv[optind], &c, false) < 0)
		return 1;
	struct words a = {.v = xcalloc(1, sizeof(char *))};
	words_push(&a, xstrdup(pm.logs));
	if (ts)
		words_push(&a, xstrdup("--timestamps"));
	if (follow) {
		words_push(&a, xstrdup("--follow"));
		words_push(&a, xstrdup("--exit-file"));
		words_push(&a, exit_path(c.name));
	}
	words_push(&a, ctr_path(c.name, "ctr.log"));
	int rc = run_fg(a.v);
	words_free(&a);
	ctr_free(&c);
	return rc;
}

static int cmd_replay(int argc, char **argv)
{
	static const struct option lo[] = {{"speed", required_argument, NULL, 's'}, {0}};
	const char *speed = NULL;
	opt_begin();
	for (int o; (o = getopt_long(argc, argv, "+s:", lo, NULL)) != -1;) {
		if (o == 's')
			speed = optarg;
		else
			return opt_bad("replay", argc, argv);
	}
	if (argc - optind != 1) {
		usage_of("replay");
		return 2;
	}
	struct ctr c;
	if (!tools_ok("replay", false, false, true) || meta_read(argv[optind], &c, false) < 0)
		return 1;
	struct words a = {.v = xcalloc(1, sizeof(char *))};
	words_push(&a, xstrdup(pm.logs));
	words_push(&a, xstrdup("--replay"));
	/* Long pauses in a session are thinking time, not worth watching again. */
	words_push(&a, xstrdup("--idle-limit"));
	words_push(&a, xstrdup("2"));
	if (speed) {
		words_push(&a, xstrdup("--speed"));
		words_push(&a, xstrdup(speed));
	}
	words_push(&a, ctr_path(c.name, "ctr.log"));
	int rc = run_fg(a.v);
	words_free(&a);
	ctr_free(&c);
	return rc;
}

/* The command as one short line for ps. */
static void cmd_line_text(const struct words *cmd, char *buf, size_t size)
{
	size_t len = 0;
	buf[0] = '\0';
	for (size_t i = 0; i < cmd->n; i++) {
		for (const char *p = i ? " " : ""; *p && len + 1 < size; p++)
			buf[len++] = *p;
		for (const char *p = cmd->v[i]; *p && len + 1 < size; p++)
			buf[len++] = (*p == '\n' || *p == '\t') ? ' ' : *p;
	}
	buf[len] = '\0';
	if (len + 1 >= size && size > 4)
		memcpy(buf + size - 4, "...", 4);
}

static int cmd_ps(int argc, char **argv)
{
	(void)argv;
	if (argc != 1) {
		usage_of("ps");
		return 2;
	}
	struct words names = ctr_names();
	printf("%-16s %-14s %-9s %-8s %s\n", "NAME", "STATUS", "TERMINAL", "RUNTIME", "COMMAND");
	for (size_t i = 0; i < names.n; i++) {
		struct ctr c;
		if (meta_read(names.v[i], &c, true) < 0)
			continue;
		int code = 0;
		enum ctr_status cs = ctr_status(&c, &code);
		char *st = status_text(cs, code);
		char cmdline[48];
		cmd_line_text(&c.cmd, cmdline, sizeof(cmdline));
		printf("%-16s %-14s %-9s %-8s %s\n", c.name, st, c.tty ? "yes" : c.stdin_open ? "stdin" : "no",
		       c.host ? "none" : "runc", cmdline);
		free(st);
		ctr_free(&c);
	}
	words_free(&names);
	return 0;
}

static int ctr_signal(const struct ctr *c, int sig)
{
	if (c->host) {
		/* The command runs under the shim's pid as a session leader. */
		if (c->pid <= 0 || kill(c->pid, sig) < 0) {
			diag_err("kill: %s: %s", c->name, c->pid <= 0 ? "no pid recorded" : strerror(errno));
			return 1;
		}
		return 0;
	}
	char num[16];
	snprintf(num, sizeof(num), "%d", sig);
	char *err = NULL;
	int rc = runc_run(&err, "kill", c->name, num, NULL);
	if (rc != 0) {
		char *line = last_line(err);
		diag_err("kill: %s: %s", c->name, line);
		free(line);
	}
	free(err);
	return rc == 0 ? 0 : 1;
}

static int cmd_kill(int argc, char **argv)
{
	if (argc < 2 || argc > 3) {
		usage_of("kill");
		return 2;
	}
	int sig = SIGTERM;
	if (argc == 3 && (sig = signal_parse(argv[2])) < 0) {
		diag_err("kill: %s: unknown signal", argv[2]);
		return 2;
	}
	struct ctr c;
	if (ctr_running_get("kill", argv[1], &c) < 0)
		return 1;
	int rc = ctr_signal(&c, sig);
	ctr_free(&c);
	return rc;
}

static int ctr_wait_exit(const struct ctr *c, int cap_ms, int *code)
{
	int64_t deadline = cap_ms < 0 ? INT64_MAX : now_ms() + cap_ms;
	for (;;) {
		enum ctr_status st = ctr_status(c, code);
		if (st == ST_EXITED || st == ST_GONE)
			return st == ST_EXITED ? 0 : -1;
		if (now_ms() > deadline || !pm_nap(50))
			return -1;
	}
}

static int cmd_rm(int argc, char **argv)
{
	static const struct option lo[] = {{"force", no_argument, NULL, 'f'}, {0}};
	bool force = false;
	opt_begin();
	for (int o; (o = getopt_long(argc, argv, "+f", lo, NULL)) != -1;) {
		if (o == 'f')
			force = true;
		else
			return opt_bad("rm", argc, argv);
	}
	if (optind >= argc) {
		usage_of("rm");
		return 2;
	}
	int rc = 0;
	for (int i = optind; i < argc; i++) {
		struct ctr c;
		if (meta_read(argv[i], &c, false) < 0) {
			char *dir = ctr_path(argv[i], NULL);
			bool there = name_valid(argv[i]) && file_exists(dir);
			free(dir);
			if (!there) {
				rc = 1;
				continue;
			}
			/* A damaged record must not make a container unremovable:
			 * what the files still say is enough to clean up. */
			c = (struct ctr){.name = xstrdup(argv[i]), .dir = ctr_path(argv[i], NULL), .started = true};
			c.cmd.v = xcalloc(1, sizeof(char *));
		}
		int code;
		enum ctr_status st = ctr_status(&c, &code);
		if ((st == ST_RUNNING || st == ST_CREATED) && !force) {
			diag_err("rm: %s is %s (kill it first, or rm -f)", c.name, st == ST_RUNNING ? "running" : "created");
			ctr_free(&c);
			rc = 1;
			continue;
		}
		if (st == ST_RUNNING || st == ST_CREATED) {
			if (c.host || st == ST_RUNNING)
				ctr_signal(&c, SIGKILL);
			if (c.host && st == ST_CREATED) {
				/* Held at its gate: let it go so it dies. */
				char *pf = ctr_path(c.name, "conmon.pid");
				int mon;
				if (read_int_file(pf, &mon) == 0)
					kill(mon, SIGTERM);
				free(pf);
			}
		}
		if (!c.host && pm.runtime) {
			char *err = NULL;
			if (runc_run(&err, "delete", "--force", c.name, NULL) != 0 && !strstr(err, "does not exist")) {
				char *line = last_line(err);
				diag_warn("rm: %s: runc delete: %s", c.name, line);
				free(line);
			}
			free(err);
		}
		/* The shim writes into the bundle until it ends. */
		char *pf = ctr_path(c.name, "conmon.pid");
		int mon;
		if (read_int_file(pf, &mon) == 0) {
			int64_t deadline = now_ms() + STOP_TIMEOUT_MS;
			while (pid_alive_with(mon, c.dir) && now_ms() < deadline)
				pm_nap(20);
			if (pid_alive_with(mon, c.dir)) {
				diag_warn("rm: %s: its ptyshim (pid %d) is still running; stopping it", c.name, mon);
				kill(mon, SIGKILL);
			}
		}
		free(pf);
		rm_rf(c.dir);
		char *ef = exit_path(c.name);
		unlink(ef);
		free(ef);
		printf("%s\n", c.name);
		ctr_free(&c);
	}
	return rc;
}

static int cmd_wait(int argc, char **argv)
{
	if (argc != 2) {
		usage_of("wait");
		return 2;
	}
	struct ctr c;
	if (meta_read(argv[1], &c, false) < 0)
		return 1;
	int code;
	int rc = ctr_wait_exit(&c, -1, &code);
	if (rc == 0)
		printf("%d\n", code);
	else
		diag_err("wait: %s: %s", c.name, pm.quit ? "interrupted" : "no exit code (its shim is gone)");
	ctr_free(&c);
	return rc == 0 ? 0 : 1;
}

static int cmd_help(int argc, char **argv);

static int cmd_quit(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	pm.quit = true;
	return 0;
}

static const struct cmd commands[] = {
	{"run", cmd_run, "run [-it|-i|-t|-d] [--name NAME] [CMD [ARG...]]",
	 "start a container (CMD defaults to sh); -it attaches a terminal", false},
	{"attach", cmd_attach, "attach [--no-stdin] NAME", "attach to a running container (ctrl-p ctrl-q detaches)", true},
	{"exec", cmd_exec, "exec [-it|-i|-t] NAME CMD [ARG...]", "run another command in a running container", true},
	{"logs", cmd_logs, "logs [-f] [-t] NAME", "print the container's log (-f: follow until it exits)", true},
	{"replay", cmd_replay, "replay [--speed X] NAME", "play the session back with its original timing", true},
	{"ps", cmd_ps, "ps", "list the containers and their state", false},
	{"kill", cmd_kill, "kill NAME [SIGNAL]", "send a signal (default TERM)", true},
	{"rm", cmd_rm, "rm [-f] NAME...", "remove containers (-f: kill running ones first)", true},
	{"wait", cmd_wait, "wait NAME", "wait until the container exits; print its exit code", true},
	{"help", cmd_help, "help", "this list", false},
	{"quit", cmd_quit, "quit", "leave ptyman (containers keep running)", false},
	{"exit", cmd_quit, "exit", "same as quit", false},
};

static const struct cmd *cmd_find(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(commands); i++)
		if (strcmp(commands[i].name, name) == 0)
			return &commands[i];
	return NULL;
}

static int cmd_help(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	for (size_t i = 0; i < ARRAY_SIZE(commands); i++)
		printf("  %-48s %s\n", commands[i].usage, commands[i].help);
	if (pm.host)
		printf("runtime-less mode: commands run on this host under ptyshim --no-runtime (no exec)\n");
	return 0;
}

static int dispatch(int argc, char **argv)
{
	if (argc == 0)
		return 0;
	const struct cmd *c = cmd_find(argv[0]);
	if (!c) {
		diag_err("%s: unknown command (try help)", argv[0]);
		return 2;
	}
	int rc = c->fn(argc, argv);
	fflush(stdout);
	return rc;
}

static int run_line(const char *line)
{
	struct words w;
	const char *err;
	if (words_split(line, &w, &err) < 0) {
		diag_err("%s", err);
		words_free(&w);
		return 2;
	}
	int rc = dispatch((int)w.n, w.v);
	words_free(&w);
	return rc;
}

/* ------------------------------------------------------------ signals */

/* Drain pending signals; SIGTERM and SIGHUP mean quit, SIGINT is reported. */
static bool signals_drain(bool *interrupted)
{
	struct signalfd_siginfo si;
	bool any = false;
	while (pm.sig_fd >= 0 && read(pm.sig_fd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		any = true;
		switch (si.ssi_signo) {
		case SIGINT:
		case SIGQUIT:
			if (interrupted)
				*interrupted = true;
			break;
		case SIGTERM:
		case SIGHUP:
			pm.quit = true;
			break;
		case SIGWINCH:
			if (pm.interactive)
				rl_resize_terminal();
			break;
		default:
			break;
		}
	}
	return any;
}

static bool pm_nap(int ms)
{
	struct pollfd p = {.fd = pm.sig_fd, .events = POLLIN};
	if (poll(&p, pm.sig_fd >= 0 ? 1 : 0, ms) > 0) {
		bool intr = false;
		signals_drain(&intr);
		if (intr || pm.quit)
			return false;
	}
	return true;
}

/* ------------------------------------------------------------ readline */

static char *gen_from(const char *text, int state, const char *const *list, size_t n)
{
	static size_t idx;
	static size_t len;
	if (!state) {
		idx = 0;
		len = strlen(text);
	}
	while (idx < n) {
		const char *s = list[idx++];
		if (strncmp(s, text, len) == 0)
			return xstrdup(s);
	}
	return NULL;
}

static char *gen_command(const char *text, int state)
{
	static const char *names[ARRAY_SIZE(commands)];
	for (size_t i = 0; i < ARRAY_SIZE(commands); i++)
		names[i] = commands[i].name;
	return gen_from(text, state, names, ARRAY_SIZE(commands));
}

static struct words completion_names;

static char *gen_container(const char *text, int state)
{
	if (!state) {
		words_free(&completion_names);
		completion_names = ctr_names();
	}
	return gen_from(text, state, (const char *const *)completion_names.v, completion_names.n);
}

static char *gen_signal(const char *text, int state)
{
	static const char *const sigs[] = {"TERM", "KILL", "INT", "HUP", "QUIT", "USR1", "USR2", "STOP", "CONT", "WINCH"};
	return gen_from(text, state, sigs, ARRAY_SIZE(sigs));
}

/* First word: a command. After a command that takes a container: its name
 * (the first non-option word), and for kill the signal after it. Nothing
 * else completes: file names mean nothing inside a container. */
static char **pm_complete(const char *text, int start, int end)
{
	(void)end;
	rl_attempted_completion_over = 1;
	char *before = xasprintf("%.*s", start, rl_line_buffer);
	struct words w;
	const char *err;
	bool open_word = false;
	words_split_ex(before, &w, &err, true, &open_word);
	free(before);
	char **m = NULL;
	if (w.n == 0) {
		m = rl_completion_matches(text, gen_command);
	} else {
		const struct cmd *c = cmd_find(w.v[0]);
		size_t positional = 0;
		for (size_t i = 1; i < w.n; i++)
			if (w.v[i][0] != '-')
				positional++;
		if (c && c->takes_ctr && text[0] != '-') {
			if (positional == 0 || strcmp(c->name, "rm") == 0)
				m = rl_completion_matches(text, gen_container);
			else if (positional == 1 && strcmp(c->name, "kill") == 0)
				m = rl_completion_matches(text, gen_signal);
		}
	}
	words_free(&w);
	return m;
}

static void history_setup(void)
{
	using_history();
	stifle_history(HISTORY_MAX);
	read_history(pm.history);
}

static void history_note(const char *line)
{
	if (!line[strspn(line, " \t")])
		return;
	HIST_ENTRY *last = history_length > 0 ? history_get(history_base + history_length - 1) : NULL;
	if (last && strcmp(last->line, line) == 0)
		return;
	add_history(line);
	if (pm.interactive) {
		if (!file_exists(pm.history))
			write_history(pm.history);
		else
			append_history(1, pm.history);
		history_truncate_file(pm.history, HISTORY_MAX);
	}
}

static char *pending_line;
static bool pending_eof;

static void on_line(char *line)
{
	/* Removed here, before readline shows the next prompt by itself. */
	rl_callback_handler_remove();
	if (!line)
		pending_eof = true;
	else
		pending_line = line;
}

/* The prompt, in readline's callback mode so that one poll loop serves the
 * terminal and the signalfd: Ctrl-C clears the line, a resize redraws it.
 * Every command runs with readline's terminal settings undone, since it may
 * hand the terminal to ptyshim-attach or ptyshim-logs. */
static void loop_interactive(void)
{
	rl_readline_name = PROG;
	rl_attempted_completion_function = pm_complete;
	rl_catch_signals = 0;
	rl_catch_sigwinch = 0;
	rl_callback_handler_install(PROMPT, on_line);
	while (!pm.quit) {
		struct pollfd p[2] = {{.fd = STDIN_FILENO, .events = POLLIN}, {.fd = pm.sig_fd, .events = POLLIN}};
		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			diag_err("poll: %s", strerror(errno));
			break;
		}
		if (p[1].revents) {
			bool intr = false;
			signals_drain(&intr);
			if (intr) {
				rl_free_line_state();
				rl_callback_sigcleanup();
				rl_crlf();
				rl_replace_line("", 0);
				rl_on_new_line();
				rl_redisplay();
			}
		}
		if (pm.quit)
			break;
		if (p[0].revents & (POLLIN | POLLHUP | POLLERR))
			rl_callback_read_char();
		if (pending_eof) {
			printf("\n");
			return;
		}
		if (pending_line) {
			char *line = pending_line;
			pending_line = NULL;
			history_note(line);
			run_line(line);
			free(line);
			signals_drain(NULL); /* ^C typed for a child is not ours */
			if (!pm.quit)
				rl_callback_handler_install(PROMPT, on_line);
		}
	}
	rl_callback_handler_remove();
}

/* Lines from a pipe or file: read byte by byte, so that whatever follows a
 * `run -i` line is left for that container, not in our buffer. */
static int loop_lines(void)
{
	int rc = 0;
	char *buf = NULL;
	size_t cap = 0;
	while (!pm.quit) {
		size_t len = 0;
		bool eof = false;
		for (;;) {
			char ch;
			ssize_t n = read(STDIN_FILENO, &ch, 1);
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0) {
				eof = true;
				break;
			}
			if (len + 2 > cap) {
				cap = cap ? cap * 2 : 256;
				buf = xrealloc(buf, cap);
			}
			if (ch == '\n')
				break;
			buf[len++] = ch;
		}
		if (eof && len == 0)
			break;
		buf[len] = '\0';
		if (pm.echo) {
			printf("%s%s\n", PROMPT, buf);
			fflush(stdout);
		}
		rc = run_line(buf);
		signals_drain(NULL);
		if (eof)
			break;
	}
	free(buf);
	return rc;
}

/* ------------------------------------------------------------ setup */

static char *self_path(void)
{
	char buf[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", buf, sizeof(buf) - 1);
	if (n <= 0)
		return NULL;
	buf[n] = '\0';
	return xstrdup(buf);
}

/* ptyshim's programs: next to a built tree (demo/bin/ptyman → bin/NAME),
 * else in PATH. */
static char *find_tool(const char *name, const char *bindir)
{
	if (bindir) {
		char *p = xasprintf("%s/%s", bindir, name);
		if (access(p, X_OK) == 0)
			return p;
		free(p);
	}
	if (pm.self) {
		char *dir = xstrdup(pm.self);
		char *slash = strrchr(dir, '/');
		if (slash) {
			*slash = '\0';
			char *p = xasprintf("%s/../../bin/%s", dir, name);
			char *real = realpath(p, NULL);
			free(p);
			if (real && access(real, X_OK) == 0) {
				free(dir);
				return real;
			}
			free(real);
		}
		free(dir);
	}
	const char *path = getenv("PATH");
	char *dirs = xstrdup(path ? path : "/usr/local/bin:/usr/bin:/bin");
	char *found = NULL;
	for (char *save = NULL, *d = strtok_r(dirs, ":", &save); d && !found; d = strtok_r(NULL, ":", &save)) {
		char *p = xasprintf("%s/%s", d, name);
		if (access(p, X_OK) == 0)
			found = p;
		else
			free(p);
	}
	free(dirs);
	return found;
}

static char *state_default(void)
{
	if (geteuid() == 0)
		return xstrdup("/var/lib/ptyman");
	const char *xdg = getenv("XDG_RUNTIME_DIR");
	if (xdg && xdg[0] == '/' && access(xdg, W_OK) == 0)
		return xasprintf("%s/ptyman", xdg);
	const char *home = getenv("HOME");
	if (home && home[0] == '/')
		return xasprintf("%s/.local/state/ptyman", home);
	return NULL;
}

static const char usage_text[] =
	"usage: ptyman [OPTIONS] [COMMAND [ARG...]]\n"
	"A small container manager on ptyshim: busybox containers under runc, each\n"
	"watched by a ptyshim; attach, exec, logs and replay through a readline prompt.\n"
	"With COMMAND, run that one command and exit with its status. Without one, read\n"
	"commands at a prompt (stdin a terminal) or one per line from stdin.\n"
	"  --state DIR       state directory (default /var/lib/ptyman as root, else\n"
	"                    $XDG_RUNTIME_DIR/ptyman or ~/.local/state/ptyman)\n"
	"  --no-runtime      runtime-less mode: run commands on this host under\n"
	"                    ptyshim --no-runtime (the default without root)\n"
	"  --runtime PATH    the OCI runtime (default runc)\n"
	"  --bin DIR         where ptyshim, ptyshim-attach, ptyshim-logs are\n"
	"  --start LINE      run LINE first, as if typed (repeatable)\n"
	"  --echo            print each command read from a non-terminal stdin\n"
	"  -h, --help        this text\n"
	"Type help at the prompt for the commands.\n";


/* Running containers left by an earlier ptyman, for the greeting. */
static void survivors_note(void)
{
	struct words names = ctr_names();
	struct words alive = {.v = xcalloc(1, sizeof(char *))};
	for (size_t i = 0; i < names.n; i++) {
		struct ctr c;
		int code;
		if (meta_read(names.v[i], &c, true) < 0)
			continue;
		if (ctr_status(&c, &code) == ST_RUNNING)
			words_push(&alive, xstrdup(c.name));
		ctr_free(&c);
	}
	if (alive.n > 0) {
		printf("%zu running from an earlier session:", alive.n);
		for (size_t i = 0; i < alive.n; i++)
			printf(" %s", alive.v[i]);
		printf(" (attach NAME)\n");
	}
	words_free(&alive);
	words_free(&names);
}

int main(int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "--gate") == 0)
		return gate_main(argc, argv);

	diag_init(PROG);
	signal(SIGPIPE, SIG_IGN);
	setvbuf(stdout, NULL, _IOLBF, 0);

	enum { O_STATE = 256, O_NO_RUNTIME, O_RUNTIME, O_BIN, O_START, O_ECHO };
	static const struct option lo[] = {
		{"state", required_argument, NULL, O_STATE},
		{"no-runtime", no_argument, NULL, O_NO_RUNTIME},
		{"runtime", required_argument, NULL, O_RUNTIME},
		{"bin", required_argument, NULL, O_BIN},
		{"start", required_argument, NULL, O_START},
		{"echo", no_argument, NULL, O_ECHO},
		{"help", no_argument, NULL, 'h'},
		{0},
	};
	const char *state = NULL, *runtime = "runc", *bindir = NULL;
	bool no_runtime = false;
	pm.start.v = xcalloc(1, sizeof(char *));
	opterr = 0;
	for (int o; (o = getopt_long(argc, argv, "+h", lo, NULL)) != -1;) {
		switch (o) {
		case O_STATE: state = optarg; break;
		case O_NO_RUNTIME: no_runtime = true; break;
		case O_RUNTIME: runtime = optarg; break;
		case O_BIN: bindir = optarg; break;
		case O_START: words_push(&pm.start, xstrdup(optarg)); break;
		case O_ECHO: pm.echo = true; break;
		case 'h': fputs(usage_text, stdout); return 0;
		default:
			diag_err("%s: unknown option or missing value (see --help)", argv[optind - 1]);
			return 2;
		}
	}

	pm.self = self_path();
	pm.shim = find_tool("ptyshim", bindir);
	pm.attach = find_tool("ptyshim-attach", bindir);
	pm.logs = find_tool("ptyshim-logs", bindir);
	if (!pm.self) {
		diag_err("cannot find my own executable: %s", strerror(errno));
		return 1;
	}

	char *sdir = state ? xstrdup(state) : state_default();
	if (!sdir) {
		diag_err("no state directory: give --state DIR (no HOME, no XDG_RUNTIME_DIR)");
		return 1;
	}
	if (mkdir_p(sdir, 0700) < 0) {
		diag_err("state %s: %s", sdir, strerror(errno));
		return 1;
	}
	pm.state = realpath(sdir, NULL);
	free(sdir);
	if (!pm.state) {
		diag_err("state: %s", strerror(errno));
		return 1;
	}
	pm.ctr_dir = xasprintf("%s/ctr", pm.state);
	pm.exit_dir = xasprintf("%s/exits", pm.state);
	pm.rootfs = xasprintf("%s/rootfs", pm.state);
	pm.rt_root = xasprintf("%s/runc", pm.state);
	pm.history = xasprintf("%s/history", pm.state);
	if (mkdir_p(pm.ctr_dir, 0700) < 0 || mkdir_p(pm.exit_dir, 0700) < 0) {
		diag_err("state %s: %s", pm.state, strerror(errno));
		return 1;
	}

	pm.interactive = optind == argc && isatty(STDIN_FILENO) && isatty(STDOUT_FILENO);
	const char *why_host = NULL;
	/* Found even in the runtime-less mode: containers that a runc-mode
	 * ptyman left in this state directory still need it for kill and rm. */
	pm.runtime = runtime[0] == '/' ? (access(runtime, X_OK) == 0 ? xstrdup(runtime) : NULL)
				       : find_tool(runtime, NULL);
	if (no_runtime) {
		pm.host = true;
	} else if (geteuid() != 0) {
		pm.host = true;
		why_host = "not root, so no runc containers";
	} else if (!pm.runtime) {
		pm.host = true;
		why_host = "runc not found, so no containers";
	}
	if (!pm.host && mkdir_p(pm.rt_root, 0700) < 0) {
		diag_err("state %s: %s", pm.rt_root, strerror(errno));
		return 1;
	}
	if (why_host && (pm.interactive || optind == argc))
		printf("ptyman: %s: runtime-less mode, commands run on this host under ptyshim --no-runtime\n", why_host);

	sigemptyset(&pm.sigs);
	int handled[] = {SIGINT, SIGQUIT, SIGTERM, SIGHUP, SIGWINCH};
	for (size_t i = 0; i < ARRAY_SIZE(handled); i++)
		sigaddset(&pm.sigs, handled[i]);
	sigprocmask(SIG_BLOCK, &pm.sigs, NULL);
	pm.sig_fd = signalfd(-1, &pm.sigs, SFD_NONBLOCK | SFD_CLOEXEC);
	if (pm.sig_fd < 0) {
		diag_err("signalfd: %s", strerror(errno));
		return 1;
	}

	int rc = 0;
	if (optind < argc)
		return dispatch(argc - optind, argv + optind);
	if (pm.interactive) {
		history_setup();
		printf("ptyman: state %s, %s. Type help; ctrl-p ctrl-q detaches.\n", pm.state,
		       pm.host ? "commands on this host (no runtime)" : "busybox containers under runc");
		survivors_note();
	}
	for (size_t i = 0; i < pm.start.n && !pm.quit; i++) {
		if (pm.interactive || pm.echo)
			printf("%s%s\n", PROMPT, pm.start.v[i]);
		if (pm.interactive)
			history_note(pm.start.v[i]);
		rc = run_line(pm.start.v[i]);
		signals_drain(NULL);
	}
	if (!pm.quit) {
		if (pm.interactive)
			loop_interactive();
		else
			rc = loop_lines();
	}
	/* At the prompt, statuses were for the person who saw them. */
	return pm.interactive ? 0 : rc;
}
