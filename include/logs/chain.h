/* chain: a log and its rotated files, PATH.K ... PATH.1 PATH, oldest first,
 * opened as one consistent set although the writer may rotate while we
 * look, and read in that order. PATH itself may be missing for a moment
 * (between a rotation's rename and the new file). Errors that leave nothing
 * to read (a member that cannot be opened, or is a directory) die; a read
 * error is a warning and the reading goes on. */
#ifndef PTYSHIM_LOGS_CHAIN_H
#define PTYSHIM_LOGS_CHAIN_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>

#include "logfmt/k8sread.h"
#include "logs/out.h"

struct chain_file {
	char *name;
	int fd;
	dev_t dev;
	ino_t ino;
	struct timespec mtime; /* when it was opened */
};

struct chain {
	struct chain_file *f; /* oldest first; the last is PATH when it exists */
	size_t n;
};

/* PATH.k, or PATH for k 0. Allocated. */
char *chain_name(const char *path, size_t k);

/* The newest file, which decides the log's format: its fd (the caller
 * closes it), or -1 when it is missing in the middle of a rotation (PATH.1
 * is there). Dies when it is missing otherwise, or is a directory. */
int chain_probe(const char *path);

/* 0, or -1 with errno EAGAIN when the files kept moving while we opened. */
int chain_snapshot(const char *path, struct chain *c);
/* chain_snapshot, dying when it fails or finds no file at all. */
void chain_open(const char *path, struct chain *c);
void chain_close(struct chain *c);

/* Whether st describes f. */
bool chain_same_file(const struct stat *st, const struct chain_file *f);

/* Feeds rd what fd holds up to its current end. */
void chain_read_to_eof(struct k8sread *rd, int fd, const char *name, struct out *out);
/* Feeds rd the whole of f as a complete file. */
void chain_read_whole(struct k8sread *rd, struct chain_file *f, struct out *out);
/* Feeds rd every file of path's chain, oldest first. */
void chain_read_all(const char *path, struct k8sread *rd, struct out *out);

#endif
