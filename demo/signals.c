/* signals: the signalfd and the naps that watch it. */
#include "signals.h"

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <readline/readline.h>

#include "base/diag.h"
#include "base/util.h"

int signals_setup(struct ptyman *pm)
{
	sigemptyset(&pm->sigs);
	static const int handled[] = {SIGINT, SIGQUIT, SIGTERM, SIGHUP, SIGWINCH};
	for (size_t i = 0; i < ARRAY_SIZE(handled); i++)
		sigaddset(&pm->sigs, handled[i]);
	sigprocmask(SIG_BLOCK, &pm->sigs, NULL);
	pm->sig_fd = signalfd(-1, &pm->sigs, SFD_NONBLOCK | SFD_CLOEXEC);
	if (pm->sig_fd < 0) {
		diag_err("signalfd: %s", strerror(errno));
		return -1;
	}
	return 0;
}

bool signals_drain(struct ptyman *pm, bool *interrupted)
{
	struct signalfd_siginfo si;
	bool any = false;
	while (pm->sig_fd >= 0 && read(pm->sig_fd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		any = true;
		switch (si.ssi_signo) {
		case SIGINT:
		case SIGQUIT:
			if (interrupted)
				*interrupted = true;
			break;
		case SIGTERM:
		case SIGHUP:
			pm->quit = true;
			break;
		case SIGWINCH:
			if (pm->interactive)
				rl_resize_terminal();
			break;
		default:
			break;
		}
	}
	return any;
}

bool signals_nap(struct ptyman *pm, int ms)
{
	struct pollfd p = {.fd = pm->sig_fd, .events = POLLIN};
	if (poll(&p, pm->sig_fd >= 0 ? 1 : 0, ms) > 0) {
		bool intr = false;
		signals_drain(pm, &intr);
		if (intr || pm->quit)
			return false;
	}
	return true;
}

int64_t now_ms(void)
{
	return mono_ns() / 1000000;
}
