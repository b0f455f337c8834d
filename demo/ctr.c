/* ctr: a container's record and status. */
#include "ctr.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <json-c/json.h>

#include "base/diag.h"
#include "base/exitfile.h"
#include "base/pidfile.h"
#include "base/procinfo.h"
#include "base/util.h"
#include "runc.h"
#include "signals.h"
#include "state.h"

void ctr_free(struct ctr *c)
{
	free(c->name);
	free(c->dir);
	words_free(&c->cmd);
	*c = (struct ctr){0};
}

int ctr_record_write(const struct ptyman *pm, const struct ctr *c)
{
	json_object *o = json_object_new_object();
	json_object_object_add(o, "name", json_object_new_string(c->name));
	json_object_object_add(o, "mode", json_object_new_string(c->host ? "host" : "runc"));
	json_object_object_add(o, "terminal", json_object_new_boolean(c->tty));
	json_object_object_add(o, "stdin", json_object_new_boolean(c->stdin_open));
	json_object_object_add(o, "started", json_object_new_boolean(c->started));
	json_object_object_add(o, "pid", json_object_new_int(c->pid));
	json_object *cmd = json_object_new_array();
	for (size_t i = 0; i < c->cmd.n; i++)
		json_object_array_add(cmd, json_object_new_string(c->cmd.v[i]));
	json_object_object_add(o, "command", cmd);
	const char *text = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY);
	char *path = state_ctr_path(&pm->state, c->name, "ptyman.json");
	char *data = xasprintf("%s\n", text);
	int rc = write_file_atomic(path, data, strlen(data), 0644);
	if (rc < 0)
		diag_err("%s: %s", path, strerror(errno));
	free(data);
	free(path);
	json_object_put(o);
	return rc;
}

static bool json_flag(json_object *o, const char *key)
{
	json_object *v;
	return json_object_object_get_ex(o, key, &v) && json_object_get_boolean(v);
}

static void ctr_from_json(struct ctr *c, json_object *o)
{
	json_object *v;
	c->host = json_object_object_get_ex(o, "mode", &v) && json_object_is_type(v, json_type_string) &&
		  strcmp(json_object_get_string(v), "host") == 0;
	c->tty = json_flag(o, "terminal");
	c->stdin_open = json_flag(o, "stdin");
	c->started = json_flag(o, "started");
	if (json_object_object_get_ex(o, "pid", &v))
		c->pid = json_object_get_int(v);
	c->cmd = words_new();
	if (json_object_object_get_ex(o, "command", &v) && json_object_is_type(v, json_type_array))
		for (size_t i = 0; i < json_object_array_length(v); i++) {
			json_object *arg = json_object_array_get_idx(v, i);
			if (json_object_is_type(arg, json_type_string))
				words_push(&c->cmd, xstrdup(json_object_get_string(arg)));
		}
}

int ctr_record_read(const struct ptyman *pm, const char *name, struct ctr *c, bool quiet)
{
	*c = (struct ctr){0};
	char *path = state_ctr_path(&pm->state, name, "ptyman.json");
	if (!file_exists(path)) {
		if (!quiet)
			diag_err("%s: no such container", name);
		free(path);
		return -1;
	}
	json_object *o = json_object_from_file(path);
	if (!o || !json_object_is_type(o, json_type_object)) {
		diag_err("%s: unreadable record %s", name, path);
		json_object_put(o);
		free(path);
		return -1;
	}
	free(path);
	c->name = xstrdup(name);
	c->dir = state_ctr_path(&pm->state, name, NULL);
	ctr_from_json(c, o);
	json_object_put(o);
	return 0;
}

bool ctr_exit_code(const struct ptyman *pm, const struct ctr *c, int *code)
{
	char *ef = state_exit_path(&pm->state, c->name);
	bool exited = exitfile_read(ef, code) == 1;
	free(ef);
	return exited;
}

int ctr_shim_pid(const struct ptyman *pm, const struct ctr *c)
{
	char *pf = state_ctr_path(&pm->state, c->name, "conmon.pid");
	pid_t pid = pidfile_read(pf);
	free(pf);
	return pid > 0 ? pid : 0;
}

bool ctr_shim_alive(const struct ctr *c, int pid)
{
	if (!procinfo_alive(pid))
		return false;
	size_t len;
	char *cmdline = procinfo_cmdline(pid, &len);
	if (!cmdline)
		return false;
	const char *argv[256];
	int argc = procinfo_argv(cmdline, len, argv, (int)ARRAY_SIZE(argv));
	bool found = false;
	for (int i = 0; i < argc && !found; i++)
		found = strstr(argv[i], c->dir) != NULL;
	free(cmdline);
	return found;
}

enum ctr_status ctr_status(const struct ptyman *pm, const struct ctr *c, int *code)
{
	if (ctr_exit_code(pm, c, code))
		return ST_EXITED;
	if (!ctr_shim_alive(c, ctr_shim_pid(pm, c)))
		return ST_GONE;
	return c->started ? ST_RUNNING : ST_CREATED;
}

char *ctr_status_text(enum ctr_status st, int code)
{
	char buf[32];
	switch (st) {
	case ST_CREATED:
		return xstrdup("created");
	case ST_RUNNING:
		return xstrdup("running");
	case ST_EXITED:
		return xstrdup(exitfile_describe(code, buf, sizeof(buf)));
	case ST_GONE:
	default:
		return xstrdup("gone (no shim, no exit file)");
	}
}

int ctr_get_running(const struct ptyman *pm, const char *cmd, const char *name, struct ctr *c)
{
	if (ctr_record_read(pm, name, c, false) < 0)
		return -1;
	int code = 0;
	enum ctr_status st = ctr_status(pm, c, &code);
	if (st == ST_RUNNING)
		return 0;
	char *s = ctr_status_text(st, code);
	diag_err("%s: %s is not running: %s", cmd, name, s);
	free(s);
	ctr_free(c);
	return -1;
}

int ctr_wait_exit(struct ptyman *pm, const struct ctr *c, int cap_ms, int *code)
{
	int64_t deadline = cap_ms < 0 ? INT64_MAX : now_ms() + cap_ms;
	for (;;) {
		enum ctr_status st = ctr_status(pm, c, code);
		if (st == ST_EXITED || st == ST_GONE)
			return st == ST_EXITED ? 0 : -1;
		if (now_ms() > deadline || !signals_nap(pm, 50))
			return -1;
	}
}

int ctr_signal(const struct ptyman *pm, const struct ctr *c, int sig)
{
	if (c->host) {
		/* The command runs under the shim's pid as a session leader. */
		if (c->pid <= 0 || kill(c->pid, sig) < 0) {
			diag_err("kill: %s: %s", c->name, c->pid <= 0 ? "no pid recorded" : strerror(errno));
			return 1;
		}
		return 0;
	}
	char num[16];
	snprintf(num, sizeof(num), "%d", sig);
	char *what = xasprintf("kill: %s", c->name);
	int rc = runc_do(pm, what, (const char *const[]){"kill", c->name, num, NULL});
	free(what);
	return rc == 0 ? 0 : 1;
}

void ctr_remove_files(const struct ptyman *pm, const struct ctr *c)
{
	rm_rf(c->dir);
	char *ef = state_exit_path(&pm->state, c->name);
	unlink(ef);
	free(ef);
}
