/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * HTTP/2 and gRPC as a protocol (protocol.h): recognised by the client's connection preface,
 * tracked per connection (http2_track.h). It has no part of its own: its requests are HTTP
 * requests, grouped, spanned and exported with HTTP/1's (http_groups.h keys them by
 * protocol), so it writes into HTTP/1's part of each shard.
 */
#ifndef SOCKEYE_HTTP2_PROTO_H
#define SOCKEYE_HTTP2_PROTO_H

#include "proto/protocol.h"

extern const struct se_proto_ops se_http2_proto;

#endif /* SOCKEYE_HTTP2_PROTO_H */
