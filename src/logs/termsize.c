/* termsize: --size, a terminal's, or the classic default. */
#include "logs/termsize.h"

#include "client/term.h"

void termsize_resolve(const struct termsize *s, const int *fds, size_t nfds, unsigned *cols, unsigned *rows,
		      bool *from_terminal)
{
	*from_terminal = false;
	if (s->given) {
		*cols = s->cols;
		*rows = s->rows;
		return;
	}
	for (size_t i = 0; i < nfds; i++) {
		unsigned short r, c;
		if (term_winsize(fds[i], &r, &c) == 0) {
			*cols = c;
			*rows = r;
			*from_terminal = true;
			return;
		}
	}
	*cols = 80;
	*rows = 24;
}
