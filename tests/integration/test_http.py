"""HTTP/1.x end to end, as a user checks it: Debian's nginx, curl, wrk and hand-written
origins and clients on watched ports, the real sockeye (root, real BPF) reporting HTTP groups.

Each class is one scenario with its own servers, its own sockeye (only that scenario's port
watched) and its own assertions on the groups summed over windows: exact counts per (role,
method, path, status) for both roles (loopback: every request is seen once by the server
that accepted and once by the client that connected), and nothing dropped."""

import bisect
import json
import os
import re
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
import unittest

import harness
import http_origin

SERVER, CLIENT = "server", "client"
ROLES = (SERVER, CLIENT)
BODY_BOUNDS = [100, 1000, 10000, 100000, 1000000]
DURATION_BOUNDS = [1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000]
TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736"
SPAN_ID = "00f067aa0ba902b7"
CLIENT_TIMEOUT_S = 30  # a client never waits longer than this for its server


def url(port, path):
    return f"http://127.0.0.1:{port}{path}"


def connect(port):
    return socket.create_connection(("127.0.0.1", port), timeout=CLIENT_TIMEOUT_S)


class Scenario:
    """setUpClass: start the servers, then sockeye watching PORT, run drive(), wait until
    every connection on PORT is closed at both ends, stop sockeye (its last window flushed),
    stop the servers. Servers and sockeye are stopped whatever fails."""

    PORT = None
    SOCKEYE_ARGS = ()
    NGINX = False
    NGINX_FILES = None
    ORIGIN = False

    @classmethod
    def setUpClass(cls):
        harness.require_root(cls)
        cls.nginx = cls.origin = None
        cls.access = []
        try:
            if cls.NGINX:
                cls.nginx = harness.NginxServer(cls.PORT, files=cls.NGINX_FILES).start()
            if cls.ORIGIN:
                cls.origin = http_origin.OriginServer(cls.PORT).__enter__()
            sockeye = harness.Sockeye("--ports", str(cls.PORT), *cls.SOCKEYE_ARGS)
            cls.send_start_known = sockeye.send_start_known
            try:
                cls.drive()
                harness.wait_port_idle(cls.PORT)
            finally:
                cls.report = sockeye.stop()
            if cls.nginx:
                cls.access = cls.nginx.access_log()
        finally:
            if cls.origin:
                cls.origin.stop()
            if cls.nginx:
                cls.nginx.stop()

    @classmethod
    def drive(cls):
        raise NotImplementedError

    # checks every scenario shares
    def test_nothing_dropped(self):
        self.assert_no_drops(self.report)

    def test_nothing_left_in_flight(self):
        self.assert_nothing_in_flight(self.report)

    def test_peer_is_loopback(self):
        for key, g in self.report.http_groups.items():
            if not g["overflow"]:
                self.assertEqual(key[4], "127.0.0.1", key)


def curl_steps(port, steps, body_dir=None):
    """One curl invocation making each step, in order, on one connection when it can
    (--next keeps the connection cache). A step: (method, path) or (method, path, body,
    extra curl args). Returns [(status, new connections)] as curl saw them."""
    args = []
    for i, step in enumerate(steps):
        method, path = step[0], step[1]
        body = step[2] if len(step) > 2 else None
        extra = list(step[3]) if len(step) > 3 else []
        if i:
            args.append("--next")
        args += ["-s", "-S", "-o", "/dev/null", "-w", "%{http_code} %{num_connects}\\n"] + extra
        if method == "HEAD":
            args.append("-I")
        elif method != "GET":
            args += ["-X", method]
        if body is not None:
            path_body = os.path.join(body_dir, f"body-{i}")
            with open(path_body, "wb") as f:
                f.write(body)
            args += ["-H", "Content-Type: application/octet-stream", "--data-binary",
                     "@" + path_body]
        args.append(url(port, path))
    out = subprocess.run(["curl"] + args, capture_output=True, text=True, timeout=60)
    if out.returncode != 0:
        raise AssertionError(f"curl {args} exited {out.returncode}: {out.stderr}")
    return [tuple(int(x) for x in line.split()) for line in out.stdout.splitlines()]


def expected_counts(steps, status_of):
    out = {}
    for step in steps:
        key = (step[0], step[1].split("?", 1)[0], status_of(step[1]))
        out[key] = out.get(key, 0) + 1
    return out


NGINX_STATUS = {"/ok": 200, "/created": 201, "/missing": 404, "/error": 500, "/redirect": 302,
                "/empty": 204, "/traced": 200, "/static/big.bin": 200}


def nginx_status(path):
    path = path.split("?", 1)[0]
    if path.startswith("/close/") or path.startswith("/p/"):
        return 200
    return NGINX_STATUS[path]


class CurlAgainstNginx(Scenario, harness.HttpAssertions):
    """A fixed mix of requests from curl: keep-alive runs of several URLs and single ones."""

    PORT = 18110
    NGINX = True
    NGINX_FILES = {"static/big.bin": os.urandom(100 * 1024)}
    RUNS = [
        # one connection, reused
        [("GET", "/ok"), ("GET", "/ok"), ("GET", "/missing"), ("GET", "/ok"), ("GET", "/error"),
         ("GET", "/ok?x=1&y=2"), ("GET", "/missing"), ("GET", "/redirect")],
        # bodies, then HEAD followed by a GET on the same connection
        [("POST", "/created", b"a" * 50), ("POST", "/created", b"b" * 5000), ("HEAD", "/ok"),
         ("GET", "/ok"), ("GET", "/missing")],
        # a file sent with sendfile(2), 204s, then another request on the same connection
        [("GET", "/static/big.bin"), ("GET", "/empty"), ("GET", "/empty"), ("GET", "/error")],
        [("GET", "/ok")],
        [("GET", "/ok")],
    ]

    @classmethod
    def drive(cls):
        cls.curl_saw = []
        with tempfile.TemporaryDirectory() as d:
            for steps in cls.RUNS:
                cls.curl_saw.append(curl_steps(cls.PORT, steps, d))

    def expected(self):
        return expected_counts([s for run in self.RUNS for s in run], nginx_status)

    def test_curl_and_nginx_saw_the_mix(self):
        # the test's own premises: statuses, connection reuse, what nginx logged
        for steps, saw in zip(self.RUNS, self.curl_saw):
            self.assertEqual([s for s, _ in saw], [nginx_status(s[1]) for s in steps])
            # nginx closes the connection after a 500; every other request reuses it
            want = [1 if i == 0 or steps[i - 1][1] == "/error" else 0 for i in range(len(steps))]
            self.assertEqual([n for _, n in saw], want, f"connection reuse: {steps}")
        served = {}
        for r in self.access:
            k = (r["method"], r["uri"], r["status"])
            served[k] = served.get(k, 0) + 1
        self.assertEqual(served, self.expected())

    def test_server_counts_exact(self):
        self.assert_http_counts(self.report, SERVER, self.expected())

    def test_client_counts_exact(self):
        self.assert_http_counts(self.report, CLIENT, self.expected())

    def test_request_body_histogram(self):
        for role in ROLES:
            g = self.report.http_group(role, "POST", "/created", 201)
            self.assertIsNotNone(g, f"{role} POST /created")
            body = g["request_body_bytes"]
            self.assertEqual(body["bounds"], BODY_BOUNDS)
            self.assertEqual((body["count"], body["sum"], body["min"], body["max"]),
                             (2, 5050, 50, 5000), f"{role}: request body count/sum/min/max")
            self.assertEqual(body["counts"], [1, 0, 1, 0, 0, 0], f"{role}: body buckets")

    def test_requests_without_body_have_none(self):
        for (role, method, path, status, peer), g in self.report.http_groups.items():
            if method != "POST":
                self.assertEqual(g["request_body_bytes"]["sum"], 0, (role, method, path))

    def test_durations(self):
        self.assert_durations_sane(self.report)
        for g in self.report.http_groups.values():
            self.assertEqual(g["duration_ms"]["bounds"], DURATION_BOUNDS)

    def test_head_then_get_on_one_connection(self):
        # HEAD's Content-Length: 3 has no body after it: the GET that follows on the same
        # connection is still framed and counted (part of the exact counts above too)
        for role in ROLES:
            self.assertEqual(self.report.http[(role, "HEAD", "/ok", 200)], 1, role)
        self.assertEqual(self.curl_saw[1][3], (200, 0), "GET after HEAD reused the connection")

    def test_static_file_sent_with_sendfile(self):
        for role in ROLES:
            self.assertEqual(self.report.http.get((role, "GET", "/static/big.bin", 200)), 1)
        # and the server role really sent it with sendfile: no payload copied for it
        server_conns = [c for (role, local, peer), c in self.report.conns.items()
                        if role == SERVER and c["bytes_out"] > 100 * 1024]
        self.assertEqual(len(server_conns), 1)
        self.assertLess(server_conns[0]["captured_out"], 100 * 1024)

    def test_stats(self):
        r = self.report
        total = sum(g["count"] for g in r.http_groups.values())
        self.assertEqual(total, 2 * sum(self.expected().values()))
        self.assertEqual(r.total("http_requests"), total)
        for k in ("http_unanswered", "http_resync", "conns_not_parsed", "http_group_overflow"):
            self.assertEqual(r.total(k), 0, k)


class WrkAgainstNginx(Scenario, harness.HttpAssertions):
    """wrk, 10 connections for 3 s, against nginx with one worker: every request counted,
    nothing dropped, at the default settings. Under a sanitizer sockeye's workers are
    several times slower than the uninstrumented nginx and wrk, so there the rings are made
    large enough to hold the whole run: the counts stay exact, the rate is not the point."""

    PORT = 18111
    NGINX = True
    SECONDS = 3
    SOCKEYE_ARGS = harness.SANITIZED_RING

    @classmethod
    def drive(cls):
        out = subprocess.run(["wrk", "-t1", "-c10", f"-d{cls.SECONDS}s", url(cls.PORT, "/ok")],
                             capture_output=True, text=True, timeout=60)
        if out.returncode != 0:
            raise AssertionError(f"wrk exited {out.returncode}: {out.stderr}")
        cls.wrk_out = out.stdout
        m = re.search(r"(\d+) requests in", out.stdout)
        if not m:
            raise AssertionError(f"wrk printed no request count: {out.stdout}")
        cls.wrk_requests = int(m.group(1))
        cls.wrk_errors = re.search(r"Non-2xx|Socket errors", out.stdout)

    def test_wrk_ran_cleanly(self):
        self.assertIsNone(self.wrk_errors, self.wrk_out)
        self.assertGreater(self.wrk_requests, 1000, self.wrk_out)

    def test_server_count_equals_nginx_access_log(self):
        answered = [r for r in self.access if r["bytes_sent"] > 0]
        got = self.report.http.get((SERVER, "GET", "/ok", 200), 0)
        print(f"\nwrk: {self.wrk_requests} requests, {self.wrk_requests / self.SECONDS:.0f}/s; "
              f"nginx logged {len(self.access)} ({len(answered)} with bytes sent); sockeye "
              f"server {got}, client {self.report.http.get((CLIENT, 'GET', '/ok', 200), 0)}",
              file=sys.stderr)
        # a request nginx logged without sending a byte (wrk was gone) has no response
        self.assertEqual(got, len(answered), "server role GET /ok vs nginx's access log")
        self.assertLessEqual(len(self.access) - len(answered), 10)

    def test_client_count_matches_wrk(self):
        got = self.report.http.get((CLIENT, "GET", "/ok", 200), 0)
        self.assertGreaterEqual(got, self.wrk_requests)
        self.assertLessEqual(got, self.wrk_requests + 10, "at most one in flight per connection")

    def test_only_get_ok_groups(self):
        self.assertEqual(set(self.report.http), {(SERVER, "GET", "/ok", 200),
                                                 (CLIENT, "GET", "/ok", 200)})

    def test_no_parse_trouble(self):
        dropped = self.report.total_dropped()
        for k in ("http_unpaired", "http_invalid", "http_too_large", "http_pipeline_full",
                  "http_alloc"):
            self.assertEqual(dropped.get(k), 0, k)
        self.assertEqual(self.report.total("http_resync"), 0)

    def test_durations(self):
        self.assert_durations_sane(self.report)


class Pipelining(Scenario, harness.HttpAssertions):
    """Requests written in one send() on one connection, before any response is read."""

    PORT = 18112
    NGINX = True
    BATCHES = [
        [("GET", "/ok"), ("GET", "/missing"), ("GET", "/created"), ("GET", "/empty"),
         ("GET", "/ok")],
        # a body and a HEAD inside the pipeline
        # (not /error: nginx closes after a 500, leaving the rest unanswered)
        [("GET", "/ok"), ("POST", "/created", b"p" * 300), ("HEAD", "/ok"), ("GET", "/redirect"),
         ("GET", "/ok")],
    ]

    @classmethod
    def drive(cls):
        cls.statuses = []
        for batch in cls.BATCHES:
            wire = b""
            for i, step in enumerate(batch):
                method, path = step[0], step[1]
                body = step[2] if len(step) > 2 else b""
                last = i == len(batch) - 1
                wire += (f"{method} {path} HTTP/1.1\r\nHost: pipe\r\n"
                         + (f"Content-Length: {len(body)}\r\n" if body else "")
                         + ("Connection: close\r\n" if last else "") + "\r\n").encode() + body
            sock = connect(cls.PORT)
            try:
                sock.sendall(wire)  # one send(): every request before any response
                conn = http_origin._Conn(sock)
                got = []
                for step in batch:
                    got.append(conn.read_response(head_request=step[0] == "HEAD")[0])
                # the last request asked to close: nothing more, then EOF
                if conn.buf or sock.recv(65536):
                    raise AssertionError("bytes after the last response")
                cls.statuses.append(got)
            finally:
                sock.close()

    def test_nginx_answered_in_order(self):
        self.assertEqual(self.statuses,
                         [[nginx_status(s[1]) for s in batch] for batch in self.BATCHES])

    def test_counts_exact(self):
        want = expected_counts([s for b in self.BATCHES for s in b], nginx_status)
        self.assertEqual(sum(want.values()), 10)
        for role in ROLES:
            self.assert_http_counts(self.report, role, want)

    def test_body_in_pipeline(self):
        for role in ROLES:
            body = self.report.http_group(role, "POST", "/created", 201)["request_body_bytes"]
            self.assertEqual((body["count"], body["sum"]), (1, 300), role)

    def test_stats(self):
        for k in ("http_unanswered", "http_resync"):
            self.assertEqual(self.report.total(k), 0, k)


class HeadSplitOverWrites(Scenario, harness.HttpAssertions):
    """One request head sent in four send() calls 50 ms apart (TCP_NODELAY): one request,
    and its duration starts at its first byte."""

    PORT = 18113
    NGINX = True
    PAUSE_S = 0.05
    PARTS = [b"GET /o", b"k?split=1 HTTP/1.1\r\nHo", b"st: split\r\nUser-Agent: split\r\n",
             b"Connection: close\r\n\r\n"]

    @classmethod
    def drive(cls):
        sock = connect(cls.PORT)
        try:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            sock.sendall(cls.PARTS[0])
            after_first = time.monotonic()
            for part in cls.PARTS[1:]:
                time.sleep(cls.PAUSE_S)
                before_last = time.monotonic()
                sock.sendall(part)
            resp = b""
            while True:
                data = sock.recv(65536)
                if not data:
                    break
                resp += data
            cls.response = resp
            cls.head_ms = (before_last - after_first) * 1000
            cls.client_local = "127.0.0.1:%d" % sock.getsockname()[1]
        finally:
            sock.close()

    def test_nginx_answered(self):
        self.assertTrue(self.response.startswith(b"HTTP/1.1 200 OK\r\n"), self.response)

    def test_one_request(self):
        for role in ROLES:
            self.assert_http_counts(self.report, role, {("GET", "/ok", 200): 1})

    def test_client_wrote_four_times(self):
        conn = self.report.conn(CLIENT, self.client_local, f"127.0.0.1:{self.PORT}")
        self.assertIsNotNone(conn)
        self.assertEqual(conn["events_out"], 4)

    def test_duration_starts_at_first_byte(self):
        self.assertGreaterEqual(self.head_ms, 3 * self.PAUSE_S * 1000 * 0.99)
        client = self.report.http_group(CLIENT, "GET", "/ok", 200)["duration_ms"]
        # the client wrote the first part before after_first and read the response after
        # before_last: its duration covers at least that span
        self.assertGreaterEqual(client["min"], self.head_ms)
        # nginx read the first part when it came (idle: within a few ms; loaded: later)
        server = self.report.http_group(SERVER, "GET", "/ok", 200)["duration_ms"]
        self.assertGreaterEqual(server["min"], self.head_ms - 100)
        self.assertLess(server["max"], self.head_ms + 1000)
        for h in (client, server):  # the one request sits in the bucket of its duration
            self.assertEqual(h["counts"][bisect.bisect_left(DURATION_BOUNDS, h["min"])], 1, h)


class ServerClosesEachConnection(Scenario, harness.HttpAssertions):
    """nginx with keepalive_timeout 0 (closes after each response), and a client that asks
    for Connection: close: one request per connection, each closed right after."""

    PORT = 18114
    NGINX = True

    @classmethod
    def drive(cls):
        # curl would reuse the connection; the server closes it, so curl opens a new one
        cls.curl_saw = curl_steps(cls.PORT, [("GET", "/close/x")] * 5)
        cls.python_saw = []
        for _ in range(3):
            sock = connect(cls.PORT)
            try:
                sock.sendall(b"GET /ok HTTP/1.1\r\nHost: c\r\nConnection: close\r\n\r\n")
                conn = http_origin._Conn(sock)
                cls.python_saw.append(conn.read_response()[0])
                cls.python_saw.append(sock.recv(100))  # then EOF: the server closed
            finally:
                sock.close()

    def test_premises(self):
        self.assertEqual(self.curl_saw, [(200, 1)] * 5, "a new connection per request")
        self.assertEqual(self.python_saw, [200, b""] * 3)

    def test_counts_exact(self):
        for role in ROLES:
            self.assert_http_counts(self.report, role, {("GET", "/close/x", 200): 5,
                                                        ("GET", "/ok", 200): 3})

    def test_none_unanswered(self):
        self.assertEqual(self.report.total("http_unanswered"), 0)
        self.assertEqual(self.report.total("http_resync"), 0)

    def test_one_connection_per_request(self):
        for role in ROLES:
            self.assertEqual(len([k for k in self.report.conns if k[0] == role]), 8, role)


class HandWrittenOrigin(Scenario, harness.HttpAssertions):
    """The framing cases of http_origin.py: chunked (extensions, trailers, a size line cut
    between writes, a response written one byte per send), close-delimited, 100 Continue,
    103, 304 and 204 with no body, HEAD, a body that looks like a response, a response that
    takes 1.2 s, a 101 Switching Protocols and the tunnel after it."""

    PORT = 18115
    ORIGIN = True
    KEEPALIVE = [
        ("GET", "/chunked"), ("GET", "/chunked-ext"), ("HEAD", "/head"), ("GET", "/notmod"),
        ("GET", "/nocontent"), ("POST", "/continue", b"c" * 2000, True), ("GET", "/early"),
        ("POST", "/created", b"d" * 100), ("GET", "/plain"), ("GET", "/chunked"),
        ("HEAD", "/head"), ("GET", "/notmod"), ("GET", "/tricky"), ("GET", "/bytewise"),
        ("GET", "/slow"), ("GET", "/plain"), ("GET", "/close"),  # the server closes
    ]
    UPGRADE = [("GET", "/upgrade")]
    # after the 101 the connection carries frames that merely contain HTTP-looking text
    TUNNEL = [b"\x81\x12GET / HTTP/1.1\r\n\r\n", b"\x82\x7eHTTP/1.1 200 OK\r\n\r\n",
              b"\x00" * 100]
    CURL_RUNS = [
        [("GET", "/chunked"), ("GET", "/notmod"), ("GET", "/nocontent"), ("GET", "/chunked-ext"),
         ("GET", "/early"), ("HEAD", "/head"), ("GET", "/plain")],
        [("POST", "/continue", b"e" * 3000, ["-H", "Expect: 100-continue"]), ("GET", "/plain")],
        [("GET", "/close")],
    ]

    @classmethod
    def drive(cls):
        client = http_origin.Client(cls.PORT)
        try:
            for step in cls.KEEPALIVE:
                body = step[2] if len(step) > 2 else b""
                client.exchange(step[0], step[1], body=body,
                                expect_continue=len(step) > 3 and step[3])
        finally:
            client.close()
        client = http_origin.Client(cls.PORT)
        try:
            client.exchange("GET", "/upgrade",
                            headers=["Upgrade: websocket", "Connection: Upgrade"])
            for frame in cls.TUNNEL:
                client.sock.sendall(frame)
                if client.conn.read_exact(len(frame)) != frame:
                    raise AssertionError("tunnel echo")
        finally:
            client.close()
        cls.curl_saw = []
        with tempfile.TemporaryDirectory() as d:
            for steps in cls.CURL_RUNS:
                cls.curl_saw.append(curl_steps(cls.PORT, steps, d))

    def expected(self):
        steps = self.KEEPALIVE + self.UPGRADE + [s for run in self.CURL_RUNS for s in run]
        return expected_counts(steps, lambda p: http_origin.STATUS[p])

    def test_premises(self):
        self.assertEqual(self.origin.errors, [])
        self.assertEqual(self.origin.served, self.expected())
        for steps, saw in zip(self.CURL_RUNS, self.curl_saw):
            self.assertEqual([s for s, _ in saw], [http_origin.STATUS[s[1]] for s in steps])
            self.assertEqual(saw[0][1], 1)
            self.assertEqual([n for _, n in saw[1:]], [0] * (len(steps) - 1), "reused")

    def test_server_counts_exact(self):
        self.assert_http_counts(self.report, SERVER, self.expected())

    def test_client_counts_exact(self):
        self.assert_http_counts(self.report, CLIENT, self.expected())

    def test_body_after_100_continue(self):
        for role in ROLES:
            body = self.report.http_group(role, "POST", "/continue", 200)["request_body_bytes"]
            self.assertEqual((body["count"], body["sum"], body["min"], body["max"]),
                             (2, 5000, 2000, 3000), role)

    def test_durations(self):
        self.assert_durations_sane(self.report)

    def test_slow_response_duration(self):
        slow_ms = http_origin.SLOW_S * 1000
        for role in ROLES:
            d = self.report.http_group(role, "GET", "/slow", 200)["duration_ms"]
            self.assertGreaterEqual(d["min"], slow_ms, role)
            self.assertLess(d["max"], slow_ms + 300, role)
            self.assertEqual(d["counts"][DURATION_BOUNDS.index(2500)], 1, d)  # 1000 < d <= 2500

    def test_stats(self):
        for k in ("http_unanswered", "http_resync", "conns_not_parsed"):
            self.assertEqual(self.report.total(k), 0, k)


class DeepPipeline(Scenario, harness.HttpAssertions):
    """40 requests in one send(), more than the 32 sockeye keeps in flight per connection:
    the client role must drop some (http_pipeline_full), every request is either counted or
    dropped under that reason, and no response is paired with the wrong request."""

    PORT = 18122
    NGINX = True
    DEPTH = 40

    @classmethod
    def drive(cls):
        wire = b""
        for i in range(cls.DEPTH):
            path = b"/ok" if i % 2 == 0 else b"/missing"
            close = b"Connection: close\r\n" if i == cls.DEPTH - 1 else b""
            wire += b"GET %s HTTP/1.1\r\nHost: deep\r\n%s\r\n" % (path, close)
        with connect(cls.PORT) as sock:
            sock.sendall(wire)
            conn = http_origin._Conn(sock)
            cls.statuses = [conn.read_response()[0] for _ in range(cls.DEPTH)]

    def test_nothing_dropped(self):
        dropped = {k: v for k, v in self.report.total_dropped().items() if v}
        self.assertGreaterEqual(dropped.pop("http_pipeline_full", 0), self.DEPTH - 32)
        # the responses of dropped requests have no request left to pair with
        dropped.pop("http_unpaired", None)
        self.assertEqual(dropped, {})

    def test_premises(self):
        self.assertEqual(self.statuses, [200, 404] * (self.DEPTH // 2))

    def test_every_request_counted_or_dropped(self):
        counted = sum(g["count"] for g in self.report.http_groups.values())
        self.assertEqual(counted + self.report.total_dropped()["http_pipeline_full"],
                         2 * self.DEPTH)

    def test_no_wrong_pairing(self):
        self.assertLessEqual(set(self.report.http_counts(SERVER)) |
                             set(self.report.http_counts(CLIENT)),
                             {("GET", "/ok", 200), ("GET", "/missing", 404)})


class BlockingUpload(Scenario, harness.HttpAssertions):
    """A client sends a 4 MB POST in one blocking send() to a server that waits 0.5 s before
    reading: the send returns only once the server has read most of it. The client's
    duration starts when that send began (its first byte), not when it returned; the
    server's starts at its first read, after the pause."""

    PORT = 18125
    LISTEN_PORT = 18125  # where the server listens
    CLIENT_BINDS_PORT = False  # True: the client binds PORT as its own local port
    PAUSE_S = 0.5
    BODY = b"u" * (4 << 20)
    SMALL_BUFFER = 64 << 10  # both ends: the send cannot complete into socket buffers

    @classmethod
    def drive(cls):
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, cls.SMALL_BUFFER)
        listener.bind(("127.0.0.1", cls.LISTEN_PORT))
        listener.listen(1)
        server_saw = []

        def serve():
            sock, _ = listener.accept()
            with sock:
                time.sleep(cls.PAUSE_S)
                conn = http_origin._Conn(sock)
                method, path, headers = conn.read_head()
                conn.read_body(headers)
                server_saw.append((method, path, int(headers["content-length"])))
                sock.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")

        server = threading.Thread(target=serve, daemon=True)
        server.start()
        try:
            sock = socket.socket()
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, cls.SMALL_BUFFER)
            if cls.CLIENT_BINDS_PORT:
                # closed with a reset: no TIME_WAIT left holding the port, which the other
                # tier's run binds again seconds later (no SO_REUSEADDR here)
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                sock.bind(("127.0.0.1", cls.PORT))
            sock.connect(("127.0.0.1", cls.LISTEN_PORT))  # blocking: no timeout, one send()
            with sock:
                head = b"POST /upload HTTP/1.1\r\nHost: up\r\nContent-Length: %d\r\n\r\n"
                started = time.monotonic()
                sent = sock.send(head % len(cls.BODY) + cls.BODY)
                cls.send_ms = (time.monotonic() - started) * 1000
                cls.sent_whole = sent == len(head % len(cls.BODY)) + len(cls.BODY)
                cls.response = http_origin._Conn(sock).read_response()
                cls.client_local = "127.0.0.1:%d" % sock.getsockname()[1]
            server.join(CLIENT_TIMEOUT_S)
        finally:
            listener.close()
        cls.server_saw = server_saw

    def test_premises(self):
        self.assertTrue(self.sent_whole)
        self.assertGreaterEqual(self.send_ms, self.PAUSE_S * 1000 * 0.99)
        self.assertEqual(self.server_saw, [("POST", "/upload", len(self.BODY))])
        self.assertEqual(self.response[0], 200)
        conn = self.report.conn(CLIENT, self.client_local, f"127.0.0.1:{self.LISTEN_PORT}")
        self.assertIsNotNone(conn)
        self.assertEqual(conn["events_out"], 1)  # the whole request in one send()

    def test_counts_and_body(self):
        for role in ROLES:
            self.assert_http_counts(self.report, role, {("POST", "/upload", 200): 1})
            body = self.report.http_group(role, "POST", "/upload", 200)["request_body_bytes"]
            self.assertEqual(body["sum"], len(self.BODY), role)

    def test_client_timed_from_the_start_of_its_send(self):
        client = self.report.http_group(CLIENT, "POST", "/upload", 200)["duration_ms"]
        if self.send_start_known:
            self.assertGreaterEqual(client["min"], self.send_ms * 0.99)
        else:  # a kernel without tcp:tcp_sendmsg_locked: timed from the send's end (docs/capture.md)
            self.assertLess(client["max"], self.send_ms)
        server = self.report.http_group(SERVER, "POST", "/upload", 200)["duration_ms"]
        self.assertLess(server["max"], self.PAUSE_S * 1000)  # it began reading after the pause


class BlockingUploadFromAWatchedLocalPort(BlockingUpload):
    """The same upload from a client that bound the watched port and connected to an
    unwatched one: both sides are tracked (one end's port is watched), but only a send to a
    watched remote port is stamped at its start (docs/capture.md, "When a send began"), so this
    client's request is timed from the send's exit, like a server's."""

    PORT = 18126
    LISTEN_PORT = 18127
    CLIENT_BINDS_PORT = True
    test_client_timed_from_the_start_of_its_send = None  # not this client (not collected)

    def test_client_timed_from_the_end_of_its_send(self):
        client = self.report.http_group(CLIENT, "POST", "/upload", 200)["duration_ms"]
        # from the send's exit to the response: milliseconds; from its start: the pause
        self.assertLess(client["max"], self.PAUSE_S * 1000 / 2)
        server = self.report.http_group(SERVER, "POST", "/upload", 200)["duration_ms"]
        self.assertLess(server["max"], self.PAUSE_S * 1000)


class LargeHeads(Scenario, harness.HttpAssertions):
    """A request head and a response head longer than the 4096 bytes sockeye keeps (a 6 KB
    header, a 6 KB Set-Cookie): both are counted, with their first 4096 bytes kept and
    framing read from the rest, and the requests after them on the same connection are
    framed and paired exactly."""

    PORT = 18123
    ORIGIN = True

    @classmethod
    def drive(cls):
        c = http_origin.Client(cls.PORT)
        try:
            # each followed by a request with another status: a wrong pairing shows
            c.exchange("GET", "/bigreq", headers=["X-Big: " + "b" * 6000])
            c.exchange("GET", "/plain")
            c.exchange("GET", "/bigresp")
            c.exchange("GET", "/nocontent")
        finally:
            c.close()

    def test_nothing_dropped(self):
        self.assertEqual({k: v for k, v in self.report.total_dropped().items() if v}, {})

    def test_every_request_counted_and_paired(self):
        for role in ROLES:
            self.assert_http_counts(self.report, role,
                                    {("GET", "/bigreq", 200): 1, ("GET", "/plain", 200): 1,
                                     ("GET", "/bigresp", 200): 1,
                                     ("GET", "/nocontent", 204): 1})

    def test_long_heads_counted_as_truncated(self):
        # the request head and the response head, each seen by both roles
        self.assertEqual(self.report.total("http_head_truncated"), 4)


class OddRequests(Scenario, harness.HttpAssertions):
    """What clients send that is legal but unusual: methods sockeye does not know (in the
    middle of a connection, and as its first request), a path longer than sockeye keeps, a
    request body that looks like requests, a chunked request body, a query string only."""

    PORT = 18124
    ORIGIN = True
    LONG = "/long/" + "x" * 400
    FAKE = b"GET /fake HTTP/1.1\r\nHost: x\r\n\r\n" * 4

    @classmethod
    def drive(cls):
        c = http_origin.Client(cls.PORT)
        try:
            c.exchange("GET", "/plain")
            c.exchange("FROB", "/plain")
            c.exchange("PURGE", "/plain")
            c.exchange("GET", cls.LONG)
            c.exchange("POST", "/created", body=cls.FAKE)
            c.exchange("GET", "/plain?only=query")
        finally:
            c.close()
        # a connection whose first request has a method sockeye does not know
        c = http_origin.Client(cls.PORT)
        try:
            c.exchange("FROB", "/nocontent")
            c.exchange("GET", "/nocontent")
        finally:
            c.close()
        with tempfile.TemporaryDirectory() as d:
            cls.curl_saw = curl_steps(cls.PORT, [
                ("POST", "/created", b"z" * 3000, ["-H", "Transfer-Encoding: chunked"]),
                ("GET", "/plain")], d)

    def test_premises(self):
        self.assertEqual(self.origin.errors, [])
        self.assertEqual(self.curl_saw, [(201, 1), (200, 0)])
        self.assertEqual(self.origin.served[("POST", "/created", 201)], 2)

    def test_known_groups_exact(self):
        for role in ROLES:
            self.assert_http_counts(self.report, role,
                                    {("_OTHER", "/plain", 200): 2, ("GET", "/plain", 200): 3,
                                     ("POST", "/created", 201): 2},
                                    only=lambda p: not p.startswith("/long/") and
                                    p != "/nocontent")

    def test_unknown_method_first_on_a_connection(self):
        # the contract: unknown methods print as _OTHER; the connection is still HTTP (its
        # responses are HTTP/1.1, and so is the request line but for the method)
        for role in ROLES:
            self.assert_http_counts(self.report, role, {("_OTHER", "/nocontent", 204): 1,
                                                        ("GET", "/nocontent", 204): 1},
                                    only=lambda p: p == "/nocontent")
        self.assertEqual(self.report.total("conns_not_parsed"), 0)

    def test_long_path_cut_and_flagged(self):
        for role in ROLES:
            long = [(k, g) for k, g in self.report.http_groups.items()
                    if k[0] == role and k[2].startswith("/long/")]
            self.assertEqual(len(long), 1, long)
            (_, method, path, status, _), g = long[0]
            self.assertEqual((method, status, g["count"]), ("GET", 404, 1))
            self.assertTrue(self.LONG.startswith(path), path)
            self.assertLess(len(path), len(self.LONG))
            self.assertTrue(g["path_truncated"])

    def test_body_that_looks_like_requests(self):
        self.assertEqual([k for k in self.report.http_groups if k[2] == "/fake"], [])
        for role in ROLES:
            body = self.report.http_group(role, "POST", "/created", 201)["request_body_bytes"]
            # and the chunked one counts its data, not its chunk framing
            self.assertEqual((body["count"], body["min"], body["max"]), (2, len(self.FAKE), 3000),
                             role)

    def test_stats(self):
        for k in ("http_unanswered", "http_resync"):
            self.assertEqual(self.report.total(k), 0, k)


def _echo_server(listener, stop, banners):
    """Accept connections; send the banner (server-first protocols) then echo."""
    listener.settimeout(0.1)
    threads = []

    def serve(sock, banner):
        with sock:
            if banner:
                sock.sendall(banner)
            while True:
                data = sock.recv(65536)
                if not data:
                    return
                sock.sendall(b"+PONG\r\n" if data == b"PING\r\n" else data)

    i = 0
    while not stop.is_set():
        try:
            sock, _ = listener.accept()
        except socket.timeout:
            continue
        t = threading.Thread(target=serve, args=(sock, banners[i] if i < len(banners) else b""))
        t.start()
        threads.append(t)
        i += 1
    for t in threads:
        t.join(10)


class NotHttp(Scenario, harness.HttpAssertions):
    """Binary bytes, a Redis PING and a server-first banner on a watched port: not HTTP."""

    PORT = 18116
    SENDS = [b"\x00\x01binary\xff\xfe\x00" * 20, b"PING\r\n", b"EHLO client.test\r\n"]
    BANNERS = [b"", b"", b"220 mail.test ESMTP ready\r\n"]

    @classmethod
    def drive(cls):
        listener = harness.listen_on(cls.PORT, 8)
        stop = threading.Event()
        server = threading.Thread(target=_echo_server, args=(listener, stop, cls.BANNERS))
        server.start()
        try:
            for payload, banner in zip(cls.SENDS, cls.BANNERS):
                with connect(cls.PORT) as s:
                    conn = http_origin._Conn(s)
                    if banner:
                        conn.read_exact(len(banner))
                    for _ in range(3):
                        s.sendall(payload)
                        want = b"+PONG\r\n" if payload == b"PING\r\n" else payload
                        if conn.read_exact(len(want)) != want:
                            raise AssertionError("echo")
        finally:
            stop.set()
            server.join(10)
            listener.close()

    def test_captured(self):
        self.assertEqual(len(self.report.conns), 2 * len(self.SENDS), self.report.conns)

    def test_no_http_lines(self):
        self.assertEqual(self.report.http_lines, [])

    def test_counted_as_not_parsed(self):
        self.assertGreaterEqual(self.report.total("conns_not_parsed"), 1)
        self.assertEqual(self.report.total_dropped().get("http_invalid"), 0)
        self.assertEqual(self.report.total("http_requests"), 0)


class TraceContext(Scenario, harness.HttpAssertions):
    """Requests carrying W3C traceparent or B3 headers are counted in their group's traced."""

    PORT = 18117
    NGINX = True
    SECRET = "s3cr3t-value-7f1c"

    @classmethod
    def drive(cls):
        tp = ["-H", f"traceparent: 00-{TRACE_ID}-{SPAN_ID}-01"]
        b3 = ["-H", f"b3: {TRACE_ID}-{SPAN_ID}-1"]
        b3multi = ["-H", f"X-B3-TraceId: {TRACE_ID}", "-H", f"X-B3-SpanId: {SPAN_ID}",
                   "-H", "X-B3-Sampled: 1"]
        secrets = ["-H", f"Authorization: Bearer {cls.SECRET}", "-H", f"Cookie: id={cls.SECRET}",
                   "-H", f"X-API-Key: {cls.SECRET}"]
        curl_steps(cls.PORT, [("GET", "/traced", None, tp), ("GET", "/traced"),
                              ("GET", "/traced", None, b3), ("GET", "/traced", None, tp)])
        curl_steps(cls.PORT, [("GET", "/traced"), ("GET", "/traced", None, secrets)])
        curl_steps(cls.PORT, [("GET", "/p/b3multi", None, b3multi), ("GET", "/p/b3multi"),
                              ("GET", "/p/b3multi", None, b3multi)])

    def test_counts(self):
        for role in ROLES:
            self.assert_http_counts(self.report, role, {("GET", "/traced", 200): 6,
                                                        ("GET", "/p/b3multi", 200): 3})

    def test_traced_traceparent_and_b3_single(self):
        g = self.report.http_group(SERVER, "GET", "/traced", 200)
        self.assertEqual((g["count"], g["traced"]), (6, 3), "server role")

    def test_traced_client_role(self):
        # the client wrote the same headers: the contract does not restrict traced to a role
        g = self.report.http_group(CLIENT, "GET", "/traced", 200)
        self.assertEqual((g["count"], g["traced"]), (6, 3), "client role")

    def test_traced_b3_multi_header(self):
        for role in ROLES:
            g = self.report.http_group(role, "GET", "/p/b3multi", 200)
            self.assertEqual((g["count"], g["traced"]), (3, 2), role)

    def test_secret_header_values_not_in_output(self):
        for line in self.report.lines:
            self.assertNotIn(self.SECRET, json.dumps(line))


class NeverAnswered(Scenario, harness.HttpAssertions):
    """A server that reads the request and closes without a byte of response."""

    PORT = 18118
    ORIGIN = True

    @classmethod
    def drive(cls):
        c = http_origin.Client(cls.PORT)
        try:
            c.exchange("GET", "/noanswer")  # reads to EOF: nothing came
        finally:
            c.close()
        c = http_origin.Client(cls.PORT)
        try:
            c.exchange("GET", "/plain")
        finally:
            c.close()

    def test_answered_one_counted(self):
        for role in ROLES:
            self.assert_http_counts(self.report, role, {("GET", "/plain", 200): 1})

    def test_no_group_for_the_unanswered_path(self):
        self.assertEqual([k for k in self.report.http_groups if k[2] == "/noanswer"], [])

    def test_counted_unanswered_once_per_role(self):
        # one request, seen by the server that read it and the client that wrote it
        self.assertEqual(self.report.total("http_unanswered"), 2)

    def test_http_requests_counts_answered_only(self):
        self.assertEqual(self.report.total("http_requests"), 2)


class GroupCap(Scenario, harness.HttpAssertions):
    """--max-groups 16 and 40 distinct paths: the rest goes into the overflow group, and
    nothing is lost from the counts."""

    PORT = 18119
    NGINX = True
    SOCKEYE_ARGS = ("--max-groups", "16")
    PATHS = 40

    @classmethod
    def drive(cls):
        cls.curl_saw = curl_steps(cls.PORT, [("GET", f"/p/{i}") for i in range(cls.PATHS)])

    def test_premises(self):
        self.assertEqual([s for s, _ in self.curl_saw], [200] * self.PATHS)

    def test_total_per_role_equals_requests(self):
        for role in ROLES:
            total = sum(g["count"] for k, g in self.report.http_groups.items() if k[0] == role)
            self.assertEqual(total, self.PATHS, role)

    def test_overflow_group(self):
        over = [l for l in self.report.http_lines if l["overflow"]]
        self.assertTrue(over, "an overflow line")
        for l in over:
            self.assertEqual((l["method"], l["path"], l["status"]), ("_OTHER", "_overflow", 0), l)
        self.assertGreater(self.report.total("http_group_overflow"), 0)
        overflowed = sum(l["count"] for l in over)
        self.assertEqual(overflowed, self.report.total("http_group_overflow"))

    def test_named_groups_are_exact(self):
        # a path that got its own group was counted there fully, once per role
        for (role, method, path, status, peer), g in self.report.http_groups.items():
            if not g["overflow"]:
                self.assertRegex(path, r"^/p/\d+$")
                self.assertEqual((method, status), ("GET", 200))
                self.assertLessEqual(g["count"], 1, path)


class WindowEdges(Scenario, harness.HttpAssertions):
    """--window 1 and requests spread over more than three seconds: summed over windows,
    the counts equal what was sent, on a kept-alive connection and on new ones."""

    PORT = 18120
    NGINX = True
    SOCKEYE_ARGS = ("--window", "1")
    SECONDS = 3.3

    @classmethod
    def drive(cls):
        cls.sent_ok = cls.sent_missing = 0
        sock = connect(cls.PORT)
        conn = http_origin._Conn(sock)
        try:
            deadline = time.monotonic() + cls.SECONDS
            next_curl = 0
            while time.monotonic() < deadline:
                sock.sendall(b"GET /ok HTTP/1.1\r\nHost: w\r\n\r\n")
                if conn.read_response()[0] != 200:
                    raise AssertionError("status")
                cls.sent_ok += 1
                if cls.sent_ok >= next_curl:
                    curl_steps(cls.PORT, [("GET", "/missing")])
                    cls.sent_missing += 1
                    next_curl = cls.sent_ok + 5
                time.sleep(0.05)
        finally:
            sock.close()

    def test_sums_over_windows(self):
        for role in ROLES:
            self.assert_http_counts(self.report, role,
                                    {("GET", "/ok", 200): self.sent_ok,
                                     ("GET", "/missing", 404): self.sent_missing})

    def test_spread_over_windows(self):
        windows = {l["window_start"] for l in self.report.http_lines}
        self.assertGreaterEqual(len(windows), 3)
        for l in self.report.http_lines:
            self.assertEqual(l["window_start"] % 1000, 0, l)
            self.assertLessEqual(l["window_end"] - l["window_start"], 1000, l)
            self.assertEqual(l["duration_ms"]["count"], l["count"], l)

    def test_stats_per_window(self):
        self.assertEqual(self.report.total("http_requests"),
                         2 * (self.sent_ok + self.sent_missing))
        self.assertEqual(self.report.total("http_unanswered"), 0)


if __name__ == "__main__":
    unittest.main(argv=sys.argv[:1], verbosity=2)
