"""Helpers for sockeye's integration tests: run the real binary as root with real BPF,
drive real processes, and read back its JSON lines.

Paths come from the environment that ctest sets (SOCKEYE_BIN, TCP_PEER_BIN)."""

import json
import re
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import unittest

SOCKEYE = os.environ.get("SOCKEYE_BIN", "build/sockeye")
TCP_PEER = os.environ.get("TCP_PEER_BIN", "build/tests/integration/tcp_peer")
NGINX = os.environ.get("NGINX_BIN", "/usr/sbin/nginx")
LOADGEN = os.environ.get("LOADGEN_BIN", "build/bench/loadgen/loadgen")
# ctest runs the data-path suites once per capture tier: default (socket here) and syscall
DATA_HOOKS = (["--data-hooks", os.environ["SOCKEYE_DATA_HOOKS"]]
              if os.environ.get("SOCKEYE_DATA_HOOKS") else [])
HERE = os.path.dirname(os.path.abspath(__file__))
READY_TIMEOUT_S = 60
# Under ASan or TSan sockeye's workers run several times slower than the uninstrumented
# servers and clients (nginx, wrk, Python) that feed them: tests that push traffic as fast
# as it goes give such a build rings that hold their whole run, and more time to drain.
SANITIZED = os.environ.get("SOCKEYE_SANITIZER", "none") != "none"
SANITIZED_RING = ("--ring-size", "256M") if SANITIZED else ()
STOP_TIMEOUT_S = 120 if SANITIZED else 30


def require_root(test):
    """BPF tests never skip on the CI machine: not being root is a failure there."""
    if os.geteuid() != 0:
        raise AssertionError("integration tests need root (real BPF)")


class Sockeye:
    """One running sockeye; stop() flushes the last window and returns its lines."""

    def __init__(self, *args, prefix=()):
        self.out_path = f"/tmp/sockeye-it-{os.getpid()}-{time.monotonic_ns()}.out"
        self.err_path = self.out_path[:-4] + ".err"
        self.out = open(self.out_path, "w")
        self.err = open(self.err_path, "w")
        cmd = list(prefix) + [SOCKEYE, "--stdout", "--connections"] + DATA_HOOKS + list(args)
        self.proc = subprocess.Popen(cmd, stdout=self.out, stderr=self.err, stdin=subprocess.DEVNULL)
        self._wait_ready()

    def _stderr(self):
        with open(self.err_path) as f:
            return f.read()

    def _wait_ready(self):
        deadline = time.monotonic() + READY_TIMEOUT_S
        while time.monotonic() < deadline:
            err = self._stderr()
            if "capturing:" in err:
                # what this kernel gave: the data hooks' tier, and whether a send's start
                # is known (tcp:tcp_sendmsg_locked) or it is timed from its end
                self.data_hooks = re.search(r"data hooks (\w+)", err).group(1)
                self.send_start_known = "no tcp:tcp_sendmsg_locked" not in err
                self.ready_at = time.time()
                return
            if self.proc.poll() is not None:
                raise AssertionError(f"sockeye exited {self.proc.returncode}: {self._stderr()}")
            time.sleep(0.05)
        self.proc.kill()
        raise AssertionError("sockeye did not start capturing in time: " + self._stderr())

    def wait_past_window_edge(self, window_s):
        """Sleep until a wall-clock-aligned window edge has passed since sockeye was ready,
        so a run that finished quickly still spans two windows."""
        edge = (int(self.ready_at // window_s) + 1) * window_s
        time.sleep(max(0.0, edge + 0.1 - time.time()))

    def lines_so_far(self):
        """The JSON lines written so far (stdout is flushed once per window; a line still
        being written is left for the next look)."""
        with open(self.out_path) as f:
            return [json.loads(l) for l in f if l.endswith("\n") and l.strip()]

    def stop(self, sig=signal.SIGINT, timeout=STOP_TIMEOUT_S):
        """Stop with sig; fail unless sockeye exits 0 within timeout seconds."""
        self.proc.send_signal(sig)
        try:
            rc = self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            raise AssertionError(f"sockeye did not stop on {signal.Signals(sig).name} within "
                                 f"{timeout} s: {self._stderr()}")
        self.out.close()
        self.err.close()
        if rc != 0:
            raise AssertionError(f"sockeye exited {rc}: {self._stderr()}")
        with open(self.out_path) as f:
            lines = [json.loads(l) for l in f if l.strip()]
        self.stderr = self._stderr()
        os.unlink(self.out_path)
        os.unlink(self.err_path)
        return Report(lines)


class Report:
    """sockeye's output, with connection lines summed over windows."""

    SUMMED = ("bytes_in", "bytes_out", "events_in", "events_out", "captured_in", "captured_out")

    def __init__(self, lines):
        self.lines = lines
        self.stats = [l for l in lines if l["type"] == "stats"]
        self.conns = {}
        for l in lines:
            if l["type"] != "conn":
                continue
            key = (l["role"], l["local"], l["peer"])
            c = self.conns.setdefault(key, {f: 0 for f in self.SUMMED})
            for f in self.SUMMED:
                c[f] += l[f]
            # digests and pid describe the stream so far: the last window holds the latest
            c["digest_in"], c["digest_out"], c["pid"] = l["digest_in"], l["digest_out"], l["pid"]
        # HTTP groups summed over windows: http_groups by the full group key (with the peer),
        # http by (role, method, path, status) -> count.
        self.http_lines = [l for l in lines if l["type"] == "http"]
        self.http_groups = {}
        self.http = {}
        for l in self.http_lines:
            key = (l["role"], l["method"], l["path"], l["status"], l.get("peer"))
            g = self.http_groups.get(key)
            if g is None:
                g = self.http_groups[key] = {
                    "count": 0, "traced": 0, "windows": 0, "overflow": False,
                    "path_truncated": False,
                    "duration_ms": _hist_empty(l["duration_ms"]),
                    "request_body_bytes": _hist_empty(l["request_body_bytes"])}
            g["count"] += l["count"]
            g["traced"] += l["traced"]
            g["windows"] += 1
            g["overflow"] = g["overflow"] or l["overflow"]
            g["path_truncated"] = g["path_truncated"] or l["path_truncated"]
            _hist_add(g["duration_ms"], l["duration_ms"])
            _hist_add(g["request_body_bytes"], l["request_body_bytes"])
            k4 = key[:4]
            self.http[k4] = self.http.get(k4, 0) + l["count"]

    def conn(self, role, local, peer):
        return self.conns.get((role, local, peer))

    def total_dropped(self):
        out = {}
        for s in self.stats:
            for k, v in s["dropped"].items():
                out[k] = out.get(k, 0) + v
        return out

    def total(self, key):
        return sum(s[key] for s in self.stats)

    def http_counts(self, role):
        """{(method, path, status): count} of one role, summed over windows and peers."""
        out = {}
        for (r, method, path, status), n in self.http.items():
            if r == role:
                out[(method, path, status)] = out.get((method, path, status), 0) + n
        return out

    def http_group(self, role, method, path, status, peer="127.0.0.1"):
        return self.http_groups.get((role, method, path, status, peer))

    def active_requests_at_end(self):
        return self.stats[-1].get("active_requests") if self.stats else None

    def ports_seen(self):
        ports = set()
        for role, local, peer in self.conns:
            ports.add(int(local.rsplit(":", 1)[1]))
            ports.add(int(peer.rsplit(":", 1)[1]))
        return ports


def _hist_empty(h):
    return {"count": 0, "sum": 0, "min": None, "max": None, "bounds": list(h["bounds"]),
            "counts": [0] * len(h["counts"])}


def _hist_add(acc, h):
    """Merge one window's histogram into acc (same bounds every window)."""
    if acc["bounds"] != h["bounds"] or len(acc["counts"]) != len(h["counts"]):
        raise AssertionError(f"histogram bounds changed between windows: {acc} {h}")
    if h["count"] == 0:
        return
    acc["count"] += h["count"]
    acc["sum"] += h["sum"]
    acc["min"] = h["min"] if acc["min"] is None else min(acc["min"], h["min"])
    acc["max"] = h["max"] if acc["max"] is None else max(acc["max"], h["max"])
    acc["counts"] = [a + b for a, b in zip(acc["counts"], h["counts"])]


def run_peer(*args, prefix=()):
    """Run tcp_peer; returns its two JSON lines (client and server) as dicts."""
    cmd = list(prefix) + [TCP_PEER] + list(args)
    res = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    if res.returncode != 0:
        raise AssertionError(f"{cmd} failed: {res.stderr}")
    sides = [json.loads(l) for l in res.stdout.splitlines() if l.strip()]
    if len(sides) != 2:
        raise AssertionError(f"tcp_peer printed {res.stdout!r}")
    return sides


def recv_all(sock):
    """Every byte sock receives until the peer closes."""
    data = b""
    while chunk := sock.recv(65536):
        data += chunk
    return data


def listen_on(port, backlog=1):
    """A listening TCP socket on 127.0.0.1:port (SO_REUSEADDR: ports are reused across tests)."""
    listener = socket.socket()
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", port))
    listener.listen(backlog)
    return listener


def trickle(port, stop, pause_s):
    """One connection on port making 10-byte round trips, pause_s apart, until stop (a
    threading.Event) is set; traffic with no gap, for tests whose edges must meet it."""
    listener = listen_on(port)
    client = socket.create_connection(("127.0.0.1", port))
    server, _ = listener.accept()
    while not stop.is_set():
        client.sendall(b"x" * 10)
        server.sendall(server.recv(10, socket.MSG_WAITALL))
        client.recv(10, socket.MSG_WAITALL)
        if pause_s:
            time.sleep(pause_s)
    for s in (client, server, listener):
        s.close()


_TCP_LISTEN, _TCP_TIME_WAIT = "0A", "06"


def _tcp_sockets(port):
    """(state, local port, remote port) of every IPv4/IPv6 TCP socket with port at one end."""
    out = []
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            with open(table) as f:
                rows = f.read().splitlines()[1:]
        except FileNotFoundError:
            continue
        for row in rows:
            fields = row.split()
            lport = int(fields[1].rsplit(":", 1)[1], 16)
            rport = int(fields[2].rsplit(":", 1)[1], 16)
            if port in (lport, rport):
                out.append((fields[3], lport, rport))
    return out


def wait_listening(port, proc=None, timeout=20):
    """Wait until something listens on port, without connecting to it (a probe connection
    would be traffic a running sockeye could see)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if any(st == _TCP_LISTEN and lp == port for st, lp, _ in _tcp_sockets(port)):
            return
        if proc is not None and proc.poll() is not None:
            raise AssertionError(f"server on port {port} exited {proc.returncode}")
        time.sleep(0.02)
    raise AssertionError(f"nothing listens on port {port} after {timeout} s")


def wait_port_idle(port, timeout=20):
    """Wait until every connection on port is closed by both ends (only listeners and
    TIME_WAIT left): both processes made their last syscalls on them."""
    deadline = time.monotonic() + timeout
    while True:
        busy = [s for s in _tcp_sockets(port) if s[0] not in (_TCP_LISTEN, _TCP_TIME_WAIT)]
        if not busy:
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"connections on port {port} still open: {busy}")
        time.sleep(0.02)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def nginx_under_load(sockeye_args, rate, seconds, connections, log_settle_s=5):
    """nginx on a free port, sockeye watching it (with sockeye_args), and bench/loadgen at a
    fixed rate over keep-alive connections. Returns loadgen's summary, sockeye's report, the
    requests nginx logged with a response sent, and the wall-clock ms the load ended at."""
    port = free_port()
    with NginxServer(port) as nginx:
        sockeye = Sockeye("--ports", str(port), *sockeye_args)
        try:
            res = subprocess.run(
                [LOADGEN, "--url", f"http://127.0.0.1:{port}/ok", "--rate", str(rate),
                 "--duration", str(seconds), "--connections", str(connections), "--json"],
                capture_output=True, text=True, timeout=60)
            if res.returncode != 0:
                raise AssertionError(f"loadgen exited {res.returncode}: {res.stderr}")
            load = json.loads(res.stdout.splitlines()[0])
            load_end_ms = time.time() * 1000
            wait_port_idle(port)
        finally:
            report = sockeye.stop()
        deadline = time.monotonic() + log_settle_s
        while len(nginx.access_log()) < load["received"] and time.monotonic() < deadline:
            time.sleep(0.05)
        logged = [r for r in nginx.access_log() if r["bytes_sent"] > 0]
    return load, report, logged, load_end_ms


class NginxServer:
    """Debian's nginx with tests/integration/nginx/<conf> on 127.0.0.1:port, everything it
    writes (pid, logs, temp files) in its own temp dir; files maps paths under the document
    root (www/) to their bytes. A context manager: the master and its worker are stopped on
    exit, whatever happened."""

    def __init__(self, port, conf="nginx.conf.in", files=None):
        self.port = port
        self.prefix = tempfile.mkdtemp(prefix=f"sockeye-nginx-{port}-")
        os.chmod(self.prefix, 0o755)  # workers run as nobody: they read www/
        os.makedirs(os.path.join(self.prefix, "tmp"))
        for rel, data in (files or {}).items():
            path = os.path.join(self.prefix, "www", rel.lstrip("/"))
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "wb") as f:
                f.write(data)
        for root, dirs, names in os.walk(self.prefix):
            for d in dirs:
                os.chmod(os.path.join(root, d), 0o755)
        with open(os.path.join(HERE, "nginx", conf)) as f:
            text = f.read().replace("@PREFIX@", self.prefix).replace("@PORT@", str(port))
        self.conf_path = os.path.join(self.prefix, "nginx.conf")
        with open(self.conf_path, "w") as f:
            f.write(text)
        self.access_path = os.path.join(self.prefix, "access.log")
        self.error_path = os.path.join(self.prefix, "error.log")
        self.proc = None

    def start(self):
        # -e: the error log before the configuration is read (not /var/log/nginx)
        self.proc = subprocess.Popen(
            [NGINX, "-p", self.prefix + "/", "-c", self.conf_path, "-e", self.error_path],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        try:
            wait_listening(self.port, self.proc)
        except AssertionError:
            self.stop()
            raise AssertionError(f"nginx did not start: {self.errors()}")
        return self

    def stop(self):
        if self.proc is None:
            return
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)  # fast shutdown: master stops its worker
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None
        shutil.rmtree(self.prefix, ignore_errors=True)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    def errors(self):
        try:
            with open(self.error_path) as f:
                return f.read()
        except FileNotFoundError:
            return ""

    def access_log(self):
        """Every request nginx finished, as dicts: status, bytes_sent, request_length,
        method, uri (log_format "counted" in the config)."""
        out = []
        try:
            with open(self.access_path) as f:
                rows = f.read().splitlines()
        except FileNotFoundError:
            return out
        for row in rows:
            status, sent, length, method, uri = row.split(" ", 4)
            out.append({"status": int(status), "bytes_sent": int(sent),
                        "request_length": int(length), "method": method.strip('"'),
                        "uri": uri.strip('"')})
        return out

    def served(self):
        """{(method, uri, status): count} of the requests nginx answered (some bytes sent)."""
        out = {}
        for r in self.access_log():
            if r["bytes_sent"] > 0:
                k = (r["method"], r["uri"], r["status"])
                out[k] = out.get(k, 0) + 1
        return out


def curl(*args, timeout=60):
    """Run curl (quiet, bodies discarded unless -o is given); returns its stdout."""
    cmd = ["curl", "-s", "-S"] + list(args)
    res = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    if res.returncode != 0:
        raise AssertionError(f"{cmd} exited {res.returncode}: {res.stderr}")
    return res.stdout


class CaptureAssertions(unittest.TestCase):
    def assert_side_matches(self, report, side, check_digest_out=True):
        got = report.conn(side["role"], side["local"], side["peer"])
        self.assertIsNotNone(got, f"sockeye did not report {side['role']} {side['local']} -> "
                             f"{side['peer']}; saw {sorted(report.conns)}")
        for f in ("bytes_in", "bytes_out", "events_in", "events_out"):
            self.assertEqual(got[f], side[f], f"{side['role']} {side['local']}: {f}")
        self.assertEqual(got["pid"], side["pid"], "pid")
        # Every byte was captured (chunks below --capture-bytes), so the digest of the
        # reassembled stream proves order, not just counts.
        self.assertEqual(got["captured_in"], side["bytes_in"], "captured_in")
        self.assertEqual(got["digest_in"], side["digest_in"], "digest_in (stream order)")
        if check_digest_out:
            self.assertEqual(got["captured_out"], side["bytes_out"], "captured_out")
            self.assertEqual(got["digest_out"], side["digest_out"], "digest_out (stream order)")


class HttpAssertions(unittest.TestCase):
    def assert_no_drops(self, report):
        dropped = report.total_dropped()
        self.assertTrue(dropped, "stats lines carry a dropped object")
        self.assertEqual({k: v for k, v in dropped.items() if v}, {}, "dropped")

    def assert_http_counts(self, report, role, expected, only=None):
        """expected: {(method, path, status): count}; every group of that role (or those
        whose path satisfies only) must be listed, with exactly that count."""
        got = report.http_counts(role)
        if only is not None:
            got = {k: v for k, v in got.items() if only(k[1])}
        self.assertEqual(got, expected, f"{role} role: (method, path, status) -> count")

    def assert_durations_sane(self, report, max_ms=5000):
        for key, g in report.http_groups.items():
            d = g["duration_ms"]
            if key[4] is None or g["overflow"]:
                continue
            self.assertEqual(d["count"], g["count"], f"{key}: duration count")
            self.assertGreater(d["min"], 0, f"{key}: duration min")
            self.assertLess(d["max"], max_ms, f"{key}: duration max")
            self.assertLessEqual(d["min"], d["max"], key)
            self.assertEqual(sum(d["counts"]), d["count"], f"{key}: bucket counts")

    def assert_nothing_in_flight(self, report):
        active = report.active_requests_at_end()
        self.assertIsNotNone(active, "stats lines carry active_requests")
        self.assertEqual(active, {"server": 0, "client": 0}, "active requests at the end")
