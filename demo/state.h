/* state: ptyman's state directory, the only place its knowledge lives (a
 * new ptyman sees every container that outlived the last one):
 *   STATE/rootfs/          busybox-static root file system (rootfs.h)
 *   STATE/runc/            runc --root (our containers only)
 *   STATE/exits/NAME       exit files (ptyshim --exit-dir)
 *   STATE/ctr/NAME/        one container: its bundle and ptyman.json (ctr.h)
 *   STATE/history          readline history
 * The container id is its name. Also the small file-system helpers the
 * other modules use on it. */
#ifndef PTYMAN_STATE_H
#define PTYMAN_STATE_H

#include <stdbool.h>
#include <sys/types.h>

#include "ptyman_words.h"

struct state {
	char *dir;      /* absolute */
	char *ctr_dir;  /* STATE/ctr */
	char *exit_dir; /* STATE/exits */
	char *rootfs;   /* STATE/rootfs */
	char *rt_root;  /* STATE/runc (made only when runc is used: state_use_runc) */
	char *history;  /* STATE/history */
};

/* Makes and resolves dir (NULL: the default, /var/lib/ptyman as root, else
 * $XDG_RUNTIME_DIR/ptyman or ~/.local/state/ptyman) with its ctr and exits
 * directories. 0, or -1 with the error printed. */
int state_open(struct state *s, const char *dir);
/* Makes STATE/runc. 0, or -1 with the error printed. */
int state_use_runc(const struct state *s);

/* STATE/ctr/NAME[/FILE], allocated. */
char *state_ctr_path(const struct state *s, const char *name, const char *file);
/* STATE/exits/NAME, allocated. */
char *state_exit_path(const struct state *s, const char *name);

#define NAME_MAX_LEN 64

/* Whether name can be a container's name (and so a directory's): letters
 * and digits, after the first also _ . -, at most NAME_MAX_LEN. */
bool name_valid(const char *name);
/* The first name not taken by a container: c1, c2, … Allocated. */
char *name_auto(const struct state *s);
/* Container names in the state directory, sorted. */
struct words state_ctr_names(const struct state *s);

bool file_exists(const char *path);
/* rm -rf, warning about what cannot be removed. */
void rm_rf(const char *path);

#endif
