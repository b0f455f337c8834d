/* cmd_manage: ps, kill, rm and wait, the commands that look after
 * containers without showing them. */
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/diag.h"
#include "base/exitfile.h"
#include "base/util.h"
#include "cmds.h"
#include "ctr.h"
#include "runc.h"
#include "signals.h"
#include "spawn.h"
#include "state.h"

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

int cmd_ps(struct ptyman *pm, int argc, char **argv)
{
	(void)argv;
	if (argc != 1) {
		cmd_usage("ps");
		return 2;
	}
	struct words names = state_ctr_names(&pm->state);
	printf("%-16s %-15s %-9s %-8s %s\n", "NAME", "STATUS", "TERMINAL", "RUNTIME", "COMMAND");
	for (size_t i = 0; i < names.n; i++) {
		struct ctr c;
		if (ctr_record_read(pm, names.v[i], &c, true) < 0)
			continue;
		int code = 0;
		enum ctr_status cs = ctr_status(pm, &c, &code);
		char *st = ctr_status_text(cs, code);
		char cmdline[48];
		cmd_line_text(&c.cmd, cmdline, sizeof(cmdline));
		printf("%-16s %-15s %-9s %-8s %s\n", c.name, st, c.tty ? "yes" : c.stdin_open ? "stdin" : "no",
		       c.host ? "none" : "runc", cmdline);
		free(st);
		ctr_free(&c);
	}
	words_free(&names);
	return 0;
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

int cmd_kill(struct ptyman *pm, int argc, char **argv)
{
	if (argc < 2 || argc > 3) {
		cmd_usage("kill");
		return 2;
	}
	int sig = SIGTERM;
	if (argc == 3 && (sig = signal_parse(argv[2])) < 0) {
		diag_err("kill: %s: unknown signal", argv[2]);
		return 2;
	}
	struct ctr c;
	if (ctr_get_running(pm, "kill", argv[1], &c) < 0)
		return 1;
	int rc = ctr_signal(pm, &c, sig);
	ctr_free(&c);
	return rc;
}

/* The container to remove: its record, or when that is damaged what the
 * files still say, which is enough to clean up (a damaged record must not
 * make a container unremovable). 0, or -1 when there is no such container. */
static int rm_target(const struct ptyman *pm, const char *name, struct ctr *c)
{
	if (ctr_record_read(pm, name, c, false) == 0)
		return 0;
	char *dir = state_ctr_path(&pm->state, name, NULL);
	bool there = name_valid(name) && file_exists(dir);
	free(dir);
	if (!there)
		return -1;
	*c = (struct ctr){.name = xstrdup(name), .dir = state_ctr_path(&pm->state, name, NULL), .started = true,
			  .cmd = words_new()};
	return 0;
}

/* rm -f of a live container: SIGKILL, and a host command still held at
 * its gate is let go, so that it dies. */
static void rm_stop(const struct ptyman *pm, const struct ctr *c, enum ctr_status st)
{
	if (c->host || st == ST_RUNNING)
		ctr_signal(pm, c, SIGKILL);
	if (c->host && st == ST_CREATED) {
		int mon = ctr_shim_pid(pm, c);
		if (mon > 0)
			kill(mon, SIGTERM);
	}
}

static void rm_runc_delete(const struct ptyman *pm, const struct ctr *c)
{
	char *err = NULL;
	if (runc_run(pm, &err, (const char *const[]){"delete", "--force", c->name, NULL}) != 0 &&
	    !strstr(err, "does not exist")) {
		char *what = xasprintf("rm: %s: runc delete", c->name);
		diag_last_line(DIAG_WARN, what, err);
		free(what);
	}
	free(err);
}

/* The shim writes into the bundle until it ends. */
static void rm_wait_shim(struct ptyman *pm, const struct ctr *c)
{
	int mon = ctr_shim_pid(pm, c);
	if (mon <= 0)
		return;
	int64_t deadline = now_ms() + STOP_TIMEOUT_MS;
	while (ctr_shim_alive(c, mon) && now_ms() < deadline)
		signals_nap(pm, 20);
	if (ctr_shim_alive(c, mon)) {
		diag_warn("rm: %s: its ptyshim (pid %d) is still running; stopping it", c->name, mon);
		kill(mon, SIGKILL);
	}
}

/* 0 when name was removed (and printed), 1 otherwise. */
static int rm_one(struct ptyman *pm, const char *name, bool force)
{
	struct ctr c;
	if (rm_target(pm, name, &c) < 0)
		return 1;
	int code;
	enum ctr_status st = ctr_status(pm, &c, &code);
	bool live = st == ST_RUNNING || st == ST_CREATED;
	if (live && !force) {
		diag_err("rm: %s is %s (kill it first, or rm -f)", c.name, st == ST_RUNNING ? "running" : "created");
		ctr_free(&c);
		return 1;
	}
	if (live)
		rm_stop(pm, &c, st);
	if (!c.host && pm->tools.runtime)
		rm_runc_delete(pm, &c);
	rm_wait_shim(pm, &c);
	ctr_remove_files(pm, &c);
	printf("%s\n", c.name);
	ctr_free(&c);
	return 0;
}

int cmd_rm(struct ptyman *pm, int argc, char **argv)
{
	bool force = false;
	const struct opt opts[] = {{"force", 'f', &force, NULL}, {0}};
	int first = cmd_opts("rm", argc, argv, opts, 1, -1);
	if (first < 0)
		return 2;
	int rc = 0;
	for (int i = first; i < argc; i++)
		if (rm_one(pm, argv[i], force) != 0)
			rc = 1;
	return rc;
}

int cmd_wait(struct ptyman *pm, int argc, char **argv)
{
	if (argc != 2) {
		cmd_usage("wait");
		return 2;
	}
	struct ctr c;
	if (ctr_record_read(pm, argv[1], &c, false) < 0)
		return 1;
	int code;
	int rc = ctr_wait_exit(pm, &c, -1, &code);
	if (rc == 0)
		printf("%d\n", exitfile_status(code));
	else
		diag_err("wait: %s: %s", c.name, pm->quit ? "interrupted" : "no exit code (its shim is gone)");
	ctr_free(&c);
	return rc == 0 ? 0 : 1;
}
