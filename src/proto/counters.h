/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Counters of protocol detection (util/counter.h); each protocol has its own list. */
#ifndef SOCKEYE_PROTO_COUNTERS_H
#define SOCKEYE_PROTO_COUNTERS_H

#include "util/counter.h"

#define SE_PROTO_COUNTERS(X)                                                                       \
	/* connections of a protocol sockeye does not parse */                                     \
	X(CONNS_NOT_PARSED, 21, "conns_not_parsed", false)

SE_COUNTERS_DECLARE(se_proto_counter, SE_PROTO_COUNTERS)

#endif /* SOCKEYE_PROTO_COUNTERS_H */
