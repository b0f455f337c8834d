/* diag: the shim's own messages (never container output). One line each,
 * "PROG: <message>", to stderr before daemonizing, and to syslog after it
 * when --syslog was given. "log" in this project always means the
 * container's log; this module is deliberately named otherwise.
 *
 * Levels and syslog are conmon 2.1.6's: errors are always shown, each other
 * level only when --log-level reaches it (trace beyond debug). In syslog
 * the ident is the program's name as invoked and the facility LOG_USER (no
 * openlog of conmon's own: glibc's defaults); errors go at LOG_ERR, every
 * other level at LOG_INFO, each as "PROG CID <TAG>: message", CID cut to
 * 20 characters and followed by ": TAG" with --log-tag, <TAG> conmon's
 * level word (<error>, <nwarn>, <ninfo>, <ndebug>, <ntrace>). */
#ifndef PTYSHIM_DIAG_H
#define PTYSHIM_DIAG_H

#include <stdbool.h>

enum diag_level {
	DIAG_ERROR = 0,
	DIAG_WARN,
	DIAG_INFO,
	DIAG_DEBUG,
	DIAG_TRACE,
};

void diag_init(const char *prog);
/* Parses conmon's --log-level names (any case); -1 when unknown. */
int diag_level_parse(const char *name);
void diag_set_level(enum diag_level level);
/* The container the messages are about, for syslog; tag may be NULL. */
void diag_set_subject(const char *cid, const char *tag);
/* After daemonizing: stderr is /dev/null, so only syslog (if enabled) is left. */
void diag_use_syslog(bool on);
void diag_set_stderr(bool on);

void diag(enum diag_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
#define diag_err(...) diag(DIAG_ERROR, __VA_ARGS__)
#define diag_warn(...) diag(DIAG_WARN, __VA_ARGS__)
#define diag_info(...) diag(DIAG_INFO, __VA_ARGS__)
#define diag_debug(...) diag(DIAG_DEBUG, __VA_ARGS__)
#define diag_trace(...) diag(DIAG_TRACE, __VA_ARGS__)

#endif
