/* prompt: readline's callback mode, history and completion. */
#include "prompt.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <readline/history.h>
#include <readline/readline.h>

#include "base/diag.h"
#include "base/util.h"
#include "cmds.h"
#include "signals.h"
#include "state.h"

#define HISTORY_MAX 1000

struct prompt {
	struct ptyman *pm;
	char *pending_line; /* a line the handler got, to run after it returned */
	bool pending_eof;
	struct words choices; /* the completion generator's candidates */
	size_t next;          /* and its position in them */
};

/* The one module-wide pointer (see prompt.h). */
static struct prompt *prompt_active;

void prompt_history_load(const struct ptyman *pm)
{
	using_history();
	stifle_history(HISTORY_MAX);
	read_history(pm->state.history);
}

void prompt_history_note(const struct ptyman *pm, const char *line)
{
	if (!line[strspn(line, " \t")])
		return;
	HIST_ENTRY *last = history_length > 0 ? history_get(history_base + history_length - 1) : NULL;
	if (last && strcmp(last->line, line) == 0)
		return;
	add_history(line);
	if (pm->interactive) {
		const char *path = pm->state.history;
		if (!file_exists(path))
			write_history(path);
		else
			append_history(1, path);
		history_truncate_file(path, HISTORY_MAX);
	}
}

/* ------------------------------------------------------------ completion */

typedef void choices_fn(const struct ptyman *pm, struct words *out);

static void choices_commands(const struct ptyman *pm, struct words *out)
{
	(void)pm;
	for (size_t i = 0; cmd_at(i); i++)
		words_push(out, xstrdup(cmd_at(i)->name));
}

static void choices_containers(const struct ptyman *pm, struct words *out)
{
	words_free(out);
	*out = state_ctr_names(&pm->state);
}

static void choices_signals(const struct ptyman *pm, struct words *out)
{
	(void)pm;
	static const char *const sigs[] = {"TERM", "KILL", "INT", "HUP", "QUIT", "USR1", "USR2", "STOP", "CONT", "WINCH"};
	for (size_t i = 0; i < ARRAY_SIZE(sigs); i++)
		words_push(out, xstrdup(sigs[i]));
}

/* readline's generator protocol: state 0 starts over, then one match per
 * call until NULL. */
static char *choices_next(const char *text, int state, choices_fn *fill)
{
	struct prompt *p = prompt_active;
	if (!state) {
		words_free(&p->choices);
		p->choices = words_new();
		fill(p->pm, &p->choices);
		p->next = 0;
	}
	size_t len = strlen(text);
	while (p->next < p->choices.n) {
		const char *s = p->choices.v[p->next++];
		if (strncmp(s, text, len) == 0)
			return xstrdup(s);
	}
	return NULL;
}

static char *gen_command(const char *text, int state)
{
	return choices_next(text, state, choices_commands);
}

static char *gen_container(const char *text, int state)
{
	return choices_next(text, state, choices_containers);
}

static char *gen_signal(const char *text, int state)
{
	return choices_next(text, state, choices_signals);
}

/* First word: a command. After a command that takes a container: its name
 * (the first non-option word), and for kill the signal after it. Nothing
 * else completes: file names mean nothing inside a container. */
static char **prompt_complete(const char *text, int start, int end)
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

/* ------------------------------------------------------------ the loop */

static void on_line(char *line)
{
	/* Removed here, before readline shows the next prompt by itself. */
	rl_callback_handler_remove();
	if (!line)
		prompt_active->pending_eof = true;
	else
		prompt_active->pending_line = line;
}

/* ^C at the prompt: a fresh, empty line. */
static void prompt_clear_line(void)
{
	rl_free_line_state();
	rl_callback_sigcleanup();
	rl_crlf();
	rl_replace_line("", 0);
	rl_on_new_line();
	rl_redisplay();
}

static void prompt_run_pending(struct prompt *p)
{
	char *line = p->pending_line;
	p->pending_line = NULL;
	prompt_history_note(p->pm, line);
	cmd_run_line(p->pm, line);
	free(line);
	signals_drain(p->pm, NULL); /* ^C typed for a child is not ours */
	if (!p->pm->quit)
		rl_callback_handler_install(PROMPT, on_line);
}

/* Serves one poll round; false when the prompt is done. */
static bool prompt_step(struct prompt *p)
{
	struct ptyman *pm = p->pm;
	struct pollfd fds[2] = {{.fd = STDIN_FILENO, .events = POLLIN}, {.fd = pm->sig_fd, .events = POLLIN}};
	if (poll(fds, 2, -1) < 0) {
		if (errno == EINTR)
			return true;
		diag_err("poll: %s", strerror(errno));
		return false;
	}
	if (fds[1].revents) {
		bool intr = false;
		signals_drain(pm, &intr);
		if (intr)
			prompt_clear_line();
	}
	if (pm->quit)
		return false;
	if (fds[0].revents & (POLLIN | POLLHUP | POLLERR))
		rl_callback_read_char();
	if (p->pending_eof) {
		printf("\n");
		return false;
	}
	if (p->pending_line)
		prompt_run_pending(p);
	return true;
}

void prompt_loop(struct ptyman *pm)
{
	struct prompt p = {.pm = pm, .choices = words_new()};
	prompt_active = &p;
	rl_readline_name = PROG;
	rl_attempted_completion_function = prompt_complete;
	rl_catch_signals = 0;
	rl_catch_sigwinch = 0;
	rl_callback_handler_install(PROMPT, on_line);
	while (!pm->quit && prompt_step(&p))
		;
	if (!p.pending_eof)
		rl_callback_handler_remove();
	words_free(&p.choices);
	free(p.pending_line);
	prompt_active = NULL;
}
