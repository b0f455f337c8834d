/* output: full writes that a terminating signal can cut short. */
#include "attach/output.h"

#include <errno.h>
#include <poll.h>
#include <unistd.h>

int output_write(struct sigwatch *sw, int fd, const void *buf, size_t len)
{
	const char *p = buf;
	while (len > 0) {
		ssize_t n = write(fd, p, len);
		if (n > 0) {
			p += n;
			len -= (size_t)n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno != EAGAIN)
			return -1;
		/* Non-blocking stdout (shared with someone who set O_NONBLOCK). */
		struct pollfd pfd[2] = {{.fd = fd, .events = POLLOUT}, {.fd = sw->fd, .events = POLLIN}};
		if (poll(pfd, 2, -1) < 0 && errno != EINTR)
			return -1;
		if (pfd[1].revents & POLLIN) {
			sigwatch_drain(sw);
			if (sw->term_signal) {
				errno = ECANCELED;
				return -1;
			}
		}
	}
	return 0;
}
