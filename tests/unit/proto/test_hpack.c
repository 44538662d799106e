// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Unit tests of the HPACK decoder (src/proto/http2/hpack.c, hpack_huffman.c): every example
 * of RFC 7541 Appendix C, the Huffman code against python3-hpack's encoding of every octet,
 * the malformations, the partial table of a decoder that joined late (unknown fields, the
 * ways back to a known table, clamping at the limit and the cap), allocation refused by the
 * budget and by malloc, and a random stream checked field by field against a model table,
 * decoded at once by a decoder that saw it all, one that joined late, one short of memory, one
 * moved in memory between blocks, one whose callback stops early and one that loses blocks. Each
 * block is decoded from a heap copy of exactly its size, with a scratch buffer of exactly
 * SE_HPACK_SCRATCH bytes, so AddressSanitizer reports any read or write past either.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "conn/budget.h"
#include "fail_malloc.h"
#include "proto/http2/hpack.h"

#define MAX_FIELDS 64
#define DYN(i)	   (SE_HPACK_STATIC_COUNT + (i)) /* HPACK index of dynamic entry i */

struct got_field {
	uint32_t flags;
	uint8_t static_index;
	bool has_name, has_value;
	uint32_t name_len, value_len;
	uint8_t name[SE_HPACK_VALUE_MAX], value[SE_HPACK_VALUE_MAX];
};

static struct got_field got[MAX_FIELDS];
static unsigned int ngot;
static unsigned int stop_after; /* the callback returns false at this field (0: never) */
static uint8_t *scratch;

static bool collect(void *ctx, const struct se_hpack_field *f)
{
	struct got_field *g;

	assert_true(ngot < MAX_FIELDS);
	g = &got[ngot++];
	assert_true(f->name_len <= SE_HPACK_VALUE_MAX && f->value_len <= SE_HPACK_VALUE_MAX);
	assert_true(f->static_index <= SE_HPACK_STATIC_COUNT);
	/* unknown parts are NULL and empty, known ones are not NULL */
	assert_int_equal(!f->name, !!(f->flags & SE_HPACK_NAME_UNKNOWN));
	assert_int_equal(!f->value, !!(f->flags & SE_HPACK_VALUE_UNKNOWN));
	if (f->flags & SE_HPACK_VALUE_UNKNOWN)
		assert_true(f->flags & SE_HPACK_NAME_UNKNOWN);
	if (!f->name)
		assert_int_equal(f->name_len, 0);
	if (!f->value)
		assert_int_equal(f->value_len, 0);
	g->flags = f->flags;
	g->static_index = f->static_index;
	g->has_name = f->name;
	g->has_value = f->value;
	g->name_len = f->name_len;
	g->value_len = f->value_len;
	if (f->name)
		memcpy(g->name, f->name, f->name_len);
	if (f->value)
		memcpy(g->value, f->value, f->value_len);
	return !(stop_after && ngot == stop_after);
}

/* Decode n bytes from a heap copy of exactly that size. */
static enum se_hpack_result decode(struct se_hpack *d, const uint8_t *b, size_t n)
{
	uint8_t *copy = malloc(n ? n : 1);
	enum se_hpack_result r;

	assert_non_null(copy);
	memcpy(copy, b, n);
	ngot = 0;
	r = se_hpack_decode(d, copy, n, scratch, collect, NULL);
	free(copy);
	assert_true(se_hpack_check(d));
	return r;
}

static size_t from_hex(const char *hex, uint8_t *out, size_t max)
{
	size_t n = strlen(hex) / 2;

	assert_true(n <= max && strlen(hex) % 2 == 0);
	for (size_t i = 0; i < n; i++) {
		unsigned int v;

		assert_int_equal(sscanf(hex + 2 * i, "%2x", &v), 1);
		out[i] = (uint8_t)v;
	}
	return n;
}

static enum se_hpack_result decode_hex(struct se_hpack *d, const char *hex)
{
	static uint8_t b[4096];

	return decode(d, b, from_hex(hex, b, sizeof(b)));
}

static void expect_field(unsigned int i, const char *name, const char *value)
{
	assert_true(i < ngot);
	assert_true(got[i].has_name && got[i].has_value);
	assert_int_equal(got[i].name_len, strlen(name));
	assert_memory_equal(got[i].name, name, strlen(name));
	assert_int_equal(got[i].value_len, strlen(value));
	assert_memory_equal(got[i].value, value, strlen(value));
}

static void expect_fields(const char *const (*fields)[2], unsigned int n)
{
	assert_int_equal(ngot, n);
	for (unsigned int i = 0; i < n; i++)
		expect_field(i, fields[i][0], fields[i][1]);
}

static void expect_unknown(unsigned int i)
{
	assert_true(i < ngot);
	assert_int_equal(got[i].flags & (SE_HPACK_NAME_UNKNOWN | SE_HPACK_VALUE_UNKNOWN),
			 SE_HPACK_NAME_UNKNOWN | SE_HPACK_VALUE_UNKNOWN);
	assert_int_equal(got[i].static_index, 0);
}

/* The dynamic table holds exactly these entries (newest first), of this total size. */
static void expect_table(struct se_hpack *d, uint32_t size, const char *const (*entries)[2],
			 unsigned int n)
{
	uint8_t b[MAX_FIELDS];

	assert_int_equal(d->size, size);
	assert_int_equal(d->count, n);
	for (unsigned int i = 0; i < n; i++)
		b[i] = (uint8_t)(0x80 | DYN(i + 1));
	assert_int_equal(decode(d, b, n), SE_HPACK_OK);
	expect_fields(entries, n);
}

static int setup(void **state)
{
	scratch = malloc(SE_HPACK_SCRATCH);
	stop_after = 0;
	return scratch ? 0 : -1;
}

static int teardown(void **state)
{
	free(scratch);
	return 0;
}

/* ---- the static table -------------------------------------------------------------------- */

static void test_static_table(void **state)
{
	uint32_t nlen = 99, vlen = 99;

	assert_string_equal(se_hpack_static_name(1, &nlen), ":authority");
	assert_int_equal(nlen, 10);
	assert_string_equal(se_hpack_static_value(2, &vlen), "GET");
	assert_int_equal(vlen, 3);
	assert_string_equal(se_hpack_static_value(3, NULL), "POST");
	assert_string_equal(se_hpack_static_value(4, NULL), "/");
	assert_string_equal(se_hpack_static_value(5, NULL), "/index.html");
	assert_string_equal(se_hpack_static_value(SE_HPACK_STATIC_STATUS_200, NULL), "200");
	assert_string_equal(se_hpack_static_value(SE_HPACK_STATIC_STATUS_500, NULL), "500");
	assert_string_equal(se_hpack_static_value(16, NULL), "gzip, deflate");
	assert_string_equal(se_hpack_static_name(SE_HPACK_STATIC_CONTENT_TYPE, NULL),
			    "content-type");
	assert_string_equal(se_hpack_static_name(SE_HPACK_STATIC_CONTENT_LENGTH, NULL),
			    "content-length");
	assert_string_equal(se_hpack_static_name(SE_HPACK_STATIC_HOST, NULL), "host");
	assert_string_equal(se_hpack_static_name(SE_HPACK_STATIC_USER_AGENT, NULL), "user-agent");
	assert_string_equal(se_hpack_static_name(61, NULL), "www-authenticate");
	assert_null(se_hpack_static_name(0, &nlen));
	assert_null(se_hpack_static_name(62, NULL));
	assert_null(se_hpack_static_value(62, NULL));
	for (unsigned int i = 1; i <= SE_HPACK_STATIC_COUNT; i++) {
		unsigned int first = i;
		const char *s;
		uint32_t len;

		while (first > 1 && !strcmp(se_hpack_static_name(first - 1, NULL),
					    se_hpack_static_name(i, NULL)))
			first--;
		assert_int_equal(se_hpack_static_name_index(i), first);
		s = se_hpack_static_name(i, &len);
		assert_int_equal(strlen(s), len);
		s = se_hpack_static_value(i, &len);
		assert_int_equal(strlen(s), len);
	}
	assert_int_equal(se_hpack_static_name_index(0), 0);
	assert_int_equal(se_hpack_static_name_index(62), 0);
}

/* ---- RFC 7541 Appendix C ----------------------------------------------------------------- */

static void test_c2_1_literal_indexed(void **state)
{
	static const char *const f[][2] = { { "custom-key", "custom-header" } };
	struct se_hpack d;

	se_hpack_init(&d, true, NULL);
	assert_int_equal(decode_hex(&d, "400a637573746f6d2d6b65790d637573746f6d2d686561646572"),
			 SE_HPACK_OK);
	expect_fields(f, 1);
	assert_int_equal(got[0].flags, 0);
	assert_int_equal(got[0].static_index, 0);
	expect_table(&d, 55, f, 1);
	assert_true(se_hpack_is_known(&d));
	se_hpack_fini(&d);
}

static void test_c2_2_literal_not_indexed(void **state)
{
	static const char *const f[][2] = { { ":path", "/sample/path" } };
	struct se_hpack d;

	se_hpack_init(&d, true, NULL);
	assert_int_equal(decode_hex(&d, "040c2f73616d706c652f70617468"), SE_HPACK_OK);
	expect_fields(f, 1);
	assert_int_equal(got[0].flags, 0);
	assert_int_equal(got[0].static_index, 4);
	assert_int_equal(se_hpack_static_name_index(got[0].static_index), 4);
	expect_table(&d, 0, NULL, 0);
	assert_int_equal(se_hpack_bytes(&d), 0); /* nothing allocated before an insert */
	se_hpack_fini(&d);
}

static void test_c2_3_never_indexed(void **state)
{
	static const char *const f[][2] = { { "password", "secret" } };
	struct se_hpack d;

	se_hpack_init(&d, true, NULL);
	assert_int_equal(decode_hex(&d, "100870617373776f726406736563726574"), SE_HPACK_OK);
	expect_fields(f, 1);
	assert_int_equal(got[0].flags, SE_HPACK_NEVER_INDEXED);
	expect_table(&d, 0, NULL, 0);
	se_hpack_fini(&d);
}

static void test_c2_4_indexed(void **state)
{
	static const char *const f[][2] = { { ":method", "GET" } };
	struct se_hpack d;

	se_hpack_init(&d, true, NULL);
	assert_int_equal(decode_hex(&d, "82"), SE_HPACK_OK);
	expect_fields(f, 1);
	assert_int_equal(got[0].flags, SE_HPACK_STATIC_VALUE);
	assert_int_equal(got[0].static_index, SE_HPACK_STATIC_METHOD_GET);
	expect_table(&d, 0, NULL, 0);
	se_hpack_fini(&d);
}

static const char *const req1[][2] = {
	{ ":method", "GET" },
	{ ":scheme", "http" },
	{ ":path", "/" },
	{ ":authority", "www.example.com" },
};
static const char *const req1_table[][2] = { { ":authority", "www.example.com" } };
static const char *const req2[][2] = {
	{ ":method", "GET" },
	{ ":scheme", "http" },
	{ ":path", "/" },
	{ ":authority", "www.example.com" },
	{ "cache-control", "no-cache" },
};
static const char *const req2_table[][2] = {
	{ "cache-control", "no-cache" },
	{ ":authority", "www.example.com" },
};
static const char *const req3[][2] = {
	{ ":method", "GET" },
	{ ":scheme", "https" },
	{ ":path", "/index.html" },
	{ ":authority", "www.example.com" },
	{ "custom-key", "custom-value" },
};
static const char *const req3_table[][2] = {
	{ "custom-key", "custom-value" },
	{ "cache-control", "no-cache" },
	{ ":authority", "www.example.com" },
};

static void requests(const char *const hex[3])
{
	struct se_hpack d;

	se_hpack_init(&d, true, NULL);
	assert_int_equal(decode_hex(&d, hex[0]), SE_HPACK_OK);
	expect_fields(req1, 4);
	expect_table(&d, 57, req1_table, 1);
	assert_int_equal(decode_hex(&d, hex[1]), SE_HPACK_OK);
	expect_fields(req2, 5);
	expect_table(&d, 110, req2_table, 2);
	assert_int_equal(decode_hex(&d, hex[2]), SE_HPACK_OK);
	expect_fields(req3, 5);
	expect_table(&d, 164, req3_table, 3);
	assert_true(se_hpack_is_known(&d));
	se_hpack_fini(&d);
}

static void test_c3_requests(void **state)
{
	static const char *const hex[3] = {
		"828684410f7777772e6578616d706c652e636f6d",
		"828684be58086e6f2d6361636865",
		"828785bf400a637573746f6d2d6b65790c637573746f6d2d76616c7565",
	};

	requests(hex);
}

static void test_c4_requests_huffman(void **state)
{
	static const char *const hex[3] = {
		"828684418cf1e3c2e5f23a6ba0ab90f4ff",
		"828684be5886a8eb10649cbf",
		"828785bf408825a849e95ba97d7f8925a849e95bb8e8b4bf",
	};

	requests(hex);
}

#define DATE1  "Mon, 21 Oct 2013 20:13:21 GMT"
#define DATE2  "Mon, 21 Oct 2013 20:13:22 GMT"
#define LOC    "https://www.example.com"
#define COOKIE "foo=ASDJKHQKBZXOQWEOPIUAXQWEOIU; max-age=3600; version=1"
static const char *const resp1[][2] = {
	{ ":status", "302" },
	{ "cache-control", "private" },
	{ "date", DATE1 },
	{ "location", LOC },
};
static const char *const resp1_table[][2] = {
	{ "location", LOC },
	{ "date", DATE1 },
	{ "cache-control", "private" },
	{ ":status", "302" },
};
static const char *const resp2[][2] = {
	{ ":status", "307" },
	{ "cache-control", "private" },
	{ "date", DATE1 },
	{ "location", LOC },
};
static const char *const resp2_table[][2] = {
	{ ":status", "307" },
	{ "location", LOC },
	{ "date", DATE1 },
	{ "cache-control", "private" },
};
static const char *const resp3[][2] = {
	{ ":status", "200" }, { "cache-control", "private" }, { "date", DATE2 },
	{ "location", LOC },  { "content-encoding", "gzip" }, { "set-cookie", COOKIE },
};
static const char *const resp3_table[][2] = {
	{ "set-cookie", COOKIE },
	{ "content-encoding", "gzip" },
	{ "date", DATE2 },
};

/* Appendix C.5 and C.6: a table of 256 bytes, so responses evict. */
static void responses(const char *const hex[3])
{
	struct se_hpack d;

	se_hpack_init(&d, true, NULL);
	se_hpack_set_limit(&d, 256);
	/* the size update an encoder sends when the decoding side lowered the limit */
	assert_int_equal(decode_hex(&d, "3fe101"), SE_HPACK_OK);
	assert_int_equal(ngot, 0);
	assert_int_equal(d.max_size, 256);
	assert_int_equal(decode_hex(&d, hex[0]), SE_HPACK_OK);
	expect_fields(resp1, 4);
	expect_table(&d, 222, resp1_table, 4);
	assert_int_equal(decode_hex(&d, hex[1]), SE_HPACK_OK);
	expect_fields(resp2, 4);
	expect_table(&d, 222, resp2_table, 4);
	assert_int_equal(decode_hex(&d, hex[2]), SE_HPACK_OK);
	expect_fields(resp3, 6);
	expect_table(&d, 215, resp3_table, 3);
	assert_true(se_hpack_is_known(&d));
	se_hpack_fini(&d);
}

static void test_c5_responses(void **state)
{
	static const char *const hex[3] = {
		"4803333032580770726976617465611d4d6f6e2c203231204f637420323031332032303a3133"
		"3a323120474d546e1768747470733a2f2f7777772e6578616d706c652e636f6d",
		"4803333037c1c0bf",
		"88c1611d4d6f6e2c203231204f637420323031332032303a31333a323220474d54c05a04677a"
		"69707738666f6f3d4153444a4b48514b425a584f5157454f50495541585157454f49553b206d"
		"61782d6167653d333630303b2076657273696f6e3d31",
	};

	responses(hex);
}

static void test_c6_responses_huffman(void **state)
{
	static const char *const hex[3] = {
		"488264025885aec3771a4b6196d07abe941054d444a8200595040b8166e082a62d1bff6e919d"
		"29ad171863c78f0b97c8e9ae82ae43d3",
		"4883640effc1c0bf",
		"88c16196d07abe941054d444a8200595040b8166e084a62d1bffc05a839bd9ab77ad94e7821d"
		"d7f2e6c7b335dfdfcd5b3960d5af27087f3672c1ab270fb5291f9587316065c003ed4ee5b106"
		"3d5007",
	};

	responses(hex);
}

/* ---- Huffman ----------------------------------------------------------------------------- */

/* python3-hpack: HuffmanEncoder(REQUEST_CODES, ...).encode(bytes([b])), length first */
static const uint8_t py_huff_octet[256][5] = {
	{ 2, 0xff, 0xc7 },
	{ 3, 0xff, 0xff, 0xb1 },
	{ 4, 0xff, 0xff, 0xfe, 0x2f },
	{ 4, 0xff, 0xff, 0xfe, 0x3f },
	{ 4, 0xff, 0xff, 0xfe, 0x4f },
	{ 4, 0xff, 0xff, 0xfe, 0x5f },
	{ 4, 0xff, 0xff, 0xfe, 0x6f },
	{ 4, 0xff, 0xff, 0xfe, 0x7f },
	{ 4, 0xff, 0xff, 0xfe, 0x8f },
	{ 3, 0xff, 0xff, 0xea },
	{ 4, 0xff, 0xff, 0xff, 0xf3 },
	{ 4, 0xff, 0xff, 0xfe, 0x9f },
	{ 4, 0xff, 0xff, 0xfe, 0xaf },
	{ 4, 0xff, 0xff, 0xff, 0xf7 },
	{ 4, 0xff, 0xff, 0xfe, 0xbf },
	{ 4, 0xff, 0xff, 0xfe, 0xcf },
	{ 4, 0xff, 0xff, 0xfe, 0xdf },
	{ 4, 0xff, 0xff, 0xfe, 0xef },
	{ 4, 0xff, 0xff, 0xfe, 0xff },
	{ 4, 0xff, 0xff, 0xff, 0x0f },
	{ 4, 0xff, 0xff, 0xff, 0x1f },
	{ 4, 0xff, 0xff, 0xff, 0x2f },
	{ 4, 0xff, 0xff, 0xff, 0xfb },
	{ 4, 0xff, 0xff, 0xff, 0x3f },
	{ 4, 0xff, 0xff, 0xff, 0x4f },
	{ 4, 0xff, 0xff, 0xff, 0x5f },
	{ 4, 0xff, 0xff, 0xff, 0x6f },
	{ 4, 0xff, 0xff, 0xff, 0x7f },
	{ 4, 0xff, 0xff, 0xff, 0x8f },
	{ 4, 0xff, 0xff, 0xff, 0x9f },
	{ 4, 0xff, 0xff, 0xff, 0xaf },
	{ 4, 0xff, 0xff, 0xff, 0xbf },
	{ 1, 0x53 },
	{ 2, 0xfe, 0x3f },
	{ 2, 0xfe, 0x7f },
	{ 2, 0xff, 0xaf },
	{ 2, 0xff, 0xcf },
	{ 1, 0x57 },
	{ 1, 0xf8 },
	{ 2, 0xff, 0x5f },
	{ 2, 0xfe, 0xbf },
	{ 2, 0xfe, 0xff },
	{ 1, 0xf9 },
	{ 2, 0xff, 0x7f },
	{ 1, 0xfa },
	{ 1, 0x5b },
	{ 1, 0x5f },
	{ 1, 0x63 },
	{ 1, 0x07 },
	{ 1, 0x0f },
	{ 1, 0x17 },
	{ 1, 0x67 },
	{ 1, 0x6b },
	{ 1, 0x6f },
	{ 1, 0x73 },
	{ 1, 0x77 },
	{ 1, 0x7b },
	{ 1, 0x7f },
	{ 1, 0xb9 },
	{ 1, 0xfb },
	{ 2, 0xff, 0xf9 },
	{ 1, 0x83 },
	{ 2, 0xff, 0xbf },
	{ 2, 0xff, 0x3f },
	{ 2, 0xff, 0xd7 },
	{ 1, 0x87 },
	{ 1, 0xbb },
	{ 1, 0xbd },
	{ 1, 0xbf },
	{ 1, 0xc1 },
	{ 1, 0xc3 },
	{ 1, 0xc5 },
	{ 1, 0xc7 },
	{ 1, 0xc9 },
	{ 1, 0xcb },
	{ 1, 0xcd },
	{ 1, 0xcf },
	{ 1, 0xd1 },
	{ 1, 0xd3 },
	{ 1, 0xd5 },
	{ 1, 0xd7 },
	{ 1, 0xd9 },
	{ 1, 0xdb },
	{ 1, 0xdd },
	{ 1, 0xdf },
	{ 1, 0xe1 },
	{ 1, 0xe3 },
	{ 1, 0xe5 },
	{ 1, 0xfc },
	{ 1, 0xe7 },
	{ 1, 0xfd },
	{ 2, 0xff, 0xdf },
	{ 3, 0xff, 0xfe, 0x1f },
	{ 2, 0xff, 0xe7 },
	{ 2, 0xff, 0xf3 },
	{ 1, 0x8b },
	{ 2, 0xff, 0xfb },
	{ 1, 0x1f },
	{ 1, 0x8f },
	{ 1, 0x27 },
	{ 1, 0x93 },
	{ 1, 0x2f },
	{ 1, 0x97 },
	{ 1, 0x9b },
	{ 1, 0x9f },
	{ 1, 0x37 },
	{ 1, 0xe9 },
	{ 1, 0xeb },
	{ 1, 0xa3 },
	{ 1, 0xa7 },
	{ 1, 0xab },
	{ 1, 0x3f },
	{ 1, 0xaf },
	{ 1, 0xed },
	{ 1, 0xb3 },
	{ 1, 0x47 },
	{ 1, 0x4f },
	{ 1, 0xb7 },
	{ 1, 0xef },
	{ 1, 0xf1 },
	{ 1, 0xf3 },
	{ 1, 0xf5 },
	{ 1, 0xf7 },
	{ 2, 0xff, 0xfd },
	{ 2, 0xff, 0x9f },
	{ 2, 0xff, 0xf7 },
	{ 2, 0xff, 0xef },
	{ 4, 0xff, 0xff, 0xff, 0xcf },
	{ 3, 0xff, 0xfe, 0x6f },
	{ 3, 0xff, 0xff, 0x4b },
	{ 3, 0xff, 0xfe, 0x7f },
	{ 3, 0xff, 0xfe, 0x8f },
	{ 3, 0xff, 0xff, 0x4f },
	{ 3, 0xff, 0xff, 0x53 },
	{ 3, 0xff, 0xff, 0x57 },
	{ 3, 0xff, 0xff, 0xb3 },
	{ 3, 0xff, 0xff, 0x5b },
	{ 3, 0xff, 0xff, 0xb5 },
	{ 3, 0xff, 0xff, 0xb7 },
	{ 3, 0xff, 0xff, 0xb9 },
	{ 3, 0xff, 0xff, 0xbb },
	{ 3, 0xff, 0xff, 0xbd },
	{ 3, 0xff, 0xff, 0xeb },
	{ 3, 0xff, 0xff, 0xbf },
	{ 3, 0xff, 0xff, 0xec },
	{ 3, 0xff, 0xff, 0xed },
	{ 3, 0xff, 0xff, 0x5f },
	{ 3, 0xff, 0xff, 0xc1 },
	{ 3, 0xff, 0xff, 0xee },
	{ 3, 0xff, 0xff, 0xc3 },
	{ 3, 0xff, 0xff, 0xc5 },
	{ 3, 0xff, 0xff, 0xc7 },
	{ 3, 0xff, 0xff, 0xc9 },
	{ 3, 0xff, 0xfe, 0xe7 },
	{ 3, 0xff, 0xff, 0x63 },
	{ 3, 0xff, 0xff, 0xcb },
	{ 3, 0xff, 0xff, 0x67 },
	{ 3, 0xff, 0xff, 0xcd },
	{ 3, 0xff, 0xff, 0xcf },
	{ 3, 0xff, 0xff, 0xef },
	{ 3, 0xff, 0xff, 0x6b },
	{ 3, 0xff, 0xfe, 0xef },
	{ 3, 0xff, 0xfe, 0x9f },
	{ 3, 0xff, 0xff, 0x6f },
	{ 3, 0xff, 0xff, 0x73 },
	{ 3, 0xff, 0xff, 0xd1 },
	{ 3, 0xff, 0xff, 0xd3 },
	{ 3, 0xff, 0xfe, 0xf7 },
	{ 3, 0xff, 0xff, 0xd5 },
	{ 3, 0xff, 0xff, 0x77 },
	{ 3, 0xff, 0xff, 0x7b },
	{ 3, 0xff, 0xff, 0xf0 },
	{ 3, 0xff, 0xfe, 0xff },
	{ 3, 0xff, 0xff, 0x7f },
	{ 3, 0xff, 0xff, 0xd7 },
	{ 3, 0xff, 0xff, 0xd9 },
	{ 3, 0xff, 0xff, 0x07 },
	{ 3, 0xff, 0xff, 0x0f },
	{ 3, 0xff, 0xff, 0x83 },
	{ 3, 0xff, 0xff, 0x17 },
	{ 3, 0xff, 0xff, 0xdb },
	{ 3, 0xff, 0xff, 0x87 },
	{ 3, 0xff, 0xff, 0xdd },
	{ 3, 0xff, 0xff, 0xdf },
	{ 3, 0xff, 0xfe, 0xaf },
	{ 3, 0xff, 0xff, 0x8b },
	{ 3, 0xff, 0xff, 0x8f },
	{ 3, 0xff, 0xff, 0x93 },
	{ 3, 0xff, 0xff, 0xe1 },
	{ 3, 0xff, 0xff, 0x97 },
	{ 3, 0xff, 0xff, 0x9b },
	{ 3, 0xff, 0xff, 0xe3 },
	{ 4, 0xff, 0xff, 0xf8, 0x3f },
	{ 4, 0xff, 0xff, 0xf8, 0x7f },
	{ 3, 0xff, 0xfe, 0xbf },
	{ 3, 0xff, 0xfe, 0x3f },
	{ 3, 0xff, 0xff, 0x9f },
	{ 3, 0xff, 0xff, 0xe5 },
	{ 3, 0xff, 0xff, 0xa3 },
	{ 4, 0xff, 0xff, 0xf6, 0x7f },
	{ 4, 0xff, 0xff, 0xf8, 0xbf },
	{ 4, 0xff, 0xff, 0xf8, 0xff },
	{ 4, 0xff, 0xff, 0xf9, 0x3f },
	{ 4, 0xff, 0xff, 0xfb, 0xdf },
	{ 4, 0xff, 0xff, 0xfb, 0xff },
	{ 4, 0xff, 0xff, 0xf9, 0x7f },
	{ 3, 0xff, 0xff, 0xf1 },
	{ 4, 0xff, 0xff, 0xf6, 0xff },
	{ 3, 0xff, 0xfe, 0x5f },
	{ 3, 0xff, 0xff, 0x1f },
	{ 4, 0xff, 0xff, 0xf9, 0xbf },
	{ 4, 0xff, 0xff, 0xfc, 0x1f },
	{ 4, 0xff, 0xff, 0xfc, 0x3f },
	{ 4, 0xff, 0xff, 0xf9, 0xff },
	{ 4, 0xff, 0xff, 0xfc, 0x5f },
	{ 3, 0xff, 0xff, 0xf2 },
	{ 3, 0xff, 0xff, 0x27 },
	{ 3, 0xff, 0xff, 0x2f },
	{ 4, 0xff, 0xff, 0xfa, 0x3f },
	{ 4, 0xff, 0xff, 0xfa, 0x7f },
	{ 4, 0xff, 0xff, 0xff, 0xdf },
	{ 4, 0xff, 0xff, 0xfc, 0x7f },
	{ 4, 0xff, 0xff, 0xfc, 0x9f },
	{ 4, 0xff, 0xff, 0xfc, 0xbf },
	{ 3, 0xff, 0xfe, 0xcf },
	{ 3, 0xff, 0xff, 0xf3 },
	{ 3, 0xff, 0xfe, 0xdf },
	{ 3, 0xff, 0xff, 0x37 },
	{ 3, 0xff, 0xff, 0xa7 },
	{ 3, 0xff, 0xff, 0x3f },
	{ 3, 0xff, 0xff, 0x47 },
	{ 3, 0xff, 0xff, 0xe7 },
	{ 3, 0xff, 0xff, 0xab },
	{ 3, 0xff, 0xff, 0xaf },
	{ 4, 0xff, 0xff, 0xf7, 0x7f },
	{ 4, 0xff, 0xff, 0xf7, 0xff },
	{ 3, 0xff, 0xff, 0xf4 },
	{ 3, 0xff, 0xff, 0xf5 },
	{ 4, 0xff, 0xff, 0xfa, 0xbf },
	{ 3, 0xff, 0xff, 0xe9 },
	{ 4, 0xff, 0xff, 0xfa, 0xff },
	{ 4, 0xff, 0xff, 0xfc, 0xdf },
	{ 4, 0xff, 0xff, 0xfb, 0x3f },
	{ 4, 0xff, 0xff, 0xfb, 0x7f },
	{ 4, 0xff, 0xff, 0xfc, 0xff },
	{ 4, 0xff, 0xff, 0xfd, 0x1f },
	{ 4, 0xff, 0xff, 0xfd, 0x3f },
	{ 4, 0xff, 0xff, 0xfd, 0x5f },
	{ 4, 0xff, 0xff, 0xfd, 0x7f },
	{ 4, 0xff, 0xff, 0xff, 0xef },
	{ 4, 0xff, 0xff, 0xfd, 0x9f },
	{ 4, 0xff, 0xff, 0xfd, 0xbf },
	{ 4, 0xff, 0xff, 0xfd, 0xdf },
	{ 4, 0xff, 0xff, 0xfd, 0xff },
	{ 4, 0xff, 0xff, 0xfe, 0x1f },
	{ 4, 0xff, 0xff, 0xfb, 0xbf },
};
/* python3-hpack: the Huffman encoding of the octets 0..255 in order */
static const uint8_t py_huff_all[583] = {
	0xff, 0xc7, 0xff, 0xfd, 0x8f, 0xff, 0xff, 0xe2, 0xff, 0xff, 0xfe, 0x3f, 0xff, 0xff, 0xe4,
	0xff, 0xff, 0xfe, 0x5f, 0xff, 0xff, 0xe6, 0xff, 0xff, 0xfe, 0x7f, 0xff, 0xff, 0xe8, 0xff,
	0xff, 0xea, 0xff, 0xff, 0xff, 0xf3, 0xff, 0xff, 0xfa, 0x7f, 0xff, 0xff, 0xab, 0xff, 0xff,
	0xff, 0xdf, 0xff, 0xff, 0xeb, 0xff, 0xff, 0xfe, 0xcf, 0xff, 0xff, 0xed, 0xff, 0xff, 0xfe,
	0xef, 0xff, 0xff, 0xef, 0xff, 0xff, 0xff, 0x0f, 0xff, 0xff, 0xf1, 0xff, 0xff, 0xff, 0x2f,
	0xff, 0xff, 0xff, 0xbf, 0xff, 0xff, 0xcf, 0xff, 0xff, 0xfd, 0x3f, 0xff, 0xff, 0xd7, 0xff,
	0xff, 0xfd, 0xbf, 0xff, 0xff, 0xdf, 0xff, 0xff, 0xfe, 0x3f, 0xff, 0xff, 0xe7, 0xff, 0xff,
	0xfe, 0xbf, 0xff, 0xff, 0xed, 0x4f, 0xe3, 0xf9, 0xff, 0xaf, 0xfc, 0xab, 0xf1, 0xfe, 0xbf,
	0xaf, 0xef, 0xe7, 0xfd, 0xfd, 0x2c, 0xbb, 0x00, 0x08, 0x99, 0x69, 0xb7, 0x1d, 0x79, 0xfb,
	0x9f, 0x7f, 0xff, 0x20, 0xff, 0xbf, 0xf3, 0xff, 0x50, 0xdd, 0xbd, 0x7f, 0x06, 0x1c, 0x58,
	0xf2, 0x65, 0xcd, 0x9f, 0x46, 0x9d, 0x5a, 0xf6, 0x6d, 0xdd, 0xbf, 0x87, 0x1e, 0x5f, 0x9c,
	0xff, 0x7f, 0xf7, 0xff, 0xfc, 0x3f, 0xf9, 0xff, 0xe4, 0x5f, 0xff, 0x47, 0x19, 0x24, 0x2c,
	0xb3, 0x4e, 0x6e, 0x9d, 0x68, 0xa6, 0xa3, 0xd7, 0xda, 0xc4, 0x26, 0xde, 0xfe, 0x3c, 0xfa,
	0xf7, 0xff, 0xfb, 0xfe, 0x7f, 0xfb, 0xff, 0xdf, 0xff, 0xff, 0xfc, 0xff, 0xfe, 0x6f, 0xff,
	0xf4, 0xbf, 0xff, 0x9f, 0xff, 0xfa, 0x3f, 0xff, 0xd3, 0xff, 0xff, 0x53, 0xff, 0xfd, 0x5f,
	0xff, 0xfb, 0x3f, 0xff, 0xeb, 0x7f, 0xff, 0xda, 0xff, 0xff, 0xb7, 0xff, 0xff, 0x73, 0xff,
	0xfe, 0xef, 0xff, 0xfd, 0xef, 0xff, 0xfe, 0xbf, 0xff, 0xfb, 0xff, 0xff, 0xfd, 0x9f, 0xff,
	0xfd, 0xbf, 0xff, 0xeb, 0xff, 0xff, 0xe0, 0xff, 0xff, 0xee, 0xff, 0xff, 0xc3, 0xff, 0xff,
	0x8b, 0xff, 0xff, 0x1f, 0xff, 0xfe, 0x4f, 0xff, 0xee, 0x7f, 0xff, 0xb1, 0xff, 0xff, 0x97,
	0xff, 0xfd, 0x9f, 0xff, 0xfc, 0xdf, 0xff, 0xf9, 0xff, 0xff, 0xfb, 0xff, 0xff, 0xda, 0xff,
	0xfe, 0xef, 0xff, 0xf4, 0xff, 0xff, 0xb7, 0xff, 0xfe, 0xe7, 0xff, 0xfe, 0x8f, 0xff, 0xfd,
	0x3f, 0xff, 0xde, 0xff, 0xff, 0xd5, 0xff, 0xfe, 0xef, 0xff, 0xfb, 0xdf, 0xff, 0xfe, 0x1f,
	0xff, 0xdf, 0xff, 0xff, 0x7f, 0xff, 0xff, 0x5f, 0xff, 0xfe, 0xcf, 0xff, 0xf0, 0x7f, 0xff,
	0x87, 0xff, 0xfe, 0x0f, 0xff, 0xf1, 0x7f, 0xff, 0xed, 0xff, 0xff, 0x87, 0xff, 0xff, 0x77,
	0xff, 0xfe, 0xff, 0xff, 0xea, 0xff, 0xff, 0x8b, 0xff, 0xfe, 0x3f, 0xff, 0xf9, 0x3f, 0xff,
	0xf8, 0x7f, 0xff, 0xcb, 0xff, 0xff, 0x37, 0xff, 0xff, 0x1f, 0xff, 0xff, 0x83, 0xff, 0xff,
	0xe1, 0xff, 0xfe, 0xbf, 0xff, 0xe3, 0xff, 0xff, 0x3f, 0xff, 0xff, 0x2f, 0xff, 0xfa, 0x3f,
	0xff, 0xfd, 0x9f, 0xff, 0xff, 0x17, 0xff, 0xff, 0xc7, 0xff, 0xff, 0xf2, 0x7f, 0xff, 0xfd,
	0xef, 0xff, 0xff, 0xbf, 0xff, 0xff, 0xf2, 0xff, 0xff, 0xf8, 0xff, 0xff, 0xfb, 0x7f, 0xff,
	0x97, 0xff, 0xf8, 0xff, 0xff, 0xfe, 0x6f, 0xff, 0xff, 0xc1, 0xff, 0xff, 0xf8, 0x7f, 0xff,
	0xfe, 0x7f, 0xff, 0xff, 0xc5, 0xff, 0xff, 0xe5, 0xff, 0xfe, 0x4f, 0xff, 0xf2, 0xff, 0xff,
	0xfd, 0x1f, 0xff, 0xff, 0x4f, 0xff, 0xff, 0xfe, 0xff, 0xff, 0xfe, 0x3f, 0xff, 0xff, 0xc9,
	0xff, 0xff, 0xf9, 0x7f, 0xff, 0xb3, 0xff, 0xff, 0xcf, 0xff, 0xfb, 0x7f, 0xff, 0xcd, 0xff,
	0xff, 0x4f, 0xff, 0xf9, 0xff, 0xff, 0xd1, 0xff, 0xff, 0xcf, 0xff, 0xfe, 0xaf, 0xff, 0xfa,
	0xff, 0xff, 0xfd, 0xdf, 0xff, 0xfe, 0xff, 0xff, 0xff, 0x4f, 0xff, 0xff, 0x5f, 0xff, 0xff,
	0xab, 0xff, 0xff, 0xa7, 0xff, 0xff, 0xd7, 0xff, 0xff, 0xf9, 0xbf, 0xff, 0xfe, 0xcf, 0xff,
	0xff, 0xb7, 0xff, 0xff, 0xf3, 0xff, 0xff, 0xfe, 0x8f, 0xff, 0xff, 0xd3, 0xff, 0xff, 0xfa,
	0xbf, 0xff, 0xff, 0x5f, 0xff, 0xff, 0xff, 0x7f, 0xff, 0xfe, 0xcf, 0xff, 0xff, 0xdb, 0xff,
	0xff, 0xfb, 0xbf, 0xff, 0xff, 0x7f, 0xff, 0xff, 0xf0, 0xff, 0xff, 0xfb, 0xbf,
};
/* python3-hpack: Encoder() with header_table_size = 256, these header lists */
static const struct py_block {
	const char *hex;
	const char *fields[8][2];
} py_blocks[] = {
	{ "3fe1018287448d6075998ee160c92d28ff0d2401418b47722f41c83a2e3cd34cff7a8a9acac8b4c7602bb805"
	  "c14089f2b585ed6950958d27867e578aec8e13",
	  { { ":method", "GET" },
	    { ":scheme", "https" },
	    { ":path", "/api/v1/items?id=1" },
	    { ":authority", "svc.local:8443" },
	    { "user-agent", "grpc-go/1.60.0" },
	    { "x-request-id", "9f8e7d6c" } } },
	{ "828744122f6170692f76312f6974656d733f69643d32c1c07f00083030313132323333",
	  { { ":method", "GET" },
	    { ":scheme", "https" },
	    { ":path", "/api/v1/items?id=2" },
	    { ":authority", "svc.local:8443" },
	    { "user-agent", "grpc-go/1.60.0" },
	    { "x-request-id", "00112233" } } },
	{ "838744896075998ee160c92d28418b47722f41c83a2e3cd34cff5f8b1d75d0620d263d4c7441ea1f088dba51"
	  "d85b141c645e42cabcd39b",
	  { { ":method", "POST" },
	    { ":scheme", "https" },
	    { ":path", "/api/v1/items" },
	    { ":authority", "svc.local:8443" },
	    { "content-type", "application/json" },
	    { "authorization", "Bearer abc.def.ghi" } } },
	{ "88be4085f2b507aa6fff05efdfbf7efdfbf7efdfbf7efdfbf7efdfbf7efdfbf7efdfbf7efdfbf7efdfbf7efd"
	  "fbf7efdfbf7efdfbf7efdfbf7efdfbf7efdfbf7efdfbf7efdfbf7efdfbf7efdfbf7efdfbf7efdfbf7efdfbf7"
	  "efdfbf7efdfbf7efdfbf7efdfbf7efdfbf7efdfbf7efdfbf7efdfbf7efdfbf7efdfbf7efdfbf7efdfbf7efdf"
	  "bf7efdfbf7efdfbf7efdff7682afd7",
	  { { ":status", "200" },
	    { "content-type", "application/json" },
	    { "x-long",
	      "vvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvv"
	      "vvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvv" },
	    { "server", "py" } } },
	{ "8287448d6075998ee160c92d28ff0d2402418b47722f41c83a2e3cd34cff7a8a9acac8b4c7602bb805c1",
	  { { ":method", "GET" },
	    { ":scheme", "https" },
	    { ":path", "/api/v1/items?id=2" },
	    { ":authority", "svc.local:8443" },
	    { "user-agent", "grpc-go/1.60.0" } } },
};

static void test_huffman_each_octet(void **state)
{
	for (unsigned int b = 0; b < 256; b++) {
		const uint8_t *enc = py_huff_octet[b] + 1;
		size_t n = py_huff_octet[b][0];
		uint8_t *in = malloc(n), out[8], mine[8];
		uint8_t octet = (uint8_t)b;

		assert_non_null(in);
		memcpy(in, enc, n);
		memset(out, 0xee, sizeof(out));
		/* both decoding paths: room for every symbol, and a bounded output */
		assert_int_equal(se_hpack_huffman_decode(out, sizeof(out), in, n), 1);
		assert_int_equal(out[0], b);
		assert_int_equal(se_hpack_huffman_decode(out, 1, in, n), 1);
		assert_int_equal(out[0], b);
		assert_int_equal(se_hpack_huffman_decode(out, 0, in, n), 1);
		/* and our encoder writes what python3-hpack writes */
		assert_int_equal(se_hpack_huffman_len(&octet, 1), n);
		assert_int_equal(se_hpack_huffman_encode(mine, &octet, 1), n);
		assert_memory_equal(mine, enc, n);
		free(in);
	}
}

static void test_huffman_all_octets(void **state)
{
	uint8_t all[256], out[300], mine[sizeof(py_huff_all)];
	uint8_t *in = malloc(sizeof(py_huff_all));

	assert_non_null(in);
	memcpy(in, py_huff_all, sizeof(py_huff_all));
	for (unsigned int i = 0; i < 256; i++)
		all[i] = (uint8_t)i;
	assert_int_equal(se_hpack_huffman_decode(out, sizeof(out), in, sizeof(py_huff_all)), 256);
	assert_memory_equal(out, all, 256);
	/* bounded: only the first 100 kept, the rest still checked */
	memset(out, 0xee, sizeof(out));
	assert_int_equal(se_hpack_huffman_decode(out, 100, in, sizeof(py_huff_all)), 256);
	assert_memory_equal(out, all, 100);
	assert_int_equal(out[100], 0xee);
	assert_int_equal(se_hpack_huffman_encode(mine, all, 256), sizeof(py_huff_all));
	assert_memory_equal(mine, py_huff_all, sizeof(py_huff_all));
	free(in);
}

static int64_t huff_hex(const char *hex, uint8_t *out, size_t out_max)
{
	uint8_t b[64];
	size_t n = from_hex(hex, b, sizeof(b));
	uint8_t *in = malloc(n ? n : 1);
	int64_t r;

	assert_non_null(in);
	memcpy(in, b, n);
	r = se_hpack_huffman_decode(out, out_max, in, n);
	free(in);
	return r;
}

static void test_huffman_padding_and_eos(void **state)
{
	uint8_t out[64];

	assert_int_equal(huff_hex("", out, sizeof(out)), 0);
	/* 'a' is 00011: padded with 111 */
	assert_int_equal(huff_hex("1f", out, sizeof(out)), 1);
	assert_int_equal(out[0], 'a');
	/* padding not all 1s */
	assert_int_equal(huff_hex("18", out, sizeof(out)), -1);
	assert_int_equal(huff_hex("1e", out, sizeof(out)), -1);
	assert_int_equal(huff_hex("1e", out, 1), -1);
	/* "aaaaa" is 25 bits: 7 bits of padding, the most allowed */
	assert_int_equal(huff_hex("18c631ff", out, sizeof(out)), 5);
	assert_memory_equal(out, "aaaaa", 5);
	/* "aaaaaaaa" is 40 bits: one more byte of 1s is padding longer than 7 bits */
	assert_int_equal(huff_hex("18c6318c63", out, sizeof(out)), 8);
	assert_int_equal(huff_hex("18c6318c63ff", out, sizeof(out)), -1);
	assert_int_equal(huff_hex("1fff", out, sizeof(out)), -1);
	assert_int_equal(huff_hex("ff", out, sizeof(out)), -1);
	/* EOS (30 1s) inside the string, whatever follows */
	assert_int_equal(huff_hex("fffffffc", out, sizeof(out)), -1);
	assert_int_equal(huff_hex("ffffffff", out, sizeof(out)), -1);
	assert_int_equal(huff_hex("1ffffffffc", out, sizeof(out)), -1); /* 'a' then EOS */
	assert_int_equal(huff_hex("ffffffff", out, 0), -1);
	/* EOS where 8 bytes or more follow (the fast path), then after 8 bytes */
	assert_int_equal(huff_hex("fffffffc18c6318c6318c6318c63", out, sizeof(out)), -1);
	assert_int_equal(huff_hex("18c6318c6318c6318c63fffffffc", out, sizeof(out)), -1);
	assert_int_equal(huff_hex("18c6318c6318c6318c63fffffffc", out, 4), -1);
	assert_int_equal(huff_hex("18c6318c6318c6318c63", out, sizeof(out)), 16);
	/* the longest codes that are not EOS: 30 bits (octets 10, 13, 22) */
	assert_int_equal(huff_hex("fffffff3", out, sizeof(out)), 1); /* 10: 3ffffffc + 11 */
	assert_int_equal(out[0], 10);
}

/* ---- malformed blocks -------------------------------------------------------------------- */

static void test_integers(void **state)
{
	struct se_hpack d;

	se_hpack_init(&d, true, NULL);
	/* 2^32 - 1 is the largest integer: as a size update, a table of that size */
	assert_int_equal(decode_hex(&d, "3fe0ffffff0f"), SE_HPACK_OK);
	assert_int_equal(d.max_size, UINT32_MAX);
	assert_int_equal(d.keep, SE_HPACK_DEFAULT_SIZE); /* clamped at the limit */
	assert_int_equal(decode_hex(&d, "3fe1ffffff0f"), SE_HPACK_MALFORMED); /* 2^32 */
	assert_int_equal(decode_hex(&d, "3fffffffff7f"), SE_HPACK_MALFORMED);
	/* continuation bytes past the fifth, even of zeros */
	assert_int_equal(decode_hex(&d, "ff808080808000"), SE_HPACK_MALFORMED);
	assert_int_equal(decode_hex(&d, "ff8080808000"), SE_HPACK_OK); /* index 127, unknown */
	expect_unknown(0);
	/* cut short */
	assert_int_equal(decode_hex(&d, "3f"), SE_HPACK_MALFORMED);
	assert_int_equal(decode_hex(&d, "3fe1"), SE_HPACK_MALFORMED);
	assert_int_equal(decode_hex(&d, "82ff"), SE_HPACK_MALFORMED);
	assert_int_equal(ngot, 1); /* the field before was reported */
	assert_int_equal(decode_hex(&d, "7f"), SE_HPACK_MALFORMED); /* a literal's name index */
	assert_int_equal(decode_hex(&d, "1f80"), SE_HPACK_MALFORMED);
	/* a string that would start at the end of the block */
	assert_int_equal(decode_hex(&d, "00"), SE_HPACK_MALFORMED);
	assert_int_equal(decode_hex(&d, "0000"), SE_HPACK_MALFORMED);
	assert_int_equal(decode_hex(&d, "00000000000010"), SE_HPACK_MALFORMED);
	assert_int_equal(ngot, 2);
	assert_int_equal(decode_hex(&d, "44"), SE_HPACK_MALFORMED);
	/* a string longer than what is left, and a huge length */
	assert_int_equal(decode_hex(&d, "4005616263"), SE_HPACK_MALFORMED);
	assert_int_equal(decode_hex(&d, "40016104626364"), SE_HPACK_MALFORMED);
	assert_int_equal(decode_hex(&d, "407fffffffff0f"), SE_HPACK_MALFORMED);
	/* bad Huffman in a name and in a value */
	assert_int_equal(decode_hex(&d, "408118016101"), SE_HPACK_MALFORMED);
	assert_int_equal(decode_hex(&d, "0001618118"), SE_HPACK_MALFORMED);
	assert_int_equal(decode_hex(&d, "048118"), SE_HPACK_MALFORMED);
	se_hpack_fini(&d);
}

static void test_index_zero(void **state)
{
	struct se_hpack d;

	se_hpack_init(&d, false, NULL); /* malformed even when the table is partial */
	assert_int_equal(decode_hex(&d, "80"), SE_HPACK_MALFORMED);
	assert_int_equal(decode_hex(&d, "8280"), SE_HPACK_MALFORMED);
	assert_int_equal(ngot, 1);
	se_hpack_fini(&d);
}

static void test_size_update_after_field(void **state)
{
	struct se_hpack d;

	se_hpack_init(&d, true, NULL);
	/* two at the start are fine (RFC 7541 4.2) */
	assert_int_equal(decode_hex(&d, "203fe11f82"), SE_HPACK_OK);
	assert_int_equal(d.max_size, 4096);
	assert_true(se_hpack_is_known(&d));
	assert_int_equal(decode_hex(&d, "8220"), SE_HPACK_MALFORMED);
	assert_int_equal(ngot, 1);
	assert_false(se_hpack_is_known(&d));
	assert_int_equal(d.max_size, 4096); /* not applied */
	se_hpack_fini(&d);
}

static void test_index_past_known_table(void **state)
{
	static const char *const f[][2] = { { ":method", "GET" }, { "k", "v" } };
	struct se_hpack d;

	se_hpack_init(&d, true, NULL);
	assert_int_equal(decode_hex(&d, "be"), SE_HPACK_MALFORMED);
	/* no latch: the next block decodes, and its insert is known from then on */
	assert_int_equal(decode_hex(&d, "8240016b0176"), SE_HPACK_OK);
	expect_fields(f, 2);
	assert_int_equal(decode_hex(&d, "be"), SE_HPACK_OK);
	expect_field(0, "k", "v");
	/* the table is partial after the error: past it is unknown, not malformed */
	assert_false(se_hpack_is_known(&d));
	assert_int_equal(decode_hex(&d, "bf"), SE_HPACK_OK);
	expect_unknown(0);
	/* a name index past a known table */
	assert_int_equal(decode_hex(&d, "20"), SE_HPACK_OK);
	assert_true(se_hpack_is_known(&d));
	assert_int_equal(decode_hex(&d, "7e0176"), SE_HPACK_MALFORMED);
	assert_int_equal(decode_hex(&d, "20"), SE_HPACK_OK);
	assert_int_equal(decode_hex(&d, "0f2f0176"), SE_HPACK_MALFORMED); /* 15 + 47 = 62 */
	se_hpack_fini(&d);
}

/*
 * Inserts, then a block whose rest cannot be read: whatever that rest inserted is newer than
 * the entries known, which then sit at unknown indices and are forgotten. Later blocks decode.
 */
static void test_error_mid_block(void **state)
{
	struct se_hpack d;

	se_hpack_init(&d, true, NULL);
	assert_int_equal(decode_hex(&d, "4001610162"), SE_HPACK_OK);
	assert_int_equal(decode_hex(&d, "4001630164408118"), SE_HPACK_MALFORMED);
	assert_int_equal(ngot, 1);
	expect_field(0, "c", "d");
	assert_false(se_hpack_is_known(&d));
	assert_int_equal(d.count, 0);
	assert_int_equal(decode_hex(&d, "82be4001650166bebf"), SE_HPACK_OK);
	assert_int_equal(ngot, 5);
	expect_field(0, ":method", "GET");
	expect_unknown(1);
	expect_field(2, "e", "f");
	expect_field(3, "e", "f");
	expect_unknown(4);
	se_hpack_fini(&d);
}

/* A callback that stops: no more fields reported, but the block's inserts are all made. */
static void test_stop(void **state)
{
	static const char *const f[][2] = { { "c", "d" }, { "a", "b" } };
	struct se_hpack d;

	se_hpack_init(&d, true, NULL);
	stop_after = 2;
	assert_int_equal(decode_hex(&d, "824001610162400163016404016584"), SE_HPACK_STOPPED);
	assert_int_equal(ngot, 2);
	stop_after = 0;
	assert_true(se_hpack_is_known(&d));
	expect_table(&d, 68, f, 2);
	/* stopped, then malformed: malformed */
	stop_after = 1;
	assert_int_equal(decode_hex(&d, "8280"), SE_HPACK_MALFORMED);
	stop_after = 0;
	assert_int_equal(d.count, 0);
	se_hpack_fini(&d);
}

/* No callback: the table is kept up; strings not inserted are stepped over, not checked. */
static void test_no_callback(void **state)
{
	/* x: y inserted; a value not inserted with bad Huffman; an unknown name, not inserted */
	static const uint8_t b[] = { 0x40, 1, 'x', 1, 'y', 0x04, 0x81, 0x18, 0x0f, 0x30, 1, 'v' };
	static const uint8_t bad_insert[] = { 0x40, 1, 'x', 0x81, 0x18 };
	static const uint8_t zero_then_unknown_name[] = { 0x20, 0x0f, 0x30, 1, 'v' };
	static const uint8_t past_table[] = { 0xbe };
	struct se_hpack d;

	se_hpack_init(&d, false, NULL);
	assert_int_equal(se_hpack_decode(&d, b, sizeof(b), scratch, NULL, NULL), SE_HPACK_OK);
	assert_int_equal(d.count, 1);
	assert_int_equal(decode_hex(&d, "be"), SE_HPACK_OK);
	expect_field(0, "x", "y");
	/* an insert is decoded and checked */
	assert_int_equal(se_hpack_decode(&d, bad_insert, sizeof(bad_insert), scratch, NULL, NULL),
			 SE_HPACK_MALFORMED);
	/* and indices are, once the table is known */
	assert_int_equal(se_hpack_decode(&d, zero_then_unknown_name, sizeof(zero_then_unknown_name),
					 scratch, NULL, NULL),
			 SE_HPACK_MALFORMED);
	assert_int_equal(decode_hex(&d, "20"), SE_HPACK_OK);
	assert_true(se_hpack_is_known(&d));
	assert_int_equal(se_hpack_decode(&d, past_table, sizeof(past_table), scratch, NULL, NULL),
			 SE_HPACK_MALFORMED);
	se_hpack_fini(&d);
}

/* ---- a partial table --------------------------------------------------------------------- */

static void test_joined_late(void **state)
{
	struct se_hpack d;

	se_hpack_init(&d, false, NULL);
	assert_false(se_hpack_is_known(&d));
	/* dynamic entries the decoder never saw: unknown, no error */
	assert_int_equal(decode_hex(&d, "82be"), SE_HPACK_OK);
	expect_field(0, ":method", "GET");
	expect_unknown(1);
	/* a literal with indexing is entry 1 whatever came before */
	assert_int_equal(decode_hex(&d, "4003666f6f03626172"), SE_HPACK_OK);
	assert_int_equal(decode_hex(&d, "bebf"), SE_HPACK_OK);
	expect_field(0, "foo", "bar");
	expect_unknown(1);
	/* a literal naming an unknown entry: value known, name not */
	assert_int_equal(decode_hex(&d, "0f300178"), SE_HPACK_OK); /* name 63, not indexed */
	assert_int_equal(got[0].flags, SE_HPACK_NAME_UNKNOWN);
	assert_false(got[0].has_name);
	assert_int_equal(got[0].value_len, 1);
	assert_int_equal(got[0].value[0], 'x');
	/* inserted: entry 1 is unknown now, and so is every entry */
	assert_int_equal(decode_hex(&d, "7f000179be"), SE_HPACK_OK);
	assert_int_equal(got[0].flags, SE_HPACK_NAME_UNKNOWN);
	expect_unknown(1);
	assert_int_equal(d.count, 0);
	/* a size update to 0: the table is known (and empty) */
	assert_int_equal(decode_hex(&d, "20"), SE_HPACK_OK);
	assert_true(se_hpack_is_known(&d));
	assert_int_equal(decode_hex(&d, "be"), SE_HPACK_MALFORMED);
	se_hpack_fini(&d);
}

static void test_lost_block(void **state)
{
	struct se_hpack d;

	se_hpack_init(&d, true, NULL);
	assert_int_equal(decode_hex(&d, "4001610162"), SE_HPACK_OK);
	/* the lost block may have inserted: a: b is entry 1, or 2, or ... */
	se_hpack_lost_block(&d);
	assert_false(se_hpack_is_known(&d));
	assert_int_equal(d.count, 0);
	assert_int_equal(decode_hex(&d, "be4001630164be"), SE_HPACK_OK);
	expect_unknown(0);
	expect_field(2, "c", "d");
	se_hpack_fini(&d);
}

/* An entry is at least 32 bytes: known entries that leave less room than that are all. */
static void test_known_when_full(void **state)
{
	struct se_hpack d;

	se_hpack_init(&d, false, NULL);
	/* entries of 34 bytes; a size update to 100, not 0 */
	assert_int_equal(decode_hex(&d, "3f45"), SE_HPACK_OK);
	assert_false(se_hpack_is_known(&d));
	assert_int_equal(decode_hex(&d, "40016101624001630164"), SE_HPACK_OK);
	assert_false(se_hpack_is_known(&d)); /* 68 + 32 = 100: room for one unknown */
	assert_int_equal(decode_hex(&d, "c0"), SE_HPACK_OK);
	expect_unknown(0);
	/* the third evicts the first: the unknown ones, older, were evicted before */
	assert_int_equal(decode_hex(&d, "4001650166"), SE_HPACK_OK);
	assert_true(se_hpack_is_known(&d));
	assert_int_equal(d.count, 2);
	assert_int_equal(decode_hex(&d, "c0"), SE_HPACK_MALFORMED);
	se_hpack_fini(&d);

	/* filled without evicting: 35 + 35 + 32 > 100 */
	se_hpack_init(&d, false, NULL);
	assert_int_equal(decode_hex(&d, "3f45400161026262400163026464"), SE_HPACK_OK);
	assert_true(se_hpack_is_known(&d));
	se_hpack_fini(&d);

	/* a size update below the known entries evicts one: known */
	se_hpack_init(&d, false, NULL);
	assert_int_equal(decode_hex(&d, "40016101624001630164"), SE_HPACK_OK);
	assert_false(se_hpack_is_known(&d));
	assert_int_equal(decode_hex(&d, "3f2382"), SE_HPACK_OK); /* 66 < 68 */
	assert_true(se_hpack_is_known(&d));
	assert_int_equal(d.count, 1);
	se_hpack_fini(&d);

	/* without a size update the maximum is a guess: never known */
	se_hpack_init(&d, false, NULL);
	for (int i = 0; i < 200; i++)
		assert_int_equal(decode_hex(&d, "4001610162"), SE_HPACK_OK);
	assert_false(se_hpack_is_known(&d));
	se_hpack_fini(&d);
}

/* A literal with indexing, new name "k<i>", of vlen value bytes (raw). */
static size_t put_entry(uint8_t *b, unsigned int i, size_t vlen, uint8_t fill)
{
	size_t n = 0;

	b[n++] = 0x40;
	b[n++] = 2;
	b[n++] = 'k';
	b[n++] = (uint8_t)('0' + i % 10);
	if (vlen < 127) {
		b[n++] = (uint8_t)vlen;
	} else {
		size_t v = vlen - 127;

		b[n++] = 0x7f;
		while (v >= 128) {
			b[n++] = (uint8_t)(0x80 | (v & 0x7f));
			v >>= 7;
		}
		b[n++] = (uint8_t)v;
	}
	memset(b + n, fill, vlen);
	return n + vlen;
}

static void test_entry_larger_than_table(void **state)
{
	static uint8_t b[512];
	struct se_hpack d;

	se_hpack_init(&d, false, NULL);
	assert_int_equal(decode_hex(&d, "3fa901"), SE_HPACK_OK); /* a maximum of 200 */
	assert_int_equal(decode_hex(&d, "4001610162"), SE_HPACK_OK);
	assert_false(se_hpack_is_known(&d));
	/* 2 + 200 + 32 > 200 */
	assert_int_equal(decode(&d, b, put_entry(b, 0, 200, 'v')), SE_HPACK_OK);
	assert_true(se_hpack_is_known(&d)); /* RFC 7541 4.4: the table is empty */
	assert_int_equal(d.count, 0);
	assert_int_equal(decode_hex(&d, "be"), SE_HPACK_MALFORMED);
	se_hpack_fini(&d);
}

/* ---- sizes: the limit, the cap ----------------------------------------------------------- */

static void test_clamp_above_limit(void **state)
{
	static uint8_t b[2048];
	struct se_hpack d;

	se_hpack_init(&d, true, NULL);
	/* a size update of 8192 while the limit is 4096 (stale or broken): tolerated */
	assert_int_equal(decode_hex(&d, "3fe13f"), SE_HPACK_OK);
	assert_int_equal(d.max_size, 8192);
	assert_int_equal(d.keep, 4096);
	assert_true(se_hpack_is_known(&d));
	/* entries of 1000 + 34 bytes: the fourth does not fit 4096 but fits 8192 */
	for (unsigned int i = 0; i < 3; i++)
		assert_int_equal(decode(&d, b, put_entry(b, i, 1000, (uint8_t)('a' + i))),
				 SE_HPACK_OK);
	assert_true(se_hpack_is_known(&d));
	assert_int_equal(decode(&d, b, put_entry(b, 3, 1000, 'd')), SE_HPACK_OK);
	assert_false(se_hpack_is_known(&d)); /* the encoder still holds the first */
	assert_int_equal(d.count, 3);
	assert_true(d.size <= 4096);
	assert_true(se_hpack_bytes(&d) <= 4096 + 4096 / 32 * 8);
	/* the first is unknown, not malformed */
	assert_int_equal(decode_hex(&d, "bec1"), SE_HPACK_OK);
	assert_int_equal(got[0].value[0], 'd');
	expect_unknown(1);
	/* the SETTINGS seen at last: what is kept grows to the encoder's size */
	se_hpack_set_limit(&d, 8192);
	assert_int_equal(d.keep, 8192);
	for (unsigned int i = 4; i < 12; i++)
		assert_int_equal(decode(&d, b, put_entry(b, i, 1000, (uint8_t)('a' + i))),
				 SE_HPACK_OK);
	assert_int_equal(d.count, 7);
	/* 7 * 1034 + 32 > 8192 at the last insert, which evicted: known again */
	assert_true(se_hpack_is_known(&d));
	se_hpack_fini(&d);
}

static void test_limit_lowered(void **state)
{
	struct se_hpack d;

	se_hpack_init(&d, true, NULL);
	assert_int_equal(decode_hex(&d, "400161016240016301644001650166"), SE_HPACK_OK);
	/* a lower limit: blocks sent before the encoder saw it still use 4096 */
	se_hpack_set_limit(&d, 64);
	assert_int_equal(d.count, 3);
	assert_int_equal(d.keep, 4096);
	assert_int_equal(decode_hex(&d, "4001670168"), SE_HPACK_OK);
	assert_int_equal(d.count, 4);
	assert_true(se_hpack_is_known(&d));
	/* then its size update, within the limit */
	assert_int_equal(decode_hex(&d, "3f21be"), SE_HPACK_OK); /* 64 */
	assert_int_equal(d.count, 1);
	assert_int_equal(d.keep, 64);
	expect_field(0, "g", "h");
	assert_true(se_hpack_is_known(&d));
	/* and above it: kept within it, but not malformed */
	assert_int_equal(decode_hex(&d, "3f6140016901694001690169"), SE_HPACK_OK); /* 128 */
	assert_false(se_hpack_is_known(&d));
	assert_int_equal(d.count, 1);
	se_hpack_fini(&d);

	/* entries past a lower limit, then a size update above it: cut to the limit */
	se_hpack_init(&d, true, NULL);
	assert_int_equal(decode_hex(&d, "400161016240016301644001650166"), SE_HPACK_OK);
	se_hpack_set_limit(&d, 64);
	assert_int_equal(decode_hex(&d, "3f61"), SE_HPACK_OK); /* 128 */
	assert_int_equal(d.count, 1);
	assert_false(se_hpack_is_known(&d));
	se_hpack_fini(&d);

	/* a guessed maximum follows the limit, down too */
	se_hpack_init(&d, false, NULL);
	assert_int_equal(decode_hex(&d, "400161016240016301644001650166"), SE_HPACK_OK);
	se_hpack_set_limit(&d, 64);
	assert_int_equal(d.max_size, 64);
	assert_int_equal(d.count, 1);
	assert_int_equal(decode_hex(&d, "be"), SE_HPACK_OK);
	expect_field(0, "e", "f");
	se_hpack_fini(&d);
}

static void test_cap(void **state)
{
	static uint8_t b[80000];
	struct se_hpack d;

	se_hpack_init(&d, true, NULL);
	se_hpack_set_limit(&d, 1u << 20);
	assert_int_equal(decode_hex(&d, "3fe1ff3f"), SE_HPACK_OK); /* 1 MiB */
	assert_int_equal(d.max_size, 1u << 20);
	assert_int_equal(d.keep, SE_HPACK_TABLE_CAP);
	/* entries of 30000 bytes: the third does not fit the cap */
	for (unsigned int i = 0; i < 2; i++)
		assert_int_equal(decode(&d, b, put_entry(b, i, 30000, (uint8_t)('a' + i))),
				 SE_HPACK_OK);
	assert_true(se_hpack_is_known(&d));
	assert_int_equal(decode(&d, b, put_entry(b, 2, 30000, 'c')), SE_HPACK_OK);
	assert_false(se_hpack_is_known(&d));
	assert_true(d.size <= SE_HPACK_TABLE_CAP);
	assert_true(se_hpack_bytes(&d) <= SE_HPACK_TABLE_CAP + SE_HPACK_TABLE_CAP / 32 * 8);
	assert_int_equal(decode_hex(&d, "bebfc0"), SE_HPACK_OK);
	assert_int_equal(got[0].flags, SE_HPACK_TRUNCATED);
	assert_int_equal(got[0].value_len, SE_HPACK_VALUE_MAX);
	assert_int_equal(got[0].value[SE_HPACK_VALUE_MAX - 1], 'c');
	assert_int_equal(got[1].value[0], 'b');
	expect_unknown(2);
	/* an entry larger than the cap: the encoder holds it as entry 1, we cannot */
	assert_int_equal(decode(&d, b, put_entry(b, 3, 70000, 'd')), SE_HPACK_OK);
	assert_int_equal(got[0].value_len, SE_HPACK_VALUE_MAX);
	assert_true(got[0].flags & SE_HPACK_TRUNCATED);
	assert_int_equal(d.count, 0);
	assert_int_equal(decode_hex(&d, "be"), SE_HPACK_OK);
	expect_unknown(0);
	se_hpack_fini(&d);
}

/* A name and a value longer than what a callback sees: cut, flagged, kept whole. */
static void test_truncated(void **state)
{
	static uint8_t b[40000], name[20000], value[12000];
	struct se_hpack d;
	size_t n = 0, hn, hv;

	for (size_t i = 0; i < sizeof(name); i++)
		name[i] = (uint8_t)('a' + i % 26);
	for (size_t i = 0; i < sizeof(value); i++)
		value[i] = (uint8_t)('0' + i % 10);
	se_hpack_init(&d, true, NULL);
	se_hpack_set_limit(&d, SE_HPACK_TABLE_CAP);
	b[n++] = 0x3f; /* size update to 65536 */
	b[n++] = 0xe1;
	b[n++] = 0xff;
	b[n++] = 0x03;
	/* literal, new name, both Huffman-coded */
	hn = se_hpack_huffman_len(name, sizeof(name));
	hv = se_hpack_huffman_len(value, sizeof(value));
	b[n++] = 0x40;
	b[n++] = 0xff;
	b[n++] = (uint8_t)(0x80 | ((hn - 127) & 0x7f));
	b[n++] = (uint8_t)((hn - 127) >> 7);
	n += se_hpack_huffman_encode(b + n, name, sizeof(name));
	b[n++] = 0xff;
	b[n++] = (uint8_t)(0x80 | ((hv - 127) & 0x7f));
	b[n++] = (uint8_t)((hv - 127) >> 7);
	n += se_hpack_huffman_encode(b + n, value, sizeof(value));
	assert_true(n <= sizeof(b) && hn - 127 < 128 * 128 && hv - 127 < 128 * 128);
	assert_int_equal(decode(&d, b, n), SE_HPACK_OK);
	assert_int_equal(got[0].flags, SE_HPACK_TRUNCATED);
	assert_int_equal(got[0].name_len, SE_HPACK_VALUE_MAX);
	assert_memory_equal(got[0].name, name, SE_HPACK_VALUE_MAX);
	assert_int_equal(got[0].value_len, SE_HPACK_VALUE_MAX);
	assert_memory_equal(got[0].value, value, SE_HPACK_VALUE_MAX);
	assert_int_equal(d.size, sizeof(name) + sizeof(value) + 32);
	/* a literal naming that entry, inserted again: the name comes whole out of the table */
	b[0] = 0x7e; /* 01 + index 62 */
	b[1] = 0x01;
	b[2] = 'v';
	assert_int_equal(decode(&d, b, 3), SE_HPACK_OK);
	assert_int_equal(got[0].name_len, SE_HPACK_VALUE_MAX);
	assert_memory_equal(got[0].name, name, SE_HPACK_VALUE_MAX);
	assert_int_equal(d.count, 2);
	assert_int_equal(d.size, 2 * sizeof(name) + sizeof(value) + 1 + 64);
	assert_int_equal(decode_hex(&d, "bebf"), SE_HPACK_OK);
	assert_memory_equal(got[0].name, name, SE_HPACK_VALUE_MAX);
	assert_int_equal(got[0].value_len, 1);
	assert_memory_equal(got[1].value, value, SE_HPACK_VALUE_MAX);
	se_hpack_fini(&d);
}

/* ---- memory: budget and malloc ----------------------------------------------------------- */

static void test_budget(void **state)
{
	struct se_budget budget = { .limit = 600 };
	static uint8_t b[1024];
	struct se_hpack d;

	/* the first storage (512 + 16 descriptors) is over 600 */
	se_hpack_init(&d, true, &budget);
	assert_int_equal(decode_hex(&d, "4001610162"), SE_HPACK_NOMEM);
	expect_field(0, "a", "b"); /* still reported */
	assert_false(se_hpack_is_known(&d));
	assert_int_equal(d.count, 0);
	assert_int_equal(decode_hex(&d, "be"), SE_HPACK_OK);
	expect_unknown(0);
	assert_true(budget.refused >= 1);
	assert_int_equal(budget.used, se_hpack_bytes(&d)); /* the ring alone was granted */
	se_hpack_fini(&d);

	/* room for the first storage, not for the ring of 1024 */
	budget = (struct se_budget){ .limit = 1000 };
	se_hpack_init(&d, true, &budget);
	for (unsigned int i = 0; i < 3; i++)
		assert_int_equal(decode(&d, b, put_entry(b, i, 150, (uint8_t)('a' + i))),
				 SE_HPACK_OK);
	assert_int_equal(budget.used, se_hpack_bytes(&d));
	assert_true(se_hpack_is_known(&d));
	assert_int_equal(decode(&d, b, put_entry(b, 3, 150, 'd')), SE_HPACK_NOMEM);
	assert_false(se_hpack_is_known(&d));
	/* the newest that fit are kept, the new one first */
	assert_int_equal(d.count, 3);
	assert_int_equal(decode_hex(&d, "bebfc0c1"), SE_HPACK_OK);
	assert_int_equal(got[0].value[0], 'd');
	assert_int_equal(got[1].value[0], 'c');
	assert_int_equal(got[2].value[0], 'b');
	expect_unknown(3);
	assert_int_equal(budget.used, se_hpack_bytes(&d));
	se_hpack_fini(&d);
	assert_int_equal(budget.used, 0);
	se_hpack_fini(NULL);
}

static void test_malloc_fails(void **state)
{
	static const uint8_t ins[] = { 0x40, 1, 'a', 1, 'b' };
	struct se_hpack d;

	se_hpack_init(&d, true, NULL);
	fail_next_malloc = true;
	assert_int_equal(se_hpack_decode(&d, ins, sizeof(ins), scratch, collect, NULL),
			 SE_HPACK_NOMEM);
	assert_false(fail_next_malloc);
	assert_false(se_hpack_is_known(&d));
	assert_int_equal(se_hpack_bytes(&d), 0);
	/* the next insert allocates */
	assert_int_equal(se_hpack_decode(&d, ins, sizeof(ins), scratch, collect, NULL),
			 SE_HPACK_OK);
	assert_int_equal(d.count, 1);
	se_hpack_fini(&d);
}

/* ---- python3-hpack's encoder ------------------------------------------------------------- */

static void test_python_encoder(void **state)
{
	struct se_hpack d;

	se_hpack_init(&d, true, NULL);
	se_hpack_set_limit(&d, 256);
	for (size_t i = 0; i < sizeof(py_blocks) / sizeof(py_blocks[0]); i++) {
		unsigned int n = 0;

		assert_int_equal(decode_hex(&d, py_blocks[i].hex), SE_HPACK_OK);
		while (n < 8 && py_blocks[i].fields[n][0])
			n++;
		expect_fields(py_blocks[i].fields, n);
		for (unsigned int j = 0; j < n; j++)
			assert_int_equal(!!(got[j].flags & SE_HPACK_NEVER_INDEXED),
					 !strcmp(py_blocks[i].fields[j][0], "authorization"));
		assert_true(se_hpack_is_known(&d));
	}
	se_hpack_fini(&d);
}

/* ---- a random stream against a model ----------------------------------------------------- */

struct model_entry {
	uint8_t *name, *value;
	size_t nlen, vlen;
	uint8_t static_index;
};

/* The encoder's table (RFC 7541 4), newest last. */
struct model {
	struct model_entry e[SE_HPACK_TABLE_CAP / 32 + 1];
	unsigned int n;
	uint64_t size;
	uint32_t max;
};

static void model_evict(struct model *m)
{
	m->size -= m->e[0].nlen + m->e[0].vlen + 32;
	free(m->e[0].name);
	free(m->e[0].value);
	memmove(m->e, m->e + 1, --m->n * sizeof(m->e[0]));
}

static void model_resize(struct model *m, uint32_t max)
{
	m->max = max;
	while (m->size > max)
		model_evict(m);
}

static void model_insert(struct model *m, const uint8_t *name, size_t nlen, const uint8_t *value,
			 size_t vlen, uint8_t static_index)
{
	struct model_entry *e;

	if (nlen + vlen + 32 > m->max) {
		while (m->n)
			model_evict(m);
		return;
	}
	while (m->size + nlen + vlen + 32 > m->max)
		model_evict(m);
	e = &m->e[m->n++];
	e->name = malloc(nlen + 1);
	e->value = malloc(vlen + 1);
	memcpy(e->name, name, nlen);
	memcpy(e->value, value, vlen);
	e->nlen = nlen;
	e->vlen = vlen;
	e->static_index = static_index;
	m->size += nlen + vlen + 32;
}

static const struct model_entry *model_get(const struct model *m, unsigned int i)
{
	return &m->e[m->n - i];
}

struct expect {
	const uint8_t *name, *value;
	size_t nlen, vlen;
	uint32_t flags; /* NEVER_INDEXED, STATIC_VALUE */
	uint8_t static_index;
};

struct wbuf {
	uint8_t *b;
	size_t n, cap;
};

static void reserve(struct wbuf *w, size_t n)
{
	while (w->cap - w->n < n) {
		w->cap = w->cap ? w->cap * 2 : 1024;
		w->b = realloc(w->b, w->cap);
		assert_non_null(w->b);
	}
}

static void put(struct wbuf *w, uint8_t v)
{
	reserve(w, 1);
	w->b[w->n++] = v;
}

static void put_int(struct wbuf *w, uint8_t pattern, unsigned int bits, uint64_t v)
{
	uint64_t max = (1u << bits) - 1;

	if (v < max) {
		put(w, (uint8_t)(pattern | v));
		return;
	}
	put(w, (uint8_t)(pattern | max));
	for (v -= max; v >= 128; v >>= 7)
		put(w, (uint8_t)(0x80 | (v & 0x7f)));
	put(w, (uint8_t)v);
}

static void put_str(struct wbuf *w, const uint8_t *s, size_t n, bool huffman)
{
	if (!huffman) {
		put_int(w, 0, 7, n);
		for (size_t i = 0; i < n; i++)
			put(w, s[i]);
		return;
	}
	put_int(w, 0x80, 7, se_hpack_huffman_len(s, n));
	reserve(w, se_hpack_huffman_len(s, n));
	w->n += se_hpack_huffman_encode(w->b + w->n, s, n);
}

static uint64_t rng_state;

static uint32_t rnd(uint32_t n)
{
	rng_state = rng_state * 6364136223846793005ull + 1442695040888963407ull;
	return n ? (uint32_t)((rng_state >> 33) % n) : 0;
}

/* A random string: mostly short header-like text, sometimes any octets, sometimes long. */
static size_t rnd_str(uint8_t *s, bool allow_long)
{
	size_t n;
	uint32_t kind = rnd(100);

	if (kind < 70)
		n = rnd(24);
	else if (kind < 95 || !allow_long)
		n = 24 + rnd(400);
	else
		n = SE_HPACK_VALUE_MAX - 8 + rnd(2000);
	for (size_t i = 0; i < n; i++)
		s[i] = kind % 3 ? (uint8_t)("abcdefghijklmnopqrstuvwxyz0123456789-/:."[rnd(40)])
				: (uint8_t)rnd(256);
	return n;
}

/* What each decoder saw compared with what the encoder meant: unknown parts aside, equal. */
static void check_against(const struct expect *want, unsigned int n, bool all_known)
{
	assert_int_equal(ngot, n); /* n: the first fields, when a callback stopped */
	for (unsigned int i = 0; i < n; i++) {
		const struct got_field *g = &got[i];
		const struct expect *e = &want[i];
		bool cut = e->nlen > SE_HPACK_VALUE_MAX || e->vlen > SE_HPACK_VALUE_MAX;

		if (all_known)
			assert_false(g->flags & (SE_HPACK_NAME_UNKNOWN | SE_HPACK_VALUE_UNKNOWN));
		if (g->has_value) {
			size_t vl = e->vlen < SE_HPACK_VALUE_MAX ? e->vlen : SE_HPACK_VALUE_MAX;

			assert_int_equal(g->value_len, vl);
			assert_memory_equal(g->value, e->value, vl);
			assert_int_equal(g->flags & SE_HPACK_STATIC_VALUE,
					 e->flags & SE_HPACK_STATIC_VALUE);
			if (e->vlen > SE_HPACK_VALUE_MAX)
				assert_true(g->flags & SE_HPACK_TRUNCATED);
		}
		if (g->has_name) {
			size_t nl = e->nlen < SE_HPACK_VALUE_MAX ? e->nlen : SE_HPACK_VALUE_MAX;

			assert_int_equal(g->name_len, nl);
			assert_memory_equal(g->name, e->name, nl);
			assert_int_equal(g->static_index, e->static_index);
			if (e->nlen > SE_HPACK_VALUE_MAX)
				assert_true(g->flags & SE_HPACK_TRUNCATED);
			if (g->has_value)
				assert_int_equal(!!(g->flags & SE_HPACK_TRUNCATED), cut);
		}
		assert_int_equal(g->flags & SE_HPACK_NEVER_INDEXED,
				 e->flags & SE_HPACK_NEVER_INDEXED);
	}
}

enum { D_FULL, D_LATE, D_POOR, D_MOVED, D_STOPS, D_LOSES, D_COUNT };

static void random_stream(uint64_t seed, uint32_t limit, unsigned int blocks)
{
	static struct model m;
	static struct expect want[MAX_FIELDS];
	static uint8_t strs[MAX_FIELDS][2][SE_HPACK_VALUE_MAX + 2048];
	struct se_budget poor = { .limit = 3000 };
	struct se_hpack d[D_COUNT], moved;
	struct wbuf w = { 0 };
	unsigned int join = 1 + (unsigned int)(seed % 5);

	rng_state = seed;
	memset(&m, 0, sizeof(m));
	m.max = SE_HPACK_DEFAULT_SIZE;
	se_hpack_init(&d[D_FULL], true, NULL);
	se_hpack_init(&d[D_LATE], false, NULL);
	se_hpack_init(&d[D_POOR], true, &poor);
	se_hpack_init(&d[D_MOVED], true, NULL);
	se_hpack_init(&d[D_STOPS], true, NULL);
	se_hpack_init(&d[D_LOSES], true, NULL);
	for (int k = 0; k < D_COUNT; k++)
		se_hpack_set_limit(&d[k], limit);

	for (unsigned int blk = 0; blk < blocks; blk++) {
		unsigned int nf = 1 + rnd(12), nw = 0;
		bool zeroed = false;

		w.n = 0;
		/* size updates open the block: when the limit fell below, or now and then */
		if (m.max > limit || !rnd(8)) {
			static const uint32_t sizes[] = {
				0, 64, 200, 256, 1000, 4096, 16384, 65536
			};
			uint32_t v = sizes[rnd(8)];

			if (!rnd(3)) {
				put_int(&w, 0x20, 5, 0);
				model_resize(&m, 0);
				zeroed = true;
			}
			v = v > limit ? limit : v;
			put_int(&w, 0x20, 5, v);
			model_resize(&m, v);
			zeroed |= !v;
		}
		for (unsigned int f = 0; f < nf; f++) {
			struct expect *e = &want[nw++];
			uint32_t kind = rnd(10);
			bool huff = rnd(2), allow_long = m.max >= 32768;

			memset(e, 0, sizeof(*e));
			if (kind < 2) {
				unsigned int i = 1 + rnd(SE_HPACK_STATIC_COUNT);
				uint32_t nl, vl;

				put_int(&w, 0x80, 7, i);
				e->name = (const uint8_t *)se_hpack_static_name(i, &nl);
				e->value = (const uint8_t *)se_hpack_static_value(i, &vl);
				e->nlen = nl;
				e->vlen = vl;
				e->static_index = (uint8_t)i;
				e->flags = SE_HPACK_STATIC_VALUE;
				continue;
			}
			if (kind < 4 && m.n) {
				unsigned int i = 1 + rnd(m.n);
				const struct model_entry *me = model_get(&m, i);

				/* copied: a later insert of the block may evict it */
				put_int(&w, 0x80, 7, DYN(i));
				memcpy(strs[nw - 1][0], me->name, me->nlen);
				memcpy(strs[nw - 1][1], me->value, me->vlen);
				e->name = strs[nw - 1][0];
				e->nlen = me->nlen;
				e->value = strs[nw - 1][1];
				e->vlen = me->vlen;
				e->static_index = me->static_index;
				continue;
			}
			/* a literal: 0 with indexing, 1 without, 2 never indexed */
			{
				uint32_t rep = kind < 7 ? 0 : kind < 9 ? 1 : 2;
				uint32_t src = rnd(3); /* new name, static name, dynamic name */
				static const uint8_t pattern[3] = { 0x40, 0x00, 0x10 };
				static const unsigned int bits[3] = { 6, 4, 4 };
				uint8_t *name = strs[nw - 1][0], *value = strs[nw - 1][1];

				if (src == 2 && !m.n)
					src = 0;
				if (src == 0) {
					put_int(&w, pattern[rep], bits[rep], 0);
					e->nlen = rnd_str(name, allow_long);
					put_str(&w, name, e->nlen, huff);
					e->name = name;
				} else if (src == 1) {
					unsigned int i = 1 + rnd(SE_HPACK_STATIC_COUNT);
					uint32_t nl;

					put_int(&w, pattern[rep], bits[rep], i);
					e->name = (const uint8_t *)se_hpack_static_name(i, &nl);
					e->nlen = nl;
					e->static_index = (uint8_t)i;
				} else {
					unsigned int i = 1 + rnd(m.n);
					const struct model_entry *me = model_get(&m, i);

					put_int(&w, pattern[rep], bits[rep], DYN(i));
					/* copied: the insert below may evict it */
					memcpy(name, me->name, me->nlen);
					e->name = name;
					e->nlen = me->nlen;
					e->static_index = me->static_index;
				}
				e->vlen = rnd_str(value, allow_long);
				e->value = value;
				put_str(&w, value, e->vlen, rnd(2));
				if (rep == 2)
					e->flags = SE_HPACK_NEVER_INDEXED;
				if (rep == 0) {
					model_insert(&m, e->name, e->nlen, e->value, e->vlen,
						     e->static_index);
				}
			}
		}

		/* the decoder that saw everything: exact, known, the model's table */
		assert_int_equal(decode(&d[D_FULL], w.b, w.n), SE_HPACK_OK);
		check_against(want, nw, true);
		assert_true(se_hpack_is_known(&d[D_FULL]));
		assert_int_equal(d[D_FULL].count, m.n);
		assert_int_equal(d[D_FULL].size, m.size);
		assert_int_equal(d[D_FULL].max_size, m.max);

		/* one that joined late: what it knows is right, never an error */
		if (blk >= join) {
			assert_int_equal(decode(&d[D_LATE], w.b, w.n), SE_HPACK_OK);
			check_against(want, nw, false);
			if (zeroed)
				assert_true(se_hpack_is_known(&d[D_LATE]));
			if (se_hpack_is_known(&d[D_LATE]))
				assert_true(d[D_LATE].count >= m.n);
		}

		/* one short of memory: what it knows is right */
		{
			enum se_hpack_result r = decode(&d[D_POOR], w.b, w.n);

			assert_true(r == SE_HPACK_OK || r == SE_HPACK_NOMEM);
			check_against(want, nw, false);
			assert_true(poor.used <= poor.limit);
			assert_int_equal(poor.used, se_hpack_bytes(&d[D_POOR]));
		}

		/* one whose callback stops at a random field: the rest still updates its table */
		stop_after = 1 + rnd(nw + 2);
		{
			enum se_hpack_result r = decode(&d[D_STOPS], w.b, w.n);

			assert_int_equal(r, stop_after <= nw ? SE_HPACK_STOPPED : SE_HPACK_OK);
			assert_int_equal(ngot, stop_after <= nw ? stop_after : nw);
			check_against(want, ngot, true);
			assert_int_equal(d[D_STOPS].count, m.n);
		}
		stop_after = 0;

		/* one that loses a block now and then: what it knows is right */
		if (!rnd(6)) {
			se_hpack_lost_block(&d[D_LOSES]);
		} else {
			assert_int_equal(decode(&d[D_LOSES], w.b, w.n), SE_HPACK_OK);
			check_against(want, nw, false);
		}

		/* one moved between blocks: no pointer into itself */
		moved = d[D_MOVED];
		memset(&d[D_MOVED], 0xa5, sizeof(d[D_MOVED]));
		assert_int_equal(decode(&moved, w.b, w.n), SE_HPACK_OK);
		check_against(want, nw, true);
		d[D_MOVED] = moved;
	}
	for (int k = 0; k < D_COUNT; k++)
		se_hpack_fini(&d[k]);
	assert_int_equal(poor.used, 0);
	while (m.n)
		model_evict(&m);
	free(w.b);
}

static void test_random_streams(void **state)
{
	static const uint32_t limits[] = { 256, 4096, 65536, 1u << 20 };

	for (uint64_t seed = 1; seed <= 24; seed++)
		random_stream(seed, limits[seed % 4], 150);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_static_table),
		cmocka_unit_test(test_c2_1_literal_indexed),
		cmocka_unit_test(test_c2_2_literal_not_indexed),
		cmocka_unit_test(test_c2_3_never_indexed),
		cmocka_unit_test(test_c2_4_indexed),
		cmocka_unit_test(test_c3_requests),
		cmocka_unit_test(test_c4_requests_huffman),
		cmocka_unit_test(test_c5_responses),
		cmocka_unit_test(test_c6_responses_huffman),
		cmocka_unit_test(test_huffman_each_octet),
		cmocka_unit_test(test_huffman_all_octets),
		cmocka_unit_test(test_huffman_padding_and_eos),
		cmocka_unit_test(test_integers),
		cmocka_unit_test(test_index_zero),
		cmocka_unit_test(test_size_update_after_field),
		cmocka_unit_test(test_index_past_known_table),
		cmocka_unit_test(test_error_mid_block),
		cmocka_unit_test(test_stop),
		cmocka_unit_test(test_no_callback),
		cmocka_unit_test(test_joined_late),
		cmocka_unit_test(test_lost_block),
		cmocka_unit_test(test_known_when_full),
		cmocka_unit_test(test_entry_larger_than_table),
		cmocka_unit_test(test_clamp_above_limit),
		cmocka_unit_test(test_limit_lowered),
		cmocka_unit_test(test_cap),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_budget),
		cmocka_unit_test(test_malloc_fails),
		cmocka_unit_test(test_python_encoder),
		cmocka_unit_test(test_random_streams),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
