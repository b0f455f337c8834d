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
static const char *diag_cid = "";
static const char *diag_tag;

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
		{"debug", DIAG_DEBUG}, {"trace", DIAG_TRACE},
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

void diag_set_subject(const char *cid, const char *tag)
{
	diag_cid = cid ? cid : "";
	diag_tag = tag;
}

void diag_use_syslog(bool on)
{
	if (on && !diag_syslog)
		openlog(NULL, 0, LOG_USER); /* conmon's: glibc's defaults, named as invoked */
	diag_syslog = on;
}

/* conmon's subject is "CID" or "CID: TAG", cut to 20 characters as a whole
 * (so a 64-character id leaves no room for the tag). */
static void diag_to_syslog(enum diag_level level, const char *msg)
{
	static const char *const words[] = {"error", "nwarn", "ninfo", "ndebug", "ntrace"};
	char subject[21];
	snprintf(subject, sizeof(subject), "%s%s%s", diag_cid, diag_tag ? ": " : "", diag_tag ? diag_tag : "");
	syslog(level == DIAG_ERROR ? LOG_ERR : LOG_INFO, "%s %s <%s>: %s", diag_prog, subject, words[level], msg);
}

void diag_set_stderr(bool on)
{
	diag_stderr = on;
}

/* One line, always: a message must never be able to forge a second one.
 * A runtime's error text ends in a newline: not part of the line. */
static void diag_one_line(char *msg)
{
	size_t len = strlen(msg);
	while (len > 0 && (msg[len - 1] == '\n' || msg[len - 1] == '\r' || msg[len - 1] == ' '))
		msg[--len] = '\0';
	for (char *p = msg; *p; p++)
		if (*p == '\n' || *p == '\r')
			*p = ' ';
}

static void diag_to_stderr(const char *msg)
{
	char line[1100];
	int n = snprintf(line, sizeof(line), "%s: %s\n", diag_prog, msg);
	if (n > 0) {
		size_t len = (size_t)n < sizeof(line) ? (size_t)n : sizeof(line) - 1;
		ssize_t ignored = write(STDERR_FILENO, line, len);
		(void)ignored;
	}
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
	diag_one_line(msg);
	if (diag_stderr)
		diag_to_stderr(msg);
	if (diag_syslog)
		diag_to_syslog(level, msg);
	errno = saved;
}
