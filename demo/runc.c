/* runc: running the runtime and editing its specs. */
#include "runc.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "base/diag.h"
#include "base/util.h"
#include "spawn.h"

int runc_run(const struct ptyman *pm, char **err, const char *const args[])
{
	if (!pm->tools.runtime) {
		*err = xstrdup("no OCI runtime (runc not found)");
		return 127;
	}
	const char *argv[16] = {pm->tools.runtime, "--root", pm->state.rt_root};
	size_t n = 3;
	for (size_t i = 0; args[i] && n < ARRAY_SIZE(argv) - 1; i++)
		argv[n++] = args[i];
	argv[n] = NULL;
	return spawn_capture((char *const *)argv, NULL, err);
}

int runc_do(const struct ptyman *pm, const char *what, const char *const args[])
{
	char *err = NULL;
	int rc = runc_run(pm, &err, args);
	if (rc != 0)
		diag_last_line(DIAG_ERROR, what, err);
	free(err);
	return rc == 0 ? 0 : -1;
}

static json_object *json_child(json_object *o, const char *key)
{
	json_object *v = NULL;
	if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_object)) {
		v = json_object_new_object();
		json_object_object_add(o, key, v);
	}
	return v;
}

static json_object *json_strings(char *const *v)
{
	json_object *a = json_object_new_array();
	for (char *const *p = v; *p; p++)
		json_object_array_add(a, json_object_new_string(*p));
	return a;
}

/* The spec's environment with TERM from ours (when we have one), HOME and
 * a prompt that shows where one is. */
static json_object *bundle_env(json_object *old)
{
	json_object *env = json_object_new_array();
	const char *term = getenv("TERM");
	bool have_term = term && *term;
	if (json_object_is_type(old, json_type_array))
		for (size_t i = 0; i < json_object_array_length(old); i++) {
			const char *e = json_object_get_string(json_object_array_get_idx(old, i));
			if (e && !(strncmp(e, "TERM=", 5) == 0 && have_term))
				json_object_array_add(env, json_object_new_string(e));
		}
	if (have_term) {
		char *t = xasprintf("TERM=%s", term);
		json_object_array_add(env, json_object_new_string(t));
		free(t);
	}
	json_object_array_add(env, json_object_new_string("HOME=/root"));
	json_object_array_add(env, json_object_new_string("PS1=[\\h \\w]\\$ "));
	return env;
}

static void bundle_edit(const struct ptyman *pm, const struct ctr *c, json_object *cfg)
{
	json_object *proc = json_child(cfg, "process");
	json_object_object_add(proc, "args", json_strings(c->cmd.v));
	json_object_object_add(proc, "terminal", json_object_new_boolean(c->tty));
	json_object *old = NULL;
	json_object_object_get_ex(proc, "env", &old);
	json_object_object_add(proc, "env", bundle_env(old));

	json_object_object_add(cfg, "hostname", json_object_new_string(c->name));
	json_object *root = json_child(cfg, "root");
	json_object_object_add(root, "path", json_object_new_string(pm->state.rootfs));
	json_object_object_add(root, "readonly", json_object_new_boolean(false));
}

int bundle_make(const struct ptyman *pm, const struct ctr *c)
{
	char *err = NULL;
	char *const spec[] = {pm->tools.runtime, "spec", "--bundle", c->dir, NULL};
	if (spawn_capture(spec, NULL, &err) != 0) {
		char *what = xasprintf("%s: runc spec", c->name);
		diag_last_line(DIAG_ERROR, what, err);
		free(what);
		free(err);
		return -1;
	}
	free(err);
	char *path = state_ctr_path(&pm->state, c->name, "config.json");
	json_object *cfg = json_object_from_file(path);
	int rc = 0;
	if (!cfg || !json_object_is_type(cfg, json_type_object)) {
		diag_err("%s: cannot read %s: %s", c->name, path, json_util_get_last_err());
		rc = -1;
	} else {
		bundle_edit(pm, c, cfg);
		if (json_object_to_file_ext(path, cfg, JSON_C_TO_STRING_PRETTY) < 0) {
			diag_err("%s: cannot write %s: %s", c->name, path, json_util_get_last_err());
			rc = -1;
		}
	}
	json_object_put(cfg);
	free(path);
	return rc;
}

int exec_spec_write(const struct ptyman *pm, const struct ctr *c, const char *path, char **cmd, bool tty)
{
	char *cfgpath = state_ctr_path(&pm->state, c->name, "config.json");
	json_object *cfg = json_object_from_file(cfgpath);
	json_object *proc = NULL;
	if (!cfg || !json_object_object_get_ex(cfg, "process", &proc) || !json_object_is_type(proc, json_type_object)) {
		diag_err("exec: %s: no process in %s", c->name, cfgpath);
		json_object_put(cfg);
		free(cfgpath);
		return -1;
	}
	free(cfgpath);
	json_object_object_add(proc, "args", json_strings(cmd));
	json_object_object_add(proc, "terminal", json_object_new_boolean(tty));
	json_object_object_del(proc, "consoleSize");
	int rc = json_object_to_file_ext(path, proc, JSON_C_TO_STRING_PLAIN);
	if (rc < 0)
		diag_err("exec: %s: %s", path, json_util_get_last_err());
	json_object_put(cfg);
	return rc;
}
