// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* stderr logging: a line is formatted whole and written with one write(2). */
#include "util/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static enum se_log_level se_log_level = SE_LOG_INFO; /* immutable after start */

void se_log_set_level(enum se_log_level level)
{
	se_log_level = level;
}

enum se_log_level se_log_get_level(void)
{
	return se_log_level;
}

void se_log(enum se_log_level level, const char *fmt, ...)
{
	char line[1024];
	int n;
	va_list ap;

	if (level > se_log_level)
		return;
	n = snprintf(line, sizeof(line), "sockeye: ");
	va_start(ap, fmt);
	n += vsnprintf(line + n, sizeof(line) - n - 1, fmt, ap);
	va_end(ap);
	if (n > (int)sizeof(line) - 2)
		n = sizeof(line) - 2;
	while (n > 0 && line[n - 1] == '\n')
		n--;
	line[n++] = '\n';
	if (write(STDERR_FILENO, line, n) < 0)
		return; /* nowhere left to report it */
}
