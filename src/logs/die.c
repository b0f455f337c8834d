/* die: the tool's one way to fail. */
#include "logs/die.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "base/diag.h"

void die(const char *fmt, ...)
{
	char msg[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	diag_err("%s", msg);
	exit(LOGS_EXIT_BAD);
}
