/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * HTTP/1.x, in two layers, both pure (no I/O, no clock, no threads):
 *
 * 1. se_http1_parse_head(): picohttpparser style. Takes a buffer that starts with a request
 *    line or a status line and returns OK with the head parsed into views of that buffer
 *    (zero copy, bounded arrays), NEED_MORE when the buffer ends inside the head, or INVALID.
 *    It is stateless: a caller with more bytes calls it again from the start.
 *
 * 2. struct se_http1_stream: one direction of one connection, fed segments in stream order
 *    (struct se_segment, from reassembly). It finds heads, frames bodies (Content-Length,
 *    chunked, none, until close) and reports each message's head and end through callbacks,
 *    with the kernel timestamps of its first and last byte. Bodies are never stored. A segment
 *    may carry fewer bytes than it covers (captured < len: capture limit, sendfile) and may
 *    follow a hole (offset beyond the expected one): bodies are framed on across both from
 *    the lengths alone. When a head or a chunk-size line falls into bytes that are not there,
 *    framing is lost: the stream reports SE_HTTP1_ERR_LOST_SYNC and skips bytes until a
 *    segment starts with something that looks like a head again (resync).
 *
 *    Heads are parsed in place when one segment holds all of it (the common case, no copy).
 *    A head split over segments is gathered in a buffer of SE_HTTP1_HEAD_MAX bytes (and the
 *    small state of a truncated head, below), allocated when that happens and freed when the
 *    head is complete.
 *
 *    A head longer than SE_HTTP1_HEAD_MAX (a large Cookie is common) is truncated rather than
 *    lost, provided its request or status line fits: its lines within the first
 *    SE_HTTP1_HEAD_MAX bytes are kept, the rest is scanned up to the end of the head without
 *    being stored, reading only the framing headers (Content-Length, Transfer-Encoding,
 *    Connection, Upgrade) on the way. on_head then comes once, at the end of the head, with
 *    views into the kept part, framing from all the headers and head_truncated set. A
 *    request or status line longer than SE_HTTP1_HEAD_MAX, or a head longer than
 *    SE_HTTP1_HEAD_TOTAL_MAX, is SE_HTTP1_ERR_TOO_LARGE and that message is lost.
 *
 * Sensitive header values (Authorization, Proxy-Authorization, Cookie, Set-Cookie,
 * X-API-Key) are replaced by SE_HTTP1_REDACTED in the parsed head itself, so nothing past the
 * parser ever sees them.
 */
#ifndef SOCKEYE_HTTP1_H
#define SOCKEYE_HTTP1_H

#include <stdbool.h>
#include <stdint.h>

#include "conn/budget.h"
#include "proto/http_method.h"
#include "proto/proto.h"
#include "proto/tracectx.h"
#include "conn/stream.h"

/* Request or status line, headers and the blank line. se_http1_parse_head takes no larger
 * head (INVALID, TOO_LARGE); the stream keeps this much of one and skips the rest. */
#define SE_HTTP1_HEAD_MAX 4096
/* Bytes of a truncated head the stream scans for its end before giving up (TOO_LARGE), so a
 * peer cannot keep it skipping forever; well above any server's own limit (8-64 KiB). */
#define SE_HTTP1_HEAD_TOTAL_MAX 65536
/* Headers kept in a parsed head; further ones are still read for framing, not kept. */
#define SE_HTTP1_HEADERS_MAX 64
#define SE_HTTP1_REDACTED    "[REDACTED]"

enum se_http1_error {
	SE_HTTP1_ERR_NONE = 0,
	SE_HTTP1_ERR_INVALID = 1,   /* malformed head or chunk framing */
	SE_HTTP1_ERR_TOO_LARGE = 2, /* request or status line longer than SE_HTTP1_HEAD_MAX,
				     * head longer than SE_HTTP1_HEAD_TOTAL_MAX (parse_head:
				     * any head longer than SE_HTTP1_HEAD_MAX) */
	SE_HTTP1_ERR_LOST_SYNC = 3, /* head or chunk line in bytes not captured, or after a hole */
	SE_HTTP1_ERR_ALLOC = 4,	    /* no memory to gather a split head */
	SE_HTTP1_ERR_BUDGET = 5,    /* the budget refused the buffer of a split head (counted
				     * there) */
	SE_HTTP1_ERR__COUNT = 6,
};

struct se_http1_header {
	struct se_str name;
	struct se_str value; /* without surrounding whitespace */
};

struct se_http1_head {
	bool is_request;
	uint32_t head_len; /* bytes of the head, the final empty line included (all of them,
			    * skipped ones too, when truncated) */
	/* Only the first lines of the head, within its first SE_HTTP1_HEAD_MAX bytes, are in
	 * the views (and in nheaders); headers_seen and the framing fields cover all of it. */
	bool head_truncated;
	uint8_t version_minor;
	/* request */
	enum se_http_method method;
	struct se_str method_text;
	struct se_str path;  /* origin-form path; for absolute-form the path part ("/" if none);
			      * "*" or the authority for asterisk and authority forms */
	struct se_str query; /* after '?', without it; len 0 when absent */
	/* response */
	uint16_t status;
	/* headers, in order, sensitive values already redacted */
	uint32_t nheaders;     /* kept, <= SE_HTTP1_HEADERS_MAX */
	uint32_t headers_seen; /* all, including those not kept */
	struct se_http1_header headers[SE_HTTP1_HEADERS_MAX];
	uint32_t redacted; /* values replaced */
	/* framing, from the headers */
	int64_t content_length; /* -1 when absent, or when Transfer-Encoding overrides it */
	bool chunked;		/* Transfer-Encoding ends with chunked */
	bool conn_close;	/* Connection: close, or HTTP/1.0 without keep-alive */
	bool upgrade;		/* Connection: upgrade with an Upgrade header */
};

/*
 * Parse a head at buf. `request` chooses a request line or a status line. On OK every view
 * points into buf (except redacted values, which are SE_HTTP1_REDACTED, and the path "/" of an
 * absolute-form target without one) and h->head_len is set. On INVALID, *err (if not NULL)
 * says why (SE_HTTP1_ERR_INVALID or SE_HTTP1_ERR_TOO_LARGE). Never reads past buf + len.
 */
enum se_parse_status se_http1_parse_head(const uint8_t *buf, size_t len, bool request,
					 struct se_http1_head *h, enum se_http1_error *err);

/* Does buf start like a head (one of the known methods, case-sensitive, and a space; or
 * "HTTP/1.")? For resync and detection; needs at most 8 bytes, NEED_MORE when fewer are there
 * and they match so far. Heads with other methods still parse, they just do not resync (body
 * bytes that start with a word and a space must not pass for a head); detection takes them
 * on its own (se_detect). */
enum se_parse_status se_http1_looks_like_head(const uint8_t *buf, size_t len, bool request);

/* What the owner decides once it has seen a head (a response to HEAD has no body, ...). */
enum se_http1_body_mode {
	SE_HTTP1_BODY_FROM_HEADERS = 0, /* frame by the head's own headers and status */
	SE_HTTP1_BODY_NONE = 1,		/* no body whatever the headers say */
	SE_HTTP1_BODY_STOP = 2,		/* the connection leaves HTTP (tunnel, upgrade): the
					 * stream ignores all further bytes and makes no
					 * further callback (no on_end for this head) */
};

struct se_http1_callbacks {
	/* A head; ts is the kernel time of the segment holding its first byte. For responses,
	 * 1xx heads are reported too (they carry no body and end at once). */
	enum se_http1_body_mode (*on_head)(void *ctx, const struct se_http1_head *h, uint64_t ts);
	/* The message reported by the last on_head ended; ts of the segment holding its last
	 * byte, body_len its body bytes (chunked: data bytes, without the framing). estimated:
	 * framing was lost or the connection closed inside the body; ts is then the last seen
	 * (at a resync: of the last segment before it), body_len the bytes framed until then. */
	void (*on_end)(void *ctx, uint64_t ts, uint64_t body_len, bool estimated);
	/* Something could not be parsed; the stream has already recovered as it can. */
	void (*on_error)(void *ctx, enum se_http1_error err);
};

enum se_http1_state {
	SE_HTTP1_S_HEAD = 0, /* expecting (or gathering) a head */
	SE_HTTP1_S_BODY_LENGTH,
	SE_HTTP1_S_BODY_CHUNKED,
	SE_HTTP1_S_BODY_UNTIL_CLOSE,
	SE_HTTP1_S_LOST,    /* framing lost: waiting for a segment that starts with a head */
	SE_HTTP1_S_STOPPED, /* left HTTP: bytes are ignored */
};

struct se_http1_stream {
	uint8_t state;	     /* enum se_http1_state */
	uint8_t chunk_state; /* private to the chunked framer */
	bool request;	     /* parses requests (else responses) */
	bool in_message;     /* on_head was reported and on_end not yet */
	bool head_truncated; /* the head being read is longer than SE_HTTP1_HEAD_MAX: `head`
			      * holds its kept lines, the rest is being skipped */
	uint64_t expected;   /* stream offset of the next byte */
	uint64_t remaining;  /* body or chunk bytes still to come */
	uint64_t chunk_size; /* chunk-size line being read */
	uint32_t line_len;   /* bytes of the chunk-size line, or of the trailers, being read */
	uint64_t body_len;
	uint64_t last_ts;  /* of the last segment seen */
	uint64_t lost_ts;  /* a message open when framing was lost ends with this (estimated):
			    * the last segment before the resync */
	uint64_t head_ts;  /* of the first byte of the head being gathered */
	uint64_t head_end; /* stream offset just past the last head reported (where a protocol
			    * switched to by that head starts) */
	uint8_t *head;	   /* gathered head bytes (kept lines when truncated), NULL when none */
	uint32_t head_len;
	struct se_budget *budget; /* charged for `head`; set by the owner after init (NULL:
				   * none) */
};

/* `resync`: start in SE_HTTP1_S_LOST (joined mid-stream) instead of expecting a head. */
void se_http1_stream_init(struct se_http1_stream *s, bool request, uint64_t first_offset,
			  bool resync);
void se_http1_stream_fini(struct se_http1_stream *s);

/* Give up a head being gathered (its buffer freed, back to the budget): the stream then waits
 * for a segment that starts with a head, as after lost framing. No callback: the owner counts
 * it. False when no head was being gathered. */
bool se_http1_release_head(struct se_http1_stream *s);

/* Take one segment; any number of heads and ends may be reported from it. */
void se_http1_feed(struct se_http1_stream *s, const struct se_segment *seg,
		   const struct se_http1_callbacks *cb, void *ctx);

/* The connection ended: a body delimited by close ends here (not estimated); a message cut
 * short is ended as estimated. No further feed. */
void se_http1_close(struct se_http1_stream *s, const struct se_http1_callbacks *cb, void *ctx);

/* The stream leaves HTTP (the connection became a tunnel): SE_HTTP1_S_STOPPED, no callback
 * afterwards (an open message gets no on_end), the head buffer freed. Feeds may go on and are
 * ignored. Called from an on_head of this same stream it frees what the head's views may point
 * into: read the head first (returning SE_HTTP1_BODY_STOP is the usual way there). */
void se_http1_stop(struct se_http1_stream *s);

/* Trace context in a parsed request head (tracectx.h). true and *out filled when found. */
bool se_tracectx_extract(const struct se_http1_head *h, struct se_trace_ctx *out);

#endif /* SOCKEYE_HTTP1_H */
