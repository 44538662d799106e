/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Every counter's exported name and whether it is a loss, gathered from the lists of the
 * stages that count them (util/counter.h) and the kernel's (sockeye/abi.h): what the stats
 * line and sockeye.dropped are built from.
 */
#ifndef SOCKEYE_SINK_COUNTERS_H
#define SOCKEYE_SINK_COUNTERS_H

#include <stdbool.h>

#include "conn/counters.h"
#include "ingest/counters.h"
#include "pipeline/counters.h"
#include "proto/counters.h"
#include "proto/registry.h"
#include "sinks/otlp/counters.h"
#include "sockeye/abi.h"
#include "util/counter.h"

#define SE_EVERY_USER_COUNTER(X)                                                                   \
	SE_INGEST_COUNTERS(X)                                                                      \
	SE_CONN_COUNTERS(X)                                                                        \
	SE_PROTO_COUNTERS(X)                                                                       \
	SE_PROTOCOL_COUNTERS(X)                                                                    \
	SE_PIPELINE_COUNTERS(X)                                                                    \
	SE_OTLP_COUNTERS(X)

extern const char *const se_user_counter_names[SE_UC__COUNT];
/* Is this counter a loss (reported under "dropped")? */
bool se_user_counter_is_drop(unsigned int c);

extern const char *const se_kernel_counter_names[SE_KC__COUNT];
bool se_kernel_counter_is_drop(enum se_kernel_counter k);

#endif /* SOCKEYE_SINK_COUNTERS_H */
