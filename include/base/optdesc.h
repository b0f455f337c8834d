/* optdesc: a program's options described once, as rows of (id, long name,
 * flag or value), and getopt_long's two views of them built from that: the
 * long-option table and the short-option string, so the two cannot
 * disagree and no one keeps a string like "+tTeh" by hand. The id is what
 * getopt_long returns for the option: its letter when it has one (then
 * -X and --name are the same option), else a number from 256 up. */
#ifndef PTYSHIM_OPTDESC_H
#define PTYSHIM_OPTDESC_H

#include <getopt.h>
#include <stddef.h>

#define OPTDESC_MAX 32
#define OPTDESC_FIRST_LONG_ONLY 256

enum optdesc_arg {
	OPTDESC_FLAG,
	OPTDESC_VALUE,
};

struct optdesc {
	int id;
	const char *name; /* without the dashes; NULL: a letter only */
	enum optdesc_arg arg;
};

struct optdesc_getopt {
	struct option longopts[OPTDESC_MAX + 1];
	char shortopts[2 + 2 * OPTDESC_MAX + 1];
};

/* The views of n <= OPTDESC_MAX options (more is a program error: abort).
 * shortopts starts with prefix, at most 2 characters ("+": options end at
 * the first operand; ":": a missing value is ':', not '?'). */
void optdesc_getopt(struct optdesc_getopt *g, const struct optdesc *opts, size_t n, const char *prefix);

#endif
