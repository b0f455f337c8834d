/* cmds: the command table, dispatch, and what every command shares. */
#include "cmds.h"

#include <stdio.h>
#include <string.h>

#include "base/diag.h"
#include "base/optdesc.h"
#include "base/util.h"

static cmd_fn cmd_help, cmd_quit;

static const struct cmd commands[] = {
	{"run", cmd_run, "run [-it|-i|-t|-d] [--name NAME] [CMD [ARG...]]",
	 "start a container (CMD defaults to sh); -it attaches a terminal", false},
	{"attach", cmd_attach, "attach [--no-stdin] NAME", "attach to a running container (ctrl-p ctrl-q detaches)", true},
	{"screen", cmd_screen, "screen [-e] NAME", "print a terminal container's screen as it is now (-e: colours)",
	 true},
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

const struct cmd *cmd_find(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(commands); i++)
		if (strcmp(commands[i].name, name) == 0)
			return &commands[i];
	return NULL;
}

const struct cmd *cmd_at(size_t i)
{
	return i < ARRAY_SIZE(commands) ? &commands[i] : NULL;
}

int cmd_dispatch(struct ptyman *pm, int argc, char **argv)
{
	if (argc == 0)
		return 0;
	const struct cmd *c = cmd_find(argv[0]);
	if (!c) {
		diag_err("%s: unknown command (try help)", argv[0]);
		return 2;
	}
	int rc = c->fn(pm, argc, argv);
	fflush(stdout);
	return rc;
}

int cmd_run_line(struct ptyman *pm, const char *line)
{
	struct words w;
	const char *err;
	if (words_split(line, &w, &err) < 0) {
		diag_err("%s", err);
		words_free(&w);
		return 2;
	}
	int rc = cmd_dispatch(pm, (int)w.n, w.v);
	words_free(&w);
	return rc;
}

static int cmd_help(struct ptyman *pm, int argc, char **argv)
{
	(void)argc;
	(void)argv;
	for (size_t i = 0; i < ARRAY_SIZE(commands); i++)
		printf("  %-48s %s\n", commands[i].usage, commands[i].help);
	if (pm->host)
		printf("runtime-less mode: commands run on this host under ptyshim --no-runtime (no exec)\n");
	return 0;
}

static int cmd_quit(struct ptyman *pm, int argc, char **argv)
{
	(void)argc;
	(void)argv;
	pm->quit = true;
	return 0;
}

void cmd_usage(const char *name)
{
	const struct cmd *c = cmd_find(name);
	if (c)
		fprintf(stderr, "usage: %s\n", c->usage);
}

static int opt_bad(const char *cmd, int argc, char **argv)
{
	const char *bad = optind - 1 < argc ? argv[optind - 1] : "?";
	if (optopt && optopt < 256)
		diag_err("%s: unknown option or missing value: -%c", cmd, optopt);
	else
		diag_err("%s: unknown option or missing value: %s", cmd, bad);
	cmd_usage(cmd);
	return -1;
}

#define OPTS_MAX 8

int cmd_opts(const char *cmd, int argc, char **argv, const struct opt *opts, int min, int max)
{
	struct optdesc desc[OPTS_MAX];
	size_t n = 0;
	for (; n < OPTS_MAX && opts[n].name; n++) {
		int id = opts[n].letter ? opts[n].letter : OPTDESC_FIRST_LONG_ONLY + (int)n;
		desc[n] = (struct optdesc){id, opts[n].name, opts[n].value ? OPTDESC_VALUE : OPTDESC_FLAG};
	}
	struct optdesc_getopt g;
	optdesc_getopt(&g, desc, n, "+");
	optind = 0; /* GNU: full reinitialisation */
	opterr = 0;
	for (int o; (o = getopt_long(argc, argv, g.shortopts, g.longopts, NULL)) != -1;) {
		size_t i = 0;
		while (i < n && desc[i].id != o)
			i++;
		if (i == n)
			return opt_bad(cmd, argc, argv);
		if (opts[i].value)
			*opts[i].value = optarg;
		else
			*opts[i].flag = true;
	}
	int operands = argc - optind;
	if (operands < min || (max >= 0 && operands > max)) {
		cmd_usage(cmd);
		return -1;
	}
	return optind;
}

bool cmd_tools(const struct ptyman *pm, const char *cmd, bool shim, bool attach, bool logs)
{
	const char *missing = shim && !pm->tools.shim	  ? "ptyshim"
			      : attach && !pm->tools.attach ? "ptyshim-attach"
			      : logs && !pm->tools.logs     ? "ptyshim-logs"
							    : NULL;
	if (missing)
		diag_err("%s: %s not found (run make, or give --bin DIR)", cmd, missing);
	return missing == NULL;
}
