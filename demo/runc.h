/* runc: the OCI runtime, run with --root STATE/runc so that ptyman sees
 * only its own containers, and the bundle's config.json: `runc spec` with
 * ptyman's edits, and the process spec of an exec session. */
#ifndef PTYMAN_RUNC_H
#define PTYMAN_RUNC_H

#include <stdbool.h>

#include "ctr.h"
#include "ptyman.h"

/* runc --root STATE/runc ARGS… (args NULL-terminated); its stderr in *err
 * (allocated). 127 with a reason when there is no runtime. */
int runc_run(const struct ptyman *pm, char **err, const char *const args[]);
/* runc_run, and on failure "WHAT: LAST LINE OF ITS STDERR". 0 or -1. */
int runc_do(const struct ptyman *pm, const char *what, const char *const args[]);

/* `runc spec` into c->dir, then the command, terminal, hostname, a shared
 * writable busybox root and a prompt that names the container. 0 or -1. */
int bundle_make(const struct ptyman *pm, const struct ctr *c);
/* The process spec for runc exec at path: the container's own process
 * (user, env, capabilities, rlimits) with cmd and tty. 0 or -1. */
int exec_spec_write(const struct ptyman *pm, const struct ctr *c, const char *path, char **cmd, bool tty);

#endif
