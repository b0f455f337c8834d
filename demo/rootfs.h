/* rootfs: STATE/rootfs, the busybox root file system every container
 * shares: the static busybox (the container has no libc), its applet
 * links, a passwd and group for root. Built once, under a lock, in a
 * temporary directory renamed into place, so a half-built tree is never
 * used, also with two ptymans on the same state. */
#ifndef PTYMAN_ROOTFS_H
#define PTYMAN_ROOTFS_H

#include "state.h"

/* 0 when STATE/rootfs is there (built now or earlier), -1 with the reason
 * printed. */
int rootfs_ensure(const struct state *s);

#endif
