/* cmd_run: run and exec, the commands that start something: ptyshim (as
 * podman starts conmon), the attach client, then the container. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/diag.h"
#include "base/exitfile.h"
#include "base/util.h"
#include "cmds.h"
#include "ctr.h"
#include "gate.h"
#include "launch.h"
#include "rootfs.h"
#include "runc.h"
#include "spawn.h"
#include "state.h"

/* Claim the container's directory: mkdir is the lock, also against another
 * ptyman on the same state. Sets c->name and c->dir. */
static int run_claim(const struct ptyman *pm, struct ctr *c, const char *name_opt)
{
	for (;;) {
		c->name = name_opt ? xstrdup(name_opt) : name_auto(&pm->state);
		c->dir = state_ctr_path(&pm->state, c->name, NULL);
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
	char *ef = state_exit_path(&pm->state, c->name);
	unlink(ef); /* a removed container's file must not speak for this one */
	free(ef);
	return 0;
}

/* The bundle (runc) or the gate fifo (host), and the record. */
static int run_prepare(const struct ptyman *pm, struct ctr *c)
{
	if (c->host) {
		char *fifo = state_ctr_path(&pm->state, c->name, "start.fifo");
		int rc = mkfifo(fifo, 0600);
		if (rc < 0)
			diag_err("run: %s: %s", fifo, strerror(errno));
		free(fifo);
		if (rc < 0)
			return -1;
	} else if (bundle_make(pm, c) < 0) {
		return -1;
	}
	return ctr_record_write(pm, c);
}

/* Remove what a failed run left behind, so the name can be used again. */
static void run_undo(const struct ptyman *pm, const struct ctr *c)
{
	if (!c->host) {
		char *err = NULL;
		runc_run(pm, &err, (const char *const[]){"delete", "--force", c->name, NULL});
		free(err);
	}
	ctr_remove_files(pm, c);
}

/* ptyshim's command line for a container: podman's conmon argv (§1.3). */
static struct words run_shim_argv(const struct ptyman *pm, const struct ctr *c)
{
	struct words a;
	shim_argv_common(pm, &a, c->name, c->name, c->dir, pm->state.exit_dir);
	if (!c->host) {
		char *pidfile = state_ctr_path(&pm->state, c->name, "pidfile");
		shim_argv_runc(pm, &a, c->dir, pidfile);
		free(pidfile);
	}
	words_push(&a, xstrdup("-l"));
	words_push(&a, xasprintf("k8s-file:%s/ctr.log", c->dir));
	words_push(&a, xstrdup("--conmon-pidfile"));
	words_push(&a, state_ctr_path(&pm->state, c->name, "conmon.pid"));
	/* As podman: -t for a terminal (never -t -i), -i only for pipes. */
	if (c->tty)
		words_push(&a, xstrdup("-t"));
	else if (c->stdin_open)
		words_push(&a, xstrdup("-i"));
	if (c->host) {
		const char *gate[] = {"--no-runtime", "--", pm->tools.self, "--gate"};
		for (size_t i = 0; i < ARRAY_SIZE(gate); i++)
			words_push(&a, xstrdup(gate[i]));
		words_push(&a, state_ctr_path(&pm->state, c->name, "start.fifo"));
		words_push(&a, xstrdup("--"));
		for (size_t i = 0; i < c->cmd.n; i++)
			words_push(&a, xstrdup(c->cmd.v[i]));
	}
	return a;
}

/* Start the shim and read its verdict: the container's pid in c->pid, or
 * the runtime's own error text. */
static int run_create(const struct ptyman *pm, struct ctr *c)
{
	struct words a = run_shim_argv(pm, c);
	char *ps1 = c->host ? xasprintf("PS1=[%s] $ ", c->name) : NULL;
	const char *env[] = {ps1, NULL};
	struct launch l;
	int rc = shim_launch(a.v, false, c->host ? NULL : c->dir, env, &l);
	words_free(&a);
	free(ps1);
	long long data = 0;
	char *message = NULL;
	if (rc == 0)
		rc = sync_read(l.sync_fd, "run", SYNC_TIMEOUT_MS, &data, &message);
	launch_close(&l);
	if (rc == 0 && data < 0) {
		char *oci = state_ctr_path(&pm->state, c->name, "oci-log");
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
	ctr_record_write(pm, c);
	return 0;
}

/* runc start, or opening the gate of a host command. */
static int run_start(const struct ptyman *pm, const struct ctr *c)
{
	if (c->host)
		return gate_open(pm, c);
	return runc_do(pm, "run: runc start", (const char *const[]){"start", c->name, NULL});
}

static int run_start_failed(struct ptyman *pm, struct ctr *c, pid_t *client)
{
	spawn_stop(client);
	if (c->host) {
		/* The gate has ended (or never came): nothing of it is left to
		 * keep, once its shim is done writing into the directory. */
		int code;
		ctr_wait_exit(pm, c, STOP_TIMEOUT_MS, &code);
		run_undo(pm, c);
		return 1;
	}
	fprintf(stderr, "[%s was created but not started; rm -f %s removes it]\n", c->name, c->name);
	return 1;
}

/* Connect first, then start, as podman does: the first output (the
 * shell's prompt) must reach the client. */
static int run_attached(struct ptyman *pm, struct ctr *c, bool detach)
{
	pid_t client = -1;
	if (!detach) {
		char *exitf = state_exit_path(&pm->state, c->name);
		struct words a = attach_argv(pm, c, c->dir, exitf, c->stdin_open);
		free(exitf);
		client = attach_spawn(a.v);
		words_free(&a);
	}
	if (run_start(pm, c) < 0)
		return run_start_failed(pm, c, &client);
	c->started = true;
	ctr_record_write(pm, c);
	if (detach) {
		printf("%s\n", c->name);
		return 0;
	}
	int st = client > 0 ? spawn_wait(client) : 1;
	fflush(stdout);
	return attach_report(pm, c, st);
}

int cmd_run(struct ptyman *pm, int argc, char **argv)
{
	bool opt_i = false, opt_t = false, opt_d = false;
	const char *name_opt = NULL;
	const struct opt opts[] = {
		{"interactive", 'i', &opt_i, NULL},
		{"tty", 't', &opt_t, NULL},
		{"detach", 'd', &opt_d, NULL},
		{"name", 'n', NULL, &name_opt},
		{0},
	};
	int first = cmd_opts("run", argc, argv, opts, 0, -1);
	if (first < 0)
		return 2;
	if (!cmd_tools(pm, "run", true, !opt_d, false))
		return 1;
	if (name_opt && !name_valid(name_opt)) {
		diag_err("run: bad name '%s' (letters, digits, then also _ . -; at most %d)", name_opt, NAME_MAX_LEN);
		return 2;
	}

	struct ctr c = {.host = pm->host, .tty = opt_t, .stdin_open = opt_i, .cmd = words_new()};
	for (int i = first; i < argc; i++)
		words_push(&c.cmd, xstrdup(argv[i]));
	if (c.cmd.n == 0)
		words_push(&c.cmd, xstrdup("sh"));

	int rc = 1;
	if ((c.host || rootfs_ensure(&pm->state) == 0) && run_claim(pm, &c, name_opt) == 0) {
		if (run_prepare(pm, &c) < 0 || run_create(pm, &c) < 0)
			run_undo(pm, &c);
		else
			rc = run_attached(pm, &c, opt_d);
	}
	ctr_free(&c);
	return rc;
}

/* ------------------------------------------------------------ exec */

/* One exec session: its directory STATE/ctr/NAME/exec/SID, as podman's
 * $G/<sid>, with the shim's exit dir and the process spec in it. */
struct exec_session {
	char *sid, *dir, *exit_dir, *spec, *exit_file;
	struct launch l;
	pid_t client;
};

static void exec_session_free(struct exec_session *s)
{
	launch_close(&s->l);
	free(s->sid);
	free(s->dir);
	free(s->exit_dir);
	free(s->spec);
	free(s->exit_file);
}

/* mkdir claims the first free execN. 0, or -1 printed. */
static int exec_claim(const struct ctr *c, struct exec_session *s)
{
	char *sessions = xasprintf("%s/exec", c->dir);
	if (mkdir(sessions, 0700) < 0 && errno != EEXIST) {
		diag_err("exec: %s: %s", sessions, strerror(errno));
		free(sessions);
		return -1;
	}
	for (int i = 1;; i++) {
		s->sid = xasprintf("exec%d", i);
		s->dir = xasprintf("%s/%s", sessions, s->sid);
		if (mkdir(s->dir, 0700) == 0)
			break;
		int e = errno;
		free(s->sid);
		free(s->dir);
		s->sid = s->dir = NULL;
		if (e != EEXIST) {
			diag_err("exec: %s: %s", sessions, strerror(e));
			free(sessions);
			return -1;
		}
	}
	free(sessions);
	s->exit_dir = xasprintf("%s/exit", s->dir);
	s->spec = xasprintf("%s/process.json", s->dir);
	s->exit_file = xasprintf("%s/%s", s->exit_dir, c->name);
	return 0;
}

/* The shim of an exec session, up to its first sync message on the attach
 * pipe ({"data": 0}: the socket and fifos are there). */
static int exec_launch(const struct ptyman *pm, const struct ctr *c, struct exec_session *s, bool tty,
		       bool interactive)
{
	struct words a;
	char *pidfile = xasprintf("%s/exec_pid", s->dir);
	shim_argv_common(pm, &a, c->name, s->sid, s->dir, s->exit_dir);
	shim_argv_runc(pm, &a, s->dir, pidfile);
	free(pidfile);
	if (tty)
		words_push(&a, xstrdup("-t"));
	if (interactive)
		words_push(&a, xstrdup("-i"));
	const char *tail[] = {"-l", "none", "-e", "--exec-attach", "--exec-process-spec", s->spec};
	for (size_t i = 0; i < ARRAY_SIZE(tail); i++)
		words_push(&a, xstrdup(tail[i]));
	int rc = shim_launch(a.v, true, s->dir, NULL, &s->l);
	words_free(&a);
	if (rc < 0)
		return -1;
	long long data;
	char *message = NULL;
	rc = sync_read(s->l.attach_fd, "exec", SYNC_TIMEOUT_MS, &data, &message);
	free(message);
	return rc;
}

/* The attach client, then the second start byte (the runtime child runs
 * `runc exec` now), then the verdict: the process's pid or runc's error. */
static int exec_start(const struct ptyman *pm, const struct ctr *c, struct exec_session *s, bool tty,
		      bool interactive)
{
	struct ctr session = *c;
	session.tty = tty;
	struct words a = attach_argv(pm, &session, s->dir, s->exit_file, interactive);
	s->client = attach_spawn(a.v);
	words_free(&a);
	if (write_all(s->l.start_fd, "", 1) < 0)
		diag_warn("exec: start pipe: %s", strerror(errno));
	close_fd(&s->l.start_fd);
	long long data;
	char *message = NULL;
	int rc = 0;
	if (sync_read(s->l.sync_fd, "exec", SYNC_TIMEOUT_MS, &data, &message) < 0 || data < 0) {
		spawn_stop(&s->client);
		if (message) {
			char *oci = xasprintf("%s/oci-log", s->dir);
			char *why = runtime_error(oci, message);
			diag_err("exec: %s", why);
			free(why);
			free(oci);
		}
		rc = -1;
	}
	free(message);
	return rc;
}

/* After the attach client ended: the command's exit status, or detached
 * (*keep: the session goes on, its directory stays). */
static int exec_result(const struct ctr *c, struct exec_session *s, const char *cmd, bool *keep)
{
	int st = s->client > 0 ? spawn_wait(s->client) : 1;
	s->client = -1;
	int code;
	if (exitfile_read(s->exit_file, &code) == 1) {
		char what[32];
		fprintf(stderr, "[%s: %s %s]\n", c->name, cmd, exitfile_describe(code, what, sizeof(what)));
		return exitfile_status(code);
	}
	if (st == 0) {
		fprintf(stderr, "[detached from %s %s; it ends with its command]\n", c->name, s->sid);
		*keep = true;
		return 0;
	}
	return st;
}

static int exec_in(const struct ptyman *pm, const struct ctr *c, char **cmd, bool tty, bool interactive)
{
	struct exec_session s = {.l = LAUNCH_INIT, .client = -1};
	int rc = 1;
	bool keep = false;
	if (exec_claim(c, &s) < 0) {
		exec_session_free(&s);
		return 1;
	}
	if (mkdir_p(s.exit_dir, 0700) < 0)
		diag_err("exec: %s: %s", s.exit_dir, strerror(errno));
	else if (exec_spec_write(pm, c, s.spec, cmd, tty) == 0 && exec_launch(pm, c, &s, tty, interactive) == 0 &&
		 exec_start(pm, c, &s, tty, interactive) == 0)
		rc = exec_result(c, &s, cmd[0], &keep);
	spawn_stop(&s.client);
	if (!keep)
		rm_rf(s.dir);
	exec_session_free(&s);
	return rc;
}

int cmd_exec(struct ptyman *pm, int argc, char **argv)
{
	bool opt_i = false, opt_t = false;
	const struct opt opts[] = {
		{"interactive", 'i', &opt_i, NULL},
		{"tty", 't', &opt_t, NULL},
		{0},
	};
	int first = cmd_opts("exec", argc, argv, opts, 2, -1);
	if (first < 0)
		return 2;
	struct ctr c;
	if (!cmd_tools(pm, "exec", true, true, false) || ctr_get_running(pm, "exec", argv[first], &c) < 0)
		return 1;
	int rc = 1;
	if (c.host)
		diag_err("exec: %s runs on the host without a runtime: there is no container to enter (use run)", c.name);
	else
		rc = exec_in(pm, &c, argv + first + 1, opt_t, opt_i);
	ctr_free(&c);
	return rc;
}
