/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Counters of DNS (util/counter.h). */
#ifndef SOCKEYE_DNS_COUNTERS_H
#define SOCKEYE_DNS_COUNTERS_H

#include "util/counter.h"

#define SE_DNS_COUNTERS(X)                                                                         \
	X(DNS_ANSWERED, 34, "dns_answered", false) /* queries answered, in the dns groups */       \
	/* queries with no answer within SE_DNS_ANSWER_TIMEOUT_NS (groups of their own) */         \
	X(DNS_UNANSWERED, 35, "dns_unanswered", false)                                             \
	X(DNS_MALFORMED, 36, "dns_malformed", true) /* a message on a DNS port that is not DNS */  \
	/* well-formed, but not a query to pair (an opcode other than QUERY, no single question)   \
	 */                                                                                        \
	X(DNS_UNSUPPORTED, 37, "dns_unsupported", false)                                           \
	X(DNS_NOT_CAPTURED, 38, "dns_not_captured",                                                \
	  true)					  /* a message whose bytes were not seen */        \
	X(DNS_UNPAIRED, 39, "dns_unpaired", true) /* an answer to no query in flight */            \
	/* a query sent again before its answer came: timed from its first sending */              \
	X(DNS_RETRANSMITS, 40, "dns_retransmits", false)                                           \
	X(DNS_PENDING_FULL, 41, "dns_pending_full", true) /* more queries in flight than kept */   \
	X(DNS_ALLOC, 42, "dns_alloc", true) /* no memory for pairing state or a group */           \
	X(DNS_GROUP_OVERFLOW, 43, "dns_group_overflow", false) /* in an overflow group */          \
	/* queries in the groups of windows the export queue dropped */                            \
	X(DNS_EXPORT_DROPPED, 44, "dns_export_dropped", true)                                      \
	/* a TCP direction whose framing was lost (a hole, a zero length): not read further */     \
	X(DNS_TCP_FRAMING, 45, "dns_tcp_framing", true)

SE_COUNTERS_DECLARE(se_dns_counter, SE_DNS_COUNTERS)

#endif /* SOCKEYE_DNS_COUNTERS_H */
