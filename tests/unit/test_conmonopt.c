/* Unit tests for conmonopt, conmon's option table and the argv walk that the
 * daemon and the clients share. The expected table below is written out
 * from conmon 2.1.6's GOptionEntry list (src/cli.c: G_OPTION_ARG_NONE is a
 * flag, STRING/STRING_ARRAY/INT/INT64 take a value), conmon 2.2's
 * --log-rotate (flag) and --log-max-files (value), glib's built-in --help,
 * and ptyshim's four long options; the module must match it entry by entry,
 * so a flag turned into a value option (or back) shows up here. The walk
 * is checked on the argv shapes podman really passes (conmon-interface.md
 * §1.3) and on glib's rules at their edges. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "base/conmonopt.h"

struct expected_opt {
	const char *name;
	char short_name;
	bool takes_value;
};

static const struct expected_opt expected[] = {
	/* conmon 2.1.6 */
	{"api-version", 0, false},
	{"bundle", 'b', true},
	{"cid", 'c', true},
	{"conmon-pidfile", 'P', true},
	{"container-pidfile", 'p', true},
	{"cuuid", 'u', true},
	{"exec", 'e', false},
	{"exec-attach", 0, false},
	{"exec-process-spec", 0, true},
	{"exit-command", 0, true},
	{"exit-command-arg", 0, true},
	{"exit-delay", 0, true},
	{"exit-dir", 0, true},
	{"leave-stdin-open", 0, false},
	{"log-level", 0, true},
	{"log-path", 'l', true},
	{"log-size-max", 0, true},
	{"log-global-size-max", 0, true},
	{"log-tag", 0, true},
	{"name", 'n', true},
	{"no-new-keyring", 0, false},
	{"no-pivot", 0, false},
	{"no-sync-log", 0, false},
	{"persist-dir", '0', true},
	{"pidfile", 0, true},
	{"replace-listen-pid", 0, false},
	{"restore", 0, true},
	{"restore-arg", 0, true},
	{"runtime", 'r', true},
	{"runtime-arg", 0, true},
	{"runtime-opt", 0, true},
	{"sdnotify-socket", 0, true},
	{"socket-dir-path", 0, true},
	{"stdin", 'i', false},
	{"sync", 0, false},
	{"syslog", 0, false},
	{"systemd-cgroup", 's', false},
	{"terminal", 't', false},
	{"timeout", 'T', true},
	{"version", 0, false},
	{"full-attach", 0, false},
	{"seccomp-notify-socket", 0, true},
	{"seccomp-notify-plugins", 0, true},
	/* conmon 2.2 */
	{"log-rotate", 0, false},
	{"log-max-files", 0, true},
	/* glib's own */
	{"help", 0, false},
	/* ptyshim's */
	{"no-runtime", 0, false},
	{"attach-queue-size", 0, true},
	{"initial-size", 0, true},
	{"runtime-timeout", 0, true},
	{"no-screen", 0, false},
};

#define N_EXPECTED (sizeof(expected) / sizeof(expected[0]))

static const struct expected_opt *expected_named(const char *name)
{
	for (size_t i = 0; i < N_EXPECTED; i++)
		if (strcmp(expected[i].name, name) == 0)
			return &expected[i];
	return NULL;
}

static void test_table_matches_conmon(void **state)
{
	(void)state;
	assert_int_equal(conmonopt_count, N_EXPECTED);
	for (size_t i = 0; i < conmonopt_count; i++) {
		const struct conmonopt *o = &conmonopt_table[i];
		const struct expected_opt *e = expected_named(o->name);
		if (e == NULL)
			fail_msg("--%s is in the table but is no conmon or ptyshim option", o->name);
		if (e->takes_value != o->takes_value)
			fail_msg("--%s: takes_value %d, conmon: %d", o->name, o->takes_value, e->takes_value);
		if (e->short_name != o->short_name)
			fail_msg("--%s: short '%c', conmon: '%c'", o->name, o->short_name ? o->short_name : ' ',
				 e->short_name ? e->short_name : ' ');
		/* Unique names and short names. */
		for (size_t j = i + 1; j < conmonopt_count; j++) {
			assert_string_not_equal(o->name, conmonopt_table[j].name);
			if (o->short_name)
				assert_int_not_equal(o->short_name, conmonopt_table[j].short_name);
		}
	}
	for (size_t i = 0; i < N_EXPECTED; i++)
		if (conmonopt_long(expected[i].name, strlen(expected[i].name)) == NULL)
			fail_msg("--%s is missing from the table", expected[i].name);
}

/* conmon 2.1.6 declares four options G_OPTION_ARG_INT or _INT64; glib reads
 * (and refuses) their values itself, so the daemon must know exactly these.
 * Every other value is a string to glib, ptyshim's numbers and 2.2's
 * --log-max-files included. */
static void test_integer_options_as_conmon(void **state)
{
	(void)state;
	static const struct {
		const char *name;
		enum conmonopt_int integer;
	} ints[] = {
		{"exit-delay", CONMONOPT_INT},
		{"timeout", CONMONOPT_INT},
		{"log-size-max", CONMONOPT_INT64},
		{"log-global-size-max", CONMONOPT_INT64},
	};
	for (size_t i = 0; i < conmonopt_count; i++) {
		const struct conmonopt *o = &conmonopt_table[i];
		enum conmonopt_int want = CONMONOPT_NOT_INT;
		for (size_t j = 0; j < sizeof(ints) / sizeof(ints[0]); j++)
			if (strcmp(ints[j].name, o->name) == 0)
				want = ints[j].integer;
		if (o->integer != want)
			fail_msg("--%s: integer kind %d, conmon: %d", o->name, o->integer, want);
		if (o->integer != CONMONOPT_NOT_INT && !o->takes_value)
			fail_msg("--%s: an integer option must take a value", o->name);
	}
}

static void test_aliases_share_an_id(void **state)
{
	(void)state;
	const struct conmonopt *p = conmonopt_long("pidfile", 7);
	const struct conmonopt *cp = conmonopt_long("container-pidfile", 17);
	assert_non_null(p);
	assert_non_null(cp);
	assert_ptr_not_equal(p, cp);
	assert_int_equal(p->id, CONMONOPT_CONTAINER_PIDFILE);
	assert_int_equal(cp->id, CONMONOPT_CONTAINER_PIDFILE);
	assert_ptr_equal(conmonopt_short('p'), cp);
}

static void test_lookups(void **state)
{
	(void)state;
	for (size_t i = 0; i < conmonopt_count; i++) {
		const struct conmonopt *o = &conmonopt_table[i];
		assert_ptr_equal(conmonopt_long(o->name, strlen(o->name)), o);
		if (o->short_name)
			assert_ptr_equal(conmonopt_short(o->short_name), o);
	}
	/* len bounds the name: "cid=x" looked up with len 3 is --cid. */
	assert_ptr_equal(conmonopt_long("cid=abc", 3), conmonopt_long("cid", 3));
	assert_int_equal(conmonopt_long("runtime-arg=--log", 11)->id, CONMONOPT_RUNTIME_ARG);
	assert_int_equal(conmonopt_long("runtime-arg", 7)->id, CONMONOPT_RUNTIME); /* "runtime" */
	/* No abbreviations (glib has none), no case folding. */
	assert_null(conmonopt_long("ci", 2));
	assert_null(conmonopt_long("runt", 4));
	assert_null(conmonopt_long("CID", 3));
	assert_null(conmonopt_long("", 0));
	assert_null(conmonopt_long("cidx", 4));
	assert_null(conmonopt_short('\0'));
	assert_null(conmonopt_short('x'));
	assert_null(conmonopt_short('C'));
	assert_null(conmonopt_short('-'));
}

/* ------------------------------------------------------------- the walk */

#define MAX_SEEN 32

struct seen {
	int n;
	enum conmonopt_id id[MAX_SEEN];
	const char *value[MAX_SEEN];
};

static void record(const struct conmonopt *opt, const char *value, void *ctx)
{
	struct seen *s = ctx;
	assert_true(s->n < MAX_SEEN);
	s->id[s->n] = opt->id;
	s->value[s->n] = value;
	s->n++;
}

/* Walks argv (NULL-terminated, argv[0] included) and compares with the
 * expected (id, value) pairs; value NULL means a flag. */
struct want {
	enum conmonopt_id id;
	const char *value;
};

static void walk_expect(const char *const *argv, const struct want *want, int n_want)
{
	int argc = 0;
	while (argv[argc])
		argc++;
	struct seen s = {0};
	conmonopt_walk(argc, argv, record, &s);
	if (s.n != n_want)
		fail_msg("walk reported %d options, want %d (first argv[1]: %s)", s.n, n_want,
			 argc > 1 ? argv[1] : "-");
	for (int i = 0; i < n_want; i++) {
		if (s.id[i] != want[i].id)
			fail_msg("option %d: id %d, want %d", i, s.id[i], want[i].id);
		if (want[i].value == NULL) {
			if (s.value[i] != NULL)
				fail_msg("option %d: value \"%s\" for a flag", i, s.value[i]);
		} else {
			if (s.value[i] == NULL)
				fail_msg("option %d: no value, want \"%s\"", i, want[i].value);
			assert_string_equal(s.value[i], want[i].value);
		}
	}
}

/* expect(A("--cid", "x"), 1, W(CONMONOPT_CID, "x")): argv with "conmon" in
 * front, then the n (id, value) pairs the walk must report. */
#define A(...) ((const char *const[]){"conmon", __VA_ARGS__, NULL})
#define W(id, value) ((struct want){(id), (value)})

static void expect(const char *const *argv, int n, ...)
{
	struct want want[MAX_SEEN];
	va_list ap;
	va_start(ap, n);
	for (int i = 0; i < n; i++)
		want[i] = va_arg(ap, struct want);
	va_end(ap);
	walk_expect(argv, want, n);
}

static void test_walk_value_forms(void **state)
{
	(void)state;
	expect(A("--cid", "abc"), 1, W(CONMONOPT_CID, "abc"));
	expect(A("--cid=abc"), 1, W(CONMONOPT_CID, "abc"));
	expect(A("-c", "abc"), 1, W(CONMONOPT_CID, "abc"));
	expect(A("-cabc"), 1, W(CONMONOPT_CID, "abc"));
	expect(A("--cid=a=b"), 1, W(CONMONOPT_CID, "a=b")); /* only the first '=' splits */
	expect(A("--cid="), 1, W(CONMONOPT_CID, ""));
	expect(A("--exit-command-arg", ""), 1, W(CONMONOPT_EXIT_COMMAND_ARG, ""));
	expect(A("-0", "/persist"), 1, W(CONMONOPT_PERSIST_DIR, "/persist"));
	expect(A("-T", "30"), 1, W(CONMONOPT_TIMEOUT, "30"));
	expect(A("--timeout=30"), 1, W(CONMONOPT_TIMEOUT, "30"));
	/* A value option's argument is never looked at as an option. */
	expect(A("--cid", "-t"), 1, W(CONMONOPT_CID, "-t"));
	expect(A("-c", "--cuuid", "-u", "x"), 2, W(CONMONOPT_CID, "--cuuid"), W(CONMONOPT_CUUID, "x"));
}

static void test_walk_short_clusters(void **state)
{
	(void)state;
	expect(A("-ti"), 2, W(CONMONOPT_TERMINAL, NULL), W(CONMONOPT_STDIN, NULL));
	expect(A("-t", "-i"), 2, W(CONMONOPT_TERMINAL, NULL), W(CONMONOPT_STDIN, NULL));
	expect(A("-tie"), 3, W(CONMONOPT_TERMINAL, NULL), W(CONMONOPT_STDIN, NULL), W(CONMONOPT_EXEC, NULL));
	/* A value option in a cluster takes the rest of it, or the next argv. */
	expect(A("-tcabc"), 2, W(CONMONOPT_TERMINAL, NULL), W(CONMONOPT_CID, "abc"));
	expect(A("-tc", "abc", "-i"), 3, W(CONMONOPT_TERMINAL, NULL), W(CONMONOPT_CID, "abc"),
	       W(CONMONOPT_STDIN, NULL));
	expect(A("-ct"), 1, W(CONMONOPT_CID, "t")); /* "t" is -c's value, not --terminal */
	expect(A("-cti", "-s"), 2, W(CONMONOPT_CID, "ti"), W(CONMONOPT_SYSTEMD_CGROUP, NULL));
	/* Unknown letters are skipped, the known ones around them kept. */
	expect(A("-xt"), 1, W(CONMONOPT_TERMINAL, NULL));
}

/* "--runtime-arg --log" is the case that made this module: the value looks
 * like a flag (and like --log-path's prefix). */
static void test_walk_values_that_look_like_flags(void **state)
{
	(void)state;
	expect(A("--runtime-arg", "--log-format=json", "--runtime-arg", "--log", "--runtime-arg=/run/oci-log", "-t"),
	       4, W(CONMONOPT_RUNTIME_ARG, "--log-format=json"), W(CONMONOPT_RUNTIME_ARG, "--log"),
	       W(CONMONOPT_RUNTIME_ARG, "/run/oci-log"), W(CONMONOPT_TERMINAL, NULL));
	expect(A("--runtime-opt", "--preserve-fds", "--runtime-opt", "1"), 2,
	       W(CONMONOPT_RUNTIME_OPT, "--preserve-fds"), W(CONMONOPT_RUNTIME_OPT, "1"));
	expect(A("--runtime-arg", "--cid", "x"), 1, W(CONMONOPT_RUNTIME_ARG, "--cid")); /* "x": a stray positional */
	expect(A("--exit-command-arg", "--", "-i"), 2, W(CONMONOPT_EXIT_COMMAND_ARG, "--"),
	       W(CONMONOPT_STDIN, NULL));
	expect(A("-l", "-"), 1, W(CONMONOPT_LOG_PATH, "-"));
}

static void test_walk_missing_value_at_end(void **state)
{
	(void)state;
	expect(A("--cid"), 0);
	expect(A("-c"), 0);
	expect(A("-t", "--cid"), 1, W(CONMONOPT_TERMINAL, NULL));
	expect(A("-tc"), 1, W(CONMONOPT_TERMINAL, NULL));
	expect(A("--runtime-arg", "x", "--runtime-arg"), 1, W(CONMONOPT_RUNTIME_ARG, "x"));
}

static void test_walk_flags_and_strays(void **state)
{
	(void)state;
	/* conmon 2.1.6's --api-version is a flag; podman's "1" is a stray. */
	expect(A("--api-version", "1", "-c", "id"), 2, W(CONMONOPT_API_VERSION, NULL), W(CONMONOPT_CID, "id"));
	/* A flag given a value with '=' is not that flag. */
	expect(A("--terminal=yes", "-i"), 1, W(CONMONOPT_STDIN, NULL));
	/* Unknown long options are skipped, but not what follows them. */
	expect(A("--bogus", "-t"), 1, W(CONMONOPT_TERMINAL, NULL));
	expect(A("--bogus=--cid", "-i"), 1, W(CONMONOPT_STDIN, NULL));
	expect(A("--ci", "x", "-t"), 1, W(CONMONOPT_TERMINAL, NULL)); /* no prefixes */
	expect(A("-", "positional", "-i"), 1, W(CONMONOPT_STDIN, NULL));
	expect(A("---cid"), 0);
	/* argv[0] is never an option. */
	const char *const argv[] = {"--terminal", "-i", NULL};
	struct seen s = {0};
	conmonopt_walk(2, argv, record, &s);
	assert_int_equal(s.n, 1);
	assert_int_equal(s.id[0], CONMONOPT_STDIN);
	/* Nothing to walk. */
	s.n = 0;
	conmonopt_walk(1, argv, record, &s);
	assert_int_equal(s.n, 0);
}

static void test_walk_stops_at_separator(void **state)
{
	(void)state;
	expect(A("-t", "--", "-i", "--cid", "x"), 1, W(CONMONOPT_TERMINAL, NULL));
	expect(A("--"), 0);
	expect(A("--cid", "--", "-i", "--", "-t"), 2, W(CONMONOPT_CID, "--"), W(CONMONOPT_STDIN, NULL));
}

/* The argv podman 4.3.1 passes for "podman exec -it" (§1.3). */
static void test_walk_podman_exec_argv(void **state)
{
	(void)state;
	expect(A("--api-version", "1", "-c", "ctr", "-u", "sid", "-r", "/usr/bin/runc", "-b", "/g/sid", "-p",
		 "/g/sid/exec_pid", "-n", "name", "--exit-dir", "/g/sid/exit", "--full-attach", "-l", "none",
		 "--log-level", "warning", "--runtime-arg", "--log-format=json", "--runtime-arg", "--log",
		 "--runtime-arg=/g/sid/oci-log", "-t", "-i", "-e", "--exec-attach", "--exec-process-spec",
		 "/g/sid/exec-process-1", "--exit-command", "/usr/bin/podman", "--exit-command-arg", "--root",
		 "--exit-command-arg", "/var/lib/containers/storage"),
	       22, W(CONMONOPT_API_VERSION, NULL), W(CONMONOPT_CID, "ctr"), W(CONMONOPT_CUUID, "sid"),
	       W(CONMONOPT_RUNTIME, "/usr/bin/runc"), W(CONMONOPT_BUNDLE, "/g/sid"),
	       W(CONMONOPT_CONTAINER_PIDFILE, "/g/sid/exec_pid"), W(CONMONOPT_NAME, "name"),
	       W(CONMONOPT_EXIT_DIR, "/g/sid/exit"), W(CONMONOPT_FULL_ATTACH, NULL), W(CONMONOPT_LOG_PATH, "none"),
	       W(CONMONOPT_LOG_LEVEL, "warning"), W(CONMONOPT_RUNTIME_ARG, "--log-format=json"),
	       W(CONMONOPT_RUNTIME_ARG, "--log"), W(CONMONOPT_RUNTIME_ARG, "/g/sid/oci-log"),
	       W(CONMONOPT_TERMINAL, NULL), W(CONMONOPT_STDIN, NULL), W(CONMONOPT_EXEC, NULL),
	       W(CONMONOPT_EXEC_ATTACH, NULL), W(CONMONOPT_EXEC_PROCESS_SPEC, "/g/sid/exec-process-1"),
	       W(CONMONOPT_EXIT_COMMAND, "/usr/bin/podman"), W(CONMONOPT_EXIT_COMMAND_ARG, "--root"),
	       W(CONMONOPT_EXIT_COMMAND_ARG, "/var/lib/containers/storage"));
}

/* Every value option of the table takes the next element, whatever it is,
 * and every flag takes none: walked generically, entry by entry. */
static void test_walk_every_entry(void **state)
{
	(void)state;
	for (size_t i = 0; i < conmonopt_count; i++) {
		const struct conmonopt *o = &conmonopt_table[i];
		char longopt[64];
		snprintf(longopt, sizeof(longopt), "--%s", o->name);
		const char *argv[] = {"conmon", longopt, "--terminal", NULL};
		struct seen s = {0};
		conmonopt_walk(3, argv, record, &s);
		if (o->takes_value) {
			assert_int_equal(s.n, 1);
			assert_int_equal(s.id[0], o->id);
			assert_string_equal(s.value[0], "--terminal");
		} else {
			assert_int_equal(s.n, 2);
			assert_int_equal(s.id[0], o->id);
			assert_null(s.value[0]);
			assert_int_equal(s.id[1], CONMONOPT_TERMINAL);
		}
		if (o->short_name) {
			char shortopt[3] = {'-', o->short_name, '\0'};
			const char *sargv[] = {"conmon", shortopt, "-i", NULL};
			s.n = 0;
			conmonopt_walk(3, sargv, record, &s);
			assert_int_equal(s.id[0], o->id);
			if (o->takes_value) {
				assert_int_equal(s.n, 1);
				assert_string_equal(s.value[0], "-i");
			} else {
				assert_int_equal(s.n, 2);
				assert_null(s.value[0]);
			}
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table_matches_conmon),
		cmocka_unit_test(test_integer_options_as_conmon),
		cmocka_unit_test(test_aliases_share_an_id),
		cmocka_unit_test(test_lookups),
		cmocka_unit_test(test_walk_value_forms),
		cmocka_unit_test(test_walk_short_clusters),
		cmocka_unit_test(test_walk_values_that_look_like_flags),
		cmocka_unit_test(test_walk_missing_value_at_end),
		cmocka_unit_test(test_walk_flags_and_strays),
		cmocka_unit_test(test_walk_stops_at_separator),
		cmocka_unit_test(test_walk_podman_exec_argv),
		cmocka_unit_test(test_walk_every_entry),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
