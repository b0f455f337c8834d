/* flags: the command line containerd gives a runtime v2 shim, in Go's flag
 * syntax (-name value, -name=value, --name value; bool flags alone):
 *   -namespace NS -address ADDR -publish-binary BIN [-debug] -id ID
 *   [-bundle DIR] [-socket PATH] [-v] ACTION
 * ACTION is start, delete, or nothing (serve, as the daemonized shim).
 * -publish-binary is taken and not used: events go to containerd over
 * ttrpc (ctrd/publish.h), as its own shims send them since 1.5. */
#ifndef PTYSHIM_CTRD_FLAGS_H
#define PTYSHIM_CTRD_FLAGS_H

#include <stdbool.h>
#include <stddef.h>

struct shim_flags {
	const char *namespace;
	const char *address;
	const char *publish_binary;
	const char *id;
	const char *bundle;
	const char *socket;
	bool debug;
	bool version;
	const char *action;
};

/* 0, or -1 with a one-line reason in err. Strings are borrowed from argv. */
int flags_parse(int argc, char **argv, struct shim_flags *f, char *err, size_t errlen);

#endif
