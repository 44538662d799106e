/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * DNS messages (RFC 1035 4.1): the header and the question of one message, read from bytes
 * nobody vouches for, so that a query can be paired with its response and grouped by name and
 * type. Pure: no allocation, no state between calls; resource records are counted, not read.
 */
#ifndef SOCKEYE_DNS_MSG_H
#define SOCKEYE_DNS_MSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SE_DNS_HEADER_LEN 12
#define SE_DNS_NAME_MAX	  255 /* bytes of a name as kept (presentation form); longer is cut */

enum se_dns_parse {
	SE_DNS_OK = 0,
	SE_DNS_SHORT, /* fewer bytes than the header and the question need */
	/* not a well-formed DNS message (label, pointer, counts vs size, Z bit) */
	SE_DNS_MALFORMED,
	/* well-formed but not paired: opcode other than QUERY, or qdcount != 1 */
	SE_DNS_UNSUPPORTED,
};

struct se_dns_msg {
	uint16_t id;
	bool response;	/* QR */
	bool truncated; /* TC */
	uint8_t opcode;
	uint8_t rcode; /* the header's 4 bits (extended rcodes from EDNS are not read) */
	uint16_t qdcount, ancount, nscount, arcount;
	uint16_t qtype;
	uint16_t qclass;
	uint16_t name_len;		/* bytes in name, without the NUL */
	bool name_truncated;		/* the presentation form was longer than SE_DNS_NAME_MAX */
	char name[SE_DNS_NAME_MAX + 1]; /* NUL-terminated */
};

/* Parse the header and the (single) question of one DNS message of msg_len bytes (a UDP
 * datagram, or a TCP message without its 2-byte length prefix), of which the first len are at
 * buf (a capture may keep only a prefix; the record counts are checked against msg_len).
 * Reads only [buf, buf+len). SHORT: the header or question goes past len.
 *
 * The name is kept in presentation form: labels joined by '.', no trailing dot, the root as
 * ".", ASCII letters lowercased, '.' and '\' in a label escaped with a backslash and any byte
 * outside 0x21..0x7e as \DDD (as dig prints it). A form longer than SE_DNS_NAME_MAX is cut
 * before the first character or escape that does not fit, and the rest of the name is still
 * checked. On any result other than SE_DNS_OK the contents of *m are unspecified, except that
 * m->name is NUL-terminated within its array. */
enum se_dns_parse se_dns_parse(const uint8_t *buf, size_t len, size_t msg_len,
			       struct se_dns_msg *m);

/* The mnemonic of a query type ("A", "AAAA", "CNAME", "MX", "NS", "PTR", "SOA", "SRV", "TXT",
 * "ANY", "HTTPS", "SVCB", "CAA", "DS", "DNSKEY", "NAPTR", "OPT"...), or "TYPE<n>" (RFC 3597) for
 * others, written into buf (at least SE_DNS_QTYPE_STRLEN bytes). Returns buf. */
#define SE_DNS_QTYPE_STRLEN 12
const char *se_dns_qtype_format(uint16_t qtype, char *buf, size_t len);

#endif /* SOCKEYE_DNS_MSG_H */
