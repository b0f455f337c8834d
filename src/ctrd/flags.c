#include "ctrd/flags.h"

#include <stddef.h>
#include <stdio.h>
#include <string.h>

struct flag_def {
	const char *name;
	size_t offset; /* of the const char * in struct shim_flags, or of the bool */
	bool is_bool;
};

static const struct flag_def flag_defs[] = {
	{ "namespace", offsetof(struct shim_flags, namespace), false },
	{ "address", offsetof(struct shim_flags, address), false },
	{ "publish-binary", offsetof(struct shim_flags, publish_binary), false },
	{ "id", offsetof(struct shim_flags, id), false },
	{ "bundle", offsetof(struct shim_flags, bundle), false },
	{ "socket", offsetof(struct shim_flags, socket), false },
	{ "debug", offsetof(struct shim_flags, debug), true },
	{ "v", offsetof(struct shim_flags, version), true },
};

static const struct flag_def *find_def(const char *name, size_t len)
{
	for (size_t i = 0; i < sizeof(flag_defs) / sizeof(flag_defs[0]); i++)
		if (strlen(flag_defs[i].name) == len && strncmp(flag_defs[i].name, name, len) == 0)
			return &flag_defs[i];
	return NULL;
}

int flags_parse(int argc, char **argv, struct shim_flags *f, char *err, size_t errlen)
{
	memset(f, 0, sizeof(*f));
	f->publish_binary = "containerd";
	int i = 1;
	for (; i < argc && argv[i][0] == '-' && argv[i][1]; i++) {
		const char *name = argv[i] + (argv[i][1] == '-' ? 2 : 1);
		if (!*name) { /* "--" ends the flags */
			i++;
			break;
		}
		const char *eq = strchr(name, '=');
		const struct flag_def *d = find_def(name, eq ? (size_t)(eq - name) : strlen(name));
		if (!d) {
			snprintf(err, errlen, "flag provided but not defined: %s", argv[i]);
			return -1;
		}
		char *field = (char *)f + d->offset;
		if (d->is_bool) {
			*(bool *)field = !eq || strcmp(eq + 1, "false") != 0;
			continue;
		}
		if (!eq && i + 1 >= argc) {
			snprintf(err, errlen, "flag needs an argument: %s", argv[i]);
			return -1;
		}
		*(const char **)field = eq ? eq + 1 : argv[++i];
	}
	f->action = i < argc ? argv[i] : "";
	return 0;
}
