/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Counters of the connection table and of reassembly (util/counter.h). */
#ifndef SOCKEYE_CONN_COUNTERS_H
#define SOCKEYE_CONN_COUNTERS_H

#include "util/counter.h"

#define SE_CONN_COUNTERS(X)                                                                        \
	X(STREAM_GAP, 1, "stream_gap", true) /* holes in a stream (records that never came) */     \
	X(GAP_BYTES, 2, "gap_bytes", false)  /* bytes in those holes */                            \
	X(CONN_TABLE_FULL, 4, "conn_table_full", true) /* did not fit the worker's table */        \
	X(DUPLICATE, 6, "duplicates", false)	       /* records already delivered */             \
	X(REORDERED, 7, "reordered", false)  /* records that came ahead of an earlier one */       \
	X(PARK_ALLOC, 8, "park_alloc", true) /* payload of a parked record not kept */             \
	X(CONNS_OPENED, 9, "conns_opened", false)                                                  \
	X(CONNS_CLOSED, 10, "conns_closed", false)                                                 \
	/* what --buffer-budget refused (a split head, a pipelined request, out-of-order payload)  \
	 */                                                                                        \
	X(BUFFER_BUDGET, 31, "buffer_budget", true)                                                \
	/* ended because the kernel no longer had them: their close was lost (close_lost) */       \
	X(CONNS_RECONCILED, 33, "conns_reconciled", false)

SE_COUNTERS_DECLARE(se_conn_counter, SE_CONN_COUNTERS)

#endif /* SOCKEYE_CONN_COUNTERS_H */
