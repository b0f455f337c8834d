/* spawn: the programs ptyman runs as children. Every child starts from a
 * clean signal state (ptyman blocks the signals it reads through its
 * signalfd, and a blocked mask survives exec); stdio is flushed before each
 * fork so nothing buffered is written twice. Waiting gives a shell's exit
 * code, 255 when the wait itself fails. */
#ifndef PTYMAN_SPAWN_H
#define PTYMAN_SPAWN_H

#include <stdbool.h>
#include <sys/types.h>

#include "base/diag.h"

/* Largest text kept from a child's stdout or stderr. */
#define CAPTURE_MAX (1024 * 1024)

/* fork() with our stdio flushed. */
pid_t spawn_fork(void);
/* waitpid (EINTR retried) as a shell's exit code. */
int spawn_wait(pid_t pid);
/* Whether pid has ended (it stays waitable). */
bool spawn_exited(pid_t pid);
/* SIGTERM to *pid when it is > 0, then wait for it; *pid becomes -1. */
void spawn_stop(pid_t *pid);

/* Runs argv (PATH searched) on ptyman's own stdio and waits for it. */
int spawn_fg(char *const argv[]);
/* Runs argv with stdin /dev/null; its stdout in *out and stderr in *err
 * (either may be NULL), allocated, also on failure. */
int spawn_capture(char *const argv[], char **out, char **err);

/* Reads fd1 and fd2 (-1: none) until both reach EOF, keeping up to
 * CAPTURE_MAX of each in *out1 and *out2 (NULL: dropped); closes both. */
void capture_two(int fd1, char **out1, int fd2, char **out2);
/* The last non-empty line of text, trimmed, for one-line messages. */
char *last_line(const char *text);
/* diag "PREFIX: LAST LINE OF TEXT". */
void diag_last_line(enum diag_level level, const char *prefix, const char *text);

#endif
