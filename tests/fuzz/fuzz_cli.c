/* fuzz_cli: cli_parse on an argv split from the input at NUL bytes.
 *
 * Each argument gets its own allocation so an over-read of one is caught,
 * and the whole argv is freed after every run, so state that cli_parse
 * keeps pointing into an old argv shows up as a
 * use-after-free on the next run. Contract checked: on CLI_OK the
 * configuration is consistent and cli_free releases everything; on any
 * other result cfg owns nothing (main() never calls cli_free then), so
 * anything still allocated is a leak. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "shim/cli.h"
#include "base/diag.h"

#define MAX_ARGS 64

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	diag_init("ptyshim");
	return 0;
}

/* True when p is one of the argument strings (or points inside one). */
static int in_argv(const char *p, char **args, const size_t *lens, int n)
{
	for (int i = 0; i < n; i++)
		if (p >= args[i] && p <= args[i] + lens[i])
			return 1;
	return 0;
}

/* A summary of one parse, to compare runs. */
struct outcome {
	enum cli_result r;
	size_t n_logs, n_runtime_args, n_exit_args;
	bool terminal, no_runtime;
	int log_level;
};

/* One parse on a fresh argv made from the input. The argument strings are
 * then overwritten with bytes that are no option and freed only after the
 * next parse, so a parse that still reads them sees garbage, not zeroes
 * left by the allocator: leftover getopt state is caught every time. */
static char **pending_free;
static int n_pending;

static void free_pending(void)
{
	for (int i = 0; i < n_pending; i++)
		free(pending_free[i]);
	free(pending_free);
	pending_free = NULL;
	n_pending = 0;
}

static struct outcome parse_once(const uint8_t *data, size_t size)
{
	struct outcome oc = {0};
	char *args[MAX_ARGS + 2];
	size_t lens[MAX_ARGS + 2];
	int n = 0;
	args[n] = strdup("ptyshim");
	lens[n++] = 7;
	size_t start = 0;
	for (size_t i = 0; i <= size && n < MAX_ARGS + 1; i++) {
		if (i == size || data[i] == '\0') {
			if (i == size && start == size && size > 0)
				break; /* a trailing NUL ends the last argument, nothing more */
			size_t len = i - start;
			char *a = malloc(len + 1);
			memcpy(a, data + start, len);
			a[len] = '\0';
			lens[n] = len;
			args[n++] = a;
			start = i + 1;
		}
	}
	/* getopt permutes argv: hand it a copy of the pointers and free by ours. */
	char **argv = calloc((size_t)n + 1, sizeof(*argv));
	memcpy(argv, args, (size_t)n * sizeof(*argv));

	struct shim_config cfg;
	enum cli_result r = cli_parse(n, argv, &cfg);
	oc.r = r;
	if (r == CLI_OK) {
		if (cfg.cid == NULL || cfg.cuuid == NULL || cfg.bundle == NULL || cfg.container_pidfile == NULL ||
		    cfg.n_logs == 0)
			abort();
		if (!in_argv(cfg.cid, args, lens, n) || !in_argv(cfg.cuuid, args, lens, n))
			abort();
		for (size_t i = 0; i < cfg.n_logs; i++) {
			if (cfg.logs[i].kind == LOGDRV_K8S_FILE || cfg.logs[i].kind == LOGDRV_ASCIICAST) {
				const char *path = cfg.logs[i].path;
				if (path == NULL || path[0] == '\0' ||
				    (path != cfg.logs[i].path_owned && !in_argv(path, args, lens, n)))
					abort();
			}
		}
		if (cfg.no_runtime && (cfg.command == NULL || cfg.command[0] == NULL))
			abort();
		if (!cfg.no_runtime && cfg.runtime == NULL)
			abort();
		if (cfg.command != NULL) {
			/* The command is the tail of argv, in its original order. */
			size_t k = 0;
			while (cfg.command[k] != NULL)
				k++;
			if (k >= (size_t)n || cfg.command + k != argv + n)
				abort();
		}
		if (cfg.initial_rows > 65535 || cfg.initial_cols > 65535 ||
		    (cfg.initial_rows == 0) != (cfg.initial_cols == 0))
			abort();
		if (cfg.log_rotate && (cfg.log_size_max <= 0 || cfg.log_max_files < 1))
			abort();
		for (size_t i = 0; i < cfg.runtime_args.len; i++)
			if (!in_argv(cfg.runtime_args.items[i], args, lens, n))
				abort();
		for (size_t i = 0; i < cfg.exit_command_args.len; i++)
			if (!in_argv(cfg.exit_command_args.items[i], args, lens, n))
				abort();
		oc.n_logs = cfg.n_logs;
		oc.n_runtime_args = cfg.runtime_args.len;
		oc.n_exit_args = cfg.exit_command_args.len;
		oc.terminal = cfg.terminal;
		oc.no_runtime = cfg.no_runtime;
		oc.log_level = cfg.log_level;
		cli_free(&cfg);
	}
	free_pending();
	for (int i = 0; i < n; i++)
		memset(args[i], 0x01, lens[i]);
	pending_free = argv;
	memcpy(argv, args, (size_t)n * sizeof(*argv));
	n_pending = n;
	return oc;
}

/* The input, a known good command line, the input again: no parse may
 * depend on the one before (getopt keeps state between calls that can
 * point into an argv that no longer exists). */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 8192)
		return 0;
	struct outcome a = parse_once(data, size);
	/* A known good command line parses as such whatever came before. */
	static const char good[] = "-c\0id\0-u\0id\0-r\0/bin/sh\0-l\0none\0-t";
	struct outcome g = parse_once((const uint8_t *)good, sizeof(good) - 1);
	if (g.r != CLI_OK || !g.terminal || g.n_logs != 1)
		abort();
	struct outcome b = parse_once(data, size);
	if (memcmp(&a, &b, sizeof(a)) != 0)
		abort();
	free_pending();
	return 0;
}
