/* runtime: the OCI runtime's command lines, in conmon's exact order:
 *   create: RUNTIME [--systemd-cgroup] ARGS… create --bundle B --pid-file P
 *           [--no-pivot] [--no-new-keyring] OPTS… [--console-socket S] CID
 *   exec:   RUNTIME ARGS… exec --pid-file P --process SPEC --detach [--tty]
 *           OPTS… [--console-socket S] CID
 *   restore: RUNTIME [--systemd-cgroup] ARGS… restore --bundle B --pid-file P
 *           [--no-pivot] [--no-new-keyring] --detach --image-path DIR
 *           --work-path B OPTS… [--console-socket S] CID */
#ifndef PTYSHIM_RUNTIME_H
#define PTYSHIM_RUNTIME_H

struct shim_config;

/* NULL-terminated argv; the array is allocated, the strings are borrowed
 * from cfg and console_socket. Free with free(). */
char **runtime_argv(const struct shim_config *cfg, const char *console_socket);

#endif
