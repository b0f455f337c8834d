/* cmds: the prompt's commands. Each takes the session and its words (argv[0]
 * is the command's name) and returns an exit status: 0, 1 for a failure
 * (printed), 2 for a usage error (printed with the usage line), or the
 * container's own status where it has one. The table lives in cmds.c; the
 * commands themselves in cmd_run.c (run, exec), cmd_view.c (attach, screen,
 * logs, replay) and cmd_manage.c (ps, kill, rm, wait). */
#ifndef PTYMAN_CMDS_H
#define PTYMAN_CMDS_H

#include <stdbool.h>
#include <stddef.h>

#include "ptyman.h"

typedef int cmd_fn(struct ptyman *pm, int argc, char **argv);

struct cmd {
	const char *name;
	cmd_fn *fn;
	const char *usage;
	const char *help;
	bool takes_ctr; /* complete container names */
};

/* The command named name, or NULL. */
const struct cmd *cmd_find(const char *name);
/* The i-th command of the table, or NULL past its end. */
const struct cmd *cmd_at(size_t i);
/* Runs argv[0] (nothing for an empty line); "unknown command" is 2. */
int cmd_dispatch(struct ptyman *pm, int argc, char **argv);
/* Splits line into words (ptyman_words.h) and runs them; a quoting error is
 * printed and 2. */
int cmd_run_line(struct ptyman *pm, const char *line);

/* For the commands: */

/* One option of a command: a flag (sets *flag) or one with a value (sets
 * *value). letter 0 means long only. */
struct opt {
	const char *name;
	char letter;
	bool *flag;
	const char **value;
};

/* getopt_long on a command's own argv, options before the first operand;
 * then between min and max operands (max -1: any). The index of the first
 * operand, or -1 after the error and the usage line (the command returns 2).
 * opts ends with an entry whose name is NULL. */
int cmd_opts(const char *cmd, int argc, char **argv, const struct opt *opts, int min, int max);
/* "usage: …" of the command on stderr. */
void cmd_usage(const char *name);
/* Whether the programs a command needs were found; names the missing one. */
bool cmd_tools(const struct ptyman *pm, const char *cmd, bool shim, bool attach, bool logs);

cmd_fn cmd_run, cmd_exec;
cmd_fn cmd_attach, cmd_screen, cmd_logs, cmd_replay;
cmd_fn cmd_ps, cmd_kill, cmd_rm, cmd_wait;

#endif
