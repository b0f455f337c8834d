/* ctl: control fifo reading, and lines parsed as conmon's sscanf reads them. */
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

/* isspace() in the C locale, which sscanf skips before a number. */
static bool ctl_is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

/* One of sscanf's "%d": blanks, an optional sign, digits (leading zeros
 * are fine). Saturates far beyond any size, so an overflow stays out of
 * range. Returns 0, or -1 with *pp where the number should have been. */
static int ctl_scan_int(const char **pp, const char *end, long *out)
{
	const char *p = *pp;
	while (p < end && ctl_is_space(*p))
		p++;
	bool negative = p < end && *p == '-';
	if (p < end && (*p == '-' || *p == '+'))
		p++;
	if (p == end || *p < '0' || *p > '9') {
		*pp = p;
		return -1;
	}
	long v = 0;
	for (; p < end && *p >= '0' && *p <= '9'; p++)
		if (v < 1000000)
			v = v * 10 + (*p - '0');
	*pp = p;
	*out = negative ? -v : v;
	return 0;
}

static bool ctl_size_ok(long v)
{
	return v >= 0 && v <= 65535;
}

/* Parses one line (without its '\n') as conmon 2.1.6's sscanf("%d %d %d")
 * does (see ctl.h). fields is 3 for ctl, 2 for winsz (type then implied
 * CTL_RESIZE). Returns 0, or -1 with *err a static text. */
static int ctl_parse_line(const char *line, size_t len, int fields, struct ctl_msg *out, const char **err)
{
	const char *p = line, *end = line + len;
	long v[3] = {0};
	for (int i = 0; i < fields; i++) {
		if (ctl_scan_int(&p, end, &v[i]) < 0) {
			*err = p == end ? "too few fields" : "not a number";
			return -1;
		}
	}
	/* Whatever follows the numbers is ignored, as conmon's sscanf does. */
	const long *size = fields == 3 ? v + 1 : v;
	out->type = CTL_RESIZE;
	if (fields == 3) {
		if (v[0] != CTL_RESIZE && v[0] != CTL_REOPEN_LOG) {
			*err = "unknown message type";
			return -1;
		}
		out->type = (int)v[0];
	}
	if (out->type == CTL_RESIZE && (!ctl_size_ok(size[0]) || !ctl_size_ok(size[1]))) {
		/* conmon 2.1.6 would wrap a negative size to 65536 - n. */
		*err = "window size out of range (0-65535)";
		return -1;
	}
	out->a = out->type == CTL_RESIZE ? (unsigned)size[0] : 0;
	out->b = out->type == CTL_RESIZE ? (unsigned)size[1] : 0;
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
