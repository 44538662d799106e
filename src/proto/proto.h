/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * What every protocol parser shares: the status a parse step returns, the protocols the
 * detector tells apart, and a byte view into a buffer the parser does not own.
 */
#ifndef SOCKEYE_PROTO_H
#define SOCKEYE_PROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sockeye/abi.h"

enum se_parse_status {
	SE_PARSE_OK = 0,	/* a complete unit was parsed */
	SE_PARSE_NEED_MORE = 1, /* the input ends inside a unit: call again with more */
	SE_PARSE_INVALID = 2,	/* the input is not this protocol (or is broken) */
	SE_PARSE_IGNORED = 3,	/* valid, but of no interest (e.g. a tunnel after CONNECT) */
};

/* Append-only: the value is exported. */
enum se_proto {
	SE_PROTO_UNDECIDED = 0, /* too few bytes seen yet */
	SE_PROTO_HTTP1 = 1,
	SE_PROTO_HTTP2 = 2, /* by its preface; gRPC too (reported as HTTP requests) */
	SE_PROTO_OTHER = 3, /* none of the above: ignored and counted */
	SE_PROTO_DNS = 4,   /* datagrams of DNS ports (never detected on a connection) */
	SE_PROTO__COUNT = 5,
};

/* "server", "client" or "unknown", as exported. */
static inline const char *se_role_name(uint8_t role)
{
	return role == SE_ROLE_SERVER ? "server" : role == SE_ROLE_CLIENT ? "client" : "unknown";
}

/* A view of len bytes at p (not NUL-terminated, not owned). */
struct se_str {
	const char *p;
	uint32_t len;
};

/*
 * Which protocol a stream speaks, from its first bytes. `request_side` is the data the
 * connection's client sent (what a server reads, what a client writes); `response_side` is
 * the other direction, either may be empty. Server-first protocols are recognised from the
 * response side. SE_PROTO_UNDECIDED means: call again when more bytes arrived (the caller
 * keeps at most SE_DETECT_PREFIX_MAX bytes of each side for that).
 */
#define SE_DETECT_PREFIX_MAX 24
enum se_proto se_detect(const uint8_t *request_side, size_t req_len, const uint8_t *response_side,
			size_t resp_len);
/* The same on a connection joined mid-way, at the start of a segment: rules for what a
 * protocol looks like past its start (HTTP/2's frames) are tried too. */
enum se_proto se_detect_joined(const uint8_t *request_side, size_t req_len,
			       const uint8_t *response_side, size_t resp_len);
/*
 * Do a side's first bytes begin a TLS record: a handshake's (ClientHello, ServerHello, or its
 * header alone), or on a connection joined mid-way an application data record's? The kernel stops
 * copying such a connection's payload after its first record (bpf/emit.bpf.h, se_tls_begins: the
 * same rule).
 */
bool se_detect_tls(const uint8_t *buf, size_t len, bool joined);

#endif /* SOCKEYE_PROTO_H */
