/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * HTTP/2 exchanges of one connection: a framer per direction (http2_frame.h), an HPACK
 * decoder per direction (hpack.h), and the streams in flight, keyed by stream id, any number
 * of them at once up to SE_H2_STREAMS_MAX. A request runs from its first HEADERS to the
 * END_STREAM of its response (trailers included, so a streaming RPC is measured to its
 * end), or to a RST_STREAM either way; then it goes to the worker's HTTP groups as one
 * se_http_request, as "http2", or "grpc" when its content-type is application/grpc*, with
 * grpc-status from the trailers (or a Trailers-Only response).
 *
 * Joined mid-way (sockeye started after the connection), the HPACK tables are unknown:
 * fields that index entries added before sockeye joined cannot be decoded. Such a request is
 * still counted, with fields_unknown set and the missing fields left empty (method _OTHER,
 * path "", status 0, no grpc_status), and counted in http2_fields_unknown: nothing is made
 * up. Entries added since are exact (hpack.h).
 *
 * Frame headers can fall in bytes not captured (a writer hands the kernel several DATA frames
 * at once, past the capture limit): the framing of that direction is lost until a segment
 * starts with frames again. A stream whose response had begun may have ended in what went
 * unseen: if no frame of it comes again, it ends when the connection does, or after
 * SE_H2_UNSEEN_TIMEOUT_NS, at the time of the last segment it could have ended in (counted
 * in http2_end_estimated); one whose response had not begun waits for it, and is abandoned
 * (a loss) if the connection ends first; a response whose head went unseen ends with its
 * status unknown. The kernel does not copy the frame headers past the capture limit yet
 * (docs/protocols.md).
 *
 * Nothing is leaked and nothing disappears unseen: streams the connection's end leaves open
 * are counted unanswered; a response on a stream never seen starting is counted unpaired.
 *
 * Context: owned by one worker, like the connection table; no locking.
 */
#ifndef SOCKEYE_HTTP2_TRACK_H
#define SOCKEYE_HTTP2_TRACK_H

#include <stdbool.h>
#include <stdint.h>

#include "conn/stream.h"
#include "proto/http_sink.h"
#include "proto/http2/hpack.h"
#include "proto/http2/http2_frame.h"
#include "proto/protocol.h"
#include "proto/tracectx.h"

/* Streams in flight kept per connection; a server's SETTINGS_MAX_CONCURRENT_STREAMS is 100 to
 * 250 in practice (nghttp2, grpc-go, Go's net/http: 100 or 250; h2load asks for more). */
#define SE_H2_STREAMS_MAX 512
/* A header block (HEADERS or PUSH_PROMISE with its CONTINUATIONs) gathered at most. */
#define SE_H2_BLOCK_MAX 32768
/* A stream whose end may have gone unseen and which shows nothing more for this long ends
 * (above): a response writer interleaves its streams far faster. */
#define SE_H2_UNSEEN_TIMEOUT_NS (5ull * 1000000000ull)

/* What a worker's HTTP/2 trackers share. */
struct se_h2_env {
	struct se_http_sink *sink; /* the worker's HTTP sink (HTTP/1's groups and spans) */
	uint64_t *counters;	   /* the current shard's */
	uint8_t *scratch;	   /* SE_HPACK_SCRATCH bytes for the decoder */
};

struct se_h2_stream {
	uint32_t id; /* 0: a free slot */
	uint8_t method;
	uint8_t unknown; /* SE_H2_U_* fields that could not be decoded */
	bool grpc;
	bool responded; /* a final (non-1xx) response head came */
	uint16_t status;
	int16_t grpc_status;
	uint16_t path_len;
	bool path_truncated;
	uint64_t start_ns;
	/* The responses' framing was lost since its last frame: it may have ended there. When
	 * the last such segment came (0: not so). */
	uint64_t unseen_ns;
	uint64_t request_body;
	struct se_trace_ctx trace;
	char path[SE_HTTP_PATH_MAX];
};

/* A header block of one direction, while its CONTINUATIONs come. */
struct se_h2_block {
	uint32_t stream_id; /* 0: none in progress */
	uint8_t type;	    /* SE_H2_HEADERS or SE_H2_PUSH_PROMISE */
	bool end_stream;    /* the HEADERS frame ended its stream */
	bool lost;	    /* some of it was not captured, or it was too long */
	uint32_t len;
	uint64_t start_ns;
	uint8_t *buf; /* SE_H2_BLOCK_MAX bytes, while a block spans frames */
};

struct se_h2_conn {
	struct se_h2_framer framer[2]; /* by enum se_direction */
	struct se_hpack hpack[2];      /* decodes the blocks sent that way */
	struct se_h2_block block[2];
	uint8_t role;
	uint8_t request_dir;
	struct se_endpoint peer;
	bool tls; /* over TLS (its plaintext) */
	uint64_t last_ts;
	bool resynced[2]; /* framing was found again since the last frame (a CONTINUATION that
			   * comes first belongs to a block not seen) */
	/* streams in flight: open addressing on the stream id, cap a power of two or 0 */
	struct se_h2_stream *streams;
	uint32_t cap;
	uint32_t n;
	struct se_budget *budget;
};

/* Start tracking (stream offsets of the first byte each way); midstream: joined an
 * established connection (no preface, tables unknown, framing found at a segment start). */
void se_h2_conn_init(struct se_h2_conn *h, uint8_t role, const struct se_endpoint *peer,
		     const uint64_t first_offset[2], bool midstream, struct se_budget *budget);
/* The same for a connection that switched from HTTP/1.1 (Upgrade: h2c): the client's preface
 * comes at first_offset, the server's frames at the other (past its 101 head); the upgrading
 * request is stream 1, whose response comes over HTTP/2. */
void se_h2_conn_adopt(struct se_h2_conn *h, struct se_h2_env *env, uint8_t role,
		      const struct se_endpoint *peer, const uint64_t first_offset[2],
		      const struct se_proto_handoff *from, struct se_budget *budget);
void se_h2_conn_on_bytes(struct se_h2_conn *h, struct se_h2_env *env, unsigned int dir,
			 const struct se_segment *seg);
/* The connection ended: streams still open are counted unanswered. */
void se_h2_conn_close(struct se_h2_conn *h, struct se_h2_env *env);
/* Streams in flight on a connection idle since before now: counted unanswered, as on close. */
void se_h2_conn_expire(struct se_h2_conn *h, struct se_h2_env *env);
/* From time to time: streams whose end may have gone unseen since before now_ns minus
 * SE_H2_UNSEEN_TIMEOUT_NS end (above). */
void se_h2_conn_check_unseen(struct se_h2_conn *h, struct se_h2_env *env, uint64_t now_ns);
uint64_t se_h2_conn_last_ts(const struct se_h2_conn *h);
void se_h2_conn_fini(struct se_h2_conn *h);

#endif /* SOCKEYE_HTTP2_TRACK_H */
