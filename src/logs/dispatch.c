/* dispatch: the filter in front of the sink, and bounded warnings. */
#include "logs/dispatch.h"

#include "base/diag.h"

/* Past this many, warnings are counted, not printed: a binary file given
 * by mistake must not bury the terminal. */
#define MAX_WARNINGS 100

static bool wanted(const struct record_filter *f, const struct k8s_record *rec)
{
	if (f->stream && rec->stream != f->stream)
		return false;
	if (f->has_since && rec->ts_ns < f->since)
		return false;
	if (f->has_until && rec->ts_ns > f->until)
		return false;
	return true;
}

void dispatch_record(const struct k8s_record *rec, void *dispatch)
{
	struct dispatch *d = dispatch;
	if (wanted(d->filter, rec))
		sink_record(d->sink, rec);
}

void dispatch_warning(const char *file, unsigned long line, const char *what, void *dispatch)
{
	struct dispatch *d = dispatch;
	d->warnings++;
	if (d->warnings <= MAX_WARNINGS)
		out_warn(d->out, "%s:%lu: %s", file, line, what);
	else if (d->warnings == MAX_WARNINGS + 1)
		out_warn(d->out, "more corrupt records; further warnings are only counted");
}

void dispatch_report(const struct dispatch *d)
{
	if (d->warnings > MAX_WARNINGS)
		diag_warn("%lu corrupt or truncated records in all", d->warnings);
}
