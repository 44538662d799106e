#!/usr/bin/env python3
"""Write the seed corpus of fuzz_http1 (tests/fuzz/corpus/http1/).

Each seed is a scenario in the input layout documented in fuzz_http1.c: a flags byte (bit 0/1:
request/response stream joins mid-stream in the run with holes; bits 2-3: what on_head returns),
a descriptor count, 3-byte segment descriptors (length, captured fraction /255, hole), then the
payload. Seeds cover the framing cases of the unit tests so the fuzzer starts from valid HTTP.
Re-run after changing the layout: python3 tests/fuzz/make_http1_corpus.py
Crash reproducers found later are added to the directory by hand, named crash-<what>.
"""
import os

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "corpus", "http1")

RESYNC_REQ, RESYNC_RESP = 1, 2
HEADERS, HEAD, TUNNEL, MIXED = 0, 1, 2, 3
LEN_BIG = 0xF8


def d(length, captured=255, hole=0, back=0):
    """One descriptor: length < LEN_BIG as is, or ("k", n) for n KiB; hole: bytes skipped
    before it (1..64); back: bytes it repeats of the previous one (1..64, an overlap)."""
    if isinstance(length, tuple):
        length = LEN_BIG + length[1] - 1
    extra = 0xC0 | (hole - 1) if hole else 0x80 | (back - 1) if back else 0
    return bytes([length, captured, extra])


def seed(payload, descs=(), flags=0, policy=HEADERS):
    if isinstance(payload, str):
        payload = payload.encode("latin-1")
    return bytes([flags | policy << 2, len(descs)]) + b"".join(descs) + payload


GET = "GET /index.html?a=1&b=2 HTTP/1.1\r\nHost: example.com\r\nUser-Agent: curl/8.0\r\nAccept: */*\r\n\r\n"
POST = "POST /api/items HTTP/1.1\r\nHost: h\r\nContent-Type: application/json\r\nContent-Length: 13\r\n\r\n{\"name\":\"x\"}\n"
CHUNKED_REQ = ("PUT /upload HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
               "5;ext=1\r\nhello\r\nA\r\n0123456789\r\n0\r\nX-Checksum: abc\r\n\r\n")
RESP_CL = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n\r\nhello"
RESP_CHUNKED = ("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                "1a\r\nabcdefghijklmnopqrstuvwxyz\r\n0\r\n\r\n")
RESP_204 = "HTTP/1.1 204 No Content\r\nDate: x\r\n\r\n"
RESP_304 = "HTTP/1.1 304 Not Modified\r\nContent-Length: 100\r\n\r\n"
RESP_100 = "HTTP/1.1 100 Continue\r\n\r\n"
RESP_CLOSE = "HTTP/1.0 200 OK\r\nServer: old\r\n\r\nbody until the connection closes"
FILL = "X-Fill: " + "f" * 3900 + "\r\n"
# Heads over SE_HTTP1_HEAD_MAX (4096): kept up to the last complete line, the rest skipped.
COOKIE = "c" * 6000
BIG_REQ = ("POST /cart?item=7 HTTP/1.1\r\nHost: shop\r\nCookie: s=SECRET\r\nCookie: big=" + COOKIE
           + "\r\nContent-Length: 5\r\nConnection: keep-alive\r\n\r\nhello")
BIG_RESP = ("HTTP/1.1 200 OK\r\nServer: x\r\nSet-Cookie: id=" + COOKIE + "; Path=/\r\n"
            "Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n")

SEEDS = {
    "get": seed(GET),
    "post_length": seed(POST),
    "chunked_request": seed(CHUNKED_REQ),
    "response_length": seed(RESP_CL),
    "response_chunked": seed(RESP_CHUNKED),
    "response_no_body": seed(RESP_204 + RESP_304 + RESP_CL),
    "response_interim": seed(RESP_100 + "HTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\n" + RESP_CL),
    "response_until_close": seed(RESP_CLOSE),
    "pipelined_requests": seed(GET + POST + CHUNKED_REQ + "DELETE /x HTTP/1.1\r\n\r\n"),
    "pipelined_responses": seed(RESP_CL + RESP_CHUNKED + RESP_204 + RESP_CL),
    "keepalive_segments": seed(GET + GET + POST, [d(len(GET)), d(len(GET)), d(len(POST))]),
    "one_byte_segments": seed(POST + RESP_CL, [d(1)]),
    "seven_byte_segments": seed(CHUNKED_REQ + RESP_CHUNKED, [d(7)]),
    "mixed_segments": seed(GET + RESP_CHUNKED + POST, [d(3), d(40), d(0), d(120), d(1)]),
    "head_responses": seed(RESP_CL + RESP_CL + RESP_CL, policy=HEAD),
    "tunnel_101": seed("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                       "Connection: Upgrade\r\n\r\n\x81\x05hello", policy=TUNNEL),
    "connect": seed("CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n"
                    "\x16\x03\x01\x00\x05hello", policy=TUNNEL),
    "mixed_policy": seed(RESP_CL + RESP_100 + RESP_CHUNKED + RESP_CL + GET + POST, [d(30)],
                         policy=MIXED),
    "absolute_form": seed("GET http://example.com:8080/p/q?x=1 HTTP/1.1\r\n\r\n"
                          "OPTIONS * HTTP/1.1\r\n\r\nGET http://h HTTP/1.1\r\n\r\n"),
    "bare_lf": seed("POST / HTTP/1.1\nTransfer-Encoding: chunked\n\n3\nabc\n0\nT: x\n\n"
                    "HTTP/1.1 200 OK\nContent-Length: 2\n\nok"),
    "leading_crlf": seed("\r\n\r\n" + GET + "\r\n" + GET),
    "redaction": seed("GET / HTTP/1.1\r\nAuthorization: Bearer SECRET\r\nCookie: s=SECRET\r\n"
                      "Proxy-Authorization: Basic SECRET\r\nX-API-Key: SECRET\r\n\r\n"
                      "HTTP/1.1 200 OK\r\nSet-Cookie: s=SECRET\r\nContent-Length: 0\r\n\r\n"),
    "traceparent": seed("GET / HTTP/1.1\r\ntraceparent: "
                        "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01\r\n\r\n"),
    "b3_single": seed("GET / HTTP/1.1\r\nb3: 4bf92f3577b34da6a3ce929d0e0e4736-"
                      "00f067aa0ba902b7-1-0102030405060708\r\n\r\n"),
    "b3_multi": seed("GET / HTTP/1.1\r\nX-B3-TraceId: a3ce929d0e0e4736\r\n"
                     "X-B3-SpanId: 00f067aa0ba902b7\r\nX-B3-Sampled: 1\r\nX-B3-Flags: 1\r\n\r\n"),
    "big_head": seed("GET /big HTTP/1.1\r\n" + FILL + "\r\n", [d(200)]),
    "head_just_over_max": seed("GET /big HTTP/1.1\r\n" + FILL + "X: " + "y" * 200 + "\r\n\r\n"),
    "big_cookie_request": seed(BIG_REQ + GET),
    "big_cookie_request_split": seed(BIG_REQ + GET, [d(("k", 1)), d(200), d(("k", 4)), d(7)]),
    "big_set_cookie_response": seed(BIG_RESP + RESP_204),
    "big_set_cookie_response_split": seed(BIG_RESP + RESP_204, [d(("k", 2)), d(100), d(("k", 2))]),
    "big_head_cl_skipped": seed("POST / HTTP/1.1\r\nX-Big: " + "b" * 4100 + "\r\nContent-Length: 3"
                                "\r\nContent-Length: 3\r\n\r\nabc" + POST, [d(("k", 4)), d(3)]),
    "big_head_te_skipped": seed("HTTP/1.1 200 OK\r\nContent-Length: 9\r\nSet-Cookie: " + "k" * 4100
                                + "\r\nTransfer-Encoding: gzip, chunked\r\nConnection: Upgrade\r\n"
                                "Upgrade: websocket\r\n\r\n3\r\nabc\r\n0\r\n\r\n" + RESP_CL),
    "big_head_long_framing_value": seed("POST / HTTP/1.1\r\nCookie: " + "k" * 4100
                                        + "\r\nContent-Length: " + "0" * 300 + "2\r\n\r\nab" + GET),
    "big_head_boundary": seed("POST /b HTTP/1.1\r\nX-Fill: " + "f" * (4096 - 18 - 2 - 8 - 9)
                              + "\r\nContent-Length: 2\r\n\r\nok" + GET, [d(("k", 4)), d(1)]),
    "big_head_hole": seed(BIG_REQ + GET, [d(("k", 5)), d(50, 255, 10), d(("k", 2))]),
    "big_head_uncaptured": seed(BIG_REQ + GET, [d(("k", 3)), d(("k", 4), 128), d(100)]),
    "big_head_invalid_skipped": seed("GET / HTTP/1.1\r\nCookie: " + "k" * 4100 + "\r\n folded\r\n\r\n"
                                     + GET, [d(("k", 5)), d(len(GET))]),
    "big_head_many_headers": seed("GET /many HTTP/1.1\r\n"
                                  + "".join("X-H-%03d: v%03d\r\n" % (i, i) for i in range(300))
                                  + "\r\n" + GET, [d(("k", 1))]),
    "request_line_too_large": seed("GET /" + "a" * 4200 + " HTTP/1.1\r\n\r\n" + GET,
                                   [d(("k", 5)), d(len(GET))]),
    "status_line_too_large": seed("HTTP/1.1 200 " + "r" * 4200 + "\r\n\r\n" + RESP_CL,
                                  [d(("k", 5)), d(len(RESP_CL))]),
    "big_head_resync": seed("tail\r\n" + BIG_RESP + RESP_CL, [d(6), d(("k", 3)), d(("k", 4))],
                            flags=RESYNC_REQ | RESYNC_RESP),
    "other_method_first": seed("FROB /path HTTP/1.1\r\nHost: h\r\n\r\nM-SEARCH * HTTP/1.1\r\n\r\n"
                               "PROPFIND http://h/d HTTP/1.1\r\nContent-Length: 1\r\n\r\nx"),
    "many_headers": seed("GET / HTTP/1.1\r\n" + "".join("H%d: v\r\n" % i for i in range(70))
                         + "Content-Length: 2\r\n\r\nab"),
    "captured_prefix": seed(RESP_CL.replace("5\r\n\r\nhello", "300\r\n\r\n") + "b" * 300 + RESP_CL,
                            [d(100, 80), d(120, 0), d(200)]),
    "holes_in_body": seed(POST + POST + POST, [d(70), d(10, 255, 5), d(80, 128, 3)]),
    "chunk_lines_lost": seed(RESP_CHUNKED + RESP_CL, [d(50, 200), d(20, 255, 4)]),
    "resync": seed("tail of a previous body\r\n\r\n" + GET + RESP_CL,
                   [d(27), d(len(GET)), d(len(RESP_CL))], flags=RESYNC_REQ | RESYNC_RESP),
    "invalid_heads": seed("GET / HTTP/1.1\r\nHost: a\r\n folded\r\n\r\n" + GET
                          + "POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n"
                          + GET, [d(40), d(len(GET)), d(60), d(len(GET))]),
    "invalid_chunks": seed("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
                           "10000000000000000\r\n" + GET + "POST / HTTP/1.1\r\n"
                           "Transfer-Encoding: chunked\r\n\r\n3\r\nabcX"),
    "te_and_length": seed("POST / HTTP/1.1\r\nContent-Length: 100\r\nTransfer-Encoding: gzip, chunked\r\n"
                          "\r\n2\r\nab\r\n0\r\n\r\nHTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\nxyz"),
    "large_segments": seed(RESP_CL.replace("5\r\n\r\nhello", "5000\r\n\r\n") + "z" * 5000 + RESP_204,
                           [d(("k", 2)), d(("k", 8), 10)]),
    "overlaps": seed(GET + POST + RESP_CL, [d(20), d(30, 255, 0, 10), d(5, 255, 0, 40), d(50)]),
    "http2_preface": seed("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n\x00\x00\x12\x04\x00\x00\x00\x00\x00"),
    "tls_hello": seed(b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" + bytes(range(32))),
    "empty_payload": seed("", [d(0)]),
}


def main():
    os.makedirs(OUT, exist_ok=True)
    for name, data in SEEDS.items():
        with open(os.path.join(OUT, name), "wb") as f:
            f.write(data)


if __name__ == "__main__":
    main()
