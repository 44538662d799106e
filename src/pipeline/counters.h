/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Counters of the export queue (util/counter.h). */
#ifndef SOCKEYE_PIPELINE_COUNTERS_H
#define SOCKEYE_PIPELINE_COUNTERS_H

#include "util/counter.h"

/* Windows whose groups and connection records were dropped because the export queue was
 * full (each protocol counts what their parts held). */
#define SE_PIPELINE_COUNTERS(X) X(WINDOWS_DROPPED, 24, "windows_dropped", true)

SE_COUNTERS_DECLARE(se_pipeline_counter, SE_PIPELINE_COUNTERS)

#endif /* SOCKEYE_PIPELINE_COUNTERS_H */
