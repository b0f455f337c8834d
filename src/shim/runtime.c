/* runtime: the runtime's command lines. */
#include "shim/runtime.h"

#include "shim/cli.h"
#include "base/util.h"

/* Appends count words to argv at *n. */
static void push_words(char **argv, size_t *n, const char *const *words, size_t count)
{
	for (size_t i = 0; i < count; i++)
		argv[(*n)++] = (char *)words[i];
}

char **runtime_argv(const struct shim_config *cfg, const char *console_socket)
{
	size_t cap = 24 + cfg->runtime_args.len + cfg->runtime_opts.len;
	char **argv = xcalloc(cap, sizeof(*argv));
	size_t n = 0;
#define ARG(s) (argv[n++] = (char *)(s))
	/* Several words in a row, as they stand on the runtime's command line. */
#define ARGS(...) \
	push_words(argv, &n, (const char *const[]){__VA_ARGS__}, ARRAY_SIZE(((const char *const[]){__VA_ARGS__})))
	ARG(cfg->runtime);
	if (cfg->systemd_cgroup && !cfg->exec)
		ARG("--systemd-cgroup");
	for (size_t i = 0; i < cfg->runtime_args.len; i++)
		ARG(cfg->runtime_args.items[i]);
	if (cfg->exec) {
		ARGS("exec", "--pid-file", cfg->container_pidfile, "--process", cfg->exec_process_spec, "--detach");
		if (cfg->terminal)
			ARG("--tty");
	} else {
		ARGS(cfg->restore ? "restore" : "create", "--bundle", cfg->bundle, "--pid-file", cfg->container_pidfile);
		if (cfg->no_pivot)
			ARG("--no-pivot");
		if (cfg->no_new_keyring)
			ARG("--no-new-keyring");
		if (cfg->restore)
			ARGS("--detach", "--image-path", cfg->restore, "--work-path", cfg->bundle);
	}
	for (size_t i = 0; i < cfg->runtime_opts.len; i++)
		ARG(cfg->runtime_opts.items[i]);
	if (console_socket)
		ARGS("--console-socket", console_socket);
	ARG(cfg->cid);
	argv[n] = NULL;
#undef ARGS
#undef ARG
	return argv;
}
