"""Windows follow kernel time even when one worker drains several rings: records stamped
after a window edge are held until the worker's other rings are drained, so nothing from
before the edge is pushed into the next window and nothing is lost on the way. One worker,
every CPU's ring, traffic running across several one-second edges."""

import sys
import threading
import time
import unittest

import harness


class OneWorkerManyRings(harness.CaptureAssertions):
    @classmethod
    def setUpClass(cls):
        harness.require_root(cls)
        sockeye = harness.Sockeye("--window", "1", "--workers", "1", "--ports", "18060-18061",
                                  *harness.SANITIZED_RING)
        stop = threading.Event()
        # Round trips with no pause on one connection: every edge meets records at once
        # (the peers below come and go, with gaps between them).
        flow = threading.Thread(target=harness.trickle, args=(18061, stop, 0))
        try:
            flow.start()
            cls.runs = []
            deadline = time.monotonic() + 3.5  # at least three window edges under traffic
            while time.monotonic() < deadline:
                cls.runs.append(harness.run_peer("--family", "rw", "--port", "18060",
                                                 "--migrate", "--chunk", "1000",
                                                 "--up", "200000", "--down", "200000"))
        finally:
            stop.set()
            flow.join()
            cls.report = sockeye.stop()

    def test_records_past_an_edge_were_held_and_counted(self):
        self.assertGreater(self.report.total("deferred"), 0)
        self.assertEqual(self.report.total("events"), self.report.total("kernel_events"))
        self.assertEqual({k: v for k, v in self.report.total_dropped().items() if v}, {})

    def test_every_connection_exact(self):
        for run in self.runs:
            for side in run:
                self.assert_side_matches(self.report, side)

    def test_windows_contiguous(self):
        stats = self.report.stats
        self.assertGreaterEqual(len(stats), 4)
        for prev, cur in zip(stats, stats[1:]):
            self.assertEqual(prev["window_end"], cur["window_start"])
            self.assertEqual(cur["shards"], 1)


if __name__ == "__main__":
    unittest.main(argv=sys.argv[:1], verbosity=2)
