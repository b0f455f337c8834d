/* sigwatch: a signalfd for the client's signals. */
#include "attach/sigwatch.h"

#include <errno.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "base/util.h"

static const int handled_signals[] = {SIGWINCH, SIGTERM, SIGHUP, SIGINT, SIGQUIT, SIGTSTP};

int sigwatch_open(struct sigwatch *sw)
{
	*sw = (struct sigwatch){.fd = -1};
	sigset_t set;
	sigemptyset(&set);
	for (size_t i = 0; i < ARRAY_SIZE(handled_signals); i++) {
		int sig = handled_signals[i];
		struct sigaction old;
		if (sig != SIGWINCH && sigaction(sig, NULL, &old) == 0 && old.sa_handler == SIG_IGN)
			continue;
		sigaddset(&set, sig);
	}
	if (sigprocmask(SIG_BLOCK, &set, NULL) < 0)
		return -1;
	sw->fd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	return sw->fd < 0 ? -1 : 0;
}

void sigwatch_drain(struct sigwatch *sw)
{
	for (int sig; (sig = read_signal(sw->fd)) != 0;) {
		if (sig == SIGWINCH)
			sw->got_winch = true;
		else if (sig == SIGTSTP)
			sw->got_tstp = true;
		else if (!sw->term_signal)
			sw->term_signal = sig;
	}
}

void sigwatch_close(struct sigwatch *sw)
{
	close_fd(&sw->fd);
}
