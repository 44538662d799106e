// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * DNS header and question parser (dns_msg.h). The packet is never trusted: every offset is
 * checked against len before the byte is read, and a compression pointer must go backwards,
 * stay out of the header and be one of at most SE_DNS_PTR_HOPS_MAX, so a name is read in a
 * bounded number of steps (the wire length bound caps the labels, the hop bound the jumps)
 * whatever the packet says.
 */
#include "proto/dns/dns_msg.h"

#include <stdio.h>
#include <string.h>

/* Header flags (RFC 1035 4.1.1). Z is the one reserved bit left once AD and CD took the
 * other two (RFC 6895 2); it must be zero. */
#define SE_DNS_FLAG_QR	    0x8000
#define SE_DNS_FLAG_TC	    0x0200
#define SE_DNS_FLAG_Z	    0x0040
#define SE_DNS_OPCODE_SHIFT 11
#define SE_DNS_OPCODE_MASK  0xf
#define SE_DNS_RCODE_MASK   0xf
#define SE_DNS_OPCODE_QUERY 0

/* Label length bytes (RFC 1035 4.1.4): the top two bits tell a label (00) from a pointer. */
#define SE_DNS_LABEL_KIND    0xc0
#define SE_DNS_LABEL_PTR     0xc0
#define SE_DNS_PTR_OFFSET    0x3fff
#define SE_DNS_PTR_HOPS_MAX  16
#define SE_DNS_NAME_WIRE_MAX 255 /* RFC 1035 3.1 */

/* qtype and qclass after the name. */
#define SE_DNS_QUESTION_TAIL 4
/* The smallest resource record: root name (1), type, class, TTL (4), rdlength, no data. */
#define SE_DNS_RR_MIN 11

/* Printable bytes a name shows as they are (\DDD outside, RFC 4343 2.1 / dig). */
#define SE_DNS_PRINT_MIN 0x21
#define SE_DNS_PRINT_MAX 0x7e
#define SE_DNS_ESC_DDD	 4 /* "\DDD" */

static inline uint16_t se_dns_u16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/*
 * Append one label in presentation form at m->name + m->name_len. Each byte gives one unit
 * (a character, "\." / "\\", or "\DDD") that is written whole or not at all; once one does
 * not fit nothing more is written, so what is kept is a prefix of the full form that ends on
 * a unit boundary.
 */
static void se_dns_put_label(struct se_dns_msg *m, const uint8_t *l, size_t n)
{
	char *o = m->name + m->name_len;
	char *end = m->name + SE_DNS_NAME_MAX;

	for (size_t i = 0; i < n; i++) {
		uint8_t c = l[i];

		if (c < SE_DNS_PRINT_MIN || c > SE_DNS_PRINT_MAX) {
			if (end - o < SE_DNS_ESC_DDD)
				goto cut;
			o[0] = '\\';
			o[1] = (char)('0' + c / 100);
			o[2] = (char)('0' + c / 10 % 10);
			o[3] = (char)('0' + c % 10);
			o += SE_DNS_ESC_DDD;
		} else if (c == '.' || c == '\\') {
			if (end - o < 2)
				goto cut;
			o[0] = '\\';
			o[1] = (char)c;
			o += 2;
		} else {
			if (o == end)
				goto cut;
			*o++ = (char)(c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c);
		}
	}
	m->name_len = (uint16_t)(o - m->name);
	return;
cut:
	m->name_len = (uint16_t)(o - m->name);
	m->name_truncated = true;
}

/* Like se_dns_put_label, for the '.' between labels (and the root's). */
static void se_dns_put_dot(struct se_dns_msg *m)
{
	if (m->name_len == SE_DNS_NAME_MAX)
		m->name_truncated = true;
	else
		m->name[m->name_len++] = '.';
}

/*
 * Read the question name, which starts right after the header. On SE_DNS_OK *end is the
 * offset of the byte after it (after its first pointer if it has one). The name's
 * presentation form goes to m (not NUL-terminated here).
 */
static enum se_dns_parse se_dns_name(const uint8_t *buf, size_t len, struct se_dns_msg *m,
				     size_t *end)
{
	size_t pos = SE_DNS_HEADER_LEN, after = 0;
	unsigned int hops = 0, wire = 0, labels = 0;

	for (;;) {
		uint8_t b;

		if (pos >= len)
			return SE_DNS_SHORT;
		b = buf[pos];
		if ((b & SE_DNS_LABEL_KIND) == SE_DNS_LABEL_PTR) {
			size_t to;

			if (len - pos < 2)
				return SE_DNS_SHORT;
			to = se_dns_u16(buf + pos) & SE_DNS_PTR_OFFSET;
			/* Backwards only: together with the hop bound, no loop runs for long. */
			if (to < SE_DNS_HEADER_LEN || to >= pos || ++hops > SE_DNS_PTR_HOPS_MAX)
				return SE_DNS_MALFORMED;
			if (!after)
				after = pos + 2;
			pos = to;
			continue;
		}
		if (b & SE_DNS_LABEL_KIND)
			return SE_DNS_MALFORMED; /* 01 and 10: extended label types, obsolete */
		if (!b)
			break;
		wire += 1u + b;
		/* + 1: the terminating zero still to come */
		if (wire + 1 > SE_DNS_NAME_WIRE_MAX)
			return SE_DNS_MALFORMED;
		if (len - pos - 1 < b)
			return SE_DNS_SHORT;
		if (labels++ && !m->name_truncated)
			se_dns_put_dot(m);
		if (!m->name_truncated)
			se_dns_put_label(m, buf + pos + 1, b);
		pos += 1u + b;
	}
	if (!labels)
		se_dns_put_dot(m); /* the root */
	*end = after ? after : pos + 1;
	return SE_DNS_OK;
}

enum se_dns_parse se_dns_parse(const uint8_t *buf, size_t len, size_t msg_len, struct se_dns_msg *m)
{
	enum se_dns_parse r;
	uint16_t flags;
	size_t pos = 0;
	uint32_t records;

	m->name[0] = '\0';
	m->name_len = 0;
	m->name_truncated = false;
	m->qtype = 0;
	m->qclass = 0;
	if (len < SE_DNS_HEADER_LEN)
		return SE_DNS_SHORT;
	m->id = se_dns_u16(buf);
	flags = se_dns_u16(buf + 2);
	m->qdcount = se_dns_u16(buf + 4);
	m->ancount = se_dns_u16(buf + 6);
	m->nscount = se_dns_u16(buf + 8);
	m->arcount = se_dns_u16(buf + 10);
	m->response = flags & SE_DNS_FLAG_QR;
	m->truncated = flags & SE_DNS_FLAG_TC;
	m->opcode = (uint8_t)(flags >> SE_DNS_OPCODE_SHIFT & SE_DNS_OPCODE_MASK);
	m->rcode = (uint8_t)(flags & SE_DNS_RCODE_MASK);
	if (flags & SE_DNS_FLAG_Z)
		return SE_DNS_MALFORMED;
	if (m->opcode != SE_DNS_OPCODE_QUERY || m->qdcount != 1)
		return SE_DNS_UNSUPPORTED;

	r = se_dns_name(buf, len, m, &pos);
	m->name[m->name_len] = '\0';
	if (r != SE_DNS_OK)
		return r;
	if (len - pos < SE_DNS_QUESTION_TAIL)
		return SE_DNS_SHORT;
	m->qtype = se_dns_u16(buf + pos);
	m->qclass = se_dns_u16(buf + pos + 2);
	pos += SE_DNS_QUESTION_TAIL;

	/* Counts no datagram of this size can hold: not DNS, or not from its start. */
	records = (uint32_t)m->ancount + m->nscount + m->arcount;
	if (msg_len < len || msg_len - pos < (size_t)records * SE_DNS_RR_MIN)
		return SE_DNS_MALFORMED;
	return SE_DNS_OK;
}

/* IANA "Resource Record (RR) TYPEs", sorted by value; 255 as dig prints it. */
static const struct {
	uint16_t type;
	char name[SE_DNS_QTYPE_STRLEN];
} se_dns_qtypes[] = {
	{ 1, "A" },	 { 2, "NS" },	       { 5, "CNAME" },	  { 6, "SOA" },
	{ 12, "PTR" },	 { 13, "HINFO" },      { 15, "MX" },	  { 16, "TXT" },
	{ 17, "RP" },	 { 18, "AFSDB" },      { 24, "SIG" },	  { 25, "KEY" },
	{ 28, "AAAA" },	 { 29, "LOC" },	       { 33, "SRV" },	  { 35, "NAPTR" },
	{ 36, "KX" },	 { 37, "CERT" },       { 39, "DNAME" },	  { 41, "OPT" },
	{ 42, "APL" },	 { 43, "DS" },	       { 44, "SSHFP" },	  { 45, "IPSECKEY" },
	{ 46, "RRSIG" }, { 47, "NSEC" },       { 48, "DNSKEY" },  { 49, "DHCID" },
	{ 50, "NSEC3" }, { 51, "NSEC3PARAM" }, { 52, "TLSA" },	  { 53, "SMIMEA" },
	{ 55, "HIP" },	 { 59, "CDS" },	       { 60, "CDNSKEY" }, { 61, "OPENPGPKEY" },
	{ 62, "CSYNC" }, { 63, "ZONEMD" },     { 64, "SVCB" },	  { 65, "HTTPS" },
	{ 99, "SPF" },	 { 108, "EUI48" },     { 109, "EUI64" },  { 249, "TKEY" },
	{ 250, "TSIG" }, { 251, "IXFR" },      { 252, "AXFR" },	  { 255, "ANY" },
	{ 256, "URI" },	 { 257, "CAA" },       { 32768, "TA" },	  { 32769, "DLV" },
};

const char *se_dns_qtype_format(uint16_t qtype, char *buf, size_t len)
{
	size_t lo = 0, hi = sizeof(se_dns_qtypes) / sizeof(se_dns_qtypes[0]);

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (se_dns_qtypes[mid].type == qtype) {
			snprintf(buf, len, "%s", se_dns_qtypes[mid].name);
			return buf;
		}
		if (se_dns_qtypes[mid].type < qtype)
			lo = mid + 1;
		else
			hi = mid;
	}
	snprintf(buf, len, "TYPE%u", (unsigned int)qtype); /* RFC 3597 5 */
	return buf;
}
