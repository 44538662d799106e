#!/usr/bin/env python3
"""Write the seed corpus of fuzz_http2 (tests/fuzz/corpus/http2/).

Each seed is a first byte (bit 0: the client role, else the server; bit 1: joined mid-way)
and then a list of chunks as fuzz_http2.c reads them (a flag byte, a length, the bytes):
a request and its response, streams interleaved, gRPC with trailers and Trailers-Only,
header blocks with CONTINUATION, padding and priority, a RST_STREAM, a SETTINGS that changes
the table size, bytes not captured, holes, and a connection joined mid-way whose fields
reference entries never seen. Header blocks come from Debian's python3-hpack encoder, as a
real peer's would (Huffman, dynamic table).
Re-run after changing the seeds: /usr/bin/python3 tests/fuzz/make_http2_corpus.py
"""
import os
import struct

import hpack

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "corpus", "http2")

IN, OUT_DIR = 0, 1
HALF, HOLE, NONE, TICK = 2, 4, 6, 8
DATA, HEADERS, PRIORITY, RST, SETTINGS, PUSH, PING, GOAWAY, WINDOW, CONT = range(10)
END_STREAM, END_HEADERS, PADDED, PRIO = 1, 4, 8, 0x20
PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"


def frame(ftype, flags, sid, payload=b""):
    return struct.pack(">I", len(payload))[1:] + bytes([ftype, flags]) + \
        struct.pack(">I", sid) + payload


def chunks(*items):
    """(flags, bytes) pairs into chunks of at most 255 bytes each."""
    out = b""
    for flags, data in items:
        for i in range(0, max(len(data), 1), 255):
            part = data[i:i + 255]
            out += bytes([flags, len(part)]) + part
    return out


def request(enc, sid, path, method="GET", grpc=False, extra=(), end=True):
    fields = [(":method", method), (":scheme", "http"), (":path", path),
              (":authority", "svc")]
    if grpc:
        fields += [("content-type", "application/grpc"), ("te", "trailers")]
    fields += list(extra)
    return frame(HEADERS, END_HEADERS | (END_STREAM if end else 0), sid, enc.encode(fields))


def response(enc, sid, status="200", body=b"", trailers=None):
    out = frame(HEADERS, END_HEADERS | (0 if body or trailers else END_STREAM), sid,
                enc.encode([(":status", status), ("content-type", "text/plain")]))
    if body:
        out += frame(DATA, 0 if trailers else END_STREAM, sid, body)
    if trailers:
        out += frame(HEADERS, END_HEADERS | END_STREAM, sid, enc.encode(trailers))
    return out


def seeds():
    c, s = hpack.Encoder(), hpack.Encoder()
    yield "get", 0, chunks(
        (IN, PREFACE + frame(SETTINGS, 0, 0) + request(c, 1, "/a?q=1")),
        (OUT_DIR, frame(SETTINGS, 0, 0) + response(s, 1, "200", b"hello")))

    c, s = hpack.Encoder(), hpack.Encoder()
    reqs = b"".join(request(c, i, f"/r{i}") for i in (1, 3, 5, 7))
    resps = b"".join(response(s, i, st, b"x" * i) for i, st in
                     ((7, "404"), (3, "200"), (1, "500"), (5, "204")))
    yield "interleaved_client", 1, chunks((OUT_DIR, PREFACE + reqs), (IN, resps))

    c, s = hpack.Encoder(), hpack.Encoder()
    msg = b"\0\0\0\0\2hi"
    grpc = request(c, 1, "/demo.Echo/Ok", "POST", True, end=False) + frame(DATA, END_STREAM, 1, msg)
    grpc += request(c, 3, "/demo.Echo/Missing", "POST", True, end=False) + \
        frame(DATA, END_STREAM, 3, msg)
    out = response(s, 1, "200", msg, [("grpc-status", "0")])
    out += frame(HEADERS, END_HEADERS | END_STREAM, 3,
                 s.encode([(":status", "200"), ("content-type", "application/grpc"),
                           ("grpc-status", "5"), ("grpc-message", "no")]))
    yield "grpc", 0, chunks((IN, PREFACE + grpc), (OUT_DIR | TICK, out))

    c = hpack.Encoder()
    block = c.encode([(":method", "GET"), (":path", "/continued/" + "x" * 40),
                      ("traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01")])
    head = bytes([2]) + b"\x80\0\0\1\x10" + block[:10] + b"\0\0"
    cont = frame(HEADERS, END_STREAM | PADDED | PRIO, 1, head) + \
        frame(CONT, 0, 1, block[10:30]) + frame(CONT, END_HEADERS, 1, block[30:])
    s = hpack.Encoder()
    yield "continuation", 0, chunks((IN, PREFACE + cont), (OUT_DIR, response(s, 1, "200")))

    c, s = hpack.Encoder(), hpack.Encoder()
    yield "reset_and_settings", 1, chunks(
        (OUT_DIR, PREFACE + frame(SETTINGS, 0, 0, struct.pack(">HI", 1, 256)) +
         request(c, 1, "/reset") + frame(RST, 0, 1, b"\0\0\0\x08")),
        (IN, frame(SETTINGS, 0, 0, struct.pack(">HI", 1, 0)) + frame(SETTINGS, 1, 0) +
         frame(PING, 0, 0, b"12345678") + frame(GOAWAY, 0, 0, b"\0\0\0\1\0\0\0\0")))

    c, s = hpack.Encoder(), hpack.Encoder()
    big = response(s, 1, "200", b"z" * 600)
    yield "not_captured", 0, chunks(
        (IN, PREFACE + request(c, 1, "/big") + request(c, 3, "/after")),
        (OUT_DIR | HALF, big), (OUT_DIR | NONE, response(s, 3, "200", b"y" * 40)),
        (OUT_DIR | HOLE, response(s, 3, "200")))

    c, s = hpack.Encoder(), hpack.Encoder()
    for i in range(3):  # fill both tables before sockeye "joins"
        request(c, 1 + 2 * i, "/warm")
        response(s, 1 + 2 * i, "200")
    yield "joined", 2, chunks((IN, request(c, 9, "/warm") + request(c, 11, "/new")),
                              (OUT_DIR, response(s, 9, "200") + response(s, 11, "200")),
                              (OUT_DIR, response(s, 7, "200")))


def main():
    os.makedirs(OUT, exist_ok=True)
    for name, first, body in seeds():
        with open(os.path.join(OUT, name), "wb") as f:
            f.write(bytes([first]) + body)


if __name__ == "__main__":
    main()
