// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * libFuzzer target for a data record as stream segments (src/conn/data_record.c). The input
 * is the record as a ring would hold it: struct se_ev_data, its payload, its pieces. Either
 * the record is refused, or its segments satisfy, aborting on the first violation:
 *  - they tile the syscall's bytes: the first starts at the record's offset, each starts
 *    where the one before ended, the last ends at offset + total_len;
 *  - captured <= len, and every captured byte lies inside the input (never read past it);
 *  - only the first is not a piece, none is empty unless it is the only one; there are at
 *    most SE_RECORD_SEGMENTS_MAX.
 * The same file builds the libFuzzer binary and, with replay_main.c, the corpus replayer.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conn/data_record.h"

#define CHECK(cond)                                                                                \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "fuzz_data_record: %s:%d: invariant failed: %s\n",         \
				__FILE__, __LINE__, #cond);                                        \
			abort();                                                                   \
		}                                                                                  \
	} while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct se_segment segs[SE_RECORD_SEGMENTS_MAX];
	struct se_ev_data *e;
	uint8_t *copy;
	unsigned int n;
	uint64_t at;

	if (size < sizeof(*e))
		return 0;
	/* an allocation of exactly the input: a read past it is a sanitizer report */
	copy = malloc(size);
	if (!copy)
		return 0;
	memcpy(copy, data, size);
	e = (struct se_ev_data *)copy;
	n = se_data_record_segments(e, size, segs);
	CHECK(n <= SE_RECORD_SEGMENTS_MAX);
	at = e->offset;
	for (unsigned int i = 0; i < n; i++) {
		const struct se_segment *s = &segs[i];

		CHECK(s->offset == at);
		CHECK(s->captured <= s->len);
		CHECK(s->piece == (i > 0));
		CHECK(s->len > 0 || n == 1);
		CHECK(s->data >= copy + sizeof(*e));
		CHECK(s->data + s->captured <= copy + size);
		at += s->len;
	}
	CHECK(!n || at == e->offset + e->total_len);
	free(copy);
	return 0;
}
