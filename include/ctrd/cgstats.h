/* cgstats: what the Task service's Stats answers: the figures of the
 * container's cgroups, read from its init process's cgroups as
 * containerd-shim-runc-v2 reads them, packed as containerd expects them:
 * io.containerd.cgroups.v1.Metrics on a cgroup v1 (or hybrid) host,
 * io.containerd.cgroups.v2.Metrics on a unified one. The CRI plugin takes
 * CPU and memory from them (kubectl top, the kubelet's eviction).
 *
 * Read: pids (current, limit), CPU (usage, user and system time,
 * per CPU on v1, throttling), memory (usage, limit, max and failures, swap
 * and kernel on v1, every memory.stat figure). A controller that is not
 * there leaves its figures out. */
#ifndef PTYSHIM_CTRD_CGSTATS_H
#define PTYSHIM_CTRD_CGSTATS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct cgstats {
	const char *type_url; /* static */
	uint8_t *data;        /* the packed Metrics, allocated */
	size_t len;
};

/* Whether this host's /sys/fs/cgroup is cgroup v2 alone. */
bool cgstats_unified(void);

/* The figures of pid's cgroups. proc is "/proc" (tests give another: its
 * self/mountinfo says where the hierarchies are, PID/cgroup where pid is
 * in them). 0, or -1 with err set (errlen bytes). */
int cgstats_collect(const char *proc, pid_t pid, bool unified, struct cgstats *out, char *err, size_t errlen);
void cgstats_free(struct cgstats *st);

#endif
