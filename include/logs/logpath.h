/* logpath: what a log's path says about where it lives. Pure string work on
 * the path as given, except logpath_cid, which resolves it first. */
#ifndef PTYSHIM_LOGS_LOGPATH_H
#define PTYSHIM_LOGS_LOGPATH_H

#include <stdbool.h>

/* The directory part: "." for a bare name, "/" for one in the root.
 * Allocated. */
char *logpath_dir(const char *path);
/* The last component (a pointer into path). */
const char *logpath_base(const char *path);
/* The directory of the log, symlinks resolved when it exists. Allocated. */
char *logpath_real_dir(const char *path);
/* Whether the log is in podman's layout, .../ID/userdata/ctr.log. */
bool logpath_in_userdata(const char *path);
/* The container id the path suggests: ID in .../ID/userdata/ctr.log
 * (podman) or .../ID/ctr.log. Allocated; may be "" or "." for odd paths. */
char *logpath_cid(const char *path);

#endif
