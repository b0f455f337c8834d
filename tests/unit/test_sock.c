/* Unit tests for sock: unix sockets at paths longer than sun_path's 108
 * bytes (podman's bundle paths), a private bind whose socket is never
 * reachable by others whatever the umask, a connect that refuses what is not
 * a socket, and the peer's pid. Everything lives under a temp directory
 * that is made deep enough to need the long-path code. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/sock.h"
#include "base/util.h"

#define SUN_PATH_MAX sizeof(((struct sockaddr_un *)0)->sun_path)

struct fixture {
	char dir[64];      /* short: /tmp/test_sock.XXXXXX */
	char deep[512];    /* dir/aaaa.../bbbb...: longer than sun_path */
	char short_sock[128];
	char long_sock[600];
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	assert_non_null(f);
	strcpy(f->dir, "/tmp/test_sock.XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->deep, sizeof(f->deep), "%s/%0100d", f->dir, 0);
	assert_int_equal(mkdir(f->deep, 0700), 0);
	size_t n = strlen(f->deep);
	snprintf(f->deep + n, sizeof(f->deep) - n, "/%080d", 1);
	assert_int_equal(mkdir(f->deep, 0700), 0);
	snprintf(f->short_sock, sizeof(f->short_sock), "%s/s.sock", f->dir);
	snprintf(f->long_sock, sizeof(f->long_sock), "%s/attach", f->deep);
	assert_true(strlen(f->long_sock) > 200);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	unlink(f->short_sock);
	unlink(f->long_sock);
	char p[700];
	snprintf(p, sizeof(p), "%s/plain", f->dir);
	unlink(p);
	snprintf(p, sizeof(p), "%s/plain", f->deep);
	unlink(p);
	rmdir(f->deep);
	*strrchr(f->deep, '/') = '\0';
	rmdir(f->deep);
	rmdir(f->dir);
	free(f);
	return 0;
}

static int unix_socket(int type)
{
	int fd = socket(AF_UNIX, type | SOCK_CLOEXEC, 0);
	assert_true(fd >= 0);
	return fd;
}

/* A listening socket bound at path with bind_fn. */
static int listener(const char *path, int (*bind_fn)(int, const char *), int backlog)
{
	int fd = unix_socket(SOCK_STREAM);
	if (bind_fn(fd, path) < 0)
		fail_msg("bind %s (%zu bytes): %s", path, strlen(path), strerror(errno));
	assert_int_equal(listen(fd, backlog), 0);
	return fd;
}

/* Connects to path, accepts, and checks that a byte goes through both ways. */
static void check_connects(int lfd, const char *path)
{
	int c = unix_socket(SOCK_STREAM);
	if (sock_connect(c, path, 1000) < 0)
		fail_msg("sock_connect %s (%zu bytes): %s", path, strlen(path), strerror(errno));
	int a = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
	assert_true(a >= 0);
	char ch = 0;
	assert_int_equal(write(c, "x", 1), 1);
	assert_int_equal(read(a, &ch, 1), 1);
	assert_int_equal(ch, 'x');
	assert_int_equal(write(a, "y", 1), 1);
	assert_int_equal(read(c, &ch, 1), 1);
	assert_int_equal(ch, 'y');
	assert_int_equal(sock_peer_pid(a), getpid());
	assert_int_equal(sock_peer_pid(c), getpid());
	close(a);
	close(c);
}

static void assert_socket_at(const char *path)
{
	struct stat st;
	if (stat(path, &st) < 0)
		fail_msg("no socket at %s: %s", path, strerror(errno));
	assert_true(S_ISSOCK(st.st_mode));
}

static void test_short_path(void **state)
{
	struct fixture *f = *state;
	assert_true(strlen(f->short_sock) < SUN_PATH_MAX);
	int lfd = listener(f->short_sock, sock_bind, 4);
	assert_socket_at(f->short_sock);
	check_connects(lfd, f->short_sock);
	close(lfd);
}

static int lowest_free_fd(void)
{
	int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	close(fd);
	return fd;
}

static void test_long_path(void **state)
{
	struct fixture *f = *state;
	int free_before = lowest_free_fd();
	assert_true(strlen(f->long_sock) >= SUN_PATH_MAX);
	int lfd = listener(f->long_sock, sock_bind, 4);
	/* The socket is at the long path itself, not somewhere shorter. */
	assert_socket_at(f->long_sock);
	check_connects(lfd, f->long_sock);
	/* The same socket through a longer spelling (deep/../LAST/attach). */
	char spelled[700];
	snprintf(spelled, sizeof(spelled), "%s/../%s/attach", f->deep, strrchr(f->deep, '/') + 1);
	check_connects(lfd, spelled);
	close(lfd);
	/* Neither call leaves the directory's or the socket file's fd open. */
	assert_int_equal(lowest_free_fd(), free_before);
}

/* Around the limit: 107 bytes fit sun_path with its NUL, 108 do not; both
 * sides must work on either side of it. */
static void test_path_at_the_limit(void **state)
{
	struct fixture *f = *state;
	for (size_t want = SUN_PATH_MAX - 2; want <= SUN_PATH_MAX + 1; want++) {
		char sub[256], p[300];
		size_t k = want - strlen(f->dir) - strlen("/") - strlen("/s.sock");
		snprintf(sub, sizeof(sub), "%s/", f->dir);
		size_t n = strlen(sub);
		memset(sub + n, 'd', k);
		sub[n + k] = '\0';
		assert_int_equal(mkdir(sub, 0700), 0);
		snprintf(p, sizeof(p), "%s/s.sock", sub);
		assert_int_equal(strlen(p), want);
		int lfd = listener(p, sock_bind, 2);
		assert_socket_at(p);
		check_connects(lfd, p);
		close(lfd);
		assert_int_equal(unlink(p), 0);
		assert_int_equal(rmdir(sub), 0);
	}
}

static void test_long_name_too_long(void **state)
{
	struct fixture *f = *state;
	char p[700];
	/* The last component must fit next to "/proc/self/fd/N". */
	snprintf(p, sizeof(p), "%s/%0100d", f->deep, 7);
	int fd = unix_socket(SOCK_STREAM);
	errno = 0;
	assert_int_equal(sock_bind(fd, p), -1);
	assert_int_equal(errno, ENAMETOOLONG);
	/* No slash at all and too long. */
	char rel[200];
	memset(rel, 'r', 150);
	rel[150] = '\0';
	errno = 0;
	assert_int_equal(sock_bind(fd, rel), -1);
	assert_int_equal(errno, ENAMETOOLONG);
	/* A missing directory on the long path. */
	snprintf(p, sizeof(p), "%s/nope/attach", f->deep);
	errno = 0;
	assert_int_equal(sock_bind(fd, p), -1);
	assert_int_equal(errno, ENOENT);
	close(fd);
}

static void test_bind_existing_fails(void **state)
{
	struct fixture *f = *state;
	int lfd = listener(f->long_sock, sock_bind, 1);
	int fd = unix_socket(SOCK_STREAM);
	errno = 0;
	assert_int_equal(sock_bind(fd, f->long_sock), -1);
	assert_int_equal(errno, EADDRINUSE);
	close(fd);
	close(lfd);
}

static void check_private(const char *path)
{
	struct stat st;
	assert_int_equal(stat(path, &st), 0);
	assert_true(S_ISSOCK(st.st_mode));
	if ((st.st_mode & 077) != 0)
		fail_msg("%s has mode %04o: reachable by others", path, st.st_mode & 07777);
	assert_int_equal(st.st_mode & 0700, 0700); /* the owner can connect */
}

static void test_bind_private_whatever_the_umask(void **state)
{
	struct fixture *f = *state;
	const mode_t masks[] = {0, 022, 002, 0777};
	for (size_t i = 0; i < sizeof(masks) / sizeof(masks[0]); i++) {
		mode_t old = umask(masks[i]);
		int lfd = unix_socket(SOCK_STREAM);
		int rc1 = sock_bind_private(lfd, f->short_sock);
		mode_t during1 = umask(masks[i]);
		int lfd2 = unix_socket(SOCK_STREAM);
		int rc2 = sock_bind_private(lfd2, f->long_sock);
		mode_t during2 = umask(old);
		assert_int_equal(rc1, 0);
		assert_int_equal(rc2, 0);
		/* The caller's umask is back afterwards. */
		assert_int_equal(during1, masks[i]);
		assert_int_equal(during2, masks[i]);
		if (masks[i] != 0777) {
			check_private(f->short_sock);
			check_private(f->long_sock);
		} else {
			/* umask 0777 leaves mode 0: still nobody else. */
			struct stat st;
			assert_int_equal(stat(f->short_sock, &st), 0);
			assert_int_equal(st.st_mode & 077, 0);
		}
		if (masks[i] != 0777) {
			assert_int_equal(listen(lfd, 1), 0);
			check_connects(lfd, f->short_sock);
		}
		close(lfd);
		close(lfd2);
		unlink(f->short_sock);
		unlink(f->long_sock);
	}
}

static void test_bind_private_failure_keeps_errno_and_umask(void **state)
{
	struct fixture *f = *state;
	int lfd = listener(f->short_sock, sock_bind, 1);
	mode_t old = umask(022);
	int fd = unix_socket(SOCK_STREAM);
	errno = 0;
	int rc = sock_bind_private(fd, f->short_sock);
	int err = errno;
	mode_t during = umask(old);
	assert_int_equal(rc, -1);
	assert_int_equal(err, EADDRINUSE);
	assert_int_equal(during, 022);
	close(fd);
	close(lfd);
}

static void test_connect_refuses_non_sockets(void **state)
{
	struct fixture *f = *state;
	char p[700];
	int c = unix_socket(SOCK_STREAM);
	/* A regular file, at a short and a long path. */
	snprintf(p, sizeof(p), "%s/plain", f->dir);
	int fd = open(p, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
	assert_true(fd >= 0);
	close(fd);
	errno = 0;
	assert_int_equal(sock_connect(c, p, 100), -1);
	assert_int_equal(errno, ENOTSOCK);
	snprintf(p, sizeof(p), "%s/plain", f->deep);
	fd = open(p, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
	assert_true(fd >= 0);
	close(fd);
	errno = 0;
	assert_int_equal(sock_connect(c, p, 100), -1);
	assert_int_equal(errno, ENOTSOCK);
	/* A directory. */
	errno = 0;
	assert_int_equal(sock_connect(c, f->deep, 100), -1);
	assert_int_equal(errno, ENOTSOCK);
	/* A fifo: refused without blocking on it. */
	snprintf(p, sizeof(p), "%s/plain", f->dir);
	unlink(p);
	assert_int_equal(mkfifo(p, 0600), 0);
	errno = 0;
	assert_int_equal(sock_connect(c, p, 100), -1);
	assert_int_equal(errno, ENOTSOCK);
	/* Nothing there. */
	errno = 0;
	assert_int_equal(sock_connect(c, f->short_sock, 100), -1);
	assert_int_equal(errno, ENOENT);
	errno = 0;
	assert_int_equal(sock_connect(c, f->long_sock, 100), -1);
	assert_int_equal(errno, ENOENT);
	close(c);
}

/* A socket file whose socket is closed (a shim that died): refused. */
static void test_connect_stale_socket(void **state)
{
	struct fixture *f = *state;
	int lfd = listener(f->long_sock, sock_bind, 1);
	close(lfd);
	int c = unix_socket(SOCK_STREAM);
	errno = 0;
	assert_int_equal(sock_connect(c, f->long_sock, 100), -1);
	assert_int_equal(errno, ECONNREFUSED);
	close(c);
}

static void test_seqpacket_and_dgram(void **state)
{
	struct fixture *f = *state;
	/* The attach socket is SOCK_SEQPACKET; notify sockets are datagrams. */
	int lfd = unix_socket(SOCK_SEQPACKET);
	assert_int_equal(sock_bind(lfd, f->long_sock), 0);
	assert_int_equal(listen(lfd, 1), 0);
	int c = unix_socket(SOCK_SEQPACKET);
	assert_int_equal(sock_connect(c, f->long_sock, 1000), 0);
	int a = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
	assert_true(a >= 0);
	assert_int_equal(send(c, "abc", 3, 0), 3);
	char buf[8];
	assert_int_equal(recv(a, buf, sizeof(buf), 0), 3);
	close(a);
	close(c);
	close(lfd);

	int d = unix_socket(SOCK_DGRAM);
	assert_int_equal(sock_bind(d, f->short_sock), 0);
	int s = unix_socket(SOCK_DGRAM);
	assert_int_equal(sock_connect(s, f->short_sock, 1000), 0);
	assert_int_equal(send(s, "READY=1", 7, 0), 7);
	assert_int_equal(recv(d, buf, sizeof(buf), 0), 7);
	close(s);
	close(d);
}

static void test_peer_pid(void **state)
{
	struct fixture *f = *state;
	int sp[2];
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp), 0);
	assert_int_equal(sock_peer_pid(sp[0]), getpid());
	assert_int_equal(sock_peer_pid(sp[1]), getpid());
	close(sp[0]);
	close(sp[1]);

	/* Another process's connection reports that process. */
	int lfd = listener(f->long_sock, sock_bind, 1);
	int done[2];
	assert_int_equal(pipe2(done, O_CLOEXEC), 0);
	pid_t child = fork();
	assert_true(child >= 0);
	if (child == 0) {
		close(done[1]);
		int c = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		char ch;
		if (c < 0 || sock_connect(c, f->long_sock, 1000) < 0)
			_exit(1);
		/* Stay alive until the parent has looked. */
		_exit(read(done[0], &ch, 1) < 0 ? 2 : 0);
	}
	int a = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
	assert_true(a >= 0);
	assert_int_equal(sock_peer_pid(a), child);
	close(done[1]);
	close(done[0]);
	int status;
	assert_int_equal(waitpid(child, &status, 0), child);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	close(a);
	close(lfd);

	/* No peer: -1. */
	int lone = unix_socket(SOCK_STREAM);
	assert_int_equal(sock_peer_pid(lone), -1);
	close(lone);
	assert_int_equal(sock_peer_pid(-1), -1);
	int pfd[2];
	assert_int_equal(pipe2(pfd, O_CLOEXEC), 0);
	assert_int_equal(sock_peer_pid(pfd[0]), -1);
	close(pfd[0]);
	close(pfd[1]);
}

/* ------------------------------------------------- full backlog, EAGAIN */

/* Fills lfd's backlog with non-blocking connects until EAGAIN; returns how
 * many are pending and stores their fds. */
static int fill_backlog(const char *path, int *fds, int max)
{
	struct sockaddr_un addr = {.sun_family = AF_UNIX};
	snprintf(addr.sun_path, sizeof(addr.sun_path), "%s", path);
	for (int n = 0; n < max; n++) {
		fds[n] = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
		assert_true(fds[n] >= 0);
		if (connect(fds[n], (struct sockaddr *)&addr, sizeof(addr)) < 0) {
			assert_int_equal(errno, EAGAIN);
			close(fds[n]);
			return n;
		}
	}
	fail_msg("backlog never filled");
	return max;
}

/* With nobody accepting, a non-blocking sock_connect to a full backlog
 * gives up after the timeout; it does not report success. */
static void test_full_backlog_times_out(void **state)
{
	struct fixture *f = *state;
	int lfd = listener(f->short_sock, sock_bind, 0);
	int pending[64];
	int n = fill_backlog(f->short_sock, pending, 64);
	int c = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	assert_true(c >= 0);
	int64_t t0 = mono_ns();
	errno = 0;
	int rc = sock_connect(c, f->short_sock, 200);
	int err = errno;
	int64_t waited_ms = (mono_ns() - t0) / 1000000;
	if (rc == 0) {
		/* Success would have to be a real connection. */
		struct sockaddr_un peer;
		socklen_t plen = sizeof(peer);
		if (getpeername(c, (struct sockaddr *)&peer, &plen) < 0)
			fail_msg("sock_connect returned 0 after %lld ms but the socket is not connected (%s)",
				 (long long)waited_ms, strerror(errno));
	} else {
		assert_true(err == ETIMEDOUT || err == EAGAIN);
		assert_true(waited_ms >= 150);
	}
	close(c);
	for (int i = 0; i < n; i++)
		close(pending[i]);
	close(lfd);
}

struct late_accept {
	int lfd;
	int accepted;
};

static void *accept_late(void *p)
{
	struct late_accept *la = p;
	usleep(100 * 1000);
	la->accepted = accept4(la->lfd, NULL, NULL, SOCK_CLOEXEC);
	return NULL;
}

/* When the listener makes room within the timeout, sock_connect ends up
 * really connected. */
static void test_full_backlog_then_room(void **state)
{
	struct fixture *f = *state;
	int lfd = listener(f->short_sock, sock_bind, 0);
	int pending[64];
	int n = fill_backlog(f->short_sock, pending, 64);
	struct late_accept la = {.lfd = lfd, .accepted = -1};
	pthread_t th;
	assert_int_equal(pthread_create(&th, NULL, accept_late, &la), 0);
	int c = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	assert_true(c >= 0);
	int rc = sock_connect(c, f->short_sock, 2000);
	int err = errno;
	assert_int_equal(pthread_join(th, NULL), 0);
	if (rc < 0)
		fail_msg("sock_connect failed although room was made: %s", strerror(err));
	struct sockaddr_un peer;
	socklen_t plen = sizeof(peer);
	if (getpeername(c, (struct sockaddr *)&peer, &plen) < 0)
		fail_msg("sock_connect returned 0 but the socket is not connected (%s)", strerror(errno));
	close(c);
	if (la.accepted >= 0)
		close(la.accepted);
	for (int i = 0; i < n; i++)
		close(pending[i]);
	close(lfd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_short_path, setup, teardown),
		cmocka_unit_test_setup_teardown(test_long_path, setup, teardown),
		cmocka_unit_test_setup_teardown(test_path_at_the_limit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_long_name_too_long, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bind_existing_fails, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bind_private_whatever_the_umask, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bind_private_failure_keeps_errno_and_umask, setup, teardown),
		cmocka_unit_test_setup_teardown(test_connect_refuses_non_sockets, setup, teardown),
		cmocka_unit_test_setup_teardown(test_connect_stale_socket, setup, teardown),
		cmocka_unit_test_setup_teardown(test_seqpacket_and_dgram, setup, teardown),
		cmocka_unit_test_setup_teardown(test_peer_pid, setup, teardown),
		cmocka_unit_test_setup_teardown(test_full_backlog_times_out, setup, teardown),
		cmocka_unit_test_setup_teardown(test_full_backlog_then_room, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
