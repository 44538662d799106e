#!/usr/bin/env python3
"""Write the seed corpus of fuzz_hpack (tests/fuzz/corpus/hpack/).

Each seed is what fuzz_hpack.c reads: a configuration byte (budget of the poor decoder, where
its callback stops, a first SETTINGS_HEADER_TABLE_SIZE), then operations: 0xfe, a 16-bit
length and a header block; 0xfd and a 32-bit value, a new limit; 0xfc, a lost block. The
blocks are RFC 7541 Appendix C's examples and the header lists of requests and responses as
python3-hpack's Encoder writes them (Huffman or not, table size updates, never-indexed fields,
evictions, large tables and values), connections joined late (blocks lost), and malformed
blocks (index 0, integers past 32 bits, bad Huffman padding, EOS, size updates after a field,
indices past the table, strings past the block).
Needs python3-hpack (Debian's python3-hpack): /usr/bin/python3 tests/fuzz/make_hpack_corpus.py
Inputs the fuzzer found a bug with are added to the directory by hand, named crash-<what>.
"""
import os
import struct

from hpack import Encoder, NeverIndexedHeaderTuple

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "corpus", "hpack")

OP_BLOCK, OP_LIMIT, OP_LOST = 0xFE, 0xFD, 0xFC
# Configuration byte: budget index (bits 0-2), stop index (bits 3-4), limit index (bits 5-7).
LIMIT_NONE, LIMIT_0, LIMIT_64, LIMIT_256, LIMIT_4096, LIMIT_16K, LIMIT_64K, LIMIT_1M = range(8)


def cfg(budget=0, stop=0, limit=LIMIT_NONE):
    return bytes([budget | stop << 3 | limit << 5])


def block(b):
    assert len(b) < 1 << 16
    return bytes([OP_BLOCK]) + struct.pack(">H", len(b)) + b


def limit(v):
    return bytes([OP_LIMIT]) + struct.pack(">I", v)


LOST = bytes([OP_LOST])


def stream(header_lists, huffman=True, sizes=None, enc=None):
    """Blocks of one encoder (a new one unless given); sizes[i], if given, is the table size
    set before list i."""
    enc = enc or Encoder()
    out = b""
    for i, headers in enumerate(header_lists):
        if sizes and sizes.get(i) is not None:
            enc.header_table_size = sizes[i]
        out += block(enc.encode(headers, huffman=huffman))
    return out


def segments(*parts):
    """One encoder through several segments: (header_lists, sizes) pairs, or bytes as they
    are (operations between the encoder's blocks)."""
    enc, out = Encoder(), b""
    for part in parts:
        out += part if isinstance(part, bytes) else stream(part[0], sizes=part[1], enc=enc)
    return out


def request(i, path="/api/v1/items", method="GET", extra=()):
    return [(":method", method), (":scheme", "https"), (":path", "%s?page=%d" % (path, i)),
            (":authority", "svc.default.svc.cluster.local:8443"),
            ("user-agent", "grpc-go/1.60.0"), ("accept", "application/json"),
            ("x-request-id", "%08x-4c1f-9a7e-%012x" % (i * 2654435761 % 2**32, i))] + list(extra)


def response(i, status="200", extra=()):
    return [(":status", status), ("content-type", "application/grpc"),
            ("date", "Mon, 21 Oct 2013 20:13:%02d GMT" % (i % 60)),
            ("server", "envoy"), ("x-envoy-upstream-service-time", str(i % 97))] + list(extra)


def grpc_requests(n):
    return [request(i, "/helloworld.Greeter/SayHello", "POST",
                    [("content-type", "application/grpc"), ("te", "trailers"),
                     ("grpc-timeout", "%dm" % (100 + i))]) for i in range(n)]


def hx(s):
    return bytes.fromhex(s)


C3 = ["828684410f7777772e6578616d706c652e636f6d", "828684be58086e6f2d6361636865",
      "828785bf400a637573746f6d2d6b65790c637573746f6d2d76616c7565"]
C4 = ["828684418cf1e3c2e5f23a6ba0ab90f4ff", "828684be5886a8eb10649cbf",
      "828785bf408825a849e95ba97d7f8925a849e95bb8e8b4bf"]
C5 = ["4803333032580770726976617465611d4d6f6e2c203231204f637420323031332032303a31333a32312047"
      "4d546e1768747470733a2f2f7777772e6578616d706c652e636f6d",
      "4803333037c1c0bf",
      "88c1611d4d6f6e2c203231204f637420323031332032303a31333a323220474d54c05a04677a6970773866"
      "6f6f3d4153444a4b48514b425a584f5157454f50495541585157454f49553b206d61782d6167653d333630"
      "303b2076657273696f6e3d31"]
C6 = ["488264025885aec3771a4b6196d07abe941054d444a8200595040b8166e082a62d1bff6e919d29ad171863"
      "c78f0b97c8e9ae82ae43d3",
      "4883640effc1c0bf",
      "88c16196d07abe941054d444a8200595040b8166e084a62d1bffc05a839bd9ab77ad94e7821dd7f2e6c7b3"
      "35dfdfcd5b3960d5af27087f3672c1ab270fb5291f9587316065c003ed4ee5b1063d5007"]
SIZE_256 = hx("3fe101")

big_value = "".join(chr(0x21 + (i * 7) % 94) for i in range(9000))
SEEDS = {
    # RFC 7541 Appendix C
    "rfc_c2_1": cfg() + block(hx("400a637573746f6d2d6b65790d637573746f6d2d686561646572")),
    "rfc_c2_2": cfg() + block(hx("040c2f73616d706c652f70617468")),
    "rfc_c2_3": cfg() + block(hx("100870617373776f726406736563726574")),
    "rfc_c2_4": cfg() + block(hx("82")),
    "rfc_c3": cfg() + b"".join(block(hx(b)) for b in C3),
    "rfc_c4": cfg() + b"".join(block(hx(b)) for b in C4),
    "rfc_c5": cfg(limit=LIMIT_256) + block(SIZE_256) + b"".join(block(hx(b)) for b in C5),
    "rfc_c6": cfg(limit=LIMIT_256) + block(SIZE_256 + hx(C6[0])) + block(hx(C6[1]))
    + block(hx(C6[2])),
    "rfc_c6_raw_tail": cfg(limit=LIMIT_256) + block(SIZE_256) + block(hx(C6[0]))
    + hx(C6[1]),
    # python3-hpack's Encoder
    "requests_huffman": cfg() + stream([request(i) for i in range(12)]),
    "requests_raw": cfg() + stream([request(i) for i in range(12)], huffman=False),
    "responses": cfg() + stream([response(i) for i in range(10)]),
    "grpc": cfg(limit=LIMIT_16K) + stream(grpc_requests(20), sizes={0: 16384}),
    "evict_small_table": cfg(limit=LIMIT_256) + stream([request(i) for i in range(10)],
                                                       sizes={0: 256}),
    "evict_tiny_table": cfg(limit=LIMIT_64) + stream([response(i) for i in range(8)],
                                                     sizes={0: 64}),
    "table_disabled": cfg(limit=LIMIT_0) + stream([request(i) for i in range(4)],
                                                  sizes={0: 0}),
    "size_changes": cfg(limit=LIMIT_16K) + stream([request(i) for i in range(10)],
                                                  sizes={0: 1024, 3: 0, 4: 4096, 7: 300}),
    "never_indexed": cfg() + stream(
        [request(i, extra=[NeverIndexedHeaderTuple("authorization", "Bearer tok%d" % i),
                           NeverIndexedHeaderTuple("cookie", "sid=%d" % i)]) for i in range(5)]),
    "large_values": cfg(limit=LIMIT_64K) + stream(
        [response(i, extra=[("x-big", big_value[: 1000 * (i + 1)]),
                            ("x-bigger", big_value)]) for i in range(4)], sizes={0: 65536}),
    "table_1m": cfg(limit=LIMIT_1M) + stream(
        [response(i, extra=[("x-big-%d" % i, big_value * 3)]) for i in range(3)],
        sizes={0: 1 << 20}),
    "limit_above_cap": cfg() + limit(1 << 20) + stream(
        [response(i, extra=[("x-%d" % i, big_value)]) for i in range(8)], sizes={0: 100000}),
    "limit_stale": cfg() + segments(([request(i) for i in range(6)], {0: 8192}), limit(8192),
                                    ([request(i) for i in range(6, 9)], None)),
    "limit_lowered": cfg(limit=LIMIT_4096) + segments(
        ([request(i) for i in range(3)], None), limit(256),
        ([request(i) for i in range(3, 8)], {0: 256})),
    # joined late: the start of the connection lost
    "joined_late": cfg() + LOST + stream([request(i) for i in range(8)])[
        len(block(Encoder().encode(request(0)))):],
    "lost_then_reset": cfg() + segments(([request(i) for i in range(3)], None), LOST,
                                        ([request(i) for i in range(3, 7)], {0: 0, 1: 4096})),
    "poor_budget": cfg(budget=2) + stream([response(i, extra=[("x-v", big_value[:300])])
                                           for i in range(8)]),
    "poor_budget_stop": cfg(budget=4, stop=1) + stream(grpc_requests(6)),
    "stop_every_3": cfg(stop=1) + stream([request(i) for i in range(6)]),
    "raw_block": cfg() + Encoder().encode(request(0)),
    # malformed
    "bad_index_0": cfg() + block(hx("8280")) + block(hx("82")),
    "bad_int_overflow": cfg() + block(hx("3fe1ffffff0f")) + block(hx("3fffffffffff7f")),
    "bad_int_long": cfg() + block(hx("ff808080808000")) + block(hx("3f")),
    "bad_huffman_padding": cfg() + block(hx("408118016101")) + block(hx("0001618118")),
    "bad_huffman_long_padding": cfg() + block(hx("04821fff")),
    "bad_huffman_eos": cfg() + block(hx("0484fffffffc")) + block(hx("04851ffffffffc")),
    "bad_size_update_late": cfg() + block(hx("8220")) + block(hx("be")),
    "bad_index_past_table": cfg() + block(hx("4001610162")) + block(hx("bf")) + block(hx("be")),
    "bad_string_past_end": cfg() + block(hx("4005616263")) + block(hx("407fffffffff0f")),
    "bad_name_index": cfg() + block(hx("7e0176")) + block(hx("0f2f0176")),
}


def main():
    os.makedirs(OUT, exist_ok=True)
    for seed_name, data in SEEDS.items():
        with open(os.path.join(OUT, seed_name), "wb") as f:
            f.write(data)


if __name__ == "__main__":
    main()
