/* state: the state directory's layout and the file-system helpers on it. */
#include "state.h"

#include <dirent.h>
#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/diag.h"
#include "base/util.h"

bool name_valid(const char *name)
{
	size_t len = strlen(name);
	if (len == 0 || len > NAME_MAX_LEN)
		return false;
	for (size_t i = 0; i < len; i++) {
		char c = name[i];
		bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
		if (!alnum && (i == 0 || (c != '_' && c != '.' && c != '-')))
			return false;
	}
	return true;
}

bool file_exists(const char *path)
{
	return access(path, F_OK) == 0;
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	if (remove(path) < 0 && errno != ENOENT)
		diag_warn("rm %s: %s", path, strerror(errno));
	return 0;
}

void rm_rf(const char *path)
{
	nftw(path, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

char *state_ctr_path(const struct state *s, const char *name, const char *file)
{
	return file ? xasprintf("%s/%s/%s", s->ctr_dir, name, file) : xasprintf("%s/%s", s->ctr_dir, name);
}

char *state_exit_path(const struct state *s, const char *name)
{
	return xasprintf("%s/%s", s->exit_dir, name);
}

char *name_auto(const struct state *s)
{
	for (int i = 1;; i++) {
		char *name = xasprintf("c%d", i);
		char *dir = state_ctr_path(s, name, NULL);
		bool taken = file_exists(dir);
		free(dir);
		if (!taken)
			return name;
		free(name);
	}
}

struct words state_ctr_names(const struct state *s)
{
	struct words w = words_new();
	struct dirent **ents = NULL;
	int n = scandir(s->ctr_dir, &ents, NULL, alphasort);
	for (int i = 0; i < n; i++) {
		if (ents[i]->d_name[0] != '.' && name_valid(ents[i]->d_name))
			words_push(&w, xstrdup(ents[i]->d_name));
		free(ents[i]);
	}
	free(ents);
	return w;
}

static char *state_default(void)
{
	if (geteuid() == 0)
		return xstrdup("/var/lib/ptyman");
	const char *xdg = getenv("XDG_RUNTIME_DIR");
	if (xdg && xdg[0] == '/' && access(xdg, W_OK) == 0)
		return xasprintf("%s/ptyman", xdg);
	const char *home = getenv("HOME");
	if (home && home[0] == '/')
		return xasprintf("%s/.local/state/ptyman", home);
	return NULL;
}

int state_open(struct state *s, const char *dir)
{
	char *sdir = dir ? xstrdup(dir) : state_default();
	if (!sdir) {
		diag_err("no state directory: give --state DIR (no HOME, no XDG_RUNTIME_DIR)");
		return -1;
	}
	if (mkdir_p(sdir, 0700) < 0) {
		diag_err("state %s: %s", sdir, strerror(errno));
		free(sdir);
		return -1;
	}
	s->dir = realpath(sdir, NULL);
	free(sdir);
	if (!s->dir) {
		diag_err("state: %s", strerror(errno));
		return -1;
	}
	s->ctr_dir = xasprintf("%s/ctr", s->dir);
	s->exit_dir = xasprintf("%s/exits", s->dir);
	s->rootfs = xasprintf("%s/rootfs", s->dir);
	s->rt_root = xasprintf("%s/runc", s->dir);
	s->history = xasprintf("%s/history", s->dir);
	if (mkdir_p(s->ctr_dir, 0700) < 0 || mkdir_p(s->exit_dir, 0700) < 0) {
		diag_err("state %s: %s", s->dir, strerror(errno));
		return -1;
	}
	return 0;
}

int state_use_runc(const struct state *s)
{
	if (mkdir_p(s->rt_root, 0700) < 0) {
		diag_err("state %s: %s", s->rt_root, strerror(errno));
		return -1;
	}
	return 0;
}
