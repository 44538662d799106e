// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "sinks/counters.h"

#define SE_COUNTER_NAME(name, id, str, loss) [id] = str,
#define SE_COUNTER_LOSS(name, id, str, loss) [id] = loss,

const char *const se_user_counter_names[SE_UC__COUNT] = { SE_EVERY_USER_COUNTER(SE_COUNTER_NAME) };
static const bool se_user_counter_loss[SE_UC__COUNT] = { SE_EVERY_USER_COUNTER(SE_COUNTER_LOSS) };

bool se_user_counter_is_drop(unsigned int c)
{
	return c < SE_UC__COUNT && se_user_counter_loss[c];
}

const char *const se_kernel_counter_names[SE_KC__COUNT] = { SE_KERNEL_COUNTERS(SE_COUNTER_NAME) };
static const bool se_kernel_counter_loss[SE_KC__COUNT] = { SE_KERNEL_COUNTERS(SE_COUNTER_LOSS) };

bool se_kernel_counter_is_drop(enum se_kernel_counter k)
{
	return (unsigned int)k < SE_KC__COUNT && se_kernel_counter_loss[k];
}
