/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Windows and shards. A shard is one worker's share of one window: the counters it kept
 * and a record per connection that moved data. At each window edge a worker seals its shard
 * and hands it to the sender, which merges the shards of a window into one se_window.
 */
#ifndef SOCKEYE_WINDOW_H
#define SOCKEYE_WINDOW_H

#include <stdbool.h>
#include <stdint.h>
#include <urcu/wfcqueue.h>

#include "sockeye/abi.h"
#include "sockeye/conn_table.h"

/* User-space counters. Append-only: names in se_user_counter_names[]. */
enum se_user_counter {
	SE_UC_EVENTS = 0,	   /* records drained from the rings */
	SE_UC_STREAM_GAP = 1,	   /* drop: holes in a stream (records that never arrived) */
	SE_UC_GAP_BYTES = 2,	   /* bytes in those holes */
	SE_UC_UNKNOWN_CONN = 3,	   /* drop: record of a connection never announced */
	SE_UC_CONN_TABLE_FULL = 4, /* drop: connection did not fit the worker's table */
	SE_UC_BAD_RECORD = 5,	   /* drop: record too short or of an unknown kind */
	SE_UC_DUPLICATE = 6,	   /* records already delivered (not a loss) */
	SE_UC_REORDERED = 7,	   /* records that arrived ahead of an earlier one */
	SE_UC_PARK_ALLOC = 8,	   /* drop: payload of a parked record could not be kept */
	SE_UC_CONNS_OPENED = 9,
	SE_UC_CONNS_CLOSED = 10,
	SE_UC_DEFERRED = 11, /* records held past a window edge while other rings drained */
	SE_UC__COUNT = 12,
};

extern const char *const se_user_counter_names[SE_UC__COUNT];
/* Is this counter a loss (reported under "dropped")? */
bool se_user_counter_is_drop(enum se_user_counter c);

struct se_conn_record {
	uint64_t id;
	uint32_t pid;
	uint8_t role;
	uint16_t family;
	uint16_t local_port;
	uint16_t peer_port;
	uint8_t local_addr[16];
	uint8_t peer_addr[16];
	struct se_conn_activity dir[SE_DIR__COUNT];
	uint64_t digest[SE_DIR__COUNT];
};

struct se_shard {
	struct cds_wfcq_node node; /* sync: wfcqueue (enqueued by the worker, taken by sender) */
	uint64_t start_ns;	   /* window bounds, CLOCK_REALTIME */
	uint64_t end_ns;
	uint32_t worker;
	bool final; /* last shard of this worker: it has stopped */
	uint64_t counters[SE_UC__COUNT];
	uint32_t nconns;
	uint32_t cap;
	struct se_conn_record *conns;
};

/* Context: worker (at start and at each seal, never per event). NULL on ENOMEM. */
struct se_shard *se_shard_new(uint32_t worker, uint64_t start_ns, uint64_t end_ns);
void se_shard_free(struct se_shard *s);
/* Append a record (grows geometrically). 0 or -ENOMEM. */
int se_shard_add_conn(struct se_shard *s, const struct se_conn_record *r);

/* A merged window, as exported. */
struct se_window {
	uint64_t start_ns;
	uint64_t end_ns;
	uint32_t shards; /* shards merged so far */
	uint64_t counters[SE_UC__COUNT];
	uint32_t nconns;
	uint32_t cap;
	struct se_conn_record *conns;
};

void se_window_init(struct se_window *w, uint64_t start_ns, uint64_t end_ns);
void se_window_fini(struct se_window *w);
/* Add counters and records (of a shard, or of another window) without counting a shard.
 * 0 or -ENOMEM. */
int se_window_add(struct se_window *w, const uint64_t counters[SE_UC__COUNT],
		  const struct se_conn_record *recs, uint32_t n);
/* Add the shard as one of the window's shards; the shard is left untouched. */
int se_window_merge(struct se_window *w, const struct se_shard *s);

#endif /* SOCKEYE_WINDOW_H */
