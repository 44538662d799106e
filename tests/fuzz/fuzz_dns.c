// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * libFuzzer target for the DNS message parser (src/proto/dns/dns_msg.c). The input is one DNS
 * message, as a datagram carries it (or a TCP message without its length prefix), and is
 * parsed as it is, one byte shorter and one byte longer.
 *
 * Invariants checked, aborting on the first violation:
 *  - the status is one of the four; name is NUL-terminated within its array, and every byte
 *    before the NUL is printable (0x21..0x7e), not an ASCII capital, and each backslash starts
 *    a whole escape (\. \\ or \DDD with DDD <= 255), so a cut never splits one;
 *  - OK: strlen(name) == name_len <= SE_DNS_NAME_MAX; the name is cut only when the next
 *    piece did not fit (name_len > SE_DNS_NAME_MAX - 4); an uncut name reads back as labels
 *    of 1 to 63 bytes, at most 255 on the wire (or is the root "."); the header fields are
 *    the input's bytes, with opcode 0, qdcount 1 and no Z bit; the input holds the header,
 *    a name, qtype and qclass, and 11 bytes per record counted;
 *  - the same bytes parsed twice, into results filled with different garbage first, give the
 *    same status, and when OK the same fields and name;
 *  - a SHORT input is SHORT one byte shorter too; an OK input is OK one byte longer, with the
 *    same question (more bytes after the question only satisfy the counts more);
 *  - se_dns_qtype_format gives a non-empty NUL-terminated mnemonic or exactly "TYPE<n>".
 * The input is the libFuzzer buffer itself (exactly its size), so AddressSanitizer reports a
 * read past it. The same file builds the libFuzzer binary and, with replay_main.c, the corpus
 * replayer.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_check.h"
#include "proto/dns/dns_msg.h"

#define DNS_Z	      0x0040
#define DNS_LABEL_MAX 63
#define DNS_WIRE_MAX  255
#define DNS_RR_MIN    11
#define DNS_ESC_MAX   4 /* "\DDD" */
#define POISON_A      0xa5
#define POISON_B      0x5a

static uint16_t u16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/*
 * Check the presentation form byte by byte and read it back into labels; returns the number
 * of labels, their wire length in *wire (length bytes, data and the final zero). Only a cut
 * name may end in '.' (the separator fitted, the next label did not).
 */
static unsigned int check_name(const struct se_dns_msg *m, size_t n, bool cut, unsigned int *wire)
{
	unsigned int labels = 0, label_len = 0;

	*wire = 1;
	if (n == 1 && m->name[0] == '.')
		return 0;
	for (size_t i = 0; i < n; i++) {
		char c = m->name[i];

		CHECK(c >= 0x21 && c <= 0x7e);
		CHECK(!(c >= 'A' && c <= 'Z'));
		if (c == '.') {
			CHECK(label_len > 0 && label_len <= DNS_LABEL_MAX); /* no empty label */
			CHECK(i + 1 < n || cut);
			*wire += 1 + label_len;
			labels++;
			label_len = 0;
			continue;
		}
		if (c == '\\') {
			CHECK(i + 1 < n);
			if (m->name[i + 1] == '.' || m->name[i + 1] == '\\') {
				i++;
			} else {
				const char *d = m->name + i + 1;

				CHECK(i + 3 < n && is_digit(d[0]) && is_digit(d[1]) &&
				      is_digit(d[2]));
				CHECK((d[0] - '0') * 100 + (d[1] - '0') * 10 + (d[2] - '0') <= 255);
				i += 3;
			}
		}
		label_len++;
	}
	if (label_len) {
		CHECK(label_len <= DNS_LABEL_MAX);
		*wire += 1 + label_len;
		labels++;
	}
	return labels;
}

static void check_result(const uint8_t *data, size_t size, enum se_dns_parse r,
			 const struct se_dns_msg *m)
{
	const char *nul = memchr(m->name, '\0', sizeof(m->name));
	unsigned int wire, labels;
	size_t n;

	CHECK((unsigned int)r <= SE_DNS_UNSUPPORTED);
	CHECK(nul);
	n = (size_t)(nul - m->name);
	/* Short of OK, the name is whatever was read: checked like a cut one. */
	labels = check_name(m, n, r != SE_DNS_OK || m->name_truncated, &wire);
	if (r != SE_DNS_OK)
		return;
	CHECK(n == m->name_len && n <= SE_DNS_NAME_MAX && n > 0);
	CHECK(!m->name_truncated || n > SE_DNS_NAME_MAX - DNS_ESC_MAX);
	if (!m->name_truncated) {
		CHECK(wire <= DNS_WIRE_MAX);
		CHECK(labels || !strcmp(m->name, "."));
	}
	CHECK(size >= SE_DNS_HEADER_LEN + 1 + 4 +
			  DNS_RR_MIN * ((size_t)m->ancount + m->nscount + m->arcount));
	CHECK(m->id == u16(data));
	CHECK(m->response == !!(data[2] & 0x80));
	CHECK(m->opcode == 0 && !(data[2] & 0x78));
	CHECK(m->truncated == !!(data[2] & 0x02));
	CHECK(!(u16(data + 2) & DNS_Z));
	CHECK(m->rcode == (data[3] & 0x0f));
	CHECK(m->qdcount == 1 && u16(data + 4) == 1);
	CHECK(m->ancount == u16(data + 6) && m->nscount == u16(data + 8) &&
	      m->arcount == u16(data + 10));
}

static bool same_question(const struct se_dns_msg *a, const struct se_dns_msg *b)
{
	return a->id == b->id && a->response == b->response && a->truncated == b->truncated &&
	       a->opcode == b->opcode && a->rcode == b->rcode && a->qdcount == b->qdcount &&
	       a->ancount == b->ancount && a->nscount == b->nscount && a->arcount == b->arcount &&
	       a->qtype == b->qtype && a->qclass == b->qclass && a->name_len == b->name_len &&
	       a->name_truncated == b->name_truncated && !strcmp(a->name, b->name);
}

static void check_qtype(uint16_t qtype)
{
	char buf[SE_DNS_QTYPE_STRLEN], want[SE_DNS_QTYPE_STRLEN];

	memset(buf, 'X', sizeof(buf));
	CHECK(se_dns_qtype_format(qtype, buf, sizeof(buf)) == buf);
	CHECK(memchr(buf, '\0', sizeof(buf)) && buf[0]);
	if (!strncmp(buf, "TYPE", 4)) {
		snprintf(want, sizeof(want), "TYPE%u", (unsigned int)qtype);
		CHECK(!strcmp(buf, want));
		return;
	}
	for (const char *p = buf; *p; p++)
		CHECK((*p >= 'A' && *p <= 'Z') || is_digit(*p));
}

static struct se_dns_msg a, b, c;

/* The shortest prefix of a message that parses OK with the message's size given (the end of
 * its question), found by bisection: shorter prefixes are SHORT. */
static size_t a_question_end(const uint8_t *data, size_t size)
{
	size_t lo = SE_DNS_HEADER_LEN, hi = size;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		enum se_dns_parse r = se_dns_parse(data, mid, size, &c);

		CHECK(r == SE_DNS_OK || r == SE_DNS_SHORT);
		if (r == SE_DNS_OK)
			hi = mid;
		else
			lo = mid + 1;
	}
	return lo;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	enum se_dns_parse r, again;

	memset(&a, POISON_A, sizeof(a));
	memset(&b, POISON_B, sizeof(b));
	r = se_dns_parse(data, size, size, &a);
	check_result(data, size, r, &a);
	again = se_dns_parse(data, size, size, &b);
	CHECK(again == r);
	CHECK(!strcmp(a.name, b.name));
	if (r == SE_DNS_OK)
		CHECK(same_question(&a, &b));

	if (r == SE_DNS_SHORT && size) {
		memset(&c, POISON_A, sizeof(c));
		again = se_dns_parse(data, size - 1, size - 1, &c);
		check_result(data, size - 1, again, &c);
		CHECK(again == SE_DNS_SHORT);
	}
	if (r == SE_DNS_OK) {
		uint8_t *longer = malloc(size + 1);

		CHECK(longer);
		memcpy(longer, data, size);
		longer[size] = data[size - 1];
		memset(&c, POISON_B, sizeof(c));
		again = se_dns_parse(longer, size + 1, size + 1, &c);
		check_result(longer, size + 1, again, &c);
		CHECK(again == SE_DNS_OK && same_question(&a, &c));
		free(longer);
		check_qtype(a.qtype);
		/* a capture that kept only a prefix holding the question reads the same */
		memset(&c, POISON_A, sizeof(c));
		again = se_dns_parse(data, a_question_end(data, size), size, &c);
		CHECK(again == SE_DNS_OK && same_question(&a, &c));
	}
	if (size >= 2)
		check_qtype(u16(data));
	return 0;
}
