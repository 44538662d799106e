#!/usr/bin/env python3
"""Write the seed corpus of fuzz_stream (tests/fuzz/corpus/stream/).

Each seed is a small scenario in the input layout documented in fuzz_stream.c: a u16 first
offset, then 6-byte descriptors (op, s16 delta from the previous segment's end, u16 len,
captured fraction /255). Re-run after changing the layout: python3 tests/fuzz/make_corpus.py
"""
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "corpus", "stream")
FLUSH = 7


def push(delta, length, captured=255):
    return struct.pack("<BhHB", 0, delta, length, captured)


def flush():
    return struct.pack("<BhHB", FLUSH, 0, 0, 0)


def seed(first, *descs):
    return struct.pack("<H", first) + b"".join(descs)


SEEDS = {
    "in_order": seed(0, *[push(0, 100)] * 5),
    "reversed_pair": seed(0, push(100, 100), push(-200, 100)),
    "permutation_4": seed(0, push(60, 20), push(-60, 20), push(-40, 20), push(20, 20)),
    "duplicates_overlaps": seed(0, push(0, 100), push(-100, 100), push(-50, 100),
                                push(-120, 10), push(0, 30)),
    "parking_full_gap": seed(0, push(10, 10), push(0, 10), push(0, 10), push(0, 10),
                             push(0, 10), push(0, 10)),
    "holes_then_flush": seed(0, push(10, 10), push(10, 10), push(10, 10), flush(),
                             push(0, 10), push(-15, 10)),
    "truncated": seed(0, push(0, 1000, 0), push(-500, 1000, 64), push(-200, 300, 128),
                      push(50, 40, 255), push(-90, 100, 10)),
    "first_offset": seed(5000, push(-100, 50), push(0, 100), push(20, 20), push(-40, 20)),
    "long_segments": seed(0, push(8191, 8191), push(-16382, 8191), push(-4000, 8191, 30)),
    "empty_segments": seed(0, push(10, 0), push(0, 5), flush(), push(3, 0)),
    "header_only": seed(7),
}


def main():
    os.makedirs(OUT, exist_ok=True)
    for name, data in SEEDS.items():
        with open(os.path.join(OUT, name), "wb") as f:
            f.write(data)


if __name__ == "__main__":
    main()
