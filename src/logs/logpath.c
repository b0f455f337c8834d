/* logpath: a log's directory and the container id in its path. */
#include "logs/logpath.h"

#include <stdlib.h>
#include <string.h>

#include "base/util.h"

char *logpath_dir(const char *path)
{
	const char *slash = strrchr(path, '/');
	if (slash == NULL)
		return xstrdup(".");
	if (slash == path)
		return xstrdup("/");
	return xasprintf("%.*s", (int)(slash - path), path);
}

const char *logpath_base(const char *path)
{
	const char *slash = strrchr(path, '/');
	return slash ? slash + 1 : path;
}

char *logpath_real_dir(const char *path)
{
	char *abs = realpath(path, NULL);
	char *dir = logpath_dir(abs ? abs : path);
	free(abs);
	return dir;
}

bool logpath_in_userdata(const char *path)
{
	char *dir = logpath_real_dir(path);
	bool in = strcmp(logpath_base(dir), "userdata") == 0;
	free(dir);
	return in;
}

char *logpath_cid(const char *path)
{
	char *dir = logpath_real_dir(path);
	char *id;
	if (strcmp(logpath_base(dir), "userdata") == 0) {
		char *parent = logpath_dir(dir);
		id = xstrdup(logpath_base(parent));
		free(parent);
	} else {
		id = xstrdup(logpath_base(dir));
	}
	free(dir);
	return id;
}
