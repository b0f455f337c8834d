/* termsize: the terminal size a log is shown at (--size), when the log
 * itself does not say: a k8s-file log holds no size. */
#ifndef PTYSHIM_LOGS_TERMSIZE_H
#define PTYSHIM_LOGS_TERMSIZE_H

#include <stdbool.h>
#include <stddef.h>

struct termsize {
	bool given; /* --size */
	unsigned cols, rows;
};

/* s's size when given, else the size of the first terminal among fds,
 * else 80x24. Sets *from_terminal when a terminal's size was taken. */
void termsize_resolve(const struct termsize *s, const int *fds, size_t nfds, unsigned *cols, unsigned *rows,
		      bool *from_terminal);

#endif
