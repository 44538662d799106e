/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * DNS over TCP: each message behind a 2-byte length (RFC 1035 4.2.2), often written as two
 * iovecs or two sends, several in one segment when pipelined. One framer per direction keeps
 * the first SE_DNS_TCP_KEEP bytes of each message (its header and question) and skips the
 * rest. Pure.
 */
#ifndef SOCKEYE_DNS_TCP_H
#define SOCKEYE_DNS_TCP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "conn/stream.h"

#define SE_DNS_TCP_KEEP 272

struct se_dns_tcp_framer {
	uint64_t next_offset; /* stream offset expected next */
	bool started;	      /* next_offset is known */
	bool lost;	  /* framing lost (a hole, or a length not captured): no more messages */
	bool counted;	  /* ... and counted (by the caller) */
	uint8_t have_len; /* bytes of the length prefix seen */
	uint8_t len_hi;
	bool whole; /* no byte of the message so far was missed: kept is its prefix */
	uint16_t msg_len;
	uint16_t got; /* bytes of the message seen */
	uint16_t kept;
	uint64_t first_ts; /* when the message's first byte was moved (a send's start) */
	uint8_t buf[SE_DNS_TCP_KEEP];
};

/* A complete message of msg_len bytes: the first `kept` of them that were captured (all of
 * it when kept == msg_len), and when it began and ended. */
typedef void (*se_dns_tcp_emit_fn)(void *ctx, const uint8_t *msg, size_t kept, size_t msg_len,
				   uint64_t first_ts, uint64_t last_ts);

/* Feed one segment of the direction, in stream order. Returns false when framing is lost: a
 * zero length, a hole in the stream, or a length prefix that was not captured. */
bool se_dns_tcp_feed(struct se_dns_tcp_framer *f, const struct se_segment *seg,
		     se_dns_tcp_emit_fn emit, void *ctx);

#endif /* SOCKEYE_DNS_TCP_H */
