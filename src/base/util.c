/* util: errno-clean helpers. Nothing here prints; callers add context. */
#include "base/util.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

void close_fd(int *fdp)
{
	if (*fdp >= 0) {
		int saved = errno;
		/* Never retry close on EINTR: on Linux the fd is gone either way. */
		close(*fdp);
		errno = saved;
	}
	*fdp = -1;
}

/* Sets or clears one bit of the flags read with get and written with set
 * (F_GETFL/F_SETFL, F_GETFD/F_SETFD); no write when it is already so. */
static int set_fd_flag(int fd, int get, int set, int bit, bool on)
{
	int fl = fcntl(fd, get);
	if (fl < 0)
		return -1;
	int nfl = on ? (fl | bit) : (fl & ~bit);
	if (nfl != fl && fcntl(fd, set, nfl) < 0)
		return -1;
	return 0;
}

int set_nonblock(int fd, bool on)
{
	return set_fd_flag(fd, F_GETFL, F_SETFL, O_NONBLOCK, on);
}

int set_cloexec(int fd, bool on)
{
	return set_fd_flag(fd, F_GETFD, F_SETFD, FD_CLOEXEC, on);
}

ssize_t read_all(int fd, void *buf, size_t len)
{
	size_t got = 0;
	while (got < len) {
		ssize_t n = read(fd, (char *)buf + got, len - got);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (n == 0)
			break;
		got += (size_t)n;
	}
	return (ssize_t)got;
}

int write_all_waiting(int fd, const void *buf, size_t len, write_wait_fn wait, void *ctx)
{
	const char *p = buf;
	while (len > 0) {
		ssize_t n = write(fd, p, len);
		if (n > 0) {
			p += n;
			len -= (size_t)n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n == 0)
			errno = EAGAIN; /* took nothing: the same as a full pipe */
		if (errno != EAGAIN || wait == NULL || wait(fd, ctx) < 0)
			return -1;
	}
	return 0;
}

int write_all(int fd, const void *buf, size_t len)
{
	return write_all_waiting(fd, buf, len, NULL, NULL);
}

int writev_all(int fd, struct iovec *iov, int iovcnt)
{
	while (iovcnt > 0) {
		int batch = iovcnt > IOV_MAX ? IOV_MAX : iovcnt;
		ssize_t n = writev(fd, iov, batch);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		while (iovcnt > 0 && (size_t)n >= iov->iov_len) {
			n -= (ssize_t)iov->iov_len;
			iov++;
			iovcnt--;
		}
		if (iovcnt > 0 && n > 0) {
			iov->iov_base = (char *)iov->iov_base + n;
			iov->iov_len -= (size_t)n;
		}
		/* Skip empty entries so a zero-length tail cannot loop forever. */
		while (iovcnt > 0 && iov->iov_len == 0) {
			iov++;
			iovcnt--;
		}
	}
	return 0;
}

int read_signal(int signal_fd)
{
	struct signalfd_siginfo si;
	for (;;) {
		ssize_t n = read(signal_fd, &si, sizeof(si));
		if (n < 0 && errno == EINTR)
			continue;
		return n == (ssize_t)sizeof(si) ? (int)si.ssi_signo : 0;
	}
}

int parse_i64(const char *s, int64_t min, int64_t max, int64_t *out)
{
	if (s == NULL || *s == '\0' || (*s != '-' && (*s < '0' || *s > '9'))) {
		errno = EINVAL;
		return -1;
	}
	if (*s == '-' && (s[1] < '0' || s[1] > '9')) {
		errno = EINVAL;
		return -1;
	}
	char *end;
	errno = 0;
	long long v = strtoll(s, &end, 10);
	if (*end != '\0') {
		errno = EINVAL;
		return -1;
	}
	if (errno == ERANGE || v < min || v > max) {
		errno = ERANGE;
		return -1;
	}
	*out = v;
	return 0;
}

int parse_int(const char *s, int min, int max, int *out)
{
	int64_t v;
	if (parse_i64(s, min, max, &v) < 0)
		return -1;
	*out = (int)v;
	return 0;
}

static int fsync_parent_dir(const char *path)
{
	const char *slash = strrchr(path, '/');
	char *dir = slash == NULL ? xstrdup(".")
				  : (slash == path ? xstrdup("/") : strndup(path, (size_t)(slash - path)));
	if (dir == NULL)
		return -1;
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	free(dir);
	if (fd < 0)
		return -1;
	int rc = fsync(fd);
	close_fd(&fd);
	return rc;
}

int write_file_atomic(const char *path, const void *data, size_t len, mode_t mode)
{
	char *tmp = xasprintf("%s.XXXXXX", path);
	int fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0) {
		free(tmp);
		return -1;
	}
	if (write_all(fd, data, len) < 0 || fchmod(fd, mode) < 0 || fsync(fd) < 0)
		goto fail;
	if (close(fd) < 0) {
		fd = -1;
		goto fail;
	}
	fd = -1;
	if (rename(tmp, path) < 0)
		goto fail;
	free(tmp);
	/* The rename is only durable once the directory is; a failure here does
	 * not undo the rename, so it is not reported as one. */
	fsync_parent_dir(path);
	return 0;
fail:;
	int saved = errno;
	close_fd(&fd);
	unlink(tmp);
	free(tmp);
	errno = saved;
	return -1;
}

int write_decimal_file(const char *path, long long value)
{
	char buf[24];
	int n = snprintf(buf, sizeof(buf), "%lld", value);
	return write_file_atomic(path, buf, (size_t)n, 0644);
}

/* "-9223372036854775808" and a few blanks or newlines; no writer writes more. */
#define DECIMAL_FILE_MAX 64

int read_decimal_file(const char *path, int64_t min, int64_t max, int64_t *out)
{
	size_t len;
	/* One byte more than any number with its blanks: to see the file ends. */
	char *buf = read_small_file(path, DECIMAL_FILE_MAX + 1, &len);
	if (buf == NULL)
		return errno == ENOENT ? 0 : -1;
	int rc = -1;
	if (len <= DECIMAL_FILE_MAX && strlen(buf) == len) {
		while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == ' '))
			buf[--len] = '\0';
		rc = parse_i64(buf, min, max, out);
	}
	free(buf);
	if (rc < 0) {
		errno = EINVAL;
		return -1;
	}
	return 1;
}

int open_log_file(const char *path, int flags)
{
	int fd = open(path, O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | flags,
		      0600);
	if (fd < 0)
		return -1;
	struct stat sb;
	int bad = fstat(fd, &sb) < 0 ? errno : (!S_ISREG(sb.st_mode) ? EINVAL : 0);
	if (bad == 0 && set_nonblock(fd, false) < 0)
		bad = errno;
	if (bad != 0) {
		close_fd(&fd);
		errno = bad;
		return -1;
	}
	return fd;
}

int mkdir_p(const char *path, mode_t mode)
{
	char *p = xstrdup(path);
	int rc = 0;
	for (char *s = p + 1; *s && rc == 0; s++) {
		if (*s != '/' || s[-1] == '/')
			continue;
		*s = '\0';
		if (mkdir(p, mode) < 0 && errno != EEXIST)
			rc = -1;
		*s = '/';
	}
	if (rc == 0 && mkdir(p, mode) < 0) {
		/* There already, or a file in the way. */
		struct stat st;
		if (errno != EEXIST)
			rc = -1;
		else if (stat(p, &st) < 0 || !S_ISDIR(st.st_mode)) {
			errno = ENOTDIR;
			rc = -1;
		}
	}
	free(p);
	return rc;
}

char *read_small_file(const char *path, size_t max, size_t *len_out)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	char *buf = xmalloc(max + 1);
	ssize_t n = read_all(fd, buf, max);
	int saved = errno;
	close_fd(&fd);
	if (n < 0) {
		free(buf);
		errno = saved;
		return NULL;
	}
	buf[n] = '\0';
	if (len_out)
		*len_out = (size_t)n;
	return buf;
}

int64_t mono_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

_Noreturn void out_of_memory(void)
{
	static const char msg[] = "ptyshim: out of memory\n";
	ssize_t ignored = write(STDERR_FILENO, msg, sizeof(msg) - 1);
	(void)ignored;
	abort();
}

void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	if (p == NULL)
		out_of_memory();
	return p;
}

void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);
	if (p == NULL)
		out_of_memory();
	return p;
}

size_t grow_capacity(size_t cap, size_t need, size_t first_cap)
{
	if (cap >= need)
		return cap;
	if (cap == 0)
		cap = first_cap;
	while (cap < need)
		cap *= 2;
	return cap;
}

void *xgrow(void *p, size_t *cap, size_t need, size_t first_cap)
{
	if (*cap >= need)
		return p;
	*cap = grow_capacity(*cap, need, first_cap);
	return xrealloc(p, *cap);
}

void *xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);
	if (q == NULL)
		out_of_memory();
	return q;
}

char *xstrdup(const char *s)
{
	char *p = strdup(s);
	if (p == NULL)
		out_of_memory();
	return p;
}

char *xstrndup(const char *s, size_t n)
{
	char *p = strndup(s, n);
	if (p == NULL)
		out_of_memory();
	return p;
}

char *xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *s;
	va_start(ap, fmt);
	int n = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (n < 0)
		out_of_memory();
	return s;
}
