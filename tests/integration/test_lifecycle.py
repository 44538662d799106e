"""Connection lifecycle: a connection established before sockeye started is picked up
mid-stream with the right roles and exact counts from then on; connections whose processes
exit without close(2) still end (from the TCP state machine); every opened connection is
closed exactly once; bytes read after a reset belong to the connection that was reset;
--pid (also in a pid namespace of its own, as in a pod), --duration and SIGTERM, SIGHUP,
SIGQUIT. Each case watches a port of its own, so other traffic cannot count."""

import ctypes
import errno
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import unittest

import harness


class Lifecycle(harness.CaptureAssertions):
    @classmethod
    def setUpClass(cls):
        harness.require_root(cls)

    def test_connection_opened_before_sockeye_started(self):
        port = "18081"
        go = os.path.join(tempfile.mkdtemp(), "go")
        peer = subprocess.Popen([harness.TCP_PEER, "--family", "rw", "--port", port,
                                 "--wait-file", go, "--up", "50000", "--down", "70000"],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            for _ in range(2):  # client and server both hold the established connection
                self.assertEqual(peer.stderr.readline().strip(), "connected")
            sockeye = harness.Sockeye("--window", "1", "--ports", port)
            try:
                open(go, "w").close()
                out, err = peer.communicate(timeout=60)
                self.assertEqual(peer.returncode, 0, err)
            finally:
                report = sockeye.stop()
        finally:
            if peer.poll() is None:
                peer.kill()
        sides = [json.loads(l) for l in out.splitlines()]
        self.assertEqual(len(sides), 2)
        for side in sides:  # roles from which side's port is watched; counts exact
            self.assert_side_matches(report, side)

    def test_exit_without_close_still_ends_connections(self):
        port = "18082"
        sockeye = harness.Sockeye("--window", "1", "--ports", port)
        try:
            sides = harness.run_peer("--family", "rw", "--port", port, "--no-close")
            time.sleep(1)  # FIN/ACK on loopback: the sockets reach CLOSE well within this
        finally:
            report = sockeye.stop()
        for side in sides:
            self.assert_side_matches(report, side)
        self.assertEqual(report.total("conns_opened"), 2)
        self.assertEqual(report.total("conns_closed"), 2)

    def test_connection_without_data_opened_and_closed(self):
        """A connection that never moves a byte (a health check's connect and close) is
        still opened and closed, from the handshake and the socket's end, on both sides."""
        port = 18090
        sockeye = harness.Sockeye("--window", "1", "--ports", str(port))
        try:
            listener = harness.listen_on(port)
            client = socket.create_connection(("127.0.0.1", port))
            server, _ = listener.accept()
            for s in (client, server, listener):
                s.close()
            harness.wait_port_idle(port)
        finally:
            report = sockeye.stop()
        self.assertEqual(report.total("conns_opened"), 2)
        self.assertEqual(report.total("conns_closed"), 2)
        self.assertEqual(report.total("events"), report.total("kernel_events"))

    def test_each_connection_opened_and_closed_once(self):
        port = "18083"
        sockeye = harness.Sockeye("--window", "1", "--ports", port)
        try:
            runs = [harness.run_peer("--family", fam, "--port", port, "--up", "5000",
                                     "--down", "5000") for fam in ("rw", "v", "to")]
            time.sleep(0.5)
        finally:
            report = sockeye.stop()
        for run in runs:
            for side in run:
                self.assert_side_matches(report, side)
        self.assertEqual(report.total("conns_opened"), 6)
        self.assertEqual(report.total("conns_closed"), 6)
        self.assertEqual({k: v for k, v in report.total_dropped().items() if v}, {})

    def assert_reset_case(self, port, *peer_args):
        """One connection reset by one side, whose peer reads buffered bytes after the
        reset: each side's bytes are reported on its own connection, opened and closed once,
        and no phantom connection appears."""
        sockeye = harness.Sockeye("--window", "1", "--ports", port)
        try:
            sides = harness.run_peer("--family", "rw", "--port", port, *peer_args)
            time.sleep(0.5)
        finally:
            report = sockeye.stop()
        for side in sides:
            self.assert_side_matches(report, side)
        self.assertEqual(len(report.conns), 2, sorted(report.conns))
        self.assertEqual(report.total("conns_opened"), 2)
        self.assertEqual(report.total("conns_closed"), 2)

    def test_bytes_read_after_a_reset_stay_on_their_connection(self):
        self.assert_reset_case("18084", "--rst", "--up", "3000", "--down", "20000")

    def test_bytes_read_after_the_clients_reset_stay_on_their_connection(self):
        """The server reads a request that arrived before the client's reset. By then the
        kernel has taken the server socket's local port back (it reads as 0): the socket is
        still the tracked connection, and its bytes are still reported."""
        self.assert_reset_case("18092", "--client-rst", "--up", "3000", "--down", "0")

    def test_pid_selects_one_process(self):
        port = "18085"
        go = os.path.join(tempfile.mkdtemp(), "go")
        peer = subprocess.Popen([harness.TCP_PEER, "--family", "rw", "--port", port,
                                 "--wait-file", go], stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True)
        try:
            for _ in range(2):
                self.assertEqual(peer.stderr.readline().strip(), "connected")
            # the parent is the server; the client is its child, another process
            sockeye = harness.Sockeye("--window", "1", "--ports", port, "--pid", str(peer.pid))
            try:
                open(go, "w").close()
                out, err = peer.communicate(timeout=60)
            finally:
                report = sockeye.stop()
        finally:
            if peer.poll() is None:
                peer.kill()
        sides = {s["role"]: s for s in map(json.loads, out.splitlines())}
        self.assertEqual(sides["server"]["pid"], peer.pid)
        self.assert_side_matches(report, sides["server"])
        self.assertEqual(list(report.conns), [("server", sides["server"]["local"],
                                               sides["server"]["peer"])])

    def test_pid_keeps_the_handshake_role(self):
        """With --pid the handshake (softirq: no process) cannot be told apart by process,
        but its role is kept for the selected process's first data: a client whose own
        ephemeral port is watched too is still the client (the guess from ports would say
        server)."""
        port = 18091
        listener = harness.listen_on(port)
        client = subprocess.Popen(
            [sys.executable, "-c", "import socket, sys\n"
             "sys.stdin.readline()\n"
             f"c = socket.create_connection(('127.0.0.1', {port}))\n"
             "c.sendall(b'q' * 10)\n"
             "c.recv(5, socket.MSG_WAITALL)\n"
             "print('%s:%d' % c.getsockname())\n"
             "c.close()\n"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        try:
            sockeye = harness.Sockeye("--window", "1", "--ports", "1024-65535",
                                      "--pid", str(client.pid))
            try:
                client.stdin.write("go\n")
                client.stdin.flush()
                server, _ = listener.accept()
                server.recv(10, socket.MSG_WAITALL)
                server.sendall(b"r" * 5)
                local = client.stdout.readline().strip()
                self.assertEqual(client.wait(timeout=30), 0)
                server.close()
                harness.wait_port_idle(port)
            finally:
                report = sockeye.stop()
        finally:
            listener.close()
            if client.poll() is None:
                client.kill()
        self.assertEqual(list(report.conns), [("client", local, f"127.0.0.1:{port}")])
        got = report.conns[("client", local, f"127.0.0.1:{port}")]
        self.assertEqual((got["bytes_out"], got["bytes_in"], got["pid"]), (10, 5, client.pid))

    def pid_namespace_case(self, nested):
        """sockeye and the service in a pid namespace of their own, as in a pod (nested: the
        service in a child namespace of that one): --pid takes the number sockeye's
        namespace gives, which is not the kernel's. Exactly the selected process's
        connection is reported, under that number; another process of sockeye's namespace,
        on a watched port too, is not."""
        res = subprocess.run(["unshare", "--pid", "--fork", "--mount-proc", sys.executable,
                              os.path.abspath(__file__), INSIDE_PIDNS,
                              "nested" if nested else "same", "18093", "18094"],
                             capture_output=True, text=True, timeout=300)
        self.assertEqual(res.returncode, 0, res.stderr)
        inside = json.loads(res.stdout)
        report = harness.Report(inside["lines"])
        selected, other = inside["peers"]
        server = next(s for s in selected if s["role"] == "server")
        # tcp_peer prints its pid in its own namespace: pid 1 of the nested one
        self.assertEqual(server["pid"], 1 if nested else inside["pid"])
        self.assertEqual(list(report.conns), [("server", server["local"], server["peer"])],
                         inside["stderr"])
        self.assert_side_matches(report, dict(server, pid=inside["pid"]))
        for side in other:
            self.assertIsNone(report.conn(side["role"], side["local"], side["peer"]))

    def test_pid_in_a_pid_namespace(self):
        self.pid_namespace_case(nested=False)

    def test_pid_of_a_process_in_a_child_of_sockeyes_pid_namespace(self):
        self.pid_namespace_case(nested=True)

    def test_pid_of_a_process_in_a_child_pid_namespace(self):
        """sockeye in the initial pid namespace selects a process of a child namespace by the
        number it has here, the kernel's (its own namespace numbers it 1)."""
        port = "18095"
        go = os.path.join(tempfile.mkdtemp(), "go")
        peer = subprocess.Popen(["unshare", "--pid", "--fork", "--mount-proc", harness.TCP_PEER,
                                 "--family", "rw", "--port", port, "--wait-file", go],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            for _ in range(2):
                self.assertEqual(peer.stderr.readline().strip(), "connected")
            with open(f"/proc/{peer.pid}/task/{peer.pid}/children") as f:
                server_pid = int(f.read().split()[0])  # unshare's child: tcp_peer's server
            sockeye = harness.Sockeye("--window", "1", "--ports", port, "--pid", str(server_pid))
            try:
                open(go, "w").close()
                out, err = peer.communicate(timeout=60)
                self.assertEqual(peer.returncode, 0, err)
            finally:
                report = sockeye.stop()
        finally:
            if peer.poll() is None:
                peer.kill()
        sides = {s["role"]: s for s in map(json.loads, out.splitlines())}
        server = sides["server"]
        self.assertEqual(server["pid"], 1)
        self.assertEqual(list(report.conns), [("server", server["local"], server["peer"])])
        self.assert_side_matches(report, dict(server, pid=server_pid))

    def test_duration_and_sigterm_flush_the_last_window(self):
        """--duration, and SIGTERM; SIGHUP and SIGQUIT stop sockeye the same way (their
        default actions would end it at once, SIGQUIT with a core dump)."""
        port = "18086"
        signals = {"sigterm": signal.SIGTERM, "sighup": signal.SIGHUP, "sigquit": signal.SIGQUIT}
        for how in ("duration", "sigterm", "sighup", "sigquit"):
            with self.subTest(how=how):
                args = [harness.SOCKEYE, "--stdout", "--connections", "--window", "60",
                        "--ports", port]
                if how == "duration":
                    args += ["--duration", "3"]
                proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                        text=True)
                try:
                    for line in proc.stderr:  # log lines until capture has started
                        if "capturing:" in line:
                            break
                    sides = harness.run_peer("--family", "rw", "--port", port)
                    if how in signals:
                        proc.send_signal(signals[how])
                    out, err = proc.communicate(timeout=30)
                finally:
                    if proc.poll() is None:
                        proc.kill()
                self.assertEqual(proc.returncode, 0, err)
                # 60 s windows cut short: the last, partial window is flushed (a run that
                # crosses a minute boundary has two)
                report = harness.Report([json.loads(l) for l in out.splitlines()])
                self.assertIn(len(report.stats), (1, 2))
                last = report.stats[-1]
                self.assertLess(last["window_end"] - last["window_start"], 60000)
                for side in sides:
                    self.assert_side_matches(report, side)

    def reconnect_case(self, first_connect, control=False):
        """A socket first aimed at a watched port, then connected to an unwatched one
        without being closed: only what it did on the watched port may be reported.
        control: also run a plain peer on the watched port, which must be reported exactly
        (for a case where nothing else reaches the watched port, so the test could not pass
        with a sockeye that captured nothing)."""
        watched, unwatched = 18088, 18089
        sockeye = harness.Sockeye("--window", "1", "--ports", str(watched))
        try:
            other = harness.listen_on(unwatched)
            c = socket.socket()
            first_connect(c, watched)
            c.connect(("127.0.0.1", unwatched))
            a, _ = other.accept()
            c.sendall(b"u" * 4321)
            got = 0
            while got < 4321:
                got += len(a.recv(65536))
            a.sendall(b"v" * 99)
            c.recv(99, socket.MSG_WAITALL)
            for s in (c, a, other):
                s.close()
            sides = harness.run_peer("--family", "rw", "--port", str(watched)) if control else []
            time.sleep(0.5)
        finally:
            report = sockeye.stop()
        for side in sides:
            self.assert_side_matches(report, side)
        self.assertNotIn(unwatched, report.ports_seen())
        for key, got in report.conns.items():  # nothing of the second peer's traffic
            self.assertNotEqual(got["bytes_out"], 4321, key)
        self.assertEqual(report.total("conns_opened"), report.total("conns_closed"))
        return report

    def test_socket_reconnected_after_a_refused_connect(self):
        def refused(c, port):  # nothing listens: the non-blocking connect is refused
            c.setblocking(False)
            self.assertIn(c.connect_ex(("127.0.0.1", port)), (errno.EINPROGRESS, 0))
            time.sleep(0.2)
            self.assertEqual(c.connect_ex(("127.0.0.1", port)), errno.ECONNREFUSED)
            c.setblocking(True)

        self.reconnect_case(refused, control=True)

    def test_socket_reconnected_after_disconnect(self):
        listener = harness.listen_on(18088)

        def connected_then_unspec(c, port):
            c.connect(("127.0.0.1", port))
            a, _ = listener.accept()
            c.sendall(b"w" * 100)
            a.recv(100, socket.MSG_WAITALL)
            a.close()
            # connect(AF_UNSPEC) dissolves the association; the socket is reused as is
            libc = ctypes.CDLL(None, use_errno=True)
            unspec = (ctypes.c_ubyte * 16)()
            self.assertEqual(libc.connect(c.fileno(), unspec, 16), 0)

        try:
            report = self.reconnect_case(connected_then_unspec)
        finally:
            listener.close()
        client = [v for (role, _, peer), v in report.conns.items()
                  if role == "client" and peer.endswith(":18088")]
        self.assertEqual([c["bytes_out"] for c in client], [100])


INSIDE_PIDNS = "--inside-pid-namespace"


def pid_namespace_case(how, ports):
    """Run as the first process of a new pid namespace (Lifecycle.pid_namespace_case): a
    tcp_peer pair on each port (how == "nested": the first in a child namespace), sockeye
    --pid on the first pair's server; prints that server's pid here, both pairs' lines and
    sockeye's lines as one JSON object."""
    go = os.path.join(tempfile.mkdtemp(), "go")
    nest = ["unshare", "--pid", "--fork", "--mount-proc"] if how == "nested" else []
    peers = [subprocess.Popen((nest if i == 0 else []) +
                              [harness.TCP_PEER, "--family", "rw", "--port", port,
                               "--wait-file", go], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for i, port in enumerate(ports)]
    try:
        for p in peers:
            for _ in range(2):
                assert p.stderr.readline().strip() == "connected"
        server = peers[0].pid
        if nest:  # unshare's child is tcp_peer's server
            with open(f"/proc/{server}/task/{server}/children") as f:
                server = int(f.read().split()[0])
        sockeye = harness.Sockeye("--window", "1", "--ports", ",".join(ports),
                                  "--pid", str(server))
        try:
            open(go, "w").close()
            outs = []
            for p in peers:
                out, err = p.communicate(timeout=60)
                assert p.returncode == 0, err
                outs.append([json.loads(l) for l in out.splitlines()])
        finally:
            report = sockeye.stop()
    finally:
        for p in peers:
            if p.poll() is None:
                p.kill()
    print(json.dumps({"pid": server, "peers": outs, "lines": report.lines,
                      "stderr": sockeye.stderr}))


if __name__ == "__main__":
    if sys.argv[1:2] == [INSIDE_PIDNS]:
        pid_namespace_case(sys.argv[2], sys.argv[3:])
    else:
        unittest.main(argv=sys.argv[:1], verbosity=2)
