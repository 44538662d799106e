/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The bounded queue of merged windows between the merger and the sender: a slow or dead
 * collector fills it, then the oldest windows are dropped and counted. Pushing never waits. A
 * dropped window loses its protocols' parts and its connection records, never its counts: its
 * counters, kernel counter deltas and delay samples are added to the next window popped, with
 * SE_UC_WINDOWS_DROPPED and what each protocol counts of its part (HTTP/1: the requests its
 * groups held, http_export_dropped), so every loss still shows in a stats line. One mutex, taken
 * once per window, never per event.
 */
#ifndef SOCKEYE_WINDOW_QUEUE_H
#define SOCKEYE_WINDOW_QUEUE_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "agg/window.h"

/* A merged window ready to export. */
struct se_export_window {
	struct se_window w;
	struct se_kernel_window kernel;
	uint32_t late_shards; /* shards of earlier windows carried into this one */
};

struct se_window_queue {
	pthread_mutex_t lock;
	pthread_cond_t nonempty;
	/* sync: lock */
	struct se_export_window *items; /* ring of cap entries */
	uint32_t cap;
	uint32_t head; /* oldest */
	uint32_t len;
	bool closed;
	uint64_t pushed;  /* windows pushed so far */
	uint64_t dropped; /* of which dropped */
	/* counts of dropped windows, for the next window popped: counters and delay only (no
	 * parts, no records) */
	struct se_window carry;
	struct se_kernel_window carry_kernel;
	uint32_t carry_late_shards;
	bool carrying;
};

/* cap >= 1 windows. 0 or -ENOMEM. Context: main. */
int se_window_queue_init(struct se_window_queue *q, uint32_t cap);
/* Frees the windows still queued. Context: main, after both ends stopped. */
void se_window_queue_fini(struct se_window_queue *q);
/*
 * Move *ew into the queue (the caller's copy must not be finalised). When full, the oldest
 * is dropped first and counted. Returns the number of windows dropped (0 or 1). Context:
 * merger; never waits for the consumer.
 */
unsigned int se_window_queue_push(struct se_window_queue *q, struct se_export_window *ew);
/* No more pushes: pop returns false once the queue is empty. */
void se_window_queue_close(struct se_window_queue *q);
/*
 * Move the oldest window into *out, with the counts of any dropped before it added, waiting
 * for one if the queue is empty. false when closed and empty (*out untouched). Context:
 * sender.
 */
bool se_window_queue_pop(struct se_window_queue *q, struct se_export_window *out);

/* Has close been called? */
bool se_window_queue_closed(struct se_window_queue *q);
/* Windows pushed and dropped so far. */
void se_window_queue_counts(struct se_window_queue *q, uint64_t *pushed, uint64_t *dropped);

#endif /* SOCKEYE_WINDOW_QUEUE_H */
