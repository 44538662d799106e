"""Connection lifecycle: a connection established before sockeye started is picked up
mid-stream with the right roles and exact counts from then on; connections whose processes
exit without close(2) still end (from the TCP state machine); every opened connection is
closed exactly once; bytes read after a reset belong to the connection that was reset;
--pid, --duration and SIGTERM. Each case watches a port of its own, so other traffic
cannot count."""

import json
import os
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

    def test_bytes_read_after_a_reset_stay_on_their_connection(self):
        port = "18084"
        sockeye = harness.Sockeye("--window", "1", "--ports", port)
        try:
            sides = harness.run_peer("--family", "rw", "--port", port, "--rst",
                                     "--up", "3000", "--down", "20000")
            time.sleep(0.5)
        finally:
            report = sockeye.stop()
        for side in sides:
            self.assert_side_matches(report, side)
        self.assertEqual(len(report.conns), 2, sorted(report.conns))  # no phantom connection
        self.assertEqual(report.total("conns_opened"), 2)
        self.assertEqual(report.total("conns_closed"), 2)

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

    def test_duration_and_sigterm_flush_the_last_window(self):
        port = "18086"
        for how in ("duration", "sigterm"):
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
                    if how == "sigterm":
                        proc.terminate()
                    out, err = proc.communicate(timeout=30)
                finally:
                    if proc.poll() is None:
                        proc.kill()
                self.assertEqual(proc.returncode, 0, err)
                # a 60 s window cut short: the partial window holds the traffic
                report = harness.Report([json.loads(l) for l in out.splitlines()])
                self.assertEqual(len(report.stats), 1)
                for side in sides:
                    self.assert_side_matches(report, side)


if __name__ == "__main__":
    unittest.main(argv=sys.argv[:1], verbosity=2)
