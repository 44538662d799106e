// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * libFuzzer target for HTTP/2 after reassembly: the framer (http2_frame.c), the HPACK decoder
 * (hpack.c) and the streams (http2_track.c) of one connection, both directions, into a real
 * group table, whose JSON lines are then checked. The input's first byte picks the role and
 * whether the connection was joined mid-way; the rest is a list of chunks:
 *
 *   byte 0: bit 0: direction (0 in, 1 out); bits 1-2: 0 all captured, 1 half captured,
 *           2 a hole of n bytes before it, 3 none captured; bit 3: the clock advances 3 s
 *           and streams whose end may have gone unseen are checked (se_h2_conn_check_unseen)
 *   byte 1: n, the chunk's length; then n bytes (fewer if the input ends)
 *
 * Invariants checked, aborting on the first violation:
 *  - streams in flight never exceed SE_H2_STREAMS_MAX, and the active-requests gauge equals
 *    them; after the close, none is left and the gauge is 0;
 *  - the groups hold exactly http_requests requests (the table never overflows here);
 *  - what the tracker held is given back to its budget once it is freed;
 *  - every JSON line is one valid JSON object.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "fuzz_check.h"
#include "proto/http_counters.h"
#include "proto/http1/http1_encode.h"
#include "proto/http1/http1_proto.h"
#include "proto/http2/http2_track.h"

#define SEC 1000000000ull

static uint8_t scratch[SE_HPACK_SCRATCH];

static void check_json(const struct se_http_part *part)
{
	char *text = NULL;
	size_t size = 0;
	FILE *out = open_memstream(&text, &size);

	CHECK(out);
	se_http1_proto.write_json(out, part, 1, 2);
	fclose(out);
	for (char *line = text, *nl; line && *line; line = nl + 1) {
		nl = strchr(line, '\n');
		CHECK(nl);
		CHECK(fuzz_json_line_valid(line, (size_t)(nl - line)));
	}
	free(text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct se_endpoint peer = { .family = AF_INET, .addr = { 10, 0, 0, 1 } };
	uint64_t counters[SE_UC__COUNT] = { 0 }, off[2] = { 0, 0 }, now = SEC;
	struct se_http_part *part = se_http1_proto.part_new(100000, 0);
	struct se_http_sink sink = { 0 };
	struct se_h2_env env = { .sink = &sink, .counters = counters, .scratch = scratch };
	struct se_h2_conn *h = malloc(sizeof(*h));
	struct se_budget budget = { 0 };
	uint64_t total = 0;
	uint8_t role;

	CHECK(part && h);
	if (!size)
		goto out;
	role = data[0] & 1 ? SE_ROLE_CLIENT : SE_ROLE_SERVER;
	sink.groups = &part->http;
	sink.counters = counters;
	se_h2_conn_init(h, role, &peer, off, data[0] & 2, &budget);
	for (size_t i = 1; i + 2 <= size;) {
		uint8_t c = data[i], n = data[i + 1];
		unsigned int dir = c & 1, mode = c >> 1 & 3;
		size_t avail = size - i - 2 < n ? size - i - 2 : n;
		struct se_segment seg = {
			.len = avail,
			.data = data + i + 2,
			.captured = (uint32_t)(mode == 1   ? avail / 2
					       : mode == 3 ? 0
							   : avail),
		};

		if (c & 8) {
			now += 3 * SEC;
			se_h2_conn_check_unseen(h, &env, now);
		}
		if (mode == 2)
			off[dir] += n; /* a hole */
		seg.offset = off[dir];
		seg.ts_ns = seg.start_ns = now;
		se_h2_conn_on_bytes(h, &env, dir, &seg);
		off[dir] += avail;
		i += 2 + avail;
		CHECK(h->n <= SE_H2_STREAMS_MAX);
		CHECK(sink.active_requests[role] == h->n);
	}
	se_h2_conn_close(h, &env);
	CHECK(h->n == 0 && sink.active_requests[role] == 0);
	se_h2_conn_fini(h);
	CHECK(budget.used == 0);
	for (uint32_t g = 0; g < part->http.n; g++)
		total += part->http.groups[g].count;
	CHECK(total == counters[SE_UC_HTTP_REQUESTS]);
	check_json(part);
out:
	free(h);
	se_http1_proto.part_free(part);
	return 0;
}
