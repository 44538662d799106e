/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Counters of the rings' records, as drained (util/counter.h). */
#ifndef SOCKEYE_INGEST_COUNTERS_H
#define SOCKEYE_INGEST_COUNTERS_H

#include "util/counter.h"

#define SE_INGEST_COUNTERS(X)                                                                      \
	X(EVENTS, 0, "events", false)		 /* records drained from the rings */              \
	X(UNKNOWN_CONN, 3, "unknown_conn", true) /* a record of a connection never announced */    \
	X(BAD_RECORD, 5, "bad_record", true)	 /* a record too short or of an unknown kind */    \
	X(DEFERRED, 11, "deferred", false) /* held past a window edge while other rings drained */

SE_COUNTERS_DECLARE(se_ingest_counter, SE_INGEST_COUNTERS)

#endif /* SOCKEYE_INGEST_COUNTERS_H */
