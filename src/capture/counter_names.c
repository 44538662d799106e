// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Names of the kernel-side counters (enum se_kernel_counter), as exported. */
#include "capture/probe.h"

const char *const se_kernel_counter_names[SE_KC__COUNT] = {
	[SE_KC_DROP_RING_FULL] = "ring_full",	    [SE_KC_DROP_CONN_MAP_FULL] = "conn_map_full",
	[SE_KC_DROP_ARGS_LOST] = "args_lost",	    [SE_KC_DROP_NO_RING] = "no_ring",
	[SE_KC_DROP_READ_FAULT] = "read_fault",	    [SE_KC_TRUNCATED] = "truncated",
	[SE_KC_EVENTS] = "kernel_events",	    [SE_KC_DROP_CLOSE_LOST] = "close_lost",
	[SE_KC_DROP_MISSED_ENTER] = "missed_enter", [SE_KC_DROP_CONN_RACE] = "conn_race",
	[SE_KC_CLOSE_PARKED] = "close_parked",
};

bool se_kernel_counter_is_drop(enum se_kernel_counter k)
{
	return k != SE_KC_TRUNCATED && k != SE_KC_EVENTS && k != SE_KC_CLOSE_PARKED;
}
