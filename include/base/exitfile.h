/* exitfile: the container's exit code on disk, the shim's contract with its
 * manager. conmon's format: a bare decimal (no newline: podman reads it with
 * Atoi), written atomically, at --exit-dir/CID and at --persist-dir/exit.
 * The code is the container's exit status, 128+signal for a killed one, and
 * EXITFILE_TIMED_OUT (-1) when the shim killed it for --timeout. Every
 * program writes, finds and reads it through this module, so -1 has one
 * meaning everywhere. */
#ifndef PTYSHIM_EXITFILE_H
#define PTYSHIM_EXITFILE_H

#define EXITFILE_TIMED_OUT (-1)

/* Where the shim writes: DIR/CID for an exit dir, DIR/exit for a persist dir
 * (pass NULL as cid). Allocated. */
char *exitfile_path(const char *dir, const char *cid);

/* Writes code atomically (temp file, fsync, rename, directory fsync), 0644.
 * Returns 0 or -1 with errno. */
int exitfile_write(const char *path, int code);

/* 1 with *code set, 0 when there is no file (yet), -1 when the file is there
 * but unreadable or not a code (errno EINVAL): a trailing newline or blank is
 * accepted, anything else is not. */
int exitfile_read(const char *path, int *code);

/* A recorded code as a process exit status (what `podman wait` and a client
 * exit with): 0-255 as they are; a timeout (-1) and anything else that is no
 * exit status become 255. */
int exitfile_status(int code);

/* A short description for people: "exited (3)", "timed out (255)". Static. */
const char *exitfile_describe(int code, char *buf, unsigned size);

#endif
