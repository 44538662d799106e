// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Unit tests of the DNS header and question parser (src/proto/dns/dns_msg.c). Messages are
 * built byte by byte as resolvers and servers send them; each parse reads from a heap copy of
 * exactly the length given, so AddressSanitizer reports any read past it, and the result is
 * poisoned beforehand so a field the parser forgets to set shows.
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

#include "proto/dns/dns_msg.h"

#define MSG_MAX 2048

/* Header flags as the tests write them. */
#define QR	  0x8000
#define AA	  0x0400
#define TC	  0x0200
#define RD	  0x0100
#define RA	  0x0080
#define Z	  0x0040
#define AD	  0x0020
#define CD	  0x0010
#define OPCODE(o) ((o) << 11)

#define T_A	 1
#define T_NS	 2
#define T_SOA	 6
#define T_AAAA	 28
#define T_OPT	 41
#define C_IN	 1
#define QUESTION 12 /* where the question starts */

struct msg {
	uint8_t b[MSG_MAX];
	size_t n;
};

static void put8(struct msg *w, uint8_t v)
{
	assert_true(w->n < MSG_MAX);
	w->b[w->n++] = v;
}

static void put16(struct msg *w, uint16_t v)
{
	put8(w, (uint8_t)(v >> 8));
	put8(w, (uint8_t)v);
}

static void put32(struct msg *w, uint32_t v)
{
	put16(w, (uint16_t)(v >> 16));
	put16(w, (uint16_t)v);
}

static void put_bytes(struct msg *w, const void *p, size_t n)
{
	assert_true(w->n + n <= MSG_MAX);
	memcpy(w->b + w->n, p, n);
	w->n += n;
}

static void put_label(struct msg *w, const void *p, size_t n)
{
	put8(w, (uint8_t)n);
	put_bytes(w, p, n);
}

/* A dotted name as labels and the terminating zero ("" is the root). No escapes. */
static void put_name(struct msg *w, const char *dotted)
{
	while (*dotted) {
		const char *dot = strchr(dotted, '.');
		size_t n = dot ? (size_t)(dot - dotted) : strlen(dotted);

		put_label(w, dotted, n);
		dotted += n + (dot ? 1 : 0);
	}
	put8(w, 0);
}

static void put_header(struct msg *w, uint16_t id, uint16_t flags, uint16_t qd, uint16_t an,
		       uint16_t ns, uint16_t ar)
{
	w->n = 0;
	put16(w, id);
	put16(w, flags);
	put16(w, qd);
	put16(w, an);
	put16(w, ns);
	put16(w, ar);
}

static void put_question(struct msg *w, const char *name, uint16_t type, uint16_t cls)
{
	put_name(w, name);
	put16(w, type);
	put16(w, cls);
}

/* The EDNS(0) OPT pseudo-record (RFC 6891) a resolver adds: root name, UDP payload size. */
static void put_opt(struct msg *w, uint16_t udp_size)
{
	put8(w, 0);
	put16(w, T_OPT);
	put16(w, udp_size);
	put32(w, 0); /* extended rcode, version, DO bit */
	put16(w, 0);
}

/* Parse the first len bytes of w from a heap block of exactly that size. */
static enum se_dns_parse parse_n(const struct msg *w, size_t len, struct se_dns_msg *m)
{
	uint8_t *copy = malloc(len ? len : 1);
	enum se_dns_parse r;

	assert_non_null(copy);
	memcpy(copy, w->b, len);
	memset(m, 'X', sizeof(*m));
	r = se_dns_parse(copy, len, len, m);
	free(copy);
	assert_non_null(memchr(m->name, '\0', sizeof(m->name)));
	return r;
}

static enum se_dns_parse parse(const struct msg *w, struct se_dns_msg *m)
{
	return parse_n(w, w->n, m);
}

static void assert_name(const struct se_dns_msg *m, const char *want)
{
	assert_string_equal(m->name, want);
	assert_int_equal(m->name_len, strlen(want));
	assert_false(m->name_truncated);
}

/* Every prefix shorter than the question is SHORT, longer ones are MALFORMED (too small for
 * the records counted) until ok_from bytes, and OK from there. */
static void assert_prefixes(const struct msg *w, size_t question_end, size_t ok_from)
{
	struct se_dns_msg m;

	for (size_t k = 0; k <= w->n; k++) {
		enum se_dns_parse want = k < question_end ? SE_DNS_SHORT
					 : k < ok_from	  ? SE_DNS_MALFORMED
							  : SE_DNS_OK;
		enum se_dns_parse got = parse_n(w, k, &m);

		if (got != want)
			fail_msg("prefix of %zu bytes of %zu: %d, want %d", k, w->n, (int)got,
				 (int)want);
	}
}

/* ---- real messages ---------------------------------------------------------------------- */

static void test_a_query_edns(void **state)
{
	struct msg w;
	struct se_dns_msg m;
	size_t question_end;

	put_header(&w, 0xbeef, RD | AD, 1, 0, 0, 1);
	put_question(&w, "svc.test", T_A, C_IN);
	question_end = w.n;
	put_opt(&w, 1232);
	assert_int_equal(question_end, QUESTION + 10 + 4);
	assert_int_equal(w.n, question_end + 11);

	assert_int_equal(parse(&w, &m), SE_DNS_OK);
	assert_int_equal(m.id, 0xbeef);
	assert_false(m.response);
	assert_false(m.truncated);
	assert_int_equal(m.opcode, 0);
	assert_int_equal(m.rcode, 0);
	assert_int_equal(m.qdcount, 1);
	assert_int_equal(m.ancount, 0);
	assert_int_equal(m.nscount, 0);
	assert_int_equal(m.arcount, 1);
	assert_int_equal(m.qtype, T_A);
	assert_int_equal(m.qclass, C_IN);
	assert_name(&m, "svc.test");

	/* Cut anywhere in the header or question: SHORT; in the OPT record: too small for it. */
	assert_prefixes(&w, question_end, w.n);
}

static void test_aaaa_answer_compressed(void **state)
{
	static const uint8_t addr[16] = { 0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 7 };
	struct msg w;
	struct se_dns_msg m;
	size_t question_end;

	put_header(&w, 0x0102, QR | AA | RD | RA, 1, 1, 0, 0);
	put_question(&w, "svc.test", T_AAAA, C_IN);
	question_end = w.n;
	put16(&w, 0xc000 | QUESTION); /* the answer's owner: the question's name */
	put16(&w, T_AAAA);
	put16(&w, C_IN);
	put32(&w, 300);
	put16(&w, sizeof(addr));
	put_bytes(&w, addr, sizeof(addr));

	assert_int_equal(parse(&w, &m), SE_DNS_OK);
	assert_int_equal(m.id, 0x0102);
	assert_true(m.response);
	assert_false(m.truncated);
	assert_int_equal(m.rcode, 0);
	assert_int_equal(m.ancount, 1);
	assert_int_equal(m.qtype, T_AAAA);
	assert_name(&m, "svc.test");
	/* 11 bytes of the answer are enough for the count check; fewer are not. */
	assert_int_equal(parse_n(&w, question_end + 11, &m), SE_DNS_OK);
	assert_int_equal(parse_n(&w, question_end + 10, &m), SE_DNS_MALFORMED);
	assert_prefixes(&w, question_end, question_end + 11);
}

static void test_nxdomain_soa(void **state)
{
	struct msg w;
	struct se_dns_msg m;
	size_t rdlen_at;
	const uint16_t svc = QUESTION + 8; /* "svc.test" within "missing.svc.test" */

	put_header(&w, 7, QR | RD | RA | 3, 1, 0, 1, 0);
	put_question(&w, "missing.svc.test", T_A, C_IN);
	put16(&w, 0xc000 | svc);
	put16(&w, T_SOA);
	put16(&w, C_IN);
	put32(&w, 60);
	rdlen_at = w.n;
	put16(&w, 0);
	put_label(&w, "ns", 2);
	put16(&w, 0xc000 | svc);
	put_label(&w, "hostmaster", 10);
	put16(&w, 0xc000 | svc);
	put32(&w, 2024010101);
	put32(&w, 3600);
	put32(&w, 600);
	put32(&w, 86400);
	put32(&w, 60);
	w.b[rdlen_at] = (uint8_t)((w.n - rdlen_at - 2) >> 8);
	w.b[rdlen_at + 1] = (uint8_t)(w.n - rdlen_at - 2);

	assert_int_equal(parse(&w, &m), SE_DNS_OK);
	assert_true(m.response);
	assert_int_equal(m.rcode, 3);
	assert_int_equal(m.nscount, 1);
	assert_int_equal(m.qtype, T_A);
	assert_name(&m, "missing.svc.test");

	/* SERVFAIL, no records */
	put_header(&w, 8, QR | RD | RA | 2, 1, 0, 0, 0);
	put_question(&w, "svc.test", T_A, C_IN);
	assert_int_equal(parse(&w, &m), SE_DNS_OK);
	assert_int_equal(m.rcode, 2);
}

static void test_tc_bit(void **state)
{
	struct msg w;
	struct se_dns_msg m;

	put_header(&w, 9, QR | TC | RD | RA, 1, 0, 0, 0);
	put_question(&w, "big.svc.test", 16 /* TXT */, C_IN);
	assert_int_equal(parse(&w, &m), SE_DNS_OK);
	assert_true(m.truncated);
	assert_true(m.response);
	assert_int_equal(m.qtype, 16);

	put_header(&w, 9, RD, 1, 0, 0, 0);
	put_question(&w, "big.svc.test", 16, C_IN);
	assert_int_equal(parse(&w, &m), SE_DNS_OK);
	assert_false(m.truncated);
}

static void test_uppercase_lowered(void **state)
{
	struct msg w;
	struct se_dns_msg m;

	put_header(&w, 1, RD, 1, 0, 0, 0);
	put_question(&w, "WWW.Example.COM", T_A, C_IN);
	assert_int_equal(parse(&w, &m), SE_DNS_OK);
	assert_name(&m, "www.example.com");

	/* Only ASCII: a Latin-1 capital is a byte like any other. */
	put_header(&w, 1, RD, 1, 0, 0, 0);
	put_question(&w, "Z\xc9Z", T_A, C_IN);
	assert_int_equal(parse(&w, &m), SE_DNS_OK);
	assert_name(&m, "z\\201z");
}

static void test_root(void **state)
{
	struct msg w;
	struct se_dns_msg m;

	put_header(&w, 1, RD, 1, 0, 0, 0);
	put_question(&w, "", T_NS, C_IN);
	assert_int_equal(w.n, QUESTION + 1 + 4);
	assert_int_equal(parse(&w, &m), SE_DNS_OK);
	assert_name(&m, ".");
	assert_int_equal(m.name_len, 1);
	assert_int_equal(m.qtype, T_NS);
	assert_prefixes(&w, w.n, w.n);
}

/* ---- header ----------------------------------------------------------------------------- */

static void test_header_short(void **state)
{
	struct msg w;
	struct se_dns_msg m;

	put_header(&w, 1, RD | Z, 0, 0, 0, 0); /* whatever the bytes say */
	for (size_t k = 0; k < SE_DNS_HEADER_LEN; k++) {
		assert_int_equal(parse_n(&w, k, &m), SE_DNS_SHORT);
		assert_string_equal(m.name, "");
	}
}

static void test_z_bit(void **state)
{
	struct msg w;
	struct se_dns_msg m;

	put_header(&w, 1, RD | Z, 1, 0, 0, 0);
	put_question(&w, "svc.test", T_A, C_IN);
	assert_int_equal(parse(&w, &m), SE_DNS_MALFORMED);
	put_header(&w, 1, QR | RA | Z, 1, 0, 0, 0);
	put_question(&w, "svc.test", T_A, C_IN);
	assert_int_equal(parse(&w, &m), SE_DNS_MALFORMED);
	/* AD and CD were Z bits once (RFC 4035): they are not any more. */
	put_header(&w, 1, RD | AD | CD, 1, 0, 0, 0);
	put_question(&w, "svc.test", T_A, C_IN);
	assert_int_equal(parse(&w, &m), SE_DNS_OK);
}

static void test_opcodes(void **state)
{
	static const uint16_t opcodes[] = { 1, 2 /* STATUS */, 4 /* NOTIFY */, 5 /* UPDATE */, 15 };
	struct msg w;
	struct se_dns_msg m;

	for (size_t i = 0; i < sizeof(opcodes) / sizeof(opcodes[0]); i++) {
		put_header(&w, 1, OPCODE(opcodes[i]), 1, 0, 0, 0);
		put_question(&w, "svc.test", T_SOA, C_IN);
		assert_int_equal(parse(&w, &m), SE_DNS_UNSUPPORTED);
		put_header(&w, 1, QR | OPCODE(opcodes[i]), 1, 0, 0, 0);
		put_question(&w, "svc.test", T_SOA, C_IN);
		assert_int_equal(parse(&w, &m), SE_DNS_UNSUPPORTED);
	}
	put_header(&w, 1, OPCODE(0), 1, 0, 0, 0);
	put_question(&w, "svc.test", T_SOA, C_IN);
	assert_int_equal(parse(&w, &m), SE_DNS_OK);
	assert_int_equal(m.opcode, 0);
}

static void test_qdcount(void **state)
{
	struct msg w;
	struct se_dns_msg m;

	put_header(&w, 1, RD, 0, 0, 0, 0);
	assert_int_equal(parse(&w, &m), SE_DNS_UNSUPPORTED); /* nothing else needed */
	put_header(&w, 1, QR, 0, 0, 0, 0);
	put_opt(&w, 512);
	assert_int_equal(parse(&w, &m), SE_DNS_UNSUPPORTED);
	put_header(&w, 1, RD, 2, 0, 0, 0);
	put_question(&w, "a.test", T_A, C_IN);
	put_question(&w, "b.test", T_A, C_IN);
	assert_int_equal(parse(&w, &m), SE_DNS_UNSUPPORTED);
	put_header(&w, 1, RD, 0xffff, 0, 0, 0);
	assert_int_equal(parse(&w, &m), SE_DNS_UNSUPPORTED);
}

/* ---- counts against size ---------------------------------------------------------------- */

static void test_counts_vs_size(void **state)
{
	struct msg w;
	struct se_dns_msg m;
	size_t question_end;

	put_header(&w, 1, QR, 1, 1, 1, 1);
	put_question(&w, "svc.test", T_A, C_IN);
	question_end = w.n;
	memset(w.b + w.n, 0, 3 * 11);
	w.n += 3 * 11;
	assert_int_equal(parse(&w, &m), SE_DNS_OK);
	assert_int_equal(parse_n(&w, w.n - 1, &m), SE_DNS_MALFORMED);
	assert_int_equal(parse_n(&w, question_end, &m), SE_DNS_MALFORMED);

	/* the largest counts: no overflow in the product */
	put_header(&w, 1, QR, 1, 0xffff, 0xffff, 0xffff);
	put_question(&w, "svc.test", T_A, C_IN);
	memset(w.b + w.n, 0, 1000);
	w.n += 1000;
	assert_int_equal(parse(&w, &m), SE_DNS_MALFORMED);

	/* one count at a time */
	for (int which = 0; which < 3; which++) {
		put_header(&w, 1, QR, 1, which == 0 ? 2 : 0, which == 1 ? 2 : 0,
			   which == 2 ? 2 : 0);
		put_question(&w, "svc.test", T_A, C_IN);
		memset(w.b + w.n, 0, 22);
		w.n += 21;
		assert_int_equal(parse(&w, &m), SE_DNS_MALFORMED);
		w.n++;
		assert_int_equal(parse(&w, &m), SE_DNS_OK);
	}
}

/* A capture keeps the first bytes of a large answer: the counts are checked against the size
 * of the whole message, and the question is read from the prefix. */
static void test_prefix_of_a_large_answer(void **state)
{
	struct msg w;
	struct se_dns_msg m;
	size_t question_end;

	(void)state;
	put_header(&w, 9, QR, 1, 100, 0, 0);
	put_question(&w, "big.svc.test", T_A, C_IN);
	question_end = w.n;
	memset(w.b + w.n, 0, 100 * 16);
	w.n += 100 * 16; /* 100 A records of 16 bytes */
	assert_int_equal(se_dns_parse(w.b, 512, w.n, &m), SE_DNS_OK);
	assert_string_equal(m.name, "big.svc.test");
	assert_int_equal(m.ancount, 100);
	assert_int_equal(se_dns_parse(w.b, question_end, w.n, &m), SE_DNS_OK);
	assert_int_equal(se_dns_parse(w.b, question_end - 1, w.n, &m), SE_DNS_SHORT);
	/* taken for the whole message, the prefix cannot hold its records */
	assert_int_equal(se_dns_parse(w.b, 512, 512, &m), SE_DNS_MALFORMED);
	/* a size smaller than what is there is not believed */
	assert_int_equal(se_dns_parse(w.b, 512, 100, &m), SE_DNS_MALFORMED);
}

/* ---- labels ----------------------------------------------------------------------------- */

static void test_label_63_64(void **state)
{
	char label[65];
	struct msg w;
	struct se_dns_msg m;

	memset(label, 'x', sizeof(label));
	put_header(&w, 1, RD, 1, 0, 0, 0);
	put_label(&w, label, 63);
	put_name(&w, "test");
	put16(&w, T_A);
	put16(&w, C_IN);
	assert_int_equal(parse(&w, &m), SE_DNS_OK);
	assert_int_equal(m.name_len, 63 + 5);
	assert_memory_equal(m.name, label, 63);
	assert_string_equal(m.name + 63, ".test");

	put_header(&w, 1, RD, 1, 0, 0, 0);
	put_label(&w, label, 64); /* 0x40: an extended label type */
	put_name(&w, "test");
	put16(&w, T_A);
	put16(&w, C_IN);
	assert_int_equal(parse(&w, &m), SE_DNS_MALFORMED);
}

static void test_label_types(void **state)
{
	static const uint8_t kinds[] = { 0x40, 0x41, 0x7f, 0x80, 0x81, 0xbf };
	struct msg w;
	struct se_dns_msg m;

	for (size_t i = 0; i < sizeof(kinds); i++) {
		/* first, and after a label */
		put_header(&w, 1, RD, 1, 0, 0, 0);
		put8(&w, kinds[i]);
		put_name(&w, "test");
		put16(&w, T_A);
		put16(&w, C_IN);
		assert_int_equal(parse(&w, &m), SE_DNS_MALFORMED);

		put_header(&w, 1, RD, 1, 0, 0, 0);
		put_label(&w, "svc", 3);
		put8(&w, kinds[i]);
		put_name(&w, "test");
		put16(&w, T_A);
		put16(&w, C_IN);
		assert_int_equal(parse(&w, &m), SE_DNS_MALFORMED);
		/* a type byte as the last one is still MALFORMED, not SHORT */
		assert_int_equal(parse_n(&w, QUESTION + 5, &m), SE_DNS_MALFORMED);
	}
}

/* Labels of the given lengths (all of byte c) and the terminator: sum(1 + len) + 1 bytes. */
static void put_long_name(struct msg *w, const size_t *lens, size_t n, uint8_t c)
{
	uint8_t label[63];

	memset(label, c, sizeof(label));
	for (size_t i = 0; i < n; i++)
		put_label(w, label, lens[i]);
	put8(w, 0);
}

static void test_name_wire_255_256(void **state)
{
	static const size_t ok[] = { 63, 63, 63, 61 };	/* 3 * 64 + 62 + 1 = 255 */
	static const size_t bad[] = { 63, 63, 63, 62 }; /* 256 */
	static const size_t small[] = {
		1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
		1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
		1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
		1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
		1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1
	}; /* 127 labels: 255 */
	struct msg w;
	struct se_dns_msg m;

	put_header(&w, 1, RD, 1, 0, 0, 0);
	put_long_name(&w, ok, 4, 'a');
	assert_int_equal(w.n - QUESTION, 255);
	put16(&w, T_AAAA);
	put16(&w, C_IN);
	assert_int_equal(parse(&w, &m), SE_DNS_OK);
	assert_int_equal(m.name_len, 63 * 3 + 61 + 3);
	assert_false(m.name_truncated);
	assert_int_equal(m.qtype, T_AAAA);
	assert_prefixes(&w, w.n, w.n);

	put_header(&w, 1, RD, 1, 0, 0, 0);
	put_long_name(&w, bad, 4, 'a');
	put16(&w, T_AAAA);
	put16(&w, C_IN);
	assert_int_equal(parse(&w, &m), SE_DNS_MALFORMED);

	put_header(&w, 1, RD, 1, 0, 0, 0);
	put_long_name(&w, small, sizeof(small) / sizeof(small[0]), 'b');
	assert_int_equal(w.n - QUESTION, 255);
	put16(&w, T_A);
	put16(&w, C_IN);
	assert_int_equal(parse(&w, &m), SE_DNS_OK);
	assert_int_equal(m.name_len, 127 * 2 - 1);
	assert_false(m.name_truncated);

	/* one more one-byte label: 257 */
	put_header(&w, 1, RD, 1, 0, 0, 0);
	put_label(&w, "b", 1);
	put_long_name(&w, small, sizeof(small) / sizeof(small[0]), 'b');
	put16(&w, T_A);
	put16(&w, C_IN);
	assert_int_equal(parse(&w, &m), SE_DNS_MALFORMED);
}

/* ---- compression pointers --------------------------------------------------------------- */

static void question_tail(struct msg *w)
{
	put16(w, T_A);
	put16(w, C_IN);
	put_name(w, "pad.pad.pad.test"); /* bytes a forward pointer could land on */
}

static void test_pointer_bad(void **state)
{
	struct msg w;
	struct se_dns_msg m;

	/* to itself, first and after a label */
	put_header(&w, 1, RD, 1, 0, 0, 0);
	put16(&w, 0xc000 | QUESTION);
	question_tail(&w);
	assert_int_equal(parse(&w, &m), SE_DNS_MALFORMED);
	put_header(&w, 1, RD, 1, 0, 0, 0);
	put_label(&w, "a", 1);
	put16(&w, 0xc000 | (QUESTION + 2));
	question_tail(&w);
	assert_int_equal(parse(&w, &m), SE_DNS_MALFORMED);

	/* forward, onto a well-formed name */
	put_header(&w, 1, RD, 1, 0, 0, 0);
	put16(&w, 0xc000 | (QUESTION + 2 + 4));
	question_tail(&w);
	assert_int_equal(parse(&w, &m), SE_DNS_MALFORMED);
	put_header(&w, 1, RD, 1, 0, 0, 0);
	put_label(&w, "a", 1);
	put16(&w, 0xc000 | (QUESTION + 4 + 4));
	question_tail(&w);
	assert_int_equal(parse(&w, &m), SE_DNS_MALFORMED);
	/* far forward, past the end: MALFORMED as well, not SHORT */
	put_header(&w, 1, RD, 1, 0, 0, 0);
	put_label(&w, "a", 1);
	put16(&w, 0xc000 | 0x3fff);
	question_tail(&w);
	assert_int_equal(parse(&w, &m), SE_DNS_MALFORMED);

	/* into the header */
	for (uint16_t to = 0; to < QUESTION; to++) {
		put_header(&w, 1, RD, 1, 0, 0, 0);
		put_label(&w, "a", 1);
		put16(&w, 0xc000 | to);
		question_tail(&w);
		assert_int_equal(parse(&w, &m), SE_DNS_MALFORMED);
	}

	/* back to the name's start: a loop, ended by the hop bound */
	put_header(&w, 1, RD, 1, 0, 0, 0);
	put_label(&w, "a", 1);
	put16(&w, 0xc000 | QUESTION);
	question_tail(&w);
	assert_int_equal(parse(&w, &m), SE_DNS_MALFORMED);
	put_header(&w, 1, RD, 1, 0, 0, 0);
	put_label(&w, "a", 1);
	put_label(&w, "b", 1);
	put16(&w, 0xc000 | (QUESTION + 2));
	question_tail(&w);
	assert_int_equal(parse(&w, &m), SE_DNS_MALFORMED);
}

/*
 * The question's name may only point back into itself. This one is a single label whose data
 * is a zero byte (at QUESTION + 1) and m pointers, each to the one before it (the first to the
 * zero), followed by a pointer to the last of them: m + 1 hops to the end of the name.
 * The label's bytes go to label.
 */
static void put_chain_question(struct msg *w, unsigned int m, uint16_t qtype, uint8_t *label)
{
	size_t at = w->n, n = 0;

	assert_int_equal(at, QUESTION);
	put8(w, (uint8_t)(1 + 2 * m));
	label[n++] = 0;
	put8(w, 0);
	for (unsigned int j = 1; j <= m; j++) {
		uint16_t to = (uint16_t)(j == 1 ? at + 1 : at + 2 + 2 * (j - 2));

		put16(w, 0xc000 | to);
		label[n++] = 0xc0;
		label[n++] = (uint8_t)to;
	}
	put16(w, (uint16_t)(0xc000 | (m ? at + 2 + 2 * (m - 1) : at + 1)));
	put16(w, qtype);
	put16(w, C_IN);
}

/* The presentation form of one label, written here the plain way. */
static void present(const uint8_t *l, size_t n, char *out)
{
	for (size_t i = 0; i < n; i++) {
		if (l[i] < 0x21 || l[i] > 0x7e)
			out += sprintf(out, "\\%03u", l[i]);
		else if (l[i] == '.' || l[i] == '\\')
			out += sprintf(out, "\\%c", l[i]);
		else
			*out++ = (char)(l[i] >= 'A' && l[i] <= 'Z' ? l[i] + 32 : l[i]);
	}
	*out = '\0';
}

static void test_pointer_hops(void **state)
{
	uint8_t label[64];
	char want[4 * 64 + 1];
	struct msg w;
	struct se_dns_msg m;
	size_t question_end;

	for (unsigned int hops = 1; hops <= 17; hops++) {
		put_header(&w, 1, RD, 1, 1, 0, 0);
		put_chain_question(&w, hops - 1, T_AAAA, label);
		question_end = w.n;
		/* an answer whose owner points at the question, as servers write it */
		put16(&w, 0xc000 | QUESTION);
		put16(&w, T_AAAA);
		put16(&w, C_IN);
		put32(&w, 1);
		put16(&w, 0);
		if (hops > 16) {
			assert_int_equal(parse(&w, &m), SE_DNS_MALFORMED);
			continue;
		}
		assert_int_equal(parse(&w, &m), SE_DNS_OK);
		assert_int_equal(m.qtype, T_AAAA); /* read right after the first pointer */
		assert_int_equal(m.qclass, C_IN);
		present(label, 2 * hops - 1, want);
		assert_name(&m, want);
		assert_prefixes(&w, question_end, question_end + 11);
	}
}

/* ---- presentation form ------------------------------------------------------------------ */

static void test_escapes(void **state)
{
	static const struct {
		const char *label;
		const char *want;
	} cases[] = {
		{ "a.b", "a\\.b" },  { "a\\b", "a\\\\b" }, { "a b", "a\\032b" },
		{ "\xff", "\\255" }, { "\x7f", "\\127" },  { "!~", "!~" },
		{ "\t", "\\009" },   { "A_b-C", "a_b-c" }, { "\"(;@$)", "\"(;@$)" },
		{ "\x80", "\\128" },
	};
	struct msg w;
	struct se_dns_msg m;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		put_header(&w, 1, RD, 1, 0, 0, 0);
		put_label(&w, cases[i].label, strlen(cases[i].label));
		put8(&w, 0);
		put16(&w, T_A);
		put16(&w, C_IN);
		assert_int_equal(parse(&w, &m), SE_DNS_OK);
		assert_name(&m, cases[i].want);
	}
	/* a zero byte inside a label */
	put_header(&w, 1, RD, 1, 0, 0, 0);
	put_label(&w, "a\0b", 3);
	put8(&w, 0);
	put16(&w, T_A);
	put16(&w, C_IN);
	assert_int_equal(parse(&w, &m), SE_DNS_OK);
	assert_name(&m, "a\\000b");

	/* all of them in one name */
	put_header(&w, 1, RD, 1, 0, 0, 0);
	put_label(&w, "a.b", 3);
	put_label(&w, "a\\b", 3);
	put_label(&w, "a b", 3);
	put_label(&w, "\xff", 1);
	put8(&w, 0);
	put16(&w, T_A);
	put16(&w, C_IN);
	assert_int_equal(parse(&w, &m), SE_DNS_OK);
	assert_name(&m, "a\\.b.a\\\\b.a\\032b.\\255");
}

/* A question with the given labels and an answer after it, so the whole name must be read. */
static void put_cut_message(struct msg *w, const uint8_t *const *labels, const size_t *lens,
			    size_t n)
{
	put_header(w, 1, QR, 1, 1, 0, 0);
	for (size_t i = 0; i < n; i++)
		put_label(w, labels[i], lens[i]);
	put8(w, 0);
	put16(w, T_AAAA);
	put16(w, C_IN);
	put16(w, 0xc000 | QUESTION);
	put16(w, T_AAAA);
	put16(w, C_IN);
	put32(w, 1);
	put16(w, 0);
}

static void assert_cut(const struct se_dns_msg *m, size_t want_len, const char *want_end)
{
	size_t e = strlen(want_end);

	assert_true(m->name_truncated);
	assert_int_equal(m->name_len, want_len);
	assert_int_equal(strlen(m->name), want_len);
	assert_true(m->name_len <= SE_DNS_NAME_MAX);
	assert_string_equal(m->name + want_len - e, want_end);
	assert_int_equal(m->qtype, T_AAAA);
}

static void test_name_cut(void **state)
{
	uint8_t ff[63], mixed[63];
	const uint8_t *labels[4];
	size_t lens[4];
	char full[4 * 63 + 1];
	struct msg w;
	struct se_dns_msg m;

	memset(ff, 0xff, sizeof(ff));
	present(ff, 63, full); /* 252 bytes of \255 */

	/* labels full of 0xff: 252 bytes, '.', and the next \255 does not fit in the 2 left */
	labels[0] = labels[1] = labels[2] = labels[3] = ff;
	lens[0] = lens[1] = lens[2] = 63;
	lens[3] = 61;
	put_cut_message(&w, labels, lens, 4);
	assert_int_equal(parse(&w, &m), SE_DNS_OK);
	assert_cut(&m, 253, "\\255.");
	assert_memory_equal(m.name, full, 252);

	/* a cut between two escapes of one label: "a" and 62 \255 (249), '.', "a", \255 (255) */
	memset(mixed, 0xff, sizeof(mixed));
	mixed[0] = 'A';
	labels[0] = labels[1] = mixed;
	lens[0] = lens[1] = 63;
	put_cut_message(&w, labels, lens, 2);
	assert_int_equal(parse(&w, &m), SE_DNS_OK);
	assert_cut(&m, 255, ".a\\255");

	/* \DDD does not fit in the 3 bytes left: "a" and 62 \255 (249), '.', "ab" (252) */
	labels[1] = (const uint8_t *)"ab\xff";
	lens[1] = 3;
	put_cut_message(&w, labels, lens, 2);
	assert_int_equal(parse(&w, &m), SE_DNS_OK);
	assert_cut(&m, 252, ".ab");

	/* exactly SE_DNS_NAME_MAX: not cut */
	labels[0] = ff;
	lens[0] = 63;
	labels[1] = (const uint8_t *)"ab";
	lens[1] = 2;
	put_cut_message(&w, labels, lens, 2);
	assert_int_equal(parse(&w, &m), SE_DNS_OK);
	assert_int_equal(m.name_len, SE_DNS_NAME_MAX);
	assert_false(m.name_truncated);
	assert_string_equal(m.name + 252, ".ab");

	/* one character more: cut between plain characters */
	labels[1] = (const uint8_t *)"abc";
	lens[1] = 3;
	put_cut_message(&w, labels, lens, 2);
	assert_int_equal(parse(&w, &m), SE_DNS_OK);
	assert_cut(&m, 255, ".ab");

	/* "\." does not fit in the one byte left */
	labels[1] = (const uint8_t *)"a.";
	lens[1] = 2;
	put_cut_message(&w, labels, lens, 2);
	assert_int_equal(parse(&w, &m), SE_DNS_OK);
	assert_cut(&m, 254, ".a");

	/* the '.' before the next label does not fit: nothing after it is written */
	labels[1] = (const uint8_t *)"ab";
	lens[1] = 2;
	labels[2] = (const uint8_t *)"x";
	lens[2] = 1;
	put_cut_message(&w, labels, lens, 3);
	assert_int_equal(parse(&w, &m), SE_DNS_OK);
	assert_cut(&m, 255, ".ab");

	/* the '.' fits, the label after it does not; nor does the shorter one after that */
	labels[1] = (const uint8_t *)"m";
	lens[1] = 1;
	labels[2] = ff;
	lens[2] = 1;
	labels[3] = (const uint8_t *)"x";
	lens[3] = 1;
	put_cut_message(&w, labels, lens, 4);
	assert_int_equal(parse(&w, &m), SE_DNS_OK);
	assert_cut(&m, 255, "\\255.m.");

	/* still checked after the cut */
	put_header(&w, 1, RD, 1, 0, 0, 0);
	put_label(&w, ff, 63);
	put_label(&w, ff, 63);
	put8(&w, 0x80);
	assert_int_equal(parse(&w, &m), SE_DNS_MALFORMED);
	put_header(&w, 1, RD, 1, 0, 0, 0);
	put_label(&w, ff, 63);
	put_label(&w, ff, 63);
	put_label(&w, ff, 63);
	put_label(&w, ff, 62); /* 256 on the wire */
	put8(&w, 0);
	put16(&w, T_A);
	put16(&w, C_IN);
	assert_int_equal(parse(&w, &m), SE_DNS_MALFORMED);
}

/* ---- query types ------------------------------------------------------------------------ */

static void test_qtype_format(void **state)
{
	static const struct {
		uint16_t type;
		const char *want;
	} cases[] = {
		{ 1, "A" },
		{ 2, "NS" },
		{ 5, "CNAME" },
		{ 6, "SOA" },
		{ 12, "PTR" },
		{ 15, "MX" },
		{ 16, "TXT" },
		{ 28, "AAAA" },
		{ 33, "SRV" },
		{ 35, "NAPTR" },
		{ 41, "OPT" },
		{ 43, "DS" },
		{ 48, "DNSKEY" },
		{ 51, "NSEC3PARAM" },
		{ 64, "SVCB" },
		{ 65, "HTTPS" },
		{ 255, "ANY" },
		{ 257, "CAA" },
		{ 0, "TYPE0" },
		{ 3, "TYPE3" },
		{ 54, "TYPE54" },
		{ 65280, "TYPE65280" },
		{ 65535, "TYPE65535" },
		{ 32769, "DLV" },
	};
	char buf[SE_DNS_QTYPE_STRLEN];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memset(buf, 'X', sizeof(buf));
		assert_ptr_equal(se_dns_qtype_format(cases[i].type, buf, sizeof(buf)), buf);
		assert_string_equal(buf, cases[i].want);
	}
	/* every value fits */
	for (uint32_t t = 0; t <= 0xffff; t++) {
		memset(buf, 'X', sizeof(buf));
		se_dns_qtype_format((uint16_t)t, buf, sizeof(buf));
		assert_non_null(memchr(buf, '\0', sizeof(buf)));
		assert_true(buf[0] != '\0');
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_a_query_edns),
		cmocka_unit_test(test_aaaa_answer_compressed),
		cmocka_unit_test(test_nxdomain_soa),
		cmocka_unit_test(test_tc_bit),
		cmocka_unit_test(test_uppercase_lowered),
		cmocka_unit_test(test_root),
		cmocka_unit_test(test_header_short),
		cmocka_unit_test(test_z_bit),
		cmocka_unit_test(test_opcodes),
		cmocka_unit_test(test_qdcount),
		cmocka_unit_test(test_counts_vs_size),
		cmocka_unit_test(test_prefix_of_a_large_answer),
		cmocka_unit_test(test_label_63_64),
		cmocka_unit_test(test_label_types),
		cmocka_unit_test(test_name_wire_255_256),
		cmocka_unit_test(test_pointer_bad),
		cmocka_unit_test(test_pointer_hops),
		cmocka_unit_test(test_escapes),
		cmocka_unit_test(test_name_cut),
		cmocka_unit_test(test_qtype_format),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
