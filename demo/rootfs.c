/* rootfs: building the busybox root. */
#include "rootfs.h"

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/diag.h"
#include "base/util.h"
#include "spawn.h"

/* busybox must be static: the container has no libc. */
static bool elf_is_static(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	Elf64_Ehdr eh;
	bool ok = read_all(fd, &eh, sizeof(eh)) == (ssize_t)sizeof(eh) && memcmp(eh.e_ident, ELFMAG, SELFMAG) == 0 &&
		  eh.e_ident[EI_CLASS] == ELFCLASS64 && eh.e_phentsize == sizeof(Elf64_Phdr);
	bool interp = false;
	for (int i = 0; ok && i < eh.e_phnum; i++) {
		Elf64_Phdr ph;
		if (pread(fd, &ph, sizeof(ph), (off_t)(eh.e_phoff + (uint64_t)i * sizeof(ph))) != (ssize_t)sizeof(ph)) {
			ok = false;
			break;
		}
		if (ph.p_type == PT_INTERP)
			interp = true;
	}
	close(fd);
	return ok && !interp;
}

static int copy_file(const char *from, const char *to, mode_t mode)
{
	int in = open(from, O_RDONLY | O_CLOEXEC);
	if (in < 0)
		return -1;
	int out = open(to, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	if (out < 0) {
		close_fd(&in);
		return -1;
	}
	char buf[65536];
	int rc = 0;
	for (;;) {
		ssize_t n = read(in, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			rc = -1;
			break;
		}
		if (n == 0)
			break;
		if (write_all(out, buf, (size_t)n) < 0) {
			rc = -1;
			break;
		}
	}
	int saved = errno;
	close_fd(&in);
	if (close(out) < 0 && rc == 0)
		rc = -1;
	else
		errno = saved;
	return rc;
}

static int rootfs_dirs(const char *tmp)
{
	static const char *const dirs[] = {"bin", "sbin", "usr", "usr/bin", "usr/sbin", "proc", "sys", "dev",
					   "tmp", "etc", "root", "run", "var", "home"};
	for (size_t i = 0; i < ARRAY_SIZE(dirs); i++) {
		char *d = xasprintf("%s/%s", tmp, dirs[i]);
		int rc = mkdir(d, 0755);
		free(d);
		if (rc < 0) {
			diag_err("rootfs: mkdir %s/%s: %s", tmp, dirs[i], strerror(errno));
			return -1;
		}
	}
	char *p = xasprintf("%s/tmp", tmp);
	chmod(p, 01777);
	free(p);
	return 0;
}

/* busybox itself, and its applets as links to /bin/busybox as the
 * container sees it. */
static int rootfs_busybox(const char *tmp, const char *busybox)
{
	char *p = xasprintf("%s/bin/busybox", tmp);
	int rc = copy_file(busybox, p, 0755);
	if (rc < 0)
		diag_err("rootfs: copy %s: %s", busybox, strerror(errno));
	free(p);
	if (rc < 0)
		return -1;

	char *out = NULL, *err = NULL;
	char *const list[] = {(char *)busybox, "--list-full", NULL};
	if (spawn_capture(list, &out, &err) != 0) {
		char *what = xasprintf("rootfs: %s --list-full", busybox);
		diag_last_line(DIAG_ERROR, what, err);
		free(what);
		free(out);
		free(err);
		return -1;
	}
	free(err);
	for (char *save = NULL, *line = strtok_r(out, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (line[0] == '\0' || line[0] == '/' || strstr(line, ".."))
			continue;
		char *link = xasprintf("%s/%s", tmp, line);
		if (symlink("/bin/busybox", link) < 0 && errno != EEXIST)
			diag_warn("rootfs: link %s: %s", line, strerror(errno));
		free(link);
	}
	free(out);
	return 0;
}

static int rootfs_files(const char *tmp)
{
	static const struct {
		const char *path, *text;
	} files[] = {
		{"etc/passwd", "root:x:0:0:root:/root:/bin/sh\n"},
		{"etc/group", "root:x:0:\n"},
	};
	for (size_t i = 0; i < ARRAY_SIZE(files); i++) {
		char *p = xasprintf("%s/%s", tmp, files[i].path);
		int rc = write_file_atomic(p, files[i].text, strlen(files[i].text), 0644);
		if (rc < 0)
			diag_err("rootfs: %s: %s", p, strerror(errno));
		free(p);
		if (rc < 0)
			return -1;
	}
	return 0;
}

static const char *busybox_find(void)
{
	static const char *const candidates[] = {"/bin/busybox", "/usr/bin/busybox", "/usr/local/bin/busybox"};
	for (size_t i = 0; i < ARRAY_SIZE(candidates); i++)
		if (access(candidates[i], X_OK) == 0)
			return candidates[i];
	return NULL;
}

/* Under the lock: build in ROOTFS.tmp, rename into place. */
static int rootfs_build(const struct state *s, const char *busybox)
{
	fprintf(stderr, "building the busybox root file system in %s\n", s->rootfs);
	char *tmp = xasprintf("%s.tmp", s->rootfs);
	rm_rf(tmp);
	int rc = 0;
	if (mkdir(tmp, 0755) < 0) {
		diag_err("rootfs: mkdir %s: %s", tmp, strerror(errno));
		rc = -1;
	} else if (rootfs_dirs(tmp) < 0 || rootfs_busybox(tmp, busybox) < 0 || rootfs_files(tmp) < 0) {
		rc = -1;
	} else if (rename(tmp, s->rootfs) < 0) {
		diag_err("rootfs: rename %s: %s", tmp, strerror(errno));
		rc = -1;
	}
	if (rc < 0)
		rm_rf(tmp);
	free(tmp);
	return rc;
}

int rootfs_ensure(const struct state *s)
{
	char *done = xasprintf("%s/bin/busybox", s->rootfs);
	bool have = file_exists(done);
	free(done);
	if (have)
		return 0;

	const char *bb = busybox_find();
	if (!bb) {
		diag_err("rootfs: busybox not found (install busybox-static)");
		return -1;
	}
	if (!elf_is_static(bb)) {
		diag_err("rootfs: %s is not statically linked (install busybox-static)", bb);
		return -1;
	}
	char *lock = xasprintf("%s/.rootfs.lock", s->dir);
	int lfd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	free(lock);
	if (lfd < 0 || flock(lfd, LOCK_EX) < 0) {
		diag_err("rootfs: lock: %s", strerror(errno));
		close_fd(&lfd);
		return -1;
	}
	int rc = file_exists(s->rootfs) ? 0 : rootfs_build(s, bb);
	close_fd(&lfd);
	return rc;
}
