/* acastin: asciicast events to sink records. */
#include "logs/acastin.h"

#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include "logfmt/acastread.h"
#include "logfmt/logtime.h"
#include "logs/die.h"

struct acastin {
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

static void acastin_header(const struct acast_info *info, void *acastin)
{
	struct acastin *in = acastin;
	int64_t base = info->has_timestamp ? info->timestamp * LOGTIME_NS_PER_SEC : in->last_abs;
	if (!in->any_header) {
		in->last_abs = base;
		sink_recording(in->d->sink, info);
	}
	in->seg_base = base;
	in->any_header = true;
}

static void acastin_event(const struct acast_event *ev, void *acastin)
{
	struct acastin *in = acastin;
	if (ev->type != 'o')
		return;
	int64_t abs = in->seg_base + ev->t_ns;
	if (abs < in->last_abs)
		abs = in->last_abs;
	in->last_abs = abs;
	struct k8s_record rec = {
		.ts_ns = abs, .ts_text = "", .stream = STREAM_STDOUT, .partial = true, .data = ev->data, .len = ev->len};
	sink_record(in->d->sink, &rec);
}

static void acastin_warning(const char *file, unsigned long line, const char *what, void *acastin)
{
	dispatch_warning(file, line, what, ((struct acastin *)acastin)->d);
}

void acastin_play(const char *path, int fd, struct dispatch *d)
{
	struct acastin in = {.d = d};
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
