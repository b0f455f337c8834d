/* k8sread: strict streaming reader of conmon's k8s-file log format,
 *   <timestamp> <stdout|stderr> <F|P> <content>\n
 * (conmon-interface.md §6.1). Bytes are read in with k8sread_read_fd() in any
 * pieces; every complete line becomes one record callback, or one warning
 * callback naming the file and line when it is corrupt, after which reading
 * goes on with the next line. An unterminated last line stays pending until
 * more bytes arrive or k8sread_finish() says the file is complete. */
#ifndef PTYSHIM_K8SREAD_H
#define PTYSHIM_K8SREAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "base/stream.h"

/* Lines longer than this (header included) are skipped with a warning, so a
 * corrupt file without newlines cannot make the reader buffer it all.
 * conmon's records are at most 8192 bytes of content plus a 46-byte header. */
#define K8SREAD_MAX_LINE (1024 * 1024)

struct k8s_record {
	int64_t ts_ns;        /* UTC nanoseconds since the epoch */
	const char *ts_text;  /* the timestamp as written; not NUL-terminated */
	size_t ts_len;
	enum stream_id stream;
	bool partial;         /* P: the content is not followed by a line end */
	bool truncated;       /* the file ended inside this record (see finish) */
	const char *data;     /* content, without the record's own terminating \n */
	size_t len;
	unsigned long line;   /* 1-based line number in the file */
};

/* rec and its pointers are valid only during the call. */
typedef void (*k8sread_record_cb)(const struct k8s_record *rec, void *arg);
/* what is a short phrase such as "bad timestamp". */
typedef void (*k8sread_warn_cb)(const char *file, unsigned long line, const char *what, void *arg);

struct k8sread;

/* file names the input in warnings; it is copied. */
struct k8sread *k8sread_new(const char *file, k8sread_record_cb record_cb, k8sread_warn_cb warn_cb, void *arg);
void k8sread_free(struct k8sread *r);

/* Reads fd until EOF or EAGAIN, feeding everything. Returns the number of
 * bytes read, or -1 with errno set (what was read before is delivered). */
ssize_t k8sread_read_fd(struct k8sread *r, int fd);

/* The file is complete. A pending unterminated line is reported with a
 * warning; if its header is valid its content is still delivered, marked
 * partial and truncated, because that is what reached the disk. */
void k8sread_finish(struct k8sread *r);

/* Start over on another (or a truncated) file: drops any pending line
 * without a warning, restarts line numbers, renames the input. */
void k8sread_reset(struct k8sread *r, const char *file);

#endif
