"""HTTP/2 and gRPC end to end, with real implementations: nghttp2's server (nghttpd), client
(nghttp), load generator (h2load) and proxy (nghttpx, for the HTTP/1.1 Upgrade to h2c; curl
upgrades too), and gRPC's own (Debian's python3-grpcio, driven by grpc_peer.py).

Each class is one scenario with its own servers, its own sockeye (only that scenario's port
watched, on loopback: every request is seen once by the server that accepted and once by the
client that connected, peer 127.0.0.1) and its own assertions on the http groups summed over
windows: exact counts per (role, protocol, method, path, status[, grpc_status]) for both
roles, taken from what the tools themselves report (nghttp's HAR, h2load's summary and log,
nghttpd's -v trace, nghttpx's access log, grpc_peer.py's counts on both ends), no drops,
plausible durations, nothing in flight at the end."""

import collections
import json
import os
import re
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import unittest

import h2_raw
import harness

SERVER, CLIENT = "server", "client"
ROLES = (SERVER, CLIENT)
PY = "/usr/bin/python3"  # Debian's: python3-grpcio is installed for it, not for a python on PATH
GRPC_PEER = os.path.join(harness.HERE, "grpc_peer.py")
DURATION_BOUNDS = [1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000]
TOOL_TIMEOUT_S = 60  # a client never runs longer than this
SMALL = b"small file served by nghttpd\n"
LARGE_SIZE = 1024 * 1024
BODY = bytes(range(256)) * 12  # 3072 bytes POSTed by nghttp -d
GRPC_SERVICE = "demo.Echo"
# grpc_peer.py's methods and the grpc-status each ends with (OK 0, NOT_FOUND 5, UNKNOWN 2)
GRPC_STATUS = {"Ok": 0, "Missing": 5, "Fail": 2, "Stream": 0}
GRPC_CODE = {"Ok": "OK", "Missing": "NOT_FOUND", "Fail": "UNKNOWN", "Stream": "OK"}


def grpc_path(method):
    return f"/{GRPC_SERVICE}/{method}"


def url(port, path):
    return f"http://127.0.0.1:{port}{path}"


def run(argv, timeout=TOOL_TIMEOUT_S):
    res = subprocess.run(argv, capture_output=True, text=True, timeout=timeout,
                         stdin=subprocess.DEVNULL)
    if res.returncode != 0:
        raise AssertionError(f"{argv} exited {res.returncode}: {res.stderr}{res.stdout}")
    return res


def require_tools():
    missing = [t for t in ("nghttpd", "nghttp", "h2load", "nghttpx", "curl")
               if shutil.which(t) is None]
    if subprocess.run([PY, "-c", "import grpc"], capture_output=True).returncode != 0:
        missing.append("python3-grpcio")
    if missing:
        raise AssertionError(f"not installed: {missing} (tools/setup.sh installs them)")


class H2Report:
    """sockeye's http lines summed over windows by their whole group key: (role, protocol,
    method, path, status, grpc_status, fields_unknown, peer). HTTP/1 lines have no
    "protocol" (read here as "http1"); lines other than gRPC have no grpc_status (None)."""

    def __init__(self, report):
        self.report = report
        self.lines = report.http_lines
        self.groups = {}
        for l in self.lines:
            key = (l["role"], l.get("protocol", "http1"), l["method"], l["path"], l["status"],
                   l.get("grpc_status"), bool(l.get("fields_unknown", False)), l.get("peer"))
            g = self.groups.get(key)
            if g is None:
                g = self.groups[key] = {"count": 0, "windows": 0, "overflow": False,
                                        "duration_ms": harness._hist_empty(l["duration_ms"])}
            g["count"] += l["count"]
            g["windows"] += 1
            g["overflow"] = g["overflow"] or bool(l.get("overflow"))
            harness._hist_add(g["duration_ms"], l["duration_ms"])

    def counts(self, role):
        """{(protocol, method, path, status, grpc_status): count} of one role, summed over
        peers; a group whose fields were not all decoded gets "fields_unknown" appended to its
        key, so it never passes for a decoded one."""
        out = collections.Counter()
        for (r, proto, method, path, status, gs, unknown, _), g in self.groups.items():
            if r == role:
                out[(proto, method, path, status, gs) + (("fields_unknown",) if unknown else ())] \
                    += g["count"]
        return dict(out)

    def total(self, role):
        return sum(g["count"] for k, g in self.groups.items() if k[0] == role)

    def conns(self, role):
        """Connections sockeye reported for role (conn lines, summed over windows)."""
        return [k for k in self.report.conns if k[0] == role]


def _read_line(proc, buf, timeout):
    """One line from proc's stdout (a binary pipe, unbuffered) within timeout seconds;
    buf: bytearray of what was read past the last line."""
    deadline = time.monotonic() + timeout
    while b"\n" not in buf:
        left = deadline - time.monotonic()
        if left <= 0 or not select.select([proc.stdout], [], [], left)[0]:
            raise AssertionError(f"{proc.args}: no answer within {timeout} s")
        chunk = os.read(proc.stdout.fileno(), 65536)
        if not chunk:
            raise AssertionError(f"{proc.args} exited {proc.wait()} before answering")
        buf += chunk
    line, _, rest = bytes(buf).partition(b"\n")
    buf[:] = rest
    return line.decode()


class Servers:
    """The processes a scenario starts, their output in one temp dir; stop() ends them all,
    whatever happened (SIGTERM, then SIGKILL)."""

    def __init__(self, name):
        self.dir = tempfile.mkdtemp(prefix=f"sockeye-h2-{name}-")
        os.chmod(self.dir, 0o755)
        self.procs = []

    def path(self, name):
        return os.path.join(self.dir, name)

    def spawn(self, name, argv, **kw):
        out = open(self.path(name + ".out"), "w")
        err = open(self.path(name + ".err"), "w")
        kw.setdefault("stdin", subprocess.DEVNULL)
        kw.setdefault("stdout", out)
        proc = subprocess.Popen(argv, stderr=err, **kw)
        self.procs.append((proc, out, err))
        return proc

    def read(self, name):
        try:
            with open(self.path(name)) as f:
                return f.read()
        except FileNotFoundError:
            return ""

    def nghttpd(self, port, files, *extra):
        """nghttpd, cleartext h2 only (prior knowledge), serving files (name -> bytes) on
        127.0.0.1:port. -v traces every frame to nghttpd.out: nghttpd has no access log, and
        the trace is what nghttpd_served() reads."""
        docroot = self.path("www")
        os.makedirs(docroot, exist_ok=True)
        for name, data in files.items():
            with open(os.path.join(docroot, name), "wb") as f:
                f.write(data)
        proc = self.spawn("nghttpd", ["nghttpd", "--no-tls", "-v", "-a", "127.0.0.1", "-d",
                                      docroot, *extra, str(port)])
        try:
            harness.wait_listening(port, proc)
        except AssertionError as e:
            raise AssertionError(f"{e}: {self.read('nghttpd.err')}")
        return proc

    def stop(self, keep=False):
        for proc, _, _ in self.procs:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc, out, err in self.procs:
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
            out.close()
            err.close()
        self.procs = []
        if not keep:
            shutil.rmtree(self.dir, ignore_errors=True)


def nghttpd_served(trace):
    """From nghttpd -v's trace: ({(method, path, status): count} of the streams it answered
    and closed, the most streams open at once on one connection)."""
    streams = {}  # (connection id, stream id) -> {"method", "path", "status", "closed"}
    open_now, most_open = collections.Counter(), 0
    sending_headers = None
    for line in trace.splitlines():
        m = re.match(r"\[id=(\d+)\] \[[ \d.]+\] (.*)$", line)
        if not m:  # a continuation line of the frame above it
            s = re.match(r"\s+:status: (\d+)$", line)
            if s and sending_headers is not None:
                streams.setdefault(sending_headers, {})["status"] = int(s.group(1))
            continue
        conn, what = m.group(1), m.group(2)
        sending_headers = None
        r = re.match(r"recv \(stream_id=(\d+)\) (:method|:path): (.*)$", what)
        if r:
            streams.setdefault((conn, r.group(1)), {})[r.group(2)[1:]] = r.group(3)
            continue
        r = re.match(r"send HEADERS frame <.*stream_id=(\d+)>", what)
        if r:
            sending_headers = (conn, r.group(1))
            continue
        r = re.match(r"recv HEADERS frame <.*stream_id=(\d+)>", what)
        if r:
            open_now[conn] += 1
            most_open = max(most_open, open_now[conn])
            continue
        r = re.match(r"stream_id=(\d+) closed", what)
        if r:
            st = streams.get((conn, r.group(1)))
            if st is not None and "method" in st:
                st["closed"] = True
                open_now[conn] -= 1
    served = collections.Counter()
    for st in streams.values():
        if st.get("closed") and "status" in st:
            served[(st["method"], st["path"], st["status"])] += 1
    return dict(served), most_open


def har_entries(path):
    """[(method, path, status)] of the requests in one of nghttp's HAR files (-r)."""
    with open(path) as f:
        har = json.load(f)
    out = []
    for e in har["log"]["entries"]:
        u = e["request"]["url"]
        out.append((e["request"]["method"], "/" + u.split("/", 3)[3], e["response"]["status"]))
    return out


class GrpcPeer:
    """grpc_peer.py serve or client (see there) in a subprocess, spoken to over its stdin and
    stdout: one JSON line each way a command."""

    def __init__(self, servers, name, mode, port):
        self.proc = servers.spawn(name, [PY, GRPC_PEER, mode, str(port)],
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE, bufsize=0)
        self.buf = bytearray()

    def line(self, timeout=TOOL_TIMEOUT_S):
        return _read_line(self.proc, self.buf, timeout)

    def send(self, obj):
        self.proc.stdin.write((json.dumps(obj) + "\n").encode())

    def finish(self, answers=True, timeout=TOOL_TIMEOUT_S):
        """Close its stdin, wait for it to exit, and return its last line (the server's
        counts) when it answers one."""
        self.proc.stdin.close()
        out = self.line(timeout) if answers else None
        self.proc.wait(timeout=timeout)
        if self.proc.returncode != 0:
            raise AssertionError(f"{self.proc.args} exited {self.proc.returncode}")
        return json.loads(out) if answers else None


class GrpcServer(GrpcPeer):
    def __init__(self, servers, port):
        super().__init__(servers, "grpc-server", "serve", port)
        if self.line(30) != "ready":
            raise AssertionError("grpc server did not start")
        harness.wait_listening(port, self.proc)


class GrpcClient(GrpcPeer):
    def __init__(self, servers, port):
        super().__init__(servers, "grpc-client", "client", port)
        self.made = collections.Counter()  # method -> calls made
        self.results = []

    def calls(self, channel, calls, threads=1):
        """Make calls ({method: n}) on channel; fails unless each ended as it should."""
        self.send({"channel": channel, "calls": calls, "threads": threads})
        res = json.loads(self.line())
        self.results.append(res)
        if res["errors"]:
            raise AssertionError(f"grpc calls {calls}: {res['errors']}")
        for m, n in calls.items():
            if res[m] != {GRPC_CODE[m]: n}:
                raise AssertionError(f"grpc calls {calls}: {res}")
            self.made[m] += n
        return res

    def close_channels(self):
        self.send({"close": True})
        return json.loads(self.line())


def grpc_expected(made):
    """{(protocol, method, path, status, grpc_status): count} for calls made ({method: n})."""
    return {("grpc", "POST", grpc_path(m), 200, GRPC_STATUS[m]): n for m, n in made.items() if n}


class H2Scenario:
    """Mixed into each scenario's unittest.TestCase. setUpClass: start_servers(), then
    sockeye watching PORT (unless the scenario starts it itself, SOCKEYE_IN_DRIVE), drive(),
    wait until every connection on PORT is closed at both ends, stop sockeye (its last
    window flushed), stop the servers (their logs read in after_stop()). Everything is
    stopped whatever fails."""

    PORT = None
    # Under a sanitizer sockeye drains several times slower than nghttpd and h2load move
    # bytes (1 MiB files, thousands of requests): its rings are made room enough there.
    SOCKEYE_ARGS = harness.SANITIZED_RING
    SOCKEYE_IN_DRIVE = False

    @classmethod
    def setUpClass(cls):
        harness.require_root(cls)
        require_tools()
        cls.started = time.monotonic()
        cls.servers = Servers(cls.__name__)
        cls.sockeye = None
        try:
            cls.start_servers()
            if not cls.SOCKEYE_IN_DRIVE:
                cls.start_sockeye()
            try:
                cls.drive()
                harness.wait_port_idle(cls.PORT)
            finally:
                if cls.sockeye is not None:
                    cls.report = cls.sockeye.stop()
            cls.h2 = H2Report(cls.report)
            cls.servers.stop(keep=True)
            cls.after_stop()
        finally:
            cls.servers.stop()
        print(f"\n{cls.__name__}: {time.monotonic() - cls.started:.1f} s", file=sys.stderr)

    @classmethod
    def start_sockeye(cls):
        cls.sockeye = harness.Sockeye("--ports", str(cls.PORT), *cls.SOCKEYE_ARGS)

    @classmethod
    def start_servers(cls):
        pass

    @classmethod
    def drive(cls):
        raise NotImplementedError

    @classmethod
    def after_stop(cls):
        pass

    def assert_counts(self, role, expected):
        got = self.h2.counts(role)
        protocols = sorted({k[0] for k in got})
        self.assertEqual(got, expected,
                         f"{role} role: (protocol, method, path, status, grpc_status) -> count "
                         f"summed over windows; protocols seen: {protocols or 'no http lines'}")

    # checks every scenario shares
    def test_nothing_dropped(self):
        self.assert_no_drops(self.report)

    def test_nothing_left_in_flight(self):
        self.assert_nothing_in_flight(self.report)

    def test_peer_is_loopback(self):
        for key, g in self.h2.groups.items():
            if not g["overflow"]:
                self.assertEqual(key[7], "127.0.0.1", key)

    def test_durations_plausible(self):
        self.assertTrue(self.h2.groups, "no http lines")
        for key, g in self.h2.groups.items():
            d = g["duration_ms"]
            self.assertEqual(d["bounds"], DURATION_BOUNDS, key)
            self.assertEqual(d["count"], g["count"], f"{key}: duration count")
            self.assertEqual(sum(d["counts"]), d["count"], f"{key}: bucket counts")
            self.assertGreater(d["min"], 0, f"{key}: duration min")
            self.assertLess(d["max"], 5000, f"{key}: duration max (loopback, idle machine)")
            self.assertLessEqual(d["min"], d["max"], key)

    def test_every_connection_parsed(self):
        # every connection on the port speaks HTTP/2 (or starts as HTTP/1.1 and upgrades)
        self.assertEqual(self.report.total("conns_not_parsed"), 0)

    def test_frame_walk_never_lost(self):
        # the kernel follows the frames of every connection it saw begin as HTTP/2
        self.assertEqual(self.report.total("frame_walk_lost"), 0)


class NghttpAgainstNghttpd(H2Scenario, harness.HttpAssertions):
    """nghttp against nghttpd: on one connection 4 each of a small file, a missing path (404)
    and a 1 MiB file, all 12 streams at once (the large ones cut in DATA frames of 16 KiB,
    several in one write past what sockeye copies of a syscall, under flow control); then a
    lone GET, HEADs (no body after the headers) and POSTs with a 3 KiB body (nghttpd answers
    them with the file). nghttp also sends PRIORITY frames for idle streams (3 to 11) before
    its requests: they are no requests."""

    PORT = 18130
    RUNS = [
        ["-m", "4", "/small", "/missing", "/large"],
        ["/small"],
        ["-H", ":method: HEAD", "/small", "/large"],
        ["-m", "2", "-d", "@BODY", "/small"],
    ]
    EXPECTED = {
        ("http2", "GET", "/small", 200, None): 5,
        ("http2", "GET", "/missing", 404, None): 4,
        ("http2", "GET", "/large", 200, None): 4,
        ("http2", "HEAD", "/small", 200, None): 1,
        ("http2", "HEAD", "/large", 200, None): 1,
        ("http2", "POST", "/small", 200, None): 2,
    }

    @classmethod
    def start_servers(cls):
        cls.servers.nghttpd(cls.PORT, {"small": SMALL, "large": os.urandom(LARGE_SIZE)})

    @classmethod
    def drive(cls):
        body = cls.servers.path("body")
        with open(body, "wb") as f:
            f.write(BODY)
        cls.har = []
        for i, args in enumerate(cls.RUNS):
            har = cls.servers.path(f"run{i}.har")
            argv = ["nghttp", "-n", "-r", har]
            for a in args:
                argv.append(body if a == "@BODY" else url(cls.PORT, a) if a.startswith("/")
                            else a)
            run(argv)
            cls.har.append(har_entries(har))

    @classmethod
    def after_stop(cls):
        cls.served, cls.most_open = nghttpd_served(cls.servers.read("nghttpd.out"))

    def test_premises(self):
        # what nghttp saw (its HAR) and what nghttpd answered (its trace) are the mix
        saw = collections.Counter(e for run_ in self.har for e in run_)
        want = {k[1:4]: n for k, n in self.EXPECTED.items()}
        self.assertEqual(dict(saw), want, "nghttp's HAR")
        self.assertEqual(self.served, want, "nghttpd's trace")
        self.assertEqual(self.most_open, 12, "the first run's streams all open at once")
        # one connection per nghttp run
        for role in ROLES:
            self.assertEqual(len(self.h2.conns(role)), len(self.RUNS), role)

    def test_server_counts_exact(self):
        self.assert_counts(SERVER, self.EXPECTED)

    def test_client_counts_exact(self):
        self.assert_counts(CLIENT, self.EXPECTED)

    def test_line_shape(self):
        self.assertTrue(self.h2.lines, "no http lines")
        for l in self.h2.lines:
            self.assertEqual(l.get("protocol"), "http2", l)
            self.assertNotIn("grpc_status", l)
            self.assertFalse(l.get("fields_unknown", False), l)
            for k in ("window_start", "window_end", "count", "duration_ms", "peer", "traced",
                      "overflow", "path_truncated", "request_body_bytes"):
                self.assertIn(k, l)

    def test_request_body_sizes(self):
        # the POSTs' DATA frames, like an HTTP/1 request body: 2 x 3072 bytes, per role
        for role in ROLES:
            bodies = [l["request_body_bytes"] for l in self.h2.lines
                      if l["role"] == role and l["method"] == "POST"]
            self.assertEqual((sum(b["count"] for b in bodies), sum(b["sum"] for b in bodies)),
                             (2, 2 * len(BODY)), role)

    def test_frames_followed_past_what_is_copied(self):
        # the kernel walks the frames of both ends of each connection (client and server
        # side, each direction), so no frame header is lost to the capture limit
        self.assertEqual(self.report.total("frame_walks"), 4 * len(self.RUNS))
        self.assertEqual(self.report.total("frame_walk_lost"), 0)
        self.assertEqual(self.report.total("http2_lost_sync"), 0)
        self.assertEqual(self.report.total("http2_end_estimated"), 0)

    def test_large_file_took_longest(self):
        # the 1 MiB responses end after every small one of their connection has
        for role in ROLES:
            large = self.h2.groups.get((role, "http2", "GET", "/large", 200, None, False,
                                        "127.0.0.1"))
            small = self.h2.groups.get((role, "http2", "GET", "/missing", 404, None, False,
                                        "127.0.0.1"))
            self.assertIsNotNone(large, role)
            self.assertIsNotNone(small, role)
            self.assertGreaterEqual(large["duration_ms"]["max"], small["duration_ms"]["max"])


class H2loadManyStreams(H2Scenario, harness.HttpAssertions):
    """h2load, 3000 requests over 4 connections with 128 streams each in flight at once
    (nghttpd allows 256: more than the 100 most servers advertise). nghttpd answers each
    batch of 128 in one write (128 HEADERS then 128 DATA frames, about 5 KB), every header
    block after the first of a connection made of dynamic-table references."""

    PORT = 18131
    REQUESTS, CLIENTS, STREAMS = 3000, 4, 128

    @classmethod
    def start_servers(cls):
        cls.servers.nghttpd(cls.PORT, {"small": SMALL}, "-m", "256")

    @classmethod
    def drive(cls):
        cls.log = cls.servers.path("h2load.log")
        cls.out = run(["h2load", "-n", str(cls.REQUESTS), "-c", str(cls.CLIENTS), "-m",
                       str(cls.STREAMS), "--log-file", cls.log, url(cls.PORT, "/small")]).stdout

    @classmethod
    def after_stop(cls):
        cls.served, cls.most_open = nghttpd_served(cls.servers.read("nghttpd.out"))
        with open(cls.log) as f:
            cls.logged = collections.Counter(int(row.split("\t")[1]) for row in f if row.strip())

    def test_premises(self):
        m = re.search(r"requests: (\d+) total, (\d+) started, (\d+) done, (\d+) succeeded, "
                      r"(\d+) failed, (\d+) errored, (\d+) timeout", self.out)
        self.assertIsNotNone(m, self.out)
        n = self.REQUESTS
        self.assertEqual(tuple(int(x) for x in m.groups()), (n, n, n, n, 0, 0, 0), self.out)
        self.assertIn(f"status codes: {n} 2xx, 0 3xx, 0 4xx, 0 5xx", self.out)
        self.assertEqual(dict(self.logged), {200: n}, "h2load's per-request log")
        self.assertEqual(self.served, {("GET", "/small", 200): n}, "nghttpd's trace")
        self.assertGreater(self.most_open, 100, "more than 100 streams open on a connection")
        for role in ROLES:
            self.assertEqual(len(self.h2.conns(role)), self.CLIENTS, role)

    def test_server_counts_exact(self):
        self.assert_counts(SERVER, {("http2", "GET", "/small", 200, None): self.REQUESTS})

    def test_client_counts_exact(self):
        self.assert_counts(CLIENT, {("http2", "GET", "/small", 200, None): self.REQUESTS})


# The kernel copies of each syscall only the 24 bytes that tell HTTP/2 (the client preface):
# every frame header and header block reaches the parsers through its frame walk, as pieces
# past the copied prefix, and the counts stay exact.
SMALL_CAPTURE = ("--capture-bytes", "24")


class NghttpWalkedFromThePreface(NghttpAgainstNghttpd):
    PORT = 18136
    SOCKEYE_ARGS = harness.SANITIZED_RING + SMALL_CAPTURE


class H2loadWalkedFromThePreface(H2loadManyStreams):
    PORT = 18137
    SOCKEYE_ARGS = harness.SANITIZED_RING + SMALL_CAPTURE


def raw_answer(path):
    """What h2_raw's server answers: 404 for /missing, a 20 000-byte body (two DATA frames)
    for paths ending in 0, a short one otherwise."""
    if path == "/missing":
        return 404, b""
    return 200, (os.urandom(20000) if path.endswith("0") else b"short\n")


class RawFramesCutAnywhere(H2Scenario, harness.HttpAssertions):
    """h2_raw's client and server, every write a sendmsg of up to 60 iovec entries cut at
    sizes 1, 4, 9, 13, ... (frame headers split between entries and between syscalls), every
    read 4097 bytes, and sockeye copying only the first 24 bytes of each syscall: the kernel's
    frame walk carries every header and header block across all of those cuts."""

    PORT = 18139
    SOCKEYE_ARGS = harness.SANITIZED_RING + SMALL_CAPTURE
    CUTS = [1, 4, 9, 13, 2, 700, 5, 8191, 3, 6, 17, 9]
    BATCHES = [["/r/0", "/r/1", "/missing", "/r/2"] * 25] * 4

    @classmethod
    def drive(cls):
        cls.got = h2_raw.run(cls.PORT, cls.BATCHES, raw_answer, writes=cls.CUTS, read=4097)

    def expected(self):
        return {("http2", "GET", p, s, None): n for (p, s), n in self.got.items()}

    def test_premises(self):
        self.assertEqual(self.got, {("/r/0", 200): 100, ("/r/1", 200): 100,
                                    ("/missing", 404): 100, ("/r/2", 200): 100})

    def test_server_counts_exact(self):
        self.assert_counts(SERVER, self.expected())

    def test_client_counts_exact(self):
        self.assert_counts(CLIENT, self.expected())

    def test_frames_followed(self):
        self.assertEqual(self.report.total("frame_walks"), 4)
        self.assertEqual(self.report.total("http2_lost_sync"), 0)
        self.assertEqual(self.report.total("http2_end_estimated"), 0)
        self.assertEqual(self.report.total("frame_walk_full"), 0)


class RawFramesPastARecord(unittest.TestCase):
    """1500 requests in one write, answered in one write (about 60 kB of small frames each
    way): more than one record carries past the copied prefix (16 KiB). The kernel follows
    those frames to the end, reading their headers aside, so the next batch on the connection
    (10 requests for /after) is framed and counted exactly in both roles. What fell past the
    record's room is not seen (counted: frame_walk_full, http2_lost_sync)."""

    PORT = 18140

    @classmethod
    def setUpClass(cls):
        harness.require_root(cls)
        sockeye = harness.Sockeye("--ports", str(cls.PORT), *harness.SANITIZED_RING)
        try:
            cls.got = h2_raw.run(cls.PORT, [[f"/r/{i % 5}" for i in range(1500)],
                                            ["/after"] * 10], raw_answer)
            harness.wait_port_idle(cls.PORT)
        finally:
            cls.report = sockeye.stop()
        cls.h2 = H2Report(cls.report)

    def test_premises(self):
        self.assertEqual(self.got[("/after", 200)], 10)
        self.assertEqual(sum(self.got.values()), 1510)

    def test_walked_to_the_end(self):
        self.assertGreater(self.report.total("frame_walk_full"), 0)
        self.assertEqual(self.report.total("frame_walk_lost"), 0)
        self.assertGreater(self.report.total("http2_lost_sync"), 0)

    def test_next_batch_exact(self):
        for role in ROLES:
            self.assertEqual(self.h2.counts(role).get(("http2", "GET", "/after", 200, None)), 10,
                             role)


class H2cUpgrade(H2Scenario, harness.HttpAssertions):
    """HTTP/1.1 Upgrade to h2c (RFC 7540 3.2), from nghttp -u and from curl --http2 to
    nghttpx, which forwards to nghttpd on a port sockeye does not watch (nghttpd does not
    upgrade: it answers an HTTP/1.1 request with its SETTINGS frame). The first request of
    each connection goes as HTTP/1.1 with "Upgrade: h2c"; nghttpx answers 101, then the
    connection is HTTP/2 (the client's preface comes after the 101) and the response to that
    first request comes on stream 1; the later requests are HTTP/2 streams.

    The upgraded request is counted once, as protocol http2, with the status of its
    HTTP/2 response (200), never as an HTTP/1 request answered 101: RFC 7540 makes it stream
    1 of the HTTP/2 connection ("half-closed (local)" for the client, its request complete),
    and its answer, status and end are HTTP/2 frames. The 101 is the switch, not the answer
    (unlike a WebSocket upgrade, where the 101 ends the HTTP exchange)."""

    PORT = 18132
    BACKEND_PORT = 18133  # nghttpd behind nghttpx, not watched

    @classmethod
    def start_servers(cls):
        cls.servers.nghttpd(cls.BACKEND_PORT, {"small": SMALL})
        cls.access = cls.servers.path("access.log")
        proc = cls.servers.spawn("nghttpx", [
            "nghttpx", "--conf=/dev/null", "--single-process", "--workers=1",
            f"--frontend=127.0.0.1,{cls.PORT};no-tls",
            f"--backend=127.0.0.1,{cls.BACKEND_PORT};;proto=h2",
            f"--accesslog-file={cls.access}",
            "--accesslog-format=$status $method $path $protocol_version",
            f"--errorlog-file={cls.servers.path('nghttpx.log')}"])
        harness.wait_listening(cls.PORT, proc)

    @classmethod
    def drive(cls):
        har = cls.servers.path("upgrade.har")
        # /small upgraded (stream 1), then /small and /missing twice more as h2 streams
        run(["nghttp", "-u", "-n", "-r", har, "-m", "2", url(cls.PORT, "/small"),
             url(cls.PORT, "/missing")])
        cls.har = har_entries(har)
        # curl: /small upgraded, then /missing on stream 3 of the same connection
        cls.curl = run(["curl", "-s", "-S", "--http2", "-o", "/dev/null", "-o", "/dev/null",
                        "-w", "%{http_code} %{http_version} %{num_connects}\\n",
                        url(cls.PORT, "/small"), url(cls.PORT, "/missing")]).stdout.split("\n")

    @classmethod
    def after_stop(cls):
        cls.logged = collections.Counter(tuple(row.split()) for row in
                                         cls.servers.read("access.log").splitlines())

    EXPECTED = {
        ("http2", "GET", "/small", 200, None): 3,
        ("http2", "GET", "/missing", 404, None): 3,
    }

    def test_premises(self):
        self.assertEqual(collections.Counter(self.har),
                         {("GET", "/small", 200): 2, ("GET", "/missing", 404): 2}, "nghttp's HAR")
        self.assertEqual([l for l in self.curl if l], ["200 2 1", "404 2 0"], "curl")
        # nghttpx logs the upgraded requests as HTTP/1.1 and the rest as HTTP/2
        self.assertEqual(dict(self.logged), {("200", "GET", "/small", "HTTP/1.1"): 2,
                                             ("200", "GET", "/small", "HTTP/2"): 1,
                                             ("404", "GET", "/missing", "HTTP/2"): 3},
                         "nghttpx's access log")
        for role in ROLES:
            self.assertEqual(len(self.h2.conns(role)), 2, role)

    def test_server_counts_exact(self):
        self.assert_counts(SERVER, self.EXPECTED)

    def test_client_counts_exact(self):
        self.assert_counts(CLIENT, self.EXPECTED)

    def test_no_switching_protocols_line(self):
        self.assertEqual([l for l in self.h2.lines if l["status"] == 101], [])


class GrpcCalls(H2Scenario, harness.HttpAssertions):
    """grpcio's client and server (grpc_peer.py): unary calls that end OK, NOT_FOUND
    (context.abort: a trailers-only response) and UNKNOWN (the handler raises), a
    server-streaming call (5 messages then the trailers), over two channels (two
    connections), one call after the other and 8 and 4 at once from threads. Python's grpc
    writes a whole unary response (HEADERS, DATA, trailing HEADERS) in one sendmsg, and a
    request as HEADERS, WINDOW_UPDATE, DATA in one. Its sockets are IPv6 ones with
    IPv4-mapped addresses (shown as 127.0.0.1)."""

    PORT = 18134
    PLAN = [  # (channel, calls, threads)
        (0, {"Ok": 20, "Missing": 5, "Fail": 3, "Stream": 4}, 1),
        (1, {"Ok": 10, "Missing": 2}, 1),
        (0, {"Ok": 64, "Stream": 16, "Missing": 8}, 8),
        (1, {"Fail": 4, "Ok": 16}, 4),
    ]

    @classmethod
    def start_servers(cls):
        cls.grpc_server = GrpcServer(cls.servers, cls.PORT)

    @classmethod
    def drive(cls):
        cls.client = GrpcClient(cls.servers, cls.PORT)
        for channel, calls, threads in cls.PLAN:
            cls.client.calls(channel, calls, threads)
        cls.closed = cls.client.close_channels()
        cls.client.finish(answers=False)
        cls.handled = cls.grpc_server.finish()

    def expected(self):
        made = collections.Counter()
        for _, calls, _ in self.PLAN:
            made.update(calls)
        return grpc_expected(made)

    def test_premises(self):
        made = dict(self.client.made)
        self.assertEqual(made, {"Ok": 110, "Missing": 15, "Fail": 7, "Stream": 20})
        self.assertEqual(self.handled, made, "what the server handled")
        self.assertEqual(sum(r["messages"] for r in self.client.results), 20 * 5, "streamed")
        self.assertEqual(self.closed, {"closed": 2})
        for role in ROLES:  # one connection per channel
            self.assertEqual(len(self.h2.conns(role)), 2, role)

    def test_server_counts_exact(self):
        self.assert_counts(SERVER, self.expected())

    def test_client_counts_exact(self):
        self.assert_counts(CLIENT, self.expected())

    def test_line_shape(self):
        self.assertTrue(self.h2.lines, "no http lines")
        for l in self.h2.lines:
            self.assertEqual(l.get("protocol"), "grpc", l)
            self.assertIn("grpc_status", l)
            self.assertFalse(l.get("fields_unknown", False), l)


class GrpcWalkedFromThePreface(GrpcCalls):
    PORT = 18138
    SOCKEYE_ARGS = harness.SANITIZED_RING + SMALL_CAPTURE


class GrpcJoinedMidConnection(H2Scenario, harness.HttpAssertions):
    """A gRPC channel whose connection was opened, and used, before sockeye started: sockeye
    joins it after its preface and SETTINGS, with HPACK dynamic tables it never saw filled.
    Exactly the calls made after sockeye was ready are counted, each once per role; a field
    that cannot be decoded reads as unknown (method _OTHER, path "", status 0, the line
    flagged fields_unknown), never as another request's value.

    What grpcio 1.51 sends after the join (read from strace): each request's HEADERS holds
    :method POST and :scheme http from the static table and 7 references to entries added
    before the join (:path of a method already called, :authority, content-type, te,
    user-agent, ...); each response's HEADERS :status 200 (static) and 2 such references
    (content-type ...), its trailers "grpc-status: 0" as one such reference (NOT_FOUND and
    UNKNOWN likewise, with a literal grpc-message). So path and grpc_status are unknown on
    those, and content-type too (the line may say http2 rather than grpc). Stream is first
    called after the join: its :path comes as a literal (with incremental indexing: the
    second Stream call refers to that new entry, index 62, which sockeye saw added)."""

    PORT = 18135
    SOCKEYE_IN_DRIVE = True
    BEFORE = {"Ok": 4, "Missing": 2, "Fail": 1}
    AFTER = {"Ok": 6, "Missing": 3, "Fail": 2, "Stream": 2}

    @classmethod
    def start_servers(cls):
        cls.grpc_server = GrpcServer(cls.servers, cls.PORT)

    @classmethod
    def drive(cls):
        cls.client = GrpcClient(cls.servers, cls.PORT)
        cls.client.calls(0, cls.BEFORE)
        cls.start_sockeye()
        cls.client.calls(0, cls.AFTER)
        cls.closed = cls.client.close_channels()
        cls.client.finish(answers=False)
        cls.handled = cls.grpc_server.finish()

    def test_premises(self):
        made = collections.Counter(self.BEFORE)
        made.update(self.AFTER)
        self.assertEqual(self.handled, dict(made), "what the server handled")
        self.assertEqual(self.closed, {"closed": 1})
        for role in ROLES:  # the one connection, seen from the middle
            self.assertEqual(len(self.h2.conns(role)), 1, role)

    def test_exactly_the_calls_after_the_join(self):
        for role in ROLES:
            self.assertEqual(self.h2.total(role), sum(self.AFTER.values()),
                             f"{role} role: requests counted, known or fields_unknown: "
                             f"{self.h2.counts(role)}")

    def test_no_invented_values(self):
        paths = {grpc_path(m): m for m in self.AFTER}
        for role in ROLES:
            per_path = collections.Counter()
            for (r, proto, method, path, status, gs, unknown, _), g in self.h2.groups.items():
                if r != role:
                    continue
                key = (proto, method, path, status, gs, unknown)
                self.assertIn(proto, ("http2", "grpc"), key)
                if path:
                    self.assertIn(path, paths, f"{role}: a path never called after the join")
                    per_path[path] += g["count"]
                if not unknown:
                    # a line not flagged claims every field decoded, content-type and the
                    # trailers too: then it is a gRPC call with its grpc_status. (Reading it
                    # as plain http2 because content-type was an unknown reference, without
                    # the flag, would state a protocol sockeye could not know.)
                    self.assertEqual((proto, method, status, gs),
                                     ("grpc", "POST", 200, GRPC_STATUS.get(paths.get(path))),
                                     f"{role}: {key} is not flagged fields_unknown")
                    continue
                self.assertIn(method, ("POST", "_OTHER"), key)
                self.assertIn(status, (200, 0), key)
                # a grpc-status read from an indexed field may be unknown (absent); never
                # another call's
                if path and gs is not None and gs != -1:
                    self.assertEqual(gs, GRPC_STATUS[paths[path]], key)
            for path, n in per_path.items():
                self.assertLessEqual(n, self.AFTER[paths[path]], f"{role}: {path}")

    def test_literal_path_decoded(self):
        # the first Stream call's :path is a literal: decodable whatever the table holds
        stream = grpc_path("Stream")
        for role in ROLES:
            n = sum(g["count"] for k, g in self.h2.groups.items() if k[0] == role and
                    k[3] == stream)
            self.assertGreaterEqual(n, 1, f"{role}: {stream} (sent as a literal after the join)")

    def test_unknown_fields_counted(self):
        # grpc's encoder indexed fields before the join: some of the requests after it
        # reference entries sockeye never saw, and that shows in the stats (its name will be
        # http2_fields_unknown; any http2 counter with "unknown" in its name stands for it)
        unknown = {}
        for s in self.report.stats:
            for k, v in list(s.items()) + list(s["dropped"].items()):
                if "http2" in k and "unknown" in k and isinstance(v, int):
                    unknown[k] = unknown.get(k, 0) + v
        flagged = sum(g["count"] for k, g in self.h2.groups.items() if k[6])
        if unknown:
            self.assertGreater(sum(unknown.values()), 0, unknown)
        self.assertGreater(flagged + sum(unknown.values()), 0,
                           "no request with fields_unknown and no http2 *unknown* counter")

    def test_nothing_dropped(self):
        # fields that could not be decoded are counted, not lost: any counter under dropped
        # with "unknown" in its name is left out here (test_unknown_fields_counted)
        dropped = self.report.total_dropped()
        self.assertTrue(dropped, "stats lines carry a dropped object")
        self.assertEqual({k: v for k, v in dropped.items() if v and "unknown" not in k}, {},
                         "dropped")


if __name__ == "__main__":
    unittest.main(argv=sys.argv[:1], verbosity=2)
