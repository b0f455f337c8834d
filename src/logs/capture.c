/* capture: the screen model, printed once. */
#include "logs/capture.h"

#include <stdlib.h>

#include "base/util.h"
#include "logs/model.h"

struct capture_sink {
	struct sink sink;
	struct out *out;
	struct model model;
	struct capture_options opts;
	bool printed;
};

static void capture_print(struct capture_sink *c)
{
	size_t len;
	char *text = screen_text(model_screen(&c->model), c->opts.colours, &len);
	out_write(c->out, &c->out->std_out, text, len);
	free(text);
	c->printed = true;
}

/* Whether something stamped ts_ns still shapes the screen to print; the
 * first thing past --at prints it. */
static bool capture_wants(struct capture_sink *c, int64_t ts_ns)
{
	if (c->printed)
		return false;
	if (c->opts.has_at && ts_ns > c->opts.at) {
		capture_print(c);
		return false;
	}
	return true;
}

static void capture_record(struct sink *s, const struct k8s_record *rec)
{
	struct capture_sink *c = (struct capture_sink *)s;
	if (capture_wants(c, rec->ts_ns))
		model_record(&c->model, rec);
}

static const char *capture_resize(struct sink *s, unsigned cols, unsigned rows, int64_t ts_ns)
{
	struct capture_sink *c = (struct capture_sink *)s;
	return capture_wants(c, ts_ns) ? model_resize(&c->model, cols, rows) : NULL;
}

static void capture_recording(struct sink *s, const struct acast_info *info)
{
	model_recording(&((struct capture_sink *)s)->model, info);
}

static void capture_end(struct sink *s)
{
	struct capture_sink *c = (struct capture_sink *)s;
	if (!c->printed)
		capture_print(c);
	out_flush_all(c->out);
}

static void capture_destroy(struct sink *s)
{
	struct capture_sink *c = (struct capture_sink *)s;
	model_free(&c->model);
	free(c);
}

static const struct sink_ops capture_ops = {
	.record = capture_record, .recording = capture_recording, .resize = capture_resize,
	.end = capture_end, .destroy = capture_destroy};

struct sink *capture_sink_new(struct out *out, const struct capture_options *opts, const char *source,
			      const struct termsize *size)
{
	struct capture_sink *c = xcalloc(1, sizeof(*c));
	c->sink.ops = &capture_ops;
	c->out = out;
	c->opts = *opts;
	model_init(&c->model, source, size);
	return &c->sink;
}
