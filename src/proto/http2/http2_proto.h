/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* HTTP/2: recognised by the client's connection preface; not parsed yet. */
#ifndef SOCKEYE_HTTP2_PROTO_H
#define SOCKEYE_HTTP2_PROTO_H

#include "proto/protocol.h"

extern const struct se_proto_ops se_http2_proto;

#endif /* SOCKEYE_HTTP2_PROTO_H */
