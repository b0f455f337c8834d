/* runtime: argv construction and the runtime's pid file. */
#include "shim/runtime.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "shim/cli.h"
#include "base/util.h"

char **runtime_argv(const struct shim_config *cfg, const char *console_socket)
{
	size_t cap = 24 + cfg->runtime_args.len + cfg->runtime_opts.len;
	char **argv = xcalloc(cap, sizeof(*argv));
	size_t n = 0;
#define ARG(s) (argv[n++] = (char *)(s))
	ARG(cfg->runtime);
	if (cfg->systemd_cgroup && !cfg->exec)
		ARG("--systemd-cgroup");
	for (size_t i = 0; i < cfg->runtime_args.len; i++)
		ARG(cfg->runtime_args.items[i]);
	if (cfg->exec) {
		ARG("exec");
		ARG("--pid-file");
		ARG(cfg->container_pidfile);
		ARG("--process");
		ARG(cfg->exec_process_spec);
		ARG("--detach");
		if (cfg->terminal)
			ARG("--tty");
	} else {
		ARG(cfg->restore ? "restore" : "create");
		ARG("--bundle");
		ARG(cfg->bundle);
		ARG("--pid-file");
		ARG(cfg->container_pidfile);
		if (cfg->no_pivot)
			ARG("--no-pivot");
		if (cfg->no_new_keyring)
			ARG("--no-new-keyring");
		if (cfg->restore) {
			ARG("--detach");
			ARG("--image-path");
			ARG(cfg->restore);
			ARG("--work-path");
			ARG(cfg->bundle);
		}
	}
	for (size_t i = 0; i < cfg->runtime_opts.len; i++)
		ARG(cfg->runtime_opts.items[i]);
	if (console_socket) {
		ARG("--console-socket");
		ARG(console_socket);
	}
	ARG(cfg->cid);
	argv[n] = NULL;
#undef ARG
	return argv;
}

int runtime_read_pid(const char *path)
{
	size_t len;
	char *s = read_small_file(path, 64, &len);
	if (s == NULL)
		return -1;
	/* runc writes a bare number; tolerate a trailing newline from others. */
	while (len > 0 && (s[len - 1] == '\n' || s[len - 1] == ' '))
		s[--len] = '\0';
	int pid;
	int rc = parse_int(s, 1, 1 << 30, &pid);
	free(s);
	if (rc < 0) {
		errno = EINVAL;
		return -1;
	}
	return pid;
}
