/* Unit tests for cgstats, the Task service's Stats, on a fake /proc and
 * fake cgroup hierarchies: the hierarchies are found through
 * self/mountinfo (v1 controllers mounted apart or together, a mount whose
 * root is not "/"), the process's place in them through PID/cgroup; the
 * figures land in containerd's v1 or v2 Metrics under the proto's names
 * (memory.stat's pgfault is pg_fault on v1, ticks become nanoseconds, "max"
 * is the largest number); a controller that is missing is left out; a
 * process without a cgroup is an error, not a crash. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/util.h"
#include "ctrd/cgstats.h"
#include "github.com/containerd/cgroups/stats/v1/metrics.pb-c.h"
#include "github.com/containerd/cgroups/v2/stats/metrics.pb-c.h"

struct fx {
	char dir[64];
	char *proc;
};

static void put(const char *dir, const char *name, const char *text)
{
	char *path = xasprintf("%s/%s", dir, name);
	char *copy = xstrdup(path);
	char *slash = strrchr(copy, '/');
	*slash = '\0';
	assert_int_equal(mkdir_p(copy, 0755), 0);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	free(copy);
	free(path);
}

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	strcpy(f->dir, "/tmp/test_cgstats.XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	f->proc = xasprintf("%s/proc", f->dir);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	char *cmd = xasprintf("rm -rf '%s'", f->dir);
	assert_int_equal(system(cmd), 0);
	free(cmd);
	free(f->proc);
	free(f);
	return 0;
}

/* A v1 host: memory and pids apart, cpu and cpuacct together; the memory
 * hierarchy is mounted from /kubepods (the path under it drops that). */
static void make_v1(struct fx *f)
{
	char *mountinfo = xasprintf(
		"31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755\n"
		"32 31 0:29 / %1$s/cpu,cpuacct rw,relatime shared:9 - cgroup cgroup rw,cpu,cpuacct\n"
		"35 31 0:32 /kubepods %1$s/memory rw,relatime - cgroup cgroup rw,memory\n"
		"39 31 0:36 / %1$s/pids rw,relatime - cgroup cgroup rw,pids\n"
		"41 31 0:38 / %1$s/unified rw,relatime - cgroup2 cgroup2 rw\n",
		f->dir);
	put(f->proc, "self/mountinfo", mountinfo);
	free(mountinfo);
	put(f->proc, "42/cgroup",
	    "8:pids:/ctr\n4:memory:/kubepods/ctr\n2:cpu,cpuacct:/ctr\n1:name=systemd:/ctr\n0::/ctr\n");
	char *cpu = xasprintf("%s/cpu,cpuacct/ctr", f->dir);
	put(cpu, "cpuacct.usage", "123456789\n");
	put(cpu, "cpuacct.usage_percpu", "100 200 300 \n");
	put(cpu, "cpuacct.stat", "user 5\nsystem 7\n");
	put(cpu, "cpu.stat", "nr_periods 10\nnr_throttled 3\nthrottled_time 999\n");
	char *mem = xasprintf("%s/memory/ctr", f->dir);
	put(mem, "memory.stat", "cache 4096\nrss 8192\npgfault 77\npgmajfault 2\ntotal_inactive_file 1024\n"
				"hierarchical_memsw_limit 555\nnot_a_field 1\ngarbage\n");
	put(mem, "memory.usage_in_bytes", "65536\n");
	put(mem, "memory.limit_in_bytes", "1048576\n");
	put(mem, "memory.max_usage_in_bytes", "70000\n");
	put(mem, "memory.failcnt", "4\n");
	char *pids = xasprintf("%s/pids/ctr", f->dir);
	put(pids, "pids.current", "3\n");
	put(pids, "pids.max", "max\n");
	free(pids);
	free(mem);
	free(cpu);
}

static void test_v1(void **state)
{
	struct fx *f = *state;
	make_v1(f);
	struct cgstats st;
	char err[256];
	assert_int_equal(cgstats_collect(f->proc, 42, false, &st, err, sizeof(err)), 0);
	assert_string_equal(st.type_url, "io.containerd.cgroups.v1.Metrics");
	Io__Containerd__Cgroups__V1__Metrics *m = io__containerd__cgroups__v1__metrics__unpack(NULL, st.len, st.data);
	assert_non_null(m);
	assert_non_null(m->pids);
	assert_int_equal(m->pids->current, 3);
	assert_int_equal(m->pids->limit, 0); /* "max": no limit, as v1 metrics say it */
	assert_non_null(m->cpu);
	assert_int_equal(m->cpu->usage->total, 123456789);
	long hz = sysconf(_SC_CLK_TCK);
	assert_int_equal(m->cpu->usage->user, 5 * (1000000000 / hz));
	assert_int_equal(m->cpu->usage->kernel, 7 * (1000000000 / hz));
	assert_int_equal(m->cpu->usage->n_per_cpu, 3);
	assert_int_equal(m->cpu->usage->per_cpu[2], 300);
	assert_int_equal(m->cpu->throttling->periods, 10);
	assert_int_equal(m->cpu->throttling->throttled_periods, 3);
	assert_int_equal(m->cpu->throttling->throttled_time, 999);
	assert_non_null(m->memory);
	assert_int_equal(m->memory->cache, 4096);
	assert_int_equal(m->memory->rss, 8192);
	assert_int_equal(m->memory->pg_fault, 77);
	assert_int_equal(m->memory->pg_maj_fault, 2);
	assert_int_equal(m->memory->total_inactive_file, 1024);
	assert_int_equal(m->memory->hierarchical_swap_limit, 555);
	assert_int_equal(m->memory->usage->usage, 65536);
	assert_int_equal(m->memory->usage->limit, 1048576);
	assert_int_equal(m->memory->usage->max, 70000);
	assert_int_equal(m->memory->usage->failcnt, 4);
	assert_null(m->memory->swap); /* no memsw files: no swap accounting */
	io__containerd__cgroups__v1__metrics__free_unpacked(m, NULL);
	cgstats_free(&st);
}

static void test_v2(void **state)
{
	struct fx *f = *state;
	char *mountinfo = xasprintf("30 1 0:26 / %s/unified rw,nosuid - cgroup2 cgroup2 rw,nsdelegate\n", f->dir);
	put(f->proc, "self/mountinfo", mountinfo);
	free(mountinfo);
	put(f->proc, "7/cgroup", "0::/system.slice/ctr\n");
	char *dir = xasprintf("%s/unified/system.slice/ctr", f->dir);
	put(dir, "cpu.stat", "usage_usec 500\nuser_usec 300\nsystem_usec 200\nnr_periods 0\n");
	put(dir, "memory.stat", "anon 1000\nfile 2000\ninactive_file 700\npgfault 12\n");
	put(dir, "memory.current", "4096\n");
	put(dir, "memory.max", "max\n");
	put(dir, "pids.current", "2\n");
	put(dir, "pids.max", "100\n");
	struct cgstats st;
	char err[256];
	assert_int_equal(cgstats_collect(f->proc, 7, true, &st, err, sizeof(err)), 0);
	assert_string_equal(st.type_url, "io.containerd.cgroups.v2.Metrics");
	Io__Containerd__Cgroups__V2__Metrics *m = io__containerd__cgroups__v2__metrics__unpack(NULL, st.len, st.data);
	assert_non_null(m);
	assert_int_equal(m->pids->current, 2);
	assert_int_equal(m->pids->limit, 100);
	assert_int_equal(m->cpu->usage_usec, 500);
	assert_int_equal(m->cpu->system_usec, 200);
	assert_int_equal(m->memory->anon, 1000);
	assert_int_equal(m->memory->inactive_file, 700);
	assert_int_equal(m->memory->pgfault, 12);
	assert_int_equal(m->memory->usage, 4096);
	assert_true(m->memory->usage_limit == UINT64_MAX);
	io__containerd__cgroups__v2__metrics__free_unpacked(m, NULL);
	cgstats_free(&st);
	free(dir);
}

/* Only pids is there (the others are not mounted): the rest is left out. */
static void test_missing_controllers(void **state)
{
	struct fx *f = *state;
	char *mountinfo = xasprintf("39 31 0:36 / %s/pids rw - cgroup cgroup rw,pids\n", f->dir);
	put(f->proc, "self/mountinfo", mountinfo);
	free(mountinfo);
	put(f->proc, "5/cgroup", "8:pids:/c\n4:memory:/c\n");
	char *pids = xasprintf("%s/pids/c", f->dir);
	put(pids, "pids.current", "1\n");
	struct cgstats st;
	char err[256];
	assert_int_equal(cgstats_collect(f->proc, 5, false, &st, err, sizeof(err)), 0);
	Io__Containerd__Cgroups__V1__Metrics *m = io__containerd__cgroups__v1__metrics__unpack(NULL, st.len, st.data);
	assert_non_null(m);
	assert_int_equal(m->pids->current, 1);
	assert_null(m->cpu);
	assert_null(m->memory);
	io__containerd__cgroups__v1__metrics__free_unpacked(m, NULL);
	cgstats_free(&st);
	free(pids);
}

/* No such process, or garbage where its files should be: an error. */
static void test_no_cgroup(void **state)
{
	struct fx *f = *state;
	struct cgstats st;
	char err[256];
	assert_int_equal(cgstats_collect(f->proc, 9, false, &st, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "no cgroup of process 9"));
	put(f->proc, "self/mountinfo", "garbage\n\n1 2 3\n - - -\n");
	put(f->proc, "9/cgroup", "nonsense\n::\n");
	assert_int_equal(cgstats_collect(f->proc, 9, false, &st, err, sizeof(err)), -1);
	assert_int_equal(cgstats_collect(f->proc, 9, true, &st, err, sizeof(err)), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_v1, setup, teardown),
		cmocka_unit_test_setup_teardown(test_v2, setup, teardown),
		cmocka_unit_test_setup_teardown(test_missing_controllers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_cgroup, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
