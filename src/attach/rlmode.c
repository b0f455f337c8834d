/* rlmode: readline's callback interface, fed from the poll loop. */
#include "attach/rlmode.h"

#include <errno.h>
#include <locale.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <readline/history.h>
#include <readline/readline.h>

#include "attach/output.h"
#include "attach/prog.h"
#include "base/diag.h"
#include "client/term.h"

/* readline's callbacks (getc, input available, line handler) carry no
 * context pointer, so the active rlmode is the one piece of module-wide
 * state, set by rlmode_start (readline itself is one per process). */
static struct rlmode *rl_current;

static int rl_feed_getc(FILE *f)
{
	struct rlmode *rl = rl_current;
	if (rl->feed_pos < rl->feed_len)
		return rl->feed[rl->feed_pos++];
	/* readline wants a key we have not read yet. Our input-available hook
	 * tells it that nothing is pending, so this should not happen; if it
	 * does, a blocking read is the only correct answer. */
	unsigned char c;
	ssize_t n;
	for (;;) {
		/* Signals only reach us through the signalfd: watch it too, or a
		 * ctrl-c here would wait for a key that never comes. */
		struct pollfd pfd[2] = {{.fd = fileno(f), .events = POLLIN}, {.fd = rl->sigs->fd, .events = POLLIN}};
		if (poll(pfd, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			return EOF;
		}
		if (pfd[1].revents & POLLIN) {
			rl->interrupted = true;
			return EOF;
		}
		n = read(fileno(f), &c, 1);
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		return n == 1 ? c : EOF;
	}
}

static int rl_feed_available(void)
{
	return rl_current->feed_pos < rl_current->feed_len;
}

static void held_reset(struct held_output *h)
{
	h->len = 0;
	h->nseg = 0;
	h->prompt[0] = '\0';
}

/* Copies the escape sequence at data[*i] into the prompt at *p, marked
 * invisible so readline counts the width right; advances both. */
static void held_copy_escape(const struct held_output *h, size_t *i, char **p)
{
	char *out = *p;
	size_t j = *i + 1;
	*out++ = RL_PROMPT_START_IGNORE;
	*out++ = (char)h->data[*i];
	if (j < h->len && h->data[j] == '[') {
		*out++ = (char)h->data[j++];
		while (j < h->len && !(h->data[j] >= 0x40 && h->data[j] <= 0x7e))
			*out++ = (char)h->data[j++];
	}
	if (j < h->len)
		*out++ = (char)h->data[j];
	else
		j--;
	*out++ = RL_PROMPT_END_IGNORE;
	*i = j;
	*p = out;
}

/* The held bytes as a readline prompt: only what follows the last CR is on
 * the line; other control bytes (and readline's own markers) are left out
 * of the prompt, though they are still written later. */
static void held_make_prompt(struct held_output *h)
{
	size_t start = 0;
	for (size_t i = 0; i < h->len; i++)
		if (h->data[i] == '\r')
			start = i + 1;
	char *p = h->prompt;
	for (size_t i = start; i < h->len; i++) {
		unsigned char c = h->data[i];
		if (c == 0x1b)
			held_copy_escape(h, &i, &p);
		else if (c >= 0x20 && c != 0x7f)
			*p++ = (char)c;
	}
	*p = '\0';
}

/* Writes the held bytes for real (a stderr that fails is not our end). */
static int held_write_out(struct rlmode *rl)
{
	struct held_output *h = &rl->held;
	size_t off = 0;
	for (size_t i = 0; i < h->nseg; i++) {
		if (output_write(rl->sigs, h->seg[i].fd, h->data + off, h->seg[i].len) < 0 &&
		    h->seg[i].fd == STDOUT_FILENO)
			return -1;
		off += h->seg[i].len;
	}
	held_reset(h);
	return 0;
}

static bool held_append(struct held_output *h, int fd, const void *buf, size_t len)
{
	if (len == 0)
		return true;
	bool same = h->nseg > 0 && h->seg[h->nseg - 1].fd == fd;
	if (h->len + len > HELD_MAX || (!same && h->nseg == HELD_SEGS))
		return false;
	memcpy(h->data + h->len, buf, len);
	h->len += len;
	if (same) {
		h->seg[h->nseg - 1].len += len;
	} else {
		h->seg[h->nseg].fd = fd;
		h->seg[h->nseg].len = len;
		h->nseg++;
	}
	return true;
}

/* Takes the prompt and the user's text off the screen, writes the complete
 * lines, keeps the unfinished last line as the prompt, and lets readline
 * draw it again with the user's text intact. */
int rlmode_show_output(struct rlmode *rl, int fd, const unsigned char *buf, size_t len)
{
	fflush(rl_outstream);
	rl_clear_visible_line();
	fflush(rl_outstream);
	const unsigned char *nl = memrchr(buf, '\n', len);
	size_t head = nl ? (size_t)(nl - buf) + 1 : 0;
	int rc = 0;
	if (head > 0) {
		if (held_write_out(rl) < 0 || output_write(rl->sigs, fd, buf, head) < 0)
			rc = -1;
	}
	if (rc == 0 && !held_append(&rl->held, fd, buf + head, len - head)) {
		/* An endless unfinished line: write it as it is; readline then
		 * redraws after it, which is the best a prompt can do. */
		if (held_write_out(rl) < 0 || output_write(rl->sigs, fd, buf + head, len - head) < 0)
			rc = -1;
	}
	held_make_prompt(&rl->held);
	rl_set_prompt(rl->held.prompt);
	rl_forced_update_display();
	return rc;
}

static void rl_on_line(char *line)
{
	struct rlmode *rl = rl_current;
	/* The prompt and the line stay on the screen as they are. */
	held_reset(&rl->held);
	rl_set_prompt("");
	if (rl->interrupted) {
		/* Not an end of input, nor a line the user chose to send: the
		 * pending signal is handled next. */
		rl->interrupted = false;
		free(line);
		return;
	}
	if (!line) {
		rl_callback_handler_remove();
		rl->active = false;
		return;
	}
	if (line[0])
		add_history(line);
	sendq_push(rl->sendq, line, strlen(line));
	sendq_push(rl->sendq, "\n", 1);
	free(line);
	sendq_flush(rl->sendq);
}

/* readline prepares the terminal each time it starts a line. */
static void rl_prep_cb(int meta)
{
	rl_prep_terminal(meta);
	if (term_no_flow_control() < 0)
		diag_warn("stdin: cannot turn off flow control: %s", strerror(errno));
}

void rlmode_start(struct rlmode *rl, struct sigwatch *sigs, struct sendq *sendq)
{
	*rl = (struct rlmode){.sigs = sigs, .sendq = sendq};
	rl_current = rl;
	setlocale(LC_CTYPE, "");
	rl_readline_name = ATTACH_PROG;
	rl_instream = stdin;
	rl_outstream = stdout;
	/* Signals come through our signalfd; readline must not take them. */
	rl_catch_signals = 0;
	rl_catch_sigwinch = 0;
	rl_change_environment = 0;
	rl_getc_function = rl_feed_getc;
	rl_input_available_hook = rl_feed_available;
	rl_prep_term_function = rl_prep_cb;
	rl_initialize();
	/* Each pasted line should go out as a line, as typed ones do. */
	rl_variable_bind("enable-bracketed-paste", "off");
	held_reset(&rl->held);
	term_will_change();
	rl_callback_handler_install("", rl_on_line);
	rl->active = true;
}

void rlmode_stop(struct rlmode *rl)
{
	if (!rl->active)
		return;
	bool mid_line = rl_end > 0 || rl->held.len > 0;
	rl_callback_handler_remove();
	rl->active = false;
	fflush(rl_outstream);
	if (mid_line)
		output_write(rl->sigs, STDOUT_FILENO, "\n", 1);
	held_reset(&rl->held);
}

bool rlmode_active(const struct rlmode *rl)
{
	return rl->active;
}

bool rlmode_feed(struct rlmode *rl, const unsigned char *buf, size_t len)
{
	rl->feed = buf;
	rl->feed_len = len;
	rl->feed_pos = 0;
	/* A call may take no key (readline finishing work of its own, such as
	 * the line a held output restarted): only several in a row mean it
	 * takes nothing. Giving up at the first dropped what was typed ahead,
	 * ctrl-c included (25-attach's readline ctrl-c test saw it). */
	int idle = 0;
	while (rl->active && rl->feed_pos < rl->feed_len && idle < 4) {
		size_t before = rl->feed_pos;
		rl_callback_read_char();
		idle = rl->feed_pos == before ? idle + 1 : 0;
	}
	rl->feed = NULL;
	rl->feed_len = rl->feed_pos = 0;
	return rl->active;
}

void rlmode_suspend(struct rlmode *rl)
{
	if (!rl->active)
		return;
	rl_cleanup_after_signal();
	/* Leave the line being edited on the screen, as shells do; it is
	 * drawn again when we are continued. */
	fflush(rl_outstream);
	output_write(rl->sigs, STDOUT_FILENO, "\n", 1);
}

void rlmode_resume(struct rlmode *rl)
{
	if (!rl->active)
		return;
	term_will_change();
	rl_reset_after_signal();
	term_no_flow_control();
	rl_forced_update_display();
}

void rlmode_resize(struct rlmode *rl)
{
	if (rl->active)
		rl_resize_terminal();
}
