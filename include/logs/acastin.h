/* acastin: an asciicast v2 recording as the input, printed or replayed.
 * Its output ('o') events reach the sink as stdout records without a line
 * end, stamped with absolute times: a segment's events are timed from its
 * own header (from the previous event when the header has no timestamp),
 * and never go backwards. The sink sees the first header first. A sink
 * that follows the size (sink_follows_size) is also told of resizes: 'r'
 * events and the size of each later segment's header; one it refuses, or
 * an 'r' event that is not COLSxROWS, is a warning. */
#ifndef PTYSHIM_LOGS_ACASTIN_H
#define PTYSHIM_LOGS_ACASTIN_H

#include <stdbool.h>

#include "logs/dispatch.h"
#include "logs/sink.h"

/* Whether fd (read from its start, position untouched) looks like a
 * recording: its first non-blank byte is '{', where a k8s-file log starts
 * with a digit. Empty or unreadable files count as k8s-file. */
bool acastin_detect(int fd);

/* Feeds the recording in fd (named path) to d's sink; warnings go to d.
 * Dies when there was no header at all. */
void acastin_play(const char *path, int fd, struct dispatch *d);

#endif
