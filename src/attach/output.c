/* output: full writes that a terminating signal can cut short. */
#include "attach/output.h"

#include <errno.h>
#include <poll.h>
#include <unistd.h>

#include "base/util.h"

/* Non-blocking stdout (shared with someone who set O_NONBLOCK): waits as
 * long as it takes, but not past a terminating signal. */
static int wait_writable(int fd, void *ctx)
{
	struct sigwatch *sw = ctx;
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
	return 0;
}

int output_write(struct sigwatch *sw, int fd, const void *buf, size_t len)
{
	return write_all_waiting(fd, buf, len, wait_writable, sw);
}
