/* util: small total helpers shared by every binary. Leaf functions behave like
 * system calls: they return -1 with errno set and print nothing. */
#ifndef PTYSHIM_UTIL_H
#define PTYSHIM_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/uio.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Transfer ownership of an fd out of a variable: returns it and leaves -1. */
static inline int take_fd(int *fdp)
{
	int fd = *fdp;
	*fdp = -1;
	return fd;
}

/* close() that preserves errno and ignores -1; sets *fdp to -1. */
void close_fd(int *fdp);

int set_nonblock(int fd, bool on);
int set_cloexec(int fd, bool on);

/* Full read/write on blocking fds, retrying EINTR and short transfers.
 * read_all returns the bytes read (< len only at EOF). */
ssize_t read_all(int fd, void *buf, size_t len);
int write_all(int fd, const void *buf, size_t len);
/* write_all for an fd that may be non-blocking: whenever fd takes nothing
 * (EAGAIN), wait(fd, ctx) decides: 0 to try again (after waiting for it
 * in its own way), or -1 with errno to give up. write_all is this with no
 * wait, so EAGAIN fails. 0 once everything is written; -1 with errno. */
typedef int (*write_wait_fn)(int fd, void *ctx);
int write_all_waiting(int fd, const void *buf, size_t len, write_wait_fn wait, void *ctx);
/* writev until everything is written; modifies iov. */
int writev_all(int fd, struct iovec *iov, int iovcnt);

/* The next signal waiting on a signalfd (EINTR retried); 0 when none is
 * (EAGAIN on a non-blocking one) or the read fails. */
int read_signal(int signal_fd);

/* Strict decimal parsing: the whole string, no sign unless allowed, range
 * checked. Return 0 or -1 (errno EINVAL or ERANGE). */
int parse_i64(const char *s, int64_t min, int64_t max, int64_t *out);
int parse_int(const char *s, int min, int max, int *out);

/* Atomically replace path with data: temp file in the same directory, fsync,
 * rename, fsync of the directory. mode is the file's final mode. */
int write_file_atomic(const char *path, const void *data, size_t len, mode_t mode);

/* value as bare decimal (no newline: podman reads it with Atoi), written
 * atomically with mode 0644. Exit files and pid files. */
int write_decimal_file(const char *path, long long value);
/* Reads such a file back strictly: a decimal in [min, max], then nothing
 * but newlines or blanks (some writers add them). 1 with *out set; 0 when
 * there is no file (yet: errno ENOENT, also for a missing directory); -1
 * with errno EINVAL when the file holds anything else (empty, over 64
 * bytes, a NUL, a sign or a blank in front, out of range), or the error of
 * open or read. */
int read_decimal_file(const char *path, int64_t min, int64_t max, int64_t *out);

/* Opens a log file for appending, created 0600: never follows a symlink
 * planted at path, never blocks on a fifo planted there, and refuses
 * anything that is not a regular file (errno EINVAL). flags carries the
 * access mode (O_WRONLY or O_RDWR) and extras such as O_TRUNC. */
int open_log_file(const char *path, int flags);

/* mkdir -p: path and its missing parents, each made with mode; 0 when
 * path is a directory at the end, else -1 with errno. */
int mkdir_p(const char *path, mode_t mode);

/* Read a whole small file (up to max bytes) into a NUL-terminated malloc'd buffer. */
char *read_small_file(const char *path, size_t max, size_t *len_out);

/* Monotonic time in nanoseconds. */
int64_t mono_ns(void);

/* malloc family that aborts on exhaustion: a shim that cannot allocate a few
 * bytes cannot do anything useful, and checking every call hides the logic. */
void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* What they do on exhaustion, for the allocations of other libraries
 * (json-c, libtsm): one line on stderr, then abort. */
_Noreturn void out_of_memory(void);

/* How growable buffers grow: the capacity that holds need bytes, from cap
 * (first_cap when 0) doubled as often as it takes; cap itself when it is
 * enough. */
size_t grow_capacity(size_t cap, size_t need, size_t first_cap);
/* p (xrealloc'd) with room for need bytes; *cap as grow_capacity says. */
void *xgrow(void *p, size_t *cap, size_t need, size_t first_cap);

#endif
