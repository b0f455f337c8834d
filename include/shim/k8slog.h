/* k8slog: the k8s-file log driver, byte-compatible with conmon 2.1.6:
 *   <local time, 9 fraction digits, numeric offset> <stdout|stderr> <F|P> <content>\n
 * The timestamp is logfmt/logtime's local format (LOGTIME_K8S_LEN bytes).
 * Every chunk is split at each newline; a line's record carries its '\n'
 * (F), a trailing fragment becomes a P record to which '\n' is added; no
 * record holds more than K8S_MAX_RECORD content bytes; all records of one
 * chunk share its timestamp. write() only gathers records: a burst's go out
 * in one writev at flush, or earlier when the batch is full. */
#ifndef PTYSHIM_K8SLOG_H
#define PTYSHIM_K8SLOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "shim/logdrv.h"

#define K8S_MAX_RECORD 8192

struct k8slog_opts {
	const char *path;
	int64_t size_max;        /* -1: unlimited */
	bool rotate;             /* rename to PATH.1..PATH.K instead of truncating */
	int max_files;           /* K, with rotate */
	int64_t global_size_max; /* -1: unlimited; stop logging past it */
	bool no_sync;            /* skip fsync at exit */
};

/* Opens (creates 0600, appends, never follows a symlink at path). On
 * failure returns NULL and sets *err to an allocated message. */
struct logdrv *k8slog_open(const struct k8slog_opts *opts, char **err);

#endif
