/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The application layer of one connection: which protocol it speaks (decided from the first
 * bytes each way, by se_detect) and that protocol's tracker (protocol.h). Until the protocol
 * is known the first bytes are kept (at most SE_DETECT_PREFIX_MAX per direction) and replayed
 * into the tracker once it is. A connection of a protocol sockeye does not parse is counted once
 * and its bytes are ignored: never parsed as garbage.
 *
 * A connection joined mid-stream (sockeye started after it opened) may show a body first:
 * its detection is retried at the start of each later segment, a bounded number of times.
 *
 * Context: owned by one worker; se_session lives beside its connection in the connection
 * table, which moves it, so it holds no pointer into itself (tracker state is allocated).
 */
#ifndef SOCKEYE_SESSION_H
#define SOCKEYE_SESSION_H

#include <stdbool.h>
#include <stdint.h>

#include "conn/stream.h"
#include "proto/proto.h"
#include "proto/protocol.h"

/* Segment starts examined on a mid-stream connection before it is declared not parsed. */
#define SE_SESSION_MIDSTREAM_TRIES 16
/* A connection idle this long has its requests in flight counted as unanswered. */
#define SE_SESSION_IDLE_TIMEOUT_NS (60ull * 1000000000ull)
/* A message gathered over segments that made no progress this long is released (slowloris):
 * servers give up on a slow head after 10 to 60 s (nginx's client_header_timeout: 60 s). */
#define SE_SESSION_HEAD_STALL_NS (30ull * 1000000000ull)

/* Per worker: what the protocols' trackers share, and each parsed protocol's state. */
struct se_session_ctx {
	struct se_proto_env env;
	void *pw[SE_PROTO__COUNT]; /* by enum se_proto; NULL: not parsed */
};

struct se_session {
	uint8_t proto; /* enum se_proto */
	uint8_t role;
	bool midstream;
	bool closed;		/* se_session_close was called: later bytes are not parsed */
	bool tls;		/* a TLS connection: its ciphertext seen (se_detect_tls), or its
				 * plaintext (the bytes fed are then the plaintext) */
	bool plaintext;		/* the bytes fed are TLS plaintext (se_session_plaintext) */
	bool prefix_partial[2]; /* a kept prefix misses bytes (not captured, or a hole) */
	uint8_t tries;
	uint8_t by_port; /* enum se_proto the ports name (se_session_by_port), or UNDECIDED */
	uint8_t prefix_len[2];
	uint64_t prefix_offset[2]; /* stream offset of the kept prefix */
	uint64_t prefix_ts[2];
	uint64_t prefix_start_ns[2];
	struct se_endpoint peer;  /* its port is 0: groups are kept per address */
	struct se_endpoint local; /* the same; family 0 unless by_port is set */
	uint8_t prefix[2][SE_DETECT_PREFIX_MAX];
	const struct se_proto_ops *ops; /* once a parsed protocol is detected */
	void *tracker;			/* its state for this connection */
};

/* Every parsed protocol's worker state, sharing env (copied into ctx, which must not move
 * afterwards: the protocols keep a pointer to it). 0 or -ENOMEM. */
int se_session_ctx_init(struct se_session_ctx *ctx, const struct se_proto_env *env);
void se_session_ctx_fini(struct se_session_ctx *ctx);
/* Trackers count into counters and into parts (by enum se_proto) from now on: a new shard's.
 * Context: at start and at each seal. */
void se_session_ctx_point(struct se_session_ctx *ctx, uint64_t *counters, void *const *parts);
/* Each protocol's gauges into the parts of the shard being sealed. */
void se_session_ctx_sample(const struct se_session_ctx *ctx, void *const *parts);
/* A datagram, to the protocol that takes it. */
void se_session_ctx_datagram(struct se_session_ctx *ctx, const struct se_datagram *d);
/* At each seal: each protocol times out what waits in its worker state. */
void se_session_ctx_tick(struct se_session_ctx *ctx, uint64_t now_ns);
/* Is anything in flight (the idle walk has work)? */
bool se_session_ctx_busy(const struct se_session_ctx *ctx);

void se_session_init(struct se_session *s, uint8_t role, const struct se_endpoint *peer,
		     bool midstream);
/* From now on the bytes fed are the connection's TLS plaintext, from its start (or, joined,
 * from anywhere): detection starts again on them. Context: before any plaintext is fed. */
void se_session_plaintext(struct se_session *s, struct se_session_ctx *ctx, bool midstream);
/* The connection's ports name its protocol (DNS on a DNS port): no detection, the protocol's
 * tracker starts with the first bytes. local: the connection's own address. */
void se_session_by_port(struct se_session *s, uint8_t proto, const struct se_endpoint *local);
/* Bytes of one direction, in stream order (from reassembly). */
void se_session_on_bytes(struct se_session *s, struct se_session_ctx *ctx, unsigned int dir,
			 const struct se_segment *seg);
/* The connection ended (after its streams were flushed). Bytes that still come (a record
 * that raced the close in the kernel) are not parsed: a tracker started then could never
 * end the requests it queued. */
void se_session_close(struct se_session *s, struct se_session_ctx *ctx);
/* Called by the worker from time to time: requests in flight on a connection idle since
 * before now_ns minus SE_SESSION_IDLE_TIMEOUT_NS count as unanswered, a message that made no
 * progress for SE_SESSION_HEAD_STALL_NS is released, and buffers shrink back. */
void se_session_check_idle(struct se_session *s, struct se_session_ctx *ctx, uint64_t now_ns);
/* Release the tracker state. */
void se_session_fini(struct se_session *s, struct se_session_ctx *ctx);

#endif /* SOCKEYE_SESSION_H */
