/* runc: the OCI runtime as the task service runs it,
 *   runc --root ROOT --log LOG --log-format json ARGS…
 * started without waiting for it: the shim's reaper hands its exit back
 * (runc_finish), so a slow or hung runc never holds up the loop. Each call
 * logs to a memfd of its own (its stdio may be the container's, as with
 * create and exec), so a failure is described by that call's last message
 * even while another call runs. */
#ifndef PTYSHIM_CTRD_RUNC_H
#define PTYSHIM_CTRD_RUNC_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct runc {
	const char *binary; /* "runc" unless the environment says otherwise */
	char *root;         /* runc's state directory, per namespace */
};

/* One run of runc, from runc_start until runc_finish. */
struct runc_call {
	pid_t pid;   /* 0 when none runs */
	int log_fd;  /* memfd: runc's --log */
	int out_fd;  /* memfd: runc's stdout, when captured; else -1 */
	char what[16]; /* the subcommand, for messages */
};

/* Starts runc with args (NULL-terminated); stdio[i] becomes fd i in runc
 * (-1: /dev/null), unless capture, which takes stdout into a memfd (no
 * output can block it). 0, or -1 with err (errlen bytes) set. */
int runc_start(const struct runc *rc, const char *const *args, const int stdio[3], bool capture,
	       struct runc_call *call, char *err, size_t errlen);

/* The call's runc exited with wait_status: 0 when it exited 0, else -1 with
 * err set to runc's last log message (or its status). *out, when captured
 * and out is not NULL, is its stdout, allocated and NUL-terminated. Frees
 * what the call holds (pid becomes 0). */
int runc_finish(struct runc_call *call, int wait_status, char **out, char *err, size_t errlen);

/* runc_start, then waits for it (for the delete command, which has no
 * loop). */
int runc_run(const struct runc *rc, const char *const *args, char *err, size_t errlen);

#endif
