/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * A worker's byte budget (--buffer-budget) for what its connections hold beyond their fixed
 * state: heads split over segments while they are gathered, pipelined requests past the two
 * kept inline, out-of-order payload, records held at a window edge. Fixed state (connection
 * and group tables) is bounded by --max-connections and --max-groups; this bounds the rest,
 * so memory follows the configuration, not the traffic (docs/tuning.md, "Memory").
 *
 * A refused reservation is counted here, once (`buffer_budget`, a loss): what it was for (a
 * head, a request, parked payload) is lost and counted nowhere else. Reservations happen
 * only when a connection needs more than its fixed state, never per event.
 *
 * Context: one owner (a worker); no locking. A NULL budget takes everything (tests, fuzzing).
 */
#ifndef SOCKEYE_BUDGET_H
#define SOCKEYE_BUDGET_H

#include <stdbool.h>
#include <stdint.h>

struct se_budget {
	uint64_t used;	  /* bytes held now */
	uint64_t limit;	  /* 0: no limit */
	uint64_t refused; /* reservations refused; the owner takes and resets the count */
};

/* Reserve n bytes: true, or false (counted) when that would pass the limit. */
static inline bool se_budget_take(struct se_budget *b, uint64_t n)
{
	if (!b)
		return true;
	if (b->limit && n > b->limit - b->used) {
		b->refused++;
		return false;
	}
	b->used += n;
	return true;
}

/* Give back n bytes reserved before. */
static inline void se_budget_give(struct se_budget *b, uint64_t n)
{
	if (b)
		b->used -= n;
}

#endif /* SOCKEYE_BUDGET_H */
