"""Connection lifecycle: a connection established before sockeye started is picked up
mid-stream with the right roles and exact counts from then on; connections whose processes
exit without close(2) still end (from the TCP state machine); every opened connection is
closed exactly once. Each case watches a port of its own, so other traffic cannot count."""

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


if __name__ == "__main__":
    unittest.main(argv=sys.argv[:1], verbosity=2)
