/* jrnlog: the `-l journald` log driver, entry for entry what conmon 2.1.6
 * sends through libsystemd's sd_journal_sendv:
 *   MESSAGE=<line, with its '\n'>  CONTAINER_ID_FULL=<-c>  PRIORITY=6 (stdout,
 *   and everything of a terminal) or 3 (stderr)  CONTAINER_ID=<first 12
 *   characters of -c>  CONTAINER_TAG=<--log-tag> (if given)
 *   CONTAINER_NAME=<-n> (if given)  SYSLOG_IDENTIFIER=<tag, else name, else
 *   the short id>  CONTAINER_PARTIAL_MESSAGE=true (partial entries only)
 * (libsystemd adds CODE_FILE, CODE_LINE and CODE_FUNC, as it does for conmon.)
 *
 * Lines: conmon reads at most JRNLOG_LINE_MAX bytes at a time and holds a
 * line's beginning, per stream, while it fits in JRNLOG_LINE_MAX - 1 bytes
 * together with what is held already; the rest of the line joins it into
 * one entry. A read that does not fit is sent at once with what was held,
 * marked partial; so is what is still held at exit. The shim reads up to
 * 64 KiB at a time: each chunk is cut into JRNLOG_LINE_MAX pieces first, so
 * the entries are the ones conmon's reads would have made.
 *
 * Never blocking: sd_journal_sendv does a blocking sendmsg, and a stalled or
 * slow journald would stall the shim's loop (and, through full pipes, the
 * container). Entries go to one writer thread through a queue bounded by
 * JRNLOG_QUEUE_MAX bytes; an entry that does not fit, or that journald
 * refuses, or that finds no journald socket, is dropped and counted. The
 * first drop is said once through diag (with its cause), the count when
 * the driver is synced at exit. Nothing else of the shim waits for journald
 * except sync, for at most JRNLOG_DRAIN_MS, so that the entries are in the
 * journal before the exit file says the container is gone (`podman logs -f`
 * stops there). The thread starts with the first entry (after the shim has
 * daemonized: a fork keeps only the forking thread) and ends at sync. */
#ifndef PTYSHIM_JRNLOG_H
#define PTYSHIM_JRNLOG_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/uio.h>

#include "base/stream.h"
#include "shim/logdrv.h"

#define JRNLOG_LINE_MAX 8192               /* conmon's STDIO_BUF_SIZE */
#define JRNLOG_QUEUE_MAX (4u * 1024 * 1024) /* bytes queued for the writer, entries' overhead included */
#define JRNLOG_DRAIN_MS 1000
#define JRNLOG_SHORT_ID_LEN 12
#define JRNLOG_SOCKET "/run/systemd/journal/socket" /* where libsystemd sends */

struct jrnlog_opts {
	const char *cid;  /* longer than JRNLOG_SHORT_ID_LEN (cli checks it, as conmon does) */
	const char *name; /* -n, or NULL */
	const char *tag;  /* --log-tag, or NULL */
};

/* NULL with *err (allocated) when libsystemd cannot be loaded. */
struct logdrv *jrnlog_open(const struct jrnlog_opts *opts, char **err);

/* ---- the parts, for the unit tests ---- */

/* The fields that are the same in every entry, "KEY=value" each. */
struct jrnlog_ids {
	char *id_full, *id_short, *tag, *name, *ident; /* tag, name: NULL when not given */
};

void jrnlog_ids_init(struct jrnlog_ids *ids, const struct jrnlog_opts *opts);
void jrnlog_ids_free(struct jrnlog_ids *ids);

#define JRNLOG_MAX_FIELDS 8

/* One entry's fields in conmon's order. message is "MESSAGE=..." (len
 * bytes, no NUL needed); out gets pointers into it and into ids. Returns
 * the number of fields. */
int jrnlog_fields(const struct jrnlog_ids *ids, enum stream_id stream, const char *message, size_t len,
		  bool partial, struct iovec out[JRNLOG_MAX_FIELDS]);

/* One stream's held line beginning. */
struct jrnlog_hold {
	char buf[JRNLOG_LINE_MAX];
	size_t len;
};

/* An entry: what was held, then data (either may be empty). */
typedef void jrnlog_emit_fn(void *ctx, const char *held, size_t held_len, const char *data, size_t len,
			    bool partial);

/* Splits one chunk of a stream into entries as conmon does (see the top). */
void jrnlog_split(struct jrnlog_hold *hold, const char *data, size_t len, jrnlog_emit_fn *emit, void *ctx);
/* The stream ended: what is held goes out as a partial entry. */
void jrnlog_split_end(struct jrnlog_hold *hold, jrnlog_emit_fn *emit, void *ctx);

#endif
