#!/usr/bin/env python3
"""Write the seed corpus of fuzz_dns (tests/fuzz/corpus/dns/).

Each seed is one DNS message as it travels in a UDP datagram (or in TCP without its 2-byte
length prefix), as fuzz_dns.c takes it: queries and responses of the common types as
resolvers and servers write them (EDNS, compressed names, NXDOMAIN, SERVFAIL, TC=1), names at
the parser's limits (63-byte labels, 255 bytes on the wire, 16 pointer hops, escapes, a
presentation form cut at 255), and malformed ones (pointer loops, forward pointers, pointers
into the header, extended label types, counts the size cannot hold, the Z bit, other opcodes).
Re-run after changing the seeds: python3 tests/fuzz/make_dns_corpus.py
Inputs the fuzzer found a bug with are added to the directory by hand, named crash-<what>.
"""
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "corpus", "dns")

QR, AA, TC, RD, RA, Z, AD, CD = 0x8000, 0x0400, 0x0200, 0x0100, 0x0080, 0x0040, 0x0020, 0x0010
NOERROR, SERVFAIL, NXDOMAIN, REFUSED = 0, 2, 3, 5
QUERY, STATUS, NOTIFY, UPDATE = 0, 2, 4, 5
A, NS, CNAME, SOA, PTR, MX, TXT, AAAA, SRV, NAPTR, OPT, DS, DNSKEY, SVCB, HTTPS, ANY, CAA = (
    1, 2, 5, 6, 12, 15, 16, 28, 33, 35, 41, 43, 48, 64, 65, 255, 257)
AXFR = 252
IN = 1
QUESTION = 12  # where the question's name starts


def header(ident, flags, qd=1, an=0, ns=0, ar=0, opcode=QUERY):
    return struct.pack(">HHHHHH", ident, flags | opcode << 11, qd, an, ns, ar)


def name(dotted):
    """A name as labels and the terminating zero ("" or "." is the root); bytes kept as they
    are, so a label may hold anything but '.'."""
    if isinstance(dotted, str):
        dotted = dotted.encode("latin-1")
    out = b""
    for label in dotted.split(b"."):
        if label:
            out += bytes([len(label)]) + label
    return out + b"\0"


def labels(*raw):
    """Labels given as bytes (any byte, '.' included) and the terminating zero."""
    return b"".join(bytes([len(x)]) + x for x in raw) + b"\0"


def ptr(offset):
    return struct.pack(">H", 0xC000 | offset)


def question(qname, qtype, qclass=IN):
    wire = qname if isinstance(qname, bytes) and qname.endswith(b"\0") else name(qname)
    return wire + struct.pack(">HH", qtype, qclass)


def rr(owner, rtype, rdata, ttl=300, rclass=IN):
    return owner + struct.pack(">HHIH", rtype, rclass, ttl, len(rdata)) + rdata


def character_string(s):
    return bytes([len(s)]) + s


def opt(udp_size=1232, do=False, options=b""):
    """The EDNS(0) pseudo-record (RFC 6891)."""
    return b"\0" + struct.pack(">HHIH", OPT, udp_size, 0x8000 if do else 0, len(options)) + options


COOKIE = struct.pack(">HH", 10, 8) + bytes.fromhex("24a7e0c2b1d8f3e5")  # client cookie


def query(ident, qname, qtype, flags=RD | AD, edns=True, **kw):
    ar = 1 if edns else 0
    return header(ident, flags, ar=ar, **kw) + question(qname, qtype) + (
        opt(options=COOKIE) if edns else b"")


def soa(mname_ptr, rname_ptr):
    return (b"\x02ns" + ptr(mname_ptr) + b"\x0ahostmaster" + ptr(rname_ptr)
            + struct.pack(">IIIII", 2024010101, 3600, 600, 86400, 60))


def chain(hops, qtype=AAAA):
    """A question name that is one label holding a zero byte and hops - 1 pointers, each to
    the one before, then a pointer to the last: hops jumps back into its own data."""
    m = hops - 1
    inner = b"\0" + b"".join(ptr(QUESTION + 1 if j == 1 else QUESTION + 2 + 2 * (j - 2))
                             for j in range(1, m + 1))
    last = QUESTION + 2 + 2 * (m - 1) if m else QUESTION + 1
    return header(0x4242, RD) + bytes([len(inner)]) + inner + ptr(last) + struct.pack(
        ">HH", qtype, IN)


SVC = "svc.test"
EX = "www.example.com"
# Offsets of names written earlier in a message, for pointers to them.
EX_DOMAIN = QUESTION + 4  # "example.com" in the question "www.example.com"
EX_END = QUESTION + 17 + 4  # the first record after the question "www.example.com"
SRV_SVC = QUESTION + 11  # "svc.test" in the question "_http._tcp.svc.test"
RR_DATA = 12  # from a record with a pointer as its owner to its data

SEEDS = {
    # queries, as stub resolvers send them
    "query_a_edns": query(0x1234, SVC, A),
    "query_aaaa_edns": query(0x1235, EX, AAAA),
    "query_a_plain": query(0x0001, SVC, A, edns=False),
    "query_mx": query(0x2001, "example.com", MX),
    "query_txt": query(0x2002, "_dmarc.example.com", TXT),
    "query_srv": query(0x2003, "_http._tcp.svc.test", SRV),
    "query_ptr": query(0x2004, "1.0.0.127.in-addr.arpa", PTR),
    "query_ns_root": query(0x2005, "", NS),
    "query_soa": query(0x2006, "example.com", SOA),
    "query_https": query(0x2007, EX, HTTPS),
    "query_svcb": query(0x2008, "_dns.resolver.arpa", SVCB),
    "query_caa": query(0x2009, "example.com", CAA),
    "query_naptr": query(0x200A, "4.3.2.1.5.5.5.0.0.8.1.e164.arpa", NAPTR),
    "query_dnskey_do": header(0x200B, RD | CD, ar=1) + question("example.com", DNSKEY)
    + opt(4096, do=True),
    "query_ds": query(0x200C, "example.com", DS),
    "query_any": query(0x200D, "example.com", ANY),
    "query_type65280": query(0x200E, SVC, 65280),
    "query_mixed_case": query(0x200F, "WwW.ExAmPlE.CoM", A),
    "query_axfr_tcp": query(0x2010, "example.com", AXFR, flags=0, edns=False),
    # responses
    "response_a_two": header(0x1234, QR | RD | RA, an=2, ar=1) + question(SVC, A)
    + rr(ptr(QUESTION), A, bytes([10, 0, 0, 7]), 30)
    + rr(ptr(QUESTION), A, bytes([10, 0, 0, 8]), 30) + opt(),
    "response_aaaa": header(0x1235, QR | RD | RA, an=1) + question(EX, AAAA)
    + rr(ptr(QUESTION), AAAA, bytes.fromhex("20010db8000000000000000000000001")),
    "response_cname_chain": header(0x3001, QR | RD | RA, an=2) + question(EX, A)
    + rr(ptr(QUESTION), CNAME, b"\x03cdn" + ptr(EX_DOMAIN))
    + rr(ptr(EX_END + RR_DATA), A, bytes([93, 184, 216, 34])),
    "response_mx": header(0x2001, QR | RD | RA, an=2) + question("example.com", MX)
    + rr(ptr(QUESTION), MX, struct.pack(">H", 10) + b"\x04mail" + ptr(QUESTION))
    + rr(ptr(QUESTION), MX, struct.pack(">H", 20) + b"\x05mail2" + ptr(QUESTION)),
    "response_txt": header(0x2002, QR | RD | RA, an=1) + question("_dmarc.example.com", TXT)
    + rr(ptr(QUESTION), TXT, character_string(b"v=DMARC1; p=reject; pct=100")),
    "response_srv": header(0x2003, QR | AA | RD, an=1, ar=1) + question("_http._tcp.svc.test", SRV)
    + rr(ptr(QUESTION), SRV, struct.pack(">HHH", 0, 5, 8080) + b"\x04node" + ptr(SRV_SVC))
    + rr(b"\x04node" + ptr(SRV_SVC), A, bytes([10, 1, 2, 3])),
    "response_ptr": header(0x2004, QR | RD | RA, an=1) + question("1.0.0.127.in-addr.arpa", PTR)
    + rr(ptr(QUESTION), PTR, name("localhost")),
    "response_nxdomain_soa": header(0x3002, QR | RD | RA | NXDOMAIN, ns=1)
    + question("missing.svc.test", A) + rr(ptr(QUESTION + 8), SOA, soa(QUESTION + 8, QUESTION + 8),
                                           60),
    "response_nodata_soa": header(0x3003, QR | AA | RD | RA, ns=1) + question(SVC, AAAA)
    + rr(ptr(QUESTION), SOA, soa(QUESTION, QUESTION), 60),
    "response_servfail": header(0x3004, QR | RD | RA | SERVFAIL, ar=1) + question(SVC, A)
    + opt(options=struct.pack(">HHH", 15, 2, 22)),  # extended DNS error: no reachable authority
    "response_refused": header(0x3005, QR | RD | REFUSED) + question("example.com", ANY),
    "response_truncated": header(0x3006, QR | TC | RD | RA, ar=1) + question("big.svc.test", TXT)
    + opt(),
    "response_glue": header(0x3007, QR | RD, ns=2, ar=2) + question("example.com", NS)
    + rr(ptr(QUESTION), NS, b"\x02a1" + ptr(QUESTION))
    + rr(ptr(QUESTION), NS, b"\x02a2" + ptr(QUESTION))
    + rr(ptr(QUESTION + 13 + 4 + RR_DATA), A, bytes([192, 0, 2, 1]))
    + rr(ptr(QUESTION + 13 + 4 + RR_DATA + 5 + RR_DATA), A, bytes([192, 0, 2, 2])),
    # names at the limits
    "name_root": query(0x4001, "", NS, edns=False),
    "name_label_63": query(0x4002, "x" * 63 + ".test", A),
    "name_wire_255": header(0x4003, RD) + question(labels(*[b"a" * 63] * 3, b"a" * 61), A),
    "name_escapes": header(0x4004, RD) + question(labels(b"a.b", b"a\\b", b"a b", b"\xff", b"\0"),
                                                  A),
    "name_cut_ff": header(0x4005, QR, an=1) + question(labels(*[b"\xff" * 63] * 3, b"\xff" * 61),
                                                       AAAA)
    + rr(ptr(QUESTION), AAAA, bytes(16)),
    "name_cut_mixed": header(0x4006, RD) + question(labels(b"\xff" * 63, b"abc", b"x"), A),
    # 252 bytes of \255, then: "\." with one byte left; the '.' after "ab" with none left
    "name_cut_escape": header(0x4007, RD) + question(labels(b"\xff" * 63, b"a.", b"b"), A),
    "name_cut_dot": header(0x4008, RD) + question(labels(b"\xff" * 63, b"ab", b"x"), A),
    "name_chain_1": chain(1),
    "name_chain_16": chain(16),
    # malformed
    "bad_chain_17": chain(17),
    "bad_pointer_self": header(0x5001, RD) + b"\x01a" + ptr(QUESTION + 2) + struct.pack(">HH", A, IN),
    "bad_pointer_loop": header(0x5002, RD) + b"\x01a" + ptr(QUESTION) + struct.pack(">HH", A, IN),
    "bad_pointer_forward": header(0x5003, RD) + ptr(QUESTION + 6) + struct.pack(">HH", A, IN)
    + name(SVC),
    "bad_pointer_header": header(0x5004, RD) + b"\x01a" + ptr(4) + struct.pack(">HH", A, IN),
    "bad_label_64": header(0x5005, RD) + bytes([64]) + b"y" * 64 + name("test") + struct.pack(
        ">HH", A, IN),
    "bad_label_0x80": header(0x5006, RD) + b"\x03svc\x80" + name("test") + struct.pack(">HH", A, IN),
    "bad_wire_256": header(0x5007, RD) + question(labels(*[b"a" * 63] * 3, b"a" * 62), A),
    "bad_counts": header(0x5008, QR, an=3) + question(SVC, A) + rr(ptr(QUESTION), A, bytes(4)),
    "bad_counts_max": header(0x5009, QR, an=0xFFFF, ns=0xFFFF, ar=0xFFFF) + question(SVC, A),
    "bad_z_bit": query(0x500A, SVC, A, flags=RD | Z),
    "unsupported_status": header(0x500B, 0, qd=0, opcode=STATUS),
    "unsupported_notify": header(0x500C, AA, opcode=NOTIFY) + question("example.com", SOA),
    "unsupported_update": header(0x500D, 0, qd=1, ns=1, opcode=UPDATE) + question("example.com", SOA)
    + rr(name("new.example.com"), A, bytes([192, 0, 2, 9])),
    "unsupported_qdcount_0": header(0x500E, QR | REFUSED, qd=0),
    "unsupported_qdcount_2": header(0x500F, RD, qd=2) + question(SVC, A) + question(EX, AAAA),
    "short_header": header(0x5010, RD)[:7],
    "short_question": query(0x5011, SVC, A)[:QUESTION + 7],
    "short_pointer": header(0x5012, RD) + b"\x01a\xc0",
    "short_qtype": header(0x5013, RD) + name(SVC) + b"\x00",
}


def main():
    os.makedirs(OUT, exist_ok=True)
    for seed_name, data in SEEDS.items():
        with open(os.path.join(OUT, seed_name), "wb") as f:
            f.write(data)


if __name__ == "__main__":
    main()
