#!/usr/bin/env python3
"""Write the seed corpus of fuzz_session (tests/fuzz/corpus/session/).

Each seed is a script in the input layout documented in fuzz_session.c: a 4-byte header
(budget, groups and spans, export options, table size), then operations (OPEN, DATA, CANNED,
CLOSE, TICK, LATE, FLUSH, IDLE), each a byte (kind, connection slot, clock step) and its
operands. Seeds are the situations a worker meets: keep-alive and pipelining, heads split
over segments, a slowloris, idle and stalled connections, invalid UTF-8 paths, holes,
reordering and overlaps, mid-stream joins, other protocols, traced requests, the group and
span limits, the budget refusing, late shards and cumulative series expiring.
Re-run after changing the layout: python3 tests/fuzz/make_session_corpus.py
Inputs the fuzzer found a bug with are added to the directory by hand, named crash-<what>.
"""
import os

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "corpus", "session")

OPEN, DATA, CANNED, CLOSE, TICK, LATE, FLUSH, IDLE = range(8)
LEN_BIG = 0xE0
SEG_MAX = LEN_BIG - 1

# canned[] of fuzz_session.c, by name
C_GET, C_TRACED, C_POST, C_HEAD, C_BAD_PATH, C_OK, C_204, C_100, C_CHUNKED, C_101, C_CONNECT, \
    C_500_CLOSE, C_B3, C_POST_CHUNKED, C_H2, C_404 = range(16)


def header(budget=0, max_groups=16, spans=4, delta=False, connections=True, ttl_windows=12,
           conns=8):
    return bytes([budget, (max_groups - 4) | spans << 4,
                  int(delta) | int(connections) << 1 | (ttl_windows - 1) << 2, conns - 1])


def op(kind, slot=0, step=0):
    return bytes([kind | slot << 3 | step << 6])


def open_(slot=0, server=True, v6=False, midstream=False, mapped=False, new=False, peer=1):
    return op(OPEN, slot) + bytes([int(server) | int(v6) << 1 | int(midstream) << 2
                                   | int(mapped) << 3 | int(new) << 4 | (peer & 7) << 5])


def data(slot, inbound, payload, where=0, length=None, uncaptured=0, began=0, behind=False,
         delay=0, step=0):
    """One record. where: 0 at the end, ("hole", n), ("back", n) or "fill"; length: KiB
    lengths for large records (the captured part is payload's, the rest not captured)."""
    if isinstance(payload, str):
        payload = payload.encode("latin-1")
    if where == "fill":
        w = 0xC0
    elif isinstance(where, tuple):
        w = (0x40 if where[0] == "hole" else 0x80) | (where[1] - 1)
    else:
        w = 0
    if length is None:
        assert len(payload) <= SEG_MAX
        lbyte, total = len(payload), len(payload)
    else:
        assert length % 1024 == 0
        lbyte, total = LEN_BIG + length // 1024 - 1, length
    if uncaptured is None:  # exactly the payload captured, out of a longer record
        uncap = (total - len(payload)) * 255 // total
        while total - total * uncap // 255 > len(payload):
            uncap += 1
        payload = payload[:total - total * uncap // 255]
    else:
        uncap = uncaptured
    flags = int(inbound) | began << 1 | int(behind) << 3 | delay << 4
    return op(DATA, slot, step) + bytes([w, lbyte, uncap, flags]) + payload


def send(slot, inbound, text, seg=SEG_MAX, step=0):
    """text in records of at most seg bytes."""
    if isinstance(text, str):
        text = text.encode("latin-1")
    out = b""
    for i in range(0, len(text), seg):
        out += data(slot, inbound, text[i:i + seg], step=step)
    return out


def canned(slot, idx, inbound, half=False, uncaptured=0, step=0):
    return op(CANNED, slot, step) + bytes([idx | int(inbound) << 4 | int(half) << 5
                                           | uncaptured << 6])


def close(slot=0, tail_in=0, tail_out=0):
    return op(CLOSE, slot) + bytes([tail_in | tail_out << 4])


def tick_ms(ms):
    assert ms % 10 == 0 and ms // 10 < 0x80
    return op(TICK) + bytes([ms // 10])


def tick_s(s):
    assert 1 <= s <= 0x80
    return op(TICK) + bytes([0x7F + s])


def req(path="/", method="GET", extra=""):
    return f"{method} {path} HTTP/1.1\r\nHost: svc\r\n{extra}\r\n"


def resp(status=200, body="ok"):
    return f"HTTP/1.1 {status} X\r\nContent-Length: {len(body)}\r\n\r\n{body}"


def exchange(slot, server, path="/", status=200, step=1):
    return (send(slot, server, req(path), step=step)
            + send(slot, not server, resp(status), step=step))


def sized(prefix, suffix, total, fill="f"):
    """prefix + fill bytes + suffix, total bytes long: a record of exactly `total` KiB."""
    return prefix + fill * (total - len(prefix) - len(suffix)) + suffix


TRACEPARENT = "traceparent: 00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01\r\n"
B3 = ("X-B3-TraceId: 80f198ee56343ba864fe8b2a57d3eff7\r\nX-B3-SpanId: e457b5a2e4d86bd1\r\n"
      "X-B3-Sampled: 1\r\n")

SEEDS = {
    "keepalive_server": header() + open_(0) + b"".join(
        exchange(0, True, p) for p in ["/a", "/b?q=1", "/a"]) + tick_s(6) + close(0),
    "keepalive_client_v6": header() + open_(1, server=False, v6=True) + b"".join(
        exchange(1, False, p, s) for p, s in [("/x", 200), ("/y", 404), ("/x", 500)])
        + close(1),
    "pipelined": header() + open_(0) + send(0, True, req("/1") + req("/2") + req("/3"))
        + send(0, False, resp(200) + resp(201) + resp(202)) + close(0),
    "pipeline_deep": header(budget=8) + open_(0) + b"".join(
        send(0, True, req(f"/p{i}")) for i in range(40)) + b"".join(
        send(0, False, resp()) for i in range(40)) + close(0),
    "pipeline_array_budget": header(budget=30) + open_(0) + b"".join(
        send(0, True, req(f"/q{i}")) for i in range(6)) + b"".join(
        send(0, False, resp()) for i in range(6)) + close(0),
    "split_head_bytes": header() + open_(0) + send(0, True, req("/split", extra="A: b\r\n"), seg=1)
        + send(0, False, resp(), seg=3) + close(0),
    "split_head_budget_refused": header(budget=1) + open_(0)
        + send(0, True, req("/refused"), seg=10) + send(0, False, resp()) + exchange(0, True, "/ok")
        + close(0),
    "slowloris": header() + open_(0) + send(0, True, "GET /slow HTTP/1.1\r\n")
        + tick_s(10) + send(0, True, "X-A: 1\r\n") + tick_s(35) + send(0, True, "X-B: 2\r\n\r\n")
        + exchange(0, True, "/after") + tick_s(40) + close(0),
    "idle_expiry": header() + open_(0) + send(0, True, req("/idle")) + tick_s(70)
        + send(0, False, resp()) + exchange(0, True, "/next") + close(0),
    "idle_check_now": header() + open_(2, server=False) + send(2, False, req("/c"))
        + tick_s(61) + op(IDLE, 2) + send(2, True, resp()) + close(2),
    "invalid_utf8_paths": header() + open_(0) + b"".join(
        exchange(0, True, p) for p in ["/caf\xc3\xa9", "/\xff\xfe", "/\xc0\xaf", "/\xed\xa0\x80",
                                       "/\xf4\x90\x80\x80", "/a%00b", "/\xe2\x82", "/\x01\x7f"])
        + canned(0, C_BAD_PATH, True) + canned(0, C_OK, False) + close(0),
    "long_multibyte_path": header() + open_(0) + exchange(0, True, "/" + "\xe2\x82\xac" * 90)
        + exchange(0, True, "/" + "a" * 253 + "\xc3\xa9") + close(0),
    "hole_in_request": header() + open_(0) + send(0, True, req("/before"))
        + data(0, True, req("/after-hole"), where=("hole", 17)) + send(0, False, resp() + resp(),
                                                                        seg=200) + close(0),
    "hole_in_response": header() + open_(0) + send(0, True, req("/1") + req("/2"))
        + send(0, False, resp()[:20]) + data(0, False, resp(), where=("hole", 5))
        + exchange(0, True, "/3") + close(0),
    "reordered_fill": header() + open_(0) + data(0, True, req("/late")[10:], where=("hole", 10))
        + data(0, True, req("/late")[:10], where="fill") + send(0, False, resp()) + close(0),
    "reordered_stale": header() + open_(0) + data(0, True, req("/parked"), where=("hole", 3))
        + tick_ms(500) + tick_s(5) + send(0, False, resp()) + close(0),
    "overlap_retransmit": header() + open_(0) + send(0, True, req("/o"))
        + data(0, True, req("/o")[-8:] + req("/p"), where=("back", 8)) + send(0, False, resp() + resp())
        + close(0),
    "uncaptured_body": header() + open_(0)
        + data(0, True, req("/upload", "POST", "Content-Length: 8192\r\n"), length=8192 + 1024,
               uncaptured=None)
        + send(0, False, resp(201)) + close(0),
    "uncaptured_response": header() + open_(1, server=False) + send(1, False, req("/file"))
        + data(1, True, "HTTP/1.1 200 OK\r\nContent-Length: 30000\r\n\r\n", length=31 * 1024,
               uncaptured=None) + exchange(1, False, "/next") + close(1),
    "midstream_join": header() + open_(0, midstream=True) + send(0, True, "body bytes of a POST\r\n")
        + send(0, False, "rest of a response") + exchange(0, True, "/joined") + close(0),
    "midstream_client": header() + open_(3, server=False, midstream=True)
        + send(3, True, "HTTP/1.1 200 OK\r\n\r\n") + exchange(3, False, "/c") + close(3),
    "not_http": header() + open_(0) + send(0, True, bytes.fromhex(
        "16030100a5010000a10303") + b"\x00" * 40) + send(0, False, b"\x16\x03\x03" + b"\x01" * 50)
        + close(0),
    "http2_preface": header() + open_(0) + canned(0, C_H2, True) + send(0, False, b"\x00\x00\x00\x04")
        + close(0),
    "traced_requests": header(spans=2) + open_(0) + b"".join(
        send(0, True, req(f"/t{i}", extra=TRACEPARENT)) + send(0, False, resp()) for i in range(4))
        + send(0, True, req("/b3", extra=B3)) + send(0, False, resp())
        + canned(0, C_TRACED, True) + canned(0, C_OK, False) + canned(0, C_B3, True)
        + canned(0, C_404, False) + close(0),
    "chunked_both_ways": header() + open_(0) + canned(0, C_POST_CHUNKED, True)
        + canned(0, C_CHUNKED, False) + send(0, True, req("/c", "PUT", "Transfer-Encoding: chunked\r\n")
                                            + "4;x=y\r\nabcd\r\n0\r\nT: 1\r\n\r\n")
        + send(0, False, resp()) + close(0),
    "interim_and_upgrade": header() + open_(0) + canned(0, C_POST, True, half=True)
        + canned(0, C_100, False) + canned(0, C_POST, True) + canned(0, C_OK, False)
        + send(0, True, req("/ws", extra="Upgrade: websocket\r\nConnection: Upgrade\r\n"))
        + canned(0, C_101, False) + send(0, True, b"\x81\x05hello") + close(0),
    "connect_tunnel": header() + open_(1, server=False) + canned(1, C_CONNECT, False)
        + send(1, True, "HTTP/1.1 200 Connection established\r\n\r\n")
        + send(1, False, b"\x16\x03\x01") + close(1),
    "response_before_request": header() + open_(2, server=False) + canned(2, C_OK, True)
        + data(2, False, req("/early"), began=2) + exchange(2, False, "/then") + close(2),
    "response_until_close": header() + open_(0) + canned(0, C_GET, True)
        + canned(0, C_500_CLOSE, False) + send(0, False, "body until close") + close(0, 0, 3),
    "head_204_304": header() + open_(0) + canned(0, C_HEAD, True) + canned(0, C_GET, True)
        + send(0, False, "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n") + canned(0, C_204, False)
        + exchange(0, True, "/n", 304) + close(0),
    "table_full": header(conns=1) + open_(0) + open_(1) + exchange(0, True, "/in")
        + exchange(1, True, "/out") + close(1) + close(0),
    "group_overflow": header(max_groups=4) + open_(0) + b"".join(
        exchange(0, True, f"/g{i}") for i in range(12)) + close(0),
    "cumulative_expiry": header(ttl_windows=1) + open_(0) + exchange(0, True, "/old")
        + tick_s(6) + tick_s(6) + exchange(0, True, "/new") + tick_s(6) + exchange(0, True, "/old")
        + tick_s(20) + close(0),
    "delta_windows": header(delta=True) + open_(0) + exchange(0, True, "/d") + tick_s(5)
        + exchange(0, True, "/d") + tick_s(5) + close(0),
    "late_shard": header() + open_(0) + exchange(0, True, "/late") + op(LATE) + tick_s(5)
        + exchange(0, True, "/on-time") + tick_s(5) + op(LATE) + exchange(0, True, "/last") + close(0),
    "lost_close_new_conn": header() + open_(0) + send(0, True, req("/lost"))
        + open_(0, new=True, peer=2) + exchange(0, True, "/new") + close(0),
    "announced_twice": header() + open_(0) + open_(0) + exchange(0, True, "/twice") + close(0),
    "close_with_tail_hole": header() + open_(0) + send(0, True, req("/tail"))
        + send(0, False, resp()[:10]) + close(0, 5, 9),
    "big_head_split": header() + open_(0) + send(0, True, req("/big", extra="X-Fill: " + "f" * 5000
                                                              + "\r\n"), seg=200)
        + send(0, False, resp()) + close(0),
    # Heads over SE_HTTP1_HEAD_MAX (4096) in one record: kept up to the last complete line,
    # or too large when the request line alone is.
    "big_head_one_record": header() + open_(0)
        + data(0, True, sized("GET /big HTTP/1.1\r\nX-Fill: ", "\r\n\r\n", 5120), length=5120)
        + data(0, False, sized("HTTP/1.1 200 OK\r\nX-Fill: ", "\r\nContent-Length: 0\r\n\r\n",
                               5120), length=5120) + exchange(0, True, "/next") + close(0),
    "long_request_line": header() + open_(0)
        + data(0, True, sized("GET /", " HTTP/1.1\r\n\r\n", 5120, "a"), length=5120)
        + send(0, False, resp(414)) + exchange(0, True, "/next") + close(0),
    "unknown_conn": header() + data(5, True, req("/nobody")) + close(5) + open_(5)
        + exchange(5, True, "/somebody") + close(5),
    "mapped_peer": header() + open_(0, v6=True, mapped=True, peer=7) + exchange(0, True, "/m")
        + close(0),
    "unknown_method": header() + open_(0) + send(0, True, req("/u", "BREW"))
        + send(0, False, resp(418)) + close(0),
    "flush_then_fill": header() + open_(0) + data(0, True, req("/f")[5:], where=("hole", 5))
        + op(FLUSH, 0) + data(0, True, req("/f")[:5], where="fill") + exchange(0, True, "/g")
        + close(0),
    "syscall_stamps": header() + open_(2, server=False) + data(2, False, req("/s"), began=1)
        + data(2, True, resp(), behind=True, delay=5) + data(2, False, req("/u"), began=3)
        + data(2, True, resp(), step=2) + close(2),
    "many_connections": header(conns=8) + b"".join(
        open_(s, server=s % 2 == 0, v6=s % 3 == 0, peer=s) for s in range(8)) + b"".join(
        exchange(s, s % 2 == 0, f"/c{s}") for s in range(8)) + tick_s(5) + b"".join(
        close(s) for s in range(8)),
}


def main():
    os.makedirs(OUT, exist_ok=True)
    for name, blob in SEEDS.items():
        with open(os.path.join(OUT, name), "wb") as f:
            f.write(blob)
    print(f"wrote {len(SEEDS)} seeds to {OUT}")


if __name__ == "__main__":
    main()
