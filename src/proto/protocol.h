/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The protocol interface: what a protocol gives the rest of sockeye, as one table of
 * functions (struct se_proto_ops) in its own folder, named in the registry (registry.c; its
 * counter list in registry.h). Detection finds a connection's protocol from its first bytes
 * (rules); a tracker per connection is fed the bytes of each direction in stream order and
 * told of the close and of idleness; what the trackers aggregate goes into the protocol's
 * part of the worker's current shard, and parts are merged into windows and encoded for each
 * sink by the protocol itself. The worker, the windows, the export queue and the sinks reach
 * a protocol only through this table.
 *
 * Context: everything but the part functions runs on one worker, the owner of pw and pc; parts
 * are written by one thread at a time (the worker, then the merger, then the sender).
 */
#ifndef SOCKEYE_PROTOCOL_H
#define SOCKEYE_PROTOCOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "conn/stream.h"
#include "proto/proto.h"
#include "proto/tracectx.h"
#include "sockeye/abi.h"
#include "util/endpoint.h"

struct se_budget;
struct se_otlp_metrics_out; /* util/otlp_metric.h */
struct se_otlp_spans_out;   /* util/otlp_span.h */

/* Whether the bytes seen so far of one side start this protocol: OK, NEED_MORE (a proper
 * prefix of what it starts with) or INVALID. Must decide within SE_DETECT_PREFIX_MAX bytes. */
typedef enum se_parse_status (*se_detect_match_fn)(const uint8_t *buf, size_t len);

struct se_detect_rule {
	bool response_side; /* matched against what the server sends */
	bool joined_only;   /* only on a connection joined mid-way (se_detect_joined) */
	se_detect_match_fn match;
};

/* For matchers: does buf start lit (OK), or is it a proper prefix of it (NEED_MORE)? The _ci
 * form ignores the case of buf; lit is lowercase. */
enum se_parse_status se_detect_literal(const uint8_t *buf, size_t len, const char *lit,
				       size_t lit_len);
enum se_parse_status se_detect_literal_ci(const uint8_t *buf, size_t len, const char *lit,
					  size_t lit_len);

/* What the trackers of every protocol on one worker share; the worker sets it. */
struct se_proto_env {
	uint64_t *counters;	  /* the current shard's SE_UC_* counters (changes at each seal) */
	struct se_budget *budget; /* the worker's byte budget (conn/budget.h); NULL: none */
	int64_t real_minus_mono_ns; /* kernel time to wall-clock time */
	uint32_t span_limit;	    /* spans a shard keeps (this worker's share); 0: none */
};

/* A connection, as its tracker starts. */
struct se_proto_start {
	uint8_t role;			      /* enum se_role */
	const struct se_endpoint *peer;	      /* port 0 */
	const struct se_endpoint *local;      /* port 0; family 0 unless the ports named it */
	bool midstream;			      /* joined after the connection opened */
	bool tls;			      /* the bytes are TLS plaintext */
	uint64_t first_offset[SE_DIR__COUNT]; /* stream offset of the first byte fed, each way */
};

/* One datagram of a UDP socket on a port of a datagram protocol, whole. */
struct se_datagram {
	uint64_t socket_id; /* the same for every datagram of one socket */
	uint64_t ts_ns;	    /* kernel time, when the syscall moved it */
	uint8_t role;	    /* enum se_role */
	uint8_t dir;	    /* enum se_direction */
	uint32_t len;	    /* bytes of the datagram */
	uint32_t captured;  /* bytes at data: a prefix */
	const uint8_t *data;
	struct se_endpoint local;
	struct se_endpoint peer; /* family 0 on a socket not connected */
};

/*
 * A connection that switches protocols in its stream (HTTP/1.1's "Upgrade: h2c"): where the
 * new protocol's bytes start each way, and the request that asked for the switch, which the
 * new protocol answers.
 */
struct se_proto_handoff {
	uint8_t proto; /* enum se_proto */
	uint64_t offset[SE_DIR__COUNT];
	uint8_t method;
	bool path_truncated;
	uint16_t path_len;
	const char *path; /* valid until the handoff's tracker is freed */
	uint64_t start_ns;
	struct se_trace_ctx trace;
};

struct se_proto_ops {
	uint8_t id;	  /* enum se_proto: exported, append-only */
	const char *name; /* as in conn lines */
	const struct se_detect_rule *rules;
	unsigned int nrules;
	/*
	 * The rest may be NULL: the protocol is recognised, not parsed (its connections are
	 * counted in conns_not_parsed and their bytes ignored). A protocol with a worker state
	 * but no conn_new takes datagrams only.
	 *
	 * Per worker: state shared by the protocol's trackers. NULL on ENOMEM. busy: anything in
	 * flight or buffered (the worker's idle walk is skipped otherwise).
	 */
	void *(*worker_new)(const struct se_proto_env *env);
	void (*worker_free)(void *pw);
	bool (*worker_busy)(const void *pw);
	/* Per connection. conn_new: NULL when out of memory (the protocol counts it). */
	void *(*conn_new)(void *pw, const struct se_proto_start *start);
	void (*on_bytes)(void *pw, void *pc, unsigned int dir, const struct se_segment *seg);
	void (*close)(void *pw, void *pc);			 /* bytes after this are not fed */
	void (*check_idle)(void *pw, void *pc, uint64_t now_ns); /* from time to time (cold) */
	void (*conn_free)(void *pw, void *pc);
	/* After on_bytes: has the connection switched protocols? Once, true with out set; the
	 * tracker then ignores every byte (the session frees it). */
	bool (*handoff)(void *pw, void *pc, struct se_proto_handoff *out);
	/* A tracker that takes over a switched connection (instead of conn_new). */
	void *(*conn_adopt)(void *pw, const struct se_proto_start *start,
			    const struct se_proto_handoff *from);
	/* A datagram protocol's datagrams (NULL for the others). */
	void (*on_datagram)(void *pw, const struct se_datagram *d);
	/* At each seal (may be NULL): time out what waits in the worker's state. */
	void (*worker_tick)(void *pw, uint64_t now_ns);
	/*
	 * Per window: the protocol's part of a shard or of a merged window. part_new: NULL on
	 * ENOMEM; a shard's part keeps at most max_groups groups and span_limit spans (a
	 * window's: UINT32_MAX spans). The worker writes into the parts given to point (a
	 * shard's, by enum se_proto: a protocol writes into its own part, or into the part of
	 * the protocol it reports as, as HTTP/2 does into HTTP/1's), and samples its gauges
	 * into the parts of a shard it seals: a part's owner sets them, then a protocol without
	 * a part of its own adds to them (the same shard can be sealed twice, when memory for
	 * a new one ran out).
	 */
	void *(*part_new)(uint32_t max_groups, uint32_t span_limit);
	void (*part_free)(void *part);
	void (*point)(void *pw, void *const *parts);
	void (*sample)(const void *pw, void *const *parts);
	/*
	 * Add src into dst (src untouched). What dst's limits or memory refuse is counted in
	 * counters: all of it when src is a shard (the worker leaves it to its part), only this
	 * merge's own when src is a window (its counters already hold its parts' figures). A
	 * shard's gauges add up (the shards of one edge); a window's are not carried. 0 or
	 * -ENOMEM (the rest is still added).
	 */
	int (*merge)(void *dst, const void *src, uint64_t *counters, bool src_is_shard);
	/* A window is dropped from the export queue: count what its part held. */
	void (*count_dropped)(const void *part, uint64_t *counters);
	/*
	 * Memory at the limits (worker/memory.c): a tracker's state, a worker's state at its
	 * largest, a part's struct, and what a part holds with max_groups groups and spans spans
	 * (the same for running totals).
	 */
	size_t conn_size;
	size_t worker_size;
	size_t part_size;
	uint64_t (*part_bytes)(uint32_t max_groups, uint64_t spans);
	/*
	 * Encoding, for each sink (context: sender; a NULL part reads as an empty one). JSON: the
	 * protocol's lines of one window, and its fields of the stats line. OTLP: running totals
	 * for cumulative temporality (a series ends after ttl_ns without data), the protocol's
	 * metrics of a window (from totals, or from the part when totals is NULL: delta), and its
	 * spans.
	 */
	void (*write_json)(FILE *out, const void *part, uint64_t start_ms, uint64_t end_ms);
	void (*write_stats)(FILE *out, const void *part);
	void *(*totals_new)(uint32_t max_groups);
	void (*totals_free)(void *totals);
	void (*totals_add)(void *totals, const void *part, uint64_t start_ns, uint64_t end_ns,
			   uint64_t ttl_ns);
	void (*otlp_metrics)(struct se_otlp_metrics_out *out, const void *part, const void *totals);
	size_t (*otlp_span_count)(const void *part);
	void (*otlp_spans)(struct se_otlp_spans_out *out, const void *part, uint64_t window_end_ns,
			   uint64_t rng[4]);
};

#endif /* SOCKEYE_PROTOCOL_H */
