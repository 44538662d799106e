/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Counters of the OTLP sink (util/counter.h). */
#ifndef SOCKEYE_OTLP_COUNTERS_H
#define SOCKEYE_OTLP_COUNTERS_H

#include "util/counter.h"

#define SE_OTLP_COUNTERS(X)                                                                        \
	X(OTLP_REJECTED, 29, "otlp_rejected", true) /* exports the collector refused */            \
	X(OTLP_UNSENT, 30, "otlp_unsent", true)	    /* given up, failed TLS, or not encoded */

SE_COUNTERS_DECLARE(se_otlp_counter, SE_OTLP_COUNTERS)

#endif /* SOCKEYE_OTLP_COUNTERS_H */
