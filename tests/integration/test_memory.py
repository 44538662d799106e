"""Memory bounded by configuration, not by traffic: thousands of connections from a hostile
client that holds what costs sockeye memory (heads split over segments and never finished,
slowloris; requests pipelined three deep with none answered) against a server that reads and
never answers. sockeye states its worst case at start; its RSS stays under it, what passes
--buffer-budget is dropped and counted (buffer_budget), the bytes held never pass the budget,
and they all come back when the connections close. The 30 s release of a head that makes no
progress is unit-tested (unit.proto.http_track): waiting for it here would cost a minute."""

import os
import re
import resource
import selectors
import socket
import sys
import threading
import time
import unittest

import harness

SLOW = 1500  # connections with a head that never ends
DEEP = 1000  # connections with three requests in flight
BUDGET = "4M"  # per worker: less than the hold of either kind alone
WORKERS = 2
MiB = 1 << 20


class SilentServer:
    """Accepts every connection, reads whatever comes, answers nothing."""

    def __init__(self, port):
        self.listener = harness.listen_on(port, backlog=4096)
        self.listener.setblocking(False)
        self.sel = selectors.DefaultSelector()
        self.sel.register(self.listener, selectors.EVENT_READ)
        self.conns = []
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        while not self.stop.is_set():
            for key, _ in self.sel.select(timeout=0.05):
                if key.fileobj is self.listener:
                    while True:
                        try:
                            c, _ = self.listener.accept()
                        except BlockingIOError:
                            break
                        c.setblocking(False)
                        self.sel.register(c, selectors.EVENT_READ)
                        self.conns.append(c)
                else:
                    try:
                        data = key.fileobj.recv(65536)
                    except OSError:
                        data = b""
                    if not data:
                        self.sel.unregister(key.fileobj)

    def close(self):
        self.stop.set()
        self.thread.join()
        for c in self.conns:
            c.close()
        self.listener.close()


def rss_bytes(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    raise AssertionError(f"no VmRSS for {pid}")


class HostileConnections(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        harness.require_root(cls)
        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        need = 2 * (SLOW + DEEP) + 256
        resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, need), max(hard, need)))
        port = harness.free_port()
        server = SilentServer(port)
        sockeye = harness.Sockeye("--ports", str(port), "--window", "1", "--workers",
                                  str(WORKERS), "--buffer-budget", BUDGET, "--max-connections",
                                  "8192", "--ring-size", "1M", *harness.SANITIZED_RING)
        cls.rss_peak = 0
        clients = []
        try:
            bound = re.search(r"memory bound (\d+) MiB", sockeye._stderr())
            cls.bound = int(bound.group(1)) * MiB if bound else None
            for i in range(SLOW + DEEP):
                c = socket.create_connection(("127.0.0.1", port))
                if i < SLOW:  # the start of a head, then nothing
                    c.sendall(b"GET /slowloris HTTP/1.1\r\nHost: t\r\nX-Wait: ")
                else:  # three whole requests, none of them answered
                    c.sendall(b"GET /deep HTTP/1.1\r\nHost: t\r\n\r\n" * 3)
                clients.append(c)
                if i % 250 == 0:
                    cls.rss_peak = max(cls.rss_peak, rss_bytes(sockeye.proc.pid))
            # held across two window edges, sampling sockeye's RSS meanwhile
            deadline = time.time() + 2.5
            while time.time() < deadline:
                cls.rss_peak = max(cls.rss_peak, rss_bytes(sockeye.proc.pid))
                time.sleep(0.1)
            cls.held_until = time.time() * 1000
            for c in clients:
                c.close()
            clients = []
            server.close()
            harness.wait_port_idle(port)
            sockeye.wait_past_window_edge(1)
            time.sleep(1.2)  # one more window: the closed connections are freed at its edge
        finally:
            for c in clients:
                c.close()
            if not server.stop.is_set():
                server.close()
            cls.report = sockeye.stop()
        cls.stderr = sockeye.stderr
        print(f"\n[memory] bound {cls.bound} B, peak RSS {cls.rss_peak} B, buffer_bytes by "
              f"window {[s['buffer_bytes'] for s in cls.report.stats]}, dropped "
              f"{cls.report.total_dropped().get('buffer_budget')}", file=sys.stderr)

    def test_start_up_line_states_the_bound(self):
        self.assertIsNotNone(self.bound, self.stderr)
        for part in ("rings", "kernel maps", "connections", "buffers", "windows", "process"):
            self.assertRegex(self.stderr, part + r" \d+")

    def test_rss_under_the_stated_bound(self):
        if harness.SANITIZED:  # the sanitizers' shadow memory is not sockeye's
            return
        self.assertLess(self.rss_peak, self.bound)

    def test_what_passes_the_budget_is_dropped_and_counted(self):
        self.assertGreater(self.report.total_dropped().get("buffer_budget", 0), 0)

    def test_buffers_never_pass_the_budget(self):
        # On loopback a connection's ring is the CPU its handshake completed on, so the
        # connections may all land on one worker: at least one budget was filled.
        held = [s["buffer_bytes"] for s in self.report.stats]
        self.assertTrue(any(h > 3 * MiB for h in held), held)  # the hold was real
        self.assertTrue(all(h <= WORKERS * 4 * MiB for h in held), held)

    def test_memory_comes_back_when_they_close(self):
        last = self.report.stats[-1]
        self.assertEqual(last["buffer_bytes"], 0, [s["buffer_bytes"] for s in self.report.stats])
        self.assertEqual(last["connections_active"], 0)

    def test_every_connection_seen(self):
        # both ends of every connection are watched: the client's and the server's
        self.assertEqual(self.report.total("conns_opened"), 2 * (SLOW + DEEP))
        self.assertEqual(self.report.total("conns_closed"), 2 * (SLOW + DEEP))


if __name__ == "__main__":
    unittest.main(argv=sys.argv[:1], verbosity=2)
