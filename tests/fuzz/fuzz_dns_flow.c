// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * libFuzzer target for DNS after the rings: datagrams and TCP streams through the protocol's
 * own table (se_dns_proto): the TCP framer (dns_tcp.c), the parser, the pairing and its
 * time-outs, the groups and the JSON lines. The input is a list of chunks:
 *
 *   byte 0: bit 7: a datagram (else TCP bytes); bit 0: its direction (0 in, 1 out);
 *           bit 1: only half of it captured; bits 2-3: the clock advances by that many
 *           seconds first; bits 4-5: which of 4 sockets (datagram) or connections (TCP);
 *           bit 6: the connection closes after it (TCP)
 *   byte 1: n, the chunk's length; then n bytes (fewer if the input ends)
 *
 * Invariants checked, aborting on the first violation:
 *  - the groups count exactly what the counters say was answered and unanswered (the table
 *    is large enough never to overflow here), and answered groups have one duration each;
 *  - once the clock passes every time-out, no query waits and the in-flight gauge is 0;
 *  - every JSON line is one valid JSON object; names are printable ASCII.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "fuzz_check.h"
#include "proto/dns/counters.h"
#include "proto/dns/dns_proto.h"
#include "util/counter.h"

#define SOCKETS 4
#define SEC	1000000000ull

struct flow {
	uint64_t counters[SE_UC__COUNT];
	struct se_proto_env env;
	void *pw;
	void *part;
	void *conn[SOCKETS];
	uint64_t offset[SOCKETS][2];
	uint64_t now;
};

static const struct se_endpoint local = { .family = AF_INET,
					  .port = 40000,
					  .addr = { 10, 0, 0, 2 } };
static const struct se_endpoint peer = { .family = AF_INET, .port = 53, .addr = { 10, 0, 0, 1 } };

static void tcp_chunk(struct flow *f, unsigned int k, unsigned int dir, const uint8_t *p, size_t n,
		      size_t captured, bool close)
{
	struct se_segment seg = {
		.offset = f->offset[k][dir],
		.len = n,
		.ts_ns = f->now,
		.start_ns = f->now - 1,
		.data = p,
		.captured = (uint32_t)captured,
	};

	if (!f->conn[k]) {
		struct se_proto_start st = { .role = SE_ROLE_CLIENT,
					     .peer = &peer,
					     .local = &local };

		f->conn[k] = se_dns_proto.conn_new(f->pw, &st);
		CHECK(f->conn[k]);
	}
	if (n) {
		se_dns_proto.on_bytes(f->pw, f->conn[k], dir, &seg);
		f->offset[k][dir] += n;
	}
	if (close) {
		se_dns_proto.close(f->pw, f->conn[k]);
		se_dns_proto.conn_free(f->pw, f->conn[k]);
		f->conn[k] = NULL;
		memset(f->offset[k], 0, sizeof(f->offset[k]));
	}
}

static void check_lines(const void *part)
{
	char *buf = NULL;
	size_t len = 0, at = 0;
	FILE *out = open_memstream(&buf, &len);

	CHECK(out);
	se_dns_proto.write_json(out, part, 1, 2);
	CHECK(!fclose(out));
	while (at < len) {
		const char *nl = memchr(buf + at, '\n', len - at);

		CHECK(nl);
		CHECK(fuzz_json_line_valid(buf + at, (size_t)(nl - (buf + at))));
		at = (size_t)(nl - buf) + 1;
	}
	free(buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct flow f;
	const struct se_dns_part *p;
	uint64_t answered = 0, unanswered = 0;

	memset(&f, 0, sizeof(f));
	f.now = 10 * SEC;
	f.env.counters = f.counters;
	f.pw = se_dns_proto.worker_new(&f.env);
	f.part = se_dns_proto.part_new(4096, 0);
	CHECK(f.pw && f.part);
	se_dns_proto.point(f.pw, (void *[SE_PROTO__COUNT]){ [SE_PROTO_DNS] = f.part });
	for (size_t i = 0; i + 2 <= size;) {
		uint8_t c = data[i], n = data[i + 1];
		const uint8_t *chunk = data + i + 2;
		size_t len = size - i - 2 < n ? size - i - 2 : n;
		size_t captured = c & 2 ? len / 2 : len;
		unsigned int k = (c >> 4) & 3, dir = c & 1;

		i += 2 + len;
		f.now += ((c >> 2) & 3) * SEC;
		if (c & 0x80) {
			struct se_datagram d = {
				.socket_id = k + 1,
				.ts_ns = f.now,
				.role = SE_ROLE_CLIENT,
				.dir = (uint8_t)dir,
				.len = (uint32_t)len,
				.captured = (uint32_t)captured,
				.data = chunk,
				.local = local,
				.peer = peer,
			};

			se_dns_proto.on_datagram(f.pw, &d);
		} else {
			tcp_chunk(&f, k, dir, chunk, len, captured, c & 0x40);
		}
		se_dns_proto.worker_tick(f.pw, f.now);
	}
	for (unsigned int k = 0; k < SOCKETS; k++)
		if (f.conn[k])
			tcp_chunk(&f, k, 0, NULL, 0, 0, true);
	se_dns_proto.worker_tick(f.pw, f.now + 10 * SEC);
	se_dns_proto.sample(f.pw, (void *[SE_PROTO__COUNT]){ [SE_PROTO_DNS] = f.part });

	p = f.part;
	CHECK(p->in_flight == 0);
	for (uint32_t i = 0; i < p->dns.t.n; i++) {
		const struct se_dns_group *g = se_dns_group_at(&p->dns, i);

		CHECK(!g->overflow);
		CHECK(g->name_len == strlen(g->name));
		for (const char *s = g->name; *s; s++)
			CHECK(*s >= 0x21 && *s <= 0x7e);
		if (g->answered) {
			answered += g->count;
			CHECK(g->duration.count == g->count);
		} else {
			unanswered += g->count;
			CHECK(g->duration.count == 0 && !g->truncated && !g->rcode);
		}
	}
	CHECK(answered == f.counters[SE_UC_DNS_ANSWERED]);
	CHECK(unanswered == f.counters[SE_UC_DNS_UNANSWERED]);
	check_lines(f.part);
	se_dns_proto.part_free(f.part);
	se_dns_proto.worker_free(f.pw);
	return 0;
}
