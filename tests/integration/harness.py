"""Helpers for sockeye's integration tests: run the real binary as root with real BPF,
drive real processes, and read back its JSON lines.

Paths come from the environment that ctest sets (SOCKEYE_BIN, TCP_PEER_BIN)."""

import json
import os
import signal
import socket
import subprocess
import time
import unittest

SOCKEYE = os.environ.get("SOCKEYE_BIN", "build/sockeye")
TCP_PEER = os.environ.get("TCP_PEER_BIN", "build/tests/integration/tcp_peer")
READY_TIMEOUT_S = 60


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
        cmd = list(prefix) + [SOCKEYE, "--stdout", "--connections"] + list(args)
        self.proc = subprocess.Popen(cmd, stdout=self.out, stderr=self.err, stdin=subprocess.DEVNULL)
        self._wait_ready()

    def _stderr(self):
        with open(self.err_path) as f:
            return f.read()

    def _wait_ready(self):
        deadline = time.monotonic() + READY_TIMEOUT_S
        while time.monotonic() < deadline:
            if "capturing:" in self._stderr():
                return
            if self.proc.poll() is not None:
                raise AssertionError(f"sockeye exited {self.proc.returncode}: {self._stderr()}")
            time.sleep(0.05)
        self.proc.kill()
        raise AssertionError("sockeye did not start capturing in time: " + self._stderr())

    def stop(self):
        self.proc.send_signal(signal.SIGINT)
        try:
            rc = self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            raise AssertionError("sockeye did not stop on SIGINT")
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

    def ports_seen(self):
        ports = set()
        for role, local, peer in self.conns:
            ports.add(int(local.rsplit(":", 1)[1]))
            ports.add(int(peer.rsplit(":", 1)[1]))
        return ports


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


def trickle(port, stop, pause_s):
    """One connection on port making 10-byte round trips, pause_s apart, until stop (a
    threading.Event) is set; traffic with no gap, for tests whose edges must meet it."""
    listener = socket.socket()
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", port))
    listener.listen(1)
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
