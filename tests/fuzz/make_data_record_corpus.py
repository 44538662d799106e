#!/usr/bin/env python3
"""Write the seed corpus of fuzz_data_record (tests/fuzz/corpus/data_record/).

Each seed is a data record as a ring holds it (struct se_ev_data of include/sockeye/abi.h,
little endian, then the payload, then the pieces): a prefix alone, the HTTP/2 frame walk's
pieces after a prefix, a piece right after it, and malformed ones the parser must refuse.
"""
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "corpus", "data_record")
EV_DATA = 2
DIR_OUT = 1


def record(offset, total, payload, pieces=(), npieces=None, direction=DIR_OUT):
    # se_ev_header: kind, pad[3], cpu, conn_id, ts_ns
    head = struct.pack("<B3xIQQ", EV_DATA, 0, 7, 5000)
    # tgid, tid, offset, total_len, captured, direction, syscall, role, pieces, syscall_ns
    body = struct.pack("<IIQIIBBBBI", 1, 1, offset, total, len(payload), direction, 6, 1,
                       len(pieces) if npieces is None else npieces, 1000)
    out = head + body + payload
    for off, data in pieces:
        out += struct.pack("<II", off, len(data)) + data
    return out


SEEDS = {
    "prefix_only": record(0, 100, b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"),
    "walked": record(4096, 20039, b"\x00\x40\x00\x00\x00\x00\x00\x00\x01" + b"d" * 15,
                     [(16393, b"\x00\x0f\x96\x00\x01\x00\x00\x00\x01"),
                      (20000, b"\x00\x00\x1e\x01\x04\x00\x00\x00\x03" + b"h" * 30)]),
    "adjacent": record(0, 100, b"p" * 24, [(24, b"x" * 76)]),
    "overlapping": record(0, 100, b"p" * 20, [(30, b"a" * 10), (39, b"b" * 5)]),
    "past_the_end": record(0, 100, b"p" * 20, [(95, b"a" * 10)]),
    "pieces_missing": record(0, 100, b"p" * 20, [(30, b"a" * 10)], npieces=3),
    "bad_direction": record(0, 100, b"p" * 20, direction=2),
}


def main():
    os.makedirs(OUT, exist_ok=True)
    for name, data in SEEDS.items():
        with open(os.path.join(OUT, name), "wb") as f:
            f.write(data)


if __name__ == "__main__":
    main()
