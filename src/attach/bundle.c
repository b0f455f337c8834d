/* bundle: the target's directory, its socket and its config.json. */
#include "attach/bundle.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <json-c/json.h>

#include "base/diag.h"
#include "base/util.h"

int bundle_resolve(const char *target, struct bundle *b)
{
	struct stat st;
	if (stat(target, &st) < 0) {
		diag_err("%s: %s", target, strerror(errno));
		return -1;
	}
	if (S_ISDIR(st.st_mode)) {
		b->dir = xstrdup(target);
		b->sock_path = xasprintf("%s/attach", b->dir);
		return 0;
	}
	b->sock_path = xstrdup(target);
	const char *slash = strrchr(target, '/');
	b->dir = slash ? xasprintf("%.*s", (int)(slash == target ? 1 : slash - target), target)
		       : xstrdup(".");
	return 0;
}

/* process.terminal of a parsed config.json. */
static int config_terminal(json_object *root, const char *path)
{
	json_object *process, *terminal;
	if (!json_object_object_get_ex(root, "process", &process) ||
	    !json_object_is_type(process, json_type_object))
		return -1;
	if (!json_object_object_get_ex(process, "terminal", &terminal))
		return 0; /* the OCI default */
	if (json_object_is_type(terminal, json_type_boolean))
		return json_object_get_boolean(terminal) ? 1 : 0;
	diag_warn("%s: process.terminal is not a boolean", path);
	return -1;
}

int bundle_terminal(const struct bundle *b)
{
	char *path = xasprintf("%s/config.json", b->dir);
	int result = -1;
	if (access(path, F_OK) == 0) {
		json_object *root = json_object_from_file(path);
		if (root) {
			result = config_terminal(root, path);
			json_object_put(root);
		} else {
			diag_warn("%s: cannot parse: %s", path, json_util_get_last_err());
		}
	}
	free(path);
	return result;
}

char *bundle_ctl_path(const struct bundle *b)
{
	return xasprintf("%s/ctl", b->dir);
}

void bundle_free(struct bundle *b)
{
	free(b->dir);
	free(b->sock_path);
	b->dir = b->sock_path = NULL;
}
