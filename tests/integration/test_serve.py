"""sockeye's own endpoint (--listen), end to end: the real sockeye (root, real BPF) answers
/healthz, /readyz and /metrics while it watches nginx, as kubelet, curl and Prometheus ask.

  Endpoint    the routes and their answers (HEAD, 404, 405, 400, a head too long); clients
              that connect and say nothing never keep a probe out; /readyz goes from "the
              first window is not sealed yet" to ready at the first window edge, and stays;
              /metrics in both formats counts exactly the requests nginx served, and
              `promtool check metrics` (Debian's prometheus) finds nothing to say of it
  Readiness   with an OTLP collector (tests/integration/otlp/receiver.js): ready while it
              takes the exports, not ready ("OTLP exports failing") once it has been down
              for three windows, ready again once it is back on the same port"""

import os
import re
import socket
import subprocess
import time
import unittest
import urllib.error
import urllib.request

import harness
import otlp_receiver as otlp

OPENMETRICS = "application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5"
PROMTOOL = "/usr/bin/promtool"


def get(port, path, accept=None, method="GET", timeout=5):
    """(status, content type, body) of one request to sockeye's endpoint."""
    req = urllib.request.Request(f"http://127.0.0.1:{port}{path}", method=method)
    if accept:
        req.add_header("Accept", accept)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, r.headers.get("Content-Type"), r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.headers.get("Content-Type"), e.read().decode()


def raw(port, data, timeout=5):
    """Send bytes as they are; the status code of the answer (None: closed without one)."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        s.sendall(data)
        answer = harness.recv_all(s)
    m = re.match(rb"HTTP/1\.1 (\d{3}) ", answer)
    return int(m.group(1)) if m else None


def wait_ready(port, timeout=60):
    """Poll /readyz until it says ready; return the answers seen on the way."""
    seen, deadline = [], time.monotonic() + timeout
    while time.monotonic() < deadline:
        status, _, body = get(port, "/readyz")
        seen.append((status, body, time.time()))
        if status == 200:
            return seen
        time.sleep(0.05)
    raise AssertionError(f"/readyz never ready: {seen[-3:]}")


def samples(text, name):
    """{labels text: value} of the samples of one metric name in an exposition."""
    out = {}
    for line in text.splitlines():
        m = re.match(re.escape(name) + r"(\{[^}]*\})? (\S+)$", line)
        if m:
            out[m.group(1) or ""] = float(m.group(2))
    return out


def served_count(text, path, status):
    """The requests to path with status the exposition counts (every peer, both roles
    summed over server series)."""
    total = 0
    for labels, v in samples(text, "http_server_request_duration_seconds_count").items():
        if f'url_path="{path}"' in labels and f'http_response_status_code="{status}"' in labels:
            total += v
    return int(total)


class Endpoint(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        harness.require_root(cls)
        cls.nginx = harness.NginxServer(harness.free_port()).start()
        cls.port = harness.free_port()
        cls.sockeye = harness.Sockeye("--ports", str(cls.nginx.port), "--window", "2",
                                      "--listen", f"127.0.0.1:{cls.port}")
        cls.ready = wait_ready(cls.port)

    @classmethod
    def tearDownClass(cls):
        cls.sockeye.stop()
        cls.nginx.stop()

    def test_readyz_at_the_first_window_edge(self):
        first_edge = (int(self.sockeye.ready_at // 2) + 1) * 2
        statuses = [s for s, _, _ in self.ready]
        self.assertEqual(statuses[-1], 200)
        self.assertNotIn(200, statuses[:-1])
        for status, body, _ in self.ready[:-1]:
            self.assertEqual((status, body), (503, "not ready: the first window is not sealed "
                                                   "yet\n"))
        self.assertGreaterEqual(self.ready[-1][2], first_edge - 0.05,
                                "ready before the first window ended")
        self.assertEqual(get(self.port, "/readyz")[::2], (200, "ready\n"))

    def test_routes(self):
        self.assertEqual(get(self.port, "/healthz"), (200, "text/plain; charset=utf-8", "ok\n"))
        self.assertEqual(get(self.port, "/healthz?verbose", method="HEAD")[0], 200)
        self.assertEqual(get(self.port, "/nothing")[0], 404)
        self.assertEqual(get(self.port, "/metrics", method="POST")[0], 405)
        self.assertEqual(raw(self.port, b"GET /healthz\r\n\r\n"), 400)
        self.assertEqual(raw(self.port, b"GET /healthz HTTP/1.1\r\nX: " + b"a" * 9000), 431)

    def test_silent_clients_do_not_keep_probes_out(self):
        """More idle connections than the endpoint has slots: a probe is still answered."""
        idle = [socket.create_connection(("127.0.0.1", self.port)) for _ in range(40)]
        try:
            start = time.monotonic()
            self.assertEqual(get(self.port, "/healthz", timeout=3)[0], 200)
            self.assertLess(time.monotonic() - start, 2)
        finally:
            for s in idle:
                s.close()

    def test_metrics_count_what_nginx_served(self):
        for _ in range(25):
            harness.curl(f"http://127.0.0.1:{self.nginx.port}/ok", "-o", "/dev/null")
        for _ in range(7):
            harness.curl(f"http://127.0.0.1:{self.nginx.port}/missing", "-o", "/dev/null")
        served = self.nginx.served()
        deadline = time.monotonic() + 30
        while True:
            status, ctype, text = get(self.port, "/metrics")
            self.assertEqual(status, 200)
            got = (served_count(text, "/ok", 200), served_count(text, "/missing", 404))
            if got == (served[("GET", "/ok", 200)], served[("GET", "/missing", 404)]):
                break
            if time.monotonic() > deadline:
                self.fail(f"/metrics counts {got}, nginx served {served}")
            time.sleep(0.2)
        self.assertEqual(ctype, "text/plain; version=0.0.4; charset=utf-8")
        self.assertIn("\ntarget_info{service_name=", text)
        check = subprocess.run([PROMTOOL, "check", "metrics"], input=text, capture_output=True,
                               text=True, timeout=60)
        self.assertEqual((check.returncode, check.stdout + check.stderr), (0, ""))

        status, ctype, om = get(self.port, "/metrics", accept=OPENMETRICS)
        self.assertEqual(status, 200)
        self.assertEqual(ctype, "application/openmetrics-text; version=1.0.0; charset=utf-8")
        self.assertTrue(om.endswith("\n# EOF\n"))
        self.assertIn("# TYPE sockeye_events counter\n", om)
        self.assertIn("# UNIT http_server_request_duration_seconds seconds\n", om)
        self.assertGreaterEqual(served_count(om, "/ok", 200), served[("GET", "/ok", 200)])


    def test_a_page_of_many_chunks(self):
        """600 groups: the answer streams in chunks (HTTP/1.1) or up to the close (HTTP/1.0),
        each whole."""
        import http.client
        conn = http.client.HTTPConnection("127.0.0.1", self.nginx.port, timeout=10)
        for i in range(600):
            conn.request("GET", f"/many/{i:04d}")
            conn.getresponse().read()
        conn.close()
        deadline = time.monotonic() + 30
        while True:
            status, _, text = get(self.port, "/metrics")
            paths = {l for l in samples(text, "http_server_request_duration_seconds_count")
                     if 'url_path="/many/' in l}
            if len(paths) == 600 or time.monotonic() > deadline:
                break
            time.sleep(0.2)
        self.assertEqual((status, len(paths)), (200, 600))
        self.assertGreater(len(text), 4 * 32 * 1024)
        # HTTP/1.0: no chunks; the body ends with the connection
        with socket.create_connection(("127.0.0.1", self.port), timeout=10) as sock:
            sock.sendall(b"GET /metrics HTTP/1.0\r\nAccept: application/openmetrics-text\r\n"
                         b"\r\n")
            answer = harness.recv_all(sock)
        head, body = answer.split(b"\r\n\r\n", 1)
        self.assertNotIn(b"Transfer-Encoding", head)
        body = body.decode()
        self.assertTrue(body.endswith("\n# EOF\n"))
        self.assertEqual(len([l for l in samples(body, "http_server_request_duration_seconds_count")
                              if 'url_path="/many/' in l]), 600)


class Readiness(unittest.TestCase):
    def test_not_ready_while_the_collector_is_down(self):
        harness.require_root(self)
        port = harness.free_port()
        rx = otlp.OtlpReceiver().start()
        sockeye = harness.Sockeye("--window", "1", "--otlp-endpoint", rx.url,
                                  "--listen", f"127.0.0.1:{port}")
        try:
            wait_ready(port)
            rx.stop()
            down = time.monotonic()
            deadline = down + 30
            while True:
                status, _, body = get(port, "/readyz")
                if status == 503:
                    break
                self.assertEqual(status, 200)
                self.assertLess(time.monotonic(), deadline, "still ready with no collector")
                time.sleep(0.1)
            self.assertRegex(body, r"^not ready: OTLP exports failing for \d+ s\n$")
            # three windows of failures, counted from the first failed export
            self.assertGreaterEqual(time.monotonic() - down, 3 - 0.2)
            rx.start()
            wait_ready(port, timeout=90)
        finally:
            sockeye.stop()
            rx.stop()
            rx.cleanup()


if __name__ == "__main__":
    unittest.main(verbosity=2)
