/* ctl: control fifo reading and strict line parsing. */
#include "shim/ctl.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/diag.h"
#include "base/loop.h"
#include "base/util.h"

#define CTL_FIFO_CTL 0
#define CTL_FIFO_WINSZ 1

struct ctl_msg {
	int type;
	unsigned a, b; /* resize: rows, cols */
};

struct ctl_reader {
	struct watch w;
	struct ctl_fifos *ctl;
	int which;
	int dummy_writer_fd;
	char line[CTL_LINE_MAX + 1];
	size_t len;
	bool overlong; /* discarding up to the next newline */
};

struct ctl_fifos {
	struct loop *loop;
	struct ctl_callbacks cb;
	struct ctl_reader readers[2];
};

static const char *const ctl_names[2] = {"ctl", "winsz"};

static int ctl_parse_uint(const char **pp, const char *end, unsigned max, unsigned *out)
{
	const char *p = *pp;
	if (p == end || *p < '0' || *p > '9')
		return -1;
	unsigned long v = 0;
	while (p < end && *p >= '0' && *p <= '9') {
		v = v * 10 + (unsigned long)(*p - '0');
		if (v > max)
			return -2;
		p++;
	}
	*pp = p;
	*out = (unsigned)v;
	return 0;
}

/* Parses one line (without its '\n'). fields is 3 for ctl, 2 for winsz
 * (type then implied CTL_RESIZE). Returns 0, or -1 with *err a static text. */
static int ctl_parse_line(const char *line, size_t len, int fields, struct ctl_msg *out, const char **err)
{
	const char *p = line, *end = line + len;
	unsigned v[3];
	int want = fields;
	for (int i = 0; i < want; i++) {
		if (i > 0) {
			if (p == end || (*p != ' ' && *p != '\t')) {
				*err = p == end ? "too few fields" : "expected a space between numbers";
				return -1;
			}
			while (p < end && (*p == ' ' || *p == '\t'))
				p++;
		}
		int rc = ctl_parse_uint(&p, end, i == 0 && fields == 3 ? 1000 : 65535, &v[i]);
		if (rc == -2) {
			*err = "number out of range";
			return -1;
		}
		if (rc < 0) {
			*err = p == end ? "too few fields" : "not a number";
			return -1;
		}
	}
	if (p != end) {
		*err = "unexpected text after the last number";
		return -1;
	}
	if (fields == 3) {
		out->type = (int)v[0];
		out->a = v[1];
		out->b = v[2];
		if (out->type != CTL_RESIZE && out->type != CTL_REOPEN_LOG) {
			*err = "unknown message type";
			return -1;
		}
	} else {
		out->type = CTL_RESIZE;
		out->a = v[0];
		out->b = v[1];
	}
	return 0;
}

static void ctl_handle_line(struct ctl_reader *r)
{
	struct ctl_msg msg;
	const char *err;
	size_t len = r->len;
	if (ctl_parse_line(r->line, len, r->which == CTL_FIFO_CTL ? 3 : 2, &msg, &err) < 0) {
		/* Quote the line safely: it is untrusted and may hold anything. */
		char shown[64];
		size_t n = 0;
		for (size_t i = 0; i < len && n + 5 < sizeof(shown); i++) {
			unsigned char ch = (unsigned char)r->line[i];
			if (ch >= 0x20 && ch < 0x7f)
				shown[n++] = (char)ch;
			else
				n += (size_t)snprintf(shown + n, sizeof(shown) - n, "\\x%02x", ch);
		}
		shown[n] = '\0';
		diag_warn("%s: ignoring line \"%s%s\": %s", ctl_names[r->which], shown, n < len ? "..." : "", err);
		return;
	}
	struct ctl_fifos *ctl = r->ctl;
	if (msg.type == CTL_RESIZE) {
		if (ctl->cb.resize)
			ctl->cb.resize(ctl->cb.ctx, msg.a, msg.b);
	} else if (ctl->cb.reopen_log) {
		ctl->cb.reopen_log(ctl->cb.ctx);
	}
}

/* Bytes read from fifo which: every complete line is handled once. */
static void ctl_feed(struct ctl_fifos *ctl, int which, const char *data, size_t len)
{
	struct ctl_reader *r = &ctl->readers[which];
	for (size_t i = 0; i < len; i++) {
		char ch = data[i];
		if (ch == '\n') {
			if (r->overlong)
				diag_warn("%s: ignoring a line longer than %d bytes", ctl_names[which], CTL_LINE_MAX);
			else
				ctl_handle_line(r);
			r->len = 0;
			r->overlong = false;
		} else if (!r->overlong) {
			if (r->len == CTL_LINE_MAX)
				r->overlong = true;
			else
				r->line[r->len++] = ch;
		}
	}
}

static void ctl_read_cb(struct watch *w, uint32_t events)
{
	(void)events;
	struct ctl_reader *r = w->ctx;
	char buf[4096];
	for (;;) {
		ssize_t n = read(w->fd, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			/* 0 cannot happen while our own writer is open; EAGAIN is the end. */
			if (n < 0 && errno != EAGAIN)
				diag_warn("%s: read: %s", ctl_names[r->which], strerror(errno));
			return;
		}
		ctl_feed(r->ctl, r->which, buf, (size_t)n);
	}
}

static struct ctl_fifos *ctl_new(const struct ctl_callbacks *cb)
{
	struct ctl_fifos *ctl = xcalloc(1, sizeof(*ctl));
	ctl->cb = *cb;
	for (int i = 0; i < 2; i++) {
		struct ctl_reader *r = &ctl->readers[i];
		r->ctl = ctl;
		r->which = i;
		r->dummy_writer_fd = -1;
		watch_init(&r->w, -1, ctl_read_cb, r);
	}
	return ctl;
}

struct ctl_fifos *ctl_open(struct loop *loop, const char *dir, const struct ctl_callbacks *cb, char **err)
{
	struct ctl_fifos *ctl = ctl_new(cb);
	ctl->loop = loop;
	for (int i = 0; i < 2; i++) {
		struct ctl_reader *r = &ctl->readers[i];
		char *path = xasprintf("%s/%s", dir, ctl_names[i]);
		/* Owner only, whatever the umask: a reader other than us would
		 * steal resize lines, a writer could resize or reopen. (conmon
		 * uses 0660.) */
		if ((unlink(path) < 0 && errno != ENOENT) || mkfifo(path, 0600) < 0 || chmod(path, 0600) < 0) {
			*err = xasprintf("fifo %s: %s", path, strerror(errno));
			free(path);
			goto fail;
		}
		r->w.fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
		if (r->w.fd >= 0)
			r->dummy_writer_fd = open(path, O_WRONLY | O_CLOEXEC);
		if (r->w.fd < 0 || r->dummy_writer_fd < 0) {
			*err = xasprintf("fifo %s: open: %s", path, strerror(errno));
			free(path);
			goto fail;
		}
		free(path);
		if (loop_add(loop, &r->w, EPOLLIN) < 0) {
			*err = xasprintf("fifo %s: epoll: %s", ctl_names[i], strerror(errno));
			goto fail;
		}
	}
	return ctl;
fail:
	ctl_free(ctl);
	return NULL;
}

void ctl_free(struct ctl_fifos *ctl)
{
	if (ctl == NULL)
		return;
	for (int i = 0; i < 2; i++) {
		struct ctl_reader *r = &ctl->readers[i];
		if (ctl->loop)
			loop_del(ctl->loop, &r->w);
		close_fd(&r->w.fd);
		close_fd(&r->dummy_writer_fd);
	}
	free(ctl);
}
