// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "proto/http2/http2_proto.h"

/* The client connection preface of HTTP/2 (RFC 9113 3.4). */
static const char se_http2_preface[] = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";
#define SE_HTTP2_PREFACE_LEN (sizeof(se_http2_preface) - 1)

_Static_assert(SE_HTTP2_PREFACE_LEN <= SE_DETECT_PREFIX_MAX,
	       "detection must decide within the kept prefix");

static enum se_parse_status se_http2_detect(const uint8_t *buf, size_t len)
{
	return se_detect_literal(buf, len, se_http2_preface, SE_HTTP2_PREFACE_LEN);
}

static const struct se_detect_rule se_http2_rules[] = {
	{ .response_side = false, .match = se_http2_detect },
};

const struct se_proto_ops se_http2_proto = {
	.id = SE_PROTO_HTTP2,
	.name = "http2",
	.rules = se_http2_rules,
	.nrules = sizeof(se_http2_rules) / sizeof(se_http2_rules[0]),
};
