/* cmd_view: attach, screen, logs and replay, the commands that show a
 * container: ptyshim-attach and ptyshim-logs run on ptyman's own terminal. */
#include <stdio.h>
#include <stdlib.h>

#include "base/diag.h"
#include "base/util.h"
#include "cmds.h"
#include "ctr.h"
#include "launch.h"
#include "spawn.h"
#include "state.h"

/* The running container named by an attach or screen command line, which
 * ptyshim-attach is to show. 0 with *c, or the command's status (printed). */
static int attach_begin(const struct ptyman *pm, const char *cmd, int first, char **argv, struct ctr *c)
{
	if (first < 0)
		return 2;
	if (!cmd_tools(pm, cmd, false, true, false) || ctr_get_running(pm, cmd, argv[first], c) < 0)
		return 1;
	return 0;
}

int cmd_attach(struct ptyman *pm, int argc, char **argv)
{
	bool no_stdin = false;
	const struct opt opts[] = {{"no-stdin", 0, &no_stdin, NULL}, {0}};
	struct ctr c;
	int rc = attach_begin(pm, "attach", cmd_opts("attach", argc, argv, opts, 1, 1), argv, &c);
	if (rc != 0)
		return rc;
	char *exitf = state_exit_path(&pm->state, c.name);
	struct words a = attach_argv(pm, &c, c.dir, exitf, !no_stdin);
	free(exitf);
	int st = spawn_fg(a.v);
	words_free(&a);
	fflush(stdout);
	rc = attach_report(pm, &c, st);
	ctr_free(&c);
	return rc;
}

/* ptyshim-attach --snapshot: the screen as it is now, printed like logs
 * (the terminal's modes stay ptyman's). */
int cmd_screen(struct ptyman *pm, int argc, char **argv)
{
	bool colours = false;
	const struct opt opts[] = {{"colours", 'e', &colours, NULL}, {0}};
	struct ctr c;
	int rc = attach_begin(pm, "screen", cmd_opts("screen", argc, argv, opts, 1, 1), argv, &c);
	if (rc != 0)
		return rc;
	if (!c.tty) {
		diag_err("screen: %s has no terminal (it was not run with -t), so it has no screen; try logs %s", c.name,
			 c.name);
		ctr_free(&c);
		return 1;
	}
	struct words a = words_new();
	words_push(&a, xstrdup(pm->tools.attach));
	words_push(&a, xstrdup("--snapshot"));
	if (colours)
		words_push(&a, xstrdup("-e"));
	words_push(&a, xstrdup(c.dir));
	rc = spawn_fg(a.v);
	words_free(&a);
	ctr_free(&c);
	return rc;
}

/* ptyshim-logs ARGS… STATE/ctr/NAME/ctr.log on our terminal. */
static int logs_run(const struct ptyman *pm, const struct ctr *c, struct words *a)
{
	words_push(a, state_ctr_path(&pm->state, c->name, "ctr.log"));
	int rc = spawn_fg(a->v);
	words_free(a);
	return rc;
}

/* The container named by a logs or replay command line, and ptyshim-logs
 * to start its argv. 0 with *c and *a, or the command's status (printed). */
static int logs_begin(const struct ptyman *pm, const char *cmd, int first, char **argv, struct ctr *c,
		      struct words *a)
{
	if (first < 0)
		return 2;
	if (!cmd_tools(pm, cmd, false, false, true) || ctr_record_read(pm, argv[first], c, false) < 0)
		return 1;
	*a = words_new();
	words_push(a, xstrdup(pm->tools.logs));
	return 0;
}

int cmd_logs(struct ptyman *pm, int argc, char **argv)
{
	bool follow = false, ts = false;
	const struct opt opts[] = {{"follow", 'f', &follow, NULL}, {"timestamps", 't', &ts, NULL}, {0}};
	struct ctr c;
	struct words a;
	int rc = logs_begin(pm, "logs", cmd_opts("logs", argc, argv, opts, 1, 1), argv, &c, &a);
	if (rc != 0)
		return rc;
	if (ts)
		words_push(&a, xstrdup("--timestamps"));
	if (follow) {
		words_push(&a, xstrdup("--follow"));
		words_push(&a, xstrdup("--exit-file"));
		words_push(&a, state_exit_path(&pm->state, c.name));
	}
	rc = logs_run(pm, &c, &a);
	ctr_free(&c);
	return rc;
}

int cmd_replay(struct ptyman *pm, int argc, char **argv)
{
	const char *speed = NULL;
	const struct opt opts[] = {{"speed", 's', NULL, &speed}, {0}};
	struct ctr c;
	struct words a;
	int rc = logs_begin(pm, "replay", cmd_opts("replay", argc, argv, opts, 1, 1), argv, &c, &a);
	if (rc != 0)
		return rc;
	words_push(&a, xstrdup("--replay"));
	/* Long pauses in a session are thinking time, not worth watching again. */
	words_push(&a, xstrdup("--idle-limit"));
	words_push(&a, xstrdup("2"));
	if (speed) {
		words_push(&a, xstrdup("--speed"));
		words_push(&a, xstrdup(speed));
	}
	rc = logs_run(pm, &c, &a);
	ctr_free(&c);
	return rc;
}
