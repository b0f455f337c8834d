/* acastin: asciicast events to sink records. */
#include "logs/acastin.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "logfmt/acastread.h"
#include "logfmt/logtime.h"
#include "logs/die.h"

struct acastin {
	const char *path;
	struct dispatch *d;
	int64_t seg_base, last_abs;
	bool any_header;
};

bool acastin_detect(int fd)
{
	char buf[64];
	ssize_t n;
	do
		n = pread(fd, buf, sizeof(buf), 0);
	while (n < 0 && errno == EINTR);
	for (ssize_t i = 0; i < n; i++) {
		if (buf[i] == ' ' || buf[i] == '\t' || buf[i] == '\r' || buf[i] == '\n')
			continue;
		return buf[i] == '{';
	}
	return false;
}

/* The sink is told; a size it refuses is a warning, like a corrupt line. */
static void acastin_resize(struct acastin *in, unsigned cols, unsigned rows, int64_t abs, unsigned long line)
{
	const char *why = sink_resize(in->d->sink, cols, rows, abs);
	if (why) {
		char what[160];
		snprintf(what, sizeof(what), "resize to %ux%u %s, ignored", cols, rows, why);
		dispatch_warning(in->path, line, what, in->d);
	}
}

static void acastin_header(const struct acast_info *info, void *acastin)
{
	struct acastin *in = acastin;
	int64_t base = info->has_timestamp ? info->timestamp * LOGTIME_NS_PER_SEC : in->last_abs;
	if (!in->any_header) {
		in->last_abs = base;
		sink_recording(in->d->sink, info);
	} else if (sink_follows_size(in->d->sink)) {
		/* A later segment was recorded at its own size. */
		acastin_resize(in, info->width, info->height, base > in->last_abs ? base : in->last_abs, info->line);
	}
	in->seg_base = base;
	in->any_header = true;
}

/* Moves the clock to an event of the current segment. */
static int64_t acastin_time(struct acastin *in, int64_t t_ns)
{
	int64_t abs = in->seg_base + t_ns;
	if (abs < in->last_abs)
		abs = in->last_abs;
	in->last_abs = abs;
	return abs;
}

static void acastin_event(const struct acast_event *ev, void *acastin)
{
	struct acastin *in = acastin;
	if (ev->type == 'r' && sink_follows_size(in->d->sink)) {
		unsigned cols, rows;
		int64_t abs = acastin_time(in, ev->t_ns);
		if (acast_parse_size(ev->data, ev->len, &cols, &rows) < 0)
			dispatch_warning(in->path, ev->line, "bad resize event (not COLSxROWS)", in->d);
		else
			acastin_resize(in, cols, rows, abs, ev->line);
		return;
	}
	if (ev->type != 'o')
		return;
	struct k8s_record rec = {.ts_ns = acastin_time(in, ev->t_ns),
				 .ts_text = "",
				 .stream = STREAM_STDOUT,
				 .partial = true,
				 .data = ev->data,
				 .len = ev->len};
	sink_record(in->d->sink, &rec);
}

static void acastin_warning(const char *file, unsigned long line, const char *what, void *acastin)
{
	dispatch_warning(file, line, what, ((struct acastin *)acastin)->d);
}

void acastin_play(const char *path, int fd, struct dispatch *d)
{
	struct acastin in = {.path = path, .d = d};
	struct acastread *r = acastread_new(path, acastin_header, acastin_event, acastin_warning, &in);
	if (acastread_read_fd(r, fd) < 0)
		out_warn(d->out, "%s: read: %s", path, strerror(errno));
	acastread_finish(r);
	bool seen = acastread_seen_header(r);
	acastread_free(r);
	out_flush_all(d->out);
	if (!seen)
		die("%s: no asciicast v2 header", path);
}
