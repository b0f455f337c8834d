/* Unit tests for oom, the OOM-kill marker of the shim. The module takes a
 * pid and finds the memory cgroup itself (/proc/PID/cgroup, then the fixed
 * /sys/fs/cgroup tree), so a fake cgroup directory cannot be passed in; see
 * the report of this change for the interface that would allow it. What is
 * tested instead, on the real cgroup tree when it allows it:
 *   - no cgroup (a pid that is gone): NULL, nothing written;
 *   - a live memory cgroup with no OOM: a watch, and no marker from the loop
 *     or from the final check;
 *   - cgroup v1 with the OOM killer disabled (memory.oom_control
 *     oom_kill_disable 1) in a private child cgroup with a 16 MiB limit: a
 *     child that overruns the limit is stopped, not killed, and the kernel
 *     still signals the OOM. That must write an empty "oom" marker in both
 *     the persist dir and the bundle (mode 0644). No process is OOM-killed;
 *     the test kills its child itself;
 *   - the cgroup-removal notification of v1, which is not an OOM;
 *   - the failure path of oom_watch_start, which must not close fds it does
 *     not own.
 * The cgroup tests skip when not root or when the host has no writable v1
 * memory controller. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/diag.h"
#include "base/loop.h"
#include "base/util.h"
#include "shim/oom.h"

struct fixture {
	struct loop *loop;
	char dir[64];
	char persist[96];
	char bundle[96];
	char cgroup[512]; /* our private v1 memory cgroup, when made */
	pid_t child;
	int go[2]; /* parent -> child: one byte starts the child's work */
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	assert_non_null(f);
	f->loop = loop_new();
	assert_non_null(f->loop);
	strcpy(f->dir, "/tmp/test_oom.XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->persist, sizeof(f->persist), "%s/persist", f->dir);
	snprintf(f->bundle, sizeof(f->bundle), "%s/bundle", f->dir);
	assert_int_equal(mkdir(f->persist, 0700), 0);
	assert_int_equal(mkdir(f->bundle, 0700), 0);
	f->child = -1;
	f->go[0] = f->go[1] = -1;
	*state = f;
	return 0;
}

static void kill_child(struct fixture *f)
{
	if (f->child > 0) {
		kill(f->child, SIGKILL);
		while (waitpid(f->child, NULL, 0) < 0 && errno == EINTR)
			;
		f->child = -1;
	}
}

/* rmdir of a cgroup fails with EBUSY until the killed child is fully gone. */
static void remove_cgroup(struct fixture *f)
{
	if (f->cgroup[0] == '\0')
		return;
	for (int i = 0; i < 200 && rmdir(f->cgroup) < 0 && errno == EBUSY; i++)
		usleep(10000);
	f->cgroup[0] = '\0';
}

static void rm_marker(const char *dir)
{
	char p[160];
	snprintf(p, sizeof(p), "%s/oom", dir);
	unlink(p);
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	kill_child(f);
	remove_cgroup(f);
	close_fd(&f->go[0]);
	close_fd(&f->go[1]);
	rm_marker(f->persist);
	rm_marker(f->bundle);
	rmdir(f->persist);
	rmdir(f->bundle);
	rmdir(f->dir);
	loop_free(f->loop);
	free(f);
	return 0;
}

static bool marker_exists(const char *dir)
{
	char p[160];
	snprintf(p, sizeof(p), "%s/oom", dir);
	return access(p, F_OK) == 0;
}

static void assert_marker(const char *dir)
{
	char p[160];
	snprintf(p, sizeof(p), "%s/oom", dir);
	struct stat st;
	if (stat(p, &st) < 0)
		fail_msg("no marker %s: %s", p, strerror(errno));
	assert_true(S_ISREG(st.st_mode));
	assert_int_equal(st.st_size, 0);
	assert_int_equal(st.st_mode & 07777, 0644);
}

/* Runs the loop until pred(dir) or about timeout_ms. */
static bool run_until_marker(struct fixture *f, const char *dir, int timeout_ms)
{
	for (int waited = 0; waited < timeout_ms; waited += 50) {
		if (marker_exists(dir))
			return true;
		assert_int_equal(loop_run_once(f->loop, 50), 0);
	}
	return marker_exists(dir);
}

/* Our own v1 memory cgroup directory, from /proc/self/cgroup. */
static bool own_v1_memory_cgroup(char *out, size_t size)
{
	char *text = read_small_file("/proc/self/cgroup", 65536, NULL);
	if (text == NULL)
		return false;
	bool found = false;
	char *save;
	for (char *line = strtok_r(text, "\n", &save); line && !found; line = strtok_r(NULL, "\n", &save)) {
		char *c1 = strchr(line, ':');
		char *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
		if (c2 == NULL)
			continue;
		*c2 = '\0';
		char *save_c;
		for (char *c = strtok_r(c1 + 1, ",", &save_c); c; c = strtok_r(NULL, ",", &save_c))
			if (strcmp(c, "memory") == 0) {
				snprintf(out, size, "/sys/fs/cgroup/memory%s", c2 + 1);
				found = true;
			}
	}
	free(text);
	return found;
}

static int write_text(const char *dir, const char *file, const char *text)
{
	char p[600];
	snprintf(p, sizeof(p), "%s/%s", dir, file);
	int fd = open(p, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	int rc = write_all(fd, text, strlen(text));
	close_fd(&fd);
	return rc;
}

/* The child waits for one byte, then either overruns its memory limit
 * (hog) or just waits to be killed. */
static void child_main(int go, bool hog)
{
	char c;
	if (read(go, &c, 1) != 1)
		_exit(1);
	if (hog) {
		for (size_t total = 0; total < (size_t)1 << 30; total += 1 << 20) {
			char *p = malloc(1 << 20);
			if (p == NULL)
				_exit(2);
			memset(p, 1, 1 << 20);
		}
		_exit(3);
	}
	for (;;)
		pause();
}

/* A private v1 memory cgroup under ours with a child in it, paused until
 * start_child. Skips when the host does not allow it. */
static void make_cgroup_with_child(struct fixture *f, bool hog)
{
	char own[400];
	if (geteuid() != 0) {
		print_message("skip: making a memory cgroup needs root\n");
		skip();
	}
	if (!own_v1_memory_cgroup(own, sizeof(own)) || access(own, W_OK) < 0) {
		print_message("skip: no writable cgroup v1 memory controller\n");
		skip();
	}
	snprintf(f->cgroup, sizeof(f->cgroup), "%s/ptyshim-test-oom-%d", own, (int)getpid());
	if (mkdir(f->cgroup, 0755) < 0) {
		print_message("skip: mkdir %s: %s\n", f->cgroup, strerror(errno));
		f->cgroup[0] = '\0';
		skip();
	}
	if (hog) {
		if (write_text(f->cgroup, "memory.oom_control", "1") < 0 ||
		    write_text(f->cgroup, "memory.limit_in_bytes", "16777216") < 0) {
			print_message("skip: cannot disable the OOM killer in %s: %s\n", f->cgroup,
				      strerror(errno));
			skip();
		}
		/* With swap accounting, swap must be capped too, or the child
		 * just swaps. Absent without swap accounting: fine. */
		write_text(f->cgroup, "memory.memsw.limit_in_bytes", "16777216");
	}
	assert_int_equal(pipe2(f->go, O_CLOEXEC), 0);
	f->child = fork();
	assert_true(f->child >= 0);
	if (f->child == 0)
		child_main(f->go[0], hog);
	close_fd(&f->go[0]);
	char pid[16];
	snprintf(pid, sizeof(pid), "%d", (int)f->child);
	assert_int_equal(write_text(f->cgroup, "cgroup.procs", pid), 0);
}

static void start_child(struct fixture *f)
{
	assert_int_equal(write(f->go[1], "g", 1), 1);
}

/* ---------------------------------------------------------------- tests */

static void test_gone_pid_has_no_watch(void **state)
{
	struct fixture *f = *state;
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		_exit(0);
	assert_int_equal(waitpid(pid, NULL, 0), pid);
	assert_null(oom_watch_start(f->loop, pid, f->persist, f->bundle));
	assert_false(marker_exists(f->persist));
	assert_false(marker_exists(f->bundle));
	/* NULL is accepted everywhere, as for free(). */
	oom_watch_final_check(NULL);
	oom_watch_free(NULL);
}

/* Our own memory cgroup, without an OOM: a watch, and no marker. */
static void test_live_cgroup_without_oom_marks_nothing(void **state)
{
	struct fixture *f = *state;
	struct oom_watch *w = oom_watch_start(f->loop, getpid(), f->persist, f->bundle);
	if (w == NULL) {
		print_message("skip: no watchable memory cgroup for this process\n");
		skip();
	}
	for (int i = 0; i < 4; i++)
		assert_int_equal(loop_run_once(f->loop, 25), 0);
	oom_watch_final_check(w);
	assert_false(marker_exists(f->persist));
	assert_false(marker_exists(f->bundle));
	oom_watch_free(w);
	/* The watch left the loop: an idle run calls nothing freed. */
	assert_int_equal(loop_run_once(f->loop, 0), 0);
}

/* v1: an OOM (with the killer disabled, so nobody is killed by it) marks
 * both directories, once the loop delivers the event. */
static void test_v1_oom_event_writes_both_markers(void **state)
{
	struct fixture *f = *state;
	make_cgroup_with_child(f, true);
	struct oom_watch *w = oom_watch_start(f->loop, f->child, f->persist, f->bundle);
	assert_non_null(w);
	assert_int_equal(loop_run_once(f->loop, 50), 0);
	assert_false(marker_exists(f->persist)); /* nothing yet */
	start_child(f);
	if (!run_until_marker(f, f->bundle, 10000))
		fail_msg("no oom marker 10 s after the child overran its limit");
	assert_marker(f->bundle);
	assert_marker(f->persist);
	/* The child is stopped in the OOM, not killed by it. */
	char ctl[600];
	snprintf(ctl, sizeof(ctl), "%s/memory.oom_control", f->cgroup);
	char *text = read_small_file(ctl, 4096, NULL);
	assert_non_null(text);
	assert_non_null(strstr(text, "under_oom 1"));
	if (strstr(text, "oom_kill ") != NULL) /* kernels since 4.13 count kills */
		assert_non_null(strstr(text, "oom_kill 0"));
	free(text);
	/* The final check after the event keeps the markers. */
	oom_watch_final_check(w);
	assert_marker(f->bundle);
	oom_watch_free(w);
	kill_child(f);
}

/* Either directory may be absent (podman 4.3.1 passes no persist dir). */
static void test_v1_oom_event_bundle_only(void **state)
{
	struct fixture *f = *state;
	make_cgroup_with_child(f, true);
	struct oom_watch *w = oom_watch_start(f->loop, f->child, NULL, f->bundle);
	assert_non_null(w);
	start_child(f);
	if (!run_until_marker(f, f->bundle, 10000))
		fail_msg("no oom marker 10 s after the child overran its limit");
	assert_marker(f->bundle);
	assert_false(marker_exists(f->persist));
	oom_watch_free(w);
	kill_child(f);
}

/* A child that stays within its limit and exits: no marker while its cgroup
 * lives. */
static void test_v1_no_oom_no_marker(void **state)
{
	struct fixture *f = *state;
	make_cgroup_with_child(f, false);
	struct oom_watch *w = oom_watch_start(f->loop, f->child, f->persist, f->bundle);
	assert_non_null(w);
	start_child(f);
	for (int i = 0; i < 6; i++)
		assert_int_equal(loop_run_once(f->loop, 25), 0);
	kill_child(f);
	for (int i = 0; i < 4; i++)
		assert_int_equal(loop_run_once(f->loop, 25), 0);
	oom_watch_final_check(w);
	assert_false(marker_exists(f->persist));
	assert_false(marker_exists(f->bundle));
	oom_watch_free(w);
}

/* cgroup v1 also signals every eventfd registered on memory.oom_control
 * when the cgroup is removed (the kernel's memcg_event_remove): a container
 * that exits normally and whose cgroup goes away while the shim watches
 * must not be marked OOMKilled. Like conmon 2.1.6: one event with
 * cgroup.event_control gone is the removal. A child in a private cgroup,
 * killed by the test (no OOM), the cgroup removed: no markers. */
static void test_v1_cgroup_removal_is_not_an_oom(void **state)
{
	struct fixture *f = *state;
	make_cgroup_with_child(f, false);
	struct oom_watch *w = oom_watch_start(f->loop, f->child, f->persist, f->bundle);
	assert_non_null(w);
	kill_child(f);
	remove_cgroup(f);
	for (int i = 0; i < 10; i++)
		assert_int_equal(loop_run_once(f->loop, 50), 0);
	oom_watch_final_check(w);
	oom_watch_free(w);
	assert_false(marker_exists(f->bundle));
	assert_false(marker_exists(f->persist));
}

/* A cgroup that is found but cannot be watched must close only what the
 * module opened: the struct's watch fd starts at -1, not at the 0 that
 * calloc gives (fd 0 is the daemon's, whatever it holds). RLIMIT_NOFILE is
 * set so low that only one more fd can be opened: the /proc/PID/cgroup read
 * works, the next open fails. */
static void test_failed_start_leaves_fd0_open(void **state)
{
	struct fixture *f = *state;
	int saved0 = dup(0);
	assert_true(saved0 >= 0);
	int p[2];
	assert_int_equal(pipe2(p, O_CLOEXEC), 0);
	assert_int_equal(dup2(p[0], 0), 0);
	/* The lowest free fd: the only one the module may still open. */
	int lowest = open("/dev/null", O_RDONLY | O_CLOEXEC);
	assert_true(lowest >= 0);
	close(lowest);
	struct rlimit old, low;
	assert_int_equal(getrlimit(RLIMIT_NOFILE, &old), 0);
	low = old;
	low.rlim_cur = (rlim_t)lowest + 1;
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &low), 0);
	struct oom_watch *w = oom_watch_start(f->loop, getpid(), f->persist, f->bundle);
	int fd0_flags = fcntl(0, F_GETFD);
	int fd0_errno = errno;
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &old), 0);
	assert_int_equal(dup2(saved0, 0), 0);
	close(saved0);
	close(p[0]);
	close(p[1]);
	if (w != NULL) {
		oom_watch_free(w);
		print_message("skip: oom_watch_start did not fail with one fd left\n");
		skip();
	}
	if (fd0_flags < 0)
		fail_msg("fd 0 was closed by the failed oom_watch_start (%s)", strerror(fd0_errno));
}

int main(void)
{
	diag_init("test_oom");
	diag_set_level(DIAG_ERROR); /* the warnings are expected here */
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_gone_pid_has_no_watch, setup, teardown),
		cmocka_unit_test_setup_teardown(test_live_cgroup_without_oom_marks_nothing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_v1_oom_event_writes_both_markers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_v1_oom_event_bundle_only, setup, teardown),
		cmocka_unit_test_setup_teardown(test_v1_no_oom_no_marker, setup, teardown),
		cmocka_unit_test_setup_teardown(test_v1_cgroup_removal_is_not_an_oom, setup, teardown),
		cmocka_unit_test_setup_teardown(test_failed_start_leaves_fd0_open, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
