// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * libFuzzer target for the HPACK decoder (src/proto/http2/hpack.c, hpack_huffman.c). One input
 * drives three decoders of one direction through several header blocks:
 *  - byte 0 configures: bits 0-2 the budget of the third decoder, bits 3-4 the field at which
 *    its callback stops (none, 3rd, 6th, 9th), bits 5-7 a first se_hpack_set_limit (none, 0,
 *    64, 256, 4096, 16384, 65536, 1 MiB);
 *  - then operations: 0xfe, a 16-bit big-endian length and that many bytes: a header block;
 *    0xfd and a 32-bit big-endian value: se_hpack_set_limit; 0xfc: se_hpack_lost_block; any
 *    other byte starts a header block that runs to the end of the input (raw HPACK fuzzes too).
 * The decoders: "full" saw the connection from its start (known = true), "late" joined after
 * it (known = false) and misses the first block, "poor" is known but has the budget and the
 * stopping callback.
 *
 * Invariants checked, aborting on the first violation:
 *  - every field: lengths at most SE_HPACK_VALUE_MAX, each byte of name and value readable
 *    (hashed; AddressSanitizer checks), NULL and empty exactly when flagged unknown, a value
 *    unknown only with its name, flags known, static_index within the table and, when set
 *    with a name, that name the static entry's; STATIC_VALUE: the static entry's value too;
 *  - after each operation, se_hpack_check() on each decoder (sizes add up, the rings are
 *    contiguous, at most SE_HPACK_TABLE_CAP bytes kept, known implies a certain maximum), heap
 *    bytes within what SE_HPACK_TABLE_CAP needs, the poor decoder's budget equal to its bytes
 *    and within its limit; a MALFORMED block or a lost one leaves the table partial and
 *    empty; NOMEM only with a budget; STOPPED only with a stopping callback;
 *  - while the full decoder has been known since the start, it is the truth: for a block it
 *    decodes without error, the other two give no MALFORMED, the same fields in the same
 *    order (the poor one up to where it stopped: the rest of the block still updates its
 *    table), and each name or value they know is the full decoder's (same bytes, same
 *    static_index and flags);
 *  - the Huffman decoder: the block as a Huffman string decodes the same, bounded or not, and
 *    decodes back from its re-encoding; the block as octets survives encode then decode.
 * Each block is decoded from a heap copy of exactly its size, with a scratch buffer of exactly
 * SE_HPACK_SCRATCH bytes. The same file builds the libFuzzer binary and, with replay_main.c,
 * the corpus replayer.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conn/budget.h"
#include "fuzz_check.h"
#include "proto/http2/hpack.h"

#define OP_BLOCK     0xfe
#define OP_LIMIT     0xfd
#define OP_LOST	     0xfc
#define MAX_RECORDED 1024 /* fields of a block compared across decoders */
#define KNOWN_FLAGS  0x1fu
/* Heap bytes a decoder may hold: the byte ring and 8-byte descriptors of 32-byte entries. */
#define MAX_HEAP   (SE_HPACK_TABLE_CAP + SE_HPACK_TABLE_CAP / SE_HPACK_ENTRY_OVERHEAD * 8)
#define FNV_OFFSET 1469598103934665603ull
#define FNV_PRIME  1099511628211ull

enum { FULL, LATE, POOR, NDEC };

struct rec {
	uint64_t name_hash, value_hash;
	uint32_t name_len, value_len, flags;
	uint8_t static_index;
};

struct run {
	struct rec recs[MAX_RECORDED];
	unsigned int n;
	unsigned int stop_at; /* 0: never */
};

static struct run runs[NDEC];
static uint8_t *scratch;

static uint64_t hash(const uint8_t *p, uint32_t n)
{
	uint64_t h = FNV_OFFSET;

	for (uint32_t i = 0; i < n; i++)
		h = (h ^ p[i]) * FNV_PRIME;
	return h;
}

static bool field(void *ctx, const struct se_hpack_field *f)
{
	struct run *r = ctx;
	struct rec *rec = &runs[0].recs[0];
	uint32_t slen;
	const char *s;

	CHECK(f->name_len <= SE_HPACK_VALUE_MAX && f->value_len <= SE_HPACK_VALUE_MAX);
	CHECK(!(f->flags & ~KNOWN_FLAGS));
	CHECK(!f->name == !!(f->flags & SE_HPACK_NAME_UNKNOWN));
	CHECK(!f->value == !!(f->flags & SE_HPACK_VALUE_UNKNOWN));
	CHECK(!(f->flags & SE_HPACK_VALUE_UNKNOWN) || (f->flags & SE_HPACK_NAME_UNKNOWN));
	CHECK(f->name || !f->name_len);
	CHECK(f->value || !f->value_len);
	CHECK(f->static_index <= SE_HPACK_STATIC_COUNT);
	if (f->static_index && f->name) {
		s = se_hpack_static_name(f->static_index, &slen);
		CHECK(f->name_len == slen && !memcmp(f->name, s, slen));
	}
	if (f->flags & SE_HPACK_STATIC_VALUE) {
		CHECK(f->static_index && f->value);
		s = se_hpack_static_value(f->static_index, &slen);
		CHECK(f->value_len == slen && !memcmp(f->value, s, slen));
	}
	if (r->n < MAX_RECORDED)
		rec = &r->recs[r->n];
	rec->name_hash = f->name ? hash(f->name, f->name_len) : 0;
	rec->value_hash = f->value ? hash(f->value, f->value_len) : 0;
	rec->name_len = f->name_len;
	rec->value_len = f->value_len;
	rec->flags = f->flags;
	rec->static_index = f->static_index;
	r->n++;
	return !(r->stop_at && r->n == r->stop_at);
}

/* What `other` knows of each field is what the full decoder found. */
static void compare(const struct run *full, const struct run *other, bool stopped)
{
	unsigned int n = full->n < MAX_RECORDED ? full->n : MAX_RECORDED;

	CHECK(stopped ? other->n <= full->n : other->n == full->n);
	if (other->n < n)
		n = other->n;
	for (unsigned int i = 0; i < n; i++) {
		const struct rec *a = &full->recs[i], *b = &other->recs[i];
		const uint32_t unknown = SE_HPACK_NAME_UNKNOWN | SE_HPACK_VALUE_UNKNOWN;

		CHECK((a->flags & SE_HPACK_NEVER_INDEXED) == (b->flags & SE_HPACK_NEVER_INDEXED));
		if (!(a->flags & SE_HPACK_NAME_UNKNOWN) && !(b->flags & SE_HPACK_NAME_UNKNOWN)) {
			CHECK(a->name_len == b->name_len && a->name_hash == b->name_hash);
			CHECK(a->static_index == b->static_index);
		}
		if (!(a->flags & SE_HPACK_VALUE_UNKNOWN) && !(b->flags & SE_HPACK_VALUE_UNKNOWN)) {
			CHECK(a->value_len == b->value_len && a->value_hash == b->value_hash);
			CHECK((a->flags & SE_HPACK_STATIC_VALUE) ==
			      (b->flags & SE_HPACK_STATIC_VALUE));
		}
		if (!((a->flags | b->flags) & unknown))
			CHECK(a->flags == b->flags);
	}
}

static void check_decoder(const struct se_hpack *d, const struct se_budget *b)
{
	CHECK(se_hpack_check(d));
	CHECK(se_hpack_bytes(d) <= MAX_HEAP);
	if (b) {
		CHECK(b->used == se_hpack_bytes(d));
		CHECK(!b->limit || b->used <= b->limit);
	}
}

/* The block as a Huffman string and as octets to encode. */
static void check_huffman(const uint8_t *p, size_t n)
{
	size_t cap = n * 8 / 5 + 16;
	uint8_t *out = malloc(cap), *small = malloc(8), *enc, *back;
	int64_t r = se_hpack_huffman_decode(out, cap, p, n), r2;
	size_t elen;

	CHECK(out && small);
	r2 = se_hpack_huffman_decode(small, 8, p, n);
	CHECK(r == r2 && r <= (int64_t)(n * 8 / 5));
	if (r >= 0) {
		CHECK(!memcmp(small, out, r < 8 ? (size_t)r : 8));
		elen = se_hpack_huffman_len(out, (size_t)r);
		enc = malloc(elen + 1);
		CHECK(enc);
		CHECK(se_hpack_huffman_encode(enc, out, (size_t)r) == elen);
		CHECK(elen == n && !memcmp(enc, p, n)); /* one encoding per string */
		free(enc);
	}
	elen = se_hpack_huffman_len(p, n);
	enc = malloc(elen + 1);
	back = malloc(n + 1);
	CHECK(enc && back);
	CHECK(se_hpack_huffman_encode(enc, p, n) == elen);
	CHECK(se_hpack_huffman_decode(back, n, enc, elen) == (int64_t)n);
	CHECK(!memcmp(back, p, n));
	free(enc);
	free(back);
	free(out);
	free(small);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint64_t budgets[8] = { 0, 300, 700, 1200, 3000, 5000, 20000, 70000 };
	static const uint32_t limits[8] = { 0, 0, 64, 256, 4096, 16384, 65536, 1u << 20 };
	struct se_budget budget = { 0 };
	struct se_hpack d[NDEC];
	bool full_exact = true; /* the full decoder has been known since the start */
	bool first = true;	/* the late decoder misses the first block */
	size_t pos = 1;

	if (!size)
		return 0;
	if (!scratch) {
		scratch = malloc(SE_HPACK_SCRATCH);
		CHECK(scratch);
	}
	budget.limit = budgets[data[0] & 7];
	se_hpack_init(&d[FULL], true, NULL);
	se_hpack_init(&d[LATE], false, NULL);
	se_hpack_init(&d[POOR], true, budget.limit ? &budget : NULL);
	for (int k = 0; k < NDEC; k++) {
		runs[k].stop_at = 0;
		if (data[0] >> 5)
			se_hpack_set_limit(&d[k], limits[data[0] >> 5]);
	}
	runs[POOR].stop_at = 3 * ((data[0] >> 3) & 3);

	while (pos < size) {
		uint8_t op = data[pos];
		enum se_hpack_result res[NDEC];
		size_t len;
		uint8_t *block;

		if (op == OP_LIMIT) {
			uint32_t v = 0;

			for (int i = 1; i <= 4; i++)
				v = v << 8 | (pos + i < size ? data[pos + i] : 0);
			pos += 5;
			for (int k = 0; k < NDEC; k++) {
				se_hpack_set_limit(&d[k], v);
				check_decoder(&d[k], k == POOR && budget.limit ? &budget : NULL);
			}
			continue;
		}
		if (op == OP_LOST) {
			pos++;
			for (int k = 0; k < NDEC; k++) {
				se_hpack_lost_block(&d[k]);
				CHECK(!se_hpack_is_known(&d[k]) && !d[k].count);
			}
			full_exact = false;
			continue;
		}
		if (op == OP_BLOCK) {
			len = pos + 2 < size ? (size_t)data[pos + 1] << 8 | data[pos + 2] : 0;
			pos += 3;
			if (pos > size)
				pos = size;
			if (len > size - pos)
				len = size - pos;
		} else {
			len = size - pos;
		}
		block = malloc(len ? len : 1);
		CHECK(block);
		memcpy(block, data + pos, len);
		pos += len;

		for (int k = 0; k < NDEC; k++) {
			runs[k].n = 0;
			res[k] = SE_HPACK_OK;
			if (k == LATE && first)
				continue;
			res[k] = se_hpack_decode(&d[k], block, len, scratch, field, &runs[k]);
			CHECK((unsigned int)res[k] <= SE_HPACK_STOPPED);
			/* what a broken block inserted is newer than what was known */
			if (res[k] == SE_HPACK_MALFORMED)
				CHECK(!se_hpack_is_known(&d[k]) && !d[k].count);
			CHECK(res[k] != SE_HPACK_NOMEM || (k == POOR && budget.limit));
			CHECK(res[k] != SE_HPACK_STOPPED || (k == POOR && runs[k].stop_at));
			check_decoder(&d[k], k == POOR && budget.limit ? &budget : NULL);
		}
		if (full_exact && res[FULL] == SE_HPACK_OK) {
			CHECK(res[LATE] == SE_HPACK_OK);
			if (!first)
				compare(&runs[FULL], &runs[LATE], false);
			CHECK(res[POOR] != SE_HPACK_MALFORMED);
			compare(&runs[FULL], &runs[POOR], res[POOR] == SE_HPACK_STOPPED);
		}
		full_exact = full_exact && se_hpack_is_known(&d[FULL]);
		first = false;
		check_huffman(block, len);
		free(block);
	}

	for (int k = 0; k < NDEC; k++)
		se_hpack_fini(&d[k]);
	CHECK(budget.used == 0);
	return 0;
}
