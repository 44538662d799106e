// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "util/thread.h"

#include <sys/prctl.h>

void se_thread_name(const char *name)
{
	prctl(PR_SET_NAME, name, 0, 0, 0);
}
