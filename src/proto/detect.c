// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Protocol detection from a connection's first bytes: see se_detect() in
 * include/sockeye/proto.h. Each protocol is one row of a table: the side its first bytes are
 * on and a matcher that says OK (it is this protocol), NEED_MORE (the bytes so far are a proper
 * prefix of what it starts with) or INVALID. Adding a protocol (Redis, PostgreSQL, MySQL,
 * Kafka...) is adding a matcher and a row; a server-first one (MySQL's greeting) goes on the
 * response side. Rows are tried in order and the first OK wins, so more specific matchers go
 * first. Every matcher must decide within SE_DETECT_PREFIX_MAX bytes.
 *
 * The request side decides when it has bytes: a match there wins; if no row can match any
 * more it is OTHER, whatever the response side holds. The response side is consulted only
 * while the request side is empty or undecided: a server-first protocol shows itself there,
 * and a response seen before its request (capture started mid-way) still identifies HTTP/1.
 * A response side with bytes that no row can match, before any request byte, is OTHER.
 */
#include "sockeye/proto.h"

#include <stdbool.h>
#include <string.h>

#include "sockeye/http1.h"

typedef enum se_parse_status (*se_detect_match_fn)(const uint8_t *buf, size_t len);

struct se_detect_rule {
	enum se_proto proto;
	bool response_side; /* matched against what the server sends */
	se_detect_match_fn match;
};

/* The client connection preface of HTTP/2 (RFC 9113 3.4). */
static const char se_detect_h2_preface[] = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";
#define SE_DETECT_H2_PREFACE_LEN (sizeof(se_detect_h2_preface) - 1)

_Static_assert(SE_DETECT_H2_PREFACE_LEN <= SE_DETECT_PREFIX_MAX,
	       "detection must decide within the kept prefix");

static enum se_parse_status se_detect_prefix(const uint8_t *buf, size_t len, const char *lit,
					     size_t lit_len)
{
	size_t n = len < lit_len ? len : lit_len;

	if (memcmp(buf, lit, n))
		return SE_PARSE_INVALID;
	return n == lit_len ? SE_PARSE_OK : SE_PARSE_NEED_MORE;
}

static enum se_parse_status se_detect_http1_request(const uint8_t *buf, size_t len)
{
	return se_http1_looks_like_head(buf, len, true);
}

static enum se_parse_status se_detect_http1_response(const uint8_t *buf, size_t len)
{
	return se_http1_looks_like_head(buf, len, false);
}

static enum se_parse_status se_detect_http2(const uint8_t *buf, size_t len)
{
	return se_detect_prefix(buf, len, se_detect_h2_preface, SE_DETECT_H2_PREFACE_LEN);
}

static const struct se_detect_rule se_detect_rules[] = {
	{ SE_PROTO_HTTP2, false, se_detect_http2 },
	{ SE_PROTO_HTTP1, false, se_detect_http1_request },
	{ SE_PROTO_HTTP1, true, se_detect_http1_response },
};

#define SE_DETECT_NRULES (sizeof(se_detect_rules) / sizeof(se_detect_rules[0]))

/* The protocol one side's bytes match; UNDECIDED while some rule may still match, OTHER when
 * none can. */
static enum se_proto se_detect_side(const uint8_t *buf, size_t len, bool response_side)
{
	bool undecided = false;

	for (size_t i = 0; i < SE_DETECT_NRULES; i++) {
		const struct se_detect_rule *r = &se_detect_rules[i];

		if (r->response_side != response_side)
			continue;
		switch (r->match(buf, len)) {
		case SE_PARSE_OK:
			return r->proto;
		case SE_PARSE_NEED_MORE:
			undecided = true;
			break;
		default:
			break;
		}
	}
	return undecided ? SE_PROTO_UNDECIDED : SE_PROTO_OTHER;
}

enum se_proto se_detect(const uint8_t *request_side, size_t req_len, const uint8_t *response_side,
			size_t resp_len)
{
	enum se_proto req = SE_PROTO_UNDECIDED, resp;

	if (req_len) {
		req = se_detect_side(request_side, req_len, false);
		if (req != SE_PROTO_UNDECIDED)
			return req;
	}
	if (!resp_len)
		return SE_PROTO_UNDECIDED;
	resp = se_detect_side(response_side, resp_len, true);
	if (resp == SE_PROTO_OTHER && req_len)
		return SE_PROTO_UNDECIDED; /* the request side has yet to decide */
	return resp;
}
