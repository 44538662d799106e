/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * HTTP/1.x exchanges of one connection: two se_http1_stream framers (requests one way,
 * responses the other, by the connection's role), and the requests in flight, in order, so
 * each response is paired with the oldest unanswered request (keep-alive and pipelining).
 * A completed exchange goes to the worker's group table as one se_http_request: duration
 * from the request's first byte to the response's last byte, both kernel timestamps.
 *
 * Nothing is leaked and nothing disappears unseen: a request the connection's end (or an
 * idle timeout) leaves unanswered is counted as such, a response with no request is counted
 * as unpaired, and more than SE_HTTP_PIPELINE_MAX requests in flight are counted as dropped.
 *
 * A response is not paired with the wrong request when a head is broken: a request head
 * that cannot be parsed leaves a placeholder in the queue, so its response is consumed in
 * its turn; a response head that cannot be parsed takes the oldest request with it, and the
 * requests behind it are abandoned (counted). When bytes are missing (a hole after a ring
 * overflowed) the number of messages lost is unknown: every request in flight is abandoned,
 * and responses to requests that vanished are counted unpaired. What remains possible is a
 * client that pipelines new requests before the responses to the vanished ones arrive.
 *
 * Context: owned by one worker, like the connection table; no locking.
 */
#ifndef SOCKEYE_HTTP_TRACK_H
#define SOCKEYE_HTTP_TRACK_H

#include <stdbool.h>
#include <stdint.h>

#include "proto/http1/http1.h"
#include "proto/http_sink.h"
#include "conn/stream.h"
#include "proto/protocol.h"
#include "proto/tracectx.h"

/* Requests in flight on one connection (pipelining); two are kept inline, the rest in an
 * array allocated (from the worker's budget) when a connection pipelines deeper, and freed
 * by se_http_conn_trim once its queue is empty (from the worker's idle walk, not per request:
 * a client that pipelines in bursts does not pay an allocation per burst). */
#define SE_HTTP_PIPELINE_MAX	32
#define SE_HTTP_PIPELINE_INLINE 2

struct se_http_pending {
	uint64_t seq; /* request number on this connection */
	uint64_t start_ns;
	uint64_t body_bytes;
	uint8_t method;
	bool lost;	     /* a placeholder: its head could not be parsed (already counted); it
			      * only keeps the pairing of the responses that follow in order */
	uint32_t lost_after; /* requests right after this one that found the queue full
			      * (counted): their responses are consumed in turn */
	bool path_truncated;
	uint16_t path_len;
	struct se_trace_ctx trace;
	char path[SE_HTTP_PATH_MAX];
};

struct se_http_conn {
	struct se_http1_stream stream[2]; /* by enum se_direction */
	uint8_t request_dir;		  /* SE_DIR_IN for a server, SE_DIR_OUT for a client */
	uint8_t role;
	struct se_endpoint peer;
	bool tls; /* over TLS (its plaintext) */
	/* requests in flight: a ring of qcap entries at q (inline_q or a heap array) */
	struct se_http_pending *q;
	uint8_t qcap;
	uint8_t qhead;
	uint8_t qlen;
	uint64_t next_seq;     /* seq of the next request head */
	uint64_t reading_seq;  /* seq of the request whose body is being framed */
	bool reading_dropped;  /* that request did not fit the queue */
	bool response_paired;  /* the response being framed belongs to q[qhead] */
	bool response_orphan;  /* the response being framed came when no request was known */
	bool response_interim; /* ... is a 1xx other than 101: not the final response */
	bool h2c;	       /* switched to HTTP/2 (101, Upgrade: h2c): the request at the
				* queue's head is HTTP/2's stream 1, for se_http_conn_handoff */
	uint16_t response_status;
	/* A response that came with no request in flight, kept until the next request shows
	 * whether it was that request's: a client writing and reading from two threads can
	 * have its response recorded before its request (the writer preempted between sending
	 * and the syscall's return). It was if the request began before the response came. */
	struct {
		bool valid;
		bool ended;
		uint16_t status;
		uint64_t head_ts;
		uint64_t end_ts;
		uint64_t body;
	} orphan;
	struct se_budget *budget;	/* charged for the pipeline array and the framers' heads */
	struct se_http_conn *next_free; /* in the worker's free list */
	struct se_http_pending inline_q[SE_HTTP_PIPELINE_INLINE];
};

/* Start tracking (stream offsets of the first byte each way); `midstream`: joined an
 * established connection, so both framers wait for a head before parsing. What the
 * connection holds beyond its struct is charged to budget (NULL: none). */
void se_http_conn_init(struct se_http_conn *h, uint8_t role, const struct se_endpoint *peer,
		       const uint64_t first_offset[2], bool midstream, struct se_budget *budget);
/* Bytes of one direction, in stream order. */
void se_http_conn_on_bytes(struct se_http_conn *h, struct se_http_sink *sink, unsigned int dir,
			   const struct se_segment *seg);
/* The connection ended: close-delimited responses end, the rest is counted unanswered. */
void se_http_conn_close(struct se_http_conn *h, struct se_http_sink *sink);
/* Nothing moved since idle_since_ns: count what is in flight as unanswered and wait for a
 * new head each way (a late response is then unpaired, never paired with a wrong request). */
void se_http_conn_expire(struct se_http_conn *h, struct se_http_sink *sink);
/* A head gathered over several segments whose last bytes came before before_ns makes no
 * progress (a slow or stalled sender): its buffer is released and counted
 * (SE_UC_HTTP_HEAD_STALLED); what is in flight is abandoned, as when bytes go missing. */
void se_http_conn_release_stalled(struct se_http_conn *h, struct se_http_sink *sink,
				  uint64_t before_ns);
/* After bytes: did the connection switch to HTTP/2 (101 with Upgrade: h2c)? Once: true,
 * with the upgraded request (it leaves the queue uncounted: HTTP/2 answers it) and where
 * HTTP/2 starts; the request's path stays valid until se_http_conn_fini. */
bool se_http_conn_handoff(struct se_http_conn *h, struct se_http_sink *sink,
			  struct se_proto_handoff *out);
/* Give the pipeline array back if the queue is empty. Called from time to time (cold). */
void se_http_conn_trim(struct se_http_conn *h);
/* Latest kernel timestamp of bytes seen either way (0 before any). */
uint64_t se_http_conn_last_ts(const struct se_http_conn *h);
/* Release what init and tracking allocated (the struct itself is the caller's). */
void se_http_conn_fini(struct se_http_conn *h);

#endif /* SOCKEYE_HTTP_TRACK_H */
