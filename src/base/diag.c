/* diag: one-line diagnostics of the shim itself, to stderr and/or syslog. */
#include "base/diag.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <syslog.h>
#include <unistd.h>

static const char *diag_prog = "ptyshim";
static enum diag_level diag_max = DIAG_WARN;
static bool diag_syslog;
static bool diag_stderr = true;

void diag_init(const char *prog)
{
	diag_prog = prog;
}

int diag_level_parse(const char *name)
{
	static const struct {
		const char *name;
		enum diag_level level;
	} names[] = {
		{"panic", DIAG_ERROR}, {"fatal", DIAG_ERROR}, {"error", DIAG_ERROR},
		{"warn", DIAG_WARN},   {"warning", DIAG_WARN}, {"info", DIAG_INFO},
		{"debug", DIAG_DEBUG}, {"trace", DIAG_DEBUG},
	};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcasecmp(name, names[i].name) == 0)
			return (int)names[i].level;
	return -1;
}

void diag_set_level(enum diag_level level)
{
	diag_max = level;
}

void diag_use_syslog(bool on)
{
	if (on && !diag_syslog)
		openlog(diag_prog, LOG_PID | LOG_NDELAY, LOG_DAEMON);
	diag_syslog = on;
}

void diag_set_stderr(bool on)
{
	diag_stderr = on;
}

void diag(enum diag_level level, const char *fmt, ...)
{
	if (level > diag_max)
		return;
	int saved = errno;
	char msg[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	/* One line, always: a message must never be able to forge a second one. */
	for (char *p = msg; *p; p++)
		if (*p == '\n' || *p == '\r')
			*p = ' ';
	if (diag_stderr) {
		char line[1100];
		int n = snprintf(line, sizeof(line), "%s: %s\n", diag_prog, msg);
		if (n > 0) {
			size_t len = (size_t)n < sizeof(line) ? (size_t)n : sizeof(line) - 1;
			ssize_t ignored = write(STDERR_FILENO, line, len);
			(void)ignored;
		}
	}
	if (diag_syslog) {
		static const int prio[] = {LOG_ERR, LOG_WARNING, LOG_INFO, LOG_DEBUG};
		syslog(prio[level], "%s", msg);
	}
	errno = saved;
}
