/* oom: notices the kernel's OOM killer in the container's memory cgroup
 * (v1: an eventfd on memory.oom_control; v2: inotify on memory.events'
 * oom_kill counter) and marks it with an empty "oom" file in the persist
 * directory and in the bundle, where podman looks for it. */
#ifndef PTYSHIM_OOM_H
#define PTYSHIM_OOM_H

#include <sys/types.h>

struct loop;
struct oom_watch;

/* Returns NULL when the container has no memory cgroup to watch. */
struct oom_watch *oom_watch_start(struct loop *loop, pid_t pid, const char *persist_dir, const char *bundle);
/* One last look at the counters once the container is gone (v2). */
void oom_watch_final_check(struct oom_watch *w);
void oom_watch_free(struct oom_watch *w);

#endif
