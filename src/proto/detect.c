// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Protocol detection from a connection's first bytes: see se_detect() in
 * src/proto/proto.h. Each protocol is one row of a table: the side its first bytes are
 * on and a matcher that says OK (it is this protocol), NEED_MORE (the bytes so far are a proper
 * prefix of what it starts with) or INVALID. Adding a protocol (Redis, PostgreSQL, MySQL,
 * Kafka...) is adding a matcher and a row; a server-first one (MySQL's greeting) goes on the
 * response side. Rows are tried in order and the first OK wins, so more specific matchers go
 * first (or leave the more specific one's start alone: the HTTP/1 request row does not take
 * the h2 preface's "PRI * "). Every matcher must decide within SE_DETECT_PREFIX_MAX bytes.
 *
 * The request side decides when it has bytes: a match there wins; if no row can match any
 * more it is OTHER, whatever the response side holds. The response side is consulted only
 * while the request side is empty or undecided: a server-first protocol shows itself there,
 * and a response seen before its request (capture started mid-way) still identifies HTTP/1.
 * A response side with bytes that no row can match, before any request byte, is OTHER.
 */
#include "proto/proto.h"

#include <stdbool.h>
#include <string.h>

#include "proto/http1/http1.h"

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

/* RFC 9110 5.6.2. */
static bool se_detect_tchar(uint8_t c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       (c && strchr("!#$%&'*+-.^_`|~", c));
}

/* Case-insensitive prefix match of buf against a lowercase literal, as se_detect_prefix. */
static enum se_parse_status se_detect_prefix_ci(const uint8_t *buf, size_t len, const char *lit,
						size_t lit_len)
{
	size_t n = len < lit_len ? len : lit_len;

	for (size_t i = 0; i < n; i++) {
		uint8_t c = buf[i] >= 'A' && buf[i] <= 'Z' ? buf[i] + ('a' - 'A') : buf[i];

		if (c != (uint8_t)lit[i])
			return SE_PARSE_INVALID;
	}
	return n == lit_len ? SE_PARSE_OK : SE_PARSE_NEED_MORE;
}

/*
 * A request line with any method (WebDAV, custom ones): a token of 1 to
 * SE_DETECT_METHOD_MAX tchar, one SP, and the start of a request target: '/' (origin-form),
 * "* " (asterisk-form) or "http://" or "https://" (absolute-form, scheme in any case). The
 * known methods are matched by se_http1_looks_like_head already, CONNECT's authority-form
 * among them. "PRI * " is left to the HTTP/2 row: it is the start of the h2 preface. Decided
 * on the first SE_DETECT_PREFIX_MAX bytes: with the longest method, "https:/" is all of the
 * scheme that fits, and it is enough.
 */
#define SE_DETECT_METHOD_MAX 16

_Static_assert(SE_DETECT_METHOD_MAX + sizeof(" http://") - 1 <= SE_DETECT_PREFIX_MAX,
	       "a generic request line start must be decided within the kept prefix");

static enum se_parse_status se_detect_request_line(const uint8_t *buf, size_t len)
{
	static const char *const schemes[] = { "http://", "https://" };
	size_t n = len < SE_DETECT_PREFIX_MAX ? len : SE_DETECT_PREFIX_MAX, i = 0;
	const uint8_t *t;
	bool partial = false;

	while (i < n && i <= SE_DETECT_METHOD_MAX && se_detect_tchar(buf[i]))
		i++;
	if (i > SE_DETECT_METHOD_MAX)
		return SE_PARSE_INVALID;
	if (i == n)
		return SE_PARSE_NEED_MORE;
	if (!i || buf[i] != ' ')
		return SE_PARSE_INVALID;
	t = buf + ++i;
	n -= i;
	if (!n)
		return SE_PARSE_NEED_MORE;
	if (t[0] == '/')
		return SE_PARSE_OK;
	if (t[0] == '*') {
		if (n == 1)
			return SE_PARSE_NEED_MORE;
		if (t[1] != ' ' || (i == 4 && !memcmp(buf, "PRI", 3)))
			return SE_PARSE_INVALID;
		return SE_PARSE_OK;
	}
	for (size_t k = 0; k < sizeof(schemes) / sizeof(schemes[0]); k++) {
		switch (se_detect_prefix_ci(t, n, schemes[k], strlen(schemes[k]))) {
		case SE_PARSE_OK:
			return SE_PARSE_OK;
		case SE_PARSE_NEED_MORE:
			partial = true;
			break;
		default:
			break;
		}
	}
	if (!partial)
		return SE_PARSE_INVALID;
	/* A scheme cut by the end of the kept prefix: what fits of it decides. */
	return i + n == SE_DETECT_PREFIX_MAX ? SE_PARSE_OK : SE_PARSE_NEED_MORE;
}

/* Requests: a known method (what resync mid-stream also uses), or any request line start. */
static enum se_parse_status se_detect_http1_request(const uint8_t *buf, size_t len)
{
	enum se_parse_status known = se_http1_looks_like_head(buf, len, true);
	enum se_parse_status generic;

	if (known == SE_PARSE_OK)
		return SE_PARSE_OK;
	generic = se_detect_request_line(buf, len);
	if (generic == SE_PARSE_OK)
		return SE_PARSE_OK;
	if (known == SE_PARSE_NEED_MORE || generic == SE_PARSE_NEED_MORE)
		return SE_PARSE_NEED_MORE;
	return SE_PARSE_INVALID;
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
