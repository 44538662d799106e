// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Protocol detection from a connection's first bytes: see se_detect() in src/proto/proto.h.
 * Each protocol brings its rules (protocol.h): the side its first bytes are on and a matcher.
 * Protocols are tried in the registry's order and the first OK wins, so a more specific
 * protocol comes first (or the less specific one leaves its start alone: the HTTP/1 request
 * rule does not take the h2 preface's "PRI * "); a server-first protocol (MySQL's greeting)
 * has a rule on the response side.
 *
 * The request side decides when it has bytes: a match there wins; if no rule can match any
 * more it is OTHER, whatever the response side holds. The response side is consulted only
 * while the request side is empty or undecided: a server-first protocol shows itself there,
 * and a response seen before its request (capture started mid-way) still identifies HTTP/1.
 * A response side with bytes that no rule can match, before any request byte, is OTHER.
 */
#include "proto/proto.h"

#include <stdbool.h>
#include <string.h>

#include "proto/protocol.h"
#include "proto/registry.h"

enum se_parse_status se_detect_literal(const uint8_t *buf, size_t len, const char *lit,
				       size_t lit_len)
{
	size_t n = len < lit_len ? len : lit_len;

	if (memcmp(buf, lit, n))
		return SE_PARSE_INVALID;
	return n == lit_len ? SE_PARSE_OK : SE_PARSE_NEED_MORE;
}

enum se_parse_status se_detect_literal_ci(const uint8_t *buf, size_t len, const char *lit,
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

/* The protocol one side's bytes match; UNDECIDED while some rule may still match, OTHER when
 * none can. */
static enum se_proto se_detect_side(const uint8_t *buf, size_t len, bool response_side, bool joined)
{
	bool undecided = false;

	for (unsigned int p = 0; se_protocols[p]; p++)
		for (unsigned int i = 0; i < se_protocols[p]->nrules; i++) {
			const struct se_detect_rule *r = &se_protocols[p]->rules[i];

			if (r->response_side != response_side || (r->joined_only && !joined))
				continue;
			switch (r->match(buf, len)) {
			case SE_PARSE_OK:
				return (enum se_proto)se_protocols[p]->id;
			case SE_PARSE_NEED_MORE:
				undecided = true;
				break;
			default:
				break;
			}
		}
	return undecided ? SE_PROTO_UNDECIDED : SE_PROTO_OTHER;
}

static enum se_proto se_detect_any(const uint8_t *request_side, size_t req_len,
				   const uint8_t *response_side, size_t resp_len, bool joined)
{
	enum se_proto req = SE_PROTO_UNDECIDED, resp;

	if (req_len) {
		req = se_detect_side(request_side, req_len, false, joined);
		if (req != SE_PROTO_UNDECIDED)
			return req;
	}
	if (!resp_len)
		return SE_PROTO_UNDECIDED;
	resp = se_detect_side(response_side, resp_len, true, joined);
	if (resp == SE_PROTO_OTHER && req_len)
		return SE_PROTO_UNDECIDED; /* the request side has yet to decide */
	return resp;
}

enum se_proto se_detect(const uint8_t *request_side, size_t req_len, const uint8_t *response_side,
			size_t resp_len)
{
	return se_detect_any(request_side, req_len, response_side, resp_len, false);
}

enum se_proto se_detect_joined(const uint8_t *request_side, size_t req_len,
			       const uint8_t *response_side, size_t resp_len)
{
	return se_detect_any(request_side, req_len, response_side, resp_len, true);
}

bool se_detect_tls(const uint8_t *buf, size_t len, bool joined)
{
	size_t record;

	if (len < SE_TLS_RECORD_HEADER || buf[1] != 3 || buf[2] > 4)
		return false;
	record = (size_t)buf[3] << 8 | buf[4];
	if (!record || record > SE_TLS_RECORD_MAX)
		return false;
	/* a handshake record's header read alone: the kernel copied no more (bpf/emit.bpf.h) */
	if (buf[0] == SE_TLS_HANDSHAKE && len == SE_TLS_RECORD_HEADER)
		return true;
	if (buf[0] == SE_TLS_HANDSHAKE)
		return buf[5] == SE_TLS_CLIENT_HELLO || buf[5] == SE_TLS_SERVER_HELLO;
	return joined && buf[0] == SE_TLS_APPLICATION_DATA;
}
