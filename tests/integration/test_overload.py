"""Nothing is lost silently: with rings far too small for the traffic and a worker that
drains rarely, records are dropped, and every drop shows up as a counted reason and as
counted stream gaps, never as silently shortened or shifted streams."""

import sys
import unittest

import harness


class Overload(harness.CaptureAssertions):
    @classmethod
    def setUpClass(cls):
        harness.require_root(cls)
        # 64 KiB rings drained once a second, no early wake-up: overflow is certain.
        sockeye = harness.Sockeye("--window", "1", "--ring-size", "64K", "--poll-ms", "1000",
                                  "--wakeup-bytes", "0", "--workers", "1")
        try:
            cls.runs = [harness.run_peer("--family", "rw", "--port", "8080", "--chunk", "4096",
                                         "--up", "2000000", "--down", "2000000")
                        for _ in range(3)]
        finally:
            cls.report = sockeye.stop()

    def test_drops_are_counted_by_reason(self):
        dropped = self.report.total_dropped()
        self.assertGreater(dropped["ring_full"], 0, dropped)
        self.assertGreater(dropped["stream_gap"], 0, dropped)

    def test_every_reported_byte_is_real_and_holes_are_counted(self):
        sent = delivered = 0
        for run in self.runs:
            for side in run:
                got = self.report.conn(side["role"], side["local"], side["peer"])
                if got is None:  # even the announcement can be lost; it is counted
                    sent += side["bytes_in"] + side["bytes_out"]
                    continue
                # reassembly never invents or duplicates bytes
                self.assertLessEqual(got["bytes_in"], side["bytes_in"])
                self.assertLessEqual(got["bytes_out"], side["bytes_out"])
                sent += side["bytes_in"] + side["bytes_out"]
                delivered += got["bytes_in"] + got["bytes_out"]
        self.assertLess(delivered, sent)
        holes = self.report.total("gap_bytes")
        if self.report.total("conns_closed") == 2 * len(self.runs):
            # every close record arrived, so every hole is known to the byte
            self.assertEqual(delivered + holes, sent)
        else:  # a close record itself was dropped (counted as ring_full)
            self.assertLessEqual(delivered + holes, sent)
        # what was written to the rings was all drained and handled
        self.assertEqual(self.report.total("events"), self.report.total("kernel_events"))
        self.assertGreater(self.report.total("gap_bytes"), 0)


if __name__ == "__main__":
    unittest.main(argv=sys.argv[:1], verbosity=2)
