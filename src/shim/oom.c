/* oom: OOM-kill detection for the container's memory cgroup. */
#include "shim/oom.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <unistd.h>

#include "base/diag.h"
#include "base/loop.h"
#include "base/util.h"

struct oom_watch {
	struct loop *loop;
	struct watch w;
	bool v2;
	char *events_path; /* v2 memory.events */
	long long oom_kills; /* v2 counter at start */
	int control_fd;      /* v1 memory.oom_control, kept open for the registration */
	char *event_control; /* v1 cgroup.event_control: gone once the cgroup is removed */
	char *persist_dir;
	char *bundle;
	bool marked;
};

/* The memory cgroup's directory: the v1 "memory" controller's, else the v2
 * unified one. Returns an allocated path and sets *v2. */
static char *oom_cgroup_dir(pid_t pid, bool *v2)
{
	char *path = xasprintf("/proc/%d/cgroup", pid);
	char *text = read_small_file(path, 65536, NULL);
	free(path);
	if (text == NULL)
		return NULL;
	char *v1_dir = NULL, *v2_dir = NULL;
	char *save_line;
	for (char *line = strtok_r(text, "\n", &save_line); line; line = strtok_r(NULL, "\n", &save_line)) {
		/* "ID:controllers:path"; v2's controllers field is empty. */
		char *c1 = strchr(line, ':');
		char *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
		if (c2 == NULL)
			continue;
		*c2 = '\0';
		char *ctrls = c1 + 1, *rel = c2 + 1;
		if (*ctrls == '\0') {
			free(v2_dir);
			v2_dir = xasprintf("/sys/fs/cgroup%s", rel);
			char *probe = xasprintf("%s/memory.events", v2_dir);
			if (access(probe, R_OK) < 0) {
				free(v2_dir);
				v2_dir = xasprintf("/sys/fs/cgroup/unified%s", rel);
			}
			free(probe);
			continue;
		}
		char *save_ctrl;
		for (char *c = strtok_r(ctrls, ",", &save_ctrl); c; c = strtok_r(NULL, ",", &save_ctrl))
			if (strcmp(c, "memory") == 0 && v1_dir == NULL)
				v1_dir = xasprintf("/sys/fs/cgroup/memory%s", rel);
	}
	free(text);
	if (v1_dir) {
		free(v2_dir);
		*v2 = false;
		return v1_dir;
	}
	*v2 = true;
	return v2_dir;
}

static long long oom_v2_count(const char *events_path)
{
	char *text = read_small_file(events_path, 4096, NULL);
	if (text == NULL)
		return -1;
	long long v = -1;
	char *p = strstr(text, "oom_kill ");
	if (p)
		v = strtoll(p + 9, NULL, 10);
	free(text);
	return v;
}

static void oom_mark(struct oom_watch *o)
{
	if (o->marked)
		return;
	o->marked = true;
	diag_warn("container was killed by the OOM killer");
	const char *dirs[2] = {o->persist_dir, o->bundle};
	for (int i = 0; i < 2; i++) {
		if (dirs[i] == NULL)
			continue;
		char *p = xasprintf("%s/oom", dirs[i]);
		if (write_file_atomic(p, "", 0, 0644) < 0)
			diag_warn("oom file %s: %s", p, strerror(errno));
		free(p);
	}
}

/* cgroup v1 signals the eventfd when the cgroup is removed as well; like
 * conmon, a single event with the cgroup gone is the removal, not an OOM. */
static bool oom_v1_is_oom(const struct oom_watch *o, uint64_t count)
{
	return !(count == 1 && access(o->event_control, F_OK) < 0 && errno == ENOENT);
}

static void oom_cb(struct watch *w, uint32_t events)
{
	(void)events;
	struct oom_watch *o = w->ctx;
	char buf[4096];
	ssize_t n = read(w->fd, buf, sizeof(buf));
	if (n < 0)
		return;
	if (!o->v2) {
		uint64_t count;
		memcpy(&count, buf, sizeof(count));
		if (n == (ssize_t)sizeof(count) && oom_v1_is_oom(o, count))
			oom_mark(o);
		else if (n == (ssize_t)sizeof(count))
			loop_del(o->loop, &o->w); /* the cgroup is gone: nothing more to hear */
		return;
	}
	long long now = oom_v2_count(o->events_path);
	if (now > o->oom_kills)
		oom_mark(o);
}

struct oom_watch *oom_watch_start(struct loop *loop, pid_t pid, const char *persist_dir, const char *bundle)
{
	bool v2 = false;
	char *dir = oom_cgroup_dir(pid, &v2);
	if (dir == NULL)
		return NULL;
	struct oom_watch *o = xcalloc(1, sizeof(*o));
	watch_init(&o->w, -1, oom_cb, o); /* freeing before a watch exists must close nothing */
	o->loop = loop;
	o->v2 = v2;
	o->control_fd = -1;
	o->persist_dir = persist_dir ? xstrdup(persist_dir) : NULL;
	o->bundle = bundle ? xstrdup(bundle) : NULL;
	int fd = -1;
	if (v2) {
		o->events_path = xasprintf("%s/memory.events", dir);
		o->oom_kills = oom_v2_count(o->events_path);
		fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
		if (fd >= 0 && (o->oom_kills < 0 || inotify_add_watch(fd, o->events_path, IN_MODIFY) < 0))
			close_fd(&fd);
	} else {
		char *ctl = xasprintf("%s/memory.oom_control", dir);
		char *evc = xasprintf("%s/cgroup.event_control", dir);
		o->event_control = xstrdup(evc);
		fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
		o->control_fd = open(ctl, O_RDONLY | O_CLOEXEC);
		int evc_fd = open(evc, O_WRONLY | O_CLOEXEC);
		if (fd >= 0 && o->control_fd >= 0 && evc_fd >= 0) {
			char reg[64];
			int n = snprintf(reg, sizeof(reg), "%d %d", fd, o->control_fd);
			if (write_all(evc_fd, reg, (size_t)n) < 0)
				close_fd(&fd);
		} else {
			close_fd(&fd);
		}
		close_fd(&evc_fd);
		free(ctl);
		free(evc);
	}
	free(dir);
	if (fd < 0) {
		diag_debug("oom: not watching the memory cgroup of %d", pid);
		oom_watch_free(o);
		return NULL;
	}
	watch_init(&o->w, fd, oom_cb, o);
	if (loop_add(loop, &o->w, EPOLLIN) < 0) {
		close_fd(&o->w.fd);
		oom_watch_free(o);
		return NULL;
	}
	return o;
}

void oom_watch_final_check(struct oom_watch *o)
{
	if (o == NULL)
		return;
	if (o->v2) {
		long long now = oom_v2_count(o->events_path);
		if (now > o->oom_kills)
			oom_mark(o);
	} else {
		uint64_t count;
		if (read(o->w.fd, &count, sizeof(count)) == (ssize_t)sizeof(count) && oom_v1_is_oom(o, count))
			oom_mark(o);
	}
}

void oom_watch_free(struct oom_watch *o)
{
	if (o == NULL)
		return;
	if (o->loop && o->w.added)
		loop_del(o->loop, &o->w);
	close_fd(&o->w.fd);
	close_fd(&o->control_fd);
	free(o->events_path);
	free(o->event_control);
	free(o->persist_dir);
	free(o->bundle);
	free(o);
}
