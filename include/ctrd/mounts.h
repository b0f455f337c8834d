/* mounts: the task's rootfs mounts (CreateTaskRequest.rootfs), mounted in
 * order at BUNDLE/rootfs as containerd's snapshotter describes them
 * (overlay with lowerdir/upperdir/workdir, or a bind mount), and their
 * unmounting at delete. */
#ifndef PTYSHIM_CTRD_MOUNTS_H
#define PTYSHIM_CTRD_MOUNTS_H

#include <stddef.h>

#include "github.com/containerd/containerd/api/types/mount.pb-c.h"

/* 0, or -1 with err set; on failure nothing stays mounted. */
int mounts_apply(Containerd__Types__Mount *const *mounts, size_t n, const char *target, char *err, size_t errlen);

/* Unmounts whatever is mounted at target (lazily, so a process still
 * inside cannot keep it); 0 when nothing is mounted there. */
int mounts_remove(const char *target);

#endif
