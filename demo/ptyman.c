/* ptyman: a small container manager with a GNU readline prompt, built on the
 * three ptyshim programs. It starts ptyshim exactly the way podman starts
 * conmon (launch.h), attaching is ptyshim-attach run as a child, logs and
 * replay are ptyshim-logs.
 *
 * All state lives in files under the state directory (state.h), never only
 * in memory, so a new ptyman sees every container that outlived the last
 * one. Without root (or with --no-runtime) there are no containers: `run`
 * starts ptyshim --no-runtime on the host, held at a gate (gate.h) until
 * the attach client is connected, and everything else works the same.
 *
 * This file: the options, the session's setup, and where commands come
 * from: the command line, --start, the prompt (prompt.h), or stdin. The
 * commands are in cmds.h. */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/diag.h"
#include "base/optdesc.h"
#include "base/util.h"
#include "cmds.h"
#include "ctr.h"
#include "gate.h"
#include "prompt.h"
#include "ptyman.h"
#include "signals.h"
#include "state.h"

static const char usage_text[] =
	"usage: ptyman [OPTIONS] [COMMAND [ARG...]]\n"
	"A small container manager on ptyshim: busybox containers under runc, each\n"
	"watched by a ptyshim, with a readline prompt to attach to them, print their\n"
	"screens, exec in them, and read or replay their logs.\n"
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

/* What the command line asked for, before anything is looked up. */
struct options {
	const char *state, *runtime, *bindir;
	bool no_runtime;
};

static char *self_path(void)
{
	char buf[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", buf, sizeof(buf) - 1);
	if (n <= 0)
		return NULL;
	buf[n] = '\0';
	return xstrdup(buf);
}

/* NAME next to a built tree: demo/bin/ptyman → bin/NAME. */
static char *tool_in_tree(const char *self, const char *name)
{
	char *dir = xstrdup(self);
	char *slash = strrchr(dir, '/');
	char *real = NULL;
	if (slash) {
		*slash = '\0';
		char *p = xasprintf("%s/../../bin/%s", dir, name);
		real = realpath(p, NULL);
		free(p);
		if (real && access(real, X_OK) < 0) {
			free(real);
			real = NULL;
		}
	}
	free(dir);
	return real;
}

/* ptyshim's programs: in bindir, next to a built tree, else in PATH. */
static char *find_tool(const char *self, const char *name, const char *bindir)
{
	if (bindir) {
		char *p = xasprintf("%s/%s", bindir, name);
		if (access(p, X_OK) == 0)
			return p;
		free(p);
	}
	char *in_tree = self ? tool_in_tree(self, name) : NULL;
	if (in_tree)
		return in_tree;
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

/* true to go on; false when ptyman is done, with its exit status in
 * *status (--help: 0, a bad option: 2). */
static bool options_parse(struct ptyman *pm, struct options *o, int argc, char **argv, int *status)
{
	enum { O_STATE = OPTDESC_FIRST_LONG_ONLY, O_NO_RUNTIME, O_RUNTIME, O_BIN, O_START, O_ECHO };
	static const struct optdesc options[] = {
		{O_STATE, "state", OPTDESC_VALUE},
		{O_NO_RUNTIME, "no-runtime", OPTDESC_FLAG},
		{O_RUNTIME, "runtime", OPTDESC_VALUE},
		{O_BIN, "bin", OPTDESC_VALUE},
		{O_START, "start", OPTDESC_VALUE},
		{O_ECHO, "echo", OPTDESC_FLAG},
		{'h', "help", OPTDESC_FLAG},
	};
	struct optdesc_getopt g;
	optdesc_getopt(&g, options, ARRAY_SIZE(options), "+");
	*o = (struct options){.runtime = "runc"};
	opterr = 0;
	for (int c; (c = getopt_long(argc, argv, g.shortopts, g.longopts, NULL)) != -1;) {
		switch (c) {
		case O_STATE: o->state = optarg; break;
		case O_NO_RUNTIME: o->no_runtime = true; break;
		case O_RUNTIME: o->runtime = optarg; break;
		case O_BIN: o->bindir = optarg; break;
		case O_START: words_push(&pm->start, xstrdup(optarg)); break;
		case O_ECHO: pm->echo = true; break;
		case 'h':
			fputs(usage_text, stdout);
			*status = 0;
			return false;
		default:
			diag_err("%s: unknown option or missing value (see --help)", argv[optind - 1]);
			*status = 2;
			return false;
		}
	}
	return true;
}

static int tools_find(struct tools *t, const struct options *o)
{
	t->self = self_path();
	t->shim = find_tool(t->self, "ptyshim", o->bindir);
	t->attach = find_tool(t->self, "ptyshim-attach", o->bindir);
	t->logs = find_tool(t->self, "ptyshim-logs", o->bindir);
	if (!t->self) {
		diag_err("cannot find my own executable: %s", strerror(errno));
		return -1;
	}
	/* Found even in the runtime-less mode: containers that a runc-mode
	 * ptyman left in this state directory still need it for kill and rm. */
	const char *rt = o->runtime;
	t->runtime = rt[0] == '/' ? (access(rt, X_OK) == 0 ? xstrdup(rt) : NULL) : find_tool(t->self, rt, NULL);
	return 0;
}

/* Runtime-less when asked, without root, or without runc; said when it
 * was not asked for and there is a session to say it to. */
static int mode_choose(struct ptyman *pm, const struct options *o, bool one_command)
{
	const char *why_host = NULL;
	if (o->no_runtime) {
		pm->host = true;
	} else if (geteuid() != 0) {
		pm->host = true;
		why_host = "not root, so no runc containers";
	} else if (!pm->tools.runtime) {
		pm->host = true;
		why_host = "runc not found, so no containers";
	}
	if (!pm->host && state_use_runc(&pm->state) < 0)
		return -1;
	if (why_host && (pm->interactive || !one_command))
		printf("ptyman: %s: runtime-less mode, commands run on this host under ptyshim --no-runtime\n", why_host);
	return 0;
}

/* Running containers left by an earlier ptyman, for the greeting. */
static void survivors_note(const struct ptyman *pm)
{
	struct words names = state_ctr_names(&pm->state);
	struct words alive = words_new();
	for (size_t i = 0; i < names.n; i++) {
		struct ctr c;
		int code;
		if (ctr_record_read(pm, names.v[i], &c, true) < 0)
			continue;
		if (ctr_status(pm, &c, &code) == ST_RUNNING)
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

/* One line from stdin into *buf, read byte by byte, so that whatever
 * follows a `run -i` line is left for that container, not in our buffer.
 * Returns the length, or -1 at EOF with nothing read; *eof tells whether
 * the line ended at EOF. */
static ssize_t line_read(char **buf, size_t *cap, bool *eof)
{
	size_t len = 0;
	*eof = false;
	for (;;) {
		char ch;
		ssize_t n = read(STDIN_FILENO, &ch, 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			*eof = true;
			break;
		}
		*buf = xgrow(*buf, cap, len + 2, 256);
		if (ch == '\n')
			break;
		(*buf)[len++] = ch;
	}
	if (*eof && len == 0)
		return -1;
	(*buf)[len] = '\0';
	return (ssize_t)len;
}

/* Commands from a pipe or file, one a line; the last one's status. */
static int loop_lines(struct ptyman *pm)
{
	int rc = 0;
	char *buf = NULL;
	size_t cap = 0;
	bool eof = false;
	while (!pm->quit && !eof && line_read(&buf, &cap, &eof) >= 0) {
		if (pm->echo) {
			printf("%s%s\n", PROMPT, buf);
			fflush(stdout);
		}
		rc = cmd_run_line(pm, buf);
		signals_drain(pm, NULL);
	}
	free(buf);
	return rc;
}

/* The --start lines, shown as if typed; the last one's status. */
static int run_start_lines(struct ptyman *pm)
{
	int rc = 0;
	for (size_t i = 0; i < pm->start.n && !pm->quit; i++) {
		if (pm->interactive || pm->echo)
			printf("%s%s\n", PROMPT, pm->start.v[i]);
		if (pm->interactive)
			prompt_history_note(pm, pm->start.v[i]);
		rc = cmd_run_line(pm, pm->start.v[i]);
		signals_drain(pm, NULL);
	}
	return rc;
}

/* A session: --start lines, then the prompt or stdin's lines. */
static int session(struct ptyman *pm)
{
	if (pm->interactive) {
		prompt_history_load(pm);
		printf("ptyman: state %s, %s. Type help; ctrl-p ctrl-q detaches.\n", pm->state.dir,
		       pm->host ? "commands on this host (no runtime)" : "busybox containers under runc");
		survivors_note(pm);
	}
	int rc = run_start_lines(pm);
	if (!pm->quit) {
		if (pm->interactive)
			prompt_loop(pm);
		else
			rc = loop_lines(pm);
	}
	/* At the prompt, statuses were for the person who saw them. */
	return pm->interactive ? 0 : rc;
}

/* Everything after the options; the exit status. */
static int ptyman_run(struct ptyman *pm, const struct options *o, int argc, char **argv)
{
	if (tools_find(&pm->tools, o) < 0 || state_open(&pm->state, o->state) < 0)
		return 1;
	bool one_command = optind < argc;
	pm->interactive = !one_command && isatty(STDIN_FILENO) && isatty(STDOUT_FILENO);
	if (mode_choose(pm, o, one_command) < 0 || signals_setup(pm) < 0)
		return 1;
	if (one_command)
		return cmd_dispatch(pm, argc - optind, argv + optind);
	return session(pm);
}

static void ptyman_free(struct ptyman *pm)
{
	struct state *s = &pm->state;
	char **paths[] = {&s->dir, &s->ctr_dir, &s->exit_dir, &s->rootfs, &s->rt_root, &s->history,
			  &pm->tools.shim, &pm->tools.attach, &pm->tools.logs, &pm->tools.runtime, &pm->tools.self};
	for (size_t i = 0; i < ARRAY_SIZE(paths); i++) {
		free(*paths[i]);
		*paths[i] = NULL;
	}
	words_free(&pm->start);
	close_fd(&pm->sig_fd);
}

int main(int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "--gate") == 0)
		return gate_main(argc, argv);

	diag_init(PROG);
	signal(SIGPIPE, SIG_IGN);
	setvbuf(stdout, NULL, _IOLBF, 0);

	struct ptyman pm = {.sig_fd = -1, .start = words_new()};
	struct options o;
	int status;
	if (options_parse(&pm, &o, argc, argv, &status))
		status = ptyman_run(&pm, &o, argc, argv);
	ptyman_free(&pm);
	return status;
}
