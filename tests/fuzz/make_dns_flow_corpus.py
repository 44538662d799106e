#!/usr/bin/env python3
"""Write the seed corpus of fuzz_dns_flow (tests/fuzz/corpus/dns_flow/).

Each seed is a list of chunks as fuzz_dns_flow.c reads them (a flag byte, a length, the
bytes): lookups over UDP (a query out, its answer in), glibc's A+AAAA pair under one id
answered in reverse order, a retry, an answer to nothing, a query left unanswered past the
time-out, and DNS over TCP with its 2-byte lengths split across chunks, pipelined, cut short
and closed with queries still waiting.
Re-run after changing the seeds: python3 tests/fuzz/make_dns_flow_corpus.py
"""
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "corpus", "dns_flow")

DGRAM, OUT_DIR, HALF, CLOSE = 0x80, 1, 2, 0x40
A, AAAA, TXT = 1, 28, 16


def sec(n):  # the clock advances n seconds (0-3) before the chunk
    return n << 2


def sock(k):  # socket or connection 0-3
    return k << 4


def name(dotted):
    return b"".join(bytes([len(x)]) + x.encode() for x in dotted.split(".") if x) + b"\0"


def msg(ident, qname, qtype, response=False, rcode=0, tc=False, answers=0):
    flags = (0x8180 if response else 0x0100) | rcode | (0x0200 if tc else 0)
    body = name(qname) + struct.pack(">HH", qtype, 1)
    for _ in range(answers):
        body += b"\xc0\x0c" + struct.pack(">HHIH", qtype, 1, 60, 4) + b"\x0a\x01\x02\x03"
    return struct.pack(">HHHHHH", ident, flags, 1, answers, 0, 0) + body


def chunk(flags, data):
    assert len(data) < 256
    return bytes([flags, len(data)]) + data


def tcp(m):
    return struct.pack(">H", len(m)) + m


SEEDS = {
    "udp_lookup": chunk(DGRAM | OUT_DIR, msg(1, "svc.test", A))
    + chunk(DGRAM, msg(1, "svc.test", A, True, answers=1)),
    "udp_a_aaaa_reversed": chunk(DGRAM | OUT_DIR, msg(7, "svc.test", A))
    + chunk(DGRAM | OUT_DIR, msg(7, "svc.test", AAAA))
    + chunk(DGRAM, msg(7, "svc.test", AAAA, True))
    + chunk(DGRAM, msg(7, "svc.test", A, True, answers=2)),
    "udp_retry_nxdomain": chunk(DGRAM | OUT_DIR, msg(2, "x.nx.test", A))
    + chunk(DGRAM | OUT_DIR | sec(1), msg(2, "x.nx.test", A))
    + chunk(DGRAM, msg(2, "x.nx.test", A, True, rcode=3))
    + chunk(DGRAM, msg(2, "x.nx.test", A, True, rcode=3)),
    "udp_unanswered": chunk(DGRAM | OUT_DIR, msg(3, "lost.test", A))
    + chunk(DGRAM | sec(3), msg(9, "other.test", A, True))
    + chunk(DGRAM | sec(3), b""),
    "udp_half_captured": chunk(DGRAM | OUT_DIR | HALF, msg(4, "a-long-name.svc.test", TXT))
    + chunk(DGRAM | HALF, msg(4, "a-long-name.svc.test", TXT, True, tc=True)),
    "udp_two_sockets": chunk(DGRAM | OUT_DIR | sock(1), msg(5, "svc.test", A))
    + chunk(DGRAM | OUT_DIR | sock(2), msg(5, "svc.test", A))
    + chunk(DGRAM | sock(2), msg(5, "svc.test", A, True, rcode=2))
    + chunk(DGRAM | sock(1), msg(5, "svc.test", A, True)),
    "tcp_split_length": chunk(OUT_DIR, tcp(msg(6, "svc.test", A))[:1])
    + chunk(OUT_DIR, tcp(msg(6, "svc.test", A))[1:])
    + chunk(0, tcp(msg(6, "svc.test", A, True, answers=1))[:9])
    + chunk(0 | CLOSE, tcp(msg(6, "svc.test", A, True, answers=1))[9:]),
    "tcp_pipelined": chunk(OUT_DIR | sock(3),
                           tcp(msg(10, "a.svc.test", A)) + tcp(msg(11, "b.svc.test", A)))
    + chunk(sock(3), tcp(msg(11, "b.svc.test", A, True)) + tcp(msg(10, "a.svc.test", A, True))),
    "tcp_closed_waiting": chunk(OUT_DIR | CLOSE, tcp(msg(12, "svc.test", A))),
    "tcp_cut_and_zero": chunk(OUT_DIR | HALF, tcp(msg(13, "svc.test", A)))
    + chunk(OUT_DIR, b"\x00\x00" + tcp(msg(14, "svc.test", A))),
}


def main():
    os.makedirs(OUT, exist_ok=True)
    for old in os.listdir(OUT):
        if not old.startswith("crash-"):
            os.remove(os.path.join(OUT, old))
    for seed, data in SEEDS.items():
        with open(os.path.join(OUT, seed), "wb") as f:
            f.write(data)


if __name__ == "__main__":
    main()
