/* runc: runs the OCI runtime (runc) to completion for the task service:
 *   runc --root ROOT --log LOG --log-format json ARGS…
 * Its own error text goes to LOG (its stdio may be the container's, as with
 * create and exec), so a failure is described from LOG's last message. */
#ifndef PTYSHIM_CTRD_RUNC_H
#define PTYSHIM_CTRD_RUNC_H

#include <stddef.h>

struct runc {
	char *binary; /* "runc" unless the environment says otherwise */
	char *root;   /* runc's state directory, per namespace */
	char *log;    /* BUNDLE/log.json */
};

/* args is NULL-terminated; stdio[i] becomes fd i in runc (-1: /dev/null).
 * Waits for runc; 0 when it exited 0, else -1 with err (errlen bytes) set
 * to a one-line reason. */
int runc_call(const struct runc *rc, const char *const *args, const int stdio[3], char *err, size_t errlen);

/* runc_call with runc's stdout captured (a memfd, so no size can block
 * it): *out is malloc'd and NUL-terminated. */
int runc_output(const struct runc *rc, const char *const *args, char **out, char *err, size_t errlen);

#endif
