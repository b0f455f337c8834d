#include "ctrd/mounts.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>

#include "base/util.h"

struct mount_flag {
	const char *name;
	unsigned long set;
	unsigned long clear;
};

static const struct mount_flag mount_flags[] = {
	{ "ro", MS_RDONLY, 0 },          { "rw", 0, MS_RDONLY },
	{ "bind", MS_BIND, 0 },          { "rbind", MS_BIND | MS_REC, 0 },
	{ "nosuid", MS_NOSUID, 0 },      { "suid", 0, MS_NOSUID },
	{ "nodev", MS_NODEV, 0 },        { "dev", 0, MS_NODEV },
	{ "noexec", MS_NOEXEC, 0 },      { "exec", 0, MS_NOEXEC },
	{ "noatime", MS_NOATIME, 0 },    { "relatime", MS_RELATIME, 0 },
	{ "strictatime", MS_STRICTATIME, 0 }, { "sync", MS_SYNCHRONOUS, 0 },
	{ "remount", MS_REMOUNT, 0 },    { "defaults", 0, 0 },
};

static const struct mount_flag *find_flag(const char *opt)
{
	for (size_t i = 0; i < ARRAY_SIZE(mount_flags); i++)
		if (strcmp(mount_flags[i].name, opt) == 0)
			return &mount_flags[i];
	return NULL;
}

/* Splits options into mount(2) flags and the file system's data string. */
static char *parse_options(const Containerd__Types__Mount *m, unsigned long *flags)
{
	size_t cap = 1;
	for (size_t i = 0; i < m->n_options; i++)
		cap += strlen(m->options[i]) + 1;
	char *data = xmalloc(cap);
	data[0] = '\0';
	*flags = 0;
	for (size_t i = 0; i < m->n_options; i++) {
		const struct mount_flag *f = find_flag(m->options[i]);
		if (f) {
			*flags = (*flags | f->set) & ~f->clear;
			continue;
		}
		if (data[0])
			strcat(data, ",");
		strcat(data, m->options[i]);
	}
	return data;
}

static int mount_one(const Containerd__Types__Mount *m, const char *target, char *err, size_t errlen)
{
	unsigned long flags;
	char *data = parse_options(m, &flags);
	const char *type = m->type && m->type[0] ? m->type : "none";
	if (strcmp(type, "bind") == 0)
		flags |= MS_BIND;
	int rc = mount(m->source, target, type, flags & ~MS_RDONLY, data[0] ? data : NULL);
	/* A bind mount takes MS_RDONLY only from a remount. */
	if (rc == 0 && (flags & MS_RDONLY))
		rc = mount(NULL, target, NULL, (flags & MS_BIND) | MS_REMOUNT | MS_RDONLY, NULL);
	if (rc < 0)
		snprintf(err, errlen, "mount %s (%s) at %s: %s", m->source, type, target, strerror(errno));
	free(data);
	return rc;
}

int mounts_apply(Containerd__Types__Mount *const *mounts, size_t n, const char *target, char *err, size_t errlen)
{
	for (size_t i = 0; i < n; i++) {
		if (mount_one(mounts[i], target, err, errlen) < 0) {
			while (i-- > 0)
				umount2(target, MNT_DETACH);
			return -1;
		}
	}
	return 0;
}

int mounts_remove(const char *target)
{
	int rc = 0;
	while (umount2(target, MNT_DETACH) == 0)
		;
	if (errno != EINVAL && errno != ENOENT)
		rc = -1;
	return rc;
}
