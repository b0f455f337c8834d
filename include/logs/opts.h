/* opts: ptyshim-logs' command line. opts_parse fills struct logs_options or
 * ends the process: --help and --version print and exit 0; bad usage (an
 * unknown option, a bad value, options that do not go together) dies with
 * one line. Each part of the options is the struct its module takes. */
#ifndef PTYSHIM_LOGS_OPTS_H
#define PTYSHIM_LOGS_OPTS_H

#include <stdbool.h>
#include <stdint.h>

#include "logs/capture.h"
#include "logs/dispatch.h"
#include "logs/endcond.h"
#include "logs/replay.h"
#include "logs/termsize.h"

struct logs_options {
	const char *path;      /* LOGFILE */
	bool timestamps;       /* -t */
	bool follow;           /* -f */
	bool replay;           /* --replay */
	bool strict;           /* --strict */
	long long tail;        /* --tail; -1: everything */
	struct record_filter filter;  /* --stream, --since, --until */
	struct endcond_options end;   /* --exit-file, --exit-dir, --cid, --pidfile */
	struct replay_options timing; /* --speed, --idle-limit, --from */
	const char *export_path;      /* --asciicast; NULL: none */
	struct capture_options screen; /* --screen, --escapes, --at */
	struct termsize size;         /* --size */
	int64_t now;           /* what relative times (--since 10m) count back from */
};

/* Points into argv, which must outlive o. */
void opts_parse(struct logs_options *o, int argc, char **argv);

/* An asciicast recording can only be printed or replayed: dies when o asks
 * for anything else. */
void opts_check_recording(const struct logs_options *o);

#endif
