#include "ctrd/cgstats.h"

#include <errno.h>
#include <limits.h>
#include <linux/magic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "base/util.h"
#include "ctrd/pbmsg.h"
#include "github.com/containerd/cgroups/stats/v1/metrics.pb-c.h"
#include "github.com/containerd/cgroups/v2/stats/metrics.pb-c.h"

#define SMALL_FILE_MAX (64u << 10)

enum controller { CG_MEMORY, CG_CPU, CG_CPUACCT, CG_PIDS, CG_COUNT };
static const char *const controller_names[CG_COUNT] = {"memory", "cpu", "cpuacct", "pids"};

/* The directory of each v1 controller's cgroup of the process (NULL when
 * that controller is not mounted), or the one v2 cgroup. */
struct cg_dirs {
	char *v1[CG_COUNT];
	char *v2;
};

static void dirs_free(struct cg_dirs *d)
{
	for (int i = 0; i < CG_COUNT; i++)
		free(d->v1[i]);
	free(d->v2);
}

static bool in_list(const char *list, const char *word)
{
	size_t n = strlen(word);
	for (const char *p = list; p && *p;) {
		if (strncmp(p, word, n) == 0 && (p[n] == ',' || p[n] == '\0'))
			return true;
		p = strchr(p, ',');
		p = p ? p + 1 : NULL;
	}
	return false;
}

/* The process's path in the hierarchy that holds controller (v1), or in
 * the v2 hierarchy (controller NULL), from the text of PID/cgroup.
 * Allocated, or NULL. */
static char *cgroup_path(const char *cgroup_text, const char *controller)
{
	char *text = xstrdup(cgroup_text ? cgroup_text : "");
	char *found = NULL;
	for (char *line = text, *next; *line && !found; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		else
			next = line + strlen(line);
		char *ctrls = strchr(line, ':');
		char *path = ctrls ? strchr(ctrls + 1, ':') : NULL;
		if (!path)
			continue;
		*path++ = '\0';
		*ctrls++ = '\0';
		if (controller ? in_list(ctrls, controller) : (strcmp(line, "0") == 0 && !*ctrls))
			found = xstrdup(path);
	}
	free(text);
	return found;
}

/* mount point + the process's path under the mount's root. */
static char *join_under(const char *mount_point, const char *mount_root, const char *path)
{
	size_t root_len = strcmp(mount_root, "/") == 0 ? 0 : strlen(mount_root);
	if (root_len && strncmp(path, mount_root, root_len) == 0)
		path += root_len;
	return xasprintf("%s%s", mount_point, path);
}

/* One mountinfo line: its root, mount point, file system type and super
 * options, or false when it is not a whole line. */
static bool parse_mount(char *line, char **root, char **point, char **fstype, char **opts)
{
	char *fields[6] = {0};
	char *save = NULL;
	char *tok = strtok_r(line, " ", &save);
	for (int i = 0; tok && i < 5; i++, tok = strtok_r(NULL, " ", &save))
		fields[i] = tok;
	while (tok && strcmp(tok, "-") != 0) /* optional fields end with "-" */
		tok = strtok_r(NULL, " ", &save);
	*fstype = strtok_r(NULL, " ", &save);
	(void)strtok_r(NULL, " ", &save); /* source */
	*opts = strtok_r(NULL, " ", &save);
	*root = fields[3];
	*point = fields[4];
	return *root && *point && *fstype && *opts;
}

/* The mount point of the hierarchy and the process's path in it. */
static char *dir_in(const char *cgroup_text, const char *controller, const char *point, const char *root)
{
	char *path = cgroup_path(cgroup_text, controller);
	char *dir = path ? join_under(point, root, path) : NULL;
	free(path);
	return dir;
}

static void find_dirs(const char *proc, pid_t pid, bool unified, struct cg_dirs *d)
{
	char *mountinfo = xasprintf("%s/self/mountinfo", proc);
	char *cgroup_file = xasprintf("%s/%d/cgroup", proc, (int)pid);
	size_t len;
	char *text = read_small_file(mountinfo, 4u << 20, &len);
	char *cgroups = read_small_file(cgroup_file, SMALL_FILE_MAX, &len);
	for (char *line = text, *next; line && *line && cgroups; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		char *root, *point, *fstype, *opts;
		if (!parse_mount(line, &root, &point, &fstype, &opts))
			continue;
		if (unified && strcmp(fstype, "cgroup2") == 0 && !d->v2)
			d->v2 = dir_in(cgroups, NULL, point, root);
		for (int i = 0; !unified && strcmp(fstype, "cgroup") == 0 && i < CG_COUNT; i++)
			if (!d->v1[i] && in_list(opts, controller_names[i]))
				d->v1[i] = dir_in(cgroups, controller_names[i], point, root);
	}
	free(cgroups);
	free(text);
	free(cgroup_file);
	free(mountinfo);
}

/* A number in dir/name; "max" is UINT64_MAX. */
static bool read_u64(const char *dir, const char *name, uint64_t *v)
{
	if (!dir)
		return false;
	char *path = xasprintf("%s/%s", dir, name);
	size_t len;
	char *s = read_small_file(path, 256, &len);
	free(path);
	bool ok = false;
	if (s && strncmp(s, "max", 3) == 0) {
		*v = UINT64_MAX;
		ok = true;
	} else if (s) {
		char *end;
		errno = 0;
		unsigned long long n = strtoull(s, &end, 10);
		ok = errno == 0 && end != s && (*end == '\n' || *end == '\0');
		*v = n;
	}
	free(s);
	return ok;
}

/* Sets the uint64 field of m called name, if it has one. */
static void set_field(ProtobufCMessage *m, const char *name, uint64_t v)
{
	const ProtobufCFieldDescriptor *f = protobuf_c_message_descriptor_get_field_by_name(m->descriptor, name);
	if (f && f->type == PROTOBUF_C_TYPE_UINT64 && f->label == PROTOBUF_C_LABEL_NONE)
		*(uint64_t *)((char *)m + f->offset) = v;
}

/* Every "key value" line of dir/name into m's field of that name, as
 * rename (or NULL) spells it. */
static bool read_keyed(const char *dir, const char *name, ProtobufCMessage *m, const char *(*rename)(const char *))
{
	if (!dir)
		return false;
	char *path = xasprintf("%s/%s", dir, name);
	size_t len;
	char *text = read_small_file(path, SMALL_FILE_MAX, &len);
	free(path);
	for (char *line = text, *next; line && *line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		char key[64];
		unsigned long long v;
		if (sscanf(line, "%63s %llu", key, &v) == 2)
			set_field(m, rename ? rename(key) : key, v);
	}
	bool ok = text != NULL;
	free(text);
	return ok;
}

/* v1's memory.stat spells a few figures otherwise than the proto. */
static const char *v1_memory_name(const char *key)
{
	static const char *const names[][2] = {
		{"pgpgin", "pg_pg_in"},
		{"pgpgout", "pg_pg_out"},
		{"pgfault", "pg_fault"},
		{"pgmajfault", "pg_maj_fault"},
		{"hierarchical_memsw_limit", "hierarchical_swap_limit"},
		{"total_pgpgin", "total_pg_pg_in"},
		{"total_pgpgout", "total_pg_pg_out"},
		{"total_pgfault", "total_pg_fault"},
		{"total_pgmajfault", "total_pg_maj_fault"},
	};
	for (size_t i = 0; i < ARRAY_SIZE(names); i++)
		if (strcmp(key, names[i][0]) == 0)
			return names[i][1];
	return key;
}

struct v1_metrics {
	Io__Containerd__Cgroups__V1__Metrics m;
	Io__Containerd__Cgroups__V1__PidsStat pids;
	Io__Containerd__Cgroups__V1__CPUStat cpu;
	Io__Containerd__Cgroups__V1__CPUUsage usage;
	Io__Containerd__Cgroups__V1__Throttle throttle;
	Io__Containerd__Cgroups__V1__MemoryStat memory;
	Io__Containerd__Cgroups__V1__MemoryEntry entries[4];
	uint64_t per_cpu[1024];
};

/* dir/PREFIX{usage_in_bytes,limit_in_bytes,max_usage_in_bytes,failcnt}. */
static Io__Containerd__Cgroups__V1__MemoryEntry *v1_memory_entry(const char *dir, const char *prefix,
								  Io__Containerd__Cgroups__V1__MemoryEntry *e)
{
	io__containerd__cgroups__v1__memory_entry__init(e);
	char name[64];
	snprintf(name, sizeof(name), "%susage_in_bytes", prefix);
	if (!read_u64(dir, name, &e->usage))
		return NULL;
	snprintf(name, sizeof(name), "%slimit_in_bytes", prefix);
	read_u64(dir, name, &e->limit);
	snprintf(name, sizeof(name), "%smax_usage_in_bytes", prefix);
	read_u64(dir, name, &e->max);
	snprintf(name, sizeof(name), "%sfailcnt", prefix);
	read_u64(dir, name, &e->failcnt);
	return e;
}

/* cpuacct.stat counts USER_HZ ticks; the proto wants nanoseconds. */
static void v1_cpuacct(const char *acct, struct v1_metrics *v)
{
	char *path = xasprintf("%s/cpuacct.stat", acct);
	size_t len;
	char *text = read_small_file(path, SMALL_FILE_MAX, &len);
	unsigned long long user = 0, system = 0;
	long hz = sysconf(_SC_CLK_TCK);
	if (text && sscanf(text, "user %llu system %llu", &user, &system) == 2 && hz > 0) {
		v->usage.user = user * (1000000000ull / (unsigned long long)hz);
		v->usage.kernel = system * (1000000000ull / (unsigned long long)hz);
	}
	free(text);
	free(path);
	path = xasprintf("%s/cpuacct.usage_percpu", acct);
	text = read_small_file(path, SMALL_FILE_MAX, &len);
	for (char *p = text, *end; p && v->usage.n_per_cpu < ARRAY_SIZE(v->per_cpu); p = end) {
		unsigned long long n = strtoull(p, &end, 10);
		if (end == p)
			break;
		v->per_cpu[v->usage.n_per_cpu++] = n;
	}
	v->usage.per_cpu = v->per_cpu;
	free(text);
	free(path);
}

/* v1's cpu.stat names the throttling figures otherwise than the proto. */
static const char *v1_throttle_name(const char *key)
{
	if (strcmp(key, "nr_periods") == 0)
		return "periods";
	if (strcmp(key, "nr_throttled") == 0)
		return "throttled_periods";
	return key;
}

static void v1_cpu(const struct cg_dirs *d, struct v1_metrics *v)
{
	io__containerd__cgroups__v1__cpuusage__init(&v->usage);
	io__containerd__cgroups__v1__throttle__init(&v->throttle);
	io__containerd__cgroups__v1__cpustat__init(&v->cpu);
	if (read_u64(d->v1[CG_CPUACCT], "cpuacct.usage", &v->usage.total)) {
		v1_cpuacct(d->v1[CG_CPUACCT], v);
		v->cpu.usage = &v->usage;
	}
	if (read_keyed(d->v1[CG_CPU], "cpu.stat", &v->throttle.base, v1_throttle_name))
		v->cpu.throttling = &v->throttle;
	if (v->cpu.usage || v->cpu.throttling)
		v->m.cpu = &v->cpu;
}

static void v1_fill(const struct cg_dirs *d, struct v1_metrics *v)
{
	io__containerd__cgroups__v1__metrics__init(&v->m);
	io__containerd__cgroups__v1__pids_stat__init(&v->pids);
	if (read_u64(d->v1[CG_PIDS], "pids.current", &v->pids.current)) {
		if (!read_u64(d->v1[CG_PIDS], "pids.max", &v->pids.limit) || v->pids.limit == UINT64_MAX)
			v->pids.limit = 0;
		v->m.pids = &v->pids;
	}
	v1_cpu(d, v);
	const char *mem = d->v1[CG_MEMORY];
	io__containerd__cgroups__v1__memory_stat__init(&v->memory);
	if (read_keyed(mem, "memory.stat", &v->memory.base, v1_memory_name)) {
		v->memory.usage = v1_memory_entry(mem, "memory.", &v->entries[0]);
		v->memory.swap = v1_memory_entry(mem, "memory.memsw.", &v->entries[1]);
		v->memory.kernel = v1_memory_entry(mem, "memory.kmem.", &v->entries[2]);
		v->memory.kernel_tcp = v1_memory_entry(mem, "memory.kmem.tcp.", &v->entries[3]);
		v->m.memory = &v->memory;
	}
}

struct v2_metrics {
	Io__Containerd__Cgroups__V2__Metrics m;
	Io__Containerd__Cgroups__V2__PidsStat pids;
	Io__Containerd__Cgroups__V2__CPUStat cpu;
	Io__Containerd__Cgroups__V2__MemoryStat memory;
};

static void v2_fill(const char *dir, struct v2_metrics *v)
{
	io__containerd__cgroups__v2__metrics__init(&v->m);
	io__containerd__cgroups__v2__pids_stat__init(&v->pids);
	io__containerd__cgroups__v2__cpustat__init(&v->cpu);
	io__containerd__cgroups__v2__memory_stat__init(&v->memory);
	if (read_u64(dir, "pids.current", &v->pids.current)) {
		read_u64(dir, "pids.max", &v->pids.limit);
		v->m.pids = &v->pids;
	}
	if (read_keyed(dir, "cpu.stat", &v->cpu.base, NULL))
		v->m.cpu = &v->cpu;
	if (read_keyed(dir, "memory.stat", &v->memory.base, NULL)) {
		read_u64(dir, "memory.current", &v->memory.usage);
		read_u64(dir, "memory.max", &v->memory.usage_limit);
		read_u64(dir, "memory.swap.current", &v->memory.swap_usage);
		read_u64(dir, "memory.swap.max", &v->memory.swap_limit);
		v->m.memory = &v->memory;
	}
}

bool cgstats_unified(void)
{
	struct statfs fs;
	return statfs("/sys/fs/cgroup", &fs) == 0 && fs.f_type == CGROUP2_SUPER_MAGIC;
}

int cgstats_collect(const char *proc, pid_t pid, bool unified, struct cgstats *out, char *err, size_t errlen)
{
	*out = (struct cgstats){0};
	struct cg_dirs d = {0};
	find_dirs(proc, pid, unified, &d);
	bool any = d.v2 != NULL;
	for (int i = 0; i < CG_COUNT; i++)
		any = any || d.v1[i] != NULL;
	if (!any) {
		snprintf(err, errlen, "no cgroup of process %d found", (int)pid);
		dirs_free(&d);
		return -1;
	}
	if (unified) {
		struct v2_metrics *v = xcalloc(1, sizeof(*v));
		v2_fill(d.v2, v);
		out->data = pbmsg_pack(&v->m.base, &out->len);
		out->type_url = "io.containerd.cgroups.v2.Metrics";
		free(v);
	} else {
		struct v1_metrics *v = xcalloc(1, sizeof(*v));
		v1_fill(&d, v);
		out->data = pbmsg_pack(&v->m.base, &out->len);
		out->type_url = "io.containerd.cgroups.v1.Metrics";
		free(v);
	}
	dirs_free(&d);
	return 0;
}

void cgstats_free(struct cgstats *st)
{
	free(st->data);
	st->data = NULL;
	st->len = 0;
}
