/* ptyshim-logs: print, follow, filter, replay or export a container's
 * k8s-file log together with its rotated files (PATH.K .. PATH.1, PATH,
 * oldest first), or replay an asciicast recording; or show the screen
 * either of them drew (--screen).
 *
 * Records flow from k8sread (or acastread) through one filter into one of
 * five sinks: print (as podman logs), tail (collect, then print), replay
 * (write with the original timing), export (asciicast v2) or capture (the
 * screen they drew).
 * Exit status: 0, 1 for bad usage or a fatal I/O error, 2 with --strict
 * when a record was corrupt. */
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>

#include "base/diag.h"
#include "base/util.h"
#include "logfmt/k8sread.h"
#include "logs/acastin.h"
#include "logs/capture.h"
#include "logs/chain.h"
#include "logs/die.h"
#include "logs/dispatch.h"
#include "logs/export.h"
#include "logs/follow.h"
#include "logs/opts.h"
#include "logs/out.h"
#include "logs/print.h"
#include "logs/replay.h"
#include "logs/tail.h"

static struct sink *sink_for(const struct logs_options *o, struct out *out)
{
	if (o->screen.on)
		return capture_sink_new(out, &o->screen, o->path, &o->size);
	if (o->replay)
		return replay_sink_new(out, &o->timing, o->path, &o->size);
	if (o->export_path)
		return export_sink_new(out, o->export_path, &o->size);
	if (o->tail >= 0)
		return tail_sink_new(out, o->timestamps, (size_t)o->tail);
	return print_sink_new(out, o->timestamps);
}

static void read_log(const struct logs_options *o, struct dispatch *d)
{
	struct k8sread *rd = k8sread_new(o->path, dispatch_record, dispatch_warning, d);
	if (o->follow)
		follow_log(o->path, &o->end, rd, d->sink, d->out);
	else
		chain_read_all(o->path, rd, d->out);
	k8sread_free(rd);
}

int main(int argc, char **argv)
{
	diag_init("ptyshim-logs");
	signal(SIGPIPE, SIG_IGN);
	struct logs_options o;
	opts_parse(&o, argc, argv);
	/* The newest file decides the format. */
	int probe = chain_probe(o.path);
	struct out *out = out_new();
	struct dispatch d = {.filter = &o.filter, .sink = sink_for(&o, out), .out = out};
	if (probe >= 0 && acastin_detect(probe)) {
		opts_check_recording(&o);
		acastin_play(o.path, probe, &d);
		close_fd(&probe);
	} else {
		/* Not held while following: the chain opens what it reads. */
		close_fd(&probe);
		read_log(&o, &d);
	}
	sink_end(d.sink);
	dispatch_report(&d);
	sink_destroy(d.sink);
	out_free(out);
	return o.strict && d.warnings > 0 ? LOGS_EXIT_CORRUPT : 0;
}
