/* Unit tests for runtime: the OCI runtime's argv must be conmon's, element
 * for element and in conmon's order (conmon-interface.md §3.1), since the
 * runtime parses global flags before the verb and the verb's flags after
 * it. (The runtime's pid file is read by base/pidfile: test_pidfile.) */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "shim/cli.h"
#include "shim/runtime.h"

#define L(...) ((const char *const[]){__VA_ARGS__, NULL})

static void assert_argv(char **got, const char *const *want)
{
	assert_non_null(got);
	size_t i = 0;
	for (; want[i]; i++) {
		if (got[i] == NULL)
			fail_msg("argv ends at %zu, expected \"%s\" there", i, want[i]);
		if (strcmp(got[i], want[i]) != 0)
			fail_msg("argv[%zu] is \"%s\", expected \"%s\"", i, got[i], want[i]);
	}
	if (got[i] != NULL)
		fail_msg("argv[%zu] is \"%s\", expected the end", i, got[i]);
	free(got);
}

static struct shim_config base_cfg(void)
{
	struct shim_config c = {0};
	c.cid = "ctr-id";
	c.cuuid = "ctr-id";
	c.runtime = "/usr/bin/runc";
	c.bundle = "/b";
	c.container_pidfile = "/r/pidfile";
	return c;
}

static void set_list(struct strlist *l, const char **items, size_t n)
{
	l->items = items;
	l->len = n;
}

static void test_create_plain(void **state)
{
	(void)state;
	struct shim_config c = base_cfg();
	assert_argv(runtime_argv(&c, NULL),
		    L("/usr/bin/runc", "create", "--bundle", "/b", "--pid-file", "/r/pidfile", "ctr-id"));
}

static void test_create_podman(void **state)
{
	(void)state;
	/* What podman's run gives: global --log flags before the verb. */
	struct shim_config c = base_cfg();
	const char *args[] = {"--log-format=json", "--log", "/r/oci-log"};
	set_list(&c.runtime_args, args, 3);
	assert_argv(runtime_argv(&c, NULL), L("/usr/bin/runc", "--log-format=json", "--log", "/r/oci-log", "create",
					       "--bundle", "/b", "--pid-file", "/r/pidfile", "ctr-id"));
	assert_argv(runtime_argv(&c, "/tmp/conmon-term.1I7CZ3"),
		    L("/usr/bin/runc", "--log-format=json", "--log", "/r/oci-log", "create", "--bundle", "/b",
		      "--pid-file", "/r/pidfile", "--console-socket", "/tmp/conmon-term.1I7CZ3", "ctr-id"));
}

static void test_create_everything(void **state)
{
	(void)state;
	struct shim_config c = base_cfg();
	const char *args[] = {"--debug", "--root", "/run/runc"};
	const char *opts[] = {"--preserve-fds", "1"};
	set_list(&c.runtime_args, args, 3);
	set_list(&c.runtime_opts, opts, 2);
	c.systemd_cgroup = true;
	c.no_pivot = true;
	c.no_new_keyring = true;
	assert_argv(runtime_argv(&c, "/tmp/cs"),
		    L("/usr/bin/runc", "--systemd-cgroup", "--debug", "--root", "/run/runc", "create", "--bundle", "/b",
		      "--pid-file", "/r/pidfile", "--no-pivot", "--no-new-keyring", "--preserve-fds", "1",
		      "--console-socket", "/tmp/cs", "ctr-id"));
	/* Each flag alone lands in its own place. */
	c = base_cfg();
	c.no_new_keyring = true;
	assert_argv(runtime_argv(&c, NULL), L("/usr/bin/runc", "create", "--bundle", "/b", "--pid-file",
					       "/r/pidfile", "--no-new-keyring", "ctr-id"));
	c = base_cfg();
	c.systemd_cgroup = true;
	assert_argv(runtime_argv(&c, NULL), L("/usr/bin/runc", "--systemd-cgroup", "create", "--bundle", "/b",
					       "--pid-file", "/r/pidfile", "ctr-id"));
}

static void test_exec(void **state)
{
	(void)state;
	struct shim_config c = base_cfg();
	const char *args[] = {"--log-format=json", "--log", "/g/sid/oci-log"};
	set_list(&c.runtime_args, args, 3);
	c.exec = true;
	c.exec_process_spec = "/g/sid/exec-process-379214047";
	c.container_pidfile = "/g/sid/exec_pid";
	c.bundle = "/g/sid";
	assert_argv(runtime_argv(&c, NULL),
		    L("/usr/bin/runc", "--log-format=json", "--log", "/g/sid/oci-log", "exec", "--pid-file",
		      "/g/sid/exec_pid", "--process", "/g/sid/exec-process-379214047", "--detach", "ctr-id"));
	c.terminal = true;
	assert_argv(runtime_argv(&c, "/tmp/conmon-term.NX1EZ3"),
		    L("/usr/bin/runc", "--log-format=json", "--log", "/g/sid/oci-log", "exec", "--pid-file",
		      "/g/sid/exec_pid", "--process", "/g/sid/exec-process-379214047", "--detach", "--tty",
		      "--console-socket", "/tmp/conmon-term.NX1EZ3", "ctr-id"));
	/* exec takes no --systemd-cgroup, no --bundle, no create-only flags. */
	const char *opts[] = {"--preserve-fds", "2"};
	set_list(&c.runtime_opts, opts, 2);
	c.systemd_cgroup = true;
	c.no_pivot = true;
	c.no_new_keyring = true;
	c.runtime_args.len = 0;
	assert_argv(runtime_argv(&c, "/tmp/cs"),
		    L("/usr/bin/runc", "exec", "--pid-file", "/g/sid/exec_pid", "--process",
		      "/g/sid/exec-process-379214047", "--detach", "--tty", "--preserve-fds", "2", "--console-socket",
		      "/tmp/cs", "ctr-id"));
}

static void test_restore(void **state)
{
	(void)state;
	struct shim_config c = base_cfg();
	c.restore = "/ckpt";
	assert_argv(runtime_argv(&c, NULL),
		    L("/usr/bin/runc", "restore", "--bundle", "/b", "--pid-file", "/r/pidfile", "--detach",
		      "--image-path", "/ckpt", "--work-path", "/b", "ctr-id"));
	const char *args[] = {"--log", "/l"};
	const char *opts[] = {"--tcp-established", "--file-locks"};
	set_list(&c.runtime_args, args, 2);
	set_list(&c.runtime_opts, opts, 2);
	c.systemd_cgroup = true;
	c.no_pivot = true;
	c.no_new_keyring = true;
	assert_argv(runtime_argv(&c, "/tmp/cs"),
		    L("/usr/bin/runc", "--systemd-cgroup", "--log", "/l", "restore", "--bundle", "/b", "--pid-file",
		      "/r/pidfile", "--no-pivot", "--no-new-keyring", "--detach", "--image-path", "/ckpt",
		      "--work-path", "/b", "--tcp-established", "--file-locks", "--console-socket", "/tmp/cs",
		      "ctr-id"));
}

static void test_many_args(void **state)
{
	(void)state;
	/* Long repeated lists are all there, in order. */
	struct shim_config c = base_cfg();
	enum { N = 300 };
	const char *args[N], *opts[N];
	char store[2 * N][16];
	for (int i = 0; i < N; i++) {
		snprintf(store[i], 16, "--a%d", i);
		snprintf(store[N + i], 16, "--o%d", i);
		args[i] = store[i];
		opts[i] = store[N + i];
	}
	set_list(&c.runtime_args, args, N);
	set_list(&c.runtime_opts, opts, N);
	c.systemd_cgroup = c.no_pivot = c.no_new_keyring = true;
	c.restore = "/ckpt";
	char **argv = runtime_argv(&c, "/tmp/cs");
	assert_non_null(argv);
	size_t n = 0;
	while (argv[n])
		n++;
	/* runtime, --systemd-cgroup, N args, restore + 12 verb elements, N opts, 2 console, cid */
	assert_int_equal(n, 1 + 1 + N + 12 + N + 2 + 1);
	for (int i = 0; i < N; i++) {
		assert_string_equal(argv[2 + i], args[i]);
		assert_string_equal(argv[2 + N + 12 + i], opts[i]);
	}
	assert_string_equal(argv[n - 1], "ctr-id");
	free(argv);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_create_plain),
		cmocka_unit_test(test_create_podman),
		cmocka_unit_test(test_create_everything),
		cmocka_unit_test(test_exec),
		cmocka_unit_test(test_restore),
		cmocka_unit_test(test_many_args),
	};
	return cmocka_run_group_tests_name("runtime", tests, NULL, NULL);
}
